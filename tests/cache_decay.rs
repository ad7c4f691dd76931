//! Reservations of containers with the decay option in the process-wide
//! cache: kept with all their pages for the delay, reused only by containers
//! that decay too, and released by the first use of the cache after the
//! delay. One test, alone in its binary: the cache is process-wide. It
//! runs on a paused clock (`mapped::test_clock`) and moves it forward
//! rather than sleeping out the delay.

use mapped::{test_clock, MappedVector, Op, MAPPER};
use mapped_testkit::{rss, Recording};
use std::sync::Arc;
use std::time::Duration;

const DELAY: Duration = Duration::from_millis(300);
const N: u64 = 1_000_000;

fn vector(ops: &Arc<Recording>, decays: bool) -> MappedVector<u64> {
    let builder = MappedVector::builder(MAPPER)
        .heap_limit(0)
        .observer(ops.clone());
    let builder = if decays {
        builder.decay(DELAY)
    } else {
        builder
    };
    builder.build().unwrap()
}

fn fill(v: &mut MappedVector<u64>, round: u64) {
    for i in 0..N {
        v.push(i ^ round).unwrap();
    }
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so nothing is parked in the cache"
)]
fn decaying_reservations_are_held_for_their_delay_only() {
    test_clock::pause();
    let ops = Arc::new(Recording::default());
    let since = |mark: usize| ops.ops()[mark..].to_vec();

    // A dropped decaying vector parks its 8 MB, pages and all.
    let mut v = vector(&ops, true);
    fill(&mut v, 0);
    let full = v.committed_bytes();
    assert!(full >= 8_000_000);
    drop(v);
    assert_eq!(ops.ops().last(), Some(&Op::Park));
    assert!(mapped::stats().cached_bytes >= full as u64);

    // A vector without decay never takes it: it did not ask to keep memory.
    let mark = ops.ops().len();
    let mut w = vector(&ops, false);
    w.push(1).unwrap();
    assert_eq!(since(mark)[0], Op::Reserve);
    w.clear();
    drop(w);
    mapped::trim_cache(); // (also releases the parked 8 MB)

    // Parked again; the next decaying vector refills it without a single
    // mapper call: no reserve, commit or populate.
    let mut v = vector(&ops, true);
    fill(&mut v, 1);
    drop(v);
    let mark = ops.ops().len();
    let mut v = vector(&ops, true);
    fill(&mut v, 2);
    assert_eq!(since(mark), [Op::Reuse, Op::Grow]);
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 ^ 2));
    drop(v);

    // A reused reservation holding far more than its new owner uses decays
    // like any sparse memory: the clock runs from the reuse.
    let mut v = vector(&ops, true);
    v.extend_from_slice(&[7; 10]).unwrap();
    assert_eq!(v.committed_bytes(), full);
    test_clock::advance(DELAY - Duration::from_millis(1));
    assert!(!v.trim(), "held within the delay");
    test_clock::advance(Duration::from_millis(1));
    assert!(v.trim(), "given back once the delay has passed");
    assert_eq!(v.committed_bytes(), v.initial_capacity() * 8);
    assert_eq!(v[..], [7; 10]);
    drop(v);

    // Once parked longer than the delay, the next use of the cache releases
    // it, and resident memory falls.
    let mut v = vector(&ops, true);
    fill(&mut v, 3);
    drop(v);
    let resident = rss();
    let releases = mapped::stats().releases;
    test_clock::advance(DELAY);
    let w = vector(&ops, false);
    drop(w); // nothing reserved: the cache is not used
    assert!(mapped::stats().cached_bytes >= full as u64);
    let mut w = vector(&ops, false);
    w.push(1).unwrap(); // reserves: the expired entry is released first
    assert_eq!(mapped::stats().releases, releases + 1);
    assert!(mapped::stats().cached_bytes < full as u64);
    let fell = resident.saturating_sub(rss());
    assert!(fell >= full / 2, "RSS fell by only {fell} bytes");
}
