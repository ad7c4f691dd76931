//! The regression test from BUG-ANALYSIS.md (verbatim), and the same
//! scenario across sizes and `N`: empty a vector (its pages are decommitted),
//! then fill it again (they must be recommitted before they are touched).

use mapped::{MappedVector, MAPPER};

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
    let mut v: MappedVector<i32, N> = MappedVector::new(MAPPER);
    let page = v.page_size();
    for i in 0..n {
        v.push(i as i32).unwrap();
    }
    let peak = v.committed_bytes();
    assert!(
        peak >= n * 4,
        "n={n} N={N}: {peak} bytes committed for {n} elements"
    );
    for i in (0..n).rev() {
        assert_eq!(v.pop(), Some(i as i32));
    }
    assert_eq!(v.pop(), None);
    assert!(v.is_empty());
    assert_eq!(
        v.committed_bytes(),
        N * page,
        "n={n} N={N}: back to N pages after the pops"
    );
    assert_eq!(v.initial_capacity(), N * page / 4);

    // Pushing again recommits, and every element reads back.
    for i in 0..n {
        v.push(i as i32 * 3).unwrap();
    }
    assert_eq!(v.len(), n);
    assert!(v.committed_bytes() >= n * 4);
    if n * 4 > N * page {
        assert!(
            v.committed_bytes() > N * page,
            "pushing past N pages recommits"
        );
    }
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as i32 * 3));
}

macro_rules! sizes {
    ($($name:ident: $n:expr),*) => {$(
        #[test]
        fn $name() {
            scenario::<1>($n);
            scenario::<4>($n);
            scenario::<64>($n);
        }
    )*};
}

sizes!(one: 1, ten: 10, thousand: 1000, ten_thousand: 10_000, million: 1_000_000);

#[test]
fn clear_then_repush_many_times() {
    let mut v: MappedVector<u64, 1> = MappedVector::new(MAPPER);
    for round in 0..20u64 {
        let n = 1 + (round * 7919) % 50_000;
        for i in 0..n {
            v.push(i ^ round).unwrap();
        }
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u64 ^ round));
        v.clear();
        assert_eq!(v.committed_bytes(), v.page_size());
    }
}
