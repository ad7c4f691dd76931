//! A small, process-wide cache of released reservations, kept for a short
//! delay.
//!
//! A short-lived vector would otherwise pay `mmap`, `mprotect` and `munmap`
//! and a page fault per page each time: a fresh 8 MiB vector faults in
//! 2,048 pages, where a freed-then-reallocated `Vec` of that size gets
//! memory glibc kept, warm. Allocators keep freed memory for the same
//! reason, for a while: mimalloc purges after about 10 ms, jemalloc decays
//! over 10 s, glibc keeps up to its trim threshold. Only reservations of
//! the OS mapper (stateless, so they may outlive their container) are
//! kept; the committed pages stay committed, so the next container of that
//! kind and window reuses them without a system call or a fault. A parked
//! reservation belongs to no container: no live container can be handed
//! memory another still uses.
//!
//! Bounds: at most [`MAX_ENTRIES`] entries, each with at most
//! [`MAX_COMMITTED`] committed bytes (glibc's largest mmap threshold: a
//! larger `Vec` is not kept by glibc either) and [`MAX_CACHED_BYTES`] in
//! all; each for [`DELAY`]. An entry is released by the first park or take
//! after its delay, by a [`CacheTrimmer`](crate::CacheTrimmer) (opt-in),
//! or by [`trim_cache`](crate::trim_cache).
//!
//! A container with the decay option parks whatever it held (its owner
//! chose to keep unused memory that long, as jemalloc keeps freed dirty
//! pages until they decay), for its own delay, outside the byte bounds;
//! only containers that decay too take it.

use crate::clock;
use crate::os::AtFork;
use crate::telemetry::Kind;
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::{Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

/// At most this many reservations are parked at once.
pub const MAX_ENTRIES: usize = 8;

/// Only reservations with at most this many committed bytes are parked
/// (unless their container decays).
pub const MAX_COMMITTED: usize = 32 << 20;

/// The committed bytes all parked reservations of containers without decay
/// may hold together: what the cache may keep resident, for at most
/// [`DELAY`], after its containers are gone.
pub const MAX_CACHED_BYTES: usize = 64 << 20;

/// How long a reservation of a container without decay stays parked. A
/// program that makes its next container within this time reuses the
/// memory, warm; one that goes quiet has it back at its next use of the
/// cache after this, or from a [`CacheTrimmer`](crate::CacheTrimmer).
pub const DELAY: Duration = Duration::from_millis(100);

/// A reservation no container owns, waiting in the cache.
pub(super) struct Parked {
    pub(super) base: NonNull<u8>,
    pub(super) reserved: usize,
    pub(super) committed: usize,
    pub(super) kind: Kind,
    /// Whether it is the OS's unguarded kind of mapping.
    pub(super) unguarded: bool,
    /// Whether its container had the decay option: then only containers
    /// that decay take it, and its delay is theirs.
    pub(super) decays: bool,
    pub(super) held: Held,
}

/// How long a reservation may stay parked.
#[derive(Clone, Copy)]
pub(super) struct Held {
    pub(super) since: Instant,
    pub(super) delay: Duration,
}

impl Held {
    /// Held from now, for `delay` (the cache's own delay if `None`).
    pub(super) fn from_now(delay: Option<Duration>) -> Self {
        Held {
            since: clock::now(),
            delay: delay.unwrap_or(DELAY),
        }
    }
}

// SAFETY: a parked reservation is owned by the cache alone; the pointer is
// only an address until a Region takes it back out.
unsafe impl Send for Parked {}

/// The cache is split in shards, each with its own lock, so that threads
/// parking and taking at once do not find it busy (and fall back to system
/// calls): each thread has a home shard, and looks in the others only when
/// its own has nothing that fits. The bounds hold for all shards together.
const SHARDS: usize = 4;

/// One shard of the cache: its parked reservations.
type Shard = Mutex<Vec<Parked>>;

static PARKED: [Shard; SHARDS] = [const { Mutex::new(Vec::new()) }; SHARDS];

/// The committed bytes of every parked reservation, read without a lock.
static CACHED_BYTES: AtomicUsize = AtomicUsize::new(0);

/// Parked reservations, in all shards: at most [`MAX_ENTRIES`].
static ENTRIES: AtomicUsize = AtomicUsize::new(0);

/// Committed bytes of the parked reservations of containers without decay:
/// at most [`MAX_CACHED_BYTES`].
static PLAIN_BYTES: AtomicUsize = AtomicUsize::new(0);

/// The next home shard to hand out.
static NEXT_HOME: AtomicUsize = AtomicUsize::new(0);

/// The cache's locks are never left held in a forked child.
static FORK: AtFork = AtFork::new(hold_for_fork, release_after_fork);

thread_local! {
    /// This thread's home shard (`usize::MAX` until its first use).
    static HOME: Cell<usize> = const { Cell::new(usize::MAX) };
    /// The cache's locks, held by the forking thread across a `fork()`.
    static HELD: RefCell<[Option<MutexGuard<'static, Vec<Parked>>>; SHARDS]> =
        const { RefCell::new([const { None }; SHARDS]) };
}

/// This thread's home shard: threads are spread over the shards in turn.
fn home() -> usize {
    HOME.with(|home| {
        if home.get() == usize::MAX {
            home.set(NEXT_HOME.fetch_add(1, Relaxed) % SHARDS);
        }
        home.get()
    })
}

/// Shard `at`, waiting for it if another thread holds it.
fn shard(at: usize) -> MutexGuard<'static, Vec<Parked>> {
    FORK.ensure();
    PARKED[at].lock().unwrap_or_else(|e| e.into_inner())
}

/// Shard `at` if no other thread holds it now. The cache only saves system
/// calls: a container that finds it busy reserves or releases directly
/// rather than wait.
fn shard_now(at: usize) -> Option<MutexGuard<'static, Vec<Parked>>> {
    FORK.ensure();
    match PARKED[at].try_lock() {
        Ok(guard) => Some(guard),
        Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// Just before `fork()`, in the forking thread: takes every shard's lock,
/// in order.
unsafe extern "C" fn hold_for_fork() {
    HELD.with(|held| {
        let mut held = held.borrow_mut();
        for (at, slot) in held.iter_mut().enumerate() {
            *slot = Some(PARKED[at].lock().unwrap_or_else(|e| e.into_inner()));
        }
    });
}

/// Just after `fork()`, in the parent and the child: releases them.
unsafe extern "C" fn release_after_fork() {
    HELD.with(|held| {
        for slot in held.borrow_mut().iter_mut().rev() {
            drop(slot.take());
        }
    });
}

/// Counts `entry` in the cache's bounds, if it fits them.
fn admit(entry: &Parked) -> bool {
    if ENTRIES.fetch_add(1, Relaxed) >= MAX_ENTRIES {
        ENTRIES.fetch_sub(1, Relaxed);
        return false;
    }
    if !entry.decays {
        let before = PLAIN_BYTES.fetch_add(entry.committed, Relaxed);
        if entry.committed > MAX_COMMITTED || before + entry.committed > MAX_CACHED_BYTES {
            PLAIN_BYTES.fetch_sub(entry.committed, Relaxed);
            ENTRIES.fetch_sub(1, Relaxed);
            return false;
        }
    }
    CACHED_BYTES.fetch_add(entry.committed, Relaxed);
    true
}

/// Takes the entry at `at` out of its shard, and out of the bounds.
fn remove(parked: &mut Vec<Parked>, at: usize) -> Parked {
    let entry = parked.swap_remove(at);
    CACHED_BYTES.fetch_sub(entry.committed, Relaxed);
    ENTRIES.fetch_sub(1, Relaxed);
    if !entry.decays {
        PLAIN_BYTES.fetch_sub(entry.committed, Relaxed);
    }
    entry
}

/// Moves every entry whose delay has passed into `expired`, for the caller
/// to release. Reads the clock only if there is an entry.
fn expire(parked: &mut Vec<Parked>, expired: &mut Vec<Parked>) {
    if parked.is_empty() {
        return;
    }
    let now = clock::now();
    let mut i = 0;
    while i < parked.len() {
        let held = parked[i].held;
        if now.duration_since(held.since) >= held.delay {
            expired.push(remove(parked, i));
        } else {
            i += 1;
        }
    }
}

/// What a container looks for in the cache.
pub(super) struct Wanted {
    /// Bytes of the reservation, exactly.
    pub(super) reserved: usize,
    /// Last used by this kind of container.
    pub(super) kind: Kind,
    /// Of this kind of mapping.
    pub(super) unguarded: bool,
    /// Whether the container decays: only then may it take the entries
    /// of decaying containers.
    pub(super) decays: bool,
}

/// Takes a parked reservation that is what `wanted` says, most recently
/// parked first (its pages are the likeliest to be in cache): from this
/// thread's home shard, else from any other shard free now. Entries in the
/// shards it looks at that have outstayed their delay go to `expired`.
pub(super) fn take(wanted: Wanted, expired: &mut Vec<Parked>) -> Option<Parked> {
    let home = home();
    for step in 0..SHARDS {
        if step > 0 && ENTRIES.load(Relaxed) == 0 {
            return None;
        }
        let Some(mut parked) = shard_now((home + step) % SHARDS) else {
            continue;
        };
        expire(&mut parked, expired);
        let found = parked.iter().rposition(|p| {
            p.reserved == wanted.reserved
                && p.kind == wanted.kind
                && p.unguarded == wanted.unguarded
                && (wanted.decays || !p.decays)
        });
        if let Some(at) = found {
            return Some(remove(&mut parked, at));
        }
    }
    None
}

/// Parks a reservation in this thread's home shard (or the next one free
/// now), or hands it back when the cache would not keep it (the caller then
/// releases it). Entries of that shard that have outstayed their delay go
/// to `expired`.
pub(super) fn park(entry: Parked, expired: &mut Vec<Parked>) -> Result<(), Parked> {
    let home = home();
    let Some(mut parked) = (0..SHARDS).find_map(|step| shard_now((home + step) % SHARDS)) else {
        return Err(entry);
    };
    expire(&mut parked, expired);
    if !admit(&entry) {
        return Err(entry);
    }
    parked.push(entry);
    Ok(())
}

/// Takes every entry whose delay has passed out of the cache, for the
/// caller to release (the trimmer's round), waiting for each shard.
pub(super) fn take_expired() -> Vec<Parked> {
    let mut expired = Vec::new();
    for at in 0..SHARDS {
        expire(&mut shard(at), &mut expired);
    }
    expired
}

/// Empties the cache, handing every parked reservation to the caller.
pub(super) fn take_all() -> Vec<Parked> {
    let mut all = Vec::new();
    for at in 0..SHARDS {
        let mut parked = shard(at);
        while let Some(last) = parked.len().checked_sub(1) {
            all.push(remove(&mut parked, last));
        }
    }
    all
}

/// Committed bytes held by parked reservations, read without the lock.
pub(crate) fn cached_bytes() -> usize {
    CACHED_BYTES.load(Relaxed)
}
