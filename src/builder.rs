//! Builders: a container with a name, an observer, a chosen window or a fixed
//! maximum capacity.

use crate::mapper_ref::MapperRef;
use crate::settings::{Config, Guard, HeapLimit};
use crate::telemetry::Observer;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

/// Configures a [`MappedVector`](crate::MappedVector),
/// [`MappedQueue`](crate::MappedQueue) or (cargo feature `bytes`)
/// `MappedBytes` beyond what `new` offers. A byte buffer's
/// [`max_capacity`](Self::max_capacity) is in bytes.
///
/// ```
/// use mapped::{MappedVector, MAPPER};
///
/// # if !mapped::OsMapper::MAPS { return Ok(()); } // this shows mapped storage
/// let mut v = MappedVector::<u64, 4>::builder(MAPPER)
///     .name("ingest")              // shows up in spans and observer events
///     .max_capacity(1 << 20)       // a fixed window: addresses never move
///     .build()?;
/// v.push(7).map_err(|e| e.into_parts().1)?;
/// assert!(v.max_capacity() >= Some(1 << 20));
/// # Ok::<(), mapped::Error>(())
/// ```
pub struct Builder<C> {
    pub(crate) config: Config,
    _container: PhantomData<fn() -> C>,
}

impl<C> Builder<C> {
    pub(crate) fn new(mapper: MapperRef) -> Self {
        Builder {
            config: Config::new(mapper),
            _container: PhantomData,
        }
    }

    /// A name for the container, recorded in tracing spans and given to
    /// observers. It is not a metric label: names are unbounded, and labels
    /// must not be.
    pub fn name(mut self, name: &str) -> Self {
        self.config.label.name = Some(Arc::from(name));
        self
    }

    /// An observer of this container's memory events only, called before the
    /// process-wide one (see [`set_observer`](crate::set_observer)).
    pub fn observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.config.label.observer = Some(observer);
        self
    }

    /// Bytes of address space reserved at the first push (rounded up to
    /// pages; default [`DEFAULT_WINDOW`](crate::DEFAULT_WINDOW)).
    /// When it fills, the container moves to one twice as large. Ignored
    /// when [`max_capacity`](Self::max_capacity) is set.
    pub fn initial_window(mut self, bytes: usize) -> Self {
        self.config.first_window = Some(bytes);
        self
    }

    /// Reserve room for at least `elements` elements once, up front: the
    /// addresses of elements never change, and growing past it is
    /// [`Error::WindowFull`](crate::Error::WindowFull). It needs address
    /// space to reserve: on a target without mappings, `build` is an
    /// [`Error::Os`](crate::Error::Os) whose source is
    /// [`Unsupported`](std::io::ErrorKind::Unsupported).
    pub fn max_capacity(mut self, elements: usize) -> Self {
        self.config.max_capacity = Some(elements);
        self
    }
}

impl<C> Builder<C> {
    /// Delays giving memory back: a container that becomes sparse keeps its
    /// pages until they have stayed unused for `delay`, checked on later
    /// removals and by [`MappedVector::trim`](crate::MappedVector::trim).
    /// A burst that refills within the delay then costs no system call and
    /// no page fault, for a little more resident memory in between (the way
    /// jemalloc and mimalloc delay their purges). The default is immediate.
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    /// use std::time::Duration;
    ///
    /// # if !mapped::OsMapper::MAPS { return Ok(()); } // this shows mapped storage
    /// let mut v = MappedVector::<u64>::builder(MAPPER).decay(Duration::from_millis(10)).build()?;
    /// v.extend_from_slice(&[0; 100_000])?;
    /// let full = v.committed_bytes();
    /// v.clear();
    /// assert_eq!(v.committed_bytes(), full); // kept for a while...
    /// std::thread::sleep(Duration::from_millis(20));
    /// assert!(v.trim());                       // ...then given back
    /// assert!(v.committed_bytes() < full);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    pub fn decay(mut self, delay: Duration) -> Self {
        self.config.decay = Some(delay);
        self
    }

    /// Asks the OS to back the container's reservation with transparent
    /// huge pages (Linux `MADV_HUGEPAGE`; a hint elsewhere ignored). A large
    /// container then takes one page fault per 2 MiB instead of per 4 KiB:
    /// filling 80 MiB measured 4x faster here. The cost: the kernel may
    /// spend time compacting memory to find huge pages, and decommitting
    /// part of a huge page splits it. Off by default, as in allocators.
    pub fn huge_pages(mut self, on: bool) -> Self {
        self.config.huge_pages = on;
        self
    }
}

impl<C> Builder<C> {
    /// Bytes of contents the container keeps on the heap, in one allocation
    /// from the global allocator grown like `Vec`'s, before it moves them
    /// into a mapping of its own; it moves back when they fall under a
    /// quarter of this. A container on the heap makes no system call and
    /// holds no kernel mapping, so a program may hold any number of them
    /// (`vm.max_map_count` bounds only the mapped ones).
    ///
    /// The default is the `N` pages a container keeps no matter what (at
    /// least one page). 0 keeps every byte in a mapping from the first
    /// push. A larger limit suits many mid-sized containers, at the cost of
    /// memory that goes back only to the allocator. At most `u32::MAX`
    /// bytes (4 GiB): larger values are taken as that. Ignored with a fixed
    /// window ([`max_capacity`](Self::max_capacity)), which is always
    /// mapped.
    ///
    /// ```
    /// use mapped::{MappedVector, Storage, MAPPER};
    ///
    /// # if !mapped::OsMapper::MAPS { return Ok(()); } // this shows mapped storage
    /// let mut v = MappedVector::<u64>::builder(MAPPER).heap_limit(64 << 10).build()?;
    /// v.extend_from_slice(&[7; 1000])?; // 8 KB: still on the heap
    /// assert_eq!(v.storage(), Storage::Heap);
    /// v.extend_from_slice(&[7; 10_000])?; // 88 KB: mapped
    /// assert_eq!(v.storage(), Storage::Mapped);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    pub fn heap_limit(mut self, bytes: usize) -> Self {
        self.config.heap_limit = Some(HeapLimit::new(bytes));
        self
    }
}

impl<C> Builder<C> {
    /// Which kind of mapping the container takes on the OS mapper when its
    /// contents move into one (see [`Guard`]).
    ///
    /// A *guarded* mapping is a reservation with a committed prefix: its
    /// decommitted pages are protected, so a stray access to them faults
    /// at once. It costs up to two of the process's kernel mappings
    /// (`vm.max_map_count`, 65530 by default on Linux, shared with thread
    /// stacks, `malloc` and the loader). An *unguarded* one is a single
    /// read-write mapping that the kernel merges with its neighbours, so a
    /// hundred thousand of them cost a handful of kernel mappings; a stray
    /// access to its decommitted pages reads zeros instead of faulting.
    /// Past the kernel-mapping budget
    /// ([`set_mapping_budget`](crate::set_mapping_budget)), the default
    /// [`Guard::Auto`] takes the unguarded kind.
    ///
    /// ```
    /// use mapped::{Guard, MappedVector, MAPPER};
    ///
    /// # if !mapped::OsMapper::MAPS { return Ok(()); } // this shows mapped storage
    /// let mut v = MappedVector::<u8>::builder(MAPPER).guard(Guard::Never).build()?;
    /// v.extend_from_slice(&[7; 100_000])?;
    /// assert_eq!(v.storage(), mapped::Storage::Mapped);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    pub fn guard(mut self, guard: Guard) -> Self {
        self.config.guard = guard;
        self
    }
}

impl<C> fmt::Debug for Builder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("config", &self.config)
            .finish()
    }
}
