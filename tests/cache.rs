//! The process-wide cache of released reservations: short-lived vectors on
//! the OS mapper reuse a parked reservation instead of calling the OS; the
//! cache is bounded and never hands out memory a live container uses.

use mapped::{MappedVector, Op, CACHE_MAX_BYTES, CACHE_MAX_COMMITTED, CACHE_MAX_ENTRIES, MAPPER};
use mapped_testkit::Recording;
use std::sync::Arc;

#[test]
fn short_lived_vectors_reuse_reservations() {
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
    // Other tests of this binary share the cache, so a few of our drops may
    // find it full and a few of our vectors may find it empty.
    assert!(count(Op::Reuse) >= 90, "{} reuses of 100", count(Op::Reuse));
    assert!(count(Op::Reserve) <= 10, "{} reserves", count(Op::Reserve));
    assert!(count(Op::Park) >= 90);
}

#[test]
fn large_reservations_are_released_not_parked() {
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
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    v.push(1).unwrap();
    drop(v);
    // Other tests may trim or fill concurrently; what we can rely on is
    // that after a trim the cache holds at most what was parked since.
    mapped::trim_cache();
    assert!(mapped::stats().cached_bytes as usize <= CACHE_MAX_BYTES);
}
