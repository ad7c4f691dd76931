//! Who holds the memory: a registry of every live mapped container, read
//! by [`inventory()`](crate::inventory()).
//!
//! jemalloc's `malloc_stats_print` and mimalloc's `mi_stats_print` give
//! totals; a program with a thousand named containers also wants owners:
//! which ones hold its memory, and where in the code they were made. Only a
//! container that moves into a mapping registers (a heap container pays
//! nothing), with the source location of the call that moved it
//! (`#[track_caller]`); its committed and reserved bytes are kept up to
//! date after each change of its mapping, on those (rare) paths.
//!
//! Registration never makes a container wait: a new record goes on a
//! lock-free stack, and the list itself is only ever locked with
//! `try_lock` by containers (the one who gets it also takes in the stack
//! and drops the records of containers that are gone); a reader of the
//! inventory waits for the lock. The lock is never left held in a forked
//! child.

use crate::os::AtFork;
use std::cell::RefCell;
use std::fmt;
use std::panic::Location;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

/// One live mapped container, as the registry keeps it.
pub(crate) struct Record {
    committed: AtomicUsize,
    reserved: AtomicUsize,
    /// False once the container left its mapping or was dropped.
    alive: AtomicBool,
    name: Option<Arc<str>>,
    kind: &'static str,
    mapper: &'static str,
    site: &'static Location<'static>,
    since: Instant,
    /// The next record on the stack of new records (set before the push).
    next_new: AtomicPtr<Record>,
}

impl Record {
    /// Where the container moved into its mapping.
    pub(crate) fn site(&self) -> &'static Location<'static> {
        self.site
    }

    /// Sets the bytes the inventory reports.
    #[inline]
    pub(crate) fn update(&self, committed: usize, reserved: usize) {
        self.committed.store(committed, Ordering::Relaxed);
        self.reserved.store(reserved, Ordering::Relaxed);
    }
}

/// Registers a container (of `kind`, named `name`, on `mapper`) that
/// moved into a mapping at `site`. Drop the handle when it leaves the
/// mapping.
pub(crate) fn register(
    name: Option<Arc<str>>,
    kind: &'static str,
    mapper: &'static str,
    site: &'static Location<'static>,
) -> Registration {
    let record = Arc::new(Record {
        committed: AtomicUsize::new(0),
        reserved: AtomicUsize::new(0),
        alive: AtomicBool::new(true),
        name,
        kind,
        mapper,
        site,
        since: Instant::now(),
        next_new: AtomicPtr::new(ptr::null_mut()),
    });
    // The stack owns one count of the record until the list takes it in.
    let raw = Arc::into_raw(record.clone()).cast_mut();
    let mut head = NEW.load(Ordering::Relaxed);
    loop {
        record.next_new.store(head, Ordering::Relaxed);
        match NEW.compare_exchange_weak(head, raw, Ordering::Release, Ordering::Relaxed) {
            Ok(_) => break,
            Err(now) => head = now,
        }
    }
    // Take the stack in now and then, not at every registration: the
    // list's lock is a shared cache line.
    if PENDING.fetch_add(1, Ordering::Relaxed) % TIDY_EVERY == TIDY_EVERY - 1 {
        if let Some(mut list) = list_now() {
            tidy(&mut list);
        }
    }
    Registration(record)
}

/// A container's place in the registry, while it is mapped.
pub(crate) struct Registration(Arc<Record>);

impl Registration {
    /// The record to keep up to date.
    #[inline]
    pub(crate) fn record(&self) -> &Record {
        &self.0
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.0.alive.store(false, Ordering::Relaxed);
        GONE.fetch_add(1, Ordering::Relaxed);
    }
}

/// Records pushed since the list last took them in (a stack, newest
/// first, each holding one count of its `Arc`).
static NEW: AtomicPtr<Record> = AtomicPtr::new(ptr::null_mut());

/// Registrations so far; every [`TIDY_EVERY`]th tidies the list.
static PENDING: AtomicUsize = AtomicUsize::new(0);

/// How many registrations may wait on the stack before one tidies: a
/// bound on the records of gone containers kept between inventories.
const TIDY_EVERY: usize = 32;

/// Records of containers that went since the list was last tidied.
static GONE: AtomicUsize = AtomicUsize::new(0);

static LIST: Mutex<Vec<Arc<Record>>> = Mutex::new(Vec::new());

/// The list's lock is never left held in a forked child.
static FORK: AtFork = AtFork::new(hold_for_fork, release_after_fork);

thread_local! {
    /// The list's lock, held by the forking thread across a `fork()`.
    static HELD: RefCell<Option<MutexGuard<'static, Vec<Arc<Record>>>>> =
        const { RefCell::new(None) };
}

unsafe extern "C" fn hold_for_fork() {
    let guard = LIST.lock().unwrap_or_else(|e| e.into_inner());
    HELD.with(|held| *held.borrow_mut() = Some(guard));
}

unsafe extern "C" fn release_after_fork() {
    HELD.with(|held| drop(held.borrow_mut().take()));
}

/// The list if no other thread holds it now (containers never wait).
fn list_now() -> Option<MutexGuard<'static, Vec<Arc<Record>>>> {
    FORK.ensure();
    match LIST.try_lock() {
        Ok(guard) => Some(guard),
        Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

/// Takes the new records into the list and, once as many containers have
/// gone as the list holds, drops their records (so that the list stays
/// about as long as the live containers, at a cost amortised over them).
fn tidy(list: &mut Vec<Arc<Record>>) {
    let mut at = NEW.swap(ptr::null_mut(), Ordering::Acquire);
    while !at.is_null() {
        // SAFETY: every pointer on the stack came from `Arc::into_raw` and
        // owns one count; the swap above made this thread its only owner.
        let record = unsafe { Arc::from_raw(at) };
        at = record.next_new.load(Ordering::Relaxed);
        list.push(record);
    }
    let gone = GONE.load(Ordering::Relaxed);
    if gone > 0 && gone * 2 >= list.len() {
        GONE.fetch_sub(gone, Ordering::Relaxed);
        list.retain(|r| r.alive.load(Ordering::Relaxed));
    }
}

/// Every live mapped container now, largest committed first.
pub(crate) fn entries() -> Vec<Entry> {
    FORK.ensure();
    let mut list = LIST.lock().unwrap_or_else(|e| e.into_inner());
    tidy(&mut list);
    let now = Instant::now();
    let mut entries: Vec<Entry> = list
        .iter()
        .filter(|r| r.alive.load(Ordering::Relaxed))
        .map(|r| Entry {
            name: r.name.clone(),
            kind: r.kind,
            mapper: r.mapper,
            committed: r.committed.load(Ordering::Relaxed),
            reserved: r.reserved.load(Ordering::Relaxed),
            site: r.site,
            age: now.duration_since(r.since),
        })
        .collect();
    drop(list);
    entries.sort_by_key(|e| std::cmp::Reverse(e.committed));
    entries
}

/// One live mapped container in an [`Inventory`].
#[derive(Clone, Debug)]
pub struct Entry {
    name: Option<Arc<str>>,
    kind: &'static str,
    mapper: &'static str,
    committed: usize,
    reserved: usize,
    site: &'static Location<'static>,
    age: Duration,
}

impl Entry {
    /// The name given with [`Builder::name`](crate::Builder::name), if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// `"vector"` or `"queue"`.
    pub fn kind(&self) -> &'static str {
        self.kind
    }

    /// [`Mapper::name`](crate::Mapper::name) of its mapper.
    pub fn mapper(&self) -> &'static str {
        self.mapper
    }

    /// Bytes it had committed when the inventory was taken.
    pub fn committed_bytes(&self) -> usize {
        self.committed
    }

    /// Bytes of address space it had reserved.
    pub fn reserved_bytes(&self) -> usize {
        self.reserved
    }

    /// Where it moved into its mapping: the call (a `push`, `extend`,
    /// `reserve`, ..., or the builder's `build` for a fixed window) that
    /// made it a mapped container.
    pub fn created_at(&self) -> &'static Location<'static> {
        self.site
    }

    /// How long it has held its mapping.
    pub fn age(&self) -> Duration {
        self.age
    }
}

/// A snapshot of who holds the memory: every live mapped container,
/// largest committed first, and the process's totals. Its `Display` is a
/// report for a log. From [`inventory()`](crate::inventory()).
#[derive(Clone, Debug)]
pub struct Inventory {
    pub(crate) containers: Vec<Entry>,
    pub(crate) committed_bytes: u64,
    pub(crate) reserved_bytes: u64,
    pub(crate) heap_bytes: u64,
    pub(crate) cached_bytes: u64,
    pub(crate) guarded_reservations: u64,
    pub(crate) mapping_budget: u64,
}

impl Inventory {
    /// Every live mapped container, largest committed first.
    pub fn containers(&self) -> &[Entry] {
        &self.containers
    }

    /// The entries, to keep (largest committed first).
    pub fn into_containers(self) -> Vec<Entry> {
        self.containers
    }

    /// Committed bytes of all live mapped containers (as the counters saw
    /// them: the sum over [`containers`](Self::containers) give or take
    /// what changed while the snapshot was taken).
    pub fn committed_bytes(&self) -> u64 {
        self.committed_bytes
    }

    /// Reserved bytes of all live mapped containers.
    pub fn reserved_bytes(&self) -> u64 {
        self.reserved_bytes
    }

    /// Bytes on the heap, in containers below their heap limit (not
    /// listed: they register nothing).
    pub fn heap_bytes(&self) -> u64 {
        self.heap_bytes
    }

    /// Committed bytes parked in the reservation cache: resident, in no
    /// container.
    pub fn cached_bytes(&self) -> u64 {
        self.cached_bytes
    }

    /// Guarded reservations held now.
    pub fn guarded_reservations(&self) -> u64 {
        self.guarded_reservations
    }

    /// The kernel-mapping budget for guarded reservations; see
    /// [`mapping_budget`](crate::mapping_budget).
    pub fn mapping_budget(&self) -> u64 {
        self.mapping_budget
    }
}

/// How many containers the report lists.
const REPORT_TOP: usize = 20;

impl fmt::Display for Inventory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = |b: u64| b as f64 / (1 << 20) as f64;
        writeln!(f, "mapped: who holds the memory")?;
        writeln!(
            f,
            "  {:<24} {:>12.3} MiB  ({} containers)",
            "mapped, committed",
            mib(self.committed_bytes),
            self.containers.len()
        )?;
        writeln!(
            f,
            "  {:<24} {:>12.3} MiB",
            "mapped, reserved",
            mib(self.reserved_bytes)
        )?;
        writeln!(
            f,
            "  {:<24} {:>12.3} MiB",
            "on the heap",
            mib(self.heap_bytes)
        )?;
        writeln!(
            f,
            "  {:<24} {:>12.3} MiB",
            "parked in the cache",
            mib(self.cached_bytes)
        )?;
        writeln!(
            f,
            "  {:<24} {:>12} of {}",
            "guarded reservations", self.guarded_reservations, self.mapping_budget
        )?;
        if self.containers.is_empty() {
            return Ok(());
        }
        writeln!(
            f,
            "  {:>12} {:>12} {:>9}  {:<6} {:<10} {:<16} site",
            "committed", "reserved", "age s", "kind", "mapper", "name"
        )?;
        for entry in self.containers.iter().take(REPORT_TOP) {
            writeln!(
                f,
                "  {:>12} {:>12} {:>9.1}  {:<6} {:<10} {:<16} {}",
                entry.committed,
                entry.reserved,
                entry.age.as_secs_f64(),
                entry.kind,
                entry.mapper,
                entry.name().unwrap_or("-"),
                entry.site
            )?;
        }
        let rest = self.containers.len().saturating_sub(REPORT_TOP);
        if rest > 0 {
            let bytes: usize = self.containers[REPORT_TOP..]
                .iter()
                .map(|e| e.committed)
                .sum();
            writeln!(f, "  ... and {rest} more, {bytes} bytes committed")?;
        }
        Ok(())
    }
}
