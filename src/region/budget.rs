//! The kernel-mapping budget of guarded reservations.
//!
//! A guarded reservation (the OS mapper's `PROT_NONE` reservation with a
//! read-write committed prefix) holds up to two of the process's kernel
//! mappings, which `vm.max_map_count` bounds for the whole process, thread
//! stacks, `malloc` and the loader included. Guarded reservations together
//! hold at most the budget, a quarter of `vm.max_map_count` unless set
//! otherwise; past it, containers that move into a mapping take the
//! unguarded kind, one read-write mapping that merges with its neighbours.
//!
//! The count is of reservations made by the OS mapper's guarded kind and
//! not yet released, in live containers or parked in the cache. Threads
//! that check it at the same moment may pass the budget by one reservation
//! each: it bounds the library's share, it is not a lock.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};

/// Kernel mappings a guarded reservation may hold: its committed prefix
/// and its reserved tail.
pub(crate) const MAPPINGS_PER_RESERVATION: usize = 2;

/// Guarded reservations held now.
static HELD: AtomicUsize = AtomicUsize::new(0);

/// The budget in kernel mappings; `usize::MAX` until first read.
static BUDGET: AtomicUsize = AtomicUsize::new(usize::MAX);

/// Whether the one warning that the budget was reached has been logged.
static WARNED: AtomicBool = AtomicBool::new(false);

/// The environment variable that sets the budget for the process, read
/// once: a number of kernel mappings.
pub const BUDGET_ENV: &str = "MAPPED_MAP_BUDGET";

/// The budget where the OS has no small limit on mappings (macOS, the
/// BSDs, Windows): none, in effect.
const UNLIMITED: usize = usize::MAX - 1;

/// The kernel mappings guarded reservations may hold together: see
/// [`set_mapping_budget`]. The default is a quarter of Linux's
/// `vm.max_map_count` (read once), `usize::MAX - 1` (no budget) where the
/// OS has no such limit, or what the `MAPPED_MAP_BUDGET` environment
/// variable says.
pub fn mapping_budget() -> usize {
    match BUDGET.load(Relaxed) {
        usize::MAX => {
            let budget = std::env::var(BUDGET_ENV)
                .ok()
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or_else(|| crate::os::mapping_limit().map_or(UNLIMITED, |n| n / 4));
            // Another thread may have set it meanwhile: keep theirs.
            match BUDGET.compare_exchange(usize::MAX, budget, Relaxed, Relaxed) {
                Ok(_) => budget,
                Err(set) => set,
            }
        }
        budget => budget,
    }
}

/// Sets the kernel mappings guarded reservations may hold together, for
/// the whole process; returns the budget it replaces.
///
/// Past the budget, a container that moves into a mapping gets the
/// unguarded kind ([`Guard::Auto`](crate::Guard::Auto), the default), or
/// an error ([`Guard::Always`](crate::Guard::Always)). Containers already
/// mapped keep what they have. 0 makes every new mapping unguarded.
///
/// ```
/// let before = mapped::set_mapping_budget(1000);
/// assert_eq!(mapped::mapping_budget(), 1000);
/// mapped::set_mapping_budget(before);
/// ```
pub fn set_mapping_budget(mappings: usize) -> usize {
    let before = mapping_budget();
    BUDGET.store(mappings.min(UNLIMITED), Relaxed);
    crate::telemetry::budget_set(mappings);
    before
}

/// Whether one more guarded reservation fits in the budget. The first
/// time it does not, logs one warning.
pub(crate) fn has_room() -> bool {
    let held = HELD.load(Relaxed);
    let room = (held + 1).saturating_mul(MAPPINGS_PER_RESERVATION) <= mapping_budget();
    if !room && !WARNED.swap(true, Relaxed) {
        crate::telemetry::budget_reached(held, mapping_budget());
    }
    room
}

/// A guarded reservation was made.
pub(crate) fn taken() {
    HELD.fetch_add(1, Relaxed);
}

/// A guarded reservation was released.
pub(crate) fn returned() {
    HELD.fetch_sub(1, Relaxed);
}

/// Guarded reservations held now.
pub(crate) fn held() -> usize {
    HELD.load(Relaxed)
}
