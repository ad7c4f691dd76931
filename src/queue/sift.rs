//! The heap algorithm on a slice: sift-up, sift-down and heapify, moving
//! elements through a [`Hole`] rather than swapping them, as
//! `std::collections::BinaryHeap` does.
//!
//! One difference from std: a hole that is dropped without being
//! [`fill`](Hole::fill)ed (which only happens when a comparison panicked)
//! first moves every element it displaced back where it was, then writes its
//! element back where it started. So a sift interrupted by a panicking `Ord`
//! leaves the slice exactly as it was before the sift: no element lost, none
//! duplicated, and whatever order held before still holds.
//!
//! One addition: the walk down in [`sift_down_to_bottom`] (the `pop` path)
//! prefetches the levels below the hole in big heaps (see [`Prefetch`]). The
//! comparisons and moves are std's, one for one.
//!
//! Indices: the children of `i` are `2i + 1` and `2i + 2`, its parent
//! `(i - 1) / 2`.

use std::mem::{self, ManuallyDrop};
use std::ptr;

/// A slot of the slice whose element has been taken out (held in `elt`),
/// moving through the heap as elements are copied into it.
///
/// While a hole lives, `pos < data.len()`, and the slot at `pos` is
/// logically empty (its bits are a stale copy of an element that now lives
/// elsewhere, or of `elt`); every other slot holds exactly one element.
pub(super) struct Hole<'a, T> {
    data: &'a mut [T],
    elt: ManuallyDrop<T>,
    pos: usize,
    /// Where the hole started: a drop (a panic) moves it back here.
    home: usize,
}

impl<'a, T> Hole<'a, T> {
    /// Takes the element at `pos` out, leaving a hole.
    ///
    /// # Safety
    ///
    /// `pos < data.len()`.
    #[inline]
    unsafe fn new(data: &'a mut [T], pos: usize) -> Self {
        debug_assert!(pos < data.len());
        // SAFETY: the caller guarantees `pos` is in bounds; the element is
        // read out once and from now on owned by the hole (the slot is
        // treated as empty until the hole is filled or dropped).
        let elt = unsafe { ptr::read(data.get_unchecked(pos)) };
        Hole {
            data,
            elt: ManuallyDrop::new(elt),
            pos,
            home: pos,
        }
    }

    #[inline]
    fn pos(&self) -> usize {
        self.pos
    }

    /// The element taken out.
    #[inline]
    fn element(&self) -> &T {
        &self.elt
    }

    /// The element at `index`.
    ///
    /// # Safety
    ///
    /// `index < data.len()` and `index != pos`.
    #[inline]
    unsafe fn get(&self, index: usize) -> &T {
        debug_assert!(index != self.pos);
        debug_assert!(index < self.data.len());
        // SAFETY: in bounds (caller), and not the hole, so it holds an element.
        unsafe { self.data.get_unchecked(index) }
    }

    /// Moves the element at `index` into the hole; the hole moves to `index`.
    ///
    /// # Safety
    ///
    /// `index < data.len()` and `index != pos`.
    #[inline]
    unsafe fn move_to(&mut self, index: usize) {
        debug_assert!(index != self.pos);
        debug_assert!(index < self.data.len());
        // SAFETY: both indices are in bounds and distinct (caller), so the
        // one-element copy does not overlap; the element at `index` now
        // lives at `pos`, and `index` becomes the hole.
        unsafe {
            let ptr = self.data.as_mut_ptr();
            ptr::copy_nonoverlapping(ptr.add(index), ptr.add(self.pos), 1);
        }
        self.pos = index;
    }

    /// Ends the sift: writes the element into the hole, where it stays.
    /// Returns its position.
    #[inline]
    fn fill(self) -> usize {
        let mut this = ManuallyDrop::new(self);
        let pos = this.pos;
        // SAFETY: `pos` is in bounds and is the hole, so the write overwrites
        // no element; the held element is written exactly once, and
        // `ManuallyDrop` keeps `Drop` from writing it again.
        unsafe {
            let slot = this.data.as_mut_ptr().add(pos);
            ptr::copy_nonoverlapping(&*this.elt, slot, 1);
        }
        pos
    }
}

impl<T> Drop for Hole<'_, T> {
    /// Reached only when a comparison panicked (`fill` consumes the hole
    /// otherwise): undoes the sift, then fills the hole where it started.
    fn drop(&mut self) {
        // Every position the hole visited lies on one root-to-leaf path
        // through `home`, and each step moved one element one level along
        // it. Walking back along the path moves each element back.
        while self.pos != self.home {
            let next = if self.home < self.pos {
                // `home` is an ancestor: step up.
                (self.pos - 1) / 2
            } else {
                // `home` is a descendant: step down toward it.
                child_toward(self.pos, self.home)
            };
            // SAFETY: `next` lies on the path between `pos` and `home`, both
            // in bounds, so it is in bounds; it is a parent or child of
            // `pos`, so it is not `pos`.
            unsafe { self.move_to(next) };
        }
        // SAFETY: as in `fill`: the hole is in bounds and empty, and the
        // element is written once (the hole is being dropped).
        unsafe {
            let slot = self.data.as_mut_ptr().add(self.pos);
            ptr::copy_nonoverlapping(&*self.elt, slot, 1);
        }
    }
}

/// The child of `ancestor` on the path down to `descendant` (0-based).
#[inline]
fn child_toward(ancestor: usize, descendant: usize) -> usize {
    // 1-based, a node's ancestors are its index shifted right.
    let (a, d) = (ancestor + 1, descendant + 1);
    let levels = (a.leading_zeros() - d.leading_zeros()) as usize;
    debug_assert!(levels >= 1 && d >> levels == a);
    (d >> (levels - 1)) - 1
}

/// Prefetching for a walk down a heap: which block of descendants to ask
/// for at each step, and whether to ask at all.
///
/// Every step of a sift down loads the two children of the hole, and which
/// one the hole moves to depends on the values loaded: a chain of dependent
/// loads, each a cache miss once the heap outgrows the caches. So at each
/// step the walk asks for the whole block of the hole's descendants `levels`
/// below (they lie side by side: `2^levels` elements from `((pos + 1) <<
/// levels) - 1` on), which it reaches `levels` steps later, whichever way it
/// goes.
///
/// A prefetch is only a hint: it cannot fault and changes nothing the
/// program can observe but time. All the same, only addresses of elements
/// inside the slice are passed, so nothing beyond the vector's live elements
/// is touched, not even by the cache. Only on `x86_64` (not under Miri);
/// elsewhere it does nothing.
struct Prefetch {
    /// Prefetch at `pos` only if `pos + 2 <= limit`, which puts the whole
    /// block in the slice; 0 turns prefetching off.
    limit: usize,
}

impl Prefetch {
    /// Bytes of descendants asked for per step: two or three cache lines.
    /// Measured with `u64` on a heap of a million elements (8 MB): 128 bytes
    /// (four levels ahead) beat both 64 (three levels) and 256 (five).
    const BLOCK_BYTES: usize = 128;

    /// Heaps smaller than this (in bytes) stay in the caches between pops,
    /// and prefetching them only costs instructions. Measured with `u64`,
    /// pushing and popping around a fixed size: prefetching was up to 2%
    /// slower below 64 KiB, even at 64 KiB, then faster: 1% at 128 KiB, 5% at
    /// 400 KiB, 14% at 800 KiB, a third at 8 MB.
    const MIN_HEAP_BYTES: usize = 64 << 10;

    /// The bytes a prefetch brings in at once.
    const CACHE_LINE: usize = 64;

    /// How many levels below the hole to look: the deepest level, at most 4,
    /// whose block fits in [`Self::BLOCK_BYTES`]; 0 (no prefetch) when even
    /// the grandchildren do not fit (elements of more than 32 bytes), or for
    /// zero-sized elements.
    const fn levels(size: usize) -> u32 {
        if size == 0 {
            return 0;
        }
        let mut levels = 4;
        while levels >= 2 && size > Self::BLOCK_BYTES >> levels {
            levels -= 1;
        }
        if levels < 2 {
            0
        } else {
            levels
        }
    }

    /// For a walk down a heap of `len` elements of type `T`.
    #[inline(always)]
    fn new<T>(len: usize) -> Self {
        let size = mem::size_of::<T>();
        let levels = Self::levels(size);
        // `len * size` cannot overflow: the slice exists.
        let limit = if levels == 0 || len * size < Self::MIN_HEAP_BYTES {
            0
        } else {
            // The block `[first, first + 2^levels)`, `first = ((pos + 1) <<
            // levels) - 1`, lies in the slice when `first + 2^levels <=
            // len`, that is `(pos + 2) << levels <= len + 1`, that is `pos +
            // 2 <= (len + 1) >> levels`. `len + 1` cannot overflow: `len <=
            // isize::MAX`.
            (len + 1) >> levels
        };
        Prefetch { limit }
    }

    /// Whether this walk prefetches at all.
    #[inline(always)]
    fn is_on(&self) -> bool {
        self.limit > 0
    }

    /// Asks for the block of descendants of `pos` (see [`Prefetch`]), if
    /// prefetching is on and the block lies in `data`.
    #[inline(always)]
    fn descendants<T>(&self, data: &[T], pos: usize) {
        // `pos < len`, so `pos + 2` cannot overflow.
        if pos + 2 > self.limit {
            return;
        }
        let size = mem::size_of::<T>();
        let levels = Self::levels(size);
        debug_assert!(levels >= 2 && ((pos + 2) << levels) <= data.len() + 1);
        // `(pos + 1) << levels < (pos + 2) << levels <= len + 1`: no overflow.
        let first = ((pos + 1) << levels) - 1;
        let block = size << levels;
        let start = data.as_ptr().wrapping_add(first).cast::<u8>();
        // One hint per cache line of the block: its first byte, then a line
        // apart, then its last element (whose line the steps may end short
        // of). The sizes are constants: this unrolls to two or three hints.
        let mut offset = 0;
        while offset < block {
            prefetch(start.wrapping_add(offset));
            offset += Self::CACHE_LINE;
        }
        prefetch(start.wrapping_add(block - size));
    }
}

/// Asks the CPU to bring the cache line holding `p` into the caches.
#[inline(always)]
fn prefetch(p: *const u8) {
    #[cfg(all(target_arch = "x86_64", not(miri)))]
    // SAFETY: `_mm_prefetch` needs SSE (`#[target_feature(enable = "sse")]`),
    // which every `x86_64` target has. The instruction, `prefetcht0`, is a
    // hint: it never faults, whatever the address, and has no effect but on
    // the caches.
    unsafe {
        std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p.cast::<i8>());
    }
    #[cfg(not(all(target_arch = "x86_64", not(miri))))]
    let _ = p;
}

/// Moves the element at `pos` up while it is greater than its parent, but
/// not above `start`. Returns its new position.
///
/// If a comparison panics the slice is as it was before the call.
///
/// # Safety
///
/// `start <= pos < data.len()`.
#[inline]
pub(super) unsafe fn sift_up<T: Ord>(data: &mut [T], start: usize, pos: usize) -> usize {
    // SAFETY: `pos < data.len()` (caller).
    let mut hole = unsafe { Hole::new(data, pos) };
    while hole.pos() > start {
        let parent = (hole.pos() - 1) / 2;
        // SAFETY: `hole.pos() > start >= 0`, so `parent < hole.pos()`: in
        // bounds and not the hole.
        if hole.element() <= unsafe { hole.get(parent) } {
            break;
        }
        // SAFETY: as above.
        unsafe { hole.move_to(parent) };
    }
    hole.fill()
}

/// Moves the element at `pos` down, below any greater child, within
/// `[0, end)`. Returns its new position.
///
/// If a comparison panics the slice is as it was before the call.
///
/// # Safety
///
/// `pos < end <= data.len()`.
#[inline]
pub(super) unsafe fn sift_down_range<T: Ord>(data: &mut [T], pos: usize, end: usize) -> usize {
    debug_assert!(pos < end && end <= data.len());
    // SAFETY: `pos < end <= data.len()` (caller).
    let mut hole = unsafe { Hole::new(data, pos) };
    let mut child = 2 * hole.pos() + 1;

    // Loop invariant: child == 2 * hole.pos() + 1.
    while child <= end.saturating_sub(2) {
        // Compare with the greater of the two children.
        // SAFETY: `child < end - 1` and `child + 1 < end <= data.len()`: both
        // in bounds, and both greater than `hole.pos()`.
        child += unsafe { hole.get(child) <= hole.get(child + 1) } as usize;

        // If already in order, stop.
        // SAFETY: `child` is one of the two just checked.
        if hole.element() >= unsafe { hole.get(child) } {
            return hole.fill();
        }

        // SAFETY: as above.
        unsafe { hole.move_to(child) };
        child = 2 * hole.pos() + 1;
    }

    // SAFETY: `&&` short-circuits: `child == end - 1 < data.len()`, and it is
    // a child of the hole, so not the hole.
    if child == end - 1 && hole.element() < unsafe { hole.get(child) } {
        // SAFETY: as above.
        unsafe { hole.move_to(child) };
    }

    hole.fill()
}

/// Moves the element at `pos` all the way down to a leaf, moving the greater
/// child up at each level without comparing it with the element, then up
/// again to where it belongs (but not above `pos`). Fewer comparisons than
/// [`sift_down_range`] when the element is likely small, as after `pop`
/// moved the last element to the top.
///
/// If a comparison panics the slice is as it was before the call.
///
/// # Safety
///
/// `pos < data.len()`.
#[inline]
pub(super) unsafe fn sift_down_to_bottom<T: Ord>(data: &mut [T], pos: usize) {
    let start = pos;
    let prefetch = Prefetch::new::<T>(data.len());

    // SAFETY: `pos < data.len()` (caller).
    let mut hole = unsafe { Hole::new(data, pos) };

    // Two copies of the walk, so that a heap too small to prefetch pays
    // nothing for it at each level.
    if prefetch.is_on() {
        // Ask for the levels below ahead of time, so that in a heap bigger
        // than the caches they arrive while this level is being compared.
        walk_to_bottom(&mut hole, |hole| {
            prefetch.descendants(hole.data, hole.pos())
        });
    } else {
        walk_to_bottom(&mut hole, |_| {});
    }

    // Back up, as `sift_up` does, with the same hole: the path up is the
    // path just walked down, so an undo (on a panic) is one walk to `start`.
    while hole.pos() > start {
        let parent = (hole.pos() - 1) / 2;
        // SAFETY: `hole.pos() > start >= 0`, so `parent < hole.pos()`.
        if hole.element() <= unsafe { hole.get(parent) } {
            break;
        }
        // SAFETY: as above.
        unsafe { hole.move_to(parent) };
    }
    hole.fill();
}

/// The walk down of [`sift_down_to_bottom`]: moves the hole to a leaf,
/// moving the greater child up at each level; calls `step` with the hole
/// before each level's comparison.
#[inline(always)]
fn walk_to_bottom<T: Ord>(hole: &mut Hole<'_, T>, mut step: impl FnMut(&Hole<'_, T>)) {
    let end = hole.data.len();
    let mut child = 2 * hole.pos() + 1;

    // Loop invariant: child == 2 * hole.pos() + 1.
    while child <= end.saturating_sub(2) {
        step(hole);
        // SAFETY: `child < end - 1` and `child + 1 < end`: both in bounds,
        // and both greater than `hole.pos()`.
        child += unsafe { hole.get(child) <= hole.get(child + 1) } as usize;
        // SAFETY: as above.
        unsafe { hole.move_to(child) };
        child = 2 * hole.pos() + 1;
    }

    if child == end - 1 {
        // SAFETY: `child == end - 1 < data.len()`, a child of the hole.
        unsafe { hole.move_to(child) };
    }
}

/// The heap half of `pop`: swaps the greatest element (at 0) with the last
/// one, then restores the heap order over every slot but the last with
/// [`sift_down_to_bottom`], as std's `BinaryHeap::pop` does. The greatest
/// element is then the last one, ready to be popped off the end.
///
/// The length is not touched, so the caller removes the last element itself
/// (and may give memory back then, after the sift).
///
/// If a comparison panics the slice is as it was before the call.
///
/// # Safety
///
/// `data.len() >= 2`.
#[inline]
pub(super) unsafe fn pop_to_end<T: Ord>(data: &mut [T]) {
    /// Swaps the two elements back if the sift panics (the hole has undone
    /// the sift itself by then).
    struct Unswap<'a, T>(&'a mut [T]);

    impl<T> Drop for Unswap<'_, T> {
        fn drop(&mut self) {
            let end = self.0.len() - 1;
            self.0.swap(0, end);
        }
    }

    debug_assert!(data.len() >= 2);
    let end = data.len() - 1;
    let base = data.as_mut_ptr();
    // SAFETY: `1 <= end < len` (caller): slots 0 and `end` are distinct, in
    // bounds and hold elements, so swapping them moves no element in or out
    // of the slice.
    unsafe { ptr::swap_nonoverlapping(base, base.add(end), 1) };
    let guard = Unswap(data);
    // SAFETY: `end <= len`, and `0 < end`: the sub-slice is in bounds and
    // not empty.
    unsafe { sift_down_to_bottom(guard.0.get_unchecked_mut(..end), 0) };
    mem::forget(guard);
}

/// Restores the heap property over the whole slice, bottom-up: O(n).
///
/// If a comparison panics every element is still in the slice exactly once,
/// in an unspecified order.
pub(super) fn rebuild<T: Ord>(data: &mut [T]) {
    let mut n = data.len() / 2;
    while n > 0 {
        n -= 1;
        let end = data.len();
        // SAFETY: `n < len / 2 <= len`.
        unsafe { sift_down_range(data, n, end) };
    }
}

/// Restores the heap property over `data` when `data[..start]` is already a
/// heap and `data[start..]` was appended: by sifting each new element up, or
/// by a full rebuild when that is cheaper (std's heuristic).
///
/// If a comparison panics every element is still in the slice exactly once,
/// in an unspecified order.
pub(super) fn rebuild_tail<T: Ord>(data: &mut [T], start: usize) {
    let len = data.len();
    if start >= len {
        return;
    }
    let tail_len = len - start;

    #[inline(always)]
    fn log2_fast(x: usize) -> usize {
        (usize::BITS - x.leading_zeros() - 1) as usize
    }

    // `rebuild` takes O(len) operations and about 2 * len comparisons in
    // the worst case, while repeating `sift_up` takes O(tail_len * log(start))
    // operations and about tail_len * log2(start) comparisons in the worst
    // case, assuming start >= tail_len. For larger heaps, the crossover point
    // no longer follows this reasoning and was determined empirically (by
    // std).
    let better_to_rebuild = if start < tail_len {
        true
    } else if len <= 2048 {
        2 * len < tail_len * log2_fast(start)
    } else {
        2 * len < tail_len * 11
    };

    if better_to_rebuild {
        rebuild(data);
    } else {
        for i in start..len {
            // SAFETY: `0 <= i < len`.
            unsafe { sift_up(data, 0, i) };
        }
    }
}

/// Whether `data` is a max-heap (for the unit tests).
#[cfg(test)]
pub(super) fn is_heap<T: Ord>(data: &[T]) -> bool {
    (1..data.len()).all(|i| data[(i - 1) / 2] >= data[i])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn child_toward_walks_the_path() {
        for d in 1..2000usize {
            // Every proper ancestor of `d` steps to the next one down.
            let mut path = vec![d];
            while *path.last().unwrap() > 0 {
                let p = (path.last().unwrap() - 1) / 2;
                path.push(p);
            }
            for w in path.windows(2) {
                assert_eq!(child_toward(w[1], d), w[0], "d={d}");
            }
        }
    }

    #[test]
    fn sifts_keep_a_heap() {
        let mut v: Vec<u32> = Vec::new();
        let mut x = 12345u32;
        for _ in 0..500 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            v.push(x >> 16);
            let last = v.len() - 1;
            // SAFETY: `last < len`.
            unsafe { sift_up(&mut v, 0, last) };
            assert!(is_heap(&v));
        }
        v.reverse();
        rebuild(&mut v);
        assert!(is_heap(&v));
        let mut prev = u32::MAX;
        while let Some(last) = v.pop() {
            let top = if v.is_empty() {
                last
            } else {
                let top = std::mem::replace(&mut v[0], last);
                // SAFETY: `0 < len`.
                unsafe { sift_down_to_bottom(&mut v, 0) };
                top
            };
            assert!(top <= prev);
            prev = top;
            assert!(is_heap(&v));
        }
    }

    /// Compares by value, and panics on the k-th comparison once armed.
    #[derive(Debug)]
    struct Bomb(Box<u32>);

    thread_local! {
        static FUSE: std::cell::Cell<u32> = const { std::cell::Cell::new(0) };
    }

    impl PartialEq for Bomb {
        fn eq(&self, other: &Self) -> bool {
            self.cmp(other).is_eq()
        }
    }
    impl Eq for Bomb {}
    impl PartialOrd for Bomb {
        fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
            Some(self.cmp(other))
        }
    }
    impl Ord for Bomb {
        fn cmp(&self, other: &Self) -> std::cmp::Ordering {
            FUSE.with(|f| match f.get() {
                0 => {}
                1 => {
                    f.set(0);
                    std::panic::resume_unwind(Box::new("boom"));
                }
                n => f.set(n - 1),
            });
            self.0.cmp(&other.0)
        }
    }

    fn keys(v: &[Bomb]) -> Vec<u32> {
        v.iter().map(|b| *b.0).collect()
    }

    #[test]
    fn a_panicking_comparison_undoes_the_sift() {
        use std::panic::{catch_unwind, AssertUnwindSafe};
        let n = if cfg!(miri) { 40 } else { 300 };
        let mut x = 7u32;
        let mut v: Vec<Bomb> = Vec::new();
        for _ in 0..n {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            v.push(Bomb(Box::new(x >> 20)));
        }
        rebuild(&mut v);
        let heap = keys(&v);
        let last = v.len() - 1;
        for k in 1..20 {
            // sift_up of a new maximum at the end (climbs to the top).
            *v[last].0 = u32::MAX;
            let before = keys(&v);
            FUSE.with(|f| f.set(k));
            // SAFETY: `last < len`.
            let r = catch_unwind(AssertUnwindSafe(|| unsafe { sift_up(&mut v, 0, last) }));
            FUSE.with(|f| f.set(0));
            if r.is_err() {
                assert_eq!(keys(&v), before, "sift_up k={k}");
            }
            // Put the heap back as it was for the next round.
            v.iter_mut().zip(&heap).for_each(|(b, &h)| *b.0 = h);

            // sift_down_to_bottom and sift_down_range of a small top.
            *v[0].0 = 0;
            let before = keys(&v);
            FUSE.with(|f| f.set(k));
            // SAFETY: `0 < len`.
            let r = catch_unwind(AssertUnwindSafe(|| unsafe {
                sift_down_to_bottom(&mut v, 0)
            }));
            FUSE.with(|f| f.set(0));
            if r.is_err() {
                assert_eq!(keys(&v), before, "sift_down_to_bottom k={k}");
            }
            v.iter_mut().zip(&heap).for_each(|(b, &h)| *b.0 = h);
            *v[0].0 = 0;
            let before = keys(&v);
            FUSE.with(|f| f.set(k));
            let end = v.len();
            // SAFETY: `0 < end = len`.
            let r = catch_unwind(AssertUnwindSafe(|| unsafe {
                sift_down_range(&mut v, 0, end)
            }));
            FUSE.with(|f| f.set(0));
            if r.is_err() {
                assert_eq!(keys(&v), before, "sift_down_range k={k}");
            }
            v.iter_mut().zip(&heap).for_each(|(b, &h)| *b.0 = h);
        }
    }

    #[test]
    fn prefetch_levels_fit_the_block() {
        assert_eq!(Prefetch::levels(0), 0);
        assert_eq!(Prefetch::levels(1), 4);
        assert_eq!(Prefetch::levels(8), 4);
        assert_eq!(Prefetch::levels(9), 3);
        assert_eq!(Prefetch::levels(16), 3);
        assert_eq!(Prefetch::levels(32), 2);
        assert_eq!(Prefetch::levels(33), 0);
        assert_eq!(Prefetch::levels(usize::MAX), 0);
    }

    /// Whenever a block is prefetched, all of it lies in the slice.
    #[test]
    fn prefetched_blocks_lie_in_the_slice() {
        fn check(size: usize, len: usize) {
            let levels = Prefetch::levels(size);
            // The same limit as `Prefetch::new`, without its size floor.
            let limit = if levels == 0 { 0 } else { (len + 1) >> levels };
            let mut prefetched = 0;
            for pos in 0..len {
                if pos + 2 <= limit {
                    let first = ((pos + 1) << levels) - 1;
                    assert!(
                        first + (1 << levels) <= len,
                        "size={size} len={len} pos={pos}"
                    );
                    prefetched += 1;
                } else if levels > 0 {
                    // Every block that fits is prefetched.
                    let first = ((pos + 1) << levels) - 1;
                    assert!(
                        first + (1 << levels) > len,
                        "size={size} len={len} pos={pos}"
                    );
                }
            }
            if levels > 0 && len >= 2 << levels {
                assert!(prefetched > 0, "size={size} len={len}");
            }
        }
        for size in [1, 4, 8, 16, 24, 32, 40] {
            for len in (1..300).chain([1 << 12, (1 << 12) + 7, 10_000]) {
                check(size, len);
            }
        }
        // Small heaps are not prefetched at all.
        assert_eq!(Prefetch::new::<u64>(1000).limit, 0);
        assert_eq!(Prefetch::new::<[u8; 40]>(1 << 20).limit, 0);
        assert!(Prefetch::new::<u64>(1 << 20).limit > 0);
    }

    /// `pop_to_end` on heaps big enough to be prefetched, for every element
    /// size that prefetches a different number of levels.
    #[test]
    fn pop_to_end_drains_big_heaps_in_order() {
        fn drain<T: Ord + Copy + std::fmt::Debug>(make: impl Fn(u64) -> T) {
            let n = if cfg!(miri) { 50 } else { 20_000 };
            let mut x = 99u64;
            let mut v: Vec<T> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    make(x)
                })
                .collect();
            rebuild(&mut v);
            let mut sorted = v.clone();
            sorted.sort();
            while v.len() > 1 {
                // SAFETY: `len >= 2`.
                unsafe { pop_to_end(&mut v) };
                assert_eq!(v.pop(), sorted.pop());
            }
            assert_eq!(v, sorted);
        }
        drain(|x| x);
        drain(|x| x as u32);
        drain(|x| x as u8);
        drain(|x| [x, !x]);
        drain(|x| [x >> 3, x, 0, 1]);
        drain(|x| [x; 5]);
    }

    /// On a heap big enough to be prefetched, a panic in the middle of
    /// `pop_to_end` leaves the slice as it was.
    #[test]
    fn a_panicking_comparison_undoes_a_big_pop() {
        use std::panic::{catch_unwind, AssertUnwindSafe};
        let n = if cfg!(miri) { 40 } else { 12_000 };
        let mut x = 11u32;
        let mut v: Vec<Bomb> = (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                Bomb(Box::new(x >> 8))
            })
            .collect();
        rebuild(&mut v);
        assert!(cfg!(miri) || Prefetch::new::<Bomb>(v.len()).limit > 0);
        for k in 1..32 {
            let before = keys(&v);
            FUSE.with(|f| f.set(k));
            // SAFETY: `len >= 2`.
            let r = catch_unwind(AssertUnwindSafe(|| unsafe { pop_to_end(&mut v) }));
            FUSE.with(|f| f.set(0));
            if r.is_err() {
                assert_eq!(keys(&v), before, "pop_to_end k={k}");
            } else {
                // The pop went through: finish it, as `MappedQueue::pop` does.
                let top = v.pop().unwrap();
                assert_eq!(*top.0, *before.iter().max().unwrap());
                assert!(is_heap(&v));
            }
        }
    }
}
