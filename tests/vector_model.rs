//! Model tests: random sequences of every mutating method of `MappedVector`
//! run side by side with a `std::vec::Vec`, contents compared after every
//! step, and the memory invariants checked after every step:
//!
//! - `capacity() >= len()` (and is what the committed pages hold),
//! - `committed_bytes()` is a page multiple, holds the elements, and never
//!   falls below the `N`-page floor once the vector has grown,
//! - the shrink policy: after an operation that removed elements, either a
//!   quarter of the committed bytes is in use or committed is at its floor.
//!
//! Operations are a generated `Vec<Op>`, so proptest shrinks a failure to a
//! minimal sequence. Element types: `u64`, `String` (owns heap memory) and
//! `Counted` (a live-instance counter checked against `len()` every step;
//! 128 bytes, so pages fill and empty within a few operations). Half the
//! cases use a two-page initial window, so the window moves (mremap) often.
//!
//! `PROPTEST_CASES` sets the number of cases (default 256) and
//! `PROPTEST_RNG_SEED` the seed (default fixed, so runs are reproducible).

use mapped::{MappedVector, Mapper, MAPPER};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, RngSeed};
use std::cell::Cell;
use std::fmt::Debug;
use std::mem::size_of;
use std::ops::Bound;
use std::rc::Rc;

// ---------------------------------------------------------------------------
// Element types

/// Live instances of `Counted` created for one side of the comparison.
type Tally = Rc<Cell<i64>>;

trait Elem: Clone + PartialEq + Debug + 'static {
    /// Whether `make`/`clone`/`drop` keep the tally.
    const COUNTS: bool;
    fn make(x: u64, tally: &Tally) -> Self;
    fn key(&self) -> u64;
    /// A change `retain_mut` makes in place.
    fn bump(&mut self);
}

impl Elem for u64 {
    const COUNTS: bool = false;
    fn make(x: u64, _: &Tally) -> Self {
        x
    }
    fn key(&self) -> u64 {
        *self
    }
    fn bump(&mut self) {
        *self = self.wrapping_add(1);
    }
}

impl Elem for String {
    const COUNTS: bool = false;
    fn make(x: u64, _: &Tally) -> Self {
        format!("{x:020}")
    }
    fn key(&self) -> u64 {
        self.parse().unwrap()
    }
    fn bump(&mut self) {
        *self = Self::make(self.key().wrapping_add(1), &Tally::default());
    }
}

/// Counts live instances in its tally; padded to 128 bytes so that a page
/// holds 32 of them and the vector grows and shrinks within a few steps.
struct Counted {
    x: u64,
    tally: Tally,
    _pad: [u64; 14],
}

impl Elem for Counted {
    const COUNTS: bool = true;
    fn make(x: u64, tally: &Tally) -> Self {
        tally.set(tally.get() + 1);
        Counted {
            x,
            tally: tally.clone(),
            _pad: [x; 14],
        }
    }
    fn key(&self) -> u64 {
        self.x
    }
    fn bump(&mut self) {
        self.x = self.x.wrapping_add(1);
        self._pad = [self.x; 14];
    }
}

impl Clone for Counted {
    fn clone(&self) -> Self {
        assert_eq!(self._pad, [self.x; 14], "padding of {} corrupted", self.x);
        Counted::make(self.x, &self.tally)
    }
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.tally.set(self.tally.get() - 1);
    }
}

impl PartialEq for Counted {
    fn eq(&self, other: &Self) -> bool {
        self.x == other.x && self._pad == other._pad
    }
}

impl Debug for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "C{}", self.x)
    }
}

// ---------------------------------------------------------------------------
// Operations

#[derive(Clone, Debug)]
enum Op {
    Push(u64),
    Pop,
    Insert(usize, u64),
    Remove(usize),
    SwapRemove(usize),
    /// To `i % (len + 2)`: sometimes longer than the vector (a no-op).
    Truncate(usize),
    Clear,
    /// Keep elements whose key is not `r` modulo `m`.
    Retain(u64, u64),
    /// Bump every element, then keep as `Retain`.
    RetainMut(u64, u64),
    /// `drain` a range of the bound kind `kind`, take `front` items from the
    /// front and `back` from the back (all of them if `all`), then drop it.
    Drain {
        a: usize,
        b: usize,
        kind: u8,
        front: usize,
        back: usize,
        all: bool,
    },
    ExtendFromSlice(u64, usize),
    /// From another vector (`N = 4`, possibly a small window).
    Append(u64, usize, bool),
    TryExtend(u64, usize),
    /// Through `Extend<T>`, from an iterator whose size hint is 0.
    Extend(u64, usize),
    Reserve(usize),
    ReserveExact(usize),
    ShrinkToFit,
    ShrinkTo(usize),
    /// `v[i] = x` through `IndexMut`.
    Set(usize, u64),
    /// `s[i] = x` through `DerefMut` to a slice.
    SetDeref(usize, u64),
    /// `swap` and `reverse` through `DerefMut`.
    Swap(usize, usize),
    Reverse,
    /// `clone` and `try_clone` equal the vector.
    CloneEq,
}

fn count() -> impl Strategy<Value = usize> {
    prop_oneof![6 => 0usize..16, 2 => 0usize..300, 1 => 0usize..3000]
}

fn op() -> impl Strategy<Value = Op> {
    let idx = any::<usize>;
    let x = any::<u64>;
    let modulus = 1u64..5;
    prop_oneof![
        12 => x().prop_map(Op::Push),
        8 => Just(Op::Pop),
        3 => (idx(), x()).prop_map(|(i, x)| Op::Insert(i, x)),
        3 => idx().prop_map(Op::Remove),
        3 => idx().prop_map(Op::SwapRemove),
        3 => idx().prop_map(Op::Truncate),
        1 => Just(Op::Clear),
        2 => (modulus.clone(), x()).prop_map(|(m, r)| Op::Retain(m, r)),
        2 => (modulus, x()).prop_map(|(m, r)| Op::RetainMut(m, r)),
        4 => (idx(), idx(), 0u8..8, 0usize..20, 0usize..20, any::<bool>()).prop_map(
            |(a, b, kind, front, back, all)| Op::Drain { a, b, kind, front, back, all }
        ),
        3 => (x(), count()).prop_map(|(s, n)| Op::ExtendFromSlice(s, n)),
        2 => (x(), count(), any::<bool>()).prop_map(|(s, n, w)| Op::Append(s, n, w)),
        3 => (x(), count()).prop_map(|(s, n)| Op::TryExtend(s, n)),
        3 => (x(), count()).prop_map(|(s, n)| Op::Extend(s, n)),
        2 => count().prop_map(Op::Reserve),
        2 => count().prop_map(Op::ReserveExact),
        1 => Just(Op::ShrinkToFit),
        2 => count().prop_map(Op::ShrinkTo),
        2 => (idx(), x()).prop_map(|(i, x)| Op::Set(i, x)),
        2 => (idx(), x()).prop_map(|(i, x)| Op::SetDeref(i, x)),
        1 => (idx(), idx()).prop_map(|(i, j)| Op::Swap(i, j)),
        1 => Just(Op::Reverse),
        1 => Just(Op::CloneEq),
    ]
}

// ---------------------------------------------------------------------------
// The run

fn page() -> usize {
    MAPPER.page_size()
}

fn round_to_pages(bytes: usize) -> usize {
    bytes.div_ceil(page()) * page()
}

/// Calls `drain` on `$v` over `[$a, $b)` with the range type `$kind` picks
/// (`$a` and `$b` already fitted to it by `fit_range`), so that every kind of
/// bound is exercised.
macro_rules! drain_kind {
    ($v:expr, $kind:expr, $a:expr, $b:expr) => {{
        let (a, b): (usize, usize) = ($a, $b);
        match $kind {
            1 if b > 0 => $v.drain(a..=b - 1),
            2 => $v.drain(..b),
            3 if b > 0 => $v.drain(..=b - 1),
            4 => $v.drain(a..),
            5 => $v.drain(..),
            6 if a > 0 => $v.drain((Bound::Excluded(a - 1), Bound::Excluded(b))),
            7 => $v.drain((Bound::Included(a), Bound::Unbounded)),
            _ => $v.drain(a..b),
        }
    }};
}

/// `[a, b)` for range kind `kind` on `len` elements from two raw numbers.
fn fit_range(kind: u8, a: usize, b: usize, len: usize) -> (usize, usize) {
    let (a, b) = (a % (len + 1), b % (len + 1));
    let (a, b) = (a.min(b), a.max(b));
    match kind {
        2 | 3 => (0, b),
        4 | 7 => (a, len),
        5 => (0, len),
        _ => (a, b),
    }
}

/// What the checks remember between steps.
struct Watch {
    floor: usize,
    grown: bool,
}

struct Run<T: Elem, const N: usize> {
    v: MappedVector<T, N>,
    m: Vec<T>,
    /// Tallies of `Counted` made for the mapped side and the model side.
    tv: Tally,
    tm: Tally,
    watch: Watch,
    small_window: bool,
}

impl<T: Elem, const N: usize> Run<T, N> {
    fn new(small_window: bool) -> Self {
        let v = if small_window {
            MappedVector::<T, N>::builder(MAPPER)
                .initial_window(2 * page())
                .build()
                .unwrap()
        } else {
            MappedVector::new(MAPPER)
        };
        let floor = (N * page()).max(round_to_pages(size_of::<T>()));
        assert_eq!(v.committed_bytes(), 0, "new commits nothing");
        assert_eq!(v.reserved_bytes(), 0, "new reserves nothing");
        assert_eq!(v.initial_capacity(), floor / size_of::<T>());
        Run {
            v,
            m: Vec::new(),
            tv: Tally::default(),
            tm: Tally::default(),
            watch: Watch {
                floor,
                grown: false,
            },
            small_window,
        }
    }

    fn mk_v(&self, x: u64) -> T {
        T::make(x, &self.tv)
    }

    fn mk_m(&self, x: u64) -> T {
        T::make(x, &self.tm)
    }

    fn items(start: u64, n: usize, tally: &Tally) -> Vec<T> {
        (0..n as u64)
            .map(|i| T::make(start.wrapping_add(i), tally))
            .collect()
    }

    fn apply(&mut self, op: &Op) {
        let len = self.m.len();
        match *op {
            Op::Push(x) => {
                let (a, b) = (self.mk_v(x), self.mk_m(x));
                self.v.push(a).unwrap();
                self.m.push(b);
            }
            Op::Pop => assert_eq!(self.v.pop(), self.m.pop()),
            Op::Insert(i, x) => {
                let i = i % (len + 1);
                let (a, b) = (self.mk_v(x), self.mk_m(x));
                self.v.insert(i, a).unwrap();
                self.m.insert(i, b);
            }
            Op::Remove(i) if len > 0 => assert_eq!(self.v.remove(i % len), self.m.remove(i % len)),
            Op::SwapRemove(i) if len > 0 => {
                assert_eq!(self.v.swap_remove(i % len), self.m.swap_remove(i % len))
            }
            Op::Remove(_) | Op::SwapRemove(_) => {}
            Op::Truncate(i) => {
                let to = i % (len + 2);
                self.v.truncate(to);
                self.m.truncate(to);
            }
            Op::Clear => {
                self.v.clear();
                self.m.clear();
                assert!(
                    self.v.committed_bytes() <= self.watch.floor,
                    "clear leaves at most the floor committed: {} > {}",
                    self.v.committed_bytes(),
                    self.watch.floor
                );
            }
            Op::Retain(md, r) => {
                let keep = |e: &T| e.key() % md != r % md;
                self.v.retain(keep);
                self.m.retain(keep);
            }
            Op::RetainMut(md, r) => {
                let keep = |e: &mut T| {
                    e.bump();
                    e.key() % md != r % md
                };
                self.v.retain_mut(keep);
                self.m.retain_mut(keep);
            }
            Op::Drain {
                a,
                b,
                kind,
                front,
                back,
                all,
            } => {
                let (a, b) = fit_range(kind, a, b, len);
                let (got, rest_v): (Vec<T>, Vec<T>) = {
                    let mut d = drain_kind!(self.v, kind, a, b);
                    assert_eq!(d.len(), b - a);
                    let got = take_from(&mut d, front, back, all);
                    let rest = d.as_slice().to_vec();
                    assert_eq!(d.len(), rest.len());
                    (got, rest)
                };
                let (want, rest_m): (Vec<T>, Vec<T>) = {
                    let mut d = drain_kind!(self.m, kind, a, b);
                    let got = take_from(&mut d, front, back, all);
                    let rest = d.as_slice().to_vec();
                    (got, rest)
                };
                assert_eq!(got, want, "drained items");
                assert_eq!(rest_v, rest_m, "drain.as_slice() after partial consumption");
                assert_eq!(self.v.len(), len - (b - a));
            }
            Op::ExtendFromSlice(s, n) => {
                let (a, b) = (Self::items(s, n, &self.tv), Self::items(s, n, &self.tm));
                self.v.extend_from_slice(&a).unwrap();
                self.m.extend_from_slice(&b);
            }
            Op::Append(s, n, small) => {
                let mut other = if small {
                    MappedVector::<T, 4>::builder(MAPPER)
                        .initial_window(page())
                        .build()
                        .unwrap()
                } else {
                    MappedVector::<T, 4>::new(MAPPER)
                };
                other.try_extend(Self::items(s, n, &self.tv)).unwrap();
                let mut b = Self::items(s, n, &self.tm);
                self.v.append(&mut other).unwrap();
                self.m.append(&mut b);
                assert!(other.is_empty(), "append empties the other vector");
                let other_floor = (4 * page()).max(round_to_pages(size_of::<T>()));
                assert!(
                    other.committed_bytes() <= other_floor,
                    "the emptied vector gives its pages back: {} > {other_floor}",
                    other.committed_bytes()
                );
                other.push(self.mk_v(7)).unwrap();
                assert_eq!(other.len(), 1, "the emptied vector is usable");
            }
            Op::TryExtend(s, n) => {
                let items = (0..n as u64).map(|i| T::make(s.wrapping_add(i), &self.tv));
                self.v.try_extend(items).unwrap();
                self.m.extend(Self::items(s, n, &self.tm));
            }
            Op::Extend(s, n) => {
                // `filter` makes the size hint's lower bound 0: no reserve up front.
                self.v
                    .extend(Self::items(s, n, &self.tv).into_iter().filter(|_| true));
                self.m.extend(Self::items(s, n, &self.tm));
            }
            Op::Reserve(n) => {
                self.v.reserve(n).unwrap();
                self.m.reserve(n);
                assert!(self.v.capacity() - self.v.len() >= n, "reserve({n})");
            }
            Op::ReserveExact(n) => {
                let (committed, reserved) = (self.v.committed_bytes(), self.v.reserved_bytes());
                self.v.reserve_exact(n).unwrap();
                self.m.reserve_exact(n);
                assert!(self.v.capacity() - self.v.len() >= n, "reserve_exact({n})");
                // Exact: no doubling. (Only once the vector has its own
                // reservation: a first one may come from the process-wide
                // cache with more pages already committed.)
                let exact = round_to_pages((len + n) * size_of::<T>()).max(self.watch.floor);
                assert!(
                    reserved == 0 || self.v.committed_bytes() <= committed.max(exact),
                    "reserve_exact({n}) committed {} > {}",
                    self.v.committed_bytes(),
                    committed.max(exact)
                );
            }
            Op::ShrinkToFit => {
                self.v.shrink_to_fit().unwrap();
                self.m.shrink_to_fit();
                let fit = round_to_pages(len * size_of::<T>()).max(self.watch.floor);
                assert!(
                    self.v.committed_bytes() <= fit,
                    "shrink_to_fit left {} > {fit}",
                    self.v.committed_bytes()
                );
            }
            Op::ShrinkTo(n) => {
                let before = self.v.committed_bytes();
                self.v.shrink_to(n).unwrap();
                self.m.shrink_to(n);
                let fit = round_to_pages(len.max(n) * size_of::<T>()).max(self.watch.floor);
                assert!(
                    self.v.committed_bytes() <= fit.min(before),
                    "shrink_to({n}) left {}",
                    self.v.committed_bytes()
                );
                assert!(self.v.capacity() >= len.max(n).min(before / size_of::<T>()));
            }
            Op::Set(i, x) if len > 0 => {
                let (a, b) = (self.mk_v(x), self.mk_m(x));
                self.v[i % len] = a;
                self.m[i % len] = b;
            }
            Op::SetDeref(i, x) if len > 0 => {
                let (a, b) = (self.mk_v(x), self.mk_m(x));
                let s: &mut [T] = &mut self.v;
                s[i % len] = a;
                self.m[i % len] = b;
            }
            Op::Set(..) | Op::SetDeref(..) => {}
            Op::Swap(i, j) if len > 0 => {
                self.v.swap(i % len, j % len);
                self.m.swap(i % len, j % len);
            }
            Op::Swap(..) => {}
            Op::Reverse => {
                self.v.reverse();
                self.m.reverse();
            }
            Op::CloneEq => {
                let c = self.v.clone();
                assert_eq!(c.as_slice(), self.v.as_slice());
                assert_eq!(c.len(), self.v.len());
                let t = self.v.try_clone().unwrap();
                assert!(t == self.v, "try_clone equals the original");
                if self.small_window {
                    // The copy keeps the window kind: grow it past its window.
                    let mut t = t;
                    t.extend_from_slice(&Self::items(0, 2 * page() / size_of::<T>() + 1, &self.tv))
                        .unwrap();
                    assert_eq!(t[..len], self.v[..]);
                }
            }
        }
    }

    /// The checks made after every step. `removed`: the step removed elements.
    fn check(&mut self, step: usize, op: &Op, removed: bool) {
        let (v, m) = (&self.v, &self.m);
        let ctx = || format!("after step {step} ({op:?})");
        assert_eq!(v.len(), m.len(), "len {}", ctx());
        assert_eq!(v.is_empty(), m.is_empty(), "{}", ctx());
        if v.as_slice() != m.as_slice() {
            let i = (0..m.len()).find(|&i| v[i] != m[i]).unwrap();
            panic!(
                "contents differ at index {i} of {}: {:?} != {:?} {}",
                m.len(),
                v[i],
                m[i],
                ctx()
            );
        }
        let size = size_of::<T>();
        let (committed, cap, len) = (v.committed_bytes(), v.capacity(), v.len());
        let page = page();
        assert_eq!(v.page_size(), page);
        assert!(cap >= len, "capacity {cap} < len {len} {}", ctx());
        if v.storage() != mapped::Storage::Mapped {
            // On the heap (or empty): no mapping, at most the N pages' limit.
            assert_eq!((committed, v.reserved_bytes()), (0, 0), "{}", ctx());
            assert_eq!(v.heap_bytes(), cap * size, "{}", ctx());
            assert!(v.heap_bytes() <= N * page, "{}", ctx());
            return;
        }
        assert_eq!(
            cap,
            committed / size,
            "capacity is what the committed pages hold {}",
            ctx()
        );
        assert_eq!(
            committed % page,
            0,
            "committed {committed} not a page multiple {}",
            ctx()
        );
        assert!(
            committed >= len * size,
            "committed {committed} < {len} elements {}",
            ctx()
        );
        assert!(
            v.reserved_bytes() >= committed,
            "reserved {} < committed {committed} {}",
            v.reserved_bytes(),
            ctx()
        );
        if committed > 0 {
            self.watch.grown = true;
        }
        if self.watch.grown {
            assert!(
                committed >= self.watch.floor,
                "committed {committed} below the floor {} {}",
                self.watch.floor,
                ctx()
            );
        }
        if removed {
            assert!(
                len * size >= committed / 4 || committed <= self.watch.floor,
                "shrink policy: {} live bytes of {committed} committed (floor {}) {}",
                len * size,
                self.watch.floor,
                ctx()
            );
        }
        if T::COUNTS {
            assert_eq!(
                self.tv.get(),
                len as i64,
                "live elements (mapped) {}",
                ctx()
            );
            assert_eq!(self.tm.get(), len as i64, "live elements (model) {}", ctx());
        }
    }

    fn run(mut self, ops: &[Op]) {
        for (step, op) in ops.iter().enumerate() {
            let before = self.v.len();
            self.apply(op);
            let removed = self.v.len() < before;
            self.check(step, op, removed);
        }
        let tv = self.tv.clone();
        drop(self);
        assert_eq!(tv.get(), 0, "every element dropped once with the vector");
    }
}

/// Takes `front` items from the front and `back` from the back of `it` (or
/// everything if `all`), in that order.
fn take_from<T, I: DoubleEndedIterator<Item = T>>(
    it: &mut I,
    front: usize,
    back: usize,
    all: bool,
) -> Vec<T> {
    if all {
        return it.collect();
    }
    let mut out = Vec::new();
    for _ in 0..front {
        out.extend(it.next());
    }
    for _ in 0..back {
        out.extend(it.next_back());
    }
    out
}

/// The default proptest config (so `PROPTEST_CASES` and the other
/// `PROPTEST_*` variables work), with a fixed seed per test unless
/// `PROPTEST_RNG_SEED` gives one.
fn config(salt: u64) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if config.rng_seed == RngSeed::Random {
        config.rng_seed = RngSeed::Fixed(0x6d61_7070_6564 ^ salt);
    }
    // ChaCha, the default, is most of a debug run's time; XorShift is plenty
    // for choosing operations.
    if std::env::var_os("PROPTEST_RNG_ALGORITHM").is_none() {
        config.rng_algorithm = RngAlgorithm::XorShift;
    }
    // The seed is fixed, so a failure reproduces without a regressions file
    // (which would land beside this file in a tree others work in).
    config.failure_persistence = None;
    config
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    vec(op(), 0..200)
}

proptest! {
    #![proptest_config(config(1))]
    #[test]
    fn model_u64_n1(small in any::<bool>(), ops in ops()) {
        Run::<u64, 1>::new(small).run(&ops);
    }
}

proptest! {
    #![proptest_config(config(2))]
    #[test]
    fn model_u64_n4(small in any::<bool>(), ops in ops()) {
        Run::<u64, 4>::new(small).run(&ops);
    }
}

proptest! {
    #![proptest_config(config(3))]
    #[test]
    fn model_string_n1(small in any::<bool>(), ops in ops()) {
        Run::<String, 1>::new(small).run(&ops);
    }
}

proptest! {
    #![proptest_config(config(4))]
    #[test]
    fn model_string_n4(small in any::<bool>(), ops in ops()) {
        Run::<String, 4>::new(small).run(&ops);
    }
}

proptest! {
    #![proptest_config(config(5))]
    #[test]
    fn model_counted_n1(small in any::<bool>(), ops in ops()) {
        Run::<Counted, 1>::new(small).run(&ops);
    }
}

proptest! {
    #![proptest_config(config(6))]
    #[test]
    fn model_counted_n4(small in any::<bool>(), ops in ops()) {
        Run::<Counted, 4>::new(small).run(&ops);
    }
}

/// The generator reaches what the model is for: windows that move, pages
/// that are decommitted, removals at the floor. (A model test whose cases
/// never grew past one page would check little.)
#[test]
fn generated_runs_grow_shrink_and_move() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::new(config(7));
    let (mut moves, mut shrinks, mut big) = (0, 0, 0);
    for _ in 0..32 {
        let ops = ops().new_tree(&mut runner).unwrap().current();
        let mut r = Run::<Counted, 1>::new(true);
        for (step, op) in ops.iter().enumerate() {
            let (ptr, committed, before) = (r.v.as_ptr(), r.v.committed_bytes(), r.v.len());
            r.apply(op);
            r.check(step, op, r.v.len() < before);
            moves += usize::from(committed > 0 && r.v.as_ptr() != ptr);
            shrinks += usize::from(r.v.committed_bytes() < committed);
            big += usize::from(r.v.committed_bytes() >= 8 * page());
        }
    }
    assert!(moves >= 10, "only {moves} window moves");
    assert!(shrinks >= 10, "only {shrinks} shrinks");
    assert!(big >= 10, "only {big} steps with 8+ pages committed");
}
