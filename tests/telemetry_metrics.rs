//! Metrics and observer events, with a thread-local `DebuggingRecorder` so no
//! recorder leaks between tests. (The exactly counted seed scenario is in
//! `telemetry_seed.rs`, alone in its binary.)
#![cfg(feature = "metrics")]

use mapped::telemetry::names::*;
use mapped::{MappedQueue, MappedVector, MAPPER};
use mapped_mock::os_mapper;
use mapped_testkit::metrics::{counter, snapshot};
use mapped_testkit::Recording;
use mapped_testkit::TestMapper;
use metrics_util::debugging::DebuggingRecorder;
use std::collections::BTreeMap;
use std::sync::Arc;

#[test]
fn refused_commit_counts_an_error_and_no_grow() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let mapper = Arc::new(TestMapper::new("refusing"));
    metrics::with_local_recorder(&recorder, || {
        let mut v: MappedVector<u64> = MappedVector::builder(mapper.clone())
            .heap_limit(0)
            .build()
            .unwrap();
        v.push(1).unwrap();
        mapper.deny_commits(true);
        let fill = v.capacity() - v.len();
        for i in 0..fill {
            v.push(i as u64).unwrap();
        }
        let err = v.push(99).unwrap_err();
        assert_eq!(err.into_value(), 99);
        let snap = snapshot(&snapshotter);
        let labels = "container=vector,mapper=refusing";
        assert_eq!(
            counter(&snap, &format!("{ERRORS_TOTAL}{{{labels},op=commit}}")),
            1
        );
        assert_eq!(
            counter(&snap, &format!("{GROWS_TOTAL}{{{labels}}}")),
            1,
            "only the first grow succeeded"
        );
        assert_eq!(counter(&snap, &format!("{COMMITS_TOTAL}{{{labels}}}")), 1);
    });
}

#[test]
fn queue_storage_is_labelled_queue() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    // A mapper of its own: the cache never serves it, so the queue starts
    // from nothing whatever other tests in this binary parked.
    let mapper = Arc::new(TestMapper::new("queue-labels"));
    metrics::with_local_recorder(&recorder, || {
        let mut q: MappedQueue<u64> = MappedQueue::new(mapper.clone());
        for i in 0..10_000 {
            q.push(i).unwrap();
        }
        while q.pop().is_some() {}
        let snap = snapshot(&snapshotter);
        let queue = "container=queue,mapper=queue-labels";
        let vector = "container=vector,mapper=queue-labels";
        assert!(counter(&snap, &format!("{GROWS_TOTAL}{{{queue}}}")) > 1);
        assert!(counter(&snap, &format!("{SHRINKS_TOTAL}{{{queue}}}")) > 1);
        assert_eq!(counter(&snap, &format!("{GROWS_TOTAL}{{{vector}}}")), 0);
    });
}

#[test]
fn describe_metrics_registers_units() {
    // A cache of its own: the push reserves and commits, rather than reuse
    // what another test parked.
    let _isolated = mapped_testkit::isolate();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        mapped::describe_metrics();
        let mut v: MappedVector<u8> = MappedVector::builder(os_mapper())
            .heap_limit(0)
            .build()
            .unwrap();
        v.push(1).unwrap();
        v.clear();
    });
    let units: BTreeMap<String, Option<metrics::Unit>> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, unit, _, _)| (key.key().name().to_string(), unit))
        .collect();
    assert_eq!(units[COMMITS_TOTAL], Some(metrics::Unit::Count));
    assert_eq!(units[COMMITTED_BYTES_TOTAL], Some(metrics::Unit::Bytes));
    assert_eq!(units[COMMIT_SECONDS], Some(metrics::Unit::Seconds));
    assert_eq!(units[COMMITTED_BYTES], Some(metrics::Unit::Bytes));
}

#[test]
fn named_container_reports_its_name_to_observers_not_labels() {
    let _isolated = mapped_testkit::isolate();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let events = Arc::new(Recording::default());
    metrics::with_local_recorder(&recorder, || {
        let mut v: MappedVector<u64> = MappedVector::builder(os_mapper())
            .name("ingest-buffer")
            .heap_limit(0)
            .observer(events.clone())
            .build()
            .unwrap();
        v.push(1).unwrap();
    });
    let events = events.0.lock().unwrap();
    assert!(!events.is_empty());
    assert!(events
        .iter()
        .all(|e| e.name.as_deref() == Some("ingest-buffer")));
    for key in snapshot(&snapshotter).keys() {
        assert!(
            !key.contains("ingest-buffer"),
            "a name became a label: {key}"
        );
    }
}

#[test]
fn stats_without_a_recorder() {
    let _isolated = mapped_testkit::isolate();
    let before = mapped::stats();
    let mut v: MappedVector<u64> = MappedVector::new(os_mapper());
    // 8 MB: more than any reservation the cache hands out comes with, so
    // this vector commits whatever other tests parked.
    for i in 0..1_000_000 {
        v.push(i).unwrap();
    }
    let mapped_now = mapped::stats();
    assert!(mapped_now.reserved_bytes > 0 && mapped_now.mapped_containers > 0);
    // Sparse but still far past the heap limit: it decommits, and stays
    // mapped (a clear would give the whole mapping back instead).
    v.truncate(100_000);
    let after = mapped::stats();
    // Other tests run alongside; counters only grow.
    assert!(after.commits > before.commits);
    assert!(after.decommits > before.decommits);
    assert!(after.grows > before.grows && after.shrinks > before.shrinks);
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so no series of mapper=os exists"
)]
fn a_vector_becoming_a_queue_moves_its_memory_to_the_queue_label() {
    let _isolated = mapped_testkit::isolate();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
        v.extend(0..100_000u64);
        let (committed, reserved) = (v.committed_bytes() as f64, v.reserved_bytes() as f64);
        let q = MappedQueue::from(v);
        let snap = snapshot(&snapshotter);
        let gauge = |key: &str| match snap.get(key) {
            Some(metrics_util::debugging::DebugValue::Gauge(g)) => g.into_inner(),
            other => panic!("{key}: {other:?}"),
        };
        assert_eq!(
            gauge(&format!("{COMMITTED_BYTES}{{container=vector,mapper=os}}")),
            0.0
        );
        assert_eq!(
            gauge(&format!("{COMMITTED_BYTES}{{container=queue,mapper=os}}")),
            committed
        );
        assert_eq!(
            gauge(&format!("{RESERVED_BYTES}{{container=vector,mapper=os}}")),
            0.0
        );
        assert_eq!(
            gauge(&format!("{RESERVED_BYTES}{{container=queue,mapper=os}}")),
            reserved
        );
        drop(q);
    });
}

/// Each counter moves by exactly the calls the mapper saw: the mock counts
/// them on its side, the metrics on theirs, under a random workload that
/// grows, shrinks, moves between heap and mapping, and is refused.
#[test]
fn counters_move_by_exactly_the_calls_the_mapper_saw() {
    use rand::{Rng, SeedableRng};
    let seed = mapped_testkit::seeds(77, 1)[0];
    let _seed = mapped_testkit::SeedOnFailure::new("counters_move_by_exactly_the_calls", seed);
    let mock = mapped_mock::FaultyMapper::builder()
        .seed(seed)
        .poison(true)
        .deny_commits(0.05)
        .fail_decommits(0.05)
        // Whatever the seed: a refused commit and a failed decommit.
        .deny_commit_on(3)
        .fail_decommit_on(2)
        .build_arc();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut v: MappedVector<u64> = MappedVector::new(mock.clone());
        for _ in 0..300 {
            if rng.random_bool(0.5) {
                let _ = v.try_extend(0..rng.random_range(0..5000u64));
            } else {
                v.truncate(rng.random_range(0..=v.len()));
            }
        }
        drop(v);
    });
    let snap = snapshot(&snapshotter);
    let s = mock.stats();
    let labels = format!("container=vector,mapper={}", mapped::Mapper::name(&*mock));
    let count = |name: &str| counter(&snap, &format!("{name}{{{labels}}}"));
    let errors = |op: &str| counter(&snap, &format!("{ERRORS_TOTAL}{{{labels},op={op}}}"));
    assert!(
        s.denied_commits > 0 && s.failed_decommits > 0,
        "seed {seed}: {s:?}"
    );
    assert_eq!(count(COMMITS_TOTAL), s.commits, "seed {seed}");
    assert_eq!(count(DECOMMITS_TOTAL), s.decommits, "seed {seed}");
    assert_eq!(count(POPULATES_TOTAL), s.populates, "seed {seed}");
    assert_eq!(errors("commit"), s.denied_commits, "seed {seed}");
    assert_eq!(errors("decommit"), s.failed_decommits, "seed {seed}");
    assert_eq!(
        count(COMMITTED_BYTES_TOTAL),
        s.committed_pages * mapped::Mapper::page_size(&*mock) as u64,
        "seed {seed}"
    );
    assert_eq!(
        count(DECOMMITTED_BYTES_TOTAL),
        s.decommitted_pages * mapped::Mapper::page_size(&*mock) as u64,
        "seed {seed}"
    );
}
