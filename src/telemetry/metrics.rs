//! Events as `metrics` counters, gauges and histograms.
//!
//! Handles are looked up per event rather than cached: these paths call the
//! OS anyway, and a cached handle would keep reporting to whatever recorder
//! was installed when it was made.

use super::names::*;
use super::{Event, Footprint, Op};
use metrics::{
    counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Key, Label,
    Level, Metadata, Unit,
};

pub(super) fn record(event: &Event<'_>) {
    let labels = [
        (LABEL_CONTAINER, event.container),
        (LABEL_MAPPER, event.mapper),
    ];
    if event.error.is_some() {
        if event.op.is_mapper_call() {
            counter!(
                ERRORS_TOTAL,
                &[labels[0], labels[1], (LABEL_OP, event.op.as_str())]
            )
            .increment(1);
        }
        return;
    }
    let seconds = event.duration.as_secs_f64();
    match event.op {
        Op::Commit => {
            counter!(COMMITS_TOTAL, &labels).increment(1);
            counter!(COMMITTED_BYTES_TOTAL, &labels).increment(event.bytes as u64);
            histogram!(COMMIT_SECONDS, &labels).record(seconds);
        }
        Op::Decommit => {
            counter!(DECOMMITS_TOTAL, &labels).increment(1);
            counter!(DECOMMITTED_BYTES_TOTAL, &labels).increment(event.bytes as u64);
            histogram!(DECOMMIT_SECONDS, &labels).record(seconds);
        }
        Op::Grow => counter!(GROWS_TOTAL, &labels).increment(1),
        Op::Shrink => counter!(SHRINKS_TOTAL, &labels).increment(1),
        Op::Park => counter!(CACHE_PARKS_TOTAL, &labels).increment(1),
        Op::Reuse => counter!(CACHE_REUSES_TOTAL, &labels).increment(1),
        Op::Populate => counter!(POPULATES_TOTAL, &labels).increment(1),
        Op::Reserve | Op::Release | Op::Remap => {}
    }
    if event.op.owns_its_change() {
        let committed = event.committed_change();
        if committed != 0 {
            gauge!(COMMITTED_BYTES, &labels).increment(committed as f64);
        }
        let reserved = event.reserved_change();
        if reserved != 0 {
            gauge!(RESERVED_BYTES, &labels).increment(reserved as f64);
        }
        let mapped = event.mapping_change();
        if mapped != 0 {
            gauge!(MAPPED_CONTAINERS, &labels).increment(mapped as f64);
        }
    }
}

static VECTOR_LABELS: [Label; 1] = [Label::from_static_parts(LABEL_CONTAINER, CONTAINER_VECTOR)];
static QUEUE_LABELS: [Label; 1] = [Label::from_static_parts(LABEL_CONTAINER, CONTAINER_QUEUE)];
static HEAP_VECTOR: Key = Key::from_static_parts(HEAP_BYTES, &VECTOR_LABELS);
static HEAP_QUEUE: Key = Key::from_static_parts(HEAP_BYTES, &QUEUE_LABELS);
static HEAP_METADATA: Metadata<'static> =
    Metadata::new(module_path!(), Level::INFO, Some(module_path!()));

/// Moves the heap bytes gauge. Heap allocations are far more frequent than
/// mapper calls (a short-lived container makes several), so the key is
/// built once, not per call as `gauge!` would.
pub(super) fn heap_resized(container: &'static str, from: usize, to: usize) {
    let key = if container == CONTAINER_QUEUE {
        &HEAP_QUEUE
    } else {
        &HEAP_VECTOR
    };
    let change = to as f64 - from as f64;
    metrics::with_recorder(|recorder| {
        recorder
            .register_gauge(key, &HEAP_METADATA)
            .increment(change)
    });
}

pub(super) fn relabel(from: &'static str, to: &'static str, mapper: &'static str, now: Footprint) {
    for (container, sign) in [(from, -1.0), (to, 1.0)] {
        let labels = [(LABEL_CONTAINER, container), (LABEL_MAPPER, mapper)];
        if now.committed > 0 {
            gauge!(COMMITTED_BYTES, &labels).increment(sign * now.committed as f64);
        }
        if now.reserved > 0 {
            gauge!(RESERVED_BYTES, &labels).increment(sign * now.reserved as f64);
            gauge!(MAPPED_CONTAINERS, &labels).increment(sign);
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
