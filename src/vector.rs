//! `MappedVector`: a `Vec` whose storage is a reserved address range that
//! commits pages as it grows and gives them back to the OS as it shrinks.
//!
//! Element logic lives here; every byte of memory comes from [`Region`],
//! and every size decision from [`policy`]. Iterators, drain and the
//! standard trait impls live in `vector/`.

mod decay;
mod drain;
mod filter;
mod into_iter;
mod resize;
mod store;
mod traits;

pub use drain::Drain;
pub use into_iter::IntoIter;

use crate::builder::{Builder, Config, Window};
use crate::error::{Error, PushError};
use crate::mapper::MapperRef;
use crate::policy;
use crate::region::Region;
use crate::telemetry;
use std::marker::PhantomData;
use std::mem::{self, ManuallyDrop};
use std::ops::RangeBounds;
use std::ptr::{self, NonNull};
use std::slice;
use store::{heap, Store};

/// A growable array, like [`Vec`], whose memory comes straight from the OS's
/// virtual memory and goes back to it when the vector shrinks.
///
/// Small contents live on the heap, in one allocation grown like `Vec`'s,
/// with no system call and no kernel mapping. Past the heap limit (by
/// default the `N` pages a vector keeps no matter what, see
/// [`Builder::heap_limit`]) the vector moves into a window of address space
/// of its own (reserving costs no memory) and commits pages inside it as it
/// grows, doubling. When fewer than a quarter of the committed bytes are in
/// use after `pop`, `truncate`, `clear`, `retain`, `remove` or `drain`, it
/// decommits down to twice what is in use, and the pages go back to the OS
/// (and are protected, so a stray access faults); it never keeps fewer than
/// `N` pages while mapped, and moves back to the heap once its contents
/// fall under a quarter of the heap limit. Growth always commits before it
/// writes. [`storage`](Self::storage) says where the elements are now.
///
/// Operations that may need memory return a [`Result`]: a refused commit is
/// an [`Error`], and leaves the vector exactly as it was. `push` and `insert`
/// hand the value back in the [`PushError`].
///
/// ```
/// use mapped::{MappedVector, MAPPER};
///
/// let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
/// for i in 0..100_000 {
///     v.push(i).unwrap();
/// }
/// let big = v.committed_bytes();
/// v.clear(); // the pages go back to the OS, and the mapping with them
/// assert!(v.committed_bytes() < big);
/// assert_eq!(v.committed_bytes(), 0);
/// v.push(1).unwrap(); // small contents live on the heap
/// assert_eq!(v[..], [1]);
/// ```
///
/// `MappedVector<T, N>` is `Send` and `Sync` exactly when `T` is:
///
/// ```compile_fail
/// fn send<S: Send>(_: S) {}
/// send(mapped::MappedVector::<std::rc::Rc<u8>>::new(mapped::MAPPER));
/// ```
pub struct MappedVector<T, const N: usize = 1> {
    /// The elements: dangling while there is no storage, else the heap
    /// allocation or the mapping's base.
    ptr: NonNull<T>,
    len: usize,
    /// `push` writes without a slow path while `len` is below this. On the
    /// heap (or empty) it is the allocation's capacity; mapped, the
    /// elements whose pages are committed and need no populate hint. At
    /// most the capacity (`usize::MAX` for zero-sized `T`).
    push_below: usize,
    /// Removals that leave fewer elements than this ask whether to give
    /// memory back ([`policy::shrink_below`] or
    /// [`policy::heap_return_below`], or sooner under decay). 0 on the heap.
    shrink_below: usize,
    /// Which storage the elements are in, and the cold rest.
    store: Store,
    _elements: PhantomData<T>,
}

// SAFETY: the vector owns its elements and its storage outright (the
// pointer is unique, as `Vec`'s is), so sending it sends the elements.
unsafe impl<T: Send, const N: usize> Send for MappedVector<T, N> {}
// SAFETY: `&MappedVector` gives only `&T` and reads of plain fields.
unsafe impl<T: Sync, const N: usize> Sync for MappedVector<T, N> {}

/// Where a container's elements are: see [`MappedVector::storage`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Storage {
    /// No storage at all: nothing allocated, reserved or committed.
    Empty,
    /// One allocation from the global allocator, below the heap limit: no
    /// system call, no kernel mapping. [`MappedVector::heap_bytes`] says
    /// how large.
    Heap,
    /// A reservation of its own, with a committed prefix:
    /// [`MappedVector::committed_bytes`] and
    /// [`MappedVector::reserved_bytes`] say how large.
    Mapped,
}

impl<T, const N: usize> MappedVector<T, N> {
    const IS_ZST: bool = mem::size_of::<T>() == 0;
    const SIZE: usize = mem::size_of::<T>();

    /// An empty vector on `mapper` (`MAPPER`, a `&'static M` or an `Arc<M>`).
    /// Reserves and commits nothing until the first push.
    pub fn new(mapper: impl Into<MapperRef>) -> Self {
        Self::from_config(
            Config::new(mapper.into()),
            Window::Growable {
                first: policy::DEFAULT_WINDOW,
            },
        )
    }

    /// An empty vector with a fixed window holding at least `max_capacity`
    /// elements, reserved now: element addresses never change, and growing
    /// past it is [`Error::WindowFull`]. Commits nothing until the first push.
    pub fn with_max_capacity(
        mapper: impl Into<MapperRef>,
        max_capacity: usize,
    ) -> Result<Self, Error> {
        Self::builder(mapper).max_capacity(max_capacity).build()
    }

    /// A [`Builder`] for a vector with a name, an observer, a chosen window
    /// or a fixed maximum capacity.
    pub fn builder(mapper: impl Into<MapperRef>) -> Builder<Self> {
        Builder::new(mapper.into())
    }

    pub(crate) fn from_config(config: Config, window: Window) -> Self {
        let store = Store::new(config, window, N, Self::dangling());
        Self::empty_on(store)
    }

    /// An empty vector on `store`, which holds no memory yet.
    fn empty_on(store: Store) -> Self {
        let mut v = MappedVector {
            ptr: NonNull::dangling(),
            len: 0,
            push_below: 0,
            shrink_below: 0,
            store,
            _elements: PhantomData,
        };
        v.sync_limits();
        v
    }

    /// The base an empty region reports: aligned for `T`.
    fn dangling() -> NonNull<u8> {
        NonNull::<T>::dangling().cast()
    }

    /// Builds from a configuration: a fixed window is reserved here.
    pub(crate) fn try_from_config(config: Config) -> Result<Self, Error> {
        let page = config.mapper.get().page_size();
        let window = match (config.max_capacity, config.first_window) {
            // Zero-sized elements take no memory: any maximum fits in none.
            (Some(_), _) if Self::IS_ZST => Window::Fixed { max: 0 },
            (Some(max), _) => {
                let bytes = policy::bytes_for(max, Self::SIZE)
                    .and_then(|b| policy::round_to_pages(b, page))
                    .ok_or(Error::CapacityOverflow)?;
                Window::Fixed { max: bytes }
            }
            (None, Some(first)) => Window::Growable {
                first: policy::round_to_pages(first.max(1), page).ok_or(Error::CapacityOverflow)?,
            },
            (None, None) => Window::Growable {
                first: policy::DEFAULT_WINDOW,
            },
        };
        let mut v = Self::from_config(config, window);
        v.reserve_fixed_window()?;
        Ok(v)
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Elements the vector holds without allocating or calling the OS: those
    /// that fit in its heap allocation or, mapped, in its committed pages.
    /// `usize::MAX` for zero-sized `T`.
    #[inline]
    pub fn capacity(&self) -> usize {
        if Self::IS_ZST {
            return usize::MAX;
        }
        match self.store.mapping() {
            Some(region) => region.committed() / Self::SIZE,
            None => self.push_below,
        }
    }

    /// Bytes the mapper has [committed](crate#commit) for this vector now (a multiple of
    /// the page size): 0 unless it is [`Storage::Mapped`]. Heap storage is
    /// counted by [`heap_bytes`](Self::heap_bytes).
    #[inline]
    pub fn committed_bytes(&self) -> usize {
        self.store.mapping().map_or(0, Region::committed)
    }

    /// Bytes of address space [reserved](crate#reserve) now: 0 unless [`Storage::Mapped`].
    #[inline]
    pub fn reserved_bytes(&self) -> usize {
        self.store.mapping().map_or(0, Region::reserved)
    }

    /// Bytes of the vector's heap allocation: 0 unless [`Storage::Heap`].
    #[inline]
    pub fn heap_bytes(&self) -> usize {
        if self.store.is_mapped() {
            0
        } else {
            self.push_below.saturating_mul(Self::SIZE)
        }
    }

    /// Where the elements are now: nowhere yet, on the heap, or in a
    /// mapping of the vector's own.
    ///
    /// ```
    /// use mapped::{MappedVector, Storage, MAPPER};
    ///
    /// let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    /// assert_eq!(v.storage(), Storage::Empty);
    /// v.push(1).unwrap();
    /// assert_eq!(v.storage(), Storage::Heap); // below the heap limit
    /// v.extend_from_slice(&[0; 10_000])?;
    /// assert_eq!(v.storage(), Storage::Mapped);
    /// v.truncate(1); // back to the heap: the mapping is gone
    /// assert_eq!(v.storage(), Storage::Heap);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    pub fn storage(&self) -> Storage {
        if self.store.is_mapped() {
            Storage::Mapped
        } else if self.heap_bytes() > 0 {
            Storage::Heap
        } else {
            Storage::Empty
        }
    }

    /// The [heap limit](crate#heap-limit): bytes of contents the vector keeps
    /// on the heap before it moves them into a mapping (0: always mapped); see
    /// [`Builder::heap_limit`].
    pub fn heap_limit(&self) -> usize {
        self.store.heap_limit()
    }

    /// Elements the `N` initial pages hold: a mapped vector never shrinks
    /// its committed pages below this. `usize::MAX` for zero-sized `T`.
    pub fn initial_capacity(&self) -> usize {
        if Self::IS_ZST {
            usize::MAX
        } else {
            self.initial_bytes() / Self::SIZE
        }
    }

    /// For a vector with a fixed window, the most elements it can ever hold.
    pub fn max_capacity(&self) -> Option<usize> {
        match self.window() {
            Window::Fixed { .. } if Self::IS_ZST => Some(usize::MAX),
            Window::Fixed { max } => Some(max / Self::SIZE),
            Window::Growable { .. } => None,
        }
    }

    fn window(&self) -> Window {
        self.store.cold().map_or(
            Window::Growable {
                first: policy::DEFAULT_WINDOW,
            },
            |cold| cold.window,
        )
    }

    /// The mapper's page size: the unit of commit and decommit.
    pub fn page_size(&self) -> usize {
        self.store.page_size()
    }

    #[inline]
    fn initial_bytes(&self) -> usize {
        policy::initial_bytes(N, self.page_size(), Self::SIZE)
    }

    /// A raw pointer to the elements; valid for reads of `len` elements.
    #[inline]
    pub fn as_ptr(&self) -> *const T {
        self.ptr.as_ptr()
    }

    /// A raw mutable pointer to the elements.
    #[inline]
    pub fn as_mut_ptr(&mut self) -> *mut T {
        self.ptr.as_ptr()
    }

    /// The elements as a slice.
    #[inline]
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: the first `len` elements are initialized and lie in the
        // committed prefix (or `T` is zero-sized); the base is non-null and
        // aligned (page-aligned, or `T`'s dangling pointer).
        unsafe { slice::from_raw_parts(self.as_ptr(), self.len) }
    }

    /// The elements as a mutable slice.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        // SAFETY: as `as_slice`, and `&mut self` makes the borrow unique.
        unsafe { slice::from_raw_parts_mut(self.as_mut_ptr(), self.len) }
    }

    /// Appends `value`. When the committed pages are full, commits more (and
    /// may move to a larger window) first.
    ///
    /// # Errors
    ///
    /// When memory cannot be had the vector is unchanged and the error hands
    /// `value` back: [`PushError::into_value`].
    #[inline]
    pub fn push(&mut self, value: T) -> Result<(), PushError<T>> {
        // Read `len` once: after the write through the raw pointer the
        // compiler cannot assume `self.len` unchanged (as std's `Vec::push`).
        let len = self.len;
        // One compare, as `Vec::push` has: `push_below <= capacity()`, so
        // this also catches a full vector.
        if len >= self.push_below {
            if let Err(error) = self.prepare_push() {
                return Err(PushError::new(value, error));
            }
        }
        // SAFETY: `len < push_below <= capacity`: the slot is committed and
        // holds no element.
        unsafe { self.as_mut_ptr().add(len).write(value) };
        self.len = len + 1;
        Ok(())
    }

    /// Removes and returns the last element; gives memory back to the OS when
    /// the vector has become sparse.
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        // SAFETY: the slot at the old `len - 1` is initialized; lowering
        // `len` first hands its ownership to us alone.
        let value = unsafe { self.as_ptr().add(self.len).read() };
        // (A single `len <= shrink_below` test for both the empty and the
        // sparse case reads better, but measured 30% slower in a pop loop
        // on a vector passed by value: LLVM then reloads `len` from memory
        // every iteration.)
        self.shrink_if_sparse();
        Some(value)
    }

    /// Makes room for at least `additional` more elements (amortised, as
    /// `Vec::reserve`).
    pub fn reserve(&mut self, additional: usize) -> Result<(), Error> {
        if self.capacity() - self.len >= additional {
            return Ok(());
        }
        self.grow_amortized(additional, Writes::None)
    }

    /// `reserve`, for `additional` elements about to be written: new pages
    /// are faulted in with one call instead of one trap each.
    fn reserve_for_write(&mut self, additional: usize) -> Result<(), Error> {
        if self.capacity() - self.len >= additional {
            return Ok(());
        }
        self.grow_amortized(additional, Writes::Needed)
    }

    /// Makes room for exactly `additional` more elements (as
    /// `Vec::reserve_exact`): on the heap, exactly; mapped, rounded up to
    /// whole pages.
    pub fn reserve_exact(&mut self, additional: usize) -> Result<(), Error> {
        if self.capacity() - self.len >= additional {
            return Ok(());
        }
        let needed = self.bytes_for_additional(additional)?;
        if !self.store.is_mapped() && needed <= self.heap_limit() {
            return self.resize_heap(needed / Self::SIZE);
        }
        let to = policy::exact_target(needed, self.initial_bytes(), self.page_size())
            .ok_or(Error::CapacityOverflow)?;
        self.commit_up_to(to, needed, Writes::None)
    }

    /// Gives back all memory not needed by the elements: on the heap, the
    /// allocation shrinks to fit; mapped, the pages past them are decommitted
    /// (keeping the `N` initial pages), and contents that fit under the heap
    /// limit move back to the heap.
    pub fn shrink_to_fit(&mut self) -> Result<(), Error> {
        self.shrink_to(0)
    }

    /// Gives back memory not needed for `max(len, min_capacity)` elements,
    /// as [`shrink_to_fit`](Self::shrink_to_fit) does.
    pub fn shrink_to(&mut self, min_capacity: usize) -> Result<(), Error> {
        if Self::IS_ZST {
            return Ok(());
        }
        let keep_len = self.len.max(min_capacity);
        let keep = keep_len.saturating_mul(Self::SIZE);
        if !self.store.is_mapped() {
            return if keep_len < self.push_below {
                self.resize_heap(keep_len)
            } else {
                Ok(())
            };
        }
        if self.heap_return_len() > 0 && keep <= self.heap_limit() {
            return self.move_to_heap(keep_len);
        }
        let to = policy::fit_target(keep, self.initial_bytes(), self.page_size());
        let region = self.region_mut();
        if to < region.committed() {
            region.shrink(to)?;
            self.sync_limits();
        }
        Ok(())
    }

    /// Shortens the vector to `len` elements, dropping the rest (nothing
    /// happens if it is already that short), then gives memory back if it
    /// has become sparse.
    pub fn truncate(&mut self, len: usize) {
        if len >= self.len {
            return;
        }
        let tail = ptr::slice_from_raw_parts_mut(
            // SAFETY: `len < self.len`, so this is inside the elements.
            unsafe { self.as_mut_ptr().add(len) },
            self.len - len,
        );
        // Shorten first: if a drop panics the rest are still dropped (slice
        // drop glue continues) and none is dropped twice.
        self.len = len;
        let _shrink = ShrinkOnExit(self);
        // SAFETY: the tail elements are initialized and no longer counted.
        unsafe { ptr::drop_in_place(tail) };
    }

    /// Drops every element and gives memory back down to the `N` initial
    /// pages.
    #[inline]
    pub fn clear(&mut self) {
        self.truncate(0);
        // An already empty vector may still hold more than its floor (after
        // `reserve`, or a reservation reused with pages committed):
        // `truncate` had nothing to drop and so did not check.
        self.shrink_if_sparse();
    }

    /// Appends clones of `other`'s elements.
    ///
    /// # Errors
    ///
    /// When memory cannot be had nothing is appended. If a `clone` panics,
    /// the elements cloned so far stay appended.
    pub fn extend_from_slice(&mut self, other: &[T]) -> Result<(), Error>
    where
        T: Clone,
    {
        self.reserve_for_write(other.len())?;
        // SAFETY: reserved above for all of `other`.
        unsafe { self.write_reserved(other.iter().cloned()) };
        Ok(())
    }

    /// Moves every element of `other` to the end of this vector, leaving
    /// `other` empty.
    ///
    /// # Errors
    ///
    /// When memory cannot be had both vectors are unchanged.
    pub fn append<const M: usize>(&mut self, other: &mut MappedVector<T, M>) -> Result<(), Error> {
        let count = other.len;
        self.reserve_for_write(count)?;
        // SAFETY: reserved: `count` free committed slots follow our elements;
        // the two vectors never share memory. Setting `other.len = 0` then
        // hands ownership over without a drop.
        unsafe {
            ptr::copy_nonoverlapping(other.as_ptr(), self.as_mut_ptr().add(self.len), count);
            other.len = 0;
        }
        self.len += count;
        other.shrink_if_sparse();
        Ok(())
    }

    /// Appends every item of `iter`, as `Extend` does, but returns an error
    /// instead of panicking when memory cannot be had.
    ///
    /// # Errors
    ///
    /// The item that could not be pushed comes back in the [`PushError`];
    /// what was pushed before it stays, and what the iterator holds after it
    /// is left in the iterator (pass `&mut iter` to keep it).
    pub fn try_extend<I: IntoIterator<Item = T>>(&mut self, iter: I) -> Result<(), PushError<T>> {
        let iter = iter.into_iter();
        // A hint is only a hint: if reserving for it fails, push one by one
        // and report the error on the item that really does not fit.
        let _ = self.reserve_for_write(iter.size_hint().0);
        for item in iter {
            self.push(item)?;
        }
        Ok(())
    }

    /// Inserts `element` at `index`, shifting the rest right.
    ///
    /// # Errors
    ///
    /// When memory cannot be had the vector is unchanged and the error hands
    /// `element` back.
    ///
    /// # Panics
    ///
    /// If `index > len`, as `Vec::insert`.
    pub fn insert(&mut self, index: usize, element: T) -> Result<(), PushError<T>> {
        let len = self.len;
        assert!(
            index <= len,
            "insertion index (is {index}) should be <= len (is {len})"
        );
        if len == self.capacity() {
            if let Err(error) = self.grow_amortized(1, Writes::None) {
                return Err(PushError::new(element, error));
            }
        }
        // SAFETY: `len < capacity`, so `[index, len]` is committed; the shift
        // moves initialized elements up one and the write fills the gap.
        unsafe {
            let p = self.as_mut_ptr().add(index);
            ptr::copy(p, p.add(1), len - index);
            p.write(element);
        }
        self.len = len + 1;
        Ok(())
    }

    /// Removes and returns the element at `index`, shifting the rest left.
    ///
    /// # Panics
    ///
    /// If `index >= len`, as `Vec::remove`.
    pub fn remove(&mut self, index: usize) -> T {
        let len = self.len;
        assert!(
            index < len,
            "removal index (is {index}) should be < len (is {len})"
        );
        // SAFETY: `index < len`: read the element out, then close the gap
        // by moving the initialized tail down one.
        let value = unsafe {
            let p = self.as_mut_ptr().add(index);
            let value = p.read();
            ptr::copy(p.add(1), p, len - index - 1);
            value
        };
        self.len = len - 1;
        self.shrink_if_sparse();
        value
    }

    /// Removes and returns the element at `index`, replacing it with the last
    /// element (O(1), does not keep order).
    ///
    /// # Panics
    ///
    /// If `index >= len`, as `Vec::swap_remove`.
    pub fn swap_remove(&mut self, index: usize) -> T {
        let len = self.len;
        assert!(
            index < len,
            "swap_remove index (is {index}) should be < len (is {len})"
        );
        // SAFETY: `index < len`: take the element, move the last into its
        // place (a no-op copy when they are the same slot).
        let value = unsafe {
            let base = self.as_mut_ptr();
            let value = base.add(index).read();
            ptr::copy(base.add(len - 1), base.add(index), 1);
            value
        };
        self.len = len - 1;
        self.shrink_if_sparse();
        value
    }

    /// Removes the elements in `range` and returns them as an iterator. The
    /// elements after the range close the gap when the iterator is dropped
    /// (even if not fully consumed), and memory is given back then if the
    /// vector has become sparse.
    ///
    /// # Panics
    ///
    /// If the range's start is after its end, or its end is after `len`.
    pub fn drain<R: RangeBounds<usize>>(&mut self, range: R) -> Drain<'_, T, N> {
        let (start, end) = resize::checked_range(range, self.len, "drain");
        Drain::new(self, start, end)
    }

    /// Fallible `Clone`: a new vector on the same mapper, with the same name,
    /// window kind, heap limit and `N`.
    pub fn try_clone(&self) -> Result<Self, Error>
    where
        T: Clone,
    {
        let mut copy = self.empty_like()?;
        copy.extend_from_slice(self)?;
        Ok(copy)
    }

    /// An empty vector on the same mapper with the same options (a fixed
    /// window reserved now).
    fn empty_like(&self) -> Result<Self, Error> {
        let mut empty = Self::empty_on(self.store.empty_like(Self::dangling()));
        empty.reserve_fixed_window()?;
        Ok(empty)
    }

    /// Reserves a fixed window now, if the vector has one: its addresses
    /// never change from here on.
    fn reserve_fixed_window(&mut self) -> Result<(), Error> {
        let Window::Fixed { max } = self.window() else {
            return Ok(());
        };
        if max == 0 || Self::IS_ZST {
            return Ok(());
        }
        self.check_alignment()?;
        if let Some(cold) = self.store.cold_mut() {
            cold.region.reserve(max)?;
        }
        // (A reservation from the cache comes with pages committed.)
        self.sync_limits();
        Ok(())
    }

    /// Sets the length without touching elements or memory.
    ///
    /// # Safety
    ///
    /// `new_len <= capacity()`, and the first `new_len` elements are
    /// initialized.
    #[inline]
    pub unsafe fn set_len(&mut self, new_len: usize) {
        debug_assert!(new_len <= self.capacity());
        self.len = new_len;
    }

    /// The telemetry label, for the queue to call its storage `queue`.
    pub(crate) fn set_container(&mut self, container: &'static str) {
        let before = self.store.container();
        if before == container {
            return;
        }
        let heap = self.heap_bytes();
        if heap > 0 {
            telemetry::heap_resized(before, heap, 0);
            telemetry::heap_resized(container, 0, heap);
        }
        self.store.set_container(container);
    }

    // ---- growth and shrinking: the only paths that allocate or call the OS ----

    fn bytes_for_additional(&self, additional: usize) -> Result<usize, Error> {
        self.len
            .checked_add(additional)
            .and_then(|n| policy::bytes_for(n, Self::SIZE))
            .ok_or(Error::CapacityOverflow)
    }

    fn check_alignment(&self) -> Result<(), Error> {
        let (align, page_size) = (mem::align_of::<T>(), self.page_size());
        if align > page_size {
            return Err(Error::Alignment { align, page_size });
        }
        Ok(())
    }

    /// The mapped region. Only for a vector known to be mapped.
    fn region_mut(&mut self) -> &mut Region {
        match self.store.cold_mut() {
            Some(cold) => &mut cold.region,
            None => unreachable!("a mapped vector keeps its region"),
        }
    }

    /// Readies the slot at `len` for `push`: on the heap, grows the
    /// allocation (or moves to a mapping past the limit); mapped, populates
    /// the next stretch of committed pages ahead of the pushes, or, when
    /// the vector is full, grows (which populates ahead too).
    #[cold]
    #[inline(never)]
    fn prepare_push(&mut self) -> Result<(), Error> {
        if self.len == self.capacity() {
            return self.grow_amortized(1, Writes::Ahead);
        }
        let from = self.len * Self::SIZE;
        self.region_mut()
            .prepare_writes(from, from + Self::populate_ahead());
        self.sync_limits();
        Ok(())
    }

    /// Bytes faulted in at a time ahead of elements pushed one by one.
    const fn populate_ahead() -> usize {
        if Self::SIZE > policy::POPULATE_AHEAD {
            Self::SIZE
        } else {
            policy::POPULATE_AHEAD
        }
    }

    /// Makes room for `additional` more elements, doubling: on the heap while
    /// they fit under the heap limit, else in a mapping.
    #[cold]
    #[inline(never)]
    fn grow_amortized(&mut self, additional: usize, writes: Writes) -> Result<(), Error> {
        if Self::IS_ZST {
            // Capacity is `usize::MAX`: asking for more overflows.
            return Err(Error::CapacityOverflow);
        }
        let needed = self.bytes_for_additional(additional)?;
        let mapped = self.store.is_mapped();
        let from = if mapped {
            self.committed_bytes()
        } else {
            let (capacity, limit) = (self.push_below, self.heap_limit());
            if let Some(to) =
                policy::heap_grow_capacity(capacity, needed / Self::SIZE, limit, Self::SIZE)
            {
                return self.resize_heap(to);
            }
            self.heap_bytes()
        };
        let page = self.page_size();
        let to = policy::grow_target(from, needed, self.initial_bytes(), page)
            .ok_or(Error::CapacityOverflow)?;
        self.commit_up_to(to, needed, writes)
    }

    /// Resizes the heap allocation to `capacity` elements (at least `len`),
    /// freeing it at 0.
    fn resize_heap(&mut self, capacity: usize) -> Result<(), Error> {
        debug_assert!(!self.store.is_mapped() && capacity >= self.len && !Self::IS_ZST);
        let (old, container) = (self.push_below, self.store.container());
        if capacity == 0 {
            // SAFETY: the allocation holds `old` elements, none live (len 0).
            unsafe { heap::free(self.ptr, old, container) };
            self.ptr = NonNull::dangling();
        } else {
            // SAFETY: `ptr` is our allocation of `old` elements (or `old` is
            // 0); `T` is not zero-sized. The `len <= capacity` live elements
            // are kept by the resize.
            self.ptr = unsafe { heap::resize(self.ptr, old, capacity, container)? };
        }
        self.push_below = capacity;
        Ok(())
    }

    /// Commits up to `to` bytes (at least `needed`), reserving or moving the
    /// window as the window policy says; on the heap, moves the elements
    /// into the new mapping.
    fn commit_up_to(&mut self, to: usize, needed: usize, writes: Writes) -> Result<(), Error> {
        self.check_alignment()?;
        let live = self.len * Self::SIZE;
        let write_to = match writes {
            Writes::None => 0,
            Writes::Needed => needed,
            Writes::Ahead => live.saturating_add(Self::populate_ahead()),
        };
        let mapped = self.store.is_mapped();
        let cold = self.store.cold_or_default(Self::dangling())?;
        let region = &mut cold.region;
        let reserved = region.reserved();
        let (to, window) = match cold.window {
            Window::Fixed { max } if needed > max => return Err(Error::WindowFull { needed, max }),
            Window::Fixed { max } => (to.min(max), max),
            Window::Growable { .. } if to <= reserved => (to, reserved),
            Window::Growable { first } => (
                to,
                policy::window_target(reserved, to, first, region.page_size())
                    .ok_or(Error::CapacityOverflow)?,
            ),
        };
        // Moving from the heap, the copy writes the first `live` bytes.
        let kept = if mapped { live } else { 0 };
        let grown = region.grow(to, window, kept, write_to);
        if !mapped {
            if grown.is_err() {
                // Still on the heap, exactly as before.
                self.store.trim_to_plain();
                return grown;
            }
            self.move_heap_into_mapping();
        }
        // Even a failed grow may have moved the window, populated or not.
        self.sync_limits();
        grown?;
        // In use again, unless a reservation reused from the cache came with
        // far more than asked for: then the surplus is unused from now on,
        // and decays like any other.
        let (committed, initial) = (self.committed_bytes(), self.initial_bytes());
        if let Some(decay) = self.store.cold_mut().and_then(|c| c.decay.as_mut()) {
            if policy::should_shrink(needed, committed, initial) {
                decay.start_unless_running();
            } else {
                decay.reset();
            }
        }
        Ok(())
    }

    /// Copies the elements from the heap into the freshly committed mapping
    /// and frees the heap allocation.
    fn move_heap_into_mapping(&mut self) {
        let (heap, capacity, container) = (self.ptr, self.push_below, self.store.container());
        let base = self.region_mut().base().cast::<T>();
        // SAFETY: the mapping's committed prefix holds at least the `len`
        // live elements (the grow committed `to >= needed > live` bytes);
        // heap and mapping never overlap. The heap allocation then holds no
        // live element and is freed once.
        unsafe {
            ptr::copy_nonoverlapping(heap.as_ptr(), base.as_ptr(), self.len);
            heap::free(heap, capacity, container);
        }
        self.ptr = base;
    }

    /// The length below which a mapped vector moves back to the heap
    /// ([`policy::heap_return_below`]): 0, never, for a fixed window, a heap
    /// limit of 0, or elements larger than the limit. `T` is not
    /// zero-sized (such a vector never maps).
    fn heap_return_len(&self) -> usize {
        match self.store.cold() {
            Some(cold) if matches!(cold.window, Window::Growable { .. }) => {
                policy::heap_return_below(cold.heap_limit, Self::SIZE)
            }
            _ => 0,
        }
    }

    /// Moves the elements of a mapped vector into a heap allocation of
    /// `capacity` elements (none if 0) and gives the mapping back: a
    /// `shrink` with its `park` or `release` inside. A refused allocation
    /// leaves the vector mapped and is returned.
    fn move_to_heap(&mut self, capacity: usize) -> Result<(), Error> {
        debug_assert!(capacity >= self.len);
        let container = self.store.container();
        let heap = if capacity == 0 {
            NonNull::dangling()
        } else {
            // SAFETY: nothing is allocated yet (old capacity 0); `T` is not
            // zero-sized (a zero-sized `T` never maps).
            unsafe { heap::resize(NonNull::<T>::dangling(), 0, capacity, container)? }
        };
        // SAFETY: the `len` live elements lie in the committed prefix; the
        // fresh allocation holds `capacity >= len` and overlaps nothing.
        // After the copy the mapping holds no live element.
        unsafe { ptr::copy_nonoverlapping(self.ptr.as_ptr(), heap.as_ptr(), self.len) };
        self.region_mut().unmap();
        if let Some(decay) = self.store.cold_mut().and_then(|c| c.decay.as_mut()) {
            decay.reset();
        }
        self.store.trim_to_plain();
        self.ptr = heap;
        self.push_below = capacity;
        self.shrink_below = 0;
        Ok(())
    }

    /// Gives memory back if fewer than a quarter of the committed bytes are
    /// in use, or the contents fit on the heap again. Cheap when not: one
    /// compare with a length worked out when the committed bytes last
    /// changed.
    #[inline]
    fn shrink_if_sparse(&mut self) {
        if self.len < self.shrink_below {
            self.shrink_now();
        }
    }

    /// Works out `push_below` and `shrink_below` again for a mapped vector
    /// (and its pointer): call after every change of the committed or
    /// populated bytes. The heap paths keep them themselves.
    fn sync_limits(&mut self) {
        if Self::IS_ZST {
            (self.push_below, self.shrink_below) = (usize::MAX, 0);
            return;
        }
        let (initial, to_heap) = (self.initial_bytes(), self.heap_return_len());
        let Some(region) = self.store.mapping() else {
            self.shrink_below = 0;
            return;
        };
        self.ptr = region.base().cast();
        // Pages below `populated` need no hint before pushes write them.
        self.push_below = region.populated() / Self::SIZE;
        let sparse = policy::shrink_below(region.committed(), initial, Self::SIZE);
        self.shrink_below = sparse.max(to_heap);
    }

    #[cold]
    #[inline(never)]
    fn shrink_now(&mut self) {
        if let Some(decay) = self.store.cold_mut().and_then(|c| c.decay.as_mut()) {
            if !decay.due() {
                // Held for now: ask again after some more removals.
                self.shrink_below = decay::next_check_below(self.len);
                return;
            }
        }
        self.give_back_surplus();
    }

    /// Moves back to the heap when the contents have fallen under a quarter
    /// of the heap limit, else decommits down to the policy's target for
    /// the live elements.
    fn give_back_surplus(&mut self) {
        if !self.store.is_mapped() {
            return;
        }
        if self.len < self.heap_return_len() {
            let capacity = policy::heap_return_capacity(self.len, self.heap_limit(), Self::SIZE);
            // A refused allocation leaves the vector mapped: decommit then.
            if self.move_to_heap(capacity).is_ok() {
                return;
            }
        }
        let to = policy::shrink_target(
            self.len * Self::SIZE,
            self.initial_bytes(),
            self.page_size(),
        );
        if to < self.committed_bytes() {
            // A refused decommit leaves the pages committed and usable, and
            // is reported by telemetry; the next shrink tries again.
            if self.region_mut().shrink(to).is_ok() {
                self.sync_limits();
                if let Some(decay) = self.store.cold_mut().and_then(|c| c.decay.as_mut()) {
                    decay.reset();
                }
            }
        }
    }

    /// Whether a mapped vector has memory to give back: it is sparse, or
    /// its contents fit on the heap again.
    fn has_surplus(&self) -> bool {
        if !self.store.is_mapped() || Self::IS_ZST {
            return false;
        }
        let (live, committed) = (self.len * Self::SIZE, self.committed_bytes());
        policy::should_shrink(live, committed, self.initial_bytes())
            || self.len < self.heap_return_len()
    }

    /// Gives memory back that the shrink policy would have given back
    /// already, but which the [decay](crate#decay) option (see
    /// [`Builder::decay`](crate::Builder::decay)) has held until it stayed
    /// unused for the delay. Call it from housekeeping: a vector left sparse
    /// and untouched has nothing else to check the clock. Without decay it
    /// does nothing a removal did not already do.
    ///
    /// Returns whether memory went back to the OS.
    pub fn trim(&mut self) -> bool {
        if !self.has_surplus() {
            return false;
        }
        if let Some(decay) = self.store.cold_mut().and_then(|c| c.decay.as_mut()) {
            if !decay.due() {
                return false;
            }
        }
        let committed = self.committed_bytes();
        self.give_back_surplus();
        self.committed_bytes() < committed
    }

    /// Takes the storage out, leaving the vector to be forgotten: the
    /// pointer, the heap capacity (0 when mapped), the store and the length.
    fn into_raw_parts(self) -> (NonNull<T>, usize, Store, usize) {
        let this = ManuallyDrop::new(self);
        let heap_capacity = if this.store.is_mapped() || Self::IS_ZST {
            0
        } else {
            this.push_below
        };
        // SAFETY: `this` is never used or dropped again, so the store is
        // moved out exactly once.
        let store = unsafe { ptr::read(&this.store) };
        (this.ptr, heap_capacity, store, this.len)
    }
}

/// What a growth is for: which of the new bytes are about to be written, and
/// so worth faulting in with one call rather than a trap per page.
#[derive(Clone, Copy)]
enum Writes {
    /// Nothing known (`reserve`): leave the pages to fault when touched.
    None,
    /// Everything up to the bytes asked for (`extend`).
    Needed,
    /// Pushes one at a time: the next stretch of pages.
    Ahead,
}

/// Runs the shrink check when a truncation ends, even by a panicking drop.
struct ShrinkOnExit<'a, T, const N: usize>(&'a mut MappedVector<T, N>);

impl<T, const N: usize> Drop for ShrinkOnExit<'_, T, N> {
    fn drop(&mut self) {
        self.0.shrink_if_sparse();
    }
}

impl<T, const N: usize> Drop for MappedVector<T, N> {
    fn drop(&mut self) {
        /// Frees the heap allocation even if an element's drop panics.
        struct FreeHeap<'a, T, const N: usize>(&'a mut MappedVector<T, N>);
        impl<T, const N: usize> Drop for FreeHeap<'_, T, N> {
            fn drop(&mut self) {
                let v = &mut *self.0;
                if !v.store.is_mapped() && !MappedVector::<T, N>::IS_ZST {
                    // SAFETY: on the heap, `ptr` is our allocation of
                    // `push_below` elements; the elements are gone.
                    unsafe { heap::free(v.ptr, v.push_below, v.store.container()) };
                }
            }
        }
        let guard = FreeHeap(self);
        // SAFETY: the elements are initialized and dropped exactly once; the
        // storage (freed by the guard, or released by the store's drop
        // afterwards) outlives them.
        unsafe { ptr::drop_in_place(guard.0.as_mut_slice() as *mut [T]) };
    }
}

impl<T, const N: usize> Builder<MappedVector<T, N>> {
    /// Builds the vector; a fixed window
    /// ([`max_capacity`](Builder::max_capacity)) is reserved now.
    ///
    /// # Errors
    ///
    /// A fixed window whose size overflows, an element type aligned beyond
    /// the page size (with a fixed window), or a refused reservation.
    pub fn build(self) -> Result<MappedVector<T, N>, Error> {
        MappedVector::try_from_config(self.config)
    }
}
