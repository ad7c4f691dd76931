//! The regression test from BUG-ANALYSIS.md (verbatim), and the same
//! scenario across sizes and `N`: empty a vector (its pages are decommitted),
//! then fill it again (they must be recommitted before they are touched).
//! The scenarios run on `mapped_mock::os_mapper()`: the OS mapper, or
//! where it cannot map (`--cfg mapped_no_mmap`) the heap mapper, so that
//! they still decommit and commit there.

use mapped::{MappedVector, Op, Storage, MAPPER};
use mapped_mock::os_mapper;
use mapped_testkit::Recording;
use std::sync::Arc;

#[test]
#[rustfmt::skip] // kept exactly as BUG-ANALYSIS.md gives it
fn test_clear_and_repush_behavior() {
    let mut mvec: MappedVector<i32, 1> = MappedVector::new(MAPPER);
    
    for i in 0..10000 { mvec.push(i).unwrap(); }
    for _ in 0..10000 { mvec.pop(); }  // This triggers decommit
    assert_eq!(mvec.len(), 0);
    
    // This MUST work without segfault:
    for i in 0..10000 { mvec.push(i).unwrap(); }
}

fn scenario<const N: usize>(n: usize) {
    let mut v: MappedVector<i32, N> = MappedVector::new(os_mapper());
    let page = v.page_size();
    for i in 0..n {
        v.push(i as i32).unwrap();
    }
    // Up to the N pages' heap limit on the heap, past it mapped.
    let mapped = n * 4 > N * page;
    assert_eq!(v.storage() == Storage::Mapped, mapped, "n={n} N={N}");
    let peak = v.committed_bytes() + v.heap_bytes();
    assert!(
        peak >= n * 4,
        "n={n} N={N}: {peak} bytes held for {n} elements"
    );
    let mut lowest_mapped = usize::MAX;
    for i in (0..n).rev() {
        assert_eq!(v.pop(), Some(i as i32));
        if v.storage() == Storage::Mapped {
            lowest_mapped = lowest_mapped.min(v.committed_bytes());
        }
    }
    assert_eq!(v.pop(), None);
    assert!(v.is_empty());
    if mapped {
        assert_eq!(
            lowest_mapped,
            N * page,
            "n={n} N={N}: decommitted down to N pages before leaving the mapping"
        );
    }
    assert_eq!(
        (v.committed_bytes(), v.reserved_bytes()),
        (0, 0),
        "n={n} N={N}: no mapping once empty"
    );
    assert!(v.heap_bytes() <= N * page);
    assert_eq!(v.initial_capacity(), N * page / 4);

    // Pushing again commits before it writes, and every element reads back.
    for i in 0..n {
        v.push(i as i32 * 3).unwrap();
    }
    assert_eq!(v.len(), n);
    assert!(v.committed_bytes() + v.heap_bytes() >= n * 4);
    if mapped {
        assert!(
            v.committed_bytes() > N * page,
            "pushing past N pages commits again"
        );
    }
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as i32 * 3));
}

/// The verbatim test's scenario, watched by an observer: with the defaults
/// it still decommits as it empties and commits again as it refills
/// (BUG-ANALYSIS.md: don't avoid the problem).
#[test]
fn the_seed_scenario_decommits_and_commits_again() {
    // A cache of its own: a reservation another test parked could bring
    // pages the refill then need not commit.
    let _isolated = mapped_testkit::isolate();
    let ops = Arc::new(Recording::default());
    let mut mvec: MappedVector<i32, 1> = MappedVector::builder(os_mapper())
        .observer(ops.clone())
        .build()
        .unwrap();
    for i in 0..10000 {
        mvec.push(i).unwrap();
    }
    for _ in 0..10000 {
        mvec.pop();
    }
    for i in 0..10000 {
        mvec.push(i).unwrap();
    }
    assert!(mvec.iter().enumerate().all(|(i, &x)| x == i as i32));
    drop(mvec);
    let ops = ops.succeeded();
    let first_decommit = ops.iter().position(|&op| op == Op::Decommit);
    let first_decommit = first_decommit.expect("the pops decommit");
    assert!(
        ops[first_decommit..].contains(&Op::Commit),
        "the second fill commits again: {ops:?}"
    );
}

macro_rules! sizes {
    ($($name:ident: $n:expr),*) => {$(
        #[test]
        fn $name() {
            let _isolated = mapped_testkit::isolate();
            scenario::<1>($n);
            scenario::<4>($n);
            scenario::<64>($n);
        }
    )*};
}

sizes!(one: 1, ten: 10, thousand: 1000, ten_thousand: 10_000, million: 1_000_000);

#[test]
fn clear_then_repush_many_times() {
    let _isolated = mapped_testkit::isolate();
    let mut v: MappedVector<u64, 1> = MappedVector::new(os_mapper());
    for round in 0..20u64 {
        let n = 1 + (round * 7919) % 50_000;
        for i in 0..n {
            v.push(i ^ round).unwrap();
        }
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 ^ round));
        v.clear();
        assert_eq!((v.committed_bytes(), v.reserved_bytes()), (0, 0));
        assert_ne!(v.storage(), Storage::Mapped);
    }
}
