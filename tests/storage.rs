//! The safety net of issue 18, item 0: deterministic tests of where a
//! container's elements live (empty, heap, mapping) and of the moves
//! between those states, written against the public API only so that they
//! outlive the move of the storage code into a non-generic layer.
//!
//! Oracles are `Vec` / `BinaryHeap` driven the same way, and fixed numbers
//! worked out by hand from the documented policy (never `mapped::policy`),
//! for 4 KiB pages; on larger pages every count of mapped elements is
//! scaled with the page ([`e`]), which keeps each in the same place
//! relative to the pages and the limit.
//!
//! Every test takes [`serial`]: the cache scenarios count reuses in the
//! process-wide stats, and every test asserts exact storage states, so
//! each runs alone, on a cache and a paused clock of its own
//! (`mapped_testkit::isolate`).
//!
//! Containers run on `mapped_mock::os_mapper()` (the OS mapper, or where
//! it cannot map, under `--cfg mapped_no_mmap`, the heap mapper), but for
//! the cache scenarios, which are the OS mapper's.

use mapped::{MappedQueue, MappedVector, Mapper, Storage, MAPPER};
use mapped_mock::os_mapper;
use mapped_testkit::{Isolated, TestMapper};
use std::collections::BinaryHeap;
use std::sync::{Mutex, MutexGuard};

/// The page size: 4 KiB, which the numbers below are worked out for, or
/// larger (16 KiB on Apple silicon).
fn page() -> usize {
    MAPPER.page_size()
}

/// The default heap limit of a `MappedVector<u64, 1>`: one page of `u64`s
/// (512 of 4 KiB pages).
fn heap_elems() -> usize {
    page() / 8
}

/// `n` elements of 4 KiB pages, on this page size: scaled with it.
fn e(n: usize) -> usize {
    n * heap_elems() / 512
}

/// Heap capacities as `Vec`'s: 4, 8, 16, ..., up to the limit.
const CAP_AFTER_100: usize = 128;

/// A mapped container moves back to the heap below a quarter of the limit
/// (128 of 4 KiB pages).
fn return_below() -> usize {
    heap_elems() / 4
}

static SERIAL: Mutex<()> = Mutex::new(());

/// Serializes the tests of this binary (see the module docs), and starts
/// each from an empty cache of its own, on a paused clock: a reused
/// reservation may come with more pages committed than the fixed
/// expectations say, and a parked one must not expire mid-test.
fn serial() -> (Isolated, MutexGuard<'static, ()>) {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    (mapped_testkit::isolate(), guard)
}

/// A value no fresh (zeroed) or reused page holds by chance.
fn val(i: usize) -> u64 {
    (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1
}

fn push_both(v: &mut MappedVector<u64>, model: &mut Vec<u64>, from: usize, to: usize) {
    for i in from..to {
        v.push(val(i)).unwrap();
        model.push(val(i));
    }
    assert_eq!(&v[..], &model[..]);
}

fn push_queue(q: &mut MappedQueue<u64>, model: &mut BinaryHeap<u64>, from: usize, to: usize) {
    for i in from..to {
        q.push(val(i)).unwrap();
        model.push(val(i));
        assert_eq!(q.peek(), model.peek());
    }
    assert_eq!(q.len(), model.len());
}

/// Pops every element of both, comparing each.
fn drain_queue(q: &mut MappedQueue<u64>, model: &mut BinaryHeap<u64>) {
    while let Some(m) = model.pop() {
        assert_eq!(q.pop(), Some(m));
    }
    assert_eq!(q.pop(), None);
}

/// Checks where a container is and how much it holds.
macro_rules! assert_store {
    ($c:expr, $storage:expr, cap $cap:expr, heap $heap:expr, committed $committed:expr) => {{
        let c = &$c;
        assert_eq!(c.storage(), $storage, "storage");
        assert_eq!(c.capacity(), $cap, "capacity");
        assert_eq!(c.heap_bytes(), $heap, "heap_bytes");
        assert_eq!(c.committed_bytes(), $committed, "committed_bytes");
    }};
}

#[test]
fn heap_vector_shrinks_to_exact_capacities_then_refills() {
    let _g = serial();
    let mut v: MappedVector<u64> = MappedVector::new(os_mapper());
    let mut model = Vec::new();
    assert_eq!(v.heap_limit(), page());
    push_both(&mut v, &mut model, 0, 100);
    assert_store!(v, Storage::Heap, cap CAP_AFTER_100, heap CAP_AFTER_100 * 8, committed 0);

    // shrink_to(n) below the length keeps the length.
    v.shrink_to(50).unwrap();
    assert_store!(v, Storage::Heap, cap 100, heap 800, committed 0);
    // shrink_to(n) above the capacity does nothing.
    v.shrink_to(1000).unwrap();
    assert_store!(v, Storage::Heap, cap 100, heap 800, committed 0);

    v.truncate(10);
    model.truncate(10);
    v.shrink_to(40).unwrap();
    assert_store!(v, Storage::Heap, cap 40, heap 320, committed 0);
    assert_eq!(&v[..], &model[..]);
    v.shrink_to_fit().unwrap();
    model.shrink_to_fit();
    assert_store!(v, Storage::Heap, cap 10, heap 80, committed 0);
    assert_eq!(&v[..], &model[..]);

    // Refill: doubling from 10 (20, 40, 80, 160, 320).
    push_both(&mut v, &mut model, 10, 300);
    assert_store!(v, Storage::Heap, cap 320, heap 2560, committed 0);
    // Past 320 the doubling is capped by the limit.
    push_both(&mut v, &mut model, 300, heap_elems());
    assert_store!(v, Storage::Heap, cap heap_elems(), heap page(), committed 0);

    // Emptied and shrunk to fit: no storage at all; then grows as new.
    v.clear();
    model.clear();
    v.shrink_to_fit().unwrap();
    assert_store!(v, Storage::Empty, cap 0, heap 0, committed 0);
    push_both(&mut v, &mut model, 0, 5);
    assert_store!(v, Storage::Heap, cap 8, heap 64, committed 0);
    v.shrink_to_fit().unwrap();
    assert_store!(v, Storage::Heap, cap 5, heap 40, committed 0);
    push_both(&mut v, &mut model, 5, 6);
    assert_store!(v, Storage::Heap, cap 10, heap 80, committed 0);
}

#[test]
fn heap_queue_shrinks_to_exact_capacities_then_refills() {
    let _g = serial();
    let mut q: MappedQueue<u64> = MappedQueue::new(os_mapper());
    let mut model = BinaryHeap::new();
    push_queue(&mut q, &mut model, 0, 100);
    assert_store!(q, Storage::Heap, cap CAP_AFTER_100, heap CAP_AFTER_100 * 8, committed 0);

    q.shrink_to(50).unwrap();
    assert_store!(q, Storage::Heap, cap 100, heap 800, committed 0);
    for _ in 0..90 {
        assert_eq!(q.pop(), model.pop());
    }
    q.shrink_to(40).unwrap();
    assert_store!(q, Storage::Heap, cap 40, heap 320, committed 0);
    q.shrink_to_fit().unwrap();
    assert_store!(q, Storage::Heap, cap 10, heap 80, committed 0);

    push_queue(&mut q, &mut model, 100, 390);
    assert_store!(q, Storage::Heap, cap 320, heap 2560, committed 0);
    let mut copy = model.clone();
    let mut clone = q.try_clone().unwrap();
    drain_queue(&mut clone, &mut copy);
    drain_queue(&mut q, &mut model);
}

#[test]
fn mapped_vector_shrink_to_without_heap() {
    let _g = serial();
    let mut v: MappedVector<u64> = MappedVector::builder(os_mapper())
        .heap_limit(0)
        .build()
        .unwrap();
    let mut model = Vec::new();
    push_both(&mut v, &mut model, 0, 1);
    // Mapped from the first push: the one initial page.
    assert_store!(v, Storage::Mapped, cap e(512), heap 0, committed page());
    push_both(&mut v, &mut model, 1, e(2000));
    // Doubling: 1, 2, 4 pages.
    assert_store!(v, Storage::Mapped, cap e(2048), heap 0, committed 4 * page());

    // shrink_to never goes below the length.
    v.shrink_to(0).unwrap();
    assert_store!(v, Storage::Mapped, cap e(2048), heap 0, committed 4 * page());
    v.truncate(e(1500)); // 12,000 of 16,384 bytes: not sparse.
    model.truncate(e(1500));
    // 1500 elements (12,000 bytes) need 3 pages.
    v.shrink_to(e(1200)).unwrap();
    assert_store!(v, Storage::Mapped, cap e(1536), heap 0, committed 3 * page());
    assert_eq!(&v[..], &model[..]);
    // A minimum above the committed pages commits nothing.
    v.shrink_to(e(5000)).unwrap();
    assert_store!(v, Storage::Mapped, cap e(1536), heap 0, committed 3 * page());

    v.truncate(e(700)); // 5,600 of 12,288 bytes: not sparse.
    model.truncate(e(700));
    assert_store!(v, Storage::Mapped, cap e(1536), heap 0, committed 3 * page());
    // The minimum wins over the length: 1,100 elements, 3 pages.
    v.shrink_to(e(1100)).unwrap();
    assert_store!(v, Storage::Mapped, cap e(1536), heap 0, committed 3 * page());
    // 900 elements (7,200 bytes): 2 pages.
    v.shrink_to(e(900)).unwrap();
    assert_store!(v, Storage::Mapped, cap e(1024), heap 0, committed 2 * page());
    v.truncate(e(100));
    model.truncate(e(100));
    // Sparse after the truncate: decommitted down to 2 * 800 bytes, one page.
    assert_store!(v, Storage::Mapped, cap e(512), heap 0, committed page());
    // Never below the initial page, never to the heap.
    v.shrink_to_fit().unwrap();
    assert_store!(v, Storage::Mapped, cap e(512), heap 0, committed page());
    assert_eq!(&v[..], &model[..]);

    push_both(&mut v, &mut model, e(100), e(3000));
    assert_store!(v, Storage::Mapped, cap e(4096), heap 0, committed 8 * page());
    v.truncate(e(1000)); // 8,000 of 32,768 bytes: sparse, down to 4 pages.
    model.truncate(e(1000));
    assert_store!(v, Storage::Mapped, cap e(2048), heap 0, committed 4 * page());
    v.shrink_to(e(2000)).unwrap();
    assert_store!(v, Storage::Mapped, cap e(2048), heap 0, committed 4 * page());
    // 1,100 elements (8,800 bytes): 3 pages.
    v.shrink_to(e(1100)).unwrap();
    assert_store!(v, Storage::Mapped, cap e(1536), heap 0, committed 3 * page());
    assert_eq!(&v[..], &model[..]);
}

#[test]
fn mapped_vector_shrink_to_with_default_heap_limit() {
    let _g = serial();
    let mut v: MappedVector<u64> = MappedVector::new(os_mapper());
    let mut model = Vec::new();
    push_both(&mut v, &mut model, 0, e(2000));
    assert_store!(v, Storage::Mapped, cap e(2048), heap 0, committed 4 * page());
    // shrink_to never goes below the length.
    v.shrink_to(e(1000)).unwrap();
    assert_store!(v, Storage::Mapped, cap e(2048), heap 0, committed 4 * page());
    v.truncate(e(1500)); // 12,000 of 16,384 bytes: not sparse.
    model.truncate(e(1500));
    assert_store!(v, Storage::Mapped, cap e(2048), heap 0, committed 4 * page());
    // 1,500 elements (12,000 bytes) need 3 pages.
    v.shrink_to(e(1000)).unwrap();
    assert_store!(v, Storage::Mapped, cap e(1536), heap 0, committed 3 * page());
    assert_eq!(&v[..], &model[..]);

    v.truncate(e(400)); // 3,200 of 12,288 bytes: not sparse, above the return.
    model.truncate(e(400));
    assert_store!(v, Storage::Mapped, cap e(1536), heap 0, committed 3 * page());
    // 600 elements (4,800 bytes) pass the heap limit: stays mapped, 2 pages.
    v.shrink_to(e(600)).unwrap();
    assert_store!(v, Storage::Mapped, cap e(1024), heap 0, committed 2 * page());
    // 450 elements fit under the limit: back to the heap, exactly 450.
    v.shrink_to(e(450)).unwrap();
    assert_store!(v, Storage::Heap, cap e(450), heap e(450) * 8, committed 0);
    assert_eq!(v.reserved_bytes(), 0);
    assert_eq!(&v[..], &model[..]);

    push_both(&mut v, &mut model, e(400), heap_elems());
    assert_store!(v, Storage::Heap, cap heap_elems(), heap page(), committed 0);
    push_both(&mut v, &mut model, heap_elems(), e(3000));
    assert_eq!(v.storage(), Storage::Mapped);
    assert!(v.capacity() >= e(3000));
}

#[test]
fn vector_moves_heap_mapping_heap_and_keeps_every_element() {
    let _g = serial();
    for _ in 0..3 {
        mapped::trim_cache(); // the last round's vector parked its reservation
        let mut v: MappedVector<u64> = MappedVector::new(os_mapper());
        let mut model = Vec::new();
        push_both(&mut v, &mut model, 0, heap_elems());
        assert_store!(v, Storage::Heap, cap heap_elems(), heap page(), committed 0);
        // One more: into a mapping, twice the heap bytes.
        push_both(&mut v, &mut model, heap_elems(), heap_elems() + 1);
        assert_store!(v, Storage::Mapped, cap 2 * heap_elems(), heap 0, committed 2 * page());
        push_both(&mut v, &mut model, heap_elems() + 1, e(1500));
        // Mapped down to the return length; one pop below it: the heap.
        while v.len() > return_below() {
            assert_eq!(v.pop(), model.pop());
            assert_eq!(v.storage(), Storage::Mapped, "at {}", v.len());
        }
        assert_eq!(v.pop(), model.pop());
        // Room to double (254 elements of 4 KiB pages) within the limit.
        assert_store!(v, Storage::Heap, cap 2 * (return_below() - 1), heap 16 * (return_below() - 1), committed 0);
        assert_eq!(v.reserved_bytes(), 0);
        assert_eq!(&v[..], &model[..]);
        // And up again from the heap, every element.
        push_both(&mut v, &mut model, e(5000), e(6000));
        assert_eq!(v.storage(), Storage::Mapped);
        v.truncate(3);
        model.truncate(3);
        assert_eq!(v.storage(), Storage::Heap);
        assert_eq!(&v[..], &model[..]);
    }
}

#[test]
fn vector_move_back_copies_the_last_element() {
    let _g = serial();
    // Truncating straight to the heap: the exact contents survive.
    for keep in [1, 2, return_below() - 1] {
        let mut v: MappedVector<u64> = MappedVector::new(os_mapper());
        let mut model = Vec::new();
        push_both(&mut v, &mut model, 0, e(1000));
        v.truncate(keep);
        model.truncate(keep);
        assert_eq!(v.storage(), Storage::Heap);
        assert_eq!(&v[..], &model[..]);
        assert_eq!(v.last(), model.last());
    }
}

#[test]
fn queue_moves_heap_mapping_heap_and_keeps_every_element() {
    let _g = serial();
    let mut q: MappedQueue<u64> = MappedQueue::new(os_mapper());
    let mut model = BinaryHeap::new();
    push_queue(&mut q, &mut model, 0, heap_elems());
    assert_store!(q, Storage::Heap, cap heap_elems(), heap page(), committed 0);
    push_queue(&mut q, &mut model, heap_elems(), heap_elems() + 1);
    assert_store!(q, Storage::Mapped, cap 2 * heap_elems(), heap 0, committed 2 * page());
    // The heap order and the contents survive the move.
    let mut sorted: Vec<u64> = q.as_slice().to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, model.clone().into_sorted_vec());
    push_queue(&mut q, &mut model, heap_elems() + 1, e(1200));
    while q.storage() == Storage::Mapped {
        assert_eq!(q.pop(), model.pop());
    }
    assert_eq!(q.len(), return_below() - 1);
    assert_eq!(q.committed_bytes(), 0);
    let mut sorted: Vec<u64> = q.as_slice().to_vec();
    sorted.sort_unstable();
    assert_eq!(sorted, model.clone().into_sorted_vec());
    push_queue(&mut q, &mut model, e(2000), e(2600));
    assert_eq!(q.storage(), Storage::Mapped);
    drain_queue(&mut q, &mut model);
}

static DENYING: TestMapper = TestMapper::new("storage-test");

#[test]
fn refused_commit_on_the_move_to_a_mapping_keeps_the_heap() {
    let _g = serial();
    let mut v: MappedVector<u64> = MappedVector::new(&DENYING);
    let mut model = Vec::new();
    push_both(&mut v, &mut model, 0, heap_elems());
    assert_store!(v, Storage::Heap, cap heap_elems(), heap page(), committed 0);
    DENYING.deny_commits(true);
    let refused = DENYING.refused.load(std::sync::atomic::Ordering::SeqCst);
    for _ in 0..3 {
        let err = v.push(val(heap_elems())).unwrap_err();
        assert_eq!(err.into_value(), val(heap_elems()));
        assert_store!(v, Storage::Heap, cap heap_elems(), heap page(), committed 0);
        assert_eq!(v.reserved_bytes(), 0);
        assert_eq!(&v[..], &model[..]);
    }
    assert!(DENYING.refused.load(std::sync::atomic::Ordering::SeqCst) > refused);
    DENYING.deny_commits(false);
    push_both(&mut v, &mut model, heap_elems(), heap_elems() + 1);
    assert_store!(v, Storage::Mapped, cap 2 * heap_elems(), heap 0, committed 2 * page());
    push_both(&mut v, &mut model, heap_elems() + 1, e(2000));

    // The same for a queue.
    let mut q: MappedQueue<u64> = MappedQueue::new(&DENYING);
    let mut heap = BinaryHeap::new();
    push_queue(&mut q, &mut heap, 0, heap_elems());
    DENYING.deny_commits(true);
    let err = q.push(val(heap_elems())).unwrap_err();
    assert_eq!(err.into_value(), val(heap_elems()));
    assert_store!(q, Storage::Heap, cap heap_elems(), heap page(), committed 0);
    DENYING.deny_commits(false);
    push_queue(&mut q, &mut heap, heap_elems(), heap_elems() + 10);
    assert_eq!(q.storage(), Storage::Mapped);
    drain_queue(&mut q, &mut heap);
}

/// Fills a fresh vector past the heap limit (mapped, small enough to park).
fn mapped_vector(seed: usize) -> MappedVector<u64> {
    let mut v = MappedVector::new(MAPPER);
    for i in 0..e(600) {
        v.push(val(seed + i)).unwrap();
    }
    assert_eq!(v.storage(), Storage::Mapped);
    v
}

fn mapped_queue(seed: usize) -> MappedQueue<u64> {
    let mut q = MappedQueue::new(MAPPER);
    for i in 0..e(600) {
        q.push(val(seed + i)).unwrap();
    }
    assert_eq!(q.storage(), Storage::Mapped);
    q
}

fn reuses() -> u64 {
    mapped::stats().reuses
}

/// The cache scenarios, in sequence (they share the process-wide cache).
#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so nothing is parked in the cache"
)]
fn parked_reservations_go_only_to_their_own_kind() {
    let _g = serial();

    // A queue's parked reservation is not taken by a vector...
    mapped::trim_cache();
    drop(mapped_queue(0));
    assert!(mapped::stats().cached_bytes > 0, "the queue parked");
    let before = reuses();
    let v = mapped_vector(1);
    assert_eq!(reuses(), before, "a vector took a queue's reservation");
    // ...but by the next queue.
    let q = mapped_queue(2);
    assert_eq!(reuses(), before + 1, "a queue did not reuse a queue's");
    assert!(q.iter().all(|&x| x & 1 == 1));
    drop((v, q));

    // A vector's parked reservation is not taken by a queue...
    mapped::trim_cache();
    drop(mapped_vector(3));
    assert!(mapped::stats().cached_bytes > 0, "the vector parked");
    let before = reuses();
    let q = mapped_queue(4);
    assert_eq!(reuses(), before, "a queue took a vector's reservation");
    // ...but by the next vector.
    let v = mapped_vector(5);
    assert_eq!(reuses(), before + 1, "a vector did not reuse a vector's");
    drop((v, q));

    // One parked reservation is handed out once.
    mapped::trim_cache();
    drop(mapped_vector(6));
    let before = reuses();
    let a = mapped_vector(7);
    let b = mapped_vector(8);
    assert_eq!(reuses(), before + 1, "one parked reservation, reused twice");
    assert_ne!(a.as_ptr(), b.as_ptr());
    let expect = |seed: usize| (0..e(600)).map(|i| val(seed + i)).collect::<Vec<_>>();
    assert_eq!(&a[..], &expect(7)[..]);
    assert_eq!(&b[..], &expect(8)[..]);
    drop((a, b));
    mapped::trim_cache();
}
