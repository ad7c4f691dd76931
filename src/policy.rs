//! Growth and shrink arithmetic: how many bytes to commit, keep and reserve.
//!
//! Pure functions of sizes in bytes, so the policy can be reasoned about
//! and tested apart from any memory. `None` means the answer overflows.

/// Below this fraction of committed bytes in use, a container decommits.
pub const DECOMMIT_THRESHOLD: f64 = 1.0 / DECOMMIT_DIVISOR as f64;

/// `DECOMMIT_THRESHOLD` as the integer divisor the fast path compares with.
const DECOMMIT_DIVISOR: usize = 4;

/// Committed bytes grow by this factor when a container is full.
pub const GROWTH_FACTOR: usize = 2;

/// The address space a growable container reserves at its first push, unless
/// told otherwise. Reserving costs no memory; a larger window means fewer
/// moves as the container grows.
pub const DEFAULT_WINDOW: usize = 64 << 20;

/// How far ahead of elements pushed one at a time their pages are faulted
/// in, in one call: populating costs about half of what taking one page
/// fault per page does, and a step this size bounds the resident memory
/// not yet written to 256 KiB.
pub const POPULATE_AHEAD: usize = 256 << 10;

/// Ranges shorter than this are left to fault page by page: a call to
/// populate them would cost about what it saves.
pub const POPULATE_MIN: usize = 32 << 10;

/// The most bytes any allocation may span (`isize::MAX`).
const MAX_BYTES: usize = isize::MAX as usize;

/// `bytes` rounded up to a whole number of pages (`page` a power of two).
/// `None` when that passes `isize::MAX`: for `bytes <= isize::MAX` (a valid
/// request, within the last page below the limit) no mapping can hold it,
/// which is a want of memory, not an overflow of the request.
#[inline]
pub fn round_to_pages(bytes: usize, page: usize) -> Option<usize> {
    debug_assert!(page.is_power_of_two());
    let rounded = bytes.checked_add(page - 1)? & !(page - 1);
    (rounded <= MAX_BYTES).then_some(rounded)
}

/// `bytes` rounded down to a whole number of pages (`page` a power of two).
#[inline]
pub fn round_down_to_pages(bytes: usize, page: usize) -> usize {
    debug_assert!(page.is_power_of_two());
    bytes & !(page - 1)
}

/// Bytes taken by `len` elements of `size` bytes, if that is a valid size.
#[inline]
pub fn bytes_for(len: usize, size: usize) -> Option<usize> {
    len.checked_mul(size).filter(|&b| b <= MAX_BYTES)
}

/// The bytes kept committed however empty a container of `size`-byte
/// elements gets: `pages` pages, and never less than one page nor less than
/// one element. (Keeping less, a vector oscillating between empty and one
/// element would commit and decommit every time.)
#[inline]
pub fn initial_bytes(pages: usize, page: usize, size: usize) -> usize {
    let max = max_mapped_bytes(page);
    let pages = pages.max(1).saturating_mul(page).min(max);
    pages.max(round_to_pages(size, page).unwrap_or(max))
}

/// The most bytes a mapping can hold: `isize::MAX` rounded down to pages.
#[inline]
pub fn max_mapped_bytes(page: usize) -> usize {
    round_down_to_pages(MAX_BYTES, page)
}

/// Committed bytes after a grow that must hold `needed` bytes: doubling (so
/// pushes cost amortised O(1) system calls), never below the initial bytes.
/// The doubling stops at [`max_mapped_bytes`]; `None` only when `needed`
/// itself, rounded up to pages, passes `isize::MAX`.
#[inline]
pub fn grow_target(committed: usize, needed: usize, initial: usize, page: usize) -> Option<usize> {
    let doubled = committed
        .saturating_mul(GROWTH_FACTOR)
        .min(max_mapped_bytes(page));
    round_to_pages(needed.max(doubled).max(initial), page)
}

/// Committed bytes after a grow that must hold exactly `needed` bytes (as
/// `Vec::reserve_exact`): no doubling.
#[inline]
pub fn exact_target(needed: usize, initial: usize, page: usize) -> Option<usize> {
    round_to_pages(needed.max(initial), page)
}

/// The reservation to move to when `committed` bytes no longer fit in
/// `reserved`: twice as large, at least `committed` and the default window.
#[inline]
pub fn window_target(
    reserved: usize,
    committed: usize,
    default_window: usize,
    page: usize,
) -> Option<usize> {
    let doubled = reserved.saturating_mul(2).min(max_mapped_bytes(page));
    round_to_pages(committed.max(doubled).max(default_window), page)
}

/// Whether fewer than [`DECOMMIT_THRESHOLD`] of `committed` bytes are in
/// use: the first half of [`should_shrink`]. (A removal's fast path
/// compares its length with [`shrink_below`] instead, worked out once per
/// change of the committed bytes.)
#[inline]
pub fn is_sparse(live: usize, committed: usize) -> bool {
    live < committed / DECOMMIT_DIVISOR
}

/// Whether a container holding `live` bytes of `committed` should give
/// memory back: when it [`is_sparse`] and more than the `initial` bytes are
/// committed.
#[inline]
pub fn should_shrink(live: usize, committed: usize, initial: usize) -> bool {
    is_sparse(live, committed) && committed > initial
}

/// The length below which a container of `size`-byte elements (nonzero)
/// holding `committed` bytes should shrink: `len < shrink_below(..)`
/// exactly when `should_shrink(len * size, committed, initial)`. A removal
/// compares its length with this, computed once per change of `committed`.
/// 0 when nothing can be given back.
#[inline]
pub fn shrink_below(committed: usize, initial: usize, size: usize) -> usize {
    if committed <= initial {
        return 0;
    }
    (committed / DECOMMIT_DIVISOR).div_ceil(size)
}

/// Committed bytes to keep after a shrink: twice the live bytes (so the
/// container is then at most half full, and oscillating around any size
/// cannot commit and decommit in a loop), never below the initial bytes.
#[inline]
pub fn shrink_target(live: usize, initial: usize, page: usize) -> usize {
    // `live < committed <= MAX_BYTES`, so neither step can overflow.
    let keep = live
        .saturating_mul(2)
        .min(max_mapped_bytes(page))
        .max(initial);
    round_to_pages(keep, page).unwrap_or(max_mapped_bytes(page))
}

/// Committed bytes to keep for `shrink_to_fit`: just the live bytes, never
/// below the initial bytes.
#[inline]
pub fn fit_target(live: usize, initial: usize, page: usize) -> usize {
    round_to_pages(live.max(initial), page).unwrap_or(max_mapped_bytes(page))
}

/// The heap limit of a container that keeps `pages` pages no matter what:
/// those pages' worth of contents live on the heap, at least one page's.
#[inline]
pub fn default_heap_limit(pages: usize, page: usize) -> usize {
    pages
        .max(1)
        .saturating_mul(page)
        .min(max_mapped_bytes(page))
}

/// The smallest capacity a heap allocation of `size`-byte elements starts
/// with, as `Vec`'s: 8 one-byte elements, 4 up to 1 KiB, else 1.
#[inline]
pub fn min_heap_capacity(size: usize) -> usize {
    match size {
        1 => 8,
        2..=1024 => 4,
        _ => 1,
    }
}

/// Whether `bytes` of contents fit on the heap under a heap limit of
/// `limit` bytes: the one test of "heap or mapping" for growing, reserving
/// exactly and shrinking to fit.
#[inline]
pub fn fits_on_heap(bytes: usize, limit: usize) -> bool {
    bytes <= limit
}

/// The capacity, in elements, a heap allocation grows to when it must hold
/// `needed` elements of `size` bytes and holds `capacity`: doubling, as
/// `Vec`'s does, but never past the `limit` bytes a container keeps on the
/// heap. `None` when `needed` elements do not fit under the limit: the
/// container moves to a mapping instead.
#[inline]
pub fn heap_grow_capacity(
    capacity: usize,
    needed: usize,
    limit: usize,
    size: usize,
) -> Option<usize> {
    if !fits_on_heap(needed.saturating_mul(size), limit) {
        return None;
    }
    let doubled = capacity
        .saturating_mul(GROWTH_FACTOR)
        .max(needed)
        .max(min_heap_capacity(size));
    // Divides (tens of cycles, on every small container's growth) only
    // when the doubling would pass the limit.
    if fits_on_heap(doubled.saturating_mul(size), limit) {
        Some(doubled)
    } else {
        Some(limit / size)
    }
}

/// The length below which a mapped container of `size`-byte elements
/// (nonzero) moves back to the heap: when its contents fall under a
/// quarter of the `limit`. The gap between this and the limit, where it
/// moved to a mapping, keeps a container hovering near either from moving
/// back and forth. 0 (never) when the limit is 0, or smaller than one
/// element: such elements never live on the heap, so a container of them
/// keeps its mapping.
#[inline]
pub fn heap_return_below(limit: usize, size: usize) -> usize {
    if size > limit {
        return 0;
    }
    (limit / DECOMMIT_DIVISOR).div_ceil(size)
}

/// The heap capacity, in elements, of a container moving back from a
/// mapping with `len` elements: room to double, as after a shrink, within
/// the `limit` bytes; none at all when empty.
#[inline]
pub fn heap_return_capacity(len: usize, limit: usize, size: usize) -> usize {
    if len == 0 {
        return 0;
    }
    len.saturating_mul(2)
        .max(min_heap_capacity(size))
        .min(limit / size)
        .max(len)
}

/// Under the decay option: whether memory sparse for `elapsed` has waited
/// out the `delay` and should go back to the OS.
#[inline]
pub fn decay_due(elapsed: std::time::Duration, delay: std::time::Duration) -> bool {
    elapsed >= delay
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: usize = 4096;

    #[test]
    fn shrink_below_is_should_shrink_as_a_length() {
        for size in [1, 3, 8, 24, 100, 4096, 5000] {
            let initial = initial_bytes(1, PAGE, size);
            for committed in (0..=64).map(|p| p * PAGE) {
                let below = shrink_below(committed, initial, size);
                for len in 0..=committed / size + 1 {
                    assert_eq!(
                        len < below,
                        should_shrink(len * size, committed, initial),
                        "size {size}, committed {committed}, len {len}"
                    );
                }
            }
        }
    }

    #[test]
    fn heap_growth_doubles_from_vecs_minimum_up_to_the_limit() {
        assert_eq!(heap_grow_capacity(0, 1, PAGE, 8), Some(4));
        assert_eq!(heap_grow_capacity(0, 1, PAGE, 1), Some(8));
        assert_eq!(heap_grow_capacity(0, 1, PAGE, 2000), Some(1));
        assert_eq!(heap_grow_capacity(4, 5, PAGE, 8), Some(8));
        assert_eq!(heap_grow_capacity(0, 100, PAGE, 8), Some(100));
        // Clamped to the limit (512 u64 in a page), then refused past it.
        assert_eq!(heap_grow_capacity(400, 401, PAGE, 8), Some(512));
        assert_eq!(heap_grow_capacity(512, 513, PAGE, 8), None);
        // An element larger than the limit never lives on the heap.
        assert_eq!(heap_grow_capacity(0, 1, PAGE, PAGE + 1), None);
        assert_eq!(heap_grow_capacity(0, 1, 0, 8), None);
    }

    #[test]
    fn heap_return_leaves_a_gap_below_the_limit() {
        // A page of u64: mapped past 512 elements, back below 128.
        assert_eq!(heap_return_below(PAGE, 8), 128);
        assert_eq!(heap_return_below(PAGE, 3), 342); // 342 * 3 = 1026 > 1024
        assert_eq!(heap_return_below(0, 8), 0);
        // Elements the heap cannot hold never go back to it.
        assert_eq!(heap_return_below(PAGE, PAGE + 1), 0);
        assert_eq!(heap_return_below(PAGE, PAGE), 1);
        assert_eq!(heap_return_capacity(0, PAGE, 8), 0);
        assert_eq!(heap_return_capacity(1, PAGE, 8), 4);
        assert_eq!(heap_return_capacity(100, PAGE, 8), 200);
        assert_eq!(heap_return_capacity(127, 1024, 8), 128);
        assert_eq!(default_heap_limit(0, PAGE), PAGE);
        assert_eq!(default_heap_limit(4, PAGE), 4 * PAGE);
    }

    #[test]
    fn rounding() {
        assert_eq!(round_to_pages(0, PAGE), Some(0));
        assert_eq!(round_to_pages(1, PAGE), Some(PAGE));
        assert_eq!(round_to_pages(PAGE, PAGE), Some(PAGE));
        assert_eq!(round_to_pages(PAGE + 1, PAGE), Some(2 * PAGE));
        assert_eq!(round_to_pages(usize::MAX, PAGE), None);
        assert_eq!(round_to_pages(MAX_BYTES, PAGE), None);
        assert_eq!(bytes_for(usize::MAX, 2), None);
        assert_eq!(bytes_for(MAX_BYTES / 8 + 1, 8), None);
        assert_eq!(bytes_for(10, 8), Some(80));
    }

    #[test]
    fn grow_doubles_and_respects_initial() {
        assert_eq!(grow_target(0, 4, 4 * PAGE, PAGE), Some(4 * PAGE));
        assert_eq!(
            grow_target(4 * PAGE, 4 * PAGE + 8, 4 * PAGE, PAGE),
            Some(8 * PAGE)
        );
        // A large request beats doubling.
        assert_eq!(
            grow_target(PAGE, 100 * PAGE + 1, PAGE, PAGE),
            Some(101 * PAGE)
        );
        assert_eq!(grow_target(MAX_BYTES, MAX_BYTES, 0, PAGE), None);
        assert_eq!(exact_target(3 * PAGE + 1, PAGE, PAGE), Some(4 * PAGE));
        // Doubling a huge committed size stops at the last whole page below
        // isize::MAX rather than fail a request that fits.
        let last = (isize::MAX as usize) - (PAGE - 1);
        assert_eq!(grow_target(1 << 62, 1 << 62, 0, PAGE), Some(last));
        assert_eq!(grow_target(1 << 62, last, 0, PAGE), Some(last));
        assert_eq!(grow_target(1 << 62, last + 1, 0, PAGE), None);
        assert_eq!(max_mapped_bytes(PAGE), last);
    }

    #[test]
    fn window_doubles() {
        let last = (isize::MAX as usize) - (PAGE - 1);
        assert_eq!(window_target(1 << 62, 1 << 62, 16 * PAGE, PAGE), Some(last));
        assert_eq!(window_target(0, PAGE, 16 * PAGE, PAGE), Some(16 * PAGE));
        assert_eq!(
            window_target(16 * PAGE, 17 * PAGE, 16 * PAGE, PAGE),
            Some(32 * PAGE)
        );
        assert_eq!(
            window_target(16 * PAGE, 100 * PAGE, 16 * PAGE, PAGE),
            Some(100 * PAGE)
        );
    }

    #[test]
    fn shrink_threshold_and_target() {
        let initial = PAGE;
        assert!(
            !should_shrink(0, PAGE, initial),
            "never below the initial pages"
        );
        assert!(should_shrink(PAGE - 1, 4 * PAGE, initial));
        assert!(!should_shrink(PAGE, 4 * PAGE, initial), "exactly 25% stays");
        assert_eq!(shrink_target(0, initial, PAGE), PAGE);
        assert_eq!(shrink_target(PAGE + 1, initial, PAGE), 3 * PAGE);
        assert_eq!(fit_target(PAGE + 1, initial, PAGE), 2 * PAGE);
        assert_eq!(fit_target(0, 0, PAGE), 0);
    }

    #[test]
    fn initial_is_at_least_a_page_and_an_element() {
        assert_eq!(initial_bytes(0, PAGE, 8), PAGE);
        assert_eq!(initial_bytes(4, PAGE, 8), 4 * PAGE);
        assert_eq!(initial_bytes(1, PAGE, 5000), 2 * PAGE);
        assert_eq!(initial_bytes(usize::MAX, PAGE, 8), MAX_BYTES & !(PAGE - 1));
    }

    /// Replays the policy as a container applies it: grow when full, shrink
    /// when sparse; counts the decisions.
    struct Sim {
        committed: usize,
        live: usize,
        size: usize,
        initial: usize,
        page: usize,
        changes: usize,
    }

    impl Sim {
        fn push(&mut self) {
            let needed = (self.live + 1) * self.size;
            if needed > self.committed {
                self.committed =
                    grow_target(self.committed, needed, self.initial, self.page).unwrap();
                self.changes += 1;
            }
            self.live += 1;
        }
        fn pop(&mut self) {
            self.live -= 1;
            if should_shrink(self.live * self.size, self.committed, self.initial) {
                // As the containers do: a target rounded up to the pages
                // already committed (one page, with no initial pages) is
                // no shrink.
                let to = shrink_target(self.live * self.size, self.initial, self.page);
                assert!(
                    self.live * self.size <= to,
                    "a shrink never cuts live bytes"
                );
                if to < self.committed {
                    self.committed = to;
                    self.changes += 1;
                }
            }
        }
    }

    /// Alternating push/pop, at any length, any element size, any initial
    /// size, coming from above or below, makes at most one policy decision.
    #[test]
    fn oscillation_never_loops() {
        for &size in &[1usize, 4, 8, 24, 4096, 5000] {
            for &pages in &[0usize, 1, 4] {
                let initial = initial_bytes(pages, PAGE, size);
                for target in (1..3000).step_by(7).chain([4096, 8191, 8192, 8193, 20000]) {
                    let mut sim = Sim {
                        committed: 0,
                        live: 0,
                        size,
                        initial,
                        page: PAGE,
                        changes: 0,
                    };
                    // Come from above (fill to 4x, pop down to the target)
                    // or from below (push up to it).
                    let from_above = target % 2 == 0;
                    let peak = if from_above { target * 4 } else { target };
                    for _ in 0..peak {
                        sim.push();
                    }
                    while sim.live > target {
                        sim.pop();
                    }
                    // Just above the target, then just below it: each
                    // oscillation makes at most one decision, not one per
                    // round.
                    for (phase, push_first) in [("push/pop", true), ("pop/push", false)] {
                        let before = sim.changes;
                        for _ in 0..200 {
                            if push_first {
                                sim.push();
                                sim.pop();
                            } else {
                                sim.pop();
                                sim.push();
                            }
                        }
                        let changes = sim.changes - before;
                        assert!(
                            changes <= 1,
                            "size {size}, pages {pages}, target {target}, {phase}: {changes} changes"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn after_shrink_at_most_half_full() {
        for live in 0..100_000usize {
            let to = shrink_target(live, PAGE, PAGE);
            assert!(to >= 2 * live && to >= PAGE && to % PAGE == 0);
        }
    }
}
