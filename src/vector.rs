//! `MappedVector`: a `Vec` whose storage is a reserved address range that
//! commits pages as it grows and gives them back to the OS as it shrinks.
//!
//! Element logic lives here: the length, drops, slices, moves of elements
//! within the vector. The memory the elements live in, in every state (none,
//! the heap, a mapping), is the [`RawStore`]'s, which takes the elements'
//! [`Shape`] and length at run time and is compiled once. Iterators, drain
//! and the standard trait impls live in `vector/`.

mod cmp;
mod convert;
mod drain;
mod extract_if;
mod filter;
mod into_iter;
mod resize;
mod splice;
mod traits;
mod unyielded;

pub use drain::Drain;
pub use extract_if::ExtractIf;
pub use into_iter::IntoIter;
pub use splice::Splice;

use crate::builder::Builder;
use crate::error::{Error, PushError};
use crate::mapper_ref::MapperRef;
use crate::op::Cause;
use crate::raw::{Growth, RawStore, Shape, Storage, Writes};
use crate::settings::Config;
use crate::telemetry::Kind;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::ops::RangeBounds;
use std::panic::Location;
use std::ptr;
use std::slice;

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
/// A vector on [`MAPPER`](crate::MAPPER) that is dropped, or moves back to
/// the heap, with at most [`CACHE_MAX_COMMITTED`](crate::CACHE_MAX_COMMITTED)
/// committed parks its reservation in the process-wide cache: those pages
/// stay resident (in [`Stats::cached_bytes`](crate::Stats::cached_bytes),
/// not in this vector's committed bytes) for
/// [`CACHE_DELAY`](crate::CACHE_DELAY), for the next vector to reuse warm;
/// [`trim_cache`](crate::trim_cache) gives them back at once.
///
/// Operations that may need memory return a [`Result`]: a refused commit is
/// an [`Error`], and leaves the vector exactly as it was. `push` and `insert`
/// hand the value back in the [`PushError`].
///
/// ```
/// use mapped::{MappedVector, MAPPER};
///
/// # if !mapped::OsMapper::MAPS { return; } // this shows mapped storage
/// let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
/// for i in 0..100_000 {
///     v.push(i).unwrap();
/// }
/// let big = v.committed_bytes();
/// v.clear(); // back on the heap: the mapping (800 KB committed) is parked
///            // in the cache, or released; in no case this vector's any more
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
///
/// It is `UnwindSafe` and `RefUnwindSafe` exactly when `Vec<T>` is,
/// whatever mapper and observer it holds (they are not in its type):
///
/// ```
/// use std::panic::{RefUnwindSafe, UnwindSafe};
/// fn both<S: UnwindSafe + RefUnwindSafe>(_: &S) {}
/// both(&mapped::MappedVector::<u8>::new(mapped::MAPPER));
/// ```
///
/// ```compile_fail
/// fn ref_unwind_safe<S: std::panic::RefUnwindSafe>(_: S) {}
/// ref_unwind_safe(mapped::MappedVector::<std::cell::Cell<u8>>::new(mapped::MAPPER));
/// ```
pub struct MappedVector<T, const N: usize = 1> {
    /// The memory, and the limits `push` and the removals compare with.
    raw: RawStore,
    len: usize,
    _elements: PhantomData<T>,
}

// SAFETY: the vector owns its elements and its storage outright (the
// pointer is unique, as `Vec`'s is), so sending it sends the elements.
unsafe impl<T: Send, const N: usize> Send for MappedVector<T, N> {}
// SAFETY: `&MappedVector` gives only `&T` and reads of plain fields.
unsafe impl<T: Sync, const N: usize> Sync for MappedVector<T, N> {}

impl<T, const N: usize> MappedVector<T, N> {
    /// What the storage layer knows of the elements.
    const SHAPE: Shape = Shape::of::<T>(N);

    /// An empty vector on `mapper` (`MAPPER`, a `&'static M` or an `Arc<M>`).
    /// Reserves and commits nothing until the first push.
    pub fn new(mapper: impl Into<MapperRef>) -> Self {
        Self::on(RawStore::new(mapper.into(), Self::SHAPE))
    }

    /// An empty vector with a fixed window holding at least `max_capacity`
    /// elements, reserved now: element addresses never change, and growing
    /// past it is [`Error::WindowFull`]. Commits nothing until the first push.
    /// (See [`Builder::max_capacity`] for targets without mappings.)
    pub fn with_max_capacity(
        mapper: impl Into<MapperRef>,
        max_capacity: usize,
    ) -> Result<Self, Error> {
        Self::builder(mapper).max_capacity(max_capacity).build()
    }

    /// An empty vector on `mapper` with room for at least `capacity`
    /// elements, as `Vec::with_capacity`: on the heap, exactly; mapped (past
    /// the heap limit), in whole pages.
    ///
    /// # Errors
    ///
    /// [`Error::CapacityOverflow`] past `isize::MAX` bytes, or the memory
    /// refused (an error that [`is_out_of_memory`](Error::is_out_of_memory)).
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let v: MappedVector<u64> = MappedVector::with_capacity(MAPPER, 10)?;
    /// assert_eq!(v.len(), 0);
    /// assert!(v.capacity() >= 10);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    #[track_caller]
    pub fn with_capacity(mapper: impl Into<MapperRef>, capacity: usize) -> Result<Self, Error> {
        let mut v = Self::new(mapper);
        v.reserve_exact(capacity)?;
        Ok(v)
    }

    /// A [`Builder`] for a vector with a name, an observer, a chosen window
    /// or a fixed maximum capacity.
    pub fn builder(mapper: impl Into<MapperRef>) -> Builder<Self> {
        Builder::new(mapper.into())
    }

    /// Builds from a configuration: a fixed window is reserved here.
    #[track_caller]
    pub(crate) fn try_from_config(config: Config) -> Result<Self, Error> {
        RawStore::build(config, Self::SHAPE, Location::caller()).map(Self::on)
    }

    /// An empty vector on `raw`, which holds no elements.
    fn on(raw: RawStore) -> Self {
        MappedVector {
            raw,
            len: 0,
            _elements: PhantomData,
        }
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
        self.raw.capacity(Self::SHAPE)
    }

    /// Bytes the mapper has [committed](crate#commit) for this vector now (a multiple of
    /// the page size): 0 unless it is [`Storage::Mapped`]. Heap storage is
    /// counted by [`heap_bytes`](Self::heap_bytes).
    #[inline]
    pub fn committed_bytes(&self) -> usize {
        self.raw.committed_bytes()
    }

    /// Bytes of address space [reserved](crate#reserve) now: 0 unless [`Storage::Mapped`].
    #[inline]
    pub fn reserved_bytes(&self) -> usize {
        self.raw.reserved_bytes()
    }

    /// Bytes of the vector's heap allocation: 0 unless [`Storage::Heap`].
    #[inline]
    pub fn heap_bytes(&self) -> usize {
        self.raw.heap_bytes()
    }

    /// Where the elements are now: nowhere yet, on the heap, or in a
    /// mapping of the vector's own.
    ///
    /// ```
    /// use mapped::{MappedVector, Storage, MAPPER};
    ///
    /// # if !mapped::OsMapper::MAPS { return Ok(()); } // this shows mapped storage
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
        self.raw.storage()
    }

    /// The [heap limit](crate#heap-limit): bytes of contents the vector keeps
    /// on the heap before it moves them into a mapping (0: always mapped); see
    /// [`Builder::heap_limit`].
    pub fn heap_limit(&self) -> usize {
        self.raw.heap_limit()
    }

    /// Elements the `N` initial pages hold: a mapped vector never shrinks
    /// its committed pages below this. `usize::MAX` for zero-sized `T`.
    pub fn initial_capacity(&self) -> usize {
        match Self::SHAPE.size {
            0 => usize::MAX,
            size => self.raw.initial_bytes(Self::SHAPE) / size,
        }
    }

    /// For a vector with a fixed window, the most elements it can ever hold.
    pub fn max_capacity(&self) -> Option<usize> {
        self.raw.max_capacity(Self::SHAPE)
    }

    /// The mapper's page size: the unit of commit and decommit.
    pub fn page_size(&self) -> usize {
        self.raw.page_size()
    }

    /// A raw pointer to the elements; valid for reads of `len` elements.
    #[inline]
    pub fn as_ptr(&self) -> *const T {
        self.raw.ptr().cast::<T>().as_ptr()
    }

    /// A raw mutable pointer to the elements.
    #[inline]
    pub fn as_mut_ptr(&mut self) -> *mut T {
        self.raw.ptr().cast::<T>().as_ptr()
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
    #[track_caller]
    pub fn push(&mut self, value: T) -> Result<(), PushError<T>> {
        // Read `len` once: after the write through the raw pointer the
        // compiler cannot assume `self.len` unchanged (as std's `Vec::push`).
        let len = self.len;
        // One compare, as `Vec::push` has: `write_below <= capacity()`, so
        // this also catches a full vector.
        if len >= self.raw.write_below() {
            if let Err(error) = self.raw.prepare_push(Self::SHAPE, len, Location::caller()) {
                return Err(PushError::new(value, error));
            }
        }
        // SAFETY: `len < write_below <= capacity`: the slot is committed and
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

    /// Removes and returns the last element if `predicate` returns true for
    /// it (as `Vec::pop_if`); `None`, and the vector unchanged but for what
    /// `predicate` did to the element, otherwise.
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let mut v: MappedVector<i32> = (1..=4).collect();
    /// assert_eq!(v.pop_if(|x| *x % 2 == 0), Some(4));
    /// assert_eq!(v.pop_if(|x| *x % 2 == 0), None);
    /// assert_eq!(v[..], [1, 2, 3]);
    /// ```
    pub fn pop_if(&mut self, predicate: impl FnOnce(&mut T) -> bool) -> Option<T> {
        let last = self.last_mut()?;
        if predicate(last) {
            self.pop()
        } else {
            None
        }
    }

    /// Makes room for at least `additional` more elements (amortised, as
    /// `Vec::reserve`).
    #[track_caller]
    pub fn reserve(&mut self, additional: usize) -> Result<(), Error> {
        self.make_room(self.len, additional, Writes::None)
    }

    /// `reserve` for `additional` elements after the first `used` slots
    /// (not `len`: a splice keeps its tail past a gap), all of which the
    /// storage keeps if it grows.
    #[track_caller]
    pub(super) fn reserve_after(&mut self, used: usize, additional: usize) -> Result<(), Error> {
        self.make_room(used, additional, Writes::None)
    }

    /// `reserve`, for `additional` elements about to be written: new pages
    /// are faulted in with one call instead of one trap each.
    #[track_caller]
    fn reserve_for_write(&mut self, additional: usize) -> Result<(), Error> {
        self.make_room(self.len, additional, Writes::Needed)
    }

    /// Room for `additional` elements after the first `used` slots,
    /// amortised; `writes` says which new bytes are about to be written.
    #[track_caller]
    fn make_room(&mut self, used: usize, additional: usize, writes: Writes) -> Result<(), Error> {
        if self.capacity() - used >= additional {
            return Ok(());
        }
        self.raw.grow(
            Self::SHAPE,
            used,
            additional,
            Growth::Amortized(writes),
            Location::caller(),
        )
    }

    /// Makes room for exactly `additional` more elements (as
    /// `Vec::reserve_exact`): on the heap, exactly; mapped, rounded up to
    /// whole pages.
    #[track_caller]
    pub fn reserve_exact(&mut self, additional: usize) -> Result<(), Error> {
        if self.capacity() - self.len >= additional {
            return Ok(());
        }
        self.raw.grow(
            Self::SHAPE,
            self.len,
            additional,
            Growth::Exact,
            Location::caller(),
        )
    }

    /// Gives back all memory not needed by the elements: on the heap, the
    /// allocation shrinks to fit; mapped, the pages past them are decommitted
    /// (keeping the `N` initial pages), and contents that fit under the heap
    /// limit move back to the heap.
    ///
    /// # Errors
    ///
    /// [`Error::Alloc`] when the heap allocation to move back into is
    /// refused, or [`Error::Os`] when the mapper refuses the decommit: the
    /// vector is unchanged, every element in place.
    pub fn shrink_to_fit(&mut self) -> Result<(), Error> {
        self.shrink_to(0)
    }

    /// Gives back memory not needed for `max(len, min_capacity)` elements,
    /// as [`shrink_to_fit`](Self::shrink_to_fit) does.
    ///
    /// # Errors
    ///
    /// As [`shrink_to_fit`](Self::shrink_to_fit)'s.
    pub fn shrink_to(&mut self, min_capacity: usize) -> Result<(), Error> {
        self.raw.shrink_to(Self::SHAPE, self.len, min_capacity)
    }

    /// Shortens the vector to `len` elements, dropping the rest (nothing
    /// happens if it is already that short), then gives memory back if it
    /// has become sparse.
    pub fn truncate(&mut self, len: usize) {
        self.truncate_for(len, Cause::Truncate);
    }

    /// [`truncate`](Self::truncate), with the shrink it may cause named
    /// `cause`.
    fn truncate_for(&mut self, len: usize, cause: Cause) {
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
        let _shrink = ShrinkOnExit(self, cause);
        // SAFETY: the tail elements are initialized and no longer counted.
        unsafe { ptr::drop_in_place(tail) };
    }

    /// Drops every element and gives memory back down to the `N` initial
    /// pages.
    #[inline]
    pub fn clear(&mut self) {
        self.truncate_for(0, Cause::Clear);
        // An already empty vector may still hold more than its floor (after
        // `reserve`, or a reservation reused with pages committed):
        // `truncate` had nothing to drop and so did not check.
        self.shrink_if_sparse_for(Cause::Clear);
    }

    /// Appends clones of `other`'s elements.
    ///
    /// # Errors
    ///
    /// When memory cannot be had nothing is appended. If a `clone` panics,
    /// the elements cloned so far stay appended.
    #[track_caller]
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
    #[track_caller]
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
    #[track_caller]
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
    #[track_caller]
    pub fn insert(&mut self, index: usize, element: T) -> Result<(), PushError<T>> {
        let len = self.len;
        assert!(
            index <= len,
            "insertion index (is {index}) should be <= len (is {len})"
        );
        if len == self.capacity() {
            let grown = self.raw.grow(
                Self::SHAPE,
                len,
                1,
                Growth::Amortized(Writes::None),
                Location::caller(),
            );
            if let Err(error) = grown {
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
        self.swap(index, len - 1);
        self.pop().expect("not empty: `index < len`")
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
    #[track_caller]
    pub(crate) fn empty_like(&self) -> Result<Self, Error> {
        self.raw
            .empty_like(Self::SHAPE, Location::caller())
            .map(Self::on)
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

    /// The telemetry kind, for the queue to call its storage `queue`.
    pub(crate) fn set_kind(&mut self, kind: Kind) {
        self.raw.set_kind(kind);
    }

    /// Whether a removal leaving `len` elements would ask the storage to
    /// give memory back (or, under decay, to check the clock): what
    /// [`shrink_if_sparse`](Self::shrink_if_sparse) compares, for a
    /// container that consumes from the front (`MappedBytes`) to know when
    /// moving its unread bytes down lets memory go.
    #[cfg(feature = "bytes")]
    #[inline]
    pub(crate) fn would_shrink_at(&self, len: usize) -> bool {
        len < self.raw.shrink_below()
    }

    /// Gives memory back if the storage asks to be told of this length: a
    /// removal left the vector sparse, or its contents fit on the heap
    /// again. Cheap when not: one compare with a length the storage
    /// worked out when its memory last changed.
    #[inline]
    fn shrink_if_sparse(&mut self) {
        self.shrink_if_sparse_for(Cause::Sparse);
    }

    /// [`shrink_if_sparse`](Self::shrink_if_sparse) after a removal that
    /// telemetry names `cause` (`clear` or `truncate`).
    #[inline]
    fn shrink_if_sparse_for(&mut self, cause: Cause) {
        if self.len < self.raw.shrink_below() {
            self.raw.shrink_sparse(Self::SHAPE, self.len, cause);
        }
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
        self.raw.trim(Self::SHAPE, self.len)
    }

    /// Takes the storage and the length out, leaving the vector to be
    /// forgotten: its elements are the caller's from now on.
    fn into_raw_parts(self) -> (RawStore, usize) {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the store is
        // moved out exactly once.
        let raw = unsafe { ptr::read(&this.raw) };
        (raw, this.len)
    }
}

/// Runs the shrink check when a truncation ends, even by a panicking drop.
struct ShrinkOnExit<'a, T, const N: usize>(&'a mut MappedVector<T, N>, Cause);

impl<T, const N: usize> Drop for ShrinkOnExit<'_, T, N> {
    fn drop(&mut self) {
        self.0.shrink_if_sparse_for(self.1);
    }
}

impl<T, const N: usize> Drop for MappedVector<T, N> {
    fn drop(&mut self) {
        // SAFETY: the elements are initialized and dropped exactly once; the
        // storage, freed by the store's own drop after this (even if an
        // element's drop panics), outlives them.
        unsafe { ptr::drop_in_place(self.as_mut_slice() as *mut [T]) };
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
    #[track_caller]
    pub fn build(self) -> Result<MappedVector<T, N>, Error> {
        MappedVector::try_from_config(self.config)
    }
}
