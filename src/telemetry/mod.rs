//! Telemetry: the one place where a memory event becomes a `tracing` span or
//! event, `metrics` updates, a call to the user's [`Observer`], and the
//! process-wide [`stats()`](crate::stats).
//!
//! All four are built from the same [`Event`] value, so they never disagree.
//! Only the paths that call the mapper or carry out a grow/shrink decision
//! report anything: a `push` or `pop` that grows, shrinks or populates does,
//! every other `push` and `pop`, and indexing, never.
//!
//! The `tracing` and `metrics` cargo features (both on by default) compile
//! their halves out entirely; the observer and [`stats()`](crate::stats) always work.

pub(crate) mod event;
mod local;
pub mod names;
pub(crate) mod slow;
pub(crate) mod stats;

#[cfg(feature = "metrics")]
mod held;
#[cfg(feature = "metrics")]
mod metrics;
#[cfg(feature = "tracing")]
mod trace;

#[cfg(feature = "metrics")]
use crate::op::KINDS;
pub(crate) use crate::op::{Cause, Kind, Op};
#[cfg(unix)]
pub(crate) use event::fork_locks;
pub(crate) use event::{Event, Observer};
pub(crate) use stats::stats;

use std::fmt;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Who a container is, for telemetry: its kind, the user's name for it,
/// its own observer, and whether it lives in a file.
#[derive(Clone)]
pub(crate) struct Label {
    pub(crate) kind: Kind,
    pub(crate) name: Option<Arc<str>>,
    pub(crate) observer: Option<Arc<dyn Observer>>,
    /// A `FileVector`: its committed bytes are disk
    /// blocks, counted apart from memory ([`Stats::file_bytes`](crate::Stats::file_bytes)).
    pub(crate) file: bool,
}

// Unwind safety: a container holding a `Label` is as unwind safe as a
// `Vec` (issue 22). The observer is `Send + Sync` and only ever called
// through `&self` with an event that describes a change already made: no
// container invariant depends on the observer's own state, so an observer
// left inconsistent by a panic cannot make a container observe a broken
// invariant. (Whatever the observer shares with other code is that code's
// concern, as for any `Arc` of a `Sync` type the user hands over.)
impl std::panic::UnwindSafe for Label {}
impl std::panic::RefUnwindSafe for Label {}

impl Label {
    /// A container of `kind` with no name and no observer of its own.
    pub(crate) const fn of(kind: Kind) -> Self {
        Label {
            kind,
            name: None,
            observer: None,
            file: false,
        }
    }

    /// A file vector named `name` (its path).
    #[cfg(feature = "file")]
    pub(crate) fn file(name: Option<Arc<str>>) -> Self {
        Label {
            name,
            file: true,
            ..Label::of(Kind::Vector)
        }
    }

    /// Whether it is only a kind: no name, no observer.
    pub(crate) fn is_bare(&self) -> bool {
        self.name.is_none() && self.observer.is_none()
    }
}

impl fmt::Debug for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Label")
            .field("kind", &self.kind)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A mapper call or decision under way: holds its span open and its clock
/// running until [`finish`](Probe::finish) reports the outcome.
pub(crate) struct Probe {
    op: Op,
    guarded: bool,
    bytes: usize,
    from_bytes: usize,
    reserved_from: usize,
    cause: Option<Cause>,
    parked: bool,
    /// When the operation began, if anyone will see its duration.
    start: Option<Instant>,
    /// The committed bytes the span opened with as `to_bytes`.
    #[cfg(feature = "tracing")]
    aimed: usize,
    #[cfg(feature = "tracing")]
    _span: tracing::span::EnteredSpan,
}

/// A container's memory at one moment: committed and reserved bytes.
#[derive(Clone, Copy)]
pub(crate) struct Footprint {
    pub(crate) committed: usize,
    pub(crate) reserved: usize,
}

/// Whose memory an event is about: the container's label, its mapper's
/// name, whether its mapping is guarded, and what it holds at the moment
/// (before the operation when a probe starts, after it when it finishes).
#[derive(Clone, Copy)]
pub(crate) struct Subject<'a> {
    pub(crate) label: &'a Label,
    pub(crate) mapper: &'static str,
    pub(crate) guarded: bool,
    pub(crate) holds: Footprint,
}

/// What a probe watches: an operation on `bytes`, aiming for `to_bytes`
/// committed (what a grow or shrink aims for), and why (a grow, shrink or
/// flush).
#[derive(Clone, Copy)]
pub(crate) struct Operation {
    pub(crate) op: Op,
    pub(crate) bytes: usize,
    pub(crate) to_bytes: usize,
    pub(crate) cause: Option<Cause>,
}

impl Probe {
    /// Opens the span of `what` on `who`'s memory.
    #[inline]
    pub(crate) fn start(who: Subject<'_>, what: Operation) -> Self {
        let Operation {
            op,
            bytes,
            to_bytes,
            cause,
        } = what;
        #[cfg(feature = "tracing")]
        let span = trace::span(who, what);
        #[cfg(not(feature = "tracing"))]
        let _ = to_bytes;
        // A clock read costs about as much as the rest of a cache reuse:
        // read it only for a mapper call whose time is a histogram, or when
        // an observer or a tracing subscriber will see the duration.
        #[cfg(feature = "tracing")]
        let listened = !span.is_disabled();
        #[cfg(not(feature = "tracing"))]
        let listened = false;
        let timed = matches!(op, Op::Commit | Op::Decommit)
            || (op.is_mapper_call() && slow::threshold().is_some())
            || listened
            || who.label.observer.is_some()
            || event::has_global_observer();
        Probe {
            op,
            guarded: who.guarded,
            bytes,
            from_bytes: who.holds.committed,
            reserved_from: who.holds.reserved,
            cause,
            parked: false,
            start: timed.then(Instant::now),
            #[cfg(feature = "tracing")]
            aimed: to_bytes,
            #[cfg(feature = "tracing")]
            _span: span.entered(),
        }
    }

    /// Marks a shrink whose reservation went to the reservation cache
    /// (`parked = true` on its span and event): its memory stays resident.
    pub(crate) fn set_parked(&mut self) {
        self.parked = true;
        #[cfg(feature = "tracing")]
        self._span.record("parked", true);
    }

    /// Closes the span without reporting anything: the operation turned out
    /// not to happen (a mapper that cannot remap).
    pub(crate) fn abandon(self) {}

    /// Reports the outcome to every sink, then closes the span: `who` as
    /// it is after the operation, and the error if it failed.
    pub(crate) fn finish(self, who: Subject<'_>, error: Option<&io::Error>) {
        let Subject {
            label,
            mapper,
            holds: after,
            ..
        } = who;
        // The span opened with the committed bytes aimed for; a reservation
        // reused from the cache may bring more: then the span says what
        // happened (recorded only then: a log line shows each record).
        #[cfg(feature = "tracing")]
        if matches!(self.op, Op::Grow | Op::Shrink) && after.committed != self.aimed {
            self._span.record("to_bytes", after.committed);
        }
        let event = Event {
            op: self.op,
            bytes: self.bytes,
            from_bytes: self.from_bytes,
            to_bytes: after.committed,
            reserved_from: self.reserved_from,
            reserved_to: after.reserved,
            container: label.kind,
            name: label.name.as_deref(),
            mapper,
            guarded: self.guarded,
            cause: self.cause,
            parked: self.parked,
            error,
            duration: self.start.map_or(Duration::ZERO, |start| start.elapsed()),
        };
        emit(&event, label);
        if event.op.is_mapper_call() {
            if let Some(threshold) = slow::threshold() {
                if event.duration >= threshold {
                    slow_call(&event);
                }
            }
        }
    }
}

/// A mapper call took longer than the slow-call threshold.
fn slow_call(event: &Event<'_>) {
    #[cfg(feature = "tracing")]
    trace::slow_call(event);
    #[cfg(feature = "metrics")]
    metrics::slow_call(event);
    #[cfg(not(any(feature = "tracing", feature = "metrics")))]
    let _ = event;
}

/// Moves a container's memory from one label's gauges to another's when it
/// changes what it is called (a vector becoming a queue's storage, or back).
/// Nothing else changes, so nothing else is reported.
pub(crate) fn relabel(from: &Label, to: &Label, mapper: &'static str, now: Footprint) {
    #[cfg(feature = "metrics")]
    metrics::relabel(from.kind, to.kind, mapper, now);
    #[cfg(not(feature = "metrics"))]
    let _ = (from, to, mapper, now);
}

/// A container's heap allocation went from `from` to `to` bytes. Heap
/// storage involves no mapper and no decision worth a span, and costs
/// what a `Vec`'s does: only this thread's heap bytes counter moves (no
/// shared atomic, no recorder call). [`stats()`](crate::stats) sums the
/// threads' counters; the [`HEAP_BYTES`](names::HEAP_BYTES) gauge is set
/// from the sum at each grow and shrink and each `stats()`.
#[inline]
pub(crate) fn heap_resized(kind: Kind, from: usize, to: usize) {
    local::add(
        local::Counter::heap(kind),
        (to as isize).wrapping_sub(from as isize),
    );
}

/// Heap bytes of containers of each kind now, `[vector, queue, bytes]`,
/// summed over every thread.
#[cfg(feature = "metrics")]
fn heap_bytes() -> [u64; KINDS] {
    Kind::ALL.map(|kind| local::sum(local::Counter::heap(kind)).max(0) as u64)
}

/// Sets the heap bytes gauges from the threads' counters.
pub(crate) fn publish_heap_bytes() {
    #[cfg(feature = "metrics")]
    metrics::heap_bytes(heap_bytes());
}

/// The kernel-mapping budget was set (see
/// [`set_mapping_budget`](crate::set_mapping_budget)).
pub(crate) fn budget_set(mappings: usize) {
    #[cfg(feature = "metrics")]
    metrics::budget(mappings);
    #[cfg(not(feature = "metrics"))]
    let _ = mappings;
}

/// The first container found the kernel-mapping budget spent: one WARN
/// for the process, never one per container.
pub(crate) fn budget_reached(held: usize, budget: usize) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: names::TARGET,
        held,
        budget,
        "kernel-mapping budget reached: {held} guarded mappings hold {budget} kernel mappings' worth; \
         containers that map from now on get unguarded mappings (see mapped::set_mapping_budget)"
    );
    #[cfg(not(feature = "tracing"))]
    let _ = (held, budget);
}

/// Why a container on the OS mapper grew on the heap past its limit, as a
/// `Vec` does (see [`Stats::heap_fallbacks`](crate::Stats::heap_fallbacks)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Fallback {
    /// The process is out of kernel mappings (`vm.max_map_count`): it
    /// tries a mapping again at its next doubling.
    KernelMappings,
    /// The target has no virtual-memory mappings at all (or the crate was
    /// built with `--cfg mapped_no_mmap`): it stays on the heap.
    NoMappings,
}

impl Fallback {
    /// The `reason` label value.
    #[cfg_attr(not(any(feature = "tracing", feature = "metrics")), allow(dead_code))]
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Fallback::KernelMappings => "kernel_mappings",
            Fallback::NoMappings => "no_mappings",
        }
    }
}

/// A container grew on the heap past its limit, for `reason`: counted
/// every time, logged the first time for each reason only.
pub(crate) fn heap_fallback(kind: Kind, bytes: usize, reason: Fallback) {
    static LOGGED: [AtomicBool; 2] = [const { AtomicBool::new(false) }; 2];
    let first = !LOGGED[reason as usize].swap(true, Relaxed);
    stats::heap_fallback();
    #[cfg(feature = "metrics")]
    metrics::heap_fallback(kind.as_str(), reason.as_str());
    #[cfg(feature = "tracing")]
    if first {
        let why = match reason {
            Fallback::KernelMappings => {
                "out of kernel mappings (vm.max_map_count): it tries a mapping again at its \
                 next doubling"
            }
            Fallback::NoMappings => {
                "this target has no virtual-memory mappings: containers on MAPPER live on the \
                 heap"
            }
        };
        tracing::warn!(
            target: names::TARGET,
            container = kind.as_str(),
            bytes,
            reason = reason.as_str(),
            "a {} stays on the heap past its limit and grows there like a Vec, because {why}; \
             later ones are counted, not logged",
            kind.as_str()
        );
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (kind, bytes, first);
}

/// A failpoint (or a file vector's fault hook) injected a failure into the
/// call `op` (see [`crate::failpoints`]): counted apart from real failures.
#[cfg(any(feature = "failpoints", feature = "file"))]
pub(crate) fn injected(op: &'static str) {
    stats::injected();
    #[cfg(feature = "metrics")]
    metrics::injected(op);
    #[cfg(not(feature = "metrics"))]
    let _ = op;
}

fn emit(event: &Event<'_>, label: &Label) {
    // A failpoint hands its failure up as the call's error (the OS layer
    // reports nothing itself): count it here, once, on the call's event.
    #[cfg(any(feature = "failpoints", feature = "file"))]
    if let Some(error) = event.error {
        if event.op.is_mapper_call() && crate::failpoints::is_injected(error) {
            injected(event.op.as_str());
        }
    }
    let own = label.observer.as_deref();
    stats::record(event, label.file);
    // Heap bytes move between heap and mapping at grows and shrinks: the
    // gauge follows there (and in `stats()`), not per mapper call.
    #[cfg(feature = "metrics")]
    metrics::record(
        event,
        matches!(event.op, Op::Grow | Op::Shrink).then(heap_bytes),
    );
    #[cfg(feature = "tracing")]
    trace::record(event);
    if let Some(observer) = own {
        observer.on_event(event);
    }
    if let Some(observer) = event::global_observer() {
        observer.on_event(event);
    }
}

/// What the storage layer keeps of the reservations, handed to telemetry
/// to report ([`stats()`], [`describe_metrics`]): telemetry is a sink, and
/// asks no layer above it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Reservations {
    /// Committed bytes parked in the reservation cache.
    pub(crate) cached_bytes: usize,
    /// Guarded reservations held, by containers or the cache.
    pub(crate) guarded: usize,
    /// The kernel-mapping budget.
    pub(crate) budget: usize,
}

/// Registers descriptions and units of every metric, and the series a
/// dashboard reads at zero, with the reservations' figures now. See
/// [`crate::describe_metrics`].
pub(crate) fn describe_metrics(now: Reservations) {
    #[cfg(feature = "metrics")]
    metrics::describe(now);
    #[cfg(not(feature = "metrics"))]
    let _ = now;
}

/// The reservation cache now holds `bytes` committed bytes: sets the
/// [`CACHED_BYTES`](names::CACHED_BYTES) gauge.
pub(crate) fn cached_bytes(bytes: usize) {
    #[cfg(feature = "metrics")]
    metrics::cached_bytes(bytes);
    #[cfg(not(feature = "metrics"))]
    let _ = bytes;
}
