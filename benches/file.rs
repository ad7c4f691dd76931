//! `FileVector` beside `MappedVector` in the same run (feature `file`):
//! push 1e7 `u64` (page cache, no flush; target <= 1.5x) and a sequential
//! read once the data is resident (target <= 1.05x).

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use mapped::{FileVector, MappedVector, MAPPER};
use std::hint::black_box;
use std::path::PathBuf;

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
        b.iter_batched(
            || fresh("push"),
            |path| {
                let mut v: FileVector<u64> = FileVector::create(&path).unwrap();
                for i in 0..N {
                    v.push(i).unwrap();
                }
                v
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
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
    let sum = |s: &[u64]| s.iter().fold(0u64, |a, &x| a.wrapping_add(x));
    g.bench_function("MappedVector", |b| b.iter(|| black_box(sum(&m))));
    g.bench_function("FileVector", |b| b.iter(|| black_box(sum(&f))));
    g.finish();
    drop(f);
    std::fs::remove_file(&path).unwrap();
    let _ = std::fs::remove_file(fresh("push"));
}

criterion_group!(benches, push, read);
criterion_main!(benches);
