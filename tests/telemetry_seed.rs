//! The seed scenario (10k push, pop all, 10k push) counted exactly by
//! metrics and by an observer. Alone in its binary: no other test's vector
//! can park a reservation in the process-wide cache that this one would
//! reuse, which would change the counts.
#![cfg(feature = "metrics")]

use mapped::telemetry::names::*;
use mapped::{MappedVector, Mapper, Op, MAPPER};
use mapped_testkit::metrics::Totals;
use mapped_testkit::Recording;
use metrics_util::debugging::DebuggingRecorder;
use std::sync::Arc;

const VEC: &str = "container=vector,mapper=os";

/// The policy's arithmetic for u64 on 4 KiB pages, by hand:
/// push 10k: commits 4, 8, 16, 32, 64, 128 KiB (6 grows, 131072 bytes);
/// pop all: shrinks to 64, 32, 16, 8, 4 KiB (5 shrinks, 126976 bytes back);
/// push 10k: 5 grows back to 128 KiB (126976 bytes).
/// Each fill populates the pages of its two largest grows, 32-64 and
/// 64-128 KiB, ahead of the pushes (smaller ranges are left to fault):
/// 4 populates of 196608 bytes in all.
/// (Histograms count samples.)
#[test]
fn seed_scenario_counts_exactly() {
    assert_eq!(
        MAPPER.page_size(),
        4096,
        "the expected figures below are for 4 KiB pages"
    );
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let events = Arc::new(Recording::default());
    let reserved = metrics::with_local_recorder(&recorder, || {
        // Heap limit 0: every byte through the mapper, so each figure below
        // counts mapper calls alone. (The heap front's moves are counted
        // in `heap_front.rs`.)
        let mut v: MappedVector<u64, 1> = MappedVector::builder(MAPPER)
            .heap_limit(0)
            .observer(events.clone())
            .build()
            .unwrap();
        for i in 0..10_000 {
            v.push(i).unwrap();
        }
        for _ in 0..10_000 {
            v.pop();
        }
        for i in 0..10_000 {
            v.push(i).unwrap();
        }
        let reserved = v.reserved_bytes();
        let mut totals = Totals::default();
        totals.update(&snapshotter);
        assert_eq!(
            totals.get(&format!("{COMMITS_TOTAL}{{{VEC}}}")),
            (11) as f64
        );
        assert_eq!(totals.get(&format!("{GROWS_TOTAL}{{{VEC}}}")), (11) as f64);
        assert_eq!(
            totals.get(&format!("{COMMITTED_BYTES_TOTAL}{{{VEC}}}")),
            (131072 + 126976) as f64
        );
        assert_eq!(
            totals.get(&format!("{DECOMMITS_TOTAL}{{{VEC}}}")),
            (5) as f64
        );
        assert_eq!(totals.get(&format!("{SHRINKS_TOTAL}{{{VEC}}}")), (5) as f64);
        assert_eq!(totals.get(&format!("{POPULATES_TOTAL}{{{VEC}}}")), 4.0);
        assert_eq!(
            totals.get(&format!("{DECOMMITTED_BYTES_TOTAL}{{{VEC}}}")),
            (126976) as f64
        );
        assert_eq!(
            totals.get(&format!("{ERRORS_TOTAL}{{{VEC},op=commit}}")),
            (0) as f64
        );
        assert_eq!(
            totals.get(&format!("{COMMIT_SECONDS}{{{VEC}}}")),
            (11) as f64
        );
        assert_eq!(
            totals.get(&format!("{DECOMMIT_SECONDS}{{{VEC}}}")),
            (5) as f64
        );
        // The gauges hold what is alive.
        assert_eq!(v.committed_bytes(), 131072);
        assert_eq!(totals.get(&format!("{COMMITTED_BYTES}{{{VEC}}}")), 131072.0);
        assert_eq!(
            totals.get(&format!("{RESERVED_BYTES}{{{VEC}}}")),
            reserved as f64
        );
        drop(v);
        // 128 KiB committed at the drop: small enough to be parked for
        // reuse. The gauges count live containers; the parked reservation
        // is the cache's (`stats().cached_bytes`) until trimmed.
        totals.update(&snapshotter);
        assert_eq!(totals.get(&format!("{COMMITTED_BYTES}{{{VEC}}}")), 0.0);
        assert_eq!(totals.get(&format!("{RESERVED_BYTES}{{{VEC}}}")), 0.0);
        assert_eq!(totals.get(&format!("{CACHE_PARKS_TOTAL}{{{VEC}}}")), 1.0);
        assert_eq!(mapped::stats().cached_bytes, 131072);
        assert_eq!(mapped::trim_cache(), 131072);
        assert_eq!(mapped::stats().cached_bytes, 0);
        reserved
    });
    assert!(reserved >= 131072);

    // The hook saw the same events the metrics counted, in order.
    let events = events.0.lock().unwrap();
    let count = |op: Op| events.iter().filter(|e| e.op == op && e.ok).count();
    assert_eq!(count(Op::Commit), 11);
    assert_eq!(count(Op::Grow), 11);
    assert_eq!(count(Op::Decommit), 5);
    assert_eq!(count(Op::Shrink), 5);
    assert_eq!(count(Op::Reserve), 1);
    assert_eq!(count(Op::Park), 1);
    assert_eq!(count(Op::Release), 0);
    assert_eq!(count(Op::Populate), 4);
    let populated: usize = events
        .iter()
        .filter(|e| e.op == Op::Populate)
        .map(|e| e.bytes)
        .sum();
    assert_eq!(populated, 2 * (32768 + 65536));
    let committed: usize = events
        .iter()
        .filter(|e| e.op == Op::Commit)
        .map(|e| e.bytes)
        .sum();
    assert_eq!(committed, 131072 + 126976);
    let decommitted: usize = events
        .iter()
        .filter(|e| e.op == Op::Decommit)
        .map(|e| e.bytes)
        .sum();
    assert_eq!(decommitted, 126976);
    // Each grow reports after the commit inside it (and the populate that
    // follows the commit, if any), each shrink after its decommit.
    let ops: Vec<Op> = events.iter().map(|e| e.op).collect();
    assert_eq!(&ops[..3], &[Op::Reserve, Op::Commit, Op::Grow]);
    assert_eq!(ops.last(), Some(&Op::Park));
    for triple in ops.windows(3) {
        if triple[2] == Op::Grow && triple[1] == Op::Populate {
            assert_eq!(triple[0], Op::Commit);
        }
    }
    for pair in ops.windows(2) {
        if pair[1] == Op::Grow {
            assert!(matches!(pair[0], Op::Commit | Op::Populate), "{ops:?}");
        }
        if pair[1] == Op::Populate {
            assert_eq!(pair[0], Op::Commit, "{ops:?}");
        }
        if pair[1] == Op::Shrink {
            assert_eq!(pair[0], Op::Decommit);
        }
    }
}
