//! `MappedQueue` against `std::collections::BinaryHeap` over random operation
//! sequences: after every step the two agree on `len` and `peek`, every pop
//! returns the same value, and the queue's storage is a max-heap.
//!
//! All randomness comes from a seed: `MAPPED_SEED=<n>` runs only that seed,
//! and a failure prints the seed it ran with.

use mapped::{MappedQueue, MappedVector, MAPPER};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::fmt::Debug;

/// Prints the seed if the test panics while this is alive.
struct SeedOnFailure(u64, &'static str);

impl Drop for SeedOnFailure {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!("{}: failed with MAPPED_SEED={}", self.1, self.0);
        }
    }
}

fn seeds(count: u64) -> Vec<u64> {
    match mapped_mock::env_seed() {
        Some(seed) => vec![seed],
        None => (0..count).map(|i| 0x5eed_0000 + i).collect(),
    }
}

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

/// What the comparison of the two heaps looks at: the whole element, or
/// only its key (when equal keys carry different payloads, which of them
/// comes out first is not specified).
trait Model: Ord + Clone + Debug {
    type Key: PartialEq + Debug + Ord;
    fn key(&self) -> Self::Key;
}

impl Model for u32 {
    type Key = u32;
    fn key(&self) -> u32 {
        *self
    }
}

impl Model for String {
    type Key = String;
    fn key(&self) -> String {
        self.clone()
    }
}

/// Ordered by `key` only; `id` tells apart elements with equal keys.
#[derive(Clone, Debug)]
struct Keyed {
    key: u8,
    id: u64,
    /// Owns heap memory, so a lost or duplicated element shows up under
    /// the allocator too.
    _payload: Box<u64>,
}

impl PartialEq for Keyed {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Keyed {}
impl PartialOrd for Keyed {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Keyed {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl Model for Keyed {
    type Key = u8;
    fn key(&self) -> u8 {
        self.key
    }
}

/// One random run of `steps` operations on a `MappedQueue<T, N>` and a
/// `BinaryHeap<T>` side by side.
struct Run<'a, T: Model, const N: usize> {
    q: MappedQueue<T, N>,
    m: BinaryHeap<T>,
    rng: StdRng,
    gen: &'a mut dyn FnMut(&mut StdRng) -> T,
    /// For `Keyed`: which ids are in the queue (to prove none is lost or
    /// duplicated when only keys can be compared).
    ids: Option<fn(&T) -> u64>,
    live: HashMap<u64, usize>,
}

impl<T: Model, const N: usize> Run<'_, T, N> {
    fn gen(&mut self) -> T {
        (self.gen)(&mut self.rng)
    }

    fn add_id(&mut self, x: &T) {
        if let Some(id) = self.ids {
            *self.live.entry(id(x)).or_default() += 1;
        }
    }

    fn remove_id(&mut self, x: &T) {
        if let Some(id) = self.ids {
            let n = self
                .live
                .get_mut(&id(x))
                .expect("an element came out twice");
            *n -= 1;
            if *n == 0 {
                self.live.remove(&id(x));
            }
        }
    }

    fn check(&self, step: usize, op: &str) {
        assert_eq!(self.q.len(), self.m.len(), "step {step} ({op}): len");
        assert_eq!(
            self.q.peek().map(T::key),
            self.m.peek().map(T::key),
            "step {step} ({op}): peek"
        );
        assert_eq!(self.q.is_empty(), self.m.is_empty());
        assert!(self.q.capacity() >= self.q.len());
        let held = self.q.committed_bytes() + self.q.heap_bytes();
        assert!(held >= self.q.len() * std::mem::size_of::<T>());
        assert_heap(self.q.as_slice());
        if let Some(id) = self.ids {
            let mut now: HashMap<u64, usize> = HashMap::new();
            for x in self.q.iter() {
                *now.entry(id(x)).or_default() += 1;
            }
            assert_eq!(now, self.live, "step {step} ({op}): the ids in the queue");
        }
    }

    fn pop_both(&mut self, step: usize) {
        let (a, b) = (self.q.pop(), self.m.pop());
        assert_eq!(
            a.as_ref().map(T::key),
            b.as_ref().map(T::key),
            "step {step}: pop"
        );
        if let Some(a) = &a {
            self.remove_id(a);
        }
    }

    fn step(&mut self, step: usize) {
        let op = self.rng.random_range(0..100u32);
        let name = match op {
            // Mostly pushes and pops, in bursts so pages come and go.
            0..=34 => {
                let x = self.gen();
                self.add_id(&x);
                self.q.push(x.clone()).unwrap();
                self.m.push(x);
                "push"
            }
            35..=59 => {
                self.pop_both(step);
                "pop"
            }
            60..=64 => {
                let n = self.rng.random_range(0..3000);
                for _ in 0..n {
                    let x = self.gen();
                    self.add_id(&x);
                    self.q.push(x.clone()).unwrap();
                    self.m.push(x);
                }
                "push burst"
            }
            65..=69 => {
                let n = self.rng.random_range(0..3000);
                for _ in 0..n {
                    self.pop_both(step);
                }
                "pop burst"
            }
            70..=77 => {
                // Edit the top through `peek_mut` (or look and leave it).
                let edit = self.rng.random_bool(0.8);
                let x = self.gen();
                match (self.q.peek_mut(), self.m.peek_mut()) {
                    (None, None) => {}
                    (Some(mut a), Some(mut b)) => {
                        assert_eq!(a.key(), b.key(), "step {step}: peek_mut");
                        if edit {
                            if let Some(id) = self.ids {
                                let old = id(&a);
                                let n = self.live.get_mut(&old).unwrap();
                                *n -= 1;
                                if *n == 0 {
                                    self.live.remove(&old);
                                }
                                *self.live.entry(id(&x)).or_default() += 1;
                            }
                            *a = x.clone();
                            *b = x;
                        }
                    }
                    (a, b) => panic!(
                        "step {step}: peek_mut {:?} vs {:?}",
                        a.is_some(),
                        b.is_some()
                    ),
                }
                "peek_mut"
            }
            78..=81 => {
                // Keep a random fraction, decided by key so both agree.
                let salt = self.rng.random_range(0..7u8);
                let keep = |x: &T| {
                    let k = format!("{:?}", x.key());
                    (k.bytes().map(u32::from).sum::<u32>() + u32::from(salt)) % 3 != 0
                };
                let ids = self.ids;
                let mut removed = Vec::new();
                self.q.retain(|x| {
                    let k = keep(x);
                    if !k {
                        if let Some(id) = ids {
                            removed.push(id(x));
                        }
                    }
                    k
                });
                for id in removed {
                    let n = self.live.get_mut(&id).unwrap();
                    *n -= 1;
                    if *n == 0 {
                        self.live.remove(&id);
                    }
                }
                self.m.retain(keep);
                "retain"
            }
            82..=84 => {
                // Build another pair and append it.
                let n = self.rng.random_range(0..2500);
                let mut other: MappedQueue<T, 2> = MappedQueue::new(MAPPER);
                let mut other_m = BinaryHeap::new();
                for _ in 0..n {
                    let x = self.gen();
                    self.add_id(&x);
                    other.push(x.clone()).unwrap();
                    other_m.push(x);
                }
                self.q.append(&mut other).unwrap();
                self.m.append(&mut other_m);
                assert!(other.is_empty());
                assert!(other.committed_bytes() <= 2 * other.page_size());
                "append"
            }
            85..=87 => {
                // extend / try_extend
                let n = self.rng.random_range(0..2500);
                let xs: Vec<T> = (0..n).map(|_| self.gen()).collect();
                for x in &xs {
                    self.add_id(x);
                }
                if self.rng.random_bool(0.5) {
                    self.q.extend(xs.iter().cloned());
                } else {
                    self.q.try_extend(xs.iter().cloned()).unwrap();
                }
                self.m.extend(xs);
                "extend"
            }
            88..=89 => {
                // Drain, fully or partly consumed: everything goes either way.
                let take = self.rng.random_range(0..=self.q.len());
                let mut got: Vec<T> = self.q.drain().take(take).collect();
                let mut want: Vec<T> = self.m.drain().collect();
                assert!(self.q.is_empty());
                got.sort();
                want.sort();
                let want_keys: Vec<_> = want.iter().map(T::key).collect();
                let got_keys: Vec<_> = got.iter().map(T::key).collect();
                if take == want.len() {
                    assert_eq!(got_keys, want_keys, "step {step}: drain");
                } else {
                    assert_eq!(got.len(), take);
                }
                if self.ids.is_some() {
                    self.live.clear();
                }
                "drain"
            }
            90..=91 => {
                self.q.clear();
                self.m.clear();
                self.live.clear();
                assert!(self.q.committed_bytes() <= N * self.q.page_size());
                "clear"
            }
            92..=93 => {
                // Through the storage and back: into_vec, From (heapify).
                let q = std::mem::replace(&mut self.q, MappedQueue::new(MAPPER));
                let mut v: MappedVector<T, N> = q.into_vec();
                v.reverse();
                self.q = MappedQueue::from(v);
                "into_vec + from"
            }
            94..=95 => {
                // Clones are equal and independent.
                let mut c = self.q.clone();
                let mut mc = self.m.clone();
                for _ in 0..10 {
                    assert_eq!(c.pop().map(|x| x.key()), mc.pop().map(|x| x.key()));
                }
                let mut all: Vec<_> = self.q.iter().map(T::key).collect();
                let mut want: Vec<_> = self.m.iter().map(T::key).collect();
                all.sort();
                want.sort();
                assert_eq!(all, want, "step {step}: iter");
                "clone + iter"
            }
            _ => {
                let _ = self.q.shrink_to_fit();
                self.m.shrink_to_fit();
                "shrink_to_fit"
            }
        };
        self.check(step, name);
    }

    fn finish(self) {
        let got: Vec<T::Key> = self.q.into_sorted_vec().iter().map(T::key).collect();
        let want: Vec<T::Key> = self.m.into_sorted_vec().iter().map(T::key).collect();
        assert_eq!(got, want, "into_sorted_vec");
    }
}

fn run<T: Model, const N: usize>(
    name: &'static str,
    runs: u64,
    steps: usize,
    gen: &mut dyn FnMut(&mut StdRng) -> T,
    ids: Option<fn(&T) -> u64>,
) {
    for seed in seeds(runs) {
        let _seed = SeedOnFailure(seed, name);
        let mut r: Run<'_, T, N> = Run {
            q: MappedQueue::new(MAPPER),
            m: BinaryHeap::new(),
            rng: StdRng::seed_from_u64(seed),
            gen: &mut *gen,
            ids,
            live: HashMap::new(),
        };
        for step in 0..steps {
            r.step(step);
        }
        r.finish();
    }
}

#[test]
fn u32_with_many_duplicates() {
    run::<u32, 1>(
        "u32_with_many_duplicates",
        8,
        400,
        &mut |r| r.random_range(0..50),
        None,
    );
}

#[test]
fn u32_wide_range_n4() {
    run::<u32, 4>("u32_wide_range_n4", 8, 400, &mut |r| r.random(), None);
}

#[test]
fn strings_own_heap_memory() {
    run::<String, 1>(
        "strings_own_heap_memory",
        6,
        300,
        &mut |r| format!("s{:03}", r.random_range(0..300u32)),
        None,
    );
}

#[test]
fn equal_keys_with_distinct_payloads() {
    let mut next = 0u64;
    let mut gen = move |r: &mut StdRng| {
        next += 1;
        Keyed {
            key: r.random_range(0..16),
            id: next,
            _payload: Box::new(next),
        }
    };
    run::<Keyed, 1>(
        "equal_keys_with_distinct_payloads",
        6,
        300,
        &mut gen,
        Some(|k: &Keyed| k.id),
    );
}

#[test]
fn from_vector_heapifies_and_sorts() {
    for seed in seeds(20) {
        let _seed = SeedOnFailure(seed, "from_vector_heapifies_and_sorts");
        let mut rng = StdRng::seed_from_u64(seed);
        let n = rng.random_range(0..20_000);
        let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
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

#[test]
fn the_pinned_api_and_friends() {
    let mut q: MappedQueue<u64, 1> = MappedQueue::new(MAPPER);
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
    let mut f: MappedQueue<u64> = MappedQueue::with_max_capacity(MAPPER, 10).unwrap();
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
    let mut g: MappedQueue<u64> = MappedQueue::new(MAPPER);
    g.push(1).unwrap();
    assert!(f.append(&mut g).is_err());
    assert_eq!((f.len(), g.len()), (max, 1));

    // Zero-sized elements.
    let mut z: MappedQueue<()> = MappedQueue::new(MAPPER);
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
    let mut q: MappedQueue<u64, 1> = MappedQueue::new(MAPPER);
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
