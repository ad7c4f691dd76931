//! `RawStore`: the memory of one container, in every state, and the one
//! place that decides which state it is in.
//!
//! A container's elements live in nothing at all, in one heap allocation,
//! or in a mapping of its own ([`Storage`]). `RawStore` owns that memory
//! (the pointer, its one authoritative capacity, and the state)
//! and frees it in its own `Drop`. It is the only code that talks to
//! `Region`, the global allocator and heap telemetry, and it knows nothing
//! of elements but their [`Shape`]: it is not generic, so it is compiled
//! once, not once per element type, as std's `RawVecInner` is beneath its
//! `Vec<T>`. Its callers pass the elements' length to every operation
//! that needs it.
//!
//! Two fields are caches for the element layer's fast paths, each with one
//! meaning: [`write_below`](RawStore::write_below) (`push` writes slot
//! `len` without asking while `len` is below it) and
//! [`shrink_below`](RawStore::shrink_below) (a removal leaving fewer
//! elements asks [`shrink_sparse`](RawStore::shrink_sparse)). The store
//! keeps both right after every change it makes.
//!
//! | storage | [`State`] |
//! |---|---|
//! | empty or heap, configured as `new(MAPPER)` (perhaps with a heap limit) | `Light`: nothing boxed |
//! | empty or heap, configured otherwise | `Full`, holding `Heap` |
//! | mapped | `Full`, holding `Mapped` |
//!
//! A `Full` state with `new(MAPPER)`'s settings is always mapped: when it
//! leaves its mapping it becomes `Light` again ([`RawStore::settle`]).

mod decay;
mod grow;
mod heap;
mod shape;
mod shrink;

pub(crate) use shape::Shape;

use crate::error::Error;
use crate::inventory::{self, Registration};
use crate::mapper_ref::MapperRef;
use crate::os;
use crate::policy;
use crate::region::Region;
use crate::settings::{Config, HeapLimit, Settings, Window};
use crate::slab::{Pool, Pooled, SlabBox};
use crate::telemetry::{self, Kind};
use decay::Decay;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::ptr::NonNull;

/// Where a container's elements are: see
/// [`MappedVector::storage`](crate::MappedVector::storage).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Storage {
    /// No storage at all: nothing allocated, reserved or committed.
    Empty,
    /// One allocation from the global allocator, below the heap limit: no
    /// system call, no kernel mapping.
    /// [`MappedVector::heap_bytes`](crate::MappedVector::heap_bytes) says
    /// how large.
    Heap,
    /// A reservation of its own, with a committed prefix:
    /// [`MappedVector::committed_bytes`](crate::MappedVector::committed_bytes)
    /// and [`MappedVector::reserved_bytes`](crate::MappedVector::reserved_bytes)
    /// say how large.
    Mapped,
}

/// How much a growth makes room for.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Growth {
    /// At least doubling, as `Vec::reserve`; which new bytes are about to
    /// be written.
    Amortized(Writes),
    /// Exactly what is asked (rounded up to pages when mapped), as
    /// `Vec::reserve_exact`.
    Exact,
}

/// What a growth is for: which of the new bytes are about to be written, and
/// so worth faulting in with one call rather than a trap per page.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Writes {
    /// Nothing known (`reserve`): leave the pages to fault when touched.
    None,
    /// Everything up to the bytes asked for (`extend`).
    Needed,
    /// Pushes one at a time: the next stretch of pages.
    Ahead,
}

/// The memory of one container: see the module docs.
pub(crate) struct RawStore {
    /// The elements: [`Shape::dangling`] while there is no storage, else
    /// the heap allocation or the mapping's base.
    ptr: NonNull<u8>,
    /// Cached for `push`: slot `len` may be written with no call into the
    /// store while `len < write_below`. At most the capacity: on the heap,
    /// the capacity; mapped, the elements whose pages are committed and
    /// need no populate hint; `usize::MAX` for zero-sized elements.
    write_below: usize,
    /// Cached for removals: one that leaves fewer elements than this calls
    /// [`shrink_sparse`](Self::shrink_sparse). 0 (never) unless mapped.
    shrink_below: usize,
    state: State,
}

// SAFETY: the store owns its memory outright (the pointer is unique, as a
// `Vec`'s is); what it holds besides is `Send + Sync` (mappers are).
unsafe impl Send for RawStore {}
// SAFETY: `&RawStore` gives only reads of plain fields.
unsafe impl Sync for RawStore {}

/// See the module docs' table.
///
/// The boxed full state is `ManuallyDrop` so that `State` has no drop glue:
/// a light store's drop, the common case, is then only
/// [`RawStore`]'s own (one free, inlined as a `Vec`'s is), with no second
/// look at the variant. [`drop_full`](RawStore::drop_full) and
/// [`settle`](RawStore::settle), the two places a full state ends, drop
/// the box.
enum State {
    Light(Light),
    Full(ManuallyDrop<SlabBox<Full>>),
}

impl State {
    /// The full state, as a plain reference, so that its fields (the
    /// settings and the holding, say) can be borrowed apart; `None` for a
    /// light store.
    fn full_mut(&mut self) -> Option<&mut Full> {
        match self {
            State::Full(full) => Some(full),
            State::Light(_) => None,
        }
    }
}

/// A container with `new(MAPPER)`'s settings, but perhaps the heap limit,
/// that is empty or on the heap: 16 bytes, inline.
#[derive(Clone, Copy)]
struct Light {
    kind: Kind,
    /// `log2` of the elements' alignment, for freeing the allocation.
    align_log2: u8,
    heap_limit: HeapLimit,
    /// Elements the heap allocation holds (0: none). Its bytes are under
    /// the heap limit, so a `u32`.
    cap: u32,
    /// The elements' size, for freeing the allocation (a light store
    /// holds only elements of at most `u32::MAX` bytes).
    size: u32,
}

impl Light {
    /// An empty light store, if the elements' size fits one.
    #[inline]
    fn new(kind: Kind, heap_limit: HeapLimit, shape: Shape) -> Option<Self> {
        Some(Light {
            kind,
            align_log2: shape.align.trailing_zeros() as u8,
            heap_limit,
            cap: 0,
            size: u32::try_from(shape.size).ok()?,
        })
    }
}

/// Everything else: configured, or mapped.
struct Full {
    settings: Settings,
    holding: Holding,
    /// The elements' size and alignment, for freeing the heap allocation.
    size: usize,
    align: usize,
    /// The decay clock, read only when the settings have a delay.
    decay: Decay,
    /// Its place in the [inventory](crate::inventory()) while mapped.
    registration: Option<Registration>,
}

/// The pool `Full` states live in: off the heap, so that a burst of
/// containers moving into mappings leaves no holes there (`crate::slab`).
static FULLS: Pool = Pool::new(std::alloc::Layout::new::<Full>());

impl Pooled for Full {
    fn pool() -> &'static Pool {
        &FULLS
    }
}

/// The locks of the `Full` states' pool, for the fork handlers.
#[cfg(unix)]
pub(crate) fn fork_locks() -> impl Iterator<Item = &'static dyn crate::sync::HeldAcrossFork> {
    FULLS.fork_locks()
}

impl Full {
    /// Registers the container, now mapped, in the inventory, as made at
    /// `site`.
    fn register(&mut self, site: &'static Location<'static>) {
        let label = &self.settings.label;
        let mapper = self.settings.mapper.get().name();
        self.registration = Some(inventory::register(
            label.name.clone(),
            label.kind,
            mapper,
            site,
        ));
    }
}

/// The memory a `Full` container holds.
enum Holding {
    /// Elements the heap allocation holds (0: nothing).
    Heap { cap: usize },
    /// A reservation with a committed prefix.
    Mapped(Region),
}

impl RawStore {
    /// The store `new(mapper)` gives: nothing allocated, reserved or
    /// boxed for the OS mapper.
    ///
    /// Inlined into `MappedVector::new`, where the mapper and the shape are
    /// constants: for `new(MAPPER)` all that is left is the page size read
    /// and the stores, as cheap as `Vec::new` but for that one load.
    #[inline(always)]
    pub(crate) fn new(mapper: MapperRef, shape: Shape) -> Self {
        if mapper.is_os() && !shape.is_zst() {
            let heap_limit = default_heap_limit(shape, os::page_size());
            if let Some(light) = Light::new(Kind::Vector, heap_limit, shape) {
                // What `refresh` works out for an empty heap store.
                return RawStore {
                    ptr: shape.dangling(),
                    write_below: 0,
                    shrink_below: 0,
                    state: State::Light(light),
                };
            }
        }
        Self::new_full(mapper, shape)
    }

    /// `new` for every other mapper, and for zero-sized elements.
    #[inline(never)]
    fn new_full(mapper: MapperRef, shape: Shape) -> Self {
        let page = mapper.page_size();
        if mapper.is_os() {
            if let Some(light) = Light::new(Kind::Vector, default_heap_limit(shape, page), shape) {
                return Self::with_state(State::Light(light), shape);
            }
        }
        let window = Window::Growable {
            first: policy::DEFAULT_WINDOW,
        };
        let settings =
            Settings::resolve(Config::new(mapper), window, default_heap_limit(shape, page));
        Self::with_settings(settings, shape)
    }

    /// The store a builder's `config` asks for; a fixed window is reserved
    /// now.
    ///
    /// # Errors
    ///
    /// A fixed window whose size overflows, elements aligned beyond the
    /// page size (with a fixed window), or a refused reservation.
    pub(crate) fn build(
        config: Config,
        shape: Shape,
        site: &'static Location<'static>,
    ) -> Result<Self, Error> {
        let page = config.mapper.page_size();
        let window = match (config.max_capacity, config.first_window) {
            // Zero-sized elements take no memory: any maximum fits in none.
            (Some(_), _) if shape.is_zst() => Window::Fixed { max: 0 },
            (Some(max), _) => {
                let needed = policy::bytes_for(max, shape.size).ok_or(Error::CapacityOverflow)?;
                Window::Fixed {
                    max: policy::round_to_pages(needed, page)
                        .ok_or(Error::AddressSpace { needed })?,
                }
            }
            (None, Some(first)) => Window::Growable {
                first: policy::round_to_pages(first.max(1), page).ok_or(Error::CapacityOverflow)?,
            },
            (None, None) => Window::Growable {
                first: policy::DEFAULT_WINDOW,
            },
        };
        let settings = Settings::resolve(config, window, default_heap_limit(shape, page));
        let mut store = Self::with_settings(settings, shape);
        store.reserve_fixed_window(shape, site)?;
        Ok(store)
    }

    /// An empty store with the same settings (a fixed window reserved now).
    pub(crate) fn empty_like(
        &self,
        shape: Shape,
        site: &'static Location<'static>,
    ) -> Result<Self, Error> {
        let settings = match &self.state {
            State::Light(light) => Settings::light(light.kind, light.heap_limit),
            State::Full(full) => full.settings.clone(),
        };
        let mut store = Self::with_settings(settings, shape);
        store.reserve_fixed_window(shape, site)?;
        Ok(store)
    }

    /// An empty store with `settings`, light if they allow.
    fn with_settings(settings: Settings, shape: Shape) -> Self {
        let light = settings
            .as_light()
            .and_then(|(kind, heap_limit)| Light::new(kind, heap_limit, shape));
        let state = match light {
            Some(light) => State::Light(light),
            None => State::Full(ManuallyDrop::new(SlabBox::boxed(Full {
                settings,
                holding: Holding::Heap { cap: 0 },
                size: shape.size,
                align: shape.align,
                decay: Decay::default(),
                registration: None,
            }))),
        };
        Self::with_state(state, shape)
    }

    /// A store in `state`, which holds no memory.
    fn with_state(state: State, shape: Shape) -> Self {
        let mut store = RawStore {
            ptr: shape.dangling(),
            write_below: 0,
            shrink_below: 0,
            state,
        };
        store.refresh(shape);
        store
    }

    /// Reserves a fixed window now, if the settings have one: its addresses
    /// never change from here on.
    fn reserve_fixed_window(
        &mut self,
        shape: Shape,
        site: &'static Location<'static>,
    ) -> Result<(), Error> {
        let State::Full(full) = &mut self.state else {
            return Ok(());
        };
        let Window::Fixed { max } = full.settings.window else {
            return Ok(());
        };
        if max == 0 || shape.is_zst() {
            return Ok(());
        }
        shape.check_alignment(full.settings.mapper.page_size())?;
        let mut region = Region::new();
        region.reserve(&full.settings, max)?;
        full.holding = Holding::Mapped(region);
        full.register(site);
        // (A reservation from the cache comes with pages committed.)
        self.refresh(shape);
        Ok(())
    }

    // ---- what the element layer reads ----

    /// The elements' storage: see the field.
    #[inline]
    pub(crate) fn ptr(&self) -> NonNull<u8> {
        self.ptr
    }

    /// See the field.
    #[inline]
    pub(crate) fn write_below(&self) -> usize {
        self.write_below
    }

    /// See the field.
    #[inline]
    pub(crate) fn shrink_below(&self) -> usize {
        self.shrink_below
    }

    /// Elements the storage holds without allocating or calling the OS:
    /// those that fit in the heap allocation or, mapped, in the committed
    /// pages. `usize::MAX` for zero-sized elements.
    #[inline]
    pub(crate) fn capacity(&self, shape: Shape) -> usize {
        if shape.is_zst() {
            return usize::MAX;
        }
        match &self.state {
            State::Light(light) => light.cap as usize,
            State::Full(full) => match &full.holding {
                Holding::Heap { cap } => *cap,
                Holding::Mapped(region) => region.committed() / shape.size,
            },
        }
    }

    /// The heap allocation's capacity, in elements (0 when mapped).
    #[inline]
    fn heap_capacity(&self) -> usize {
        match &self.state {
            State::Light(light) => light.cap as usize,
            State::Full(full) => match full.holding {
                Holding::Heap { cap } => cap,
                Holding::Mapped(_) => 0,
            },
        }
    }

    /// Where the elements are now.
    pub(crate) fn storage(&self) -> Storage {
        match &self.state {
            State::Full(full) if matches!(full.holding, Holding::Mapped(_)) => Storage::Mapped,
            _ if self.heap_capacity() > 0 => Storage::Heap,
            _ => Storage::Empty,
        }
    }

    /// The mapping, if the elements are in one.
    #[inline]
    fn region(&self) -> Option<&Region> {
        match &self.state {
            State::Full(full) => match &full.holding {
                Holding::Mapped(region) => Some(region),
                Holding::Heap { .. } => None,
            },
            State::Light(_) => None,
        }
    }

    #[inline]
    fn is_mapped(&self) -> bool {
        self.region().is_some()
    }

    /// Committed bytes: 0 unless mapped.
    #[inline]
    pub(crate) fn committed_bytes(&self) -> usize {
        self.region().map_or(0, Region::committed)
    }

    /// Reserved bytes: 0 unless mapped.
    #[inline]
    pub(crate) fn reserved_bytes(&self) -> usize {
        self.region().map_or(0, Region::reserved)
    }

    /// Bytes of the heap allocation: 0 unless on the heap.
    #[inline]
    pub(crate) fn heap_bytes(&self) -> usize {
        match &self.state {
            State::Light(light) => light.cap as usize * light.size as usize,
            State::Full(full) => match full.holding {
                Holding::Heap { cap } => cap * full.size,
                Holding::Mapped(_) => 0,
            },
        }
    }

    /// Bytes of contents kept on the heap (0: always mapped).
    #[inline]
    pub(crate) fn heap_limit(&self) -> usize {
        match &self.state {
            State::Light(light) => light.heap_limit.bytes(),
            State::Full(full) => full.settings.heap_limit.bytes(),
        }
    }

    /// The mapper's page size.
    #[inline]
    pub(crate) fn page_size(&self) -> usize {
        match &self.state {
            State::Light(_) => os::page_size(),
            State::Full(full) => full.settings.mapper.page_size(),
        }
    }

    /// Bytes a mapped container keeps committed however empty it gets:
    /// the `N` initial pages.
    #[inline]
    pub(crate) fn initial_bytes(&self, shape: Shape) -> usize {
        policy::initial_bytes(shape.pages, self.page_size(), shape.size)
    }

    /// For a fixed window, the most elements it can ever hold.
    pub(crate) fn max_capacity(&self, shape: Shape) -> Option<usize> {
        match self.settings().map(|s| s.window) {
            Some(Window::Fixed { .. }) if shape.is_zst() => Some(usize::MAX),
            Some(Window::Fixed { max }) => Some(max / shape.size),
            _ => None,
        }
    }

    fn settings(&self) -> Option<&Settings> {
        match &self.state {
            State::Full(full) => Some(&full.settings),
            State::Light(_) => None,
        }
    }

    /// The kind of container, for telemetry.
    pub(crate) fn kind(&self) -> Kind {
        match &self.state {
            State::Light(light) => light.kind,
            State::Full(full) => full.settings.label.kind,
        }
    }

    /// Calls the container something else (a vector becoming a queue's
    /// storage, or back): its memory moves to the new kind's gauges.
    pub(crate) fn set_kind(&mut self, kind: Kind) {
        let before = self.kind();
        if before == kind {
            return;
        }
        let heap = self.heap_bytes();
        if heap > 0 {
            telemetry::heap_resized(before, heap, 0);
            telemetry::heap_resized(kind, 0, heap);
        }
        match &mut self.state {
            State::Light(light) => light.kind = kind,
            State::Full(full) => {
                let old = full.settings.label.clone();
                full.settings.set_kind(kind);
                if let Holding::Mapped(region) = &full.holding {
                    let mapper = full.settings.mapper.get().name();
                    telemetry::relabel(&old, &full.settings.label, mapper, region.footprint());
                    // The inventory lists it under its new kind.
                    let (committed, reserved) = (region.committed(), region.reserved());
                    if let Some(site) = full.registration.take().map(|r| r.record().site()) {
                        full.register(site);
                        if let Some(registration) = &full.registration {
                            registration.record().update(committed, reserved);
                        }
                    }
                }
            }
        }
    }

    // ---- handing memory over ----

    /// Hands the heap allocation over to the caller, who frees it with the
    /// global allocator and the layout of `cap` elements of `shape` (as a
    /// `Vec<T>` of capacity `cap` does): `Some((ptr, cap))` when on the
    /// heap, and the store is then empty. `None`, and nothing changes,
    /// when it is not on the heap.
    pub(crate) fn take_heap(&mut self, shape: Shape) -> Option<(NonNull<u8>, usize)> {
        let cap = match self.storage() {
            Storage::Heap if !shape.is_zst() => self.heap_capacity(),
            _ => return None,
        };
        // The allocation leaves the heap gauge as a free would.
        telemetry::heap_resized(self.kind(), cap * shape.size, 0);
        let ptr = std::mem::replace(&mut self.ptr, shape.dangling());
        self.set_heap_capacity(0);
        Some((ptr, cap))
    }

    /// The same memory seen as elements of shape `to` instead of `from`
    /// (`MappedVector<[T; K]>` into `MappedVector<T>`): `to.size` divides
    /// `from.size` and the alignment is the same, so every allocation and
    /// mapping stays valid; only the capacity in elements changes.
    pub(crate) fn reshape(&mut self, from: Shape, to: Shape) {
        debug_assert_eq!(from.align, to.align);
        if to.is_zst() {
            self.refresh(to);
            return;
        }
        // `[T; 0]` is zero-sized: its store holds no memory.
        let per = if from.is_zst() {
            0
        } else {
            from.size / to.size
        };
        debug_assert!(from.is_zst() || from.size % to.size == 0);
        if let State::Light(light) = &mut self.state {
            // A light store counts at most `u32::MAX` elements; more (only
            // after a heap fallback past the limit) move to a full one.
            if let Ok(cap) = u32::try_from(light.cap as usize * per) {
                light.cap = cap;
                light.size = to.size as u32; // below the old size, a `u32`
                self.refresh(to);
                return;
            }
            if let Err(e) = self.full_mut() {
                crate::error::refused("MappedVector::into_flattened", None, &e);
            }
        }
        match &mut self.state {
            State::Light(_) => unreachable!("handled above"),
            State::Full(full) => {
                if let Holding::Heap { cap } = &mut full.holding {
                    *cap *= per;
                }
                full.size = to.size;
            }
        }
        self.refresh(to);
    }

    // ---- keeping the state and the caches right ----

    /// Works out the pointer, `write_below` and `shrink_below` again: the
    /// store calls it after every change of its memory.
    fn refresh(&mut self, shape: Shape) {
        if shape.is_zst() {
            return self.set_fast_paths(usize::MAX, 0, usize::MAX);
        }
        let Some(region) = self.region() else {
            let cap = self.heap_capacity();
            return self.set_fast_paths(cap, 0, cap);
        };
        let (base, populated, committed) = (region.base(), region.populated(), region.committed());
        if let State::Full(full) = &self.state {
            if let Some(registration) = &full.registration {
                registration.record().update(committed, region.reserved());
            }
        }
        let sparse = policy::shrink_below(committed, self.initial_bytes(shape), shape.size);
        self.ptr = base;
        // Pages below `populated` need no hint before pushes write them.
        let shrink_below = sparse.max(self.heap_return_len(shape));
        self.set_fast_paths(populated / shape.size, shrink_below, committed / shape.size);
    }

    /// The one writer of the two caches the element layer's fast paths
    /// trust: `push` writes slot `len` unchecked while `len < write_below`,
    /// so it must never pass `capacity`, the elements the storage holds.
    #[inline]
    fn set_fast_paths(&mut self, write_below: usize, shrink_below: usize, capacity: usize) {
        debug_assert!(write_below <= capacity, "{write_below} > {capacity}");
        (self.write_below, self.shrink_below) = (write_below, shrink_below);
    }

    /// The length below which a mapped container moves back to the heap
    /// ([`policy::heap_return_below`]): 0, never, for a heap limit of 0
    /// (a fixed window has one) or elements larger than the limit.
    fn heap_return_len(&self, shape: Shape) -> usize {
        policy::heap_return_below(self.heap_limit(), shape.size)
    }

    /// The `Full` state, made with `new(MAPPER)`'s settings if the store
    /// was light.
    ///
    /// # Errors
    ///
    /// [`Error::Alloc`] when the allocator refuses the box.
    fn full_mut(&mut self) -> Result<&mut Full, Error> {
        if let State::Light(light) = self.state {
            let full = Full {
                settings: Settings::light(light.kind, light.heap_limit),
                holding: Holding::Heap {
                    cap: light.cap as usize,
                },
                size: light.size as usize,
                align: 1 << light.align_log2,
                decay: Decay::default(),
                registration: None,
            };
            // The state was light: nothing to drop.
            let full = SlabBox::new(full).ok_or(Error::Alloc {
                bytes: size_of::<Full>(),
            })?;
            self.state = State::Full(ManuallyDrop::new(full));
        }
        match &mut self.state {
            State::Full(full) => Ok(full),
            State::Light(_) => unreachable!("made full above"),
        }
    }

    /// Makes the state light again if it can be: `new(MAPPER)`'s settings,
    /// not mapped. Call it whenever a `Full` store leaves its mapping.
    fn settle(&mut self) {
        let State::Full(full) = &self.state else {
            return;
        };
        let Holding::Heap { cap } = full.holding else {
            return;
        };
        let Some((kind, heap_limit)) = full.settings.as_light() else {
            return;
        };
        let (Ok(cap), Ok(size)) = (u32::try_from(cap), u32::try_from(full.size)) else {
            return;
        };
        let light = State::Light(Light {
            kind,
            align_log2: full.align.trailing_zeros() as u8,
            heap_limit,
            cap,
            size,
        });
        if let State::Full(full) = std::mem::replace(&mut self.state, light) {
            drop(ManuallyDrop::into_inner(full));
        }
    }

    /// Records the heap allocation's new capacity, in elements, and the
    /// caches that follow from it (what [`refresh`](Self::refresh) would
    /// work out on the heap, without asking).
    fn set_heap_capacity(&mut self, cap: usize) {
        match &mut self.state {
            State::Light(light) => {
                light.cap = u32::try_from(cap).expect("a light heap stays under its u32 limit");
            }
            State::Full(full) => full.holding = Holding::Heap { cap },
        }
        self.set_fast_paths(cap, 0, cap);
    }
}

/// The heap limit of a container that keeps `shape.pages` pages.
#[inline]
fn default_heap_limit(shape: Shape, page: usize) -> HeapLimit {
    HeapLimit::new(policy::default_heap_limit(shape.pages, page))
}

impl Drop for RawStore {
    /// Inlined: a light store frees its allocation (if any) in place, as a
    /// `Vec` does; everything else is [`drop_full`](Self::drop_full).
    #[inline]
    fn drop(&mut self) {
        match &self.state {
            State::Light(light) => {
                let bytes = light.cap as usize * light.size as usize;
                // SAFETY: `ptr` is our allocation of `cap` elements of this
                // size and alignment (none if 0); the element layer has
                // dropped every element.
                unsafe { heap::free(self.ptr, bytes, 1 << light.align_log2, light.kind) };
            }
            State::Full(_) => self.drop_full(),
        }
    }
}

impl RawStore {
    /// Frees a `Full` store's heap allocation or gives its mapping back.
    #[inline(never)]
    fn drop_full(&mut self) {
        let State::Full(boxed) = &mut self.state else {
            return;
        };
        let full: &mut Full = boxed;
        match &mut full.holding {
            Holding::Heap { cap } => {
                let bytes = *cap * full.size;
                // SAFETY: as in `drop`.
                unsafe { heap::free(self.ptr, bytes, full.align, full.settings.label.kind) };
            }
            Holding::Mapped(region) => {
                region.give_back(&full.settings);
            }
        }
        // SAFETY: the store is being dropped: nothing reads the full state
        // after this, and it is dropped only here.
        unsafe { ManuallyDrop::drop(boxed) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_store_is_five_words() {
        assert_eq!(std::mem::size_of::<State>(), 16);
        assert_eq!(std::mem::size_of::<RawStore>(), 40);
    }
}
