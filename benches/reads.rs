//! Reads from 1e6 `u64`, `MappedVector` vs `Vec`: `iter().sum()` (a
//! sequential scan) and 1e6 reads at random indices (pre-generated from a
//! seeded RNG, so both containers read the same sequence).
//!
//! Why: once filled, a `MappedVector` is a slice like any other; reads must
//! cost the same as `Vec`'s (target: at most 1.02x). Only the page layout
//! differs (a fresh `mmap` reservation vs the allocator's memory), which is
//! what this would show.
//!
//! Each contender reads [`COPIES`] containers filled side by side, one after
//! the other, per iteration: with a single pair, where its pages happened to
//! land moved the ratio between 0.7 and 1.8 from run to run on a VM, while
//! callgrind counted the same instructions for both.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mapped::{MappedVector, MAPPER};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::ops::Index;

const N: usize = 1_000_000;
const SEED: u64 = 0x5EED;
/// Containers of each kind, filled in turn, read per iteration.
const COPIES: usize = 4;

/// Reads through the container's own `Index` impl (`v[i]`, bounds-checked).
fn sum_random<V: Index<usize, Output = u64>>(data: &V, indices: &[usize]) -> u64 {
    let mut sum = 0u64;
    for &i in indices {
        sum = sum.wrapping_add(data[i]);
    }
    sum
}

fn bench_reads(c: &mut Criterion) {
    let mut mapped: Vec<MappedVector<u64>> = Vec::new();
    let mut vecs: Vec<Vec<u64>> = Vec::new();
    for _ in 0..COPIES {
        let mut m = MappedVector::<u64>::new(MAPPER);
        let mut v = Vec::new();
        for i in 0..N as u64 {
            m.push(i).expect("commit refused");
            v.push(i);
        }
        mapped.push(m);
        vecs.push(v);
    }
    let mut rng = StdRng::seed_from_u64(SEED);
    let indices: Vec<usize> = (0..N).map(|_| rng.random_range(0..N)).collect();

    let mut group = c.benchmark_group("reads_sum");
    group.throughput(Throughput::Elements((COPIES * N) as u64));
    group.bench_function(BenchmarkId::new("MappedVector", N), |b| {
        b.iter(|| {
            let all = black_box(&mapped);
            all.iter().map(|m| m.iter().sum::<u64>()).sum::<u64>()
        })
    });
    group.bench_function(BenchmarkId::new("Vec", N), |b| {
        b.iter(|| {
            let all = black_box(&vecs);
            all.iter().map(|v| v.iter().sum::<u64>()).sum::<u64>()
        })
    });
    group.finish();

    let mut group = c.benchmark_group("reads_random");
    group.throughput(Throughput::Elements((COPIES * N) as u64));
    group.bench_function(BenchmarkId::new("MappedVector", N), |b| {
        b.iter(|| {
            let all = black_box(&mapped);
            all.iter()
                .map(|m| sum_random(m, black_box(&indices)))
                .sum::<u64>()
        })
    });
    group.bench_function(BenchmarkId::new("Vec", N), |b| {
        b.iter(|| {
            let all = black_box(&vecs);
            all.iter()
                .map(|v| sum_random(v, black_box(&indices)))
                .sum::<u64>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench_reads);
criterion_main!(benches);
