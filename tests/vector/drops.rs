//! Drop counts and panic safety of `MappedVector`.
//!
//! Every element carries an id and a shared `Log` that counts the drops of
//! each id, so the tests see exactly which elements were dropped, and how
//! often: every element must be dropped exactly once (none twice, none
//! leaked), whatever way it leaves the vector, and also when a `Drop`, a
//! `Clone` or a `retain` predicate panics halfway.
//!
//! Each scenario is written once over the `Seq` trait and run on both
//! `MappedVector` and `std::vec::Vec`: the expected counts are asserted on
//! both (so the expectations themselves are checked against std), and the
//! two runs' drop counts and contents must be identical.
//!
//! The mapped vectors run on a `TestMapper` that counts reserved bytes, so
//! a reservation leaked by a panic is caught too.

use mapped::MappedVector;
use mapped_mock::os_mapper;
use mapped_testkit::{TestMapper, ZstDrops};
use std::ops::{Deref, DerefMut, Range};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

// ---------------------------------------------------------------------------
// The element and its log

const NEVER: usize = usize::MAX;

/// What happened to the elements of one scenario.
struct Log {
    /// Drops of each id (the index); an id is made once, by `make` or `clone`.
    drops: Mutex<Vec<u32>>,
    clones: AtomicUsize,
    /// The `clone` call (1-based) that panics; `NEVER` for none.
    clone_panics_at: AtomicUsize,
    /// The id whose drop panics (after being counted); `NEVER` for none.
    drop_panics_id: AtomicUsize,
}

/// 72 bytes: a thousand of them span 18 pages, so truncating and draining
/// decommit pages while elements are being dropped.
///
/// The log is leaked (`&'static`), not reference-counted, so that a double
/// drop shows up as a count of 2 rather than as a corrupted heap.
struct D {
    id: usize,
    val: u64,
    log: &'static Log,
    _pad: [u64; 6],
}

impl Log {
    fn new() -> &'static Log {
        Box::leak(Box::new(Log {
            drops: Mutex::new(Vec::new()),
            clones: AtomicUsize::new(0),
            clone_panics_at: AtomicUsize::new(NEVER),
            drop_panics_id: AtomicUsize::new(NEVER),
        }))
    }

    fn make(&'static self, val: u64) -> D {
        let mut drops = self.drops.lock().unwrap();
        drops.push(0);
        D {
            id: drops.len() - 1,
            val,
            log: self,
            _pad: [val; 6],
        }
    }

    /// `n` elements with values `0..n` (and, in a fresh log, ids `0..n`).
    fn make_n(&'static self, n: usize) -> Vec<D> {
        (0..n as u64).map(|v| self.make(v)).collect()
    }

    fn drops(&self) -> Vec<u32> {
        self.drops.lock().unwrap().clone()
    }

    fn made(&self) -> usize {
        self.drops.lock().unwrap().len()
    }

    /// Asserts the ids in `ids` were dropped exactly once and all others never.
    fn assert_dropped(&self, ids: impl IntoIterator<Item = usize>, what: &str) {
        let drops = self.drops();
        let mut want = vec![0u32; drops.len()];
        for id in ids {
            want[id] = 1;
        }
        for (id, (&got, &want)) in drops.iter().zip(&want).enumerate() {
            assert_eq!(
                got, want,
                "{what}: id {id} dropped {got} times, expected {want}"
            );
        }
    }

    /// Asserts every element ever made was dropped exactly once.
    fn assert_all_dropped_once(&self, what: &str) {
        self.assert_dropped(0..self.made(), what);
    }

    fn panic_on_drop_of(&self, id: usize) {
        self.drop_panics_id.store(id, SeqCst);
    }

    fn panic_on_clone(&self, k: usize) {
        self.clones.store(0, SeqCst);
        self.clone_panics_at.store(k, SeqCst);
    }

    fn disarm(&self) {
        self.drop_panics_id.store(NEVER, SeqCst);
        self.clone_panics_at.store(NEVER, SeqCst);
    }
}

impl Clone for D {
    fn clone(&self) -> D {
        let k = self.log.clones.fetch_add(1, SeqCst) + 1;
        if k == self.log.clone_panics_at.load(SeqCst) {
            panic!("clone #{k} (of id {}) panics", self.id);
        }
        self.log.make(self.val)
    }
}

impl Drop for D {
    fn drop(&mut self) {
        assert_eq!(self._pad, [self.val; 6], "id {} corrupted", self.id);
        self.log.drops.lock().unwrap()[self.id] += 1;
        if self.log.drop_panics_id.load(SeqCst) == self.id {
            panic!("drop of id {} panics", self.id);
        }
    }
}

fn ids(s: &[D]) -> Vec<usize> {
    s.iter().map(|d| d.id).collect()
}

// ---------------------------------------------------------------------------
// A mapper that counts reserved bytes

/// Forwards to the OS mapper; the tests read its `reserved` counter.
fn track() -> Arc<TestMapper> {
    Arc::new(TestMapper::new("track"))
}

// ---------------------------------------------------------------------------
// The same scenario on MappedVector and Vec

type Mv = MappedVector<D, 1>;

trait Seq: Deref<Target = [D]> + DerefMut + Sized {
    fn fresh(track: &Arc<TestMapper>) -> Self;
    fn push_(&mut self, d: D);
    fn pop_(&mut self) -> Option<D>;
    fn truncate_(&mut self, n: usize);
    fn clear_(&mut self);
    fn remove_(&mut self, i: usize) -> D;
    fn swap_remove_(&mut self, i: usize) -> D;
    fn retain_<F: FnMut(&D) -> bool>(&mut self, f: F);
    fn extend_from_slice_(&mut self, s: &[D]);
    fn clone_(&self) -> Self;
    fn try_clone_(&self) -> Self;
    fn drain_(&mut self, r: Range<usize>) -> Box<dyn DoubleEndedIterator<Item = D> + '_>;
    fn into_iter_(self) -> Box<dyn DoubleEndedIterator<Item = D>>;
    fn resize_with_<F: FnMut() -> D>(&mut self, n: usize, f: F);
    fn extend_from_within_(&mut self, r: Range<usize>);
    fn split_off_(&mut self, at: usize) -> Self;
    fn dedup_by_<F: FnMut(&mut D, &mut D) -> bool>(&mut self, same: F);
    fn filled(log: &'static Log, track: &Arc<TestMapper>, n: usize) -> Self {
        let mut s = Self::fresh(track);
        for d in log.make_n(n) {
            s.push_(d);
        }
        s
    }
}

/// The `Seq` methods that both vectors spell alike: each calls the
/// inherent method of the same name. (The impls below write out only the
/// methods where `MappedVector` differs from `Vec`.)
macro_rules! same_as_inherent {
    () => {
        fn pop_(&mut self) -> Option<D> {
            self.pop()
        }
        fn truncate_(&mut self, n: usize) {
            self.truncate(n)
        }
        fn clear_(&mut self) {
            self.clear()
        }
        fn remove_(&mut self, i: usize) -> D {
            self.remove(i)
        }
        fn swap_remove_(&mut self, i: usize) -> D {
            self.swap_remove(i)
        }
        fn retain_<F: FnMut(&D) -> bool>(&mut self, f: F) {
            self.retain(f)
        }
        fn clone_(&self) -> Self {
            self.clone()
        }
        fn drain_(&mut self, r: Range<usize>) -> Box<dyn DoubleEndedIterator<Item = D> + '_> {
            Box::new(self.drain(r))
        }
        fn into_iter_(self) -> Box<dyn DoubleEndedIterator<Item = D>> {
            Box::new(self.into_iter())
        }
        fn dedup_by_<F: FnMut(&mut D, &mut D) -> bool>(&mut self, same: F) {
            self.dedup_by(same)
        }
    };
}

impl Seq for Mv {
    same_as_inherent!();
    fn fresh(track: &Arc<TestMapper>) -> Self {
        MappedVector::new(track.clone())
    }
    fn push_(&mut self, d: D) {
        self.push(d).unwrap()
    }
    fn extend_from_slice_(&mut self, s: &[D]) {
        self.extend_from_slice(s).unwrap()
    }
    fn try_clone_(&self) -> Self {
        self.try_clone().unwrap()
    }
    fn resize_with_<F: FnMut() -> D>(&mut self, n: usize, f: F) {
        self.resize_with(n, f).unwrap()
    }
    fn extend_from_within_(&mut self, r: Range<usize>) {
        self.extend_from_within(r).unwrap()
    }
    fn split_off_(&mut self, at: usize) -> Self {
        self.split_off(at).unwrap()
    }
}

impl Seq for Vec<D> {
    same_as_inherent!();
    fn fresh(_: &Arc<TestMapper>) -> Self {
        Vec::new()
    }
    fn push_(&mut self, d: D) {
        self.push(d)
    }
    fn extend_from_slice_(&mut self, s: &[D]) {
        self.extend_from_slice(s)
    }
    fn try_clone_(&self) -> Self {
        self.clone()
    }
    fn resize_with_<F: FnMut() -> D>(&mut self, n: usize, f: F) {
        self.resize_with(n, f)
    }
    fn extend_from_within_(&mut self, r: Range<usize>) {
        self.extend_from_within(r)
    }
    fn split_off_(&mut self, at: usize) -> Self {
        self.split_off(at)
    }
}

/// What a scenario observed at its checkpoints: the drop count of every id
/// and the ids the vector held. Must be the same for both vectors.
#[derive(Debug, PartialEq, Default)]
struct Trace(Vec<(&'static str, Vec<u32>, Vec<usize>)>);

impl Trace {
    fn at(&mut self, name: &'static str, log: &Log, s: &[D]) {
        self.0.push((name, log.drops(), ids(s)));
    }
}

/// A test that runs the scenario `$body` on `MappedVector` and on `Vec`,
/// checks the mapped run released every reservation, and that both runs saw
/// the same drops and contents at every `at!` checkpoint.
macro_rules! scenario {
    ($name:ident, |$log:ident, $track:ident, $s:ident: $S:ident| $body:block) => {
        #[test]
        fn $name() {
            fn run<$S: Seq>($log: &'static Log, $track: &Arc<TestMapper>) -> Trace {
                let mut trace = Trace::default();
                let _ = &mut trace;
                #[allow(unused_macros)]
                macro_rules! at {
                    ($n:expr, $v:expr) => {
                        trace.at($n, $log, &$v)
                    };
                }
                $body;
                trace
            }
            let track = track();
            let mapped = run::<Mv>(Log::new(), &track);
            assert_eq!(track.reserved.load(SeqCst), 0, "a reservation leaked");
            let std = run::<Vec<D>>(Log::new(), &track);
            assert_eq!(mapped, std, "MappedVector and Vec differ");
        }
    };
}

const N: usize = 1000;

fn range_ids(r: Range<usize>) -> Vec<usize> {
    r.collect()
}

// ---------------------------------------------------------------------------
// Every element dropped exactly once

scenario!(pop_drops_each_once, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    for want in (400..N).rev() {
        let d = s.pop_().unwrap();
        assert_eq!(d.id, want);
        log.assert_dropped(want + 1..N, "while popping");
    }
    log.assert_dropped(400..N, "after the pops");
    at!("popped", s);
    assert_eq!(ids(&s), range_ids(0..400));
    drop(s);
    log.assert_all_dropped_once("after drop");
});

scenario!(truncate_drops_the_tail_once, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    s.truncate_(N + 5); // longer: nothing happens
    log.assert_dropped([], "truncate past the end");
    s.truncate_(300);
    log.assert_dropped(300..N, "truncate(300)");
    assert_eq!(ids(&s), range_ids(0..300));
    at!("truncated", s);
    s.truncate_(299);
    log.assert_dropped(299..N, "truncate(299)");
    drop(s);
    log.assert_all_dropped_once("after drop");
});

scenario!(clear_drops_all_once, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    s.clear_();
    log.assert_all_dropped_once("clear");
    assert!(s.is_empty());
    s.clear_();
    s.push_(log.make(5));
    at!("cleared and pushed", s);
    drop(s);
    log.assert_all_dropped_once("after drop");
});

scenario!(vector_drop_drops_all_once, |log, track, s: S| {
    let s = S::filled(log, track, N);
    at!("filled", s);
    drop(s);
    log.assert_all_dropped_once("drop");
    // An empty vector, and one that never allocated.
    drop(S::fresh(track));
    let mut e = S::filled(log, track, 3);
    e.clear_();
    drop(e);
    log.assert_all_dropped_once("empty drops");
});

scenario!(into_iter_partly_consumed, |log, track, s: S| {
    let s = S::filled(log, track, N);
    let mut it = s.into_iter_();
    let front: Vec<D> = it.by_ref().take(10).collect();
    let back: Vec<D> = (0..5).map(|_| it.next_back().unwrap()).collect();
    assert_eq!(ids(&front), range_ids(0..10));
    assert_eq!(
        ids(&back),
        range_ids(N - 5..N).into_iter().rev().collect::<Vec<_>>()
    );
    log.assert_dropped([], "yielded items are alive");
    drop(it);
    log.assert_dropped(10..N - 5, "the rest dropped with the iterator");
    at!("iterator dropped", front);
    drop((front, back));
    log.assert_all_dropped_once("after dropping the yielded items");
});

scenario!(into_iter_fully_consumed, |log, track, s: S| {
    let s = S::filled(log, track, N);
    let mut n = 0;
    for (i, d) in s.into_iter_().enumerate() {
        assert_eq!(d.id, i);
        log.assert_dropped(0..i, "each dropped after its turn");
        n += 1;
    }
    assert_eq!(n, N);
    log.assert_all_dropped_once("consumed");
});

scenario!(drain_partly_consumed, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    let (front, back) = {
        let mut d = s.drain_(100..700);
        let front: Vec<D> = d.by_ref().take(50).collect();
        let back: Vec<D> = (0..20).map(|_| d.next_back().unwrap()).collect();
        log.assert_dropped([], "while draining");
        (front, back)
    };
    log.assert_dropped(150..680, "the range's unyielded items at drain drop");
    assert_eq!(ids(&front), range_ids(100..150));
    let mut want = range_ids(0..100);
    want.extend(700..N);
    assert_eq!(ids(&s), want, "the tail closes the gap");
    at!("drained", s);
    drop((front, back));
    log.assert_dropped(100..700, "yielded items dropped");
    s.push_(log.make(1));
    drop(s);
    log.assert_all_dropped_once("after drop");
});

scenario!(drain_fully_consumed_and_untouched, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    let got: Vec<D> = s.drain_(200..900).collect();
    assert_eq!(ids(&got), range_ids(200..900));
    log.assert_dropped([], "drained items are alive");
    drop(got);
    log.assert_dropped(200..900, "drained items dropped once");
    drop(s.drain_(10..20)); // never iterated
    log.assert_dropped((10..20).chain(200..900), "unconsumed drain");
    drop(s.drain_(5..5));
    let all = 0..s.len();
    let rest: Vec<D> = s.drain_(all).rev().collect();
    assert_eq!(rest.len(), N - 710);
    assert!(s.is_empty());
    at!("all drained", rest);
    drop(rest);
    log.assert_all_dropped_once("all");
    drop(s);
});

scenario!(retain_drops_the_rejected_once, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    s.retain_(|d| d.id % 3 == 0);
    log.assert_dropped((0..N).filter(|i| i % 3 != 0), "retain");
    assert_eq!(ids(&s), (0..N).filter(|i| i % 3 == 0).collect::<Vec<_>>());
    at!("retained", s);
    s.retain_(|_| false);
    log.assert_all_dropped_once("retain nothing");
    drop(s);
});

scenario!(remove_and_swap_remove, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    let d = s.remove_(10);
    assert_eq!(d.id, 10);
    log.assert_dropped([], "the removed element is returned, not dropped");
    drop(d);
    let d = s.swap_remove_(20); // id 21, replaced by the last (id N - 1)
    assert_eq!(d.id, 21);
    assert_eq!(s[20].id, N - 1);
    drop(d);
    let last = s.len() - 1;
    drop(s.swap_remove_(last));
    log.assert_dropped([10, 21, N - 2], "removed ones only");
    at!("removed", s);
    while !s.is_empty() {
        drop(s.remove_(0));
    }
    log.assert_all_dropped_once("all removed");
    drop(s);
});

scenario!(set_through_index_drops_the_old, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    s[7] = log.make(70);
    log.assert_dropped([7], "overwritten element");
    s.swap(0, N - 1);
    log.assert_dropped([7], "swap drops nothing");
    at!("set", s);
    drop(s);
    log.assert_all_dropped_once("after drop");
});

scenario!(clones_are_separate, |log, track, s: S| {
    let s = S::filled(log, track, N);
    let c = s.clone_();
    let t = s.try_clone_();
    assert_eq!(log.made(), 3 * N);
    assert!(c
        .iter()
        .zip(s.iter())
        .all(|(a, b)| a.val == b.val && a.id != b.id));
    drop(c);
    log.assert_dropped(N..2 * N, "the clone's own elements");
    at!("cloned", t);
    drop(t);
    drop(s);
    log.assert_all_dropped_once("after drop");
});

/// `append` moves: nothing dropped until the receiving vector is.
#[test]
fn append_moves_without_dropping() {
    let log = Log::new();
    let track = track();
    let mut a = Mv::filled(log, &track, N);
    let mut b = MappedVector::<D, 4>::new(track.clone());
    for d in log.make_n(N) {
        b.push(d).unwrap();
    }
    a.append(&mut b).unwrap();
    assert!(b.is_empty());
    assert_eq!(ids(&a), range_ids(0..2 * N));
    log.assert_dropped([], "append");
    drop(b);
    log.assert_dropped([], "dropping the emptied vector");
    drop(a);
    log.assert_all_dropped_once("after drop");
    assert_eq!(track.reserved.load(SeqCst), 0);
}

/// `extend`, `try_extend`, `insert` and `extend_from_slice` keep what they
/// were given and drop nothing.
#[test]
fn filling_drops_nothing() {
    let log = Log::new();
    let mut v = MappedVector::<D, 1>::new(os_mapper());
    v.extend(log.make_n(300));
    v.try_extend(log.make_n(300)).unwrap();
    v.insert(5, log.make(9)).unwrap();
    let src = log.make_n(100);
    v.extend_from_slice(&src).unwrap();
    log.assert_dropped([], "filling");
    assert_eq!(v.len(), 701);
    drop((v, src));
    log.assert_all_dropped_once("after drop");
}

// ---------------------------------------------------------------------------
// A Drop that panics

/// Runs `f`, which must panic.
fn must_panic<R>(what: &str, f: impl FnOnce() -> R) {
    let r = catch_unwind(AssertUnwindSafe(f));
    assert!(r.is_err(), "{what}: expected a panic");
}

scenario!(drop_panics_during_truncate, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    log.panic_on_drop_of(500);
    must_panic("truncate", || s.truncate_(300));
    log.disarm();
    log.assert_dropped(
        300..N,
        "every truncated element once, the panicking one too",
    );
    assert_eq!(s.len(), 300, "len after a panicking truncate");
    assert_eq!(ids(&s), range_ids(0..300));
    at!("after the panic", s);
    s.push_(log.make(1));
    s.truncate_(100);
    assert_eq!(s.len(), 100, "still usable");
    drop(s);
    log.assert_all_dropped_once("after drop");
});

scenario!(drop_panics_during_clear, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    log.panic_on_drop_of(0);
    must_panic("clear", || s.clear_());
    log.disarm();
    log.assert_all_dropped_once("clear with a panicking first drop");
    assert!(s.is_empty());
    at!("after the panic", s);
    for d in log.make_n(N) {
        s.push_(d);
    }
    assert_eq!(s.len(), N, "still usable");
    drop(s);
    log.assert_all_dropped_once("after drop");
});

scenario!(drop_panics_during_vector_drop, |log, track, s: S| {
    let s = S::filled(log, track, N);
    log.panic_on_drop_of(N - 1);
    must_panic("drop", move || drop(s));
    log.disarm();
    log.assert_all_dropped_once("vector drop with a panicking last drop");
    let s = S::filled(log, track, N);
    log.panic_on_drop_of(N + 123);
    must_panic("drop", move || drop(s));
    log.disarm();
    log.assert_all_dropped_once("vector drop with a panicking middle drop");
    at!("dropped", []);
});

scenario!(drop_panics_during_drain_drop, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    let mut yielded = Vec::new();
    must_panic("drain drop", || {
        let mut d = s.drain_(200..800);
        yielded.extend(d.by_ref().take(100));
        yielded.extend(d.next_back());
        log.panic_on_drop_of(500);
        drop(d);
    });
    log.disarm();
    log.assert_dropped(300..799, "unyielded range elements, once each");
    let mut want = range_ids(0..200);
    want.extend(800..N);
    assert_eq!(ids(&s), want, "the tail closed the gap despite the panic");
    assert_eq!(s.len(), 400);
    at!("after the panic", s);
    drop(yielded);
    log.assert_dropped(200..800, "yielded dropped by their owner");
    s.push_(log.make(3));
    assert_eq!(s.len(), 401, "still usable");
    drop(s);
    log.assert_all_dropped_once("after drop");
});

scenario!(drop_panics_during_into_iter_drop, |log, track, s: S| {
    let s = S::filled(log, track, N);
    let mut it = s.into_iter_();
    let front: Vec<D> = it.by_ref().take(10).collect();
    log.panic_on_drop_of(11);
    must_panic("into_iter drop", move || drop(it));
    log.disarm();
    log.assert_dropped(10..N, "the remaining elements, once each");
    at!("after the panic", front);
    drop(front);
    log.assert_all_dropped_once("after drop");
});

// ---------------------------------------------------------------------------
// A Clone that panics

scenario!(clone_panics_during_extend_from_slice, |log, track, s: S| {
    let mut s = S::filled(log, track, 100);
    let src = log.make_n(50); // ids 100..150, values 0..50
    log.panic_on_clone(20);
    must_panic("extend_from_slice", || s.extend_from_slice_(&src));
    log.disarm();
    assert_eq!(s.len(), 119, "the 19 clones made before the panic stay");
    assert!(s[100..].iter().zip(&src).all(|(c, o)| c.val == o.val));
    assert_eq!(ids(&s[100..]), range_ids(150..169));
    log.assert_dropped([], "nothing dropped");
    at!("after the panic", s);
    s.extend_from_slice_(&src);
    assert_eq!(s.len(), 169, "still usable");
    drop((s, src));
    log.assert_all_dropped_once("after drop");
});

scenario!(clone_panics_during_clone, |log, track, s: S| {
    let s = S::filled(log, track, N);
    log.panic_on_clone(700);
    must_panic("clone", || s.clone_());
    log.disarm();
    assert_eq!(log.made(), N + 699);
    log.assert_dropped(N..N + 699, "the partial copy dropped, once each");
    assert_eq!(ids(&s), range_ids(0..N), "the original is untouched");
    log.panic_on_clone(1);
    must_panic("try_clone", || s.try_clone_());
    log.disarm();
    log.assert_dropped(N..N + 699, "a clone panicking at once made nothing");
    log.panic_on_clone(N);
    must_panic("try_clone", || s.try_clone_());
    log.disarm();
    log.assert_dropped(N..2 * N + 698, "the partial try_clone dropped");
    at!("after the panics", s);
    let c = s.clone_();
    assert_eq!(c.len(), N, "still clonable");
    drop((s, c));
    log.assert_all_dropped_once("after drop");
});

// ---------------------------------------------------------------------------
// retain, interrupted

scenario!(retain_predicate_panics, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    must_panic("retain", || {
        s.retain_(|d| {
            if d.id == 500 {
                panic!("predicate panics at 500");
            }
            d.id % 3 == 0
        })
    });
    let rejected: Vec<usize> = (0..500).filter(|i| i % 3 != 0).collect();
    log.assert_dropped(rejected.iter().copied(), "the rejected before the panic");
    let mut want: Vec<usize> = (0..500).filter(|i| i % 3 == 0).collect();
    want.extend(500..N);
    assert_eq!(ids(&s), want, "the unvisited elements are kept, in order");
    at!("after the panic", s);
    s.retain_(|d| d.id % 2 == 0);
    s.push_(log.make(0));
    drop(s);
    log.assert_all_dropped_once("after drop");
});

scenario!(retain_drop_panics, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    log.panic_on_drop_of(400); // rejected: 400 % 3 == 1
    must_panic("retain", || s.retain_(|d| d.id % 3 == 0));
    log.disarm();
    log.assert_dropped((0..=400).filter(|i| i % 3 != 0), "rejected up to the panic");
    let mut want: Vec<usize> = (0..400).filter(|i| i % 3 == 0).collect();
    want.extend(401..N);
    assert_eq!(ids(&s), want);
    at!("after the panic", s);
    drop(s);
    log.assert_all_dropped_once("after drop");
});

// ---------------------------------------------------------------------------
// Zero-sized elements count drops too

#[test]
fn zero_sized_drops() {
    let mut v = MappedVector::<ZstDrops>::new(os_mapper());
    for _ in 0..10_000 {
        v.push(ZstDrops).unwrap();
    }
    let d0 = ZstDrops::count();
    v.truncate(9_000);
    assert_eq!(ZstDrops::count() - d0, 1_000);
    drop(v.drain(100..200));
    assert_eq!(ZstDrops::count() - d0, 1_100);
    v.pop();
    assert_eq!(ZstDrops::count() - d0, 1_101);
    let mut it = v.into_iter();
    it.next();
    assert_eq!(ZstDrops::count() - d0, 1_102);
    drop(it);
    assert_eq!(ZstDrops::count() - d0, 10_000);
}

// ---------------------------------------------------------------------------
// The Vec-parity methods: drops and panics as Vec has them

scenario!(dedup_by_drops_the_repeats_once, |log, track, s: S| {
    let mut s = S::fresh(track);
    for v in [1, 1, 2, 2, 2, 3, 1, 1] {
        s.push_(log.make(v));
    }
    s.dedup_by_(|a, b| a.val == b.val);
    at!("deduplicated", s);
    log.assert_dropped([1, 3, 4, 7], "the repeats");
    drop(s);
    log.assert_all_dropped_once("after drop");
});

scenario!(
    dedup_by_keeps_everything_when_the_test_panics,
    |log, track, s: S| {
        let mut s = S::filled(log, track, N);
        let mut calls = 0;
        must_panic("dedup_by", || {
            s.dedup_by_(|_, _| {
                calls += 1;
                assert!(calls < 300, "the 300th comparison panics");
                true
            })
        });
        at!("after the panic", s);
        // Removed before the panic: ids 1..=298; the rest kept, in order.
        log.assert_dropped(1..300, "the elements removed before the panic");
        let mut want = vec![0];
        want.extend(300..N);
        assert_eq!(ids(&s), want);
        drop(s);
        log.assert_all_dropped_once("after drop");
    }
);

scenario!(
    dedup_by_keeps_the_rest_when_a_drop_panics,
    |log, track, s: S| {
        let mut s = S::filled(log, track, N);
        log.panic_on_drop_of(10);
        must_panic("dedup_by", || s.dedup_by_(|a, _| a.id <= 10));
        log.disarm();
        at!("after the panic", s);
        log.assert_dropped(1..=10, "dropped up to the panicking one, that one once");
        let mut want = vec![0];
        want.extend(11..N);
        assert_eq!(ids(&s), want);
        drop(s);
        log.assert_all_dropped_once("after drop");
    }
);

scenario!(
    resize_with_keeps_what_was_made_when_it_panics,
    |log, track, s: S| {
        let mut s = S::filled(log, track, 10);
        let mut made = 0;
        must_panic("resize_with", || {
            s.resize_with_(N, || {
                made += 1;
                assert!(made <= 500, "the 501st element panics");
                log.make(made)
            })
        });
        at!("after the panic", s);
        assert_eq!(s.len(), 510, "the 500 made are kept");
        s.resize_with_(20, || unreachable!("shrinking makes nothing"));
        at!("shrunk", s);
        log.assert_dropped(20..510, "the cut elements");
        drop(s);
        log.assert_all_dropped_once("after drop");
    }
);

scenario!(
    extend_from_within_keeps_the_clones_when_one_panics,
    |log, track, s: S| {
        let mut s = S::filled(log, track, N);
        log.panic_on_clone(300);
        must_panic("extend_from_within", || s.extend_from_within_(100..900));
        log.disarm();
        at!("after the panic", s);
        assert_eq!(s.len(), N + 299, "299 clones made before the panic stay");
        assert!(s[N..].iter().zip(100..).all(|(d, v)| d.val == v));
        drop(s);
        log.assert_all_dropped_once("after drop");
    }
);

scenario!(split_off_moves_without_dropping, |log, track, s: S| {
    let mut s = S::filled(log, track, N);
    let tail = s.split_off_(300);
    at!("head", s);
    at!("tail", tail);
    log.assert_dropped([], "nothing dropped");
    assert_eq!(ids(&tail), range_ids(300..N));
    drop(tail);
    log.assert_dropped(300..N, "the tail, by its owner");
    drop(s);
    log.assert_all_dropped_once("after drop");
});
