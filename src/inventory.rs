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
//! inventory waits for the lock, and takes in and drops everything. The
//! list holds no more records of gone containers than of live ones, and
//! gives back its capacity as it empties. The lock is never left held in
//! a forked child (it is a `ForkLock`).
//!
//! The registry is split in 16 shards, each a stack, a list and a lock of
//! its own, and a thread registers in its home shard (the crate's
//! `sync::home_shard`, as the reservation cache's). So threads making
//! containers at once share no cache line: with one list, two threads each
//! making and dropping 8 KiB vectors ran 5x slower per vector than one
//! thread did.
//!
//! Records live in a pool of their own (`crate::slab`), not on the heap,
//! and the registry owns them: a `Registration` points to its record,
//! and a tidy frees the record once the registration is gone. A
//! registration's drop tidies now and then too (every `TIDY_EVERY`th gone
//! record, if the lock is free), so the records of a burst of containers
//! go back as the burst ends, not at the next registration.

use crate::op::Kind;
use crate::slab::{Pool, Pooled, SlabBox};
#[cfg(unix)]
use crate::sync::HeldAcrossFork;
use crate::sync::{ForkLock, Padded};
use std::fmt;
use std::panic::Location;
use std::ptr;
use std::ptr::NonNull;
use std::sync::atomic::{fence, AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One live mapped container, as the registry keeps it.
pub(crate) struct Record {
    bytes: Footprint,
    /// False once the container left its mapping or was dropped.
    alive: AtomicBool,
    name: Option<Arc<str>>,
    kind: Kind,
    mapper: &'static str,
    site: &'static Location<'static>,
    since: Instant,
    /// The next record on the stack of new records (set before the push).
    next_new: AtomicPtr<Record>,
}

/// The pool records live in: off the heap, so that a burst of containers
/// registering leaves no holes there (`crate::slab`).
static RECORDS: Pool = Pool::new(std::alloc::Layout::new::<Record>());

impl Pooled for Record {
    fn pool() -> &'static Pool {
        &RECORDS
    }
}

/// The locks of the records' pool, for the fork handlers (after the
/// registries': a tidy frees records while it holds its list).
#[cfg(unix)]
pub(crate) fn pool_fork_locks() -> impl Iterator<Item = &'static dyn HeldAcrossFork> {
    RECORDS.fork_locks()
}

impl Record {
    /// Where the container moved into its mapping.
    pub(crate) fn site(&self) -> &'static Location<'static> {
        self.site
    }

    /// Sets the bytes the inventory reports. Only the container writes
    /// its record.
    #[inline]
    pub(crate) fn update(&self, committed: usize, reserved: usize) {
        self.bytes.write(committed, reserved);
    }
}

/// A container's committed and reserved bytes, written by the container
/// alone and read by inventories as one pair, never torn (a sequence
/// lock: a reader retries while a write is under way).
struct Footprint {
    /// Odd while a write is under way; moves on by two per write.
    seq: AtomicU32,
    committed: AtomicUsize,
    reserved: AtomicUsize,
}

impl Footprint {
    const fn new() -> Self {
        Footprint {
            seq: AtomicU32::new(0),
            committed: AtomicUsize::new(0),
            reserved: AtomicUsize::new(0),
        }
    }

    /// Sets both; called by the one writer only.
    fn write(&self, committed: usize, reserved: usize) {
        let seq = self.seq.load(Ordering::Relaxed);
        self.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
        // The odd count is visible before either byte count changes.
        fence(Ordering::Release);
        self.committed.store(committed, Ordering::Relaxed);
        self.reserved.store(reserved, Ordering::Relaxed);
        self.seq.store(seq.wrapping_add(2), Ordering::Release);
    }

    /// Both, as one write left them.
    fn read(&self) -> (usize, usize) {
        loop {
            let before = self.seq.load(Ordering::Acquire);
            if before % 2 == 0 {
                let committed = self.committed.load(Ordering::Relaxed);
                let reserved = self.reserved.load(Ordering::Relaxed);
                // The counts are read before the sequence is read again.
                fence(Ordering::Acquire);
                if self.seq.load(Ordering::Relaxed) == before {
                    return (committed, reserved);
                }
            }
            std::hint::spin_loop();
        }
    }
}

/// Registers a container (of `kind`, named `name`, on `mapper`) that
/// moved into a mapping at `site`. Drop the handle when it leaves the
/// mapping.
pub(crate) fn register(
    name: Option<Arc<str>>,
    kind: Kind,
    mapper: &'static str,
    site: &'static Location<'static>,
) -> Registration {
    REGISTRIES[crate::sync::home_shard(SHARDS)].register(name, kind, mapper, site)
}

/// A container's place in the registry, while it is mapped. The registry
/// owns the record and frees it once the registration is dropped.
pub(crate) struct Registration {
    record: NonNull<Record>,
    registry: &'static Registry,
}

// SAFETY: the record is `Sync` and lives until the registration is dropped
// (the registry frees only records of gone containers); the registration
// writes it from whichever thread owns the container.
unsafe impl Send for Registration {}
// SAFETY: as above; a shared registration only reads the record.
unsafe impl Sync for Registration {}

impl Registration {
    /// The record to keep up to date.
    #[inline]
    pub(crate) fn record(&self) -> &Record {
        // SAFETY: the registry keeps the record while this registration
        // lives (see the type).
        unsafe { self.record.as_ref() }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // Counted before it is marked: whoever sees it gone (Acquire) sees
        // it counted, so the count never falls below the gone records.
        let gone = self.registry.gone.fetch_add(1, Ordering::Relaxed) + 1;
        // The last touch of the record: a tidy that sees it frees it.
        self.record().alive.store(false, Ordering::Release);
        // Now and then a tidy here too, so that the records of a burst of
        // containers gone go back without waiting for the next to register.
        if gone % TIDY_EVERY == 0 {
            if let Some(mut list) = self.registry.list.try_lock() {
                self.registry.tidy(&mut list, false);
            }
        }
    }
}

/// How many registrations may wait on the stack before one tidies: a
/// bound on the records of gone containers kept between inventories.
const TIDY_EVERY: usize = 32;

/// How many registries the process's records are spread over.
const SHARDS: usize = 16;

/// The records of mapped containers: the process's are in [`REGISTRIES`].
struct Registry {
    /// Records pushed since the list last took them in (a stack, newest
    /// first, each a box given up by `SlabBox::into_raw`).
    new: AtomicPtr<Record>,
    /// Registrations so far; every [`TIDY_EVERY`]th tidies the list.
    registered: AtomicUsize,
    /// Records of gone containers not yet dropped from the list or the
    /// stack (at least as many as there are, never fewer).
    gone: AtomicUsize,
    list: ForkLock<Vec<SlabBox<Record>>>,
}

static REGISTRIES: [Padded<Registry>; SHARDS] = [const { Padded(Registry::new()) }; SHARDS];

/// The inventory's locks, for the fork handlers.
#[cfg(unix)]
pub(crate) fn fork_locks() -> impl Iterator<Item = &'static dyn HeldAcrossFork> {
    REGISTRIES
        .iter()
        .map(|registry| &registry.list as &dyn HeldAcrossFork)
}

impl Registry {
    const fn new() -> Self {
        Registry {
            new: AtomicPtr::new(ptr::null_mut()),
            registered: AtomicUsize::new(0),
            gone: AtomicUsize::new(0),
            list: ForkLock::new(Vec::new()),
        }
    }

    fn register(
        &'static self,
        name: Option<Arc<str>>,
        kind: Kind,
        mapper: &'static str,
        site: &'static Location<'static>,
    ) -> Registration {
        let record = SlabBox::boxed(Record {
            bytes: Footprint::new(),
            alive: AtomicBool::new(true),
            name,
            kind,
            mapper,
            site,
            since: Instant::now(),
            next_new: AtomicPtr::new(ptr::null_mut()),
        });
        // The stack owns the record until the list takes it in; the
        // registration only points to it.
        let record = SlabBox::into_raw(record);
        let raw = record.as_ptr();
        let mut head = self.new.load(Ordering::Relaxed);
        loop {
            // SAFETY: not yet on the stack: this thread alone has it.
            unsafe { record.as_ref() }
                .next_new
                .store(head, Ordering::Relaxed);
            match self
                .new
                .compare_exchange_weak(head, raw, Ordering::Release, Ordering::Relaxed)
            {
                Ok(_) => break,
                Err(now) => head = now,
            }
        }
        // Take the stack in now and then, not at every registration: the
        // list's lock is a shared cache line.
        if self.registered.fetch_add(1, Ordering::Relaxed) % TIDY_EVERY == TIDY_EVERY - 1 {
            if let Some(mut list) = self.list.try_lock() {
                self.tidy(&mut list, false);
            }
        }
        Registration {
            record,
            registry: self,
        }
    }

    /// Takes the new records into the list and drops the records of gone
    /// containers: every time if `all`, else once there are about as many
    /// gone as the list holds (so that it stays about as long as the live
    /// containers, at a cost amortised over them). The list gives back
    /// capacity it no longer needs.
    fn tidy(&self, list: &mut Vec<SlabBox<Record>>, all: bool) {
        self.take_in_new(list);
        self.drop_gone(list, all);
    }

    /// Moves the stack of new records onto the list.
    fn take_in_new(&self, list: &mut Vec<SlabBox<Record>>) {
        let mut at = self.new.swap(ptr::null_mut(), Ordering::Acquire);
        while let Some(raw) = NonNull::new(at) {
            // SAFETY: every pointer on the stack came from
            // `SlabBox::into_raw`; the swap above made this thread its only
            // owner.
            let record = unsafe { SlabBox::from_raw(raw) };
            at = record.next_new.load(Ordering::Relaxed);
            list.push(record);
        }
    }

    /// Drops the list's records of gone containers, as [`tidy`](Self::tidy)
    /// says. Containers may register and go meanwhile: their records are
    /// on the stack, counted in `gone` until a later tidy drops them.
    fn drop_gone(&self, list: &mut Vec<SlabBox<Record>>, all: bool) {
        let gone = self.gone.load(Ordering::Relaxed);
        if gone == 0 || !(all || gone * 2 >= list.len()) {
            return;
        }
        let before = list.len();
        list.retain(|r| r.alive.load(Ordering::Acquire));
        // Exactly the gone records dropped: one that went since `gone` was
        // read stays counted until it is dropped too.
        self.gone.fetch_sub(before - list.len(), Ordering::Relaxed);
        if list.capacity() > 2 * list.len() + TIDY_EVERY {
            list.shrink_to(list.len() + list.len() / 2);
        }
    }

    /// Adds an entry for every live container of this registry, as of
    /// `now`, to `entries`, after taking in and dropping everything.
    fn entries(&self, now: Instant, entries: &mut Vec<Entry>) {
        let mut list = self.list.lock();
        self.tidy(&mut list, true);
        entries.extend(
            list.iter()
                .filter(|r| r.alive.load(Ordering::Acquire))
                .map(|r| {
                    let (committed, reserved) = r.bytes.read();
                    Entry {
                        name: r.name.clone(),
                        kind: r.kind,
                        mapper: r.mapper,
                        committed,
                        reserved,
                        site: r.site,
                        age: now.duration_since(r.since),
                    }
                }),
        );
    }
}

/// Every live mapped container now, largest committed first.
pub(crate) fn entries() -> Vec<Entry> {
    let now = Instant::now();
    let mut entries = Vec::new();
    for registry in &REGISTRIES {
        registry.entries(now, &mut entries);
    }
    entries.sort_by_key(|e| std::cmp::Reverse(e.committed));
    entries
}

/// One live mapped container in an [`Inventory`].
#[derive(Clone, Debug)]
pub struct Entry {
    name: Option<Arc<str>>,
    kind: Kind,
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

    /// The kind of container (the `container` label).
    pub fn kind(&self) -> Kind {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::thread;

    fn register(registry: &'static Registry) -> Registration {
        registry.register(None, Kind::Vector, "os", Location::caller())
    }

    /// What an inventory of `registry` alone lists.
    fn listed(registry: &Registry) -> Vec<Entry> {
        let mut entries = Vec::new();
        registry.entries(Instant::now(), &mut entries);
        entries
    }

    /// A thread registers in its home shard and in no other, so threads
    /// with different homes never share a list (nor free each other's
    /// records when they tidy).
    #[test]
    fn a_thread_registers_in_its_home_shard() {
        let in_shards = |registration: &Registration| -> Vec<usize> {
            (0..SHARDS)
                .filter(|&at| {
                    let mut list = REGISTRIES[at].list.lock();
                    REGISTRIES[at].take_in_new(&mut list);
                    list.iter().any(|r| ptr::eq(&**r, registration.record()))
                })
                .collect()
        };
        let mut homes = Vec::new();
        // Threads are numbered as they first ask: two in a row differ
        // unless other tests' threads asked a multiple of SHARDS times
        // between them, so a few threads find two homes.
        while homes.len() < 2 {
            let (home, registration) = thread::spawn(|| {
                let home = crate::sync::home_shard(SHARDS);
                (
                    home,
                    super::register(None, Kind::Vector, "os", Location::caller()),
                )
            })
            .join()
            .unwrap();
            assert_eq!(in_shards(&registration), [home]);
            if !homes.contains(&home) {
                homes.push(home);
            }
        }
    }

    /// Records of gone containers never pile up, whatever the
    /// interleaving of registrations, drops and tidies: after threads
    /// churned against a reader, everything gone leaves nothing behind,
    /// not even the list's capacity.
    #[test]
    fn gone_records_are_all_dropped_and_the_list_gives_its_capacity_back() {
        static REGISTRY: Registry = Registry::new();
        let churners: Vec<_> = (0..3)
            .map(|_| {
                thread::spawn(|| {
                    let mut held = Vec::new();
                    for round in 0..20_000 {
                        held.push(register(&REGISTRY));
                        if round % 3 == 0 {
                            held.clear();
                        }
                    }
                })
            })
            .collect();
        let reader = thread::spawn(|| {
            for _ in 0..200 {
                let _ = listed(&REGISTRY);
            }
        });
        for churner in churners {
            churner.join().unwrap();
        }
        reader.join().unwrap();
        assert!(listed(&REGISTRY).is_empty());
        let list = REGISTRY.list.lock();
        assert_eq!(list.len(), 0);
        assert!(list.capacity() <= TIDY_EVERY, "{} kept", list.capacity());
        assert_eq!(REGISTRY.gone.load(Ordering::Relaxed), 0);
    }

    /// A container that registers and goes while the list is being tidied
    /// stays counted as gone until its record is dropped, so a later tidy
    /// drops it (counting it out while its record was still on the stack
    /// kept it for good).
    #[test]
    fn a_container_gone_during_a_tidy_is_dropped_by_the_next() {
        static REGISTRY: Registry = Registry::new();
        let first = register(&REGISTRY);
        drop(first);
        let mut list = REGISTRY.list.lock();
        REGISTRY.take_in_new(&mut list);
        // Between taking the stack in and dropping the gone records:
        drop(register(&REGISTRY));
        REGISTRY.drop_gone(&mut list, false);
        assert_eq!(REGISTRY.gone.load(Ordering::Relaxed), 1, "still counted");
        REGISTRY.tidy(&mut list, false);
        assert!(list.is_empty());
        assert_eq!(REGISTRY.gone.load(Ordering::Relaxed), 0);
    }

    /// While registrations come and go with no reader, the list holds at
    /// most about as many gone records as live ones.
    #[test]
    fn without_readers_the_list_stays_near_the_live_count() {
        static REGISTRY: Registry = Registry::new();
        let live: Vec<Registration> = (0..100).map(|_| register(&REGISTRY)).collect();
        for _ in 0..10_000 {
            drop(register(&REGISTRY));
        }
        let len = REGISTRY.list.lock().len();
        assert!(
            len <= 2 * live.len() + 2 * TIDY_EVERY,
            "{len} records for 100 live"
        );
        drop(live);
    }

    /// When a burst of containers goes, their records go with them, with
    /// no reader and no registration after: the drops tidy now and then.
    #[test]
    fn a_burst_gone_leaves_few_records_behind_without_a_reader() {
        static REGISTRY: Registry = Registry::new();
        let burst: Vec<Registration> = (0..10_000).map(|_| register(&REGISTRY)).collect();
        drop(burst);
        let list = REGISTRY.list.lock();
        let mut on_stack = 0;
        let mut at = REGISTRY.new.load(Ordering::Acquire);
        while let Some(record) = NonNull::new(at) {
            on_stack += 1;
            // SAFETY: the stack's records stay until the list (locked
            // here) takes them in.
            at = unsafe { record.as_ref() }.next_new.load(Ordering::Relaxed);
        }
        let kept = list.len() + on_stack;
        assert!(kept < 2 * TIDY_EVERY, "{kept} records kept of 10000 gone");
    }

    /// A reader never sees a footprint half written: committed and
    /// reserved always come from the same write.
    #[test]
    fn a_footprint_is_never_read_torn() {
        static BYTES: Footprint = Footprint::new();
        static DONE: AtomicBool = AtomicBool::new(false);
        let small = (4096, 8192);
        let large = (1 << 20, 1 << 21);
        BYTES.write(small.0, small.1);
        let writer = thread::spawn(move || {
            for i in 0..1_000_000 {
                let (c, r) = if i % 2 == 0 { large } else { small };
                BYTES.write(c, r);
            }
            DONE.store(true, Ordering::Relaxed);
        });
        loop {
            let done = DONE.load(Ordering::Relaxed);
            let pair = BYTES.read();
            assert!(pair == small || pair == large, "torn: {pair:?}");
            if done {
                break;
            }
        }
        writer.join().unwrap();
    }
}
