//! The process-wide cache of released reservations: short-lived vectors on
//! the OS mapper reuse a parked reservation instead of calling the OS; the
//! cache is bounded and never hands out memory a live container uses.
//!
//! Each test that counts runs on a cache and a paused clock of its own
//! (`mapped_testkit::isolate`); the one about threads shares the
//! process's.

use mapped::{MappedVector, Op, CACHE_MAX_BYTES, CACHE_MAX_COMMITTED, CACHE_MAX_ENTRIES, MAPPER};
use mapped_testkit::{isolate, Recording};
use std::sync::Arc;

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so nothing is parked in the cache"
)]
fn short_lived_vectors_reuse_reservations() {
    let _isolated = isolate();
    let ops = Arc::new(Recording::default());
    for round in 0..100u64 {
        let mut v: MappedVector<u64> = MappedVector::builder(MAPPER)
            .observer(ops.clone())
            .build()
            .unwrap();
        for i in 0..1000 {
            v.push(i * round).unwrap();
        }
        // Whatever the reused pages held before, the elements are ours.
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 * round));
    }
    let ops = ops.ops();
    let count = |op| ops.iter().filter(|&&o| o == op).count();
    assert_eq!(count(Op::Reserve), 1, "only the first reserves");
    assert_eq!(count(Op::Reuse), 99);
    assert_eq!(count(Op::Park), 100);
    assert_eq!(count(Op::Release), 0);
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so nothing is parked in the cache"
)]
fn large_reservations_are_released_not_parked() {
    let _isolated = isolate();
    let ops = Arc::new(Recording::default());
    let mut v: MappedVector<u8> = MappedVector::builder(MAPPER)
        .observer(ops.clone())
        .build()
        .unwrap();
    v.extend_from_slice(&vec![1; CACHE_MAX_COMMITTED + 1])
        .unwrap();
    drop(v);
    let ops = ops.ops();
    assert_eq!(ops.last(), Some(&Op::Release));
    assert!(!ops.contains(&Op::Park));
}

#[test]
fn the_cache_is_bounded() {
    let _isolated = isolate();
    // 1 MiB committed each: the byte bound, not the count, stops these.
    let big: Vec<MappedVector<u8>> = (0..CACHE_MAX_ENTRIES)
        .map(|_| {
            let mut v = MappedVector::new(MAPPER);
            v.extend_from_slice(&vec![7; CACHE_MAX_COMMITTED - 4096])
                .unwrap();
            v
        })
        .collect();
    drop(big);
    assert!(mapped::stats().cached_bytes as usize <= CACHE_MAX_BYTES);
    let many: Vec<MappedVector<u64>> = (0..4 * CACHE_MAX_ENTRIES)
        .map(|i| {
            let mut v = MappedVector::new(MAPPER);
            v.extend_from_slice(&[i as u64; 10_000]).unwrap();
            v
        })
        .collect();
    drop(many);
    let stats = mapped::stats();
    assert!(stats.cached_bytes as usize <= CACHE_MAX_BYTES, "{stats:?}");
}

#[test]
fn live_vectors_never_share_memory() {
    let threads: Vec<_> = (0..4u64)
        .map(|t| {
            std::thread::spawn(move || {
                let mut ranges = Vec::new();
                for round in 0..200u64 {
                    let mut a: MappedVector<u64> = MappedVector::new(MAPPER);
                    let mut b: MappedVector<u64> = MappedVector::new(MAPPER);
                    let tag = (t << 32) | round;
                    a.extend_from_slice(&[tag; 600]).unwrap();
                    b.extend_from_slice(&[!tag; 600]).unwrap();
                    let (pa, pb) = (a.as_ptr() as usize, b.as_ptr() as usize);
                    assert!(pa + a.reserved_bytes() <= pb || pb + b.reserved_bytes() <= pa);
                    assert!(a.iter().all(|&x| x == tag) && b.iter().all(|&x| x == !tag));
                    ranges.push(pa);
                }
                ranges
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
}

#[test]
fn trim_cache_gives_parked_memory_back() {
    let _isolated = isolate();
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    v.extend_from_slice(&[1; 1000]).unwrap();
    let committed = v.committed_bytes();
    drop(v);
    assert_eq!(mapped::stats().cached_bytes as usize, committed);
    assert_eq!(mapped::trim_cache(), committed);
    assert_eq!(mapped::stats().cached_bytes, 0);
}
