//! What the containers must do with their memory, written out from the
//! documented policy (DESIGN.md's "Policy", the README's "How memory
//! moves") rather than computed by `mapped::policy`: an oracle that does
//! not move when the code under test does.

/// `bytes` rounded up to whole pages.
pub fn pages(bytes: usize, page: usize) -> usize {
    bytes.div_ceil(page) * page
}

/// What a mapped container keeps committed however empty it gets: its `n`
/// pages, at least one page, and at least one element.
pub fn floor(n: usize, page: usize, size: usize) -> usize {
    (n.max(1) * page).max(pages(size, page))
}

/// Whether `committed` bytes holding `live` ones are what no removal may
/// leave behind: fewer than a quarter in use, above the floor.
pub fn sparse(live: usize, committed: usize, floor: usize) -> bool {
    committed > floor && live * 4 < committed
}

/// What a shrink leaves committed for `live` bytes: twice them, in whole
/// pages, never below the floor (so the container is at most half full,
/// and hovering cannot shrink and grow in a loop).
pub fn after_shrink(live: usize, floor: usize, page: usize) -> usize {
    pages(2 * live, page).max(floor)
}

/// What `shrink_to_fit` leaves committed for `live` bytes: those, in whole
/// pages, never below the floor.
pub fn after_fit(live: usize, floor: usize, page: usize) -> usize {
    pages(live, page).max(floor)
}

/// How far ahead of pushes their pages are faulted in, in one call.
pub const POPULATE_AHEAD: usize = 256 << 10;

/// Ranges shorter than this are left to fault page by page.
pub const POPULATE_MIN: usize = 32 << 10;
