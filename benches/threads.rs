//! Short-lived mapped-size containers made, filled and dropped on 1, 2 and 4
//! threads at once, side by side with `Vec`: what the process-wide
//! reservation cache saves (a container on `MAPPER` reuses a parked
//! reservation, pages and all) and what it costs when threads contend for
//! it (the cache never makes a container wait: one that finds it busy
//! reserves or releases directly). `uncached` is the same OS mapper behind
//! a `&'static dyn Mapper`, which the cache never serves.
//!
//! Each iteration runs `PER_THREAD` containers of 64 KiB (8192 `u64`) on
//! every thread; the time is per iteration, so a perfectly parallel run
//! takes as long on 4 threads as on 1 (this machine has 2 cores).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use mapped::{MappedVector, Mapper, MAPPER};
use std::hint::black_box;
use std::thread;
use std::time::Duration;

const PER_THREAD: usize = 200;
const LEN: u64 = 8192;

static OS: mapped::OsMapper = MAPPER;

fn fill_mapped(mapper: impl Fn() -> MappedVector<u64>) {
    for _ in 0..PER_THREAD {
        let mut v = mapper();
        for i in 0..LEN {
            v.push(i).expect("commit refused");
        }
        black_box(&v);
    }
}

fn fill_vec() {
    for _ in 0..PER_THREAD {
        let mut v = Vec::new();
        for i in 0..LEN {
            v.push(i);
        }
        black_box(&v);
    }
}

fn on_threads(threads: usize, work: fn()) {
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(work);
        }
    });
}

fn cached() {
    fill_mapped(|| MappedVector::new(MAPPER));
}

fn uncached() {
    fill_mapped(|| MappedVector::new(&OS as &'static dyn Mapper));
}

fn threads(c: &mut Criterion) {
    let mut group = c.benchmark_group("threads_create_fill_drop");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(3));
    for threads in [1, 2, 4] {
        for (name, work) in [
            ("MappedVector", cached as fn()),
            ("MappedVector_uncached", uncached as fn()),
            ("Vec", fill_vec as fn()),
        ] {
            group.bench_with_input(BenchmarkId::new(name, threads), &threads, |b, &t| {
                b.iter(|| on_threads(t, work))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, threads);
criterion_main!(benches);
