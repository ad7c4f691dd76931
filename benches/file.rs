//! `FileVector` beside `MappedVector` in the same run (feature `file`):
//! push 1e7 `u64` (page cache, no flush; target <= 1.5x) and a sequential
//! read once the data is resident (target <= 1.05x).
//!
//! Criterion runs one side after the other, so a change in the machine's
//! load between them moves the ratio (the read's swung 0.89x-1.15x across
//! runs). The same two comparisons then run as interleaved pairs (the
//! plain harness of `benches/support/`, the sides alternating within each
//! round), printed as the median ratio FileVector / MappedVector over
//! `FILE_PAIR_ROUNDS` rounds (default 10) [min-max].

mod support;

use criterion::{criterion_group, BatchSize, Criterion};
use mapped::{FileVector, MappedVector, MAPPER};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use support::Side;

const N: u64 = 10_000_000;

fn dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-file");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn fresh(name: &str) -> PathBuf {
    let path = dir().join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

fn push(c: &mut Criterion) {
    let mut g = c.benchmark_group("file_push_1e7");
    g.sample_size(10);
    // Both return their vector, so its drop (the munmap, the file's close)
    // is outside the measured time; the file is removed before the next.
    g.bench_function("MappedVector", |b| {
        b.iter_batched(
            || (),
            |()| {
                let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
                for i in 0..N {
                    v.push(i).unwrap();
                }
                v
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("FileVector", |b| {
        // `create` (two syncs: the file's header and its directory, for a
        // durable empty vector) is set-up, as `MappedVector::new` costs
        // nothing; `file_create` below measures it.
        b.iter_batched(
            || FileVector::<u64>::create(fresh("push")).unwrap(),
            |mut v| {
                for i in 0..N {
                    v.push(i).unwrap();
                }
                v
            },
            BatchSize::PerIteration,
        )
    });
    // The floor: the same 80 MB written through a bare memmap2 mapping of
    // a file of its final size (no growth, no header, no checks): what the
    // page cache's page faults cost by themselves.
    g.bench_function("memmap2 floor", |b| {
        b.iter_batched(
            || fresh("floor"),
            |path| {
                let file = std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .unwrap();
                file.set_len(N * 8).unwrap();
                // SAFETY: the file was just created by this benchmark and
                // nothing else opens it.
                let mut map = unsafe { memmap2::MmapMut::map_mut(&file) }.unwrap();
                for (i, chunk) in map.chunks_exact_mut(8).enumerate() {
                    chunk.copy_from_slice(&(i as u64).to_ne_bytes());
                }
                map
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

fn create(c: &mut Criterion) {
    let mut g = c.benchmark_group("file_create");
    g.sample_size(10);
    g.bench_function("FileVector::create", |b| {
        b.iter_batched(
            || fresh("create"),
            |path| FileVector::<u64>::create(path).unwrap(),
            BatchSize::PerIteration,
        )
    });
    g.finish();
    let _ = std::fs::remove_file(fresh("create"));
}

fn read(c: &mut Criterion) {
    let mut g = c.benchmark_group("file_read_1e7");
    g.sample_size(20);
    let mut m: MappedVector<u64> = MappedVector::new(MAPPER);
    let path = fresh("read");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    for i in 0..N {
        m.push(i).unwrap();
        f.push(i).unwrap();
    }
    f.flush().unwrap();
    g.bench_function("MappedVector", |b| b.iter(|| black_box(sum(&m))));
    g.bench_function("FileVector", |b| b.iter(|| black_box(sum(&f))));
    g.finish();
    drop(f);
    std::fs::remove_file(&path).unwrap();
    let _ = std::fs::remove_file(fresh("push"));
    let _ = std::fs::remove_file(fresh("floor"));
}

/// The sequential read of both benches.
fn sum(s: &[u64]) -> u64 {
    s.iter().fold(0u64, |a, &x| a.wrapping_add(x))
}

/// One push of `N` into a fresh vector of `side`, timed without its set-up
/// (the file's `create`) and drop (the unmap and close).
fn timed_push(side: Side) -> Duration {
    match side {
        Side::Subject => {
            let v = FileVector::<u64>::create(fresh("pair-push")).unwrap();
            time_filling(v, |v, i| v.push(i).unwrap())
        }
        Side::Reference => {
            let v: MappedVector<u64> = MappedVector::new(MAPPER);
            time_filling(v, |v, i| v.push(i).unwrap())
        }
    }
}

/// The time `push` takes to put `0..N` into `v`; `v` dropped untimed.
fn time_filling<V>(mut v: V, mut push: impl FnMut(&mut V, u64)) -> Duration {
    let t = Instant::now();
    for i in 0..N {
        push(&mut v, i);
    }
    let took = t.elapsed();
    drop(black_box(v));
    took
}

/// Push and read as interleaved pairs: see the module docs.
fn pairs() {
    let quick = support::quick();
    let rounds = support::env_usize("FILE_PAIR_ROUNDS", if quick { 1 } else { 10 });
    let push = support::interleave(rounds, 2, 2, timed_push);

    let m: MappedVector<u64> = (0..N).collect();
    let path = fresh("pair-read");
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    f.extend_from_slice(&m).unwrap();
    f.flush().unwrap();
    let reads = 5;
    let read = support::interleave(rounds, reads, reads, |side| {
        let data: &[u64] = match side {
            Side::Subject => &f,
            Side::Reference => &m,
        };
        let t = Instant::now();
        black_box(sum(black_box(data)));
        t.elapsed()
    });
    drop(f);
    std::fs::remove_file(&path).unwrap();
    let _ = std::fs::remove_file(fresh("pair-push"));

    println!(
        "\nInterleaved pairs, FileVector / MappedVector, median of {rounds} rounds [min-max]:"
    );
    println!("| 1e7 `u64` | ratio | FileVector / MappedVector, median time |");
    println!("|---|---|---|");
    println!("| push | {} | {} |", push.ratio_text(), push.abs_text());
    println!(
        "| read, resident | {} | {} |",
        read.ratio_text(),
        read.abs_text()
    );
}

criterion_group!(benches, push, read, create);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    pairs();
}
