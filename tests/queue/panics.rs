//! A panicking `Ord` and drop counting.
//!
//! Elements compare by `key` and are told apart by the serial of the
//! [`Tracked`] they carry, whose drop ledger (per thread) knows which are
//! alive and which were dropped twice; the comparison can be armed to panic
//! on its k-th call. After a panic the queue must hold exactly the elements it should
//! (none lost, none twice): `pop` leaves it exactly as before the call, a
//! heap; `push` keeps the pushed element too, as std's `BinaryHeap` does,
//! at the end. Every element must be dropped exactly once in the end.
//!
//! Randomness comes from a fixed seed (`MAPPED_SEED` overrides it); a failure
//! prints the seed.

use mapped::{MappedQueue, MappedVector};
use mapped_mock::os_mapper;
use mapped_testkit::{ledger, seeds, Elem, SeedOnFailure, Tracked};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cell::Cell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Once;

const EXPECTED: &str = "expected panic from a test comparison";

thread_local! {
    static COMPARISONS: Cell<u64> = const { Cell::new(0) };
    /// Panic on this comparison (counted from arming); 0 = never.
    static PANIC_AT: Cell<u64> = const { Cell::new(0) };
}

/// Keeps the expected panics out of the output; any other panic is printed.
fn quiet() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&EXPECTED) {
                default(info);
            }
        }));
    });
}

fn arm(k: u64) {
    COMPARISONS.with(|c| c.set(0));
    PANIC_AT.with(|p| p.set(k));
}

fn disarm() -> u64 {
    PANIC_AT.with(|p| p.set(0));
    COMPARISONS.with(|c| c.get())
}

/// Runs `f` with the comparison armed to panic on its `k`-th call: what `f`
/// returned (or its panic) and how many comparisons it made.
fn with_panic_at<R>(k: u64, f: impl FnOnce() -> R) -> (std::thread::Result<R>, u64) {
    arm(k);
    let r = catch_unwind(AssertUnwindSafe(f));
    (r, disarm())
}

/// Whether the element `id` is dropped, and was dropped once: a second
/// drop is in the ledger's bad drops.
fn dropped_once(id: u64) -> bool {
    !ledger::is_live(id) && !ledger::bad_drops().contains(&id)
}

#[derive(Debug)]
struct P {
    key: u32,
    /// Counted by the ledger (and owns heap memory: a double drop or a
    /// lost element is also an allocator error or a leak).
    tracked: Tracked,
}

impl P {
    fn new(key: u32) -> P {
        P {
            key,
            tracked: Tracked::make(u64::from(key)),
        }
    }

    fn id(&self) -> u64 {
        self.tracked.ident()
    }
}

impl PartialEq for P {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for P {}
impl PartialOrd for P {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for P {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = COMPARISONS.with(|c| {
            c.set(c.get() + 1);
            c.get()
        });
        if PANIC_AT.with(|p| p.get()) == n {
            PANIC_AT.with(|p| p.set(0));
            std::panic::panic_any(EXPECTED);
        }
        self.key.cmp(&other.key)
    }
}

/// Pops everything: the keys must come out in non-increasing order.
fn assert_pops_in_order<const N: usize>(q: &mut MappedQueue<P, N>, ctx: &str) {
    let mut prev = u32::MAX;
    while let Some(p) = q.pop() {
        assert!(p.key <= prev, "{ctx}: {} after {prev}", p.key);
        prev = p.key;
    }
}

/// (key, id) of each slot, in storage order.
fn snapshot<const N: usize>(q: &MappedQueue<P, N>) -> Vec<(u32, u64)> {
    q.iter().map(|p| (p.key, p.id())).collect()
}

/// The heap property by key (without calling `Ord`), except below the
/// positions in `skip`.
fn assert_heap_except(s: &[P], skip: Option<usize>, ctx: &str) {
    for i in 1..s.len() {
        let parent = (i - 1) / 2;
        if Some(parent) == skip {
            continue;
        }
        assert!(
            s[parent].key >= s[i].key,
            "{ctx}: heap property broken at {i}: {} < {}",
            s[parent].key,
            s[i].key
        );
    }
}

fn assert_heap(s: &[P], ctx: &str) {
    assert_heap_except(s, None, ctx);
}

/// Every element of the queue is there once and has never been dropped.
fn assert_alive(s: &[P], ctx: &str) {
    let mut seen = HashMap::new();
    for p in s {
        assert!(
            ledger::is_live(p.id()),
            "{ctx}: element {} in the queue was dropped",
            p.id()
        );
        assert!(
            seen.insert(p.id(), ()).is_none(),
            "{ctx}: element {} twice",
            p.id()
        );
    }
}

fn assert_dropped_once(ids: &[u64], ctx: &str) {
    for &id in ids {
        assert!(
            dropped_once(id),
            "{ctx}: element {id} not dropped exactly once"
        );
    }
}

/// The test's random numbers (from `MAPPED_SEED`, else a fixed seed), and
/// a guard that prints their seed if the test fails.
fn seeded_rng() -> (StdRng, SeedOnFailure) {
    let seed = seeds(0xC0FFEE, 1)[0];
    (
        StdRng::seed_from_u64(seed),
        SeedOnFailure::new("queue::panics", seed),
    )
}

const SIZES: [usize; 10] = [0, 1, 2, 3, 4, 7, 8, 100, 1000, 5000];

/// A heap of `n` elements with keys in `0..range` (many duplicates when the
/// range is small), built without any armed panic.
fn build(rng: &mut StdRng, n: usize, range: u32) -> (MappedQueue<P>, Vec<u64>) {
    let mut q = MappedQueue::new(os_mapper());
    let mut ids = Vec::new();
    for _ in 0..n {
        let p = P::new(rng.random_range(0..range));
        ids.push(p.id());
        q.push(p).unwrap();
    }
    (q, ids)
}

/// The cases the comparison-panic tests sweep: every size in `SIZES`, every
/// comparison `k` (1-based) that one operation on it might make, and keys
/// from a small range (many duplicates) and a large one.
fn cases() -> impl Iterator<Item = (usize, u64, u32)> {
    SIZES.into_iter().flat_map(|n| {
        (1..=max_comparisons(n)).flat_map(move |k| [4, 1 << 20].map(|range| (n, k, range)))
    })
}

/// The most comparisons one operation on `n` elements can make, and then
/// some (so the last k never panics).
fn max_comparisons(n: usize) -> u64 {
    2 * (usize::BITS - n.leading_zeros()) as u64 + 3
}

#[test]
fn push_with_a_panicking_ord_keeps_every_element() {
    quiet();
    let (mut rng, _seed) = seeded_rng();
    let mut panics = 0;
    for (n, k, range) in cases() {
        let ctx = format!("push: n={n} k={k} range={range}");
        let (mut q, mut ids) = build(&mut rng, n, range);
        let before = snapshot(&q);
        // Half the time a new maximum, which climbs to the top.
        let key = if rng.random_bool(0.5) {
            range + 1
        } else {
            rng.random_range(0..range)
        };
        let x = P::new(key);
        let x_id = x.id();
        ids.push(x_id);
        let (r, used) = with_panic_at(k, || q.push(x).unwrap());
        let r_ok = r.is_ok();
        match r {
            Err(payload) => {
                assert_eq!(payload.downcast_ref::<&str>(), Some(&EXPECTED), "{ctx}");
                panics += 1;
                // As before the call, and the pushed value at the end.
                let mut expected = before.clone();
                expected.push((key, x_id));
                assert_eq!(snapshot(&q), expected, "{ctx}: the queue changed");
                // A heap but for the pushed value, which may be out of order.
                assert_heap(&q.as_slice()[..n], &ctx);
            }
            Ok(()) => {
                assert!(used < k, "{ctx}");
                assert_eq!(q.len(), n + 1, "{ctx}");
                assert!(q.iter().any(|p| p.id() == x_id), "{ctx}");
                assert_heap(q.as_slice(), &ctx);
            }
        }
        assert_alive(q.as_slice(), &ctx);
        assert!(ledger::is_live(x_id), "{ctx}: the pushed value was dropped");
        // The queue still works: every element pops out once (in order
        // when the push went through).
        let mut popped = Vec::new();
        while let Some(p) = q.pop() {
            popped.push((p.key, p.id()));
        }
        if r_ok {
            assert!(popped.windows(2).all(|w| w[0].0 >= w[1].0), "{ctx}");
        }
        popped.sort();
        let mut all = before;
        all.push((key, x_id));
        all.sort();
        assert_eq!(popped, all, "{ctx}: pops lost or repeated an element");
        drop(q);
        assert_dropped_once(&ids, &ctx);
    }
    assert!(
        panics >= 30,
        "only {panics} pushes panicked: the test tests nothing"
    );
}

/// Issue 22's case, with fixed expectations (std's `panic_safe`, one
/// round): 31 elements, then a 32nd whose comparison panics. std's
/// `BinaryHeap` keeps all 32 and drops none; so must the queue.
#[test]
fn a_push_whose_comparison_panics_keeps_all_32_elements() {
    quiet();
    for i in 1..=32u32 {
        let mut q: MappedQueue<P> = MappedQueue::new(os_mapper());
        for key in (1..=32).filter(|&k| k != i) {
            q.push(P::new(key)).unwrap();
        }
        let (r, _) = with_panic_at(1, || q.push(P::new(i)).unwrap());
        assert!(r.is_err(), "i={i}: the comparison did not panic");
        assert_eq!(q.len(), 32, "i={i}");
        assert!(q.iter().all(|p| ledger::is_live(p.id())), "i={i}");
        let mut keys: Vec<u32> = q.iter().map(|p| p.key).collect();
        keys.sort();
        assert_eq!(keys, (1..=32).collect::<Vec<u32>>(), "i={i}");
    }
}

#[test]
fn pop_with_a_panicking_ord_leaves_the_queue_as_it_was() {
    quiet();
    let (mut rng, _seed) = seeded_rng();
    let mut panics = 0;
    for (n, k, range) in cases() {
        let ctx = format!("pop: n={n} k={k} range={range}");
        let (mut q, ids) = build(&mut rng, n, range);
        let before = snapshot(&q);
        let max = before.iter().map(|&(key, _)| key).max();
        let (r, used) = with_panic_at(k, || q.pop());
        match r {
            Err(payload) => {
                assert_eq!(payload.downcast_ref::<&str>(), Some(&EXPECTED), "{ctx}");
                panics += 1;
                assert_eq!(snapshot(&q), before, "{ctx}: the queue changed");
            }
            Ok(popped) => {
                assert!(used < k, "{ctx}");
                assert_eq!(popped.as_ref().map(|p| p.key), max, "{ctx}");
                assert_eq!(q.len(), n.saturating_sub(1), "{ctx}");
            }
        }
        assert_heap(q.as_slice(), &ctx);
        assert_alive(q.as_slice(), &ctx);
        assert_pops_in_order(&mut q, &ctx);
        assert_dropped_once(&ids, &ctx);
    }
    assert!(
        panics >= 50,
        "only {panics} pops panicked: the test tests nothing"
    );
}

#[test]
fn peek_mut_with_a_panicking_ord_keeps_the_edit_at_the_top() {
    quiet();
    let (mut rng, _seed) = seeded_rng();
    let mut panics = 0;
    for (n, k, range) in cases().filter(|&(n, _, _)| n > 0) {
        let ctx = format!("peek_mut: n={n} k={k} range={range}");
        let (mut q, ids) = build(&mut rng, n, range);
        let mut expected = snapshot(&q);
        let new_key = rng.random_range(0..range / 2 + 1);
        expected[0].0 = new_key;
        let r = catch_unwind(AssertUnwindSafe(|| {
            let mut top = q.peek_mut().unwrap();
            top.key = new_key;
            arm(k);
            drop(top); // re-sifts
        }));
        let used = disarm();
        match r {
            Err(payload) => {
                assert_eq!(payload.downcast_ref::<&str>(), Some(&EXPECTED), "{ctx}");
                panics += 1;
                // The edited element stayed at the top; nothing else moved.
                assert_eq!(snapshot(&q), expected, "{ctx}");
                assert_heap_except(q.as_slice(), Some(0), &ctx);
            }
            Ok(()) => {
                assert!(used < k, "{ctx}");
                assert_heap(q.as_slice(), &ctx);
                let mut got = snapshot(&q);
                got.sort();
                expected.sort();
                assert_eq!(got, expected, "{ctx}");
            }
        }
        assert_alive(q.as_slice(), &ctx);
        drop(q);
        assert_dropped_once(&ids, &ctx);
    }
    assert!(
        panics > 50,
        "only {panics} re-sifts panicked: the test tests nothing"
    );
}

/// Operations that rebuild or sort: a panicking comparison loses and
/// duplicates nothing.
#[test]
fn rebuilding_operations_with_a_panicking_ord_lose_nothing() {
    quiet();
    let (mut rng, _seed) = seeded_rng();
    for k in [1, 2, 5, 50, 300] {
        // append
        let ctx = format!("append k={k}");
        let (mut q, mut ids) = build(&mut rng, 300, 1000);
        let (mut other, more) = build(&mut rng, 1000, 1000);
        ids.extend(more);
        let (r, _) = with_panic_at(k, || q.append(&mut other).unwrap());
        assert!(r.is_err(), "{ctx}: expected the rebuild to panic");
        assert_eq!(q.len() + other.len(), 1300, "{ctx}");
        assert_alive(q.as_slice(), &ctx);
        drop((q, other));
        assert_dropped_once(&ids, &ctx);

        // extend
        let ctx = format!("extend k={k}");
        let (mut q, mut ids) = build(&mut rng, 300, 1000);
        let more: Vec<P> = (0..1000)
            .map(|_| P::new(rng.random_range(0..1000)))
            .collect();
        ids.extend(more.iter().map(P::id));
        let (r, _) = with_panic_at(k, || q.extend(more));
        assert!(r.is_err(), "{ctx}");
        assert_eq!(q.len(), 1300, "{ctx}");
        assert_alive(q.as_slice(), &ctx);
        drop(q);
        assert_dropped_once(&ids, &ctx);

        // From<MappedVector> (heapify) consumes the vector: all dropped once.
        let ctx = format!("from k={k}");
        let mut v: MappedVector<P> = MappedVector::new(os_mapper());
        let mut ids = Vec::new();
        for _ in 0..1000 {
            let p = P::new(rng.random_range(0..1000));
            ids.push(p.id());
            v.push(p).unwrap();
        }
        let (r, _) = with_panic_at(k, || MappedQueue::from(v));
        assert!(r.is_err(), "{ctx}");
        assert_dropped_once(&ids, &ctx);

        // into_sorted_vec
        let ctx = format!("into_sorted_vec k={k}");
        let (q, ids) = build(&mut rng, 1000, 1000);
        let (r, _) = with_panic_at(k, || q.into_sorted_vec());
        assert!(r.is_err(), "{ctx}");
        assert_dropped_once(&ids, &ctx);

        // retain: the comparison panics in the rebuild after the filter.
        let ctx = format!("retain k={k}");
        let (mut q, ids) = build(&mut rng, 1000, 1000);
        let (r, _) = with_panic_at(k, || q.retain(|p| p.key % 2 == 0));
        assert!(r.is_err(), "{ctx}");
        assert!(q.iter().all(|p| p.key % 2 == 0), "{ctx}");
        assert_alive(q.as_slice(), &ctx);
        let kept: Vec<u64> = q.iter().map(P::id).collect();
        for &id in &ids {
            if !kept.contains(&id) {
                assert!(dropped_once(id), "{ctx}: removed element {id}");
            }
        }
        drop(q);
        assert_dropped_once(&ids, &ctx);
    }
}

#[test]
fn a_panicking_retain_predicate_leaves_a_heap() {
    quiet();
    let (mut rng, _seed) = seeded_rng();
    for stop in [0, 1, 10, 500, 999] {
        let ctx = format!("retain stop={stop}");
        let (mut q, ids) = build(&mut rng, 1000, 50);
        let mut seen = 0;
        let r = catch_unwind(AssertUnwindSafe(|| {
            q.retain(|p| {
                if seen == stop {
                    std::panic::panic_any(EXPECTED);
                }
                seen += 1;
                p.key % 3 != 0
            })
        }));
        assert!(r.is_err(), "{ctx}");
        // The elements not yet visited are kept, and the heap is rebuilt.
        assert!(q.len() >= 1000 - stop, "{ctx}");
        assert_heap(q.as_slice(), &ctx);
        assert_alive(q.as_slice(), &ctx);
        drop(q);
        assert_dropped_once(&ids, &ctx);
    }
}

/// Every element is dropped exactly once, whichever way it leaves the queue.
#[test]
fn every_element_is_dropped_exactly_once() {
    let (mut rng, _seed) = seeded_rng();
    // Big enough to span many pages, so shrinking happens on the way.
    let n = 20_000;

    // drop
    let (q, ids) = build(&mut rng, n, 100);
    drop(q);
    assert_dropped_once(&ids, "drop");

    // clear
    let (mut q, ids) = build(&mut rng, n, 100);
    q.clear();
    assert_dropped_once(&ids, "clear");
    drop(q);
    assert_dropped_once(&ids, "clear then drop");

    // pop, all of them, then some after refilling
    let (mut q, ids) = build(&mut rng, n, 100);
    for i in 0..n {
        let p = q.pop().unwrap();
        assert!(ledger::is_live(p.id()), "pop {i}");
        drop(p);
    }
    assert!(q.pop().is_none());
    assert_dropped_once(&ids, "pop");

    // pop half, drop the rest
    let (mut q, ids) = build(&mut rng, n, 100);
    for _ in 0..n / 2 {
        q.pop();
    }
    drop(q);
    assert_dropped_once(&ids, "pop half, drop");

    // drain: fully, partly, not at all
    for take in [n, n / 3, 0] {
        let (mut q, ids) = build(&mut rng, n, 100);
        let got: Vec<P> = q.drain().take(take).collect();
        assert_eq!(got.len(), take);
        assert!(q.is_empty());
        drop(got);
        assert_dropped_once(&ids, "drain");
    }

    // retain
    let (mut q, ids) = build(&mut rng, n, 100);
    q.retain(|p| p.key < 10);
    for p in q.iter() {
        assert!(ledger::is_live(p.id()), "retain kept {}", p.id());
    }
    drop(q);
    assert_dropped_once(&ids, "retain");

    // into_vec, into_sorted_vec, into_iter (partly consumed)
    let (q, ids) = build(&mut rng, n, 100);
    let v = q.into_vec();
    assert_eq!(v.len(), n);
    drop(v);
    assert_dropped_once(&ids, "into_vec");
    let (q, ids) = build(&mut rng, n, 100);
    let v = q.into_sorted_vec();
    assert!(v.windows(2).all(|w| w[0].key <= w[1].key));
    drop(v);
    assert_dropped_once(&ids, "into_sorted_vec");
    let (q, ids) = build(&mut rng, n, 100);
    let mut it = q.into_iter();
    for _ in 0..n / 4 {
        it.next();
    }
    drop(it);
    assert_dropped_once(&ids, "into_iter");

    // peek_mut: the replaced element is dropped, the new one kept.
    let (mut q, mut ids) = build(&mut rng, n, 100);
    let top_id = q.peek().unwrap().id();
    let fresh = P::new(3);
    ids.push(fresh.id());
    *q.peek_mut().unwrap() = fresh;
    assert!(dropped_once(top_id));
    drop(q);
    assert_dropped_once(&ids, "peek_mut");

    // append and a failed try_extend (the refused item comes back).
    let (mut q, mut ids) = build(&mut rng, n, 100);
    let (mut other, more) = build(&mut rng, n, 100);
    ids.extend(more);
    q.append(&mut other).unwrap();
    drop(other);
    assert_eq!(q.len(), 2 * n);
    drop(q);
    assert_dropped_once(&ids, "append");
    let mut f: MappedQueue<P> = MappedQueue::with_max_capacity(os_mapper(), 100).unwrap();
    let max = f.max_capacity().unwrap();
    let items: Vec<P> = (0..max + 10).map(|i| P::new(i as u32)).collect();
    let ids: Vec<u64> = items.iter().map(P::id).collect();
    let mut rest = items.into_iter();
    let err = f.try_extend(&mut rest).unwrap_err();
    assert_eq!(f.len(), max);
    assert_heap(f.as_slice(), "try_extend");
    let refused = err.into_value();
    assert!(ledger::is_live(refused.id()));
    drop((f, refused, rest));
    assert_dropped_once(&ids, "try_extend");
}
