//! `MappedVector`: a `Vec` whose storage is a reserved address range that
//! commits pages as it grows and gives them back to the OS as it shrinks.
//!
//! Element logic lives here; every byte of memory comes from [`Region`],
//! and every size decision from [`policy`]. Iterators, drain and the
//! standard trait impls live in `vector/`.

mod decay;
mod drain;
mod into_iter;
mod traits;

pub use drain::Drain;
pub use into_iter::IntoIter;

use crate::builder::{Builder, Config, Window};
use crate::error::{Error, PushError};
use crate::mapper::MapperRef;
use crate::policy;
use crate::region::Region;
use decay::Decay;
use std::mem::{self, ManuallyDrop};
use std::ops::{Bound, RangeBounds};
use std::ptr::{self, NonNull};
use std::slice;

/// A growable array, like [`Vec`], whose memory comes straight from the OS's
/// virtual memory and goes back to it when the vector shrinks.
///
/// The vector reserves a window of address space (costing no memory) and
/// commits pages inside it as it grows, doubling. When fewer than a quarter
/// of the committed bytes are in use after `pop`, `truncate`, `clear`,
/// `retain`, `remove` or `drain`, it decommits down to twice what is in use,
/// and the pages go back to the OS (and are protected, so a stray access
/// faults). The first `N` pages stay committed throughout. Growth always
/// commits before it writes.
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
/// v.clear(); // the pages go back to the OS
/// assert!(v.committed_bytes() < big);
/// assert_eq!(v.committed_bytes(), v.initial_capacity() * 8);
/// v.push(1).unwrap(); // and come back, committed before they are touched
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
    region: Region,
    len: usize,
    /// `push` writes without a slow path while `len` is below this: the
    /// elements whose pages are committed and need no populate hint. At
    /// most the capacity (`usize::MAX` for zero-sized `T`).
    push_below: usize,
    /// Removals that leave fewer elements than this ask whether to give
    /// memory back ([`policy::shrink_below`], or sooner under decay).
    shrink_below: usize,
    window: Window,
    /// Set when decommits wait for memory to stay unused (the decay option).
    decay: Option<Decay>,
    _elements: std::marker::PhantomData<T>,
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
        let dangling = NonNull::<T>::dangling().cast::<u8>();
        let mut region = Region::new(config.mapper, config.label, dangling);
        region.set_huge_pages(config.huge_pages);
        region.set_decay(config.decay);
        Self::empty_on(region, window, config.decay.map(Decay::new))
    }

    /// An empty vector on `region`, which holds no memory yet.
    fn empty_on(region: Region, window: Window, decay: Option<Decay>) -> Self {
        let mut v = MappedVector {
            region,
            len: 0,
            push_below: 0,
            shrink_below: 0,
            window,
            decay,
            _elements: std::marker::PhantomData,
        };
        v.sync_limits();
        v
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
        if let Window::Fixed { max } = window {
            if max > 0 {
                v.check_alignment()?;
                v.region.reserve(max)?;
                // (A reservation from the cache comes with pages committed.)
                v.sync_limits();
            }
        }
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

    /// Elements that fit in the committed pages: how many the vector holds
    /// without calling the OS. `usize::MAX` for zero-sized `T`.
    #[inline]
    pub fn capacity(&self) -> usize {
        if Self::IS_ZST {
            usize::MAX
        } else {
            self.region.committed() / Self::SIZE
        }
    }

    /// Bytes of physical memory committed now (a multiple of the page size).
    #[inline]
    pub fn committed_bytes(&self) -> usize {
        self.region.committed()
    }

    /// Bytes of address space reserved now.
    #[inline]
    pub fn reserved_bytes(&self) -> usize {
        self.region.reserved()
    }

    /// Elements the `N` initial pages hold: the vector never shrinks below
    /// this once it has grown. `usize::MAX` for zero-sized `T`.
    pub fn initial_capacity(&self) -> usize {
        if Self::IS_ZST {
            usize::MAX
        } else {
            self.initial_bytes() / Self::SIZE
        }
    }

    /// For a vector with a fixed window, the most elements it can ever hold.
    pub fn max_capacity(&self) -> Option<usize> {
        match self.window {
            Window::Fixed { .. } if Self::IS_ZST => Some(usize::MAX),
            Window::Fixed { max } => Some(max / Self::SIZE),
            Window::Growable { .. } => None,
        }
    }

    /// The mapper's page size: the unit of commit and decommit.
    pub fn page_size(&self) -> usize {
        self.region.page_size()
    }

    #[inline]
    fn initial_bytes(&self) -> usize {
        policy::initial_bytes(N, self.region.page_size(), Self::SIZE)
    }

    /// A raw pointer to the elements; valid for reads of `len` elements.
    #[inline]
    pub fn as_ptr(&self) -> *const T {
        self.region.base().as_ptr().cast::<T>()
    }

    /// A raw mutable pointer to the elements.
    #[inline]
    pub fn as_mut_ptr(&mut self) -> *mut T {
        self.region.base().as_ptr().cast::<T>()
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

    /// Makes room for exactly `additional` more elements, rounded up to whole
    /// pages (as `Vec::reserve_exact`).
    pub fn reserve_exact(&mut self, additional: usize) -> Result<(), Error> {
        if self.capacity() - self.len >= additional {
            return Ok(());
        }
        let needed = self.bytes_for_additional(additional)?;
        let to = policy::exact_target(needed, self.initial_bytes(), self.region.page_size())
            .ok_or(Error::CapacityOverflow)?;
        self.commit_up_to(to, needed, Writes::None)
    }

    /// Gives back every page not needed by the elements (keeping the `N`
    /// initial pages).
    pub fn shrink_to_fit(&mut self) -> Result<(), Error> {
        self.shrink_to(0)
    }

    /// Gives back pages not needed for `max(len, min_capacity)` elements
    /// (keeping the `N` initial pages).
    pub fn shrink_to(&mut self, min_capacity: usize) -> Result<(), Error> {
        if Self::IS_ZST {
            return Ok(());
        }
        let keep = self.len.max(min_capacity).saturating_mul(Self::SIZE);
        let to = policy::fit_target(keep, self.initial_bytes(), self.region.page_size());
        if to < self.region.committed() {
            self.region.shrink(to)?;
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
        for item in other {
            let value = item.clone();
            // SAFETY: reserved above: the slot is committed and free.
            unsafe { self.as_mut_ptr().add(self.len).write(value) };
            self.len += 1;
        }
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

    /// Keeps only the elements for which `keep` returns true, in order.
    pub fn retain<F: FnMut(&T) -> bool>(&mut self, mut keep: F) {
        self.retain_mut(|x| keep(x));
    }

    /// Keeps only the elements for which `keep` returns true, in order,
    /// letting `keep` modify them.
    ///
    /// If `keep` or a drop panics, the elements not yet visited are kept and
    /// nothing is dropped twice.
    pub fn retain_mut<F: FnMut(&mut T) -> bool>(&mut self, mut keep: F) {
        let original_len = self.len;
        // Until the guard finishes, the vector counts no elements: a panic
        // leaves the guard to close the gap.
        self.len = 0;
        let mut guard = RetainGuard {
            vec: self,
            processed: 0,
            deleted: 0,
            original_len,
        };
        while guard.processed != original_len {
            // SAFETY: `processed < original_len`: this element is initialized
            // and not yet visited.
            let current = unsafe { &mut *guard.vec.as_mut_ptr().add(guard.processed) };
            if !keep(current) {
                guard.processed += 1;
                guard.deleted += 1;
                // SAFETY: dropped once; counted as deleted before the drop,
                // so a panicking drop is not repeated by the guard.
                unsafe { ptr::drop_in_place(current) };
                continue;
            }
            if guard.deleted > 0 {
                // SAFETY: the hole at `processed - deleted` is free; move the
                // kept element down into it.
                unsafe {
                    let base = guard.vec.as_mut_ptr();
                    ptr::copy_nonoverlapping(
                        base.add(guard.processed),
                        base.add(guard.processed - guard.deleted),
                        1,
                    );
                }
            }
            guard.processed += 1;
        }
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
        let len = self.len;
        let start = match range.start_bound() {
            Bound::Included(&s) => s,
            Bound::Excluded(&s) => s.checked_add(1).expect("range start overflows usize"),
            Bound::Unbounded => 0,
        };
        let end = match range.end_bound() {
            Bound::Included(&e) => e.checked_add(1).expect("range end overflows usize"),
            Bound::Excluded(&e) => e,
            Bound::Unbounded => len,
        };
        assert!(
            start <= end,
            "drain range start (is {start}) should be <= end (is {end})"
        );
        assert!(
            end <= len,
            "drain range end (is {end}) should be <= len (is {len})"
        );
        Drain::new(self, start, end)
    }

    /// Fallible `Clone`: a new vector on the same mapper, with the same name,
    /// window kind and `N`.
    pub fn try_clone(&self) -> Result<Self, Error>
    where
        T: Clone,
    {
        let mut copy = self.empty_like();
        if let Window::Fixed { max } = copy.window {
            if max > 0 && !Self::IS_ZST {
                copy.region.reserve(max)?;
                copy.sync_limits();
            }
        }
        copy.extend_from_slice(self)?;
        Ok(copy)
    }

    /// An empty vector configured like this one.
    fn empty_like(&self) -> Self {
        let decay = self.decay.map(|mut d| {
            d.reset();
            d
        });
        let region = self.region.empty_like(NonNull::<T>::dangling().cast());
        Self::empty_on(region, self.window, decay)
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
        self.region.set_container(container);
    }

    // ---- growth and shrinking: the only paths that call the OS ----

    fn bytes_for_additional(&self, additional: usize) -> Result<usize, Error> {
        self.len
            .checked_add(additional)
            .and_then(|n| policy::bytes_for(n, Self::SIZE))
            .ok_or(Error::CapacityOverflow)
    }

    fn check_alignment(&self) -> Result<(), Error> {
        let (align, page_size) = (mem::align_of::<T>(), self.region.page_size());
        if align > page_size {
            return Err(Error::Alignment { align, page_size });
        }
        Ok(())
    }

    /// Readies the slot at `len` for `push`: populates the next stretch of
    /// committed pages ahead of the pushes, or, when the vector is full,
    /// grows (which populates ahead too).
    #[cold]
    #[inline(never)]
    fn prepare_push(&mut self) -> Result<(), Error> {
        if self.len == self.capacity() {
            return self.grow_amortized(1, Writes::Ahead);
        }
        let from = self.len * Self::SIZE;
        self.region
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

    /// Commits room for `additional` more elements, doubling.
    #[cold]
    #[inline(never)]
    fn grow_amortized(&mut self, additional: usize, writes: Writes) -> Result<(), Error> {
        if Self::IS_ZST {
            // Capacity is `usize::MAX`: asking for more overflows.
            return Err(Error::CapacityOverflow);
        }
        let needed = self.bytes_for_additional(additional)?;
        let page = self.region.page_size();
        let to = policy::grow_target(self.region.committed(), needed, self.initial_bytes(), page)
            .ok_or(Error::CapacityOverflow)?;
        self.commit_up_to(to, needed, writes)
    }

    /// Commits up to `to` bytes (at least `needed`), reserving or moving the
    /// window as the window policy says.
    fn commit_up_to(&mut self, to: usize, needed: usize, writes: Writes) -> Result<(), Error> {
        self.check_alignment()?;
        let reserved = self.region.reserved();
        let (to, window) = match self.window {
            Window::Fixed { max } if needed > max => return Err(Error::WindowFull { needed, max }),
            Window::Fixed { max } => (to.min(max), max),
            Window::Growable { .. } if to <= reserved => (to, reserved),
            Window::Growable { first } => {
                let page = self.region.page_size();
                (
                    to,
                    policy::window_target(reserved, to, first, page)
                        .ok_or(Error::CapacityOverflow)?,
                )
            }
        };
        let live = self.len * Self::SIZE;
        let write_to = match writes {
            Writes::None => 0,
            Writes::Needed => needed,
            Writes::Ahead => live.saturating_add(Self::populate_ahead()),
        };
        let grown = self.region.grow(to, window, live, write_to);
        // Even a failed grow may have moved the window, populated or not.
        self.sync_limits();
        grown?;
        // In use again, unless a reservation reused from the cache came with
        // far more than asked for: then the surplus is unused from now on,
        // and decays like any other.
        let (committed, initial) = (self.region.committed(), self.initial_bytes());
        if let Some(decay) = &mut self.decay {
            if policy::should_shrink(needed, committed, initial) {
                decay.start_unless_running();
            } else {
                decay.reset();
            }
        }
        Ok(())
    }

    /// Gives memory back if fewer than a quarter of the committed bytes are
    /// in use. Cheap when not: one compare with a length worked out when
    /// the committed bytes last changed.
    #[inline]
    fn shrink_if_sparse(&mut self) {
        if self.len < self.shrink_below {
            self.shrink_now();
        }
    }

    /// Works out `push_below` and `shrink_below` again: call after every
    /// change of the committed or populated bytes.
    fn sync_limits(&mut self) {
        if Self::IS_ZST {
            (self.push_below, self.shrink_below) = (usize::MAX, 0);
            return;
        }
        let committed = self.region.committed();
        // Pages below `populated` need no hint before pushes write them.
        self.push_below = self.region.populated() / Self::SIZE;
        self.shrink_below = policy::shrink_below(committed, self.initial_bytes(), Self::SIZE);
    }

    #[cold]
    #[inline(never)]
    fn shrink_now(&mut self) {
        debug_assert!(policy::should_shrink(
            self.len * Self::SIZE,
            self.region.committed(),
            self.initial_bytes()
        ));
        if let Some(decay) = &mut self.decay {
            if !decay.due() {
                // Held for now: ask again after some more removals.
                self.shrink_below = decay::next_check_below(self.len);
                return;
            }
        }
        self.decommit_surplus();
    }

    /// Decommits down to the policy's target for the live elements.
    fn decommit_surplus(&mut self) {
        let to = policy::shrink_target(
            self.len * Self::SIZE,
            self.initial_bytes(),
            self.region.page_size(),
        );
        if to < self.region.committed() {
            // A refused decommit leaves the pages committed and usable, and
            // is reported by telemetry; the next shrink tries again.
            if self.region.shrink(to).is_ok() {
                self.sync_limits();
                if let Some(decay) = &mut self.decay {
                    decay.reset();
                }
            }
        }
    }

    /// Gives memory back that the shrink policy would have given back
    /// already, but which the decay option (see
    /// [`Builder::decay`](crate::Builder::decay)) has held until it stayed
    /// unused for the delay. Call it from housekeeping: a vector left sparse
    /// and untouched has nothing else to check the clock. Without decay it
    /// does nothing a removal did not already do.
    ///
    /// Returns whether memory went back to the OS.
    pub fn trim(&mut self) -> bool {
        let (live, committed) = (self.len * Self::SIZE, self.region.committed());
        if !policy::should_shrink(live, committed, self.initial_bytes()) {
            return false;
        }
        if let Some(decay) = &mut self.decay {
            if !decay.due() {
                return false;
            }
        }
        self.decommit_surplus();
        self.region.committed() < committed
    }

    /// Takes the region out, leaving the vector to be forgotten.
    fn into_raw_parts(self) -> (Region, usize) {
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the region is
        // moved out exactly once.
        let region = unsafe { ptr::read(&this.region) };
        (region, this.len)
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

/// Closes the gap `retain_mut` leaves, however it ends.
struct RetainGuard<'a, T, const N: usize> {
    vec: &'a mut MappedVector<T, N>,
    processed: usize,
    deleted: usize,
    original_len: usize,
}

impl<T, const N: usize> Drop for RetainGuard<'_, T, N> {
    fn drop(&mut self) {
        if self.deleted > 0 {
            // SAFETY: `[processed, original_len)` are initialized, unvisited
            // elements; move them down over the hole of `deleted` slots.
            unsafe {
                let base = self.vec.as_mut_ptr();
                ptr::copy(
                    base.add(self.processed),
                    base.add(self.processed - self.deleted),
                    self.original_len - self.processed,
                );
            }
        }
        self.vec.len = self.original_len - self.deleted;
        self.vec.shrink_if_sparse();
    }
}

impl<T, const N: usize> Drop for MappedVector<T, N> {
    fn drop(&mut self) {
        // SAFETY: the elements are initialized and dropped exactly once; the
        // region (released by its own drop afterwards) outlives them.
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
    pub fn build(self) -> Result<MappedVector<T, N>, Error> {
        MappedVector::try_from_config(self.config)
    }
}
