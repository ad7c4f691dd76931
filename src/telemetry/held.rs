//! Metric handles held for the process's global recorder, so that an event
//! of an OS-mapper container moves a handle instead of asking the
//! recorder's registry for one (a hash-map look-up per metric: about 700
//! instructions with the Prometheus recorder, against a few for a held
//! handle).
//!
//! [`describe_metrics`](crate::describe_metrics) calls [`hold`] with the
//! recorder in scope. Handles are held only for the *global* recorder: one
//! a thread set for itself (`metrics::with_local_recorder`, as tests do)
//! can be dropped, and another made at its address, which must not inherit
//! its handles. Each slot registers its handle at its first use, so no
//! series appears that no event has reported (or `describe_metrics` made at
//! zero). An event uses the held handles only while the recorder in scope
//! is the one they were registered with ([`for_recorder`]); with any other
//! it looks up a handle per metric, as before. Either way every event is
//! counted.

use super::metrics::METRICS;
use super::{Kind, KINDS};
use metrics::{Counter, Gauge, Histogram, Recorder};
use std::ptr;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::OnceLock;

/// The handles held for one recorder, each registered at its first use.
pub(super) struct Held {
    /// The address of the recorder they are registered with.
    recorder: usize,
    /// Per kind of container on the OS mapper, in [`Kind::ALL`]'s order.
    kinds: [KindHandles; KINDS],
    /// The heap bytes gauges, in [`Kind::ALL`]'s order.
    pub(super) heap: [OnceLock<Gauge>; KINDS],
    /// The reservation cache's gauge.
    pub(super) cached: OnceLock<Gauge>,
}

/// The handles of one kind of container on the OS mapper, by metric
/// (`super::metrics::Metric` as an index); only the slots of the metric's
/// own type are ever filled.
pub(super) struct KindHandles {
    pub(super) counters: [OnceLock<Counter>; METRICS],
    pub(super) gauges: [OnceLock<Gauge>; METRICS],
    pub(super) histograms: [OnceLock<Histogram>; METRICS],
}

impl Held {
    fn new(recorder: usize) -> Self {
        Held {
            recorder,
            kinds: [const {
                KindHandles {
                    counters: [const { OnceLock::new() }; METRICS],
                    gauges: [const { OnceLock::new() }; METRICS],
                    histograms: [const { OnceLock::new() }; METRICS],
                }
            }; KINDS],
            heap: [const { OnceLock::new() }; KINDS],
            cached: OnceLock::new(),
        }
    }

    /// The handles of containers of `kind` (`None` for a kind this build
    /// does not make).
    #[inline]
    pub(super) fn kind(&self, kind: Kind) -> Option<&KindHandles> {
        self.kinds.get(kind as usize)
    }
}

/// The handles held, if any: leaked, so that a reader never sees them
/// freed; replaced only when the global recorder changes (once, from none
/// to one installed).
static HELD: AtomicPtr<Held> = AtomicPtr::new(ptr::null_mut());

/// The address `recorder` lives at: what tells recorders apart.
fn address(recorder: &dyn Recorder) -> usize {
    ptr::from_ref(recorder).cast::<()>() as usize
}

/// The handles held for `recorder`, if it is the recorder they were
/// registered with.
#[inline]
pub(super) fn for_recorder(recorder: &dyn Recorder) -> Option<&'static Held> {
    // SAFETY: `HELD` is null or a leaked `Held`, never freed.
    let held = unsafe { HELD.load(Ordering::Acquire).as_ref() }?;
    (held.recorder == address(recorder)).then_some(held)
}

/// Holds handles for `recorder` from now on, if it is the global recorder
/// (the one a thread without a recorder of its own sees) and none are held
/// for it yet.
pub(super) fn hold(recorder: &dyn Recorder) {
    let here = address(recorder);
    if for_recorder(recorder).is_some() || global_recorder() != Some(here) {
        return;
    }
    let held = Box::into_raw(Box::new(Held::new(here)));
    // The one before stays leaked: an event may still be reading it.
    HELD.store(held, Ordering::Release);
}

/// The address of the recorder a thread with no recorder of its own sees:
/// the global one (or the no-op recorder). Asked from a new thread, since
/// `metrics` does not say whether this one has set its own. `None` where
/// no thread can be started.
fn global_recorder() -> Option<usize> {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("mapped-describe".into())
            .spawn_scoped(scope, || metrics::with_recorder(address))
            .ok()?
            .join()
            .ok()
    })
}
