//! `MappedQueue` beyond the random model runs (those are
//! `tests/fuzz/model.rs`, on the shared harness): heapifying a vector, the
//! pinned API, and capacity calls that go through the storage.
//!
//! `MAPPED_SEED=<n>` runs only that seed, and a failure prints the seed it
//! ran with.

use mapped::{MappedQueue, MappedVector};
use mapped_mock::os_mapper;
use mapped_testkit::{seeds, SeedOnFailure};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use std::fmt::Debug;

fn assert_heap<T: Ord + Debug>(s: &[T]) {
    for i in 1..s.len() {
        assert!(
            s[(i - 1) / 2] >= s[i],
            "heap property broken at {i}: parent {:?} < child {:?}",
            s[(i - 1) / 2],
            s[i]
        );
    }
}

#[test]
fn from_vector_heapifies_and_sorts() {
    for seed in seeds(0x5eed_0000, 20) {
        let _seed = SeedOnFailure::new("from_vector_heapifies_and_sorts", seed);
        let mut rng = StdRng::seed_from_u64(seed);
        let n = rng.random_range(0..20_000);
        let mut v: MappedVector<u64> = MappedVector::new(os_mapper());
        let mut want = Vec::with_capacity(n);
        for _ in 0..n {
            let x = rng.random_range(0..1000);
            v.push(x).unwrap();
            want.push(x);
        }
        let q = MappedQueue::from(v);
        assert_heap(q.as_slice());
        want.sort();
        assert_eq!(q.into_sorted_vec(), want);
    }
}

/// `From<Vec<T>>` and `From<[T; K]>` heapify as std's `BinaryHeap` does:
/// the same storage order, element for element.
#[test]
fn from_vec_and_array_match_std_storage_order() {
    use std::collections::BinaryHeap;
    for seed in seeds(0x5eed_1000, 20) {
        let _seed = SeedOnFailure::new("from_vec_and_array_match_std_storage_order", seed);
        let mut rng = StdRng::seed_from_u64(seed);
        let n = rng.random_range(0..5_000);
        let data: Vec<u32> = (0..n).map(|_| rng.random_range(0..100)).collect();
        let q: MappedQueue<u32> = MappedQueue::from(data.clone());
        let std_heap = BinaryHeap::from(data);
        assert_eq!(q.as_slice(), std_heap.as_slice());
    }
    let array = [2, 4, 6, 2, 1, 8, 10, 3, 5, 7, 0, 9, 1];
    let q: MappedQueue<i32, 2> = MappedQueue::from(array);
    assert_eq!(q.as_slice(), BinaryHeap::from(array).as_slice());
    let empty: MappedQueue<i32> = MappedQueue::from([]);
    assert!(empty.is_empty());
}

#[test]
fn the_pinned_api_and_friends() {
    let mut q: MappedQueue<u64, 1> = MappedQueue::new(os_mapper());
    assert_eq!(q.pop(), None);
    assert_eq!(q.peek(), None);
    assert!(q.peek_mut().is_none());
    q.push(3).unwrap();
    q.push(7).unwrap();
    assert_eq!(q.peek(), Some(&7));
    assert_eq!(q.len(), 2);
    assert!(q.heap_bytes() > 0, "two elements live on the heap");
    assert_eq!(format!("{q:?}"), "[7, 3]");
    let total: u64 = (&q).into_iter().sum();
    assert_eq!(total, 10);
    let mut owned: Vec<u64> = q.clone().into_iter().collect();
    owned.sort();
    assert_eq!(owned, [3, 7]);
    let v: MappedVector<u64> = q.into();
    assert_eq!(v.len(), 2);

    // Arc<M> and &'static M mappers; Default; FromIterator.
    let arc = std::sync::Arc::new(mapped::OsMapper);
    let mut a: MappedQueue<u8, 4> = MappedQueue::new(arc);
    a.push(1).unwrap();
    static OS: mapped::OsMapper = mapped::OsMapper;
    #[allow(clippy::needless_borrows_for_generic_args)] // the point: a `&'static M`
    let mut b: MappedQueue<u8> = MappedQueue::new(&OS);
    b.push(2).unwrap();
    let mut d: MappedQueue<i8> = MappedQueue::default();
    d.extend(&[1i8, -4, 9]);
    assert_eq!(d.pop(), Some(9));
    let c: MappedQueue<i32> = [4, 1, 8].into_iter().collect();
    assert_eq!(c.into_sorted_vec(), [1, 4, 8]);

    // A fixed window: growing past it is an error that hands the value back.
    let mut f: MappedQueue<u64> = MappedQueue::with_max_capacity(os_mapper(), 10).unwrap();
    let max = f.max_capacity().unwrap();
    assert!(max >= 10);
    let reserved = f.reserved_bytes();
    for i in 0..max as u64 {
        f.push(i).unwrap();
    }
    let err = f.push(u64::MAX).unwrap_err();
    assert!(matches!(err.error(), mapped::Error::WindowFull { .. }));
    assert_eq!(err.into_value(), u64::MAX);
    assert_eq!(f.len(), max);
    assert_eq!(f.reserved_bytes(), reserved);
    assert_eq!(f.peek(), Some(&(max as u64 - 1)));
    let err = f.reserve(1).unwrap_err();
    assert!(matches!(err, mapped::Error::WindowFull { .. }));
    // try_extend stops at the item that does not fit, and the queue is a heap.
    f.clear();
    let mut items = (0..max as u64 + 5).rev();
    let err = f.try_extend(&mut items).unwrap_err();
    assert_eq!(f.len(), max);
    assert_heap(f.as_slice());
    assert_eq!(err.into_value(), 4);
    assert_eq!(items.count(), 4);
    // append that does not fit leaves both queues as they were.
    let mut g: MappedQueue<u64> = MappedQueue::new(os_mapper());
    g.push(1).unwrap();
    assert!(f.append(&mut g).is_err());
    assert_eq!((f.len(), g.len()), (max, 1));

    // Zero-sized elements.
    let mut z: MappedQueue<()> = MappedQueue::new(os_mapper());
    for _ in 0..1000 {
        z.push(()).unwrap();
    }
    assert_eq!(z.len(), 1000);
    assert_eq!(z.pop(), Some(()));
    assert_eq!(z.committed_bytes(), 0);
    z.retain(|_| false);
    assert!(z.is_empty());
}

#[test]
fn reserve_and_shrink_go_through_the_storage() {
    let mut q: MappedQueue<u64, 1> = MappedQueue::new(os_mapper());
    let page = q.page_size();
    q.reserve(100_000).unwrap();
    assert!(q.capacity() >= 100_000);
    assert!(q.committed_bytes() >= 800_000);
    q.shrink_to_fit().unwrap();
    // Nothing left to map: the mapping is gone, and no heap is needed.
    assert_eq!((q.committed_bytes(), q.heap_bytes()), (0, 0));
    assert_eq!(q.storage(), mapped::Storage::Empty);
    q.reserve_exact(10_000).unwrap();
    // Exact, but a reservation reused from the cache brings the pages its
    // last owner had committed (at most CACHE_MAX_COMMITTED).
    let exact = 10_000 + page / 8;
    assert!(q.capacity() >= 10_000);
    assert!(q.capacity() < exact.max(mapped::CACHE_MAX_COMMITTED / 8));
    q.shrink_to(2_000).unwrap();
    assert!(q.capacity() >= 2_000 && q.capacity() < 2_000 + page / 8);
}
