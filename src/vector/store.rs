//! Where a vector's memory comes from: nothing, the heap, or a mapping, and
//! the cold half of the vector that says which.
//!
//! The vector keeps its hot fields (pointer, length, the cached limits)
//! inline; everything else sits here. A vector made by `new(MAPPER)` is
//! [`Store::Plain`]: no allocation beyond its elements. A configured or
//! mapped one keeps a [`Cold`] box, which the fast path never reads.

use super::decay::Decay;
use crate::builder::{Config, Window};
use crate::error::Error;
use crate::failpoints;
use crate::mapper::{Mapper, MapperRef};
use crate::policy;
use crate::region::Region;
use crate::telemetry::{self, names, Label};
use std::alloc::{self, Layout};
use std::ptr::NonNull;

/// The kind of container, for telemetry: what the `container` label says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Vector,
    Queue,
}

impl Kind {
    pub(super) fn from_label(container: &'static str) -> Kind {
        if container == names::CONTAINER_QUEUE {
            Kind::Queue
        } else {
            Kind::Vector
        }
    }

    pub(super) fn label(self) -> &'static str {
        match self {
            Kind::Vector => names::CONTAINER_VECTOR,
            Kind::Queue => names::CONTAINER_QUEUE,
        }
    }
}

/// Everything about a vector beyond its elements' pointer and length.
pub(super) enum Store {
    /// What `new(MAPPER)` gives (perhaps with another heap limit), with
    /// nothing mapped: empty or on the heap.
    Plain {
        kind: Kind,
        /// Bytes of contents kept on the heap.
        heap_limit: u32,
    },
    /// Configured, or mapped.
    Cold(Box<Cold>),
}

/// The cold half of a configured or mapped vector.
pub(super) struct Cold {
    /// The mapper, the telemetry label and the reservation, if any: the
    /// vector is mapped exactly when the region holds one.
    pub(super) region: Region,
    pub(super) window: Window,
    /// Set when decommits wait for memory to stay unused (the decay option).
    pub(super) decay: Option<Decay>,
    /// Bytes of contents kept on the heap (0: always mapped).
    pub(super) heap_limit: usize,
    /// Whether the configuration differs from `new(MAPPER)`'s in more than
    /// a heap limit: if not, the box goes when the mapping does.
    pub(super) configured: bool,
}

impl Store {
    /// The store for `config`; `dangling` is the base an empty region
    /// reports, aligned for the elements.
    pub(super) fn new(config: Config, window: Window, pages: usize, dangling: NonNull<u8>) -> Self {
        let heap_limit = match window {
            // A fixed window's addresses never move: always mapped.
            Window::Fixed { .. } => 0,
            Window::Growable { .. } => config.heap_limit.unwrap_or_else(|| {
                policy::default_heap_limit(pages, config.mapper.get().page_size())
            }),
        };
        if config.is_plain() {
            if let Ok(heap_limit) = u32::try_from(heap_limit) {
                let kind = Kind::from_label(config.label.container);
                return Store::Plain { kind, heap_limit };
            }
        }
        let mut region = Region::new(config.mapper, config.label, dangling);
        region.set_huge_pages(config.huge_pages);
        region.set_decay(config.decay);
        Store::Cold(Box::new(Cold {
            region,
            window,
            decay: config.decay.map(Decay::new),
            heap_limit,
            configured: true,
        }))
    }

    /// The mapped region, if the vector is mapped.
    #[inline]
    pub(super) fn mapping(&self) -> Option<&Region> {
        match self {
            Store::Cold(cold) if cold.region.is_mapped() => Some(&cold.region),
            _ => None,
        }
    }

    #[inline]
    pub(super) fn is_mapped(&self) -> bool {
        self.mapping().is_some()
    }

    pub(super) fn cold(&self) -> Option<&Cold> {
        match self {
            Store::Cold(cold) => Some(cold),
            Store::Plain { .. } => None,
        }
    }

    pub(super) fn cold_mut(&mut self) -> Option<&mut Cold> {
        match self {
            Store::Cold(cold) => Some(cold),
            Store::Plain { .. } => None,
        }
    }

    /// The cold half, made with the defaults if the vector had none.
    ///
    /// # Errors
    ///
    /// [`Error::Alloc`] when the allocator refuses the box.
    pub(super) fn cold_or_default(&mut self, dangling: NonNull<u8>) -> Result<&mut Cold, Error> {
        if let Store::Plain { kind, heap_limit } = *self {
            let mut label = Label::vector();
            label.container = kind.label();
            let region = Region::new(MapperRef::from(crate::MAPPER), label, dangling);
            let cold = Cold {
                region,
                window: Window::Growable {
                    first: policy::DEFAULT_WINDOW,
                },
                decay: None,
                heap_limit: heap_limit as usize,
                configured: false,
            };
            *self = Store::Cold(try_box(cold)?);
        }
        match self {
            Store::Cold(cold) => Ok(cold),
            Store::Plain { .. } => unreachable!("made cold above"),
        }
    }

    /// Drops the cold half if it holds nothing `Plain` does not say: no
    /// mapping and no configuration.
    pub(super) fn trim_to_plain(&mut self) {
        if let Store::Cold(cold) = self {
            if let Some(plain) = cold.as_plain() {
                *self = plain;
            }
        }
    }

    /// The telemetry label of the container.
    pub(super) fn container(&self) -> &'static str {
        match self {
            Store::Plain { kind, .. } => kind.label(),
            Store::Cold(cold) => cold.region.container(),
        }
    }

    /// Calls the container something else (`vector` or `queue`).
    pub(super) fn set_container(&mut self, container: &'static str) {
        match self {
            Store::Plain { kind, .. } => *kind = Kind::from_label(container),
            Store::Cold(cold) => cold.region.set_container(container),
        }
    }

    /// Bytes of contents kept on the heap (0: always mapped).
    #[inline]
    pub(super) fn heap_limit(&self) -> usize {
        match self {
            Store::Plain { heap_limit, .. } => *heap_limit as usize,
            Store::Cold(cold) => cold.heap_limit,
        }
    }

    /// The mapper's page size.
    pub(super) fn page_size(&self) -> usize {
        match self {
            Store::Plain { .. } => crate::MAPPER.page_size(),
            Store::Cold(cold) => cold.region.page_size(),
        }
    }

    /// A store configured like this one, holding no memory.
    pub(super) fn empty_like(&self, dangling: NonNull<u8>) -> Store {
        let cold = match self {
            Store::Plain { kind, heap_limit } => {
                return Store::Plain {
                    kind: *kind,
                    heap_limit: *heap_limit,
                }
            }
            Store::Cold(cold) => cold,
        };
        if let Some(plain) = cold.plain_settings() {
            return plain;
        }
        Store::Cold(Box::new(Cold {
            region: cold.region.empty_like(dangling),
            window: cold.window,
            decay: cold.decay.map(|mut d| {
                d.reset();
                d
            }),
            heap_limit: cold.heap_limit,
            configured: cold.configured,
        }))
    }
}

impl Cold {
    /// The plain store this cold half stands for, if it holds nothing a
    /// plain store cannot say: no configuration and no mapping.
    fn as_plain(&self) -> Option<Store> {
        if self.region.is_mapped() {
            return None;
        }
        self.plain_settings()
    }

    /// A plain store with these settings, if a plain store can hold them
    /// (whatever the mapping).
    fn plain_settings(&self) -> Option<Store> {
        if self.configured {
            return None;
        }
        let heap_limit = u32::try_from(self.heap_limit).ok()?;
        let kind = Kind::from_label(self.region.container());
        Some(Store::Plain { kind, heap_limit })
    }
}

/// `Box::new`, but an allocation failure is an error rather than an abort.
fn try_box<V>(value: V) -> Result<Box<V>, Error> {
    let layout = Layout::new::<V>();
    if layout.size() == 0 {
        return Ok(Box::new(value));
    }
    // SAFETY: the layout has a nonzero size.
    let raw = unsafe { alloc::alloc(layout) }.cast::<V>();
    if raw.is_null() {
        return Err(Error::Alloc {
            bytes: layout.size(),
        });
    }
    // SAFETY: `raw` is a fresh allocation of `V`'s layout; writing the value
    // initializes it, and `Box` frees it with the same layout.
    unsafe {
        raw.write(value);
        Ok(Box::from_raw(raw))
    }
}

/// The heap allocation of `capacity` elements of `T`, all state-keeping
/// for heap storage: allocation, reallocation and freeing through the
/// global allocator, with a refusal as an [`Error`] (never an abort), and
/// each change reported to telemetry's heap bytes.
pub(super) mod heap {
    use super::*;

    fn layout<T>(capacity: usize) -> Result<Layout, Error> {
        Layout::array::<T>(capacity).map_err(|_| Error::CapacityOverflow)
    }

    /// Resizes the allocation at `ptr` of `old` elements to `new` (both
    /// nonzero unless `old` is 0, which allocates afresh). The contents up
    /// to the smaller capacity are kept.
    ///
    /// # Safety
    ///
    /// `ptr` was allocated by this module for `old` elements of `T` (or
    /// `old` is 0), and `T` is not zero-sized.
    pub(in crate::vector) unsafe fn resize<T>(
        ptr: NonNull<T>,
        old: usize,
        new: usize,
        container: &'static str,
    ) -> Result<NonNull<T>, Error> {
        debug_assert!(new > 0 && std::mem::size_of::<T>() > 0);
        let new_layout = layout::<T>(new)?;
        if failpoints::ALLOC.fires() {
            return Err(Error::Alloc {
                bytes: new_layout.size(),
            });
        }
        let raw = if old == 0 {
            // SAFETY: `new_layout` has a nonzero size (`new > 0`, `T` sized).
            unsafe { alloc::alloc(new_layout) }
        } else {
            // SAFETY: the caller promises `ptr` came from an allocation of
            // `old` elements, whose layout was valid then.
            unsafe {
                let old_layout = Layout::array::<T>(old).unwrap_unchecked();
                alloc::realloc(ptr.as_ptr().cast(), old_layout, new_layout.size())
            }
        };
        let ptr = NonNull::new(raw.cast::<T>()).ok_or(Error::Alloc {
            bytes: new_layout.size(),
        })?;
        telemetry::heap_resized(container, old * size_of::<T>(), new_layout.size());
        Ok(ptr)
    }

    /// Frees the allocation of `capacity` elements at `ptr` (nothing if 0).
    ///
    /// # Safety
    ///
    /// `ptr` was allocated by this module for `capacity` elements of `T`,
    /// and is not used again.
    pub(in crate::vector) unsafe fn free<T>(
        ptr: NonNull<T>,
        capacity: usize,
        container: &'static str,
    ) {
        if capacity == 0 || size_of::<T>() == 0 {
            return;
        }
        // SAFETY: as the caller promises; the layout was valid when the
        // allocation was made.
        unsafe {
            let layout = Layout::array::<T>(capacity).unwrap_unchecked();
            alloc::dealloc(ptr.as_ptr().cast(), layout);
        }
        telemetry::heap_resized(container, capacity * size_of::<T>(), 0);
    }

    use std::mem::size_of;
}
