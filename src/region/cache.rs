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
#[cfg(unix)]
use crate::sync::HeldAcrossFork;
use crate::sync::{ForkGuard, ForkLock, Padded};
use crate::telemetry::Kind;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
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

/// One cache: the process's ([`SHARED`]), or, with the `test-util`
/// feature, a thread's own (`mapped::test_cache`).
pub(super) struct Cache {
    shards: [Padded<ForkLock<Vec<Parked>>>; SHARDS],
    /// Held by whoever releases reservations taken out of the cache, until
    /// they are released: a [`trim`](take_all) waits for it, so that when
    /// one returns, everything parked before it is back with the OS, and a
    /// container that finds it busy leaves expired entries for later.
    releasing: ForkLock<()>,
    /// The committed bytes of every parked reservation and of every one
    /// being released, read without a lock: memory leaves this count only
    /// once it has left the process (or a container took it).
    cached_bytes: AtomicUsize,
    /// Parked reservations, in all shards: at most [`MAX_ENTRIES`].
    entries: AtomicUsize,
    /// Committed bytes of the parked reservations of containers without
    /// decay: at most [`MAX_CACHED_BYTES`].
    plain_bytes: AtomicUsize,
}

/// The process-wide cache.
static SHARED: Cache = Cache::new();

/// This thread's home shard.
fn home() -> usize {
    crate::sync::home_shard(SHARDS)
}

/// The shared cache's locks, in the order the fork handlers take them:
/// the release lock first (it is held while shards are locked).
#[cfg(unix)]
pub(crate) fn fork_locks() -> impl Iterator<Item = &'static dyn HeldAcrossFork> {
    std::iter::once(&SHARED.releasing as &dyn HeldAcrossFork)
        .chain(SHARED.shards.iter().map(|s| &s.0 as &dyn HeldAcrossFork))
}

/// The cache this thread uses: the shared one, unless the thread isolated
/// itself (`test-util`).
fn current() -> &'static Cache {
    #[cfg(feature = "test-util")]
    if let Some(own) = isolated::current() {
        return own;
    }
    &SHARED
}

/// Reservations taken out of a cache to be released, with the cache's
/// release lock held (if any are) until they are: give it to
/// `region::release_parked`, which releases each and counts it out with
/// [`released`](Self::released).
pub(super) struct Expired {
    cache: &'static Cache,
    pub(super) entries: Vec<Parked>,
    _releasing: Option<ForkGuard<'static, ()>>,
}

impl Expired {
    fn none(cache: &'static Cache) -> Self {
        Expired {
            cache,
            entries: Vec::new(),
            _releasing: None,
        }
    }

    /// `entry` has left the process (or its release failed, and it is
    /// lost): its bytes leave the cache's count.
    pub(super) fn released(&self, entry: &Parked) {
        self.cache.cached_bytes.fetch_sub(entry.committed, Relaxed);
    }
}

impl Cache {
    const fn new() -> Self {
        Cache {
            shards: [const { Padded(ForkLock::new(Vec::new())) }; SHARDS],
            releasing: ForkLock::new(()),
            cached_bytes: AtomicUsize::new(0),
            entries: AtomicUsize::new(0),
            plain_bytes: AtomicUsize::new(0),
        }
    }

    /// Counts `entry` in the cache's bounds, if it fits them.
    fn admit(&self, entry: &Parked) -> bool {
        if self.entries.fetch_add(1, Relaxed) >= MAX_ENTRIES {
            self.entries.fetch_sub(1, Relaxed);
            return false;
        }
        if !entry.decays {
            let before = self.plain_bytes.fetch_add(entry.committed, Relaxed);
            if entry.committed > MAX_COMMITTED || before + entry.committed > MAX_CACHED_BYTES {
                self.plain_bytes.fetch_sub(entry.committed, Relaxed);
                self.entries.fetch_sub(1, Relaxed);
                return false;
            }
        }
        self.cached_bytes.fetch_add(entry.committed, Relaxed);
        true
    }

    /// Takes the entry at `at` out of its shard and out of the bounds. Its
    /// bytes stay in `cached_bytes` until it is released or reused.
    fn remove(&self, parked: &mut Vec<Parked>, at: usize) -> Parked {
        let entry = parked.swap_remove(at);
        self.entries.fetch_sub(1, Relaxed);
        if !entry.decays {
            self.plain_bytes.fetch_sub(entry.committed, Relaxed);
        }
        entry
    }

    /// Moves every entry of `parked` whose delay has passed into
    /// `expired`, taking the release lock first if `expired` has none
    /// (without waiting: a container never waits; if it is busy, the
    /// entries stay for a later use of the cache). Reads the clock only
    /// if there is an entry.
    fn expire(&'static self, parked: &mut Vec<Parked>, expired: &mut Expired) {
        if parked.is_empty() {
            return;
        }
        let now = clock::now();
        let due = |p: &Parked| now.duration_since(p.held.since) >= p.held.delay;
        if !parked.iter().any(due) {
            return;
        }
        if expired._releasing.is_none() {
            match self.releasing.try_lock() {
                Some(guard) => expired._releasing = Some(guard),
                None => return,
            }
        }
        let mut i = 0;
        while i < parked.len() {
            if due(&parked[i]) {
                expired.entries.push(self.remove(parked, i));
            } else {
                i += 1;
            }
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
/// shards it looks at that have outstayed their delay come back too, to be
/// released.
pub(super) fn take(wanted: Wanted) -> (Option<Parked>, Expired) {
    let cache = current();
    let mut expired = Expired::none(cache);
    let home = home();
    for step in 0..SHARDS {
        if step > 0 && cache.entries.load(Relaxed) == 0 {
            break;
        }
        let Some(mut parked) = cache.shards[(home + step) % SHARDS].try_lock() else {
            continue;
        };
        cache.expire(&mut parked, &mut expired);
        let found = parked.iter().rposition(|p| {
            p.reserved == wanted.reserved
                && p.kind == wanted.kind
                && p.unguarded == wanted.unguarded
                && (wanted.decays || !p.decays)
        });
        if let Some(at) = found {
            let entry = cache.remove(&mut parked, at);
            // A container's now: its bytes are in its own accounts.
            cache.cached_bytes.fetch_sub(entry.committed, Relaxed);
            return (Some(entry), expired);
        }
    }
    (None, expired)
}

/// Parks a reservation in this thread's home shard (or the next one free
/// now), or hands it back when the cache would not keep it (the caller then
/// releases it). Entries of that shard that have outstayed their delay
/// come back too, to be released.
pub(super) fn park(entry: Parked) -> (Result<(), Parked>, Expired) {
    let cache = current();
    let mut expired = Expired::none(cache);
    let home = home();
    let Some(mut parked) =
        (0..SHARDS).find_map(|step| cache.shards[(home + step) % SHARDS].try_lock())
    else {
        return (Err(entry), expired);
    };
    cache.expire(&mut parked, &mut expired);
    if !cache.admit(&entry) {
        return (Err(entry), expired);
    }
    parked.push(entry);
    (Ok(()), expired)
}

/// Takes every entry whose delay has passed out of the cache, to be
/// released (the trimmer's round), waiting for the release lock and for
/// each shard.
pub(super) fn take_expired() -> Expired {
    take_where(|parked, expired| {
        let cache = expired.cache;
        cache.expire(parked, expired)
    })
}

/// Empties the cache, to be released, waiting for the release lock (so
/// that whatever another thread is releasing is gone when this is) and
/// for each shard.
pub(super) fn take_all() -> Expired {
    take_where(|parked, expired| {
        let cache = expired.cache;
        while let Some(last) = parked.len().checked_sub(1) {
            expired.entries.push(cache.remove(parked, last));
        }
    })
}

/// Holds the release lock (unless this thread holds it already: a trim
/// from an observer called inside another) and passes each shard to
/// `take`.
fn take_where(mut take: impl FnMut(&mut Vec<Parked>, &mut Expired)) -> Expired {
    let cache = current();
    let mut expired = Expired::none(cache);
    if !cache.releasing.held_here() {
        expired._releasing = Some(cache.releasing.lock());
    }
    for shard in &cache.shards {
        take(&mut shard.lock(), &mut expired);
    }
    expired
}

/// Committed bytes held by parked reservations and by reservations being
/// released, read without a lock.
pub(crate) fn cached_bytes() -> usize {
    current().cached_bytes.load(Relaxed)
}

/// A thread's own cache (`test-util`): see [`crate::test_cache`].
#[cfg(feature = "test-util")]
pub(crate) mod isolated {
    use super::Cache;
    use std::cell::Cell;
    use std::sync::Mutex;

    /// Caches of threads that isolated themselves and ended, empty, for
    /// the next thread that isolates itself: a test run allocates one per
    /// thread alive at once, not one per test.
    static SPARE: Mutex<Vec<&'static Cache>> = Mutex::new(Vec::new());

    thread_local! {
        static OWN: Cell<Option<&'static Cache>> = const { Cell::new(None) };
        /// Empties the thread's cache when it ends.
        static DONE: Done = const { Done };
    }

    struct Done;

    impl Drop for Done {
        fn drop(&mut self) {
            end();
        }
    }

    /// This thread's own cache, if it isolated itself.
    pub(super) fn current() -> Option<&'static Cache> {
        OWN.with(Cell::get)
    }

    /// Gives this thread an empty cache of its own.
    pub(crate) fn begin() {
        end();
        DONE.with(|_| ());
        let spare = SPARE.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let own = spare.unwrap_or_else(|| Box::leak(Box::new(Cache::new())));
        OWN.with(|c| c.set(Some(own)));
    }

    /// Releases what this thread's own cache holds and goes back to the
    /// shared one.
    pub(crate) fn end() {
        if current().is_none() {
            return;
        }
        crate::region::trim_cache();
        if let Some(own) = OWN.with(|c| c.replace(None)) {
            SPARE.lock().unwrap_or_else(|e| e.into_inner()).push(own);
        }
    }
}
