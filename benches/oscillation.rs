//! One million alternating pushes and pops of `u64` around a size where the
//! policy acts, `MappedVector` vs `Vec` doing the same:
//!
//! - `shrink_boundary`: filled to 4096 * 8 elements (64 pages committed), then
//!   popped down to exactly a quarter of the committed bytes; then pop (just
//!   below the boundary: it shrinks), push (just above), pop, push, ...
//! - `grow_boundary`: filled to exactly its capacity; then push (one past:
//!   it grows), pop (back to full), push, pop, ...
//!
//! Why: a shrinking container risks thrashing, committing and decommitting
//! on every step of a workload that hovers around a threshold. The policy's
//! hysteresis (shrink below a quarter, down to half full; grow by doubling)
//! must keep the system calls to O(1) per oscillation, not per operation, and
//! the per-operation checks must cost next to nothing against `Vec`. The
//! mapper calls per million operations (from `mapped::stats()`) are printed
//! once per scenario, outside the timing.

use criterion::Throughput;
use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion};
use mapped::{MappedVector, MAPPER};
use std::hint::black_box;

/// Operations per run: half pushes, half pops.
const OPS: u64 = 1_000_000;
/// Elements the vectors are first filled with: 64 pages of `u64`.
const FILL: u64 = 4096 * 8;

#[derive(Clone, Copy)]
enum Scenario {
    /// Start at a quarter of the committed bytes; pop first.
    ShrinkBoundary,
    /// Start full; push first.
    GrowBoundary,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::ShrinkBoundary => "shrink_boundary",
            Scenario::GrowBoundary => "grow_boundary",
        }
    }
}

/// A `MappedVector` ready to oscillate, and whether to pop first.
fn setup_mapped(scenario: Scenario) -> (MappedVector<u64>, bool) {
    let mut v = MappedVector::<u64>::new(MAPPER);
    for i in 0..FILL {
        v.push(i).expect("commit refused");
    }
    // A reservation reused from the cache may come with more pages
    // committed than FILL needs: start from exactly FILL's pages.
    v.shrink_to_fit().expect("a decommit refused");
    match scenario {
        Scenario::ShrinkBoundary => {
            // `len * 8 == committed / 4`: one pop more and it is sparse.
            let boundary = v.committed_bytes() / 4 / 8;
            v.truncate(boundary);
            assert_eq!(v.len() * 8 * 4, v.committed_bytes());
            (v, true)
        }
        Scenario::GrowBoundary => {
            assert_eq!(v.len(), v.capacity());
            (v, false)
        }
    }
}

/// A `Vec` at the same length as `setup_mapped`'s, and whether to pop first.
fn setup_vec(scenario: Scenario) -> (Vec<u64>, bool) {
    let (m, pop_first) = setup_mapped(scenario);
    let mut v = Vec::new();
    for i in 0..FILL {
        v.push(i);
    }
    v.truncate(m.len());
    (v, pop_first)
}

fn oscillate_mapped((mut v, pop_first): (MappedVector<u64>, bool)) -> MappedVector<u64> {
    for i in 0..OPS / 2 {
        if pop_first {
            black_box(v.pop());
            v.push(i).expect("commit refused");
        } else {
            v.push(i).expect("commit refused");
            black_box(v.pop());
        }
    }
    v
}

fn oscillate_vec((mut v, pop_first): (Vec<u64>, bool)) -> Vec<u64> {
    for i in 0..OPS / 2 {
        if pop_first {
            black_box(v.pop());
            v.push(i);
        } else {
            v.push(i);
            black_box(v.pop());
        }
    }
    v
}

/// Mapper calls made by one run of `OPS` operations (setup excluded).
fn report_calls(scenario: Scenario) {
    let ready = setup_mapped(scenario);
    let (len, committed) = (ready.0.len(), ready.0.committed_bytes());
    let before = mapped::stats();
    let v = oscillate_mapped(ready);
    let after = mapped::stats();
    let calls = after.mapper_calls() - before.mapper_calls();
    eprintln!(
        "oscillation/{}: {} mapper calls per {OPS} operations \
         (commits {}, decommits {}, populates {}, reserves {}, remaps {}, releases {}); \
         len {len} -> {}, committed {committed} -> {} bytes",
        scenario.name(),
        calls,
        after.commits - before.commits,
        after.decommits - before.decommits,
        after.populates - before.populates,
        after.reserves - before.reserves,
        after.remaps - before.remaps,
        after.releases - before.releases,
        v.len(),
        v.committed_bytes(),
    );
}

fn bench_oscillation(c: &mut Criterion) {
    for scenario in [Scenario::ShrinkBoundary, Scenario::GrowBoundary] {
        report_calls(scenario);
        let mut group = c.benchmark_group(format!("oscillation_{}", scenario.name()));
        group.throughput(Throughput::Elements(OPS));
        group.bench_function(BenchmarkId::new("MappedVector", OPS), |b| {
            b.iter_batched(
                || setup_mapped(scenario),
                oscillate_mapped,
                BatchSize::PerIteration,
            )
        });
        group.bench_function(BenchmarkId::new("Vec", OPS), |b| {
            b.iter_batched(
                || setup_vec(scenario),
                oscillate_vec,
                BatchSize::PerIteration,
            )
        });
        group.finish();
    }
}

criterion_group!(benches, bench_oscillation);
criterion_main!(benches);
