//! The cache's delay for containers without decay: a dropped container's
//! reservation stays parked, warm, for `CACHE_DELAY`, and the first use of
//! the cache after that releases it. One test, alone in its binary (the
//! cache is process-wide), on a paused clock (`mapped::test_clock`): it
//! moves the clock forward instead of sleeping.

use mapped::{test_clock, MappedVector, Op, CACHE_DELAY, MAPPER};
use mapped_testkit::Recording;
use std::sync::Arc;
use std::time::Duration;

/// One MiB of `u64`: small enough to park.
const N: u64 = 1 << 17;

/// A vector on the OS mapper, filled, whose operations `ops` records.
fn filled(ops: &Arc<Recording>, round: u64) -> MappedVector<u64> {
    let mut v = MappedVector::builder(MAPPER)
        .observer(ops.clone())
        .build()
        .unwrap();
    for i in 0..N {
        v.push(i ^ round).unwrap();
    }
    v
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so nothing is parked in the cache"
)]
fn a_parked_reservation_is_reused_within_the_delay_and_released_after_it() {
    test_clock::pause();
    mapped::trim_cache();
    let ops = Arc::new(Recording::default());
    let since = |mark: usize| ops.ops()[mark..].to_vec();

    let v = filled(&ops, 0);
    let committed = v.committed_bytes() as u64;
    drop(v);
    assert_eq!(ops.ops().last(), Some(&Op::Park));
    assert!(mapped::stats().cached_bytes >= committed);

    // Just within the delay: the next vector reuses it, pages and all.
    test_clock::advance(CACHE_DELAY - Duration::from_millis(1));
    let mark = ops.ops().len();
    let v = filled(&ops, 1);
    assert_eq!(since(mark)[0], Op::Reuse);
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 ^ 1));
    drop(v); // parked again: its delay starts over

    // The delay has passed since that park: the next use of the cache
    // releases the entry and the vector reserves afresh.
    test_clock::advance(CACHE_DELAY);
    let releases = mapped::stats().releases;
    let mark = ops.ops().len();
    let v = filled(&ops, 2);
    assert_eq!(since(mark)[0], Op::Reserve);
    assert_eq!(mapped::stats().releases, releases + 1);
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 ^ 2));
    drop(v);
    mapped::trim_cache();
    assert_eq!(mapped::stats().cached_bytes, 0);
}
