//! Events as `metrics` counters, gauges and histograms.
//!
//! Each event reaches the recorder in scope once ([`Sink::with`]). For the
//! OS mapper's containers (nearly every event) it moves handles held for
//! that recorder, when [`describe_metrics`](crate::describe_metrics)
//! registered them with it ([`held`]): no registry look-up per
//! event. Any other recorder (one a thread set for itself, or one installed
//! after `describe_metrics`) gets a look-up per metric, with keys that are
//! statics for the OS mapper's containers (made and hashed at compile
//! time), so an event builds no key.

use super::held::{self, Held, KindHandles};
use super::names::*;
use super::{Event, Footprint, Kind, Op, KINDS};
use metrics::{
    counter, describe_counter, describe_gauge, describe_histogram, Counter, Gauge, Histogram, Key,
    Label, Level, Metadata, Recorder, Unit,
};
use std::sync::OnceLock;

/// The `mapper` label of [`OsMapper`](crate::OsMapper).
const OS: &str = crate::os::OS_MAPPER_NAME;

static VECTOR_OS: [Label; 2] = [
    Label::from_static_parts(LABEL_CONTAINER, CONTAINER_VECTOR),
    Label::from_static_parts(LABEL_MAPPER, OS),
];
static QUEUE_OS: [Label; 2] = [
    Label::from_static_parts(LABEL_CONTAINER, CONTAINER_QUEUE),
    Label::from_static_parts(LABEL_MAPPER, OS),
];
static BYTES_OS: [Label; 2] = [
    Label::from_static_parts(LABEL_CONTAINER, CONTAINER_BYTES),
    Label::from_static_parts(LABEL_MAPPER, OS),
];
static VECTOR_ONLY: [Label; 1] = [Label::from_static_parts(LABEL_CONTAINER, CONTAINER_VECTOR)];
static QUEUE_ONLY: [Label; 1] = [Label::from_static_parts(LABEL_CONTAINER, CONTAINER_QUEUE)];
#[cfg(feature = "bytes")]
static BYTES_ONLY: [Label; 1] = [Label::from_static_parts(LABEL_CONTAINER, CONTAINER_BYTES)];
/// The heap bytes gauges, in [`Kind::ALL`](super::Kind::ALL)'s order.
static HEAP_KEYS: [Key; KINDS] = [
    Key::from_static_parts(HEAP_BYTES, &VECTOR_ONLY),
    Key::from_static_parts(HEAP_BYTES, &QUEUE_ONLY),
    #[cfg(feature = "bytes")]
    Key::from_static_parts(HEAP_BYTES, &BYTES_ONLY),
];
static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// Declares [`Metric`], the metrics the containers report with `container`
/// and `mapper` labels, and their keys for the OS mapper's containers,
/// computed at compile time (a key hashes its name and labels when made).
macro_rules! metrics_with_labels {
    ($($metric:ident => $name:ident,)*) => {
        /// A metric reported with `container` and `mapper` labels.
        #[derive(Clone, Copy)]
        pub(super) enum Metric {
            $($metric,)*
        }

        impl Metric {
            /// How many there are.
            const COUNT: usize = [$(Metric::$metric,)*].len();

            fn name(self) -> &'static str {
                match self {
                    $(Metric::$metric => $name,)*
                }
            }

        }

        static VECTOR_OS_KEYS: &[Key] = &[$(Key::from_static_parts($name, &VECTOR_OS),)*];
        static QUEUE_OS_KEYS: &[Key] = &[$(Key::from_static_parts($name, &QUEUE_OS),)*];
        static BYTES_OS_KEYS: &[Key] = &[$(Key::from_static_parts($name, &BYTES_OS),)*];
    };
}

metrics_with_labels! {
    Commits => COMMITS_TOTAL,
    CommittedBytesTotal => COMMITTED_BYTES_TOTAL,
    CommitSeconds => COMMIT_SECONDS,
    Decommits => DECOMMITS_TOTAL,
    DecommittedBytesTotal => DECOMMITTED_BYTES_TOTAL,
    DecommitSeconds => DECOMMIT_SECONDS,
    Grows => GROWS_TOTAL,
    Shrinks => SHRINKS_TOTAL,
    Parks => CACHE_PARKS_TOTAL,
    Reuses => CACHE_REUSES_TOTAL,
    Populates => POPULATES_TOTAL,
    CommittedBytes => COMMITTED_BYTES,
    ReservedBytes => RESERVED_BYTES,
    MappedContainers => MAPPED_CONTAINERS,
    Flushes => FILE_FLUSHES_TOTAL,
}

/// How many [`Metric`]s there are.
pub(super) const METRICS: usize = Metric::COUNT;

/// The reservation cache's gauge: a static key, as it moves at every park
/// and reuse.
static CACHED_KEY: Key = Key::from_static_name(CACHED_BYTES);

/// The `container` and `mapper` labels of one container's events.
#[derive(Clone, Copy)]
struct Labels {
    kind: Kind,
    mapper: &'static str,
}

impl Labels {
    /// Calls `f` with the key of `metric` under these labels: a static one
    /// for the OS mapper's containers, one built now for any other mapper.
    fn with_key<R>(self, metric: Metric, f: impl FnOnce(&Key) -> R) -> R {
        match (self.mapper, self.kind) {
            (OS, Kind::Vector) => f(&VECTOR_OS_KEYS[metric as usize]),
            (OS, Kind::Queue) => f(&QUEUE_OS_KEYS[metric as usize]),
            (OS, Kind::Bytes) => f(&BYTES_OS_KEYS[metric as usize]),
            _ => f(&Key::from_parts(
                metric.name(),
                vec![
                    Label::from_static_parts(LABEL_CONTAINER, self.kind.as_str()),
                    Label::from_static_parts(LABEL_MAPPER, self.mapper),
                ],
            )),
        }
    }
}

/// One of `metrics`' handle types: where [`KindHandles`] holds handles of
/// its type, and how a recorder registers one.
trait Handle: Sized {
    fn slots(handles: &KindHandles) -> &[OnceLock<Self>; METRICS];
    fn register(recorder: &dyn Recorder, key: &Key) -> Self;
}

macro_rules! handle {
    ($($handle:ty => $slots:ident, $register:ident;)*) => {$(
        impl Handle for $handle {
            fn slots(handles: &KindHandles) -> &[OnceLock<Self>; METRICS] {
                &handles.$slots
            }
            fn register(recorder: &dyn Recorder, key: &Key) -> Self {
                recorder.$register(key, &METADATA)
            }
        }
    )*};
}

handle! {
    Counter => counters, register_counter;
    Gauge => gauges, register_gauge;
    Histogram => histograms, register_histogram;
}

/// Where one event's metrics go: the recorder in scope, and the handles
/// held for it if [`describe`] registered them with this very recorder.
struct Sink<'r> {
    recorder: &'r dyn Recorder,
    held: Option<&'static Held>,
}

impl Sink<'_> {
    /// Calls `f` with the sink of the recorder in scope: one look-up of the
    /// recorder per event, however many metrics the event moves.
    #[inline]
    fn with<R>(f: impl FnOnce(&Sink<'_>) -> R) -> R {
        metrics::with_recorder(|recorder| {
            f(&Sink {
                recorder,
                held: held::for_recorder(recorder),
            })
        })
    }

    /// The handles held for containers with `labels`: the OS mapper's,
    /// whose keys are known ahead.
    #[inline]
    fn handles(&self, labels: Labels) -> Option<&'static KindHandles> {
        match labels.mapper {
            OS => self.held.and_then(|held| held.kind(labels.kind)),
            _ => None,
        }
    }

    /// Hands `use_handle` the handle of `metric` for `labels`: the one
    /// held (registered at its first use) for the OS mapper's containers,
    /// else one registered now.
    #[inline]
    fn with_handle<H: Handle>(&self, labels: Labels, metric: Metric, use_handle: impl FnOnce(&H)) {
        let register = |key: &Key| H::register(self.recorder, key);
        match self.handles(labels) {
            Some(handles) => use_handle(
                H::slots(handles)[metric as usize]
                    .get_or_init(|| labels.with_key(metric, register)),
            ),
            None => use_handle(&labels.with_key(metric, register)),
        }
    }

    fn count(&self, labels: Labels, metric: Metric, n: u64) {
        self.with_handle(labels, metric, |counter: &Counter| counter.increment(n));
    }

    fn gauge(&self, labels: Labels, metric: Metric, change: f64) {
        self.with_handle(labels, metric, |gauge: &Gauge| gauge.increment(change));
    }

    fn record(&self, labels: Labels, metric: Metric, value: f64) {
        self.with_handle(labels, metric, |histogram: &Histogram| {
            histogram.record(value)
        });
    }

    /// Sets a gauge without labels of `key`, held in `slot`.
    fn set(&self, slot: Option<&OnceLock<Gauge>>, key: &Key, value: f64) {
        let register = || self.recorder.register_gauge(key, &METADATA);
        match slot {
            Some(slot) => slot.get_or_init(register).set(value),
            None => register().set(value),
        }
    }

    /// Sets the heap bytes gauges, one per kind in
    /// [`Kind::ALL`](super::Kind::ALL)'s order.
    fn heap_bytes(&self, bytes: [u64; KINDS]) {
        for (at, bytes) in bytes.into_iter().enumerate() {
            let slot = self.held.map(|held| &held.heap[at]);
            self.set(slot, &HEAP_KEYS[at], bytes as f64);
        }
    }

    /// Sets the reservation cache's gauge.
    fn cached_bytes(&self, bytes: usize) {
        let slot = self.held.map(|held| &held.cached);
        self.set(slot, &CACHED_KEY, bytes as f64);
    }
}

/// Reports an event: what it counts, and what the container holds after
/// it; at a grow or shrink, the heap bytes of each kind, `heap`, which
/// move between heap and mapping there.
pub(super) fn record(event: &Event<'_>, heap: Option<[u64; KINDS]>) {
    let labels = Labels {
        kind: event.container,
        mapper: event.mapper,
    };
    Sink::with(|sink| {
        match event.error {
            Some(error) => errors(event, error),
            None => counts(sink, event, labels),
        }
        // What the container holds after the event, failed or not (a
        // failed operation changes nothing, but for a release, which
        // abandons the reservation all the same).
        if event.op.owns_its_change() {
            let committed = event.committed_change();
            if committed != 0 {
                sink.gauge(labels, Metric::CommittedBytes, committed as f64);
            }
            let reserved = event.reserved_change();
            if reserved != 0 {
                sink.gauge(labels, Metric::ReservedBytes, reserved as f64);
            }
            let mapped = event.mapping_change();
            if mapped != 0 {
                sink.gauge(labels, Metric::MappedContainers, mapped as f64);
            }
        }
        if let Some(heap) = heap {
            sink.heap_bytes(heap);
        }
    });
}

/// Counts a failed mapper call; an injected failure is counted by
/// `INJECTED_FAULTS_TOTAL` alone.
fn errors(event: &Event<'_>, error: &std::io::Error) {
    if event.op.is_mapper_call() && !crate::failpoints::is_injected(error) {
        let labels = [
            (LABEL_CONTAINER, event.container.as_str()),
            (LABEL_MAPPER, event.mapper),
            (LABEL_OP, event.op.as_str()),
        ];
        counter!(ERRORS_TOTAL, &labels).increment(1);
    }
}

/// Counts a successful operation.
fn counts(sink: &Sink<'_>, event: &Event<'_>, labels: Labels) {
    let count = |metric| sink.count(labels, metric, 1);
    match event.op {
        Op::Commit => {
            count(Metric::Commits);
            sink.count(labels, Metric::CommittedBytesTotal, event.bytes as u64);
            let seconds = event.duration.as_secs_f64();
            sink.record(labels, Metric::CommitSeconds, seconds);
        }
        Op::Decommit => {
            count(Metric::Decommits);
            sink.count(labels, Metric::DecommittedBytesTotal, event.bytes as u64);
            let seconds = event.duration.as_secs_f64();
            sink.record(labels, Metric::DecommitSeconds, seconds);
        }
        Op::Grow => count(Metric::Grows),
        Op::Shrink => count(Metric::Shrinks),
        Op::Park => count(Metric::Parks),
        Op::Reuse => count(Metric::Reuses),
        Op::Populate => count(Metric::Populates),
        Op::Flush => count(Metric::Flushes),
        Op::Reserve | Op::Release | Op::Remap => {}
    }
}

/// Sets the heap bytes gauges, one per kind in
/// [`Kind::ALL`](super::Kind::ALL)'s order (labelled by container only: no
/// mapper is involved), from the threads' counters.
pub(super) fn heap_bytes(bytes: [u64; KINDS]) {
    Sink::with(|sink| sink.heap_bytes(bytes));
}

/// Counts a container that stayed on the heap for want of kernel mappings.
pub(super) fn heap_fallback(container: &'static str, reason: &'static str) {
    counter!(HEAP_FALLBACKS_TOTAL, LABEL_CONTAINER => container, LABEL_REASON => reason)
        .increment(1);
}

/// Counts a mapper call slower than the slow-call threshold.
pub(super) fn slow_call(event: &Event<'_>) {
    let labels = [
        (LABEL_CONTAINER, event.container.as_str()),
        (LABEL_MAPPER, event.mapper),
        (LABEL_OP, event.op.as_str()),
    ];
    counter!(SLOW_CALLS_TOTAL, &labels).increment(1);
}

/// The reservation cache's committed bytes, as a gauge.
pub(super) fn cached_bytes(bytes: usize) {
    Sink::with(|sink| sink.cached_bytes(bytes));
}

/// The kernel-mapping budget, as a gauge.
pub(super) fn budget(mappings: usize) {
    metrics::gauge!(MAPPING_BUDGET).set(mappings as f64);
}

/// Counts a failure a failpoint injected into `op`.
#[cfg(any(feature = "failpoints", feature = "file"))]
pub(super) fn injected(op: &'static str) {
    counter!(INJECTED_FAULTS_TOTAL, LABEL_OP => op).increment(1);
}

pub(super) fn relabel(from: Kind, to: Kind, mapper: &'static str, now: Footprint) {
    Sink::with(|sink| {
        for (kind, sign) in [(from, -1.0), (to, 1.0)] {
            let labels = Labels { kind, mapper };
            if now.committed > 0 {
                sink.gauge(labels, Metric::CommittedBytes, sign * now.committed as f64);
            }
            if now.reserved > 0 {
                sink.gauge(labels, Metric::ReservedBytes, sign * now.reserved as f64);
                sink.gauge(labels, Metric::MappedContainers, sign);
            }
        }
    });
}

pub(super) fn describe(now: super::Reservations) {
    describe_counter!(COMMITS_TOTAL, Unit::Count, "Successful commits of pages");
    describe_counter!(
        DECOMMITS_TOTAL,
        Unit::Count,
        "Successful decommits of pages"
    );
    describe_counter!(
        COMMITTED_BYTES_TOTAL,
        Unit::Bytes,
        "Bytes committed by successful commits"
    );
    describe_counter!(
        DECOMMITTED_BYTES_TOTAL,
        Unit::Bytes,
        "Bytes returned to the OS by successful decommits"
    );
    describe_counter!(GROWS_TOTAL, Unit::Count, "Grow decisions carried out");
    describe_counter!(SHRINKS_TOTAL, Unit::Count, "Shrink decisions carried out");
    describe_counter!(ERRORS_TOTAL, Unit::Count, "Failed mapper calls, by op");
    describe_counter!(
        SLOW_CALLS_TOTAL,
        Unit::Count,
        "Mapper calls slower than the slow-call threshold, by op"
    );
    describe_counter!(
        CACHE_PARKS_TOTAL,
        Unit::Count,
        "Reservations parked in the reservation cache instead of released"
    );
    describe_counter!(
        CACHE_REUSES_TOTAL,
        Unit::Count,
        "Reservations taken from the reservation cache instead of reserved"
    );
    describe_gauge!(
        CACHED_BYTES,
        Unit::Bytes,
        "Committed bytes parked in the reservation cache now (resident, in no container)"
    );
    describe_counter!(
        INJECTED_FAULTS_TOTAL,
        Unit::Count,
        "Failures injected by failpoints, by op"
    );
    describe_counter!(
        POPULATES_TOTAL,
        Unit::Count,
        "Committed ranges faulted in ahead of writes, in one call each"
    );
    describe_gauge!(
        COMMITTED_BYTES,
        Unit::Bytes,
        "Bytes committed now by mapped containers"
    );
    describe_gauge!(
        RESERVED_BYTES,
        Unit::Bytes,
        "Bytes of address space reserved now by mapped containers"
    );
    describe_gauge!(
        HEAP_BYTES,
        Unit::Bytes,
        "Bytes of contents held on the heap now by containers below their heap limit"
    );
    describe_gauge!(
        MAPPED_CONTAINERS,
        Unit::Count,
        "Containers holding a mapping now"
    );
    describe_counter!(
        HEAP_FALLBACKS_TOTAL,
        Unit::Count,
        "Times a container grew on the heap past its limit, by reason: out of kernel mappings, or none on this target"
    );
    describe_gauge!(
        MAPPING_BUDGET,
        Unit::Count,
        "Kernel mappings the guarded reservations of the OS mapper may hold together"
    );
    #[cfg(feature = "file")]
    describe_counter!(
        FILE_FLUSHES_TOTAL,
        Unit::Count,
        "Successful flushes of file vectors: data and length made durable"
    );
    // From here on the OS mapper's containers report through handles held
    // for this recorder, if it is the global one.
    metrics::with_recorder(held::hold);
    budget(now.budget);
    cached_bytes(now.cached_bytes);
    // The series a dashboard or an alert reads exist from here on, at zero,
    // for the OS mapper's containers: errors by mapper call, decommits.
    Sink::with(|sink| {
        for kind in Kind::ALL {
            let labels = Labels { kind, mapper: OS };
            sink.count(labels, Metric::Decommits, 0);
            sink.count(labels, Metric::DecommittedBytesTotal, 0);
            for op in Op::MAPPER_CALLS {
                let labels = [
                    (LABEL_CONTAINER, kind.as_str()),
                    (LABEL_MAPPER, OS),
                    (LABEL_OP, op.as_str()),
                ];
                counter!(ERRORS_TOTAL, &labels).increment(0);
            }
        }
    });
    describe_histogram!(
        COMMIT_SECONDS,
        Unit::Seconds,
        "Time spent in the mapper's commit call"
    );
    describe_histogram!(
        DECOMMIT_SECONDS,
        Unit::Seconds,
        "Time spent in the mapper's decommit call"
    );
}
