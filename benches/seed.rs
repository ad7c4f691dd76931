//! The seed scenario (push `n` `u64`, pop them all, push `n` again, into a
//! fresh container that is then dropped) at n = 1e4 and 1e6, and "pop all
//! of 1e7", comparing:
//!
//! - `MappedVector` with its default, immediate give-back policy;
//! - `MappedVector` with the decay option (a one-second delay: within one
//!   run nothing is given back, so the refill costs no page fault);
//! - plain `Vec`, which keeps its memory (fast, but RSS never falls);
//! - a `Vec` with the same give-back policy written by hand: after each pop,
//!   if fewer than a quarter of its capacity is in use, `shrink_to(max(2 *
//!   len, initial))`, `initial` being one page of elements. Caveat (glibc):
//!   once a run frees its 8 MB buffer, malloc raises its mmap threshold to
//!   8 MB, so later runs at 1e6 take the buffer from the heap and
//!   `shrink_to` no longer returns pages to the OS (RSS after the pops stays
//!   up). At 1e7 (80 MB, above glibc's 32 MB threshold cap) the buffer stays
//!   mmapped and shrinking really unmaps, so "pop all of 1e7" compares like
//!   with like;
//! - the physical floor: map fresh pages, write the same bytes, unmap, twice.
//!   Giving memory back means faulting it in again when it is refilled, so no
//!   container that really returns its pages can beat this.
//!
//! Why: the scenario is what `MappedVector` exists for (and the one that
//! once crashed it); the question is what giving memory back costs over the
//! unavoidable page faults, and over doing the same with `Vec` by hand.

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use criterion::{SamplingMode, Throughput};
use mapped::{MappedVector, MAPPER};
use std::hint::black_box;
use std::time::Duration;

/// A `Vec` that gives memory back under the same rule as `MappedVector`.
struct ShrinkingVec {
    v: Vec<u64>,
    /// One page of `u64`: what `MappedVector<u64, 1>` keeps however empty
    /// it gets.
    initial: usize,
}

impl ShrinkingVec {
    fn new() -> Self {
        let initial = mapped::Mapper::page_size(&MAPPER) / 8;
        ShrinkingVec {
            v: Vec::with_capacity(initial),
            initial,
        }
    }

    #[inline]
    fn push(&mut self, x: u64) {
        self.v.push(x);
    }

    #[inline]
    fn pop(&mut self) -> Option<u64> {
        let x = self.v.pop();
        let (len, cap) = (self.v.len(), self.v.capacity());
        if cap > self.initial && len < cap / 4 {
            self.v.shrink_to((2 * len).max(self.initial));
        }
        x
    }
}

/// The scenario on a given (empty) `MappedVector`, which it then drops.
fn seed_on(mut v: MappedVector<u64>, n: u64) -> u64 {
    let mut sum = 0;
    for i in 0..n {
        v.push(i).expect("commit refused");
    }
    while let Some(x) = v.pop() {
        sum += x;
    }
    for i in 0..n {
        v.push(i).expect("commit refused");
    }
    black_box(&v);
    sum
}

fn seed_mapped(n: u64) -> u64 {
    seed_on(MappedVector::new(MAPPER), n)
}

fn seed_mapped_decay(n: u64) -> u64 {
    let v = MappedVector::builder(MAPPER)
        .decay(Duration::from_secs(1))
        .build()
        .expect("no reservation yet: cannot fail");
    seed_on(v, n)
}

fn seed_vec(n: u64) -> u64 {
    let mut v = Vec::new();
    let mut sum = 0;
    for i in 0..n {
        v.push(i);
    }
    while let Some(x) = v.pop() {
        sum += x;
    }
    for i in 0..n {
        v.push(i);
    }
    black_box(&v);
    sum
}

fn seed_shrinking_vec(n: u64) -> u64 {
    let mut v = ShrinkingVec::new();
    let mut sum = 0;
    for i in 0..n {
        v.push(i);
    }
    while let Some(x) = v.pop() {
        sum += x;
    }
    for i in 0..n {
        v.push(i);
    }
    black_box(&v.v);
    sum
}

/// The floor: fresh pages written once with the same bytes, unmapped, twice.
fn seed_fault_floor(n: u64) -> u64 {
    let mut sum = 0;
    for _ in 0..2 {
        let mut map = memmap2::MmapMut::map_anon(n as usize * 8).expect("mmap");
        // SAFETY: the mapping is `n * 8` bytes, page-aligned, and zeroed:
        // valid `u64`s, and nothing else refers to it.
        let words =
            unsafe { std::slice::from_raw_parts_mut(map.as_mut_ptr().cast::<u64>(), n as usize) };
        for (i, w) in words.iter_mut().enumerate() {
            *w = i as u64;
        }
        black_box(&map);
        sum += words[words.len() - 1];
        drop(map);
    }
    sum
}

/// One contender: a scenario run for a given `n`, returning a checksum.
type Scenario = fn(u64) -> u64;

fn bench_seed(c: &mut Criterion) {
    for (label, n) in [("1e4", 10_000u64), ("1e6", 1_000_000)] {
        let mut group = c.benchmark_group(format!("seed_{label}"));
        group.throughput(Throughput::Elements(3 * n));
        let contenders: [(&str, Scenario); 5] = [
            ("MappedVector", seed_mapped),
            ("MappedVector_decay", seed_mapped_decay),
            ("Vec", seed_vec),
            ("ShrinkingVec", seed_shrinking_vec),
            ("fault_floor", seed_fault_floor),
        ];
        for (name, routine) in contenders {
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, &n| {
                b.iter(|| routine(black_box(n)))
            });
        }
        group.finish();
    }
}

fn pop_all<V>(mut v: V, mut pop: impl FnMut(&mut V) -> Option<u64>) -> (V, u64) {
    let mut sum = 0;
    while let Some(x) = pop(&mut v) {
        sum += x;
    }
    // Returned, so the (now empty) container is dropped outside the timing.
    (v, sum)
}

fn bench_pop_all(c: &mut Criterion) {
    const N: u64 = 10_000_000;
    let mut group = c.benchmark_group("pop_all_1e7");
    group
        .throughput(Throughput::Elements(N))
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        // Only the pops count, but every run also fills 1e7 outside the
        // timing: keep the measured time short so the wall time stays sane.
        .measurement_time(Duration::from_secs(3));
    group.bench_function(BenchmarkId::new("MappedVector", N), |b| {
        b.iter_batched(
            || {
                let mut v = MappedVector::<u64>::new(MAPPER);
                for i in 0..N {
                    v.push(i).expect("commit refused");
                }
                v
            },
            |v| pop_all(v, MappedVector::pop),
            BatchSize::LargeInput,
        )
    });
    group.bench_function(BenchmarkId::new("ShrinkingVec", N), |b| {
        b.iter_batched(
            || {
                let mut v = ShrinkingVec::new();
                for i in 0..N {
                    v.push(i);
                }
                v
            },
            |v| pop_all(v, ShrinkingVec::pop),
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_seed, bench_pop_all);
criterion_main!(benches);
