//! `MappedQueue`: a binary max-heap on a `MappedVector`, so it shrinks too.
//!
//! The queue owns the heap algorithm and nothing else: every byte of memory,
//! every grow and shrink decision and all telemetry come from its
//! [`MappedVector`], whose telemetry label says `queue`. The sift functions
//! (in `queue/sift.rs`) move elements through a hole, as std's
//! `BinaryHeap` does; the guard [`PeekMut`] lives in `queue/peek_mut.rs`.

mod convert;
mod peek_mut;
mod sift;
mod traits;

pub use peek_mut::PeekMut;

use crate::builder::Builder;
use crate::error::{Error, PushError};
use crate::mapper_ref::MapperRef;
use crate::raw::Storage;
use crate::telemetry::Kind;
use crate::vector::{Drain, MappedVector};
use std::slice;

/// A priority queue on mapped storage: a binary max-heap with the semantics
/// of [`std::collections::BinaryHeap`], whose pages are committed as it grows
/// and go back to the OS as it shrinks.
///
/// The elements live in a [`MappedVector<T, N>`]: the queue inherits its
/// growth, its shrinking (after `pop`, `clear`, `retain` or `drain` leave it
/// sparse), its recommit-before-touch guarantee and its telemetry, reported
/// with the label `container = "queue"`. Small contents live on the heap,
/// as the vector's do.
///
/// `pop` returns the greatest element. Operations that may need memory
/// return a [`Result`]; a refused commit leaves the queue unchanged, and
/// [`push`](Self::push) hands the value back in the [`PushError`].
///
/// ```
/// use mapped::{MappedQueue, MAPPER};
///
/// # if !mapped::OsMapper::MAPS { return; } // this shows mapped storage
/// let mut q: MappedQueue<u64> = MappedQueue::new(MAPPER);
/// for x in [5, 1, 8, 3, 9, 2] {
///     q.push(x).unwrap();
/// }
/// assert_eq!(q.peek(), Some(&9));
/// assert_eq!(q.pop(), Some(9));
/// assert_eq!(q.pop(), Some(8));
/// assert_eq!(q.len(), 4);
///
/// // A big burst commits pages; emptying the queue gives them back.
/// for x in 0..1_000_000 {
///     q.push(x).unwrap();
/// }
/// let peak = q.committed_bytes();
/// while q.pop().is_some() {}
/// assert!(q.committed_bytes() < peak);
/// assert_eq!(q.committed_bytes(), 0); // the last few moved to the heap
/// ```
///
/// A min-heap is a max-heap of [`Reverse`](std::cmp::Reverse):
///
/// ```
/// use mapped::{MappedQueue, MAPPER};
/// use std::cmp::Reverse;
///
/// let mut q: MappedQueue<Reverse<u32>> = MappedQueue::new(MAPPER);
/// for x in [5, 1, 8, 3] {
///     q.push(Reverse(x)).unwrap();
/// }
/// assert_eq!(q.pop(), Some(Reverse(1)));
/// assert_eq!(q.peek(), Some(&Reverse(3)));
/// let rest: Vec<u32> = q.into_sorted_vec().iter().rev().map(|r| r.0).collect();
/// assert_eq!(rest, [3, 5, 8]);
/// ```
///
/// # A panicking `Ord`
///
/// If `T`'s comparison panics, no element is lost, duplicated or dropped
/// twice, and the queue stays usable:
///
/// - [`push`](Self::push) keeps every element, as std's `BinaryHeap::push`
///   does: the queue holds what it held and the pushed value, which stays
///   at the end, possibly out of heap order (so later pops may come out of
///   order, as after any logic error in `Ord`);
/// - [`pop`](Self::pop) leaves the queue exactly as it was before the call,
///   so it is still a valid heap;
/// - the re-sift of a [`PeekMut`] leaves the edited element at the top;
/// - operations that rebuild the heap (`append`, `extend`, `retain`,
///   `From<MappedVector>`) leave every element in the queue in an
///   unspecified order, as std's `BinaryHeap` does on a logic error.
///
/// Memory safety never depends on `Ord` being a total order.
pub struct MappedQueue<T: Ord, const N: usize = 1> {
    data: MappedVector<T, N>,
}

impl<T: Ord, const N: usize> MappedQueue<T, N> {
    /// An empty queue on `mapper` (`MAPPER`, a `&'static M` or an
    /// `Arc<M>`). Reserves and commits nothing until the first push.
    pub fn new(mapper: impl Into<MapperRef>) -> Self {
        Self::from_storage(MappedVector::new(mapper))
    }

    /// An empty queue with a fixed window holding at least `max_capacity`
    /// elements, reserved now: growing past it is [`Error::WindowFull`].
    /// Commits nothing until the first push.
    ///
    /// # Errors
    ///
    /// A window size that overflows, an element type aligned beyond the
    /// page size, or a refused reservation.
    pub fn with_max_capacity(
        mapper: impl Into<MapperRef>,
        max_capacity: usize,
    ) -> Result<Self, Error> {
        Self::builder(mapper).max_capacity(max_capacity).build()
    }

    /// A [`Builder`] for a queue with a name, an observer, a chosen window
    /// or a fixed maximum capacity.
    ///
    /// ```
    /// use mapped::{MappedQueue, MAPPER};
    ///
    /// # if !mapped::OsMapper::MAPS { return Ok(()); } // this shows mapped storage
    /// let mut q = MappedQueue::<u32, 4>::builder(MAPPER)
    ///     .name("timers")
    ///     .max_capacity(10_000)
    ///     .build()?;
    /// q.push(3).map_err(mapped::Error::from)?;
    /// assert_eq!(q.peek(), Some(&3));
    /// assert!(q.max_capacity() >= Some(10_000));
    /// # Ok::<(), mapped::Error>(())
    /// ```
    pub fn builder(mapper: impl Into<MapperRef>) -> Builder<Self> {
        Builder::new(mapper.into())
    }

    /// Wraps storage whose elements are already a heap (or empty), labelling
    /// it `queue` for telemetry.
    fn from_storage(mut data: MappedVector<T, N>) -> Self {
        data.set_kind(Kind::Queue);
        MappedQueue { data }
    }

    // ---- the pinned core ----

    /// Adds `item`. O(log n) comparisons; amortised O(1) system calls (only
    /// when the committed pages are full).
    ///
    /// # Errors
    ///
    /// When memory cannot be had, the queue is unchanged and the error hands
    /// `item` back ([`PushError::into_value`]).
    ///
    /// If `T`'s `Ord` panics, the panic propagates and `item` stays in the
    /// queue, at the end (see [A panicking `Ord`](Self#a-panicking-ord)).
    #[inline]
    #[track_caller]
    pub fn push(&mut self, item: T) -> Result<(), PushError<T>> {
        let old_len = self.data.len();
        self.data.push(item)?;
        // If a comparison panics, the sift's hole puts the new element back
        // at the end and the queue keeps it, as std's does.
        // SAFETY: the push succeeded, so `old_len < len`.
        unsafe { sift::sift_up(self.data.as_mut_slice(), 0, old_len) };
        Ok(())
    }

    /// Removes and returns the greatest element, or `None` if the queue is
    /// empty. Gives memory back to the OS when the queue has become sparse.
    /// O(log n).
    #[inline]
    pub fn pop(&mut self) -> Option<T> {
        if self.data.len() > 1 {
            // The greatest element goes to the end and the rest is re-sifted,
            // all in place; if a comparison panics, the slice is as it was.
            //
            // SAFETY: `len >= 2`.
            unsafe { sift::pop_to_end(self.data.as_mut_slice()) };
        }
        // Take it off the end through the vector's own `pop`, which gives
        // memory back when the vector has become sparse: only now, after
        // the sift, when no slot beyond the new length is needed again.
        self.data.pop()
    }

    /// The greatest element, or `None` if the queue is empty. O(1).
    #[inline]
    pub fn peek(&self) -> Option<&T> {
        self.data.first()
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether there are no elements.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Bytes the mapper has committed for this queue now (a multiple of the
    /// page size): 0 unless it is [`Storage::Mapped`].
    #[inline]
    pub fn committed_bytes(&self) -> usize {
        self.data.committed_bytes()
    }

    /// Bytes of the queue's heap allocation: 0 unless
    /// [`Storage::Heap`].
    #[inline]
    pub fn heap_bytes(&self) -> usize {
        self.data.heap_bytes()
    }

    /// Where the elements are now; see [`MappedVector::storage`].
    pub fn storage(&self) -> Storage {
        self.data.storage()
    }

    /// Bytes of contents kept on the heap before the queue moves them into
    /// a mapping; see [`Builder::heap_limit`](crate::Builder::heap_limit).
    pub fn heap_limit(&self) -> usize {
        self.data.heap_limit()
    }

    // ---- sizes ----

    /// Elements the queue holds without allocating or calling the OS.
    /// `usize::MAX` for zero-sized `T`.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.data.capacity()
    }

    /// Bytes of address space reserved now.
    #[inline]
    pub fn reserved_bytes(&self) -> usize {
        self.data.reserved_bytes()
    }

    /// Elements the `N` initial pages hold: see
    /// [`MappedVector::initial_capacity`].
    pub fn initial_capacity(&self) -> usize {
        self.data.initial_capacity()
    }

    /// For a queue with a fixed window, the most elements it can ever hold.
    pub fn max_capacity(&self) -> Option<usize> {
        self.data.max_capacity()
    }

    /// The mapper's page size: the unit of commit and decommit.
    pub fn page_size(&self) -> usize {
        self.data.page_size()
    }

    /// Makes room for at least `additional` more elements (amortised, as
    /// `BinaryHeap::reserve`).
    ///
    /// # Errors
    ///
    /// When memory cannot be had; the queue is unchanged.
    #[track_caller]
    pub fn reserve(&mut self, additional: usize) -> Result<(), Error> {
        self.data.reserve(additional)
    }

    /// Makes room for exactly `additional` more elements, rounded up to
    /// whole pages (as `BinaryHeap::reserve_exact`).
    ///
    /// # Errors
    ///
    /// When memory cannot be had; the queue is unchanged.
    #[track_caller]
    pub fn reserve_exact(&mut self, additional: usize) -> Result<(), Error> {
        self.data.reserve_exact(additional)
    }

    /// Gives back all memory not needed by the elements, as
    /// [`MappedVector::shrink_to_fit`] does (which says where it goes).
    ///
    /// # Errors
    ///
    /// As [`MappedVector::shrink_to_fit`]'s: the queue is unchanged.
    pub fn shrink_to_fit(&mut self) -> Result<(), Error> {
        self.data.shrink_to_fit()
    }

    /// Gives back memory not needed for `max(len, min_capacity)` elements,
    /// as [`MappedVector::shrink_to`] does.
    ///
    /// # Errors
    ///
    /// As [`MappedVector::shrink_to`]'s: the queue is unchanged.
    pub fn shrink_to(&mut self, min_capacity: usize) -> Result<(), Error> {
        self.data.shrink_to(min_capacity)
    }

    /// Gives back memory that the decay option
    /// ([`Builder::decay`](crate::Builder::decay)) has held while it was
    /// unused for less than the delay, once the delay has passed; call it
    /// from housekeeping. Without decay, memory already went back on
    /// removal, and this does nothing. Returns whether memory went back to
    /// the OS.
    pub fn trim(&mut self) -> bool {
        self.data.trim()
    }

    // ---- the rest of BinaryHeap ----

    /// Mutable access to the greatest element, or `None` if the queue is
    /// empty. When the returned guard is dropped the element moves to where
    /// it now belongs; `PeekMut::pop` removes it instead.
    ///
    /// ```
    /// use mapped::{MappedQueue, MAPPER};
    ///
    /// let mut q: MappedQueue<i32> = MappedQueue::new(MAPPER);
    /// q.extend([1, 5, 2]);
    /// if let Some(mut top) = q.peek_mut() {
    ///     *top = 0; // no longer the greatest
    /// }
    /// assert_eq!(q.peek(), Some(&2));
    /// ```
    pub fn peek_mut(&mut self) -> Option<PeekMut<'_, T, N>> {
        if self.is_empty() {
            None
        } else {
            Some(PeekMut::new(self))
        }
    }

    /// Drops every element and gives memory back down to the `N` initial
    /// pages.
    pub fn clear(&mut self) {
        self.data.clear();
    }

    /// Removes every element, yielding them in arbitrary order. The memory
    /// is given back when the iterator is dropped (the elements not yet
    /// yielded are dropped then too), as the queue would give it back: a
    /// small mapping may park in the reservation cache, resident for
    /// [`CACHE_DELAY`](crate::CACHE_DELAY).
    ///
    /// ```
    /// use mapped::{MappedQueue, MAPPER};
    ///
    /// let mut q: MappedQueue<u8> = MappedQueue::new(MAPPER);
    /// q.extend([3, 1, 2]);
    /// let mut all: Vec<u8> = q.drain().collect();
    /// all.sort();
    /// assert_eq!(all, [1, 2, 3]);
    /// assert!(q.is_empty());
    /// ```
    pub fn drain(&mut self) -> Drain<'_, T, N> {
        self.data.drain(..)
    }

    /// The elements in arbitrary order (the heap's storage order).
    pub fn iter(&self) -> slice::Iter<'_, T> {
        self.data.iter()
    }

    /// The elements in arbitrary order (the heap's storage order), as a
    /// slice.
    pub fn as_slice(&self) -> &[T] {
        self.data.as_slice()
    }

    /// Keeps only the elements for which `keep` returns true, then restores
    /// the heap order (rebuilding only from the first removed element on).
    /// Gives memory back if the queue has become sparse.
    ///
    /// ```
    /// use mapped::{MappedQueue, MAPPER};
    ///
    /// let mut q: MappedQueue<u32> = (1..=10).collect();
    /// q.retain(|&x| x % 3 == 0);
    /// assert_eq!(q.into_sorted_vec(), [3, 6, 9]);
    /// ```
    pub fn retain<F: FnMut(&T) -> bool>(&mut self, mut keep: F) {
        // The rebuild runs however `retain` ends, so a panicking `keep`
        // leaves a heap behind too.
        let mut guard = RebuildOnDrop {
            rebuild_from: self.len(),
            heap: self,
        };
        let mut i = 0;
        guard.heap.data.retain(|e| {
            let kept = keep(e);
            if !kept && i < guard.rebuild_from {
                guard.rebuild_from = i;
            }
            i += 1;
            kept
        });
    }

    /// Moves every element of `other` into this queue, leaving `other`
    /// empty. The elements move into this queue's storage (unlike std's
    /// `BinaryHeap::append`, the two queues never trade storage, so each
    /// keeps its mapper, window and name).
    ///
    /// # Errors
    ///
    /// When memory cannot be had; both queues are unchanged.
    pub fn append<const M: usize>(&mut self, other: &mut MappedQueue<T, M>) -> Result<(), Error> {
        let start = self.len();
        self.data.append(&mut other.data)?;
        sift::rebuild_tail(self.data.as_mut_slice(), start);
        Ok(())
    }

    /// Adds every item of `iter`, as `Extend` does, but returns an error
    /// instead of panicking when memory cannot be had.
    ///
    /// # Errors
    ///
    /// The item that could not be pushed comes back in the [`PushError`];
    /// the items before it are in the queue (which is a valid heap), and
    /// what the iterator holds after it is left in the iterator (pass
    /// `&mut iter` to keep it).
    pub fn try_extend<I: IntoIterator<Item = T>>(&mut self, iter: I) -> Result<(), PushError<T>> {
        let guard = RebuildOnDrop {
            rebuild_from: self.len(),
            heap: self,
        };
        guard.heap.data.try_extend(iter)
    }

    /// Consumes the queue, returning its storage: the elements in arbitrary
    /// order, in the same pages (nothing is copied). The vector reports
    /// telemetry as a `vector` from then on.
    pub fn into_vec(self) -> MappedVector<T, N> {
        let mut data = self.data;
        data.set_kind(Kind::Vector);
        data
    }

    /// Consumes the queue, returning its elements in ascending order, in the
    /// same pages (sorted in place, O(n log n)).
    pub fn into_sorted_vec(mut self) -> MappedVector<T, N> {
        let mut end = self.len();
        while end > 1 {
            end -= 1;
            let data = self.data.as_mut_slice();
            // The greatest of `[0, end]` goes to `end`; the rest is re-sifted.
            data.swap(0, end);
            // SAFETY: `0 < end < len`.
            unsafe { sift::sift_down_range(data, 0, end) };
        }
        self.into_vec()
    }

    /// A fallible `Clone`: a new queue on the same mapper, with the same
    /// name, window kind and `N`.
    ///
    /// # Errors
    ///
    /// When memory for the copy cannot be had.
    pub fn try_clone(&self) -> Result<Self, Error>
    where
        T: Clone,
    {
        Ok(Self::from_storage(self.data.try_clone()?))
    }
}

impl<T: Ord, const N: usize> Builder<MappedQueue<T, N>> {
    /// Builds the queue; a fixed window
    /// ([`max_capacity`](Builder::max_capacity)) is reserved now.
    ///
    /// # Errors
    ///
    /// A fixed window whose size overflows, an element type aligned beyond
    /// the page size (with a fixed window), or a refused reservation.
    #[track_caller]
    pub fn build(mut self) -> Result<MappedQueue<T, N>, Error> {
        // Labelled before anything is reserved, so the reservation's own
        // telemetry already says `queue`.
        self.config.label.kind = Kind::Queue;
        MappedVector::try_from_config(self.config).map(MappedQueue::from_storage)
    }
}

/// Restores the heap order from `rebuild_from` on when dropped, however the
/// operation that appended or removed elements ended.
struct RebuildOnDrop<'a, T: Ord, const N: usize> {
    heap: &'a mut MappedQueue<T, N>,
    rebuild_from: usize,
}

impl<T: Ord, const N: usize> Drop for RebuildOnDrop<'_, T, N> {
    fn drop(&mut self) {
        sift::rebuild_tail(self.heap.data.as_mut_slice(), self.rebuild_from);
    }
}

#[cfg(test)]
mod tests;
