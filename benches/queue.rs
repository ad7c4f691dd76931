//! `MappedQueue` side by side with `std::collections::BinaryHeap`, in the
//! same run: a burst (push 1,000,000 random `u64`, then pop them all) and a
//! steady mixed stream (push/pop around 100,000 elements).
//!
//! Both containers start empty in every iteration of the burst, so both pay
//! for their memory: `BinaryHeap` through the allocator, `MappedQueue`
//! through commits (and gives its pages back as it empties).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use mapped::{MappedQueue, MAPPER};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Duration;

const BURST: usize = 1_000_000;
const STEADY: usize = 100_000;
const STREAM: usize = 1_000_000;

fn values(n: usize, seed: u64) -> Vec<u64> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..n).map(|_| rng.random()).collect()
}

fn burst(c: &mut Criterion) {
    let xs = values(BURST, 1);
    let mut g = c.benchmark_group("push 1M random u64, pop all");
    g.sample_size(20).measurement_time(Duration::from_secs(15));
    g.bench_function("BinaryHeap", |b| {
        b.iter(|| {
            let mut q = BinaryHeap::new();
            for &x in &xs {
                q.push(x);
            }
            let mut sum = 0u64;
            while let Some(x) = q.pop() {
                sum = sum.wrapping_add(x);
            }
            black_box(sum)
        })
    });
    g.bench_function("MappedQueue", |b| {
        b.iter(|| {
            let mut q: MappedQueue<u64> = MappedQueue::new(MAPPER);
            for &x in &xs {
                q.push(x).unwrap();
            }
            let mut sum = 0u64;
            while let Some(x) = q.pop() {
                sum = sum.wrapping_add(x);
            }
            black_box(sum)
        })
    });
    g.finish();
}

/// Alternating push and pop on a queue of `STEADY` elements: the hot paths
/// alone (no growth, no shrinking).
fn mixed(c: &mut Criterion) {
    let prefill = values(STEADY, 2);
    let stream = values(STREAM, 3);
    let mut g = c.benchmark_group("mixed push/pop stream around 100k");
    g.sample_size(20).measurement_time(Duration::from_secs(15));
    g.bench_function("BinaryHeap", |b| {
        b.iter_batched(
            || prefill.iter().copied().collect::<BinaryHeap<u64>>(),
            |mut q| {
                let mut sum = 0u64;
                for &x in &stream {
                    q.push(x);
                    sum = sum.wrapping_add(q.pop().unwrap());
                }
                black_box(sum);
                q
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("MappedQueue", |b| {
        b.iter_batched(
            || prefill.iter().copied().collect::<MappedQueue<u64>>(),
            |mut q| {
                let mut sum = 0u64;
                for &x in &stream {
                    q.push(x).unwrap();
                    sum = sum.wrapping_add(q.pop().unwrap());
                }
                black_box(sum);
                q
            },
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, burst, mixed);
criterion_main!(benches);
