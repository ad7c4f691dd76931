//! [`ZstDrops`]: the zero-sized element, whose drops are counted.

use std::cell::Cell;

/// A zero-sized element that counts its drops, per thread (each test runs
/// on its own thread, so tests running in parallel do not see each other's
/// drops).
#[derive(Clone, Debug, PartialEq)]
pub struct ZstDrops;

thread_local! {
    static ZST_DROPS: Cell<usize> = const { Cell::new(0) };
}

impl ZstDrops {
    /// How many `ZstDrops` this thread has dropped so far.
    pub fn count() -> usize {
        ZST_DROPS.with(Cell::get)
    }
}

impl Drop for ZstDrops {
    fn drop(&mut self) {
        ZST_DROPS.with(|d| d.set(d.get() + 1));
    }
}
