//! A process-wide snapshot of what all containers hold and have done, kept
//! in atomics so it works with no recorder or subscriber installed.

use super::{Event, Op};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering::Relaxed};

/// What all containers in the process hold now and have done so far.
///
/// Returned by [`stats()`](crate::stats); counts only successful calls
/// except `errors`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Bytes committed now by live containers.
    pub committed_bytes: u64,
    /// Bytes of address space reserved now by live containers.
    pub reserved_bytes: u64,
    /// Successful reserves.
    pub reserves: u64,
    /// Successful commits.
    pub commits: u64,
    /// Successful decommits.
    pub decommits: u64,
    /// Successful releases.
    pub releases: u64,
    /// Successful remaps (window moves without copying).
    pub remaps: u64,
    /// Grow decisions carried out.
    pub grows: u64,
    /// Shrink decisions carried out.
    pub shrinks: u64,
    /// Failed mapper calls of any kind (failures injected by failpoints
    /// are counted in `injected_faults` instead).
    pub errors: u64,
    /// Reservations parked in the cache by dropped containers.
    pub parks: u64,
    /// Reservations new containers took from the cache.
    pub reuses: u64,
    /// Committed ranges faulted in ahead of writes (populate hints).
    pub populates: u64,
    /// Committed bytes held now by reservations parked in the cache (not in
    /// `committed_bytes`, which counts live containers).
    pub cached_bytes: u64,
    /// Bytes held now on the heap by containers below their heap limit
    /// (see [`Builder::heap_limit`](crate::Builder::heap_limit)): each
    /// thread counts its own, and this sums them, so a heap resize touches
    /// no shared state.
    pub heap_bytes: u64,
    /// Live containers holding a mapping now (one reservation each, up to
    /// two kernel mappings); containers on the heap hold none.
    pub mapped_containers: u64,
    /// Failures injected by failpoints (cargo feature `failpoints`), of
    /// mapper calls and heap allocations: never counted in `errors`.
    pub injected_faults: u64,
    /// Live containers holding an unguarded mapping now (included in
    /// `mapped_containers`): the OS's kind taken past the kernel-mapping
    /// budget.
    pub unguarded_containers: u64,
    /// Guarded reservations of the OS mapper held now, by live containers
    /// or parked in the cache: each holds up to two kernel mappings of the
    /// budget.
    pub guarded_reservations: u64,
    /// The kernel-mapping budget of guarded reservations
    /// ([`mapping_budget`](crate::mapping_budget)).
    pub mapping_budget: u64,
    /// Times a container stayed on the heap past its limit because the
    /// process was out of kernel mappings (it grew there like a `Vec`).
    pub heap_fallbacks: u64,
}

impl Stats {
    /// Calls made to the mapper (successful or not): what a workload costs
    /// in system calls, give or take a factor of two.
    pub fn mapper_calls(&self) -> u64 {
        self.reserves
            + self.commits
            + self.decommits
            + self.releases
            + self.remaps
            + self.populates
            + self.errors
    }
}

static COMMITTED: AtomicI64 = AtomicI64::new(0);
static RESERVED: AtomicI64 = AtomicI64::new(0);
static MAPPED: AtomicI64 = AtomicI64::new(0);
static INJECTED: AtomicU64 = AtomicU64::new(0);
static UNGUARDED: AtomicI64 = AtomicI64::new(0);
static FALLBACKS: AtomicU64 = AtomicU64::new(0);
static COUNTS: [AtomicU64; 11] = [const { AtomicU64::new(0) }; 11];
const ERRORS: usize = 10;

fn slot(op: Op) -> usize {
    match op {
        Op::Reserve => 0,
        Op::Commit => 1,
        Op::Decommit => 2,
        Op::Release => 3,
        Op::Remap => 4,
        Op::Grow => 5,
        Op::Shrink => 6,
        Op::Park => 7,
        Op::Reuse => 8,
        Op::Populate => 9,
    }
}

pub(super) fn record(event: &Event<'_>) {
    if let Some(error) = event.error {
        // An injected failure is counted by `injected_faults` alone.
        if event.op.is_mapper_call() && crate::failpoints::Injected::of(error).is_none() {
            COUNTS[ERRORS].fetch_add(1, Relaxed);
        }
        return;
    }
    COUNTS[slot(event.op)].fetch_add(1, Relaxed);
    if event.op.owns_its_change() {
        // (Each add is a locked instruction: skip the ones that add 0.)
        for (total, change) in [
            (&COMMITTED, event.committed_change()),
            (&RESERVED, event.reserved_change()),
            (&MAPPED, event.mapping_change()),
        ] {
            if change != 0 {
                total.fetch_add(change, Relaxed);
            }
        }
        let mapped = event.mapping_change();
        if mapped != 0 && !event.guarded {
            UNGUARDED.fetch_add(mapped, Relaxed);
        }
    }
}

/// A failpoint injected a failure.
#[cfg(feature = "failpoints")]
pub(super) fn injected() {
    INJECTED.fetch_add(1, Relaxed);
}

/// A container stayed on the heap for want of kernel mappings.
pub(super) fn heap_fallback() {
    FALLBACKS.fetch_add(1, Relaxed);
}

/// The process-wide counters this module keeps: all but what the storage
/// keeps itself (the cache's bytes, the guarded reservations and the
/// budget), which [`crate::stats`] adds.
pub(crate) fn counters() -> Stats {
    let count = |op| COUNTS[slot(op)].load(Relaxed);
    Stats {
        committed_bytes: COMMITTED.load(Relaxed).max(0) as u64,
        reserved_bytes: RESERVED.load(Relaxed).max(0) as u64,
        reserves: count(Op::Reserve),
        commits: count(Op::Commit),
        decommits: count(Op::Decommit),
        releases: count(Op::Release),
        remaps: count(Op::Remap),
        grows: count(Op::Grow),
        shrinks: count(Op::Shrink),
        errors: COUNTS[ERRORS].load(Relaxed),
        parks: count(Op::Park),
        reuses: count(Op::Reuse),
        populates: count(Op::Populate),
        cached_bytes: 0,
        heap_bytes: super::heap_bytes().iter().sum(),
        mapped_containers: MAPPED.load(Relaxed).max(0) as u64,
        injected_faults: INJECTED.load(Relaxed),
        unguarded_containers: UNGUARDED.load(Relaxed).max(0) as u64,
        guarded_reservations: 0,
        mapping_budget: 0,
        heap_fallbacks: FALLBACKS.load(Relaxed),
    }
}
