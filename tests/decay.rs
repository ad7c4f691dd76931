//! The decay option: a sparse vector keeps its pages until they have stayed
//! unused for the delay, then gives them back (on a later removal or an
//! explicit `trim()`), and resident memory falls.
//!
//! Each test isolates its thread (`mapped_testkit::isolate`): its clock
//! stops and moves only forward by `test_clock::advance`, so no test waits
//! out a delay or depends on how fast the machine is, and its cache is its
//! own, so no test takes a reservation another parked (a decaying vector's
//! parked pages would bring their decay clock with them).

use mapped::{test_clock, MappedVector, Op, MAPPER};
use mapped_testkit::{isolate, rss, Recording};
use std::sync::Arc;
use std::time::Duration;

/// A vector that decays after `delay` (call it on an isolated thread).
fn decaying(delay: Duration, calls: &Arc<Recording>) -> MappedVector<u64> {
    // Heap limit 0: emptied, it keeps its mapping, so decay alone decides
    // when pages go back.
    MappedVector::builder(MAPPER)
        .heap_limit(0)
        .decay(delay)
        .observer(calls.clone())
        .build()
        .unwrap()
}

#[test]
fn a_burst_within_the_delay_costs_no_system_call() {
    let _isolated = isolate();
    let calls = Arc::new(Recording::default());
    let mut v = decaying(Duration::from_secs(3600), &calls);
    for i in 0..1_000_000 {
        v.push(i).unwrap();
    }
    let full = v.committed_bytes();
    let commits = calls.count(Op::Commit);
    while v.pop().is_some() {}
    assert_eq!(
        v.committed_bytes(),
        full,
        "nothing decommitted before the delay"
    );
    for i in 0..1_000_000 {
        v.push(i).unwrap();
    }
    assert_eq!(
        calls.count(Op::Commit),
        commits,
        "the refill committed nothing"
    );
    assert_eq!(calls.count(Op::Decommit), 0);
    assert!(!v.trim(), "trim before the delay gives nothing back");
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64));
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so no pages decay"
)]
fn later_removals_give_memory_back_once_the_delay_has_passed() {
    let _isolated = isolate();
    let calls = Arc::new(Recording::default());
    let mut v = decaying(Duration::from_millis(20), &calls);
    for i in 0..100_000 {
        v.push(i).unwrap();
    }
    let full = v.committed_bytes();
    v.truncate(1000); // sparse: starts the clock
    assert_eq!(v.committed_bytes(), full);
    test_clock::advance(Duration::from_millis(20));
    // The clock is read on one sparse removal in 64.
    for _ in 0..200 {
        v.pop();
    }
    assert!(
        v.committed_bytes() < full,
        "a removal after the delay decommits"
    );
    assert_eq!(calls.count(Op::Decommit), 1);
    assert_eq!(v.len(), 800);
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64));
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so no pages decay"
)]
fn growth_restarts_the_clock() {
    let _isolated = isolate();
    let calls = Arc::new(Recording::default());
    let mut v = decaying(Duration::from_millis(400), &calls);
    v.extend_from_slice(&[1; 10_000]).unwrap();
    v.clear(); // clock starts
    test_clock::advance(Duration::from_millis(300));
    v.extend_from_slice(&[2; 100_000]).unwrap(); // grows: in use again
    v.clear(); // clock starts again
    test_clock::advance(Duration::from_millis(399));
    // 699 ms since the first clear, but less than the delay since the
    // memory was last used.
    assert!(!v.trim());
    test_clock::advance(Duration::from_millis(1));
    assert!(v.trim());
    assert_eq!(v.committed_bytes(), v.page_size());
    assert_eq!(calls.count(Op::Decommit), 1);
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so no pages decay"
)]
fn without_decay_trim_has_nothing_to_do() {
    let _isolated = isolate();
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    v.extend_from_slice(&[1; 10_000]).unwrap();
    v.clear();
    assert_eq!(
        (v.committed_bytes(), v.storage()),
        (0, mapped::Storage::Empty)
    );
    assert!(!v.trim());
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so no pages decay"
)]
fn resident_memory_falls_once_the_delay_has_passed() {
    let _isolated = isolate();
    const BYTES: usize = 256 << 20;
    let calls = Arc::new(Recording::default());
    let mut v = decaying(Duration::from_millis(50), &calls);
    for i in 0..(BYTES / 8) as u64 {
        v.push(i).unwrap();
    }
    let filled = rss();
    v.clear();
    let cleared = rss();
    assert!(
        filled.saturating_sub(cleared) < BYTES / 10,
        "still resident within the delay: {filled} -> {cleared}"
    );
    test_clock::advance(Duration::from_millis(50));
    assert!(v.trim());
    let trimmed = rss();
    eprintln!(
        "RSS filled {} MiB, cleared {} MiB, after the delay {} MiB",
        filled >> 20,
        cleared >> 20,
        trimmed >> 20
    );
    assert!(
        filled.saturating_sub(trimmed) >= BYTES / 10 * 9,
        "RSS {filled} -> {trimmed}"
    );
}
