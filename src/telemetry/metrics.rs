//! Events as `metrics` counters, gauges and histograms.
//!
//! Handles are looked up per event rather than cached: a cached handle
//! would keep reporting to whatever recorder was installed when it was
//! made. The keys of the OS mapper's containers (nearly every event) are
//! static, so an event builds no label list: a short-lived container's
//! few events (a reuse, a grow, a park) cost little more than the
//! recorder's own lookups.

use super::names::*;
use super::{Event, Footprint, Op};
use metrics::{
    counter, describe_counter, describe_gauge, describe_histogram, Key, Label, Level, Metadata,
    Unit,
};

/// The `mapper` label of [`OsMapper`](crate::OsMapper).
const OS: &str = "os";

static VECTOR_OS: [Label; 2] = [
    Label::from_static_parts(LABEL_CONTAINER, CONTAINER_VECTOR),
    Label::from_static_parts(LABEL_MAPPER, OS),
];
static QUEUE_OS: [Label; 2] = [
    Label::from_static_parts(LABEL_CONTAINER, CONTAINER_QUEUE),
    Label::from_static_parts(LABEL_MAPPER, OS),
];
static VECTOR_ONLY: [Label; 1] = [Label::from_static_parts(LABEL_CONTAINER, CONTAINER_VECTOR)];
static QUEUE_ONLY: [Label; 1] = [Label::from_static_parts(LABEL_CONTAINER, CONTAINER_QUEUE)];
static HEAP_VECTOR: Key = Key::from_static_parts(HEAP_BYTES, &VECTOR_ONLY);
static HEAP_QUEUE: Key = Key::from_static_parts(HEAP_BYTES, &QUEUE_ONLY);
static METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// The `container` and `mapper` labels of one container's events.
#[derive(Clone, Copy)]
struct Labels {
    container: &'static str,
    mapper: &'static str,
}

impl Labels {
    /// The key of metric `name` with these labels: static for the OS
    /// mapper's containers, built for any other mapper.
    fn key(self, name: &'static str) -> Key {
        match (self.mapper, self.container) {
            (OS, CONTAINER_VECTOR) => Key::from_static_parts(name, &VECTOR_OS),
            (OS, CONTAINER_QUEUE) => Key::from_static_parts(name, &QUEUE_OS),
            _ => Key::from_parts(
                name,
                vec![
                    Label::from_static_parts(LABEL_CONTAINER, self.container),
                    Label::from_static_parts(LABEL_MAPPER, self.mapper),
                ],
            ),
        }
    }

    fn count(self, name: &'static str, n: u64) {
        let key = self.key(name);
        metrics::with_recorder(|r| r.register_counter(&key, &METADATA).increment(n));
    }

    fn gauge(self, name: &'static str, change: f64) {
        let key = self.key(name);
        metrics::with_recorder(|r| r.register_gauge(&key, &METADATA).increment(change));
    }

    fn record(self, name: &'static str, value: f64) {
        let key = self.key(name);
        metrics::with_recorder(|r| r.register_histogram(&key, &METADATA).record(value));
    }
}

pub(super) fn record(event: &Event<'_>) {
    if event.error.is_some() {
        if event.op.is_mapper_call() {
            let labels = [
                (LABEL_CONTAINER, event.container),
                (LABEL_MAPPER, event.mapper),
                (LABEL_OP, event.op.as_str()),
            ];
            counter!(ERRORS_TOTAL, &labels).increment(1);
        }
        return;
    }
    let labels = Labels {
        container: event.container,
        mapper: event.mapper,
    };
    match event.op {
        Op::Commit => {
            labels.count(COMMITS_TOTAL, 1);
            labels.count(COMMITTED_BYTES_TOTAL, event.bytes as u64);
            labels.record(COMMIT_SECONDS, event.duration.as_secs_f64());
        }
        Op::Decommit => {
            labels.count(DECOMMITS_TOTAL, 1);
            labels.count(DECOMMITTED_BYTES_TOTAL, event.bytes as u64);
            labels.record(DECOMMIT_SECONDS, event.duration.as_secs_f64());
        }
        Op::Grow => labels.count(GROWS_TOTAL, 1),
        Op::Shrink => labels.count(SHRINKS_TOTAL, 1),
        Op::Park => labels.count(CACHE_PARKS_TOTAL, 1),
        Op::Reuse => labels.count(CACHE_REUSES_TOTAL, 1),
        Op::Populate => labels.count(POPULATES_TOTAL, 1),
        Op::Reserve | Op::Release | Op::Remap => {}
    }
    if event.op.owns_its_change() {
        let committed = event.committed_change();
        if committed != 0 {
            labels.gauge(COMMITTED_BYTES, committed as f64);
        }
        let reserved = event.reserved_change();
        if reserved != 0 {
            labels.gauge(RESERVED_BYTES, reserved as f64);
        }
        let mapped = event.mapping_change();
        if mapped != 0 {
            labels.gauge(MAPPED_CONTAINERS, mapped as f64);
        }
    }
}

/// Moves the heap bytes gauge (labelled by container only: no mapper is
/// involved). Heap allocations are far more frequent than mapper calls (a
/// short-lived container makes several), so the key is static.
pub(super) fn heap_resized(container: &'static str, from: usize, to: usize) {
    let key = if container == CONTAINER_QUEUE {
        &HEAP_QUEUE
    } else {
        &HEAP_VECTOR
    };
    let change = to as f64 - from as f64;
    metrics::with_recorder(|r| r.register_gauge(key, &METADATA).increment(change));
}

pub(super) fn relabel(from: &'static str, to: &'static str, mapper: &'static str, now: Footprint) {
    for (container, sign) in [(from, -1.0), (to, 1.0)] {
        let labels = Labels { container, mapper };
        if now.committed > 0 {
            labels.gauge(COMMITTED_BYTES, sign * now.committed as f64);
        }
        if now.reserved > 0 {
            labels.gauge(RESERVED_BYTES, sign * now.reserved as f64);
            labels.gauge(MAPPED_CONTAINERS, sign);
        }
    }
}

pub(super) fn describe() {
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
