//! Push `n` `u64` into a fresh vector, then drop it: `MappedVector::new` vs
//! `Vec::new`, `Vec::with_capacity(n)` and the `virtual-buffer` crate's
//! reserve/commit vector (told its maximum, `n`, up front).
//!
//! Why: a `MappedVector` must be as fast as `Vec` where `Vec` is good.
//! Creating and dropping the container is part of every routine, since
//! for a short-lived vector the reserve/commit/release system calls are the
//! cost (n = 1e3), while for a large one page faults and growth dominate
//! (n = 1e7). One group per `n`, so each group holds the four contenders
//! side by side in the same run.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use criterion::{SamplingMode, Throughput};
use mapped::{MappedVector, MAPPER};
use std::hint::black_box;
use std::time::Duration;

fn push_mapped(n: u64) {
    let mut v = MappedVector::<u64>::new(MAPPER);
    for i in 0..n {
        v.push(i).expect("commit refused");
    }
    black_box(&v);
    drop(v);
}

fn push_vec_new(n: u64) {
    let mut v = Vec::new();
    for i in 0..n {
        v.push(i);
    }
    black_box(&v);
    drop(v);
}

fn push_vec_with_capacity(n: u64) {
    let mut v = Vec::with_capacity(n as usize);
    for i in 0..n {
        v.push(i);
    }
    black_box(&v);
    drop(v);
}

fn push_virtual_buffer(n: u64) {
    let mut v = virtual_buffer::vec::Vec::<u64>::new(n as usize);
    for i in 0..n {
        v.push(i);
    }
    black_box(&v);
    drop(v);
}

/// One contender: push `n` into a fresh container and drop it.
type Routine = fn(u64);

fn bench_push(c: &mut Criterion) {
    for (label, n) in [("1e3", 1_000u64), ("1e5", 100_000), ("1e7", 10_000_000)] {
        let mut group = c.benchmark_group(format!("push_{label}"));
        group.throughput(Throughput::Elements(n));
        if n >= 10_000_000 {
            // ~20-60 ms a run: ten flat samples of a few runs each keep the
            // group (four functions, warm-up included) under ~30 s.
            group
                .sample_size(10)
                .sampling_mode(SamplingMode::Flat)
                .warm_up_time(Duration::from_secs(1))
                .measurement_time(Duration::from_secs(5));
        }
        let contenders: [(&str, Routine); 4] = [
            ("MappedVector::new", push_mapped),
            ("Vec::new", push_vec_new),
            ("Vec::with_capacity", push_vec_with_capacity),
            ("virtual_buffer::Vec", push_virtual_buffer),
        ];
        for (name, routine) in contenders {
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, &n| {
                b.iter(|| routine(black_box(n)))
            });
        }
        group.finish();
    }
}

criterion_group!(benches, bench_push);
criterion_main!(benches);
