//! A process-wide snapshot of what all containers hold and have done, kept
//! in atomics so it works with no recorder or subscriber installed.

use super::local::{self, Counter};
use super::{Event, Kind, Op};
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

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
    /// mapper calls and heap allocations, and by file vectors' fault hooks
    /// (`FileFaults`, feature `file`): never counted
    /// in `errors`.
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
    /// Times a container on the OS mapper grew on the heap past its limit,
    /// as a `Vec` does: because the process was out of kernel mappings, or
    /// because the target has no mappings at all.
    pub heap_fallbacks: u64,
    /// Successful flushes of file vectors (cargo feature `file`): data and
    /// length made durable, or a shorter length saved first.
    pub flushes: u64,
    /// Data bytes whose disk blocks live file vectors hold allocated now
    /// (their `committed_bytes`; disk, so not in `committed_bytes`, which
    /// is memory). Their commits, decommits, remaps, grows, shrinks and
    /// errors are counted with everyone's.
    pub file_bytes: u64,
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
            + self.flushes
            + self.errors
    }
}

// Counted rarely, so shared; everything else is counted per thread
// (`local`), summed when read.
static INJECTED: AtomicU64 = AtomicU64::new(0);
static FALLBACKS: AtomicU64 = AtomicU64::new(0);

/// Counts `event`; `file`: a file vector's (its committed bytes are disk).
pub(super) fn record(event: &Event<'_>, file: bool) {
    match event.error {
        // An injected failure is counted by `injected_faults` alone.
        Some(error) => {
            if event.op.is_mapper_call() && !crate::failpoints::is_injected(error) {
                local::add(Counter::Errors as usize, 1);
            }
        }
        None => local::add(Counter::op(event.op), 1),
    }
    // What the container holds after the event, failed or not (a failed
    // operation changes nothing, but for a release, which abandons the
    // reservation all the same).
    if file {
        let change = event.committed_change();
        if event.op.owns_its_change() && change != 0 {
            local::add(Counter::FileBytes as usize, change as isize);
        }
        return;
    }
    if event.op.owns_its_change() {
        for (total, change) in [
            (Counter::Committed, event.committed_change()),
            (Counter::Reserved, event.reserved_change()),
            (Counter::Mapped, event.mapping_change()),
        ] {
            if change != 0 {
                local::add(total as usize, change as isize);
            }
        }
        let mapped = event.mapping_change();
        if mapped != 0 && !event.guarded {
            local::add(Counter::Unguarded as usize, mapped as isize);
        }
    }
}

/// A failpoint (or a file vector's fault hook) injected a failure.
#[cfg(any(feature = "failpoints", feature = "file"))]
pub(super) fn injected() {
    INJECTED.fetch_add(1, Relaxed);
}

/// A container stayed on the heap for want of kernel mappings.
pub(super) fn heap_fallback() {
    FALLBACKS.fetch_add(1, Relaxed);
}

/// The process-wide figures: the counters this module keeps, and what the
/// storage keeps of its reservations (`held`).
pub(crate) fn stats(held: super::Reservations) -> Stats {
    let sum = |counter: Counter| local::sum(counter as usize).max(0) as u64;
    let count = |op| local::sum(Counter::op(op)).max(0) as u64;
    let heap = |kind| local::sum(Counter::heap(kind)).max(0) as u64;
    Stats {
        committed_bytes: sum(Counter::Committed),
        reserved_bytes: sum(Counter::Reserved),
        reserves: count(Op::Reserve),
        commits: count(Op::Commit),
        decommits: count(Op::Decommit),
        releases: count(Op::Release),
        remaps: count(Op::Remap),
        grows: count(Op::Grow),
        shrinks: count(Op::Shrink),
        errors: sum(Counter::Errors),
        parks: count(Op::Park),
        reuses: count(Op::Reuse),
        populates: count(Op::Populate),
        cached_bytes: held.cached_bytes as u64,
        heap_bytes: Kind::ALL.into_iter().map(heap).sum(),
        mapped_containers: sum(Counter::Mapped),
        injected_faults: INJECTED.load(Relaxed),
        unguarded_containers: sum(Counter::Unguarded),
        guarded_reservations: held.guarded as u64,
        mapping_budget: held.budget as u64,
        heap_fallbacks: FALLBACKS.load(Relaxed),
        flushes: count(Op::Flush),
        file_bytes: sum(Counter::FileBytes),
    }
}
