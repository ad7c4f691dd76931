//! The queue's seed scenario: a burst of a million pushes, then popping
//! everything, gives the memory back to the OS (down to `N` pages); and the
//! queue fills again after (its pages are recommitted before they are
//! touched).

use mapped::{MappedQueue, Storage};
use mapped_mock::os_mapper;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const COUNT: usize = 1_000_000;

/// Pushes `COUNT` pseudo-random values, pops them all checking they come out
/// in order, and checks the committed bytes on the way down.
fn burst<const N: usize>(q: &mut MappedQueue<u64, N>, seed: u64) {
    let page = os_mapper().get().page_size();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut sum = 0u64;
    for _ in 0..COUNT {
        let x: u64 = rng.random_range(0..u64::MAX / 2);
        sum = sum.wrapping_add(x);
        q.push(x).unwrap();
    }
    assert_eq!(q.len(), COUNT);
    let peak = q.committed_bytes();
    assert!(
        peak >= COUNT * 8,
        "seed {seed} N={N}: {peak} bytes committed for {COUNT} u64"
    );

    let mut prev = u64::MAX;
    let mut popped = 0;
    let mut lowest_seen = peak;
    while let Some(x) = q.pop() {
        assert!(x <= prev, "seed {seed} N={N}: {x} popped after {prev}");
        prev = x;
        sum = sum.wrapping_sub(x);
        popped += 1;
        let committed = q.committed_bytes();
        if q.storage() == Storage::Mapped {
            lowest_seen = lowest_seen.min(committed);
        }
        // The queue never holds more than a quarter of its committed bytes
        // idle once it has shrunk: at most 4x the live bytes (or N pages)
        // plus rounding.
        let live = q.len() * 8;
        assert!(
            committed <= (4 * live + page).max(N * page),
            "seed {seed} N={N}: {committed} bytes committed for {live} live bytes"
        );
    }
    assert_eq!(popped, COUNT);
    assert_eq!(
        sum, 0,
        "seed {seed} N={N}: the popped values are not the pushed ones"
    );
    assert!(q.is_empty());
    assert_eq!(
        (q.committed_bytes(), q.reserved_bytes()),
        (0, 0),
        "seed {seed} N={N}: the mapping is given back once everything is popped"
    );
    assert!(q.storage() != Storage::Mapped && q.heap_bytes() <= N * page);
    // While mapped, it shrank down to its N pages before it left.
    assert_eq!(lowest_seen, N * page);
}

fn scenario<const N: usize>() {
    let mut q: MappedQueue<u64, N> = MappedQueue::new(os_mapper());
    assert_eq!(q.page_size(), os_mapper().get().page_size());
    assert_eq!(
        q.committed_bytes(),
        0,
        "nothing committed before the first push"
    );
    burst(&mut q, 1);
    // And again: the decommitted pages come back before they are touched.
    burst(&mut q, 2);
}

#[test]
fn a_million_in_and_out_n1() {
    scenario::<1>();
}

#[test]
fn a_million_in_and_out_n4() {
    scenario::<4>();
}

#[test]
fn clear_drain_and_retain_give_memory_back() {
    let page = os_mapper().get().page_size();
    let mut q: MappedQueue<u64, 2> = MappedQueue::new(os_mapper());
    q.extend(0..200_000u64);
    assert!(q.committed_bytes() >= 1_600_000);
    q.clear();
    assert_eq!((q.committed_bytes(), q.storage()), (0, Storage::Empty));

    q.extend(0..200_000u64);
    assert_eq!(q.drain().count(), 200_000);
    assert_eq!((q.committed_bytes(), q.storage()), (0, Storage::Empty));

    q.extend(0..200_000u64);
    q.retain(|&x| x % 1000 == 0);
    assert_eq!(q.len(), 200);
    // 1600 bytes: under a quarter of the 2-page heap limit, so on the heap.
    assert_eq!((q.committed_bytes(), q.storage()), (0, Storage::Heap));
    assert!(q.heap_bytes() >= 1600 && q.heap_bytes() <= 2 * page);
    assert_eq!(q.pop(), Some(199_000));

    // `into_sorted_vec` keeps the pages (the elements are still there).
    q.extend(0..200_000u64);
    let committed = q.committed_bytes();
    let v = q.into_sorted_vec();
    assert_eq!(v.committed_bytes(), committed);
    assert!(v.windows(2).all(|w| w[0] <= w[1]));
}

#[test]
fn the_decay_option_is_inherited_through_the_builder() {
    use std::time::Duration;
    let delay = Duration::from_millis(1500);
    mapped::test_clock::pause();
    let mut q = MappedQueue::<u64>::builder(os_mapper())
        .decay(delay)
        .build()
        .unwrap();
    q.extend(0..50_000u64);
    let full = q.committed_bytes();
    while q.pop().is_some() {}
    assert_eq!(q.committed_bytes(), full, "kept for the delay");
    mapped::test_clock::advance(delay - Duration::from_millis(1));
    assert!(!q.trim());
    assert_eq!(q.committed_bytes(), full);
    mapped::test_clock::advance(Duration::from_millis(1));
    assert!(q.trim());
    assert_eq!((q.committed_bytes(), q.storage()), (0, Storage::Empty));
}
