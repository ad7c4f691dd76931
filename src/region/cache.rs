//! A small, process-wide cache of released reservations.
//!
//! A short-lived vector would otherwise pay `mmap`, `mprotect` and `munmap`
//! (and page faults) each time, more than a whole `Vec` run. Allocators keep
//! address space for the same reason. Only reservations of the OS mapper
//! (stateless, so they may outlive their container) with a small committed
//! prefix are kept, at most [`MAX_ENTRIES`] of them; the committed pages stay
//! committed, so the next container of that kind and window reuses them
//! without a system call. A parked reservation belongs to no container: no
//! live container can be handed memory another still uses.

use std::ptr::NonNull;
use std::sync::Mutex;

/// At most this many reservations are parked at once.
pub const MAX_ENTRIES: usize = 8;

/// Only reservations with at most this many committed bytes are parked.
pub const MAX_COMMITTED: usize = 1 << 20;

/// The committed bytes all parked reservations may hold together: what the
/// cache may keep resident after its containers are gone (as an allocator
/// keeps freed memory), until [`trim_cache`](crate::trim_cache).
pub const MAX_CACHED_BYTES: usize = 4 << 20;

/// A reservation no container owns, waiting in the cache.
pub(super) struct Parked {
    pub(super) base: NonNull<u8>,
    pub(super) reserved: usize,
    pub(super) committed: usize,
    pub(super) container: &'static str,
}

// SAFETY: a parked reservation is owned by the cache alone; the pointer is
// only an address until a Region takes it back out.
unsafe impl Send for Parked {}

static PARKED: Mutex<Vec<Parked>> = Mutex::new(Vec::new());

fn parked() -> std::sync::MutexGuard<'static, Vec<Parked>> {
    PARKED.lock().unwrap_or_else(|e| e.into_inner())
}

/// Takes a parked reservation of exactly `reserved` bytes last used by the
/// same kind of container, most recently parked first (its pages are the
/// likeliest to be in cache).
pub(super) fn take(reserved: usize, container: &'static str) -> Option<Parked> {
    let mut parked = parked();
    let at = parked
        .iter()
        .rposition(|p| p.reserved == reserved && p.container == container)?;
    Some(parked.swap_remove(at))
}

/// Parks a reservation, or hands it back when it is too large or the cache
/// is full (the caller then releases it).
pub(super) fn park(entry: Parked) -> Result<(), Parked> {
    if entry.committed > MAX_COMMITTED {
        return Err(entry);
    }
    let mut parked = parked();
    let cached: usize = parked.iter().map(|p| p.committed).sum();
    if parked.len() >= MAX_ENTRIES || cached + entry.committed > MAX_CACHED_BYTES {
        return Err(entry);
    }
    parked.push(entry);
    Ok(())
}

/// Empties the cache, handing every parked reservation to the caller.
pub(super) fn take_all() -> Vec<Parked> {
    std::mem::take(&mut *parked())
}

/// Committed bytes held by parked reservations.
pub(crate) fn committed_bytes() -> usize {
    parked().iter().map(|p| p.committed).sum()
}
