//! Metrics through the process's global recorder, after
//! `describe_metrics()`: the OS mapper's containers then report through
//! handles held for that recorder instead of a registry look-up per event.
//! Alone in its binary, because a global recorder is installed once per
//! process and stays.
//!
//! The workload's figures are fixed by the documented policy: a vector of
//! `u64` extended by 1 MiB at once moves into a mapping with exactly 1 MiB
//! committed (one reservation, one commit, one populate, one grow), and
//! dropped, parks its reservation in the (test's own, empty) cache. The
//! same figures must reach a recorder the thread sets for itself, and then
//! none of them the global one.
#![cfg(all(feature = "metrics", not(mapped_no_mmap)))]

use mapped::telemetry::names::*;
use mapped::{MappedVector, MAPPER};
use mapped_testkit::metrics::{counter, gauge, histogram_len, snapshot};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use std::collections::BTreeMap;

const MIB: u64 = 1 << 20;
const OS_VECTOR: &str = "container=vector,mapper=os";

/// Extends a fresh vector by 1 MiB of `u64`s at once, then drops it.
fn workload() {
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    v.extend_from_slice(&[7; (MIB / 8) as usize]).unwrap();
    assert_eq!(v.committed_bytes() as u64, MIB);
    drop(v);
}

/// Checks what one run of [`workload`] reported, from a snapshot taken
/// just after it (the snapshot holds what accumulated since the last one).
fn check_one_run(snap: &BTreeMap<String, DebugValue>, recorder: &str) {
    let count = |name: &str| counter(snap, &format!("{name}{{{OS_VECTOR}}}"));
    let gauge = |name: &str| gauge(snap, &format!("{name}{{{OS_VECTOR}}}"));
    let context = format!("{recorder} recorder: {snap:#?}");
    assert_eq!(count(GROWS_TOTAL), 1, "{context}");
    assert_eq!(count(COMMITS_TOTAL), 1, "{context}");
    assert_eq!(count(COMMITTED_BYTES_TOTAL), MIB, "{context}");
    assert_eq!(count(CACHE_PARKS_TOTAL), 1, "{context}");
    assert_eq!(count(CACHE_REUSES_TOTAL), 0, "{context}");
    assert_eq!(count(DECOMMITS_TOTAL), 0, "{context}");
    let commit_seconds = format!("{COMMIT_SECONDS}{{{OS_VECTOR}}}");
    assert_eq!(histogram_len(snap, &commit_seconds), 1, "{context}");
    // Held, then given back to the cache: the gauges end where they began.
    assert_eq!(gauge(COMMITTED_BYTES), 0.0, "{context}");
    assert_eq!(gauge(RESERVED_BYTES), 0.0, "{context}");
    assert_eq!(gauge(MAPPED_CONTAINERS), 0.0, "{context}");
    assert_eq!(
        mapped_testkit::metrics::gauge(snap, &format!("{CACHED_BYTES}{{}}")),
        MIB as f64,
        "{context}"
    );
}

/// Whether a snapshot moved no series of the OS mapper's vectors.
fn nothing_for_os_vectors(snapshotter: &Snapshotter) -> Result<(), String> {
    let snap = snapshot(snapshotter);
    let moved: Vec<_> = snap
        .iter()
        .filter(|(key, value)| {
            key.contains(OS_VECTOR)
                && match value {
                    DebugValue::Counter(n) => *n != 0,
                    DebugValue::Gauge(g) => g.into_inner() != 0.0,
                    DebugValue::Histogram(h) => !h.is_empty(),
                }
        })
        .collect();
    match moved.is_empty() {
        true => Ok(()),
        false => Err(format!("{moved:#?}")),
    }
}

#[test]
fn held_handles_report_to_the_global_recorder_and_never_to_another() {
    let global = DebuggingRecorder::new();
    let global_snapshots = global.snapshotter();
    global.install().expect("the only recorder of this binary");
    mapped::describe_metrics();
    // What describe_metrics made at zero.
    nothing_for_os_vectors(&global_snapshots).unwrap();

    // Through the held handles.
    {
        let _isolated = mapped_testkit::isolate();
        workload();
        check_one_run(&snapshot(&global_snapshots), "global");
    }

    // A recorder of this thread's own sees the same, and the global one
    // nothing of it.
    {
        let _isolated = mapped_testkit::isolate();
        let local = DebuggingRecorder::new();
        let local_snapshots = local.snapshotter();
        metrics::with_local_recorder(&local, workload);
        check_one_run(&snapshot(&local_snapshots), "local");
        nothing_for_os_vectors(&global_snapshots)
            .unwrap_or_else(|moved| panic!("the global recorder saw a local run: {moved}"));
    }

    // And the held handles still count, once the local recorder is gone.
    {
        let _isolated = mapped_testkit::isolate();
        workload();
        check_one_run(&snapshot(&global_snapshots), "global, again");
    }
}
