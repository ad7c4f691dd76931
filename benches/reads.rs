//! Reads from 1e6 `u64`, `MappedVector` vs `Vec`: `iter().sum()` (a
//! sequential scan) and 1e6 reads at random indices (pre-generated from a
//! seeded RNG, so both containers read the same sequence).
//!
//! Why: once filled, a `MappedVector` is a slice like any other; reads must
//! cost the same as `Vec`'s (target: at most 1.02x). Only the page layout
//! differs (a fresh `mmap` reservation vs the allocator's memory), which is
//! what this would show.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mapped::{MappedVector, MAPPER};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::ops::Index;

const N: usize = 1_000_000;
const SEED: u64 = 0x5EED;

/// Reads through the container's own `Index` impl (`v[i]`, bounds-checked).
fn sum_random<V: Index<usize, Output = u64>>(data: &V, indices: &[usize]) -> u64 {
    let mut sum = 0u64;
    for &i in indices {
        sum = sum.wrapping_add(data[i]);
    }
    sum
}

fn bench_reads(c: &mut Criterion) {
    let mut mapped = MappedVector::<u64>::new(MAPPER);
    let mut vec = Vec::new();
    for i in 0..N as u64 {
        mapped.push(i).expect("commit refused");
        vec.push(i);
    }
    let mut rng = StdRng::seed_from_u64(SEED);
    let indices: Vec<usize> = (0..N).map(|_| rng.random_range(0..N)).collect();

    let mut group = c.benchmark_group("reads_sum");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function(BenchmarkId::new("MappedVector", N), |b| {
        b.iter(|| black_box(&mapped).iter().sum::<u64>())
    });
    group.bench_function(BenchmarkId::new("Vec", N), |b| {
        b.iter(|| black_box(&vec).iter().sum::<u64>())
    });
    group.finish();

    let mut group = c.benchmark_group("reads_random");
    group.throughput(Throughput::Elements(N as u64));
    group.bench_function(BenchmarkId::new("MappedVector", N), |b| {
        b.iter(|| sum_random(black_box(&mapped), black_box(&indices)))
    });
    group.bench_function(BenchmarkId::new("Vec", N), |b| {
        b.iter(|| sum_random(black_box(&vec), black_box(&indices)))
    });
    group.finish();
}

criterion_group!(benches, bench_reads);
criterion_main!(benches);
