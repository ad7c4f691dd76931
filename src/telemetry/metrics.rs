//! Events as `metrics` counters, gauges and histograms.
//!
//! Handles are looked up per event rather than cached: a cached handle
//! would keep reporting to whatever recorder was installed when it was
//! made. The keys of the OS mapper's containers (nearly every event) are
//! statics, made and hashed at compile time, so an event builds no key: a
//! short-lived container's few events (a reuse, a grow, a park) cost
//! little more than the recorder's own lookups.

use super::names::*;
use super::{Event, Footprint, Op, KINDS};
use metrics::{
    counter, describe_counter, describe_gauge, describe_histogram, Key, Label, Level, Metadata,
    Unit,
};

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
        enum Metric {
            $($metric,)*
        }

        impl Metric {
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

/// The `container` and `mapper` labels of one container's events.
#[derive(Clone, Copy)]
struct Labels {
    container: &'static str,
    mapper: &'static str,
}

impl Labels {
    /// Calls `f` with the key of `metric` under these labels: a static one
    /// for the OS mapper's containers, one built now for any other mapper.
    fn with_key<R>(self, metric: Metric, f: impl FnOnce(&Key) -> R) -> R {
        match (self.mapper, self.container) {
            (OS, CONTAINER_VECTOR) => f(&VECTOR_OS_KEYS[metric as usize]),
            (OS, CONTAINER_QUEUE) => f(&QUEUE_OS_KEYS[metric as usize]),
            (OS, CONTAINER_BYTES) => f(&BYTES_OS_KEYS[metric as usize]),
            _ => f(&Key::from_parts(
                metric.name(),
                vec![
                    Label::from_static_parts(LABEL_CONTAINER, self.container),
                    Label::from_static_parts(LABEL_MAPPER, self.mapper),
                ],
            )),
        }
    }

    fn count(self, metric: Metric, n: u64) {
        self.with_key(metric, |key| {
            metrics::with_recorder(|r| r.register_counter(key, &METADATA).increment(n))
        });
    }

    fn gauge(self, metric: Metric, change: f64) {
        self.with_key(metric, |key| {
            metrics::with_recorder(|r| r.register_gauge(key, &METADATA).increment(change))
        });
    }

    fn record(self, metric: Metric, value: f64) {
        self.with_key(metric, |key| {
            metrics::with_recorder(|r| r.register_histogram(key, &METADATA).record(value))
        });
    }
}

pub(super) fn record(event: &Event<'_>) {
    let labels = Labels {
        container: event.container.as_str(),
        mapper: event.mapper,
    };
    match event.error {
        Some(error) => errors(event, error),
        None => counts(event, labels),
    }
    // What the container holds after the event, failed or not (a failed
    // operation changes nothing, but for a release, which abandons the
    // reservation all the same).
    if event.op.owns_its_change() {
        let committed = event.committed_change();
        if committed != 0 {
            labels.gauge(Metric::CommittedBytes, committed as f64);
        }
        let reserved = event.reserved_change();
        if reserved != 0 {
            labels.gauge(Metric::ReservedBytes, reserved as f64);
        }
        let mapped = event.mapping_change();
        if mapped != 0 {
            labels.gauge(Metric::MappedContainers, mapped as f64);
        }
    }
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
fn counts(event: &Event<'_>, labels: Labels) {
    match event.op {
        Op::Commit => {
            labels.count(Metric::Commits, 1);
            labels.count(Metric::CommittedBytesTotal, event.bytes as u64);
            labels.record(Metric::CommitSeconds, event.duration.as_secs_f64());
        }
        Op::Decommit => {
            labels.count(Metric::Decommits, 1);
            labels.count(Metric::DecommittedBytesTotal, event.bytes as u64);
            labels.record(Metric::DecommitSeconds, event.duration.as_secs_f64());
        }
        Op::Grow => labels.count(Metric::Grows, 1),
        Op::Shrink => labels.count(Metric::Shrinks, 1),
        Op::Park => labels.count(Metric::Parks, 1),
        Op::Reuse => labels.count(Metric::Reuses, 1),
        Op::Populate => labels.count(Metric::Populates, 1),
        Op::Flush => labels.count(Metric::Flushes, 1),
        Op::Reserve | Op::Release | Op::Remap => {}
    }
}

/// Sets the heap bytes gauges, one per kind in
/// [`Kind::ALL`](super::Kind::ALL)'s order (labelled by container only: no
/// mapper is involved), from the threads' counters.
pub(super) fn heap_bytes(bytes: [u64; KINDS]) {
    metrics::with_recorder(|r| {
        for (key, bytes) in HEAP_KEYS.iter().zip(bytes) {
            r.register_gauge(key, &METADATA).set(bytes as f64);
        }
    });
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
    // A static key: this runs at every park and reuse.
    static KEY: Key = Key::from_static_name(CACHED_BYTES);
    metrics::with_recorder(|r| r.register_gauge(&KEY, &METADATA).set(bytes as f64));
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

pub(super) fn relabel(from: &'static str, to: &'static str, mapper: &'static str, now: Footprint) {
    for (container, sign) in [(from, -1.0), (to, 1.0)] {
        let labels = Labels { container, mapper };
        if now.committed > 0 {
            labels.gauge(Metric::CommittedBytes, sign * now.committed as f64);
        }
        if now.reserved > 0 {
            labels.gauge(Metric::ReservedBytes, sign * now.reserved as f64);
            labels.gauge(Metric::MappedContainers, sign);
        }
    }
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
    budget(now.budget);
    cached_bytes(now.cached_bytes);
    // The series a dashboard or an alert reads exist from here on, at zero,
    // for the OS mapper's containers: errors by mapper call, decommits.
    let containers = [
        CONTAINER_VECTOR,
        CONTAINER_QUEUE,
        #[cfg(feature = "bytes")]
        CONTAINER_BYTES,
    ];
    for container in containers {
        let labels = Labels {
            container,
            mapper: OS,
        };
        labels.count(Metric::Decommits, 0);
        labels.count(Metric::DecommittedBytesTotal, 0);
        for op in Op::MAPPER_CALLS {
            let labels = [
                (LABEL_CONTAINER, container),
                (LABEL_MAPPER, OS),
                (LABEL_OP, op.as_str()),
            ];
            counter!(ERRORS_TOTAL, &labels).increment(0);
        }
    }
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
