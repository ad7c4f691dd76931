//! [`Event`]: one memory event as every sink sees it, and [`Observer`]s:
//! the user's sink, per container or for the process
//! ([`set_observer`]).

use super::{Cause, Kind, Op};
use crate::sync::ForkLock;
#[cfg(unix)]
use crate::sync::HeldAcrossFork;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// One memory event, as observers, metrics, logs and [`stats()`](crate::stats) see it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Event<'a> {
    /// What happened.
    pub op: Op,
    /// Bytes the operation covered: the range committed or decommitted, the
    /// reservation reserved, released or remapped to, or, for grow and
    /// shrink, the change in committed bytes asked for.
    pub bytes: usize,
    /// The container's committed bytes before (for a file vector: the data
    /// bytes whose disk blocks are allocated).
    pub from_bytes: usize,
    /// The container's committed bytes after: equal to `from_bytes` when
    /// the operation failed, but for a failed release, after which the
    /// container holds nothing all the same (the reservation is abandoned).
    pub to_bytes: usize,
    /// The container's reserved bytes before (0 for a file vector, which
    /// reserves no memory).
    pub reserved_from: usize,
    /// The container's reserved bytes after.
    pub reserved_to: usize,
    /// The kind of container.
    pub container: Kind,
    /// The name the user gave the container, if any; a file vector's path.
    pub name: Option<&'a str>,
    /// [`Mapper::name`](crate::Mapper::name).
    pub mapper: &'static str,
    /// Whether the mapping is guarded (decommitted pages are protected, so
    /// a stray access faults): false only for the OS's unguarded kind
    /// ([`UNGUARDED`](crate::UNGUARDED)), which containers on the OS
    /// mapper take past the kernel-mapping budget
    /// ([`set_mapping_budget`](crate::set_mapping_budget)), and for file
    /// vectors, which protect no pages.
    pub guarded: bool,
    /// For a grow, shrink or flush: why it happened (`None` for every
    /// other operation).
    pub cause: Option<Cause>,
    /// For a shrink: whether its reservation was parked in the reservation
    /// cache, pages and all (still resident, see
    /// [`Stats::cached_bytes`](crate::Stats::cached_bytes)), rather than given back to the OS.
    pub parked: bool,
    /// The mapper's error when the operation failed; `None` on success.
    pub error: Option<&'a io::Error>,
    /// Time spent, mapper calls included. Measured for every commit and
    /// decommit, and for every event an observer or a tracing subscriber
    /// sees; zero for an event no one will see the time of.
    pub duration: Duration,
}

impl Event<'_> {
    /// Whether the operation succeeded.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }

    /// Change in committed bytes (negative when memory went back to the OS).
    pub fn committed_change(&self) -> i64 {
        self.to_bytes as i64 - self.from_bytes as i64
    }

    /// Change in reserved bytes.
    pub fn reserved_change(&self) -> i64 {
        self.reserved_to as i64 - self.reserved_from as i64
    }

    /// Change in the number of mapped containers: +1 when a container
    /// without a reservation takes one, -1 when it gives its last away.
    pub fn mapping_change(&self) -> i64 {
        match (self.reserved_from, self.reserved_to) {
            (0, 0) => 0,
            (0, _) => 1,
            (_, 0) => -1,
            _ => 0,
        }
    }
}

/// Receives every memory event: install one for the process with
/// [`set_observer`] or per container with its builder.
///
/// Called synchronously on the thread that caused the event, after the
/// mapper call returned; keep it quick and never call back into the same
/// container.
pub trait Observer: Send + Sync {
    /// Called once per event. The default does nothing.
    fn on_event(&self, event: &Event<'_>) {
        let _ = event;
    }
}

/// The process-wide observer, if any.
static GLOBAL_OBSERVER: ForkLock<Option<Arc<dyn Observer>>> = ForkLock::new(None);

/// Installs (or, with `None`, removes) the process-wide observer. Returns
/// the one it replaces.
pub fn set_observer(observer: Option<Arc<dyn Observer>>) -> Option<Arc<dyn Observer>> {
    let mut slot = GLOBAL_OBSERVER.lock();
    HAS_GLOBAL_OBSERVER.store(observer.is_some(), Relaxed);
    std::mem::replace(&mut *slot, observer)
}

/// Whether a process-wide observer is installed: read without the lock by
/// every event, which times itself only if someone will see the time.
static HAS_GLOBAL_OBSERVER: AtomicBool = AtomicBool::new(false);

/// Whether a process-wide observer is installed (no lock taken).
#[inline]
pub(crate) fn has_global_observer() -> bool {
    HAS_GLOBAL_OBSERVER.load(Relaxed)
}

/// The process-wide observer, if one is installed: the lock is released
/// before the caller calls it (an observer may create containers, and
/// `set_observer` or a fork may want the lock meanwhile).
pub(crate) fn global_observer() -> Option<Arc<dyn Observer>> {
    if !has_global_observer() {
        return None;
    }
    GLOBAL_OBSERVER.lock().clone()
}

/// The observer's lock, for the fork handlers.
#[cfg(unix)]
pub(crate) fn fork_locks() -> impl Iterator<Item = &'static dyn HeldAcrossFork> {
    std::iter::once(&GLOBAL_OBSERVER as &dyn HeldAcrossFork)
}
