//! The seed scenario (10k push, pop all, 10k push) counted exactly by
//! metrics and by an observer. Alone in its binary: no other test's vector
//! can park a reservation in the process-wide cache that this one would
//! reuse, which would change the counts.
//!
//! Not built with `--cfg mapped_no_mmap`: a vector on `MAPPER` maps
//! nothing there, and this counts its mapper calls.
#![cfg(all(feature = "metrics", not(mapped_no_mmap)))]

use mapped::telemetry::names::*;
use mapped::{MappedVector, Mapper, Op, MAPPER};
use mapped_mock::OS_POPULATES;
use mapped_testkit::metrics::Totals;
use mapped_testkit::Recording;
use metrics_util::debugging::DebuggingRecorder;
use std::sync::Arc;

const VEC: &str = "container=vector,mapper=os";

/// The policy's arithmetic for u64 on 4 KiB pages, by hand:
/// push 10k: commits 4, 8, 16, 32, 64, 128 KiB (6 grows, 131072 bytes);
/// pop all: shrinks to 64, 32, 16, 8, 4 KiB (5 shrinks, 126976 bytes back);
/// push 10k: 5 grows back to 128 KiB (126976 bytes).
/// On 16 KiB pages the same from 16 KiB: 4 grows, 3 shrinks, 3 grows.
/// Each fill populates the pages of its two largest grows, 32-64 and
/// 64-128 KiB, ahead of the pushes (smaller ranges are left to fault):
/// 4 populates of 196608 bytes in all (where the OS populates:
/// [`OS_POPULATES`]).
/// (Histograms count samples.)
#[test]
fn seed_scenario_counts_exactly() {
    let page = MAPPER.page_size();
    assert!(
        page <= 32 << 10,
        "the figures below are for pages of at most 32 KiB"
    );
    // 10k u64 (80,000 bytes) end in 128 KiB, doubled from one page.
    const FULL: usize = 128 << 10;
    let doublings = (FULL / page).ilog2() as usize;
    let (grows, shrinks) = (2 * doublings + 1, doublings);
    let back = FULL - page;
    let (populates, populated) = if OS_POPULATES {
        (4, 2 * (32768 + 65536))
    } else {
        (0, 0)
    };
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
        // Each series of the OS mapper's vectors, and what it must hold:
        // counters and histograms count the run's events, the gauges hold
        // what is alive.
        assert_eq!(v.committed_bytes(), FULL);
        let expected = [
            (COMMITS_TOTAL, grows),
            (GROWS_TOTAL, grows),
            (COMMITTED_BYTES_TOTAL, FULL + back),
            (DECOMMITS_TOTAL, shrinks),
            (SHRINKS_TOTAL, shrinks),
            (POPULATES_TOTAL, populates),
            (DECOMMITTED_BYTES_TOTAL, back),
            (COMMIT_SECONDS, grows),
            (DECOMMIT_SECONDS, shrinks),
            (COMMITTED_BYTES, FULL),
            (RESERVED_BYTES, reserved),
        ];
        for (name, want) in expected {
            let got = totals.get(&format!("{name}{{{VEC}}}"));
            assert_eq!(got, want as f64, "{name}");
        }
        assert_eq!(
            totals.get(&format!("{ERRORS_TOTAL}{{{VEC},op=commit}}")),
            0.0
        );
        drop(v);
        // 128 KiB committed at the drop: small enough to be parked for
        // reuse. The gauges count live containers; the parked reservation
        // is the cache's (`stats().cached_bytes`) until trimmed.
        totals.update(&snapshotter);
        assert_eq!(totals.get(&format!("{COMMITTED_BYTES}{{{VEC}}}")), 0.0);
        assert_eq!(totals.get(&format!("{RESERVED_BYTES}{{{VEC}}}")), 0.0);
        assert_eq!(totals.get(&format!("{CACHE_PARKS_TOTAL}{{{VEC}}}")), 1.0);
        assert_eq!(mapped::stats().cached_bytes, FULL as u64);
        assert_eq!(mapped::trim_cache(), FULL);
        assert_eq!(mapped::stats().cached_bytes, 0);
        reserved
    });
    assert!(reserved >= FULL);

    // The hook saw the same events the metrics counted, in order.
    let events = events.0.lock().unwrap();
    let count = |op: Op| events.iter().filter(|e| e.op == op && e.ok).count();
    assert_eq!(count(Op::Commit), grows);
    assert_eq!(count(Op::Grow), grows);
    assert_eq!(count(Op::Decommit), shrinks);
    assert_eq!(count(Op::Shrink), shrinks);
    assert_eq!(count(Op::Reserve), 1);
    assert_eq!(count(Op::Park), 1);
    assert_eq!(count(Op::Release), 0);
    assert_eq!(count(Op::Populate), populates);
    let bytes = |op: Op| -> usize {
        events
            .iter()
            .filter(|e| e.op == op && e.ok)
            .map(|e| e.bytes)
            .sum()
    };
    assert_eq!(bytes(Op::Populate), populated);
    assert_eq!(bytes(Op::Commit), FULL + back);
    assert_eq!(bytes(Op::Decommit), back);
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
