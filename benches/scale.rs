//! Many containers at once, `MappedVector` vs `Vec` side by side in the same
//! run:
//!
//! - `live_1e6_x1`: create 1,000,000 containers of one `u64` each, held in a
//!   `Vec`, then drop them all. A `MappedVector` this small lives on the
//!   heap (the heap front), so it should cost about what a `Vec` does.
//! - `burst_1e5_64k`: containers that are each filled to 64 KiB (8192
//!   `u64`) once and then truncated to one element, in turn, all kept alive
//!   until the end of the run (when they are dropped, inside the timing).
//!   `Vec` keeps every 64 KiB buffer (6.4 GB at 100,000 containers);
//!   `MappedVector` moves into a mapping past its heap limit and back to
//!   the heap once truncated. Also with `.heap_limit(64 << 10)`: a buffer of
//!   exactly 64 KiB then never leaves the heap.
//!
//! The burst's container count comes from `SCALE_BURST_CONTAINERS`. It
//! defaults to 10,000, not the 100,000: on the 2-core VM this was
//! written on, one `Vec` run at 100,000 takes 5-12 s (1.6 million page
//! faults), so ten samples plus warm-up of three contenders came to several
//! minutes. `cargo run --release --example connections` runs the full
//! 100,000 once, with resident memory.
//!
//! Not here: 1000 fresh vectors of 1000 pushes each. That is `push_1e3` in
//! `benches/push.rs` (a fresh `MappedVector::new` vs `Vec::new`, 1000 pushes,
//! drop, per iteration).
//!
//! What one run of each `MappedVector` contender costs in mapper calls,
//! grows, shrinks, parks and reuses (from `mapped::stats()`) is printed
//! once, from its first warm-up run.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use criterion::{SamplingMode, Throughput};
use mapped::{MappedVector, MAPPER};
use std::hint::black_box;
use std::time::Duration;

/// Containers in `live_1e6_x1`.
const LIVE: usize = 1_000_000;
/// `u64` per burst buffer: 64 KiB.
const BURST_LEN: u64 = 8192;
/// Default for `SCALE_BURST_CONTAINERS` (see the module docs).
const BURST_DEFAULT: usize = 10_000;
/// The larger heap limit: a 64 KiB buffer stays on the heap.
const LARGE_HEAP_LIMIT: usize = 64 << 10;

fn burst_containers() -> usize {
    match std::env::var("SCALE_BURST_CONTAINERS") {
        Ok(s) => s
            .replace('_', "")
            .parse()
            .expect("SCALE_BURST_CONTAINERS: a number of containers"),
        Err(_) => BURST_DEFAULT,
    }
}

fn mapped_default() -> MappedVector<u64> {
    MappedVector::new(MAPPER)
}

fn mapped_large_limit() -> MappedVector<u64> {
    MappedVector::builder(MAPPER)
        .heap_limit(LARGE_HEAP_LIMIT)
        .build()
        .expect("no reservation yet: cannot fail")
}

// `Vec::new` then `push`, as `MappedVector` is used: room for four, not the
// one `vec![i]` would allocate.
#[allow(clippy::vec_init_then_push)]
fn live_vec(n: usize) {
    let mut all = Vec::with_capacity(n);
    for i in 0..n as u64 {
        let mut v = Vec::new();
        v.push(i);
        all.push(v);
    }
    black_box(&all);
    drop(all);
}

fn live_mapped_on(n: usize, make: fn() -> MappedVector<u64>) {
    let mut all = Vec::with_capacity(n);
    for i in 0..n as u64 {
        let mut v = make();
        v.push(i).expect("allocation refused");
        all.push(v);
    }
    black_box(&all);
    drop(all);
}

fn live_mapped(n: usize) {
    live_mapped_on(n, mapped_default)
}

fn live_mapped_large_limit(n: usize) {
    live_mapped_on(n, mapped_large_limit)
}

fn burst_vec(n: usize) {
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        let mut v = Vec::new();
        for i in 0..BURST_LEN {
            v.push(i);
        }
        black_box(&v);
        v.truncate(1);
        all.push(v);
    }
    black_box(&all);
    drop(all);
}

fn burst_mapped_on(n: usize, make: fn() -> MappedVector<u64>) {
    let mut all = Vec::with_capacity(n);
    for _ in 0..n {
        let mut v = make();
        for i in 0..BURST_LEN {
            v.push(i).expect("commit refused");
        }
        black_box(&v);
        v.truncate(1);
        all.push(v);
    }
    black_box(&all);
    drop(all);
}

fn burst_mapped(n: usize) {
    burst_mapped_on(n, mapped_default)
}

fn burst_mapped_large_limit(n: usize) {
    burst_mapped_on(n, mapped_large_limit)
}

/// One contender: a run over `n` containers.
type Routine = fn(usize);

/// Runs `routine` once and prints what it cost in mapper calls.
fn run_and_print_calls(id: &str, n: usize, routine: Routine) {
    let before = mapped::stats();
    routine(n);
    let after = mapped::stats();
    println!(
        "{id}: {} mapper calls, {} grows, {} shrinks, {} parks, {} reuses in one run",
        after.mapper_calls() - before.mapper_calls(),
        after.grows - before.grows,
        after.shrinks - before.shrinks,
        after.parks - before.parks,
        after.reuses - before.reuses,
    );
}

fn bench_group(c: &mut Criterion, name: &str, n: usize, contenders: &[(&str, Routine)]) {
    let mut group = c.benchmark_group(name);
    // One run creates `n` containers: ten flat samples of a run or a few
    // each keep the group short.
    group
        .throughput(Throughput::Elements(n as u64))
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for &(label, routine) in contenders {
        // The first (warm-up) run of a `MappedVector` contender also prints
        // its mapper calls: only for benchmarks that the filter selects.
        let mut probed = !label.starts_with("MappedVector");
        let id = format!("{name}/{label}/{n}");
        group.bench_with_input(BenchmarkId::new(label, n), &n, |b, &n| {
            b.iter(|| {
                if probed {
                    routine(black_box(n))
                } else {
                    probed = true;
                    run_and_print_calls(&id, black_box(n), routine)
                }
            })
        });
    }
    group.finish();
}

fn bench_live(c: &mut Criterion) {
    let contenders: [(&str, Routine); 3] = [
        ("Vec", live_vec),
        ("MappedVector", live_mapped),
        ("MappedVector_heap_limit_64k", live_mapped_large_limit),
    ];
    bench_group(c, "live_1e6_x1", LIVE, &contenders);
}

fn bench_burst(c: &mut Criterion) {
    let contenders: [(&str, Routine); 3] = [
        ("Vec", burst_vec),
        ("MappedVector", burst_mapped),
        ("MappedVector_heap_limit_64k", burst_mapped_large_limit),
    ];
    bench_group(c, "burst_1e5_64k", burst_containers(), &contenders);
}

criterion_group!(benches, bench_live, bench_burst);
criterion_main!(benches);
