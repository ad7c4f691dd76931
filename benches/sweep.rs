//! The size sweep of issue 20 (item 5): what a fresh container filled to S
//! `u64` elements by `push`, then dropped, costs against `Vec::new`, for
//! every power of two S from 1 to 8 Mi elements (64 MiB).
//!
//! A plain harness (no criterion): both sides run in the same process,
//! interleaved round by round (which side goes first alternates), each
//! round pushing 64 MiB in total per side (so small sizes repeat many
//! times). The ratio MappedVector/Vec is taken per round; the table shows
//! the median and the spread (min-max) of those ratios, and the median
//! absolute time per container of each side.
//!
//! Columns:
//! - `plain`: no metrics recorder;
//! - `prom`: with `metrics_exporter_prometheus::PrometheusBuilder::new()
//!   .install_recorder()` installed and `mapped::describe_metrics()` called
//!   (it stays installed once it is, so this column runs last);
//! - `2thr`: two threads at once, no recorder, each doing the whole round's
//!   work; each side is timed as the wall time of both threads.
//!
//! Also the row "1000 fresh vectors x 1000 pushes".
//!
//! Environment: `SWEEP_ROUNDS` (default 7), `SWEEP_MAX` (the largest S,
//! default 8388608), `SWEEP_COLUMNS` (a comma list of `plain`, `prom`,
//! `2thr`; default all three).
//!
//! ```sh
//! cargo bench --bench sweep
//! SWEEP_COLUMNS=plain SWEEP_MAX=4096 cargo bench --bench sweep
//! ```
//!
//! For a profiler, `SWEEP_PROFILE="SIDE S N [2thr] [prom]"` runs one side
//! only (`mapped` or `vec`): N fresh containers of S elements, on one
//! thread or two at once, with the Prometheus recorder or none, and prints
//! the wall time per container. Instruction counts per container are then
//! the difference of two callgrind runs, divided by N:
//!
//! ```sh
//! cargo bench --bench sweep --no-run   # prints the binary's path
//! SWEEP_PROFILE="mapped 1024 2000" valgrind --tool=callgrind target/release/deps/sweep-HASH --bench
//! SWEEP_PROFILE="vec 1024 2000" valgrind --tool=callgrind target/release/deps/sweep-HASH --bench
//! SWEEP_PROFILE="mapped 1024 200000 2thr" target/release/deps/sweep-HASH --bench
//! ```

mod support;

use mapped::{MappedVector, MAPPER};
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::{Cell, Side};

/// Bytes pushed per round and per side.
const ROUND_BYTES: usize = 64 << 20;
const ELEM: usize = std::mem::size_of::<u64>();

/// `reps` times: a fresh container, `size` pushes, drop.
fn work(side: Side, size: usize, reps: usize) {
    match side {
        Side::Subject => {
            for r in 0..reps {
                let mut v = MappedVector::<u64>::new(MAPPER);
                for i in 0..size {
                    v.push((i ^ r) as u64).expect("commit refused");
                }
                black_box(&v);
            }
        }
        Side::Reference => {
            for r in 0..reps {
                let mut v = Vec::new();
                for i in 0..size {
                    v.push((i ^ r) as u64);
                }
                black_box(&v);
            }
        }
    }
}

/// Wall time of one side's round, on `threads` threads at once.
fn time(side: Side, size: usize, reps: usize, threads: usize) -> Duration {
    if threads == 1 {
        let t = Instant::now();
        work(side, size, reps);
        return t.elapsed();
    }
    let barrier = std::sync::Barrier::new(threads + 1);
    // The scope joins the threads before it returns: the time runs from
    // the moment all of them are released to the end of the last one.
    let released = std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                barrier.wait();
                work(side, size, reps);
            });
        }
        barrier.wait();
        Instant::now()
    });
    released.elapsed()
}

fn measure(size: usize, reps: usize, threads: usize, rounds: usize) -> Cell {
    // Warm up both sides once (page cache, allocator, reservation cache).
    work(Side::Subject, size, reps.min(4));
    work(Side::Reference, size, reps.min(4));
    support::interleave(rounds, 1, reps, |side| time(side, size, reps, threads))
}

/// Installs the Prometheus recorder and describes the metrics, as a
/// service does (the README, examples/prometheus.rs): the OS mapper's
/// containers then report through held handles.
fn install_prometheus() {
    metrics_exporter_prometheus::PrometheusBuilder::new()
        .install_recorder()
        .expect("install the Prometheus recorder");
    mapped::describe_metrics();
}

/// `SWEEP_PROFILE`'s run (see the module docs).
fn profile(spec: &str) {
    let words: Vec<&str> = spec.split_whitespace().collect();
    let [side, size, reps, options @ ..] = &words[..] else {
        panic!("SWEEP_PROFILE=\"SIDE S N [2thr] [prom]\", not {spec:?}");
    };
    let side = match *side {
        "mapped" => Side::Subject,
        "vec" => Side::Reference,
        other => panic!("SWEEP_PROFILE's side is mapped or vec, not {other:?}"),
    };
    let size = size.parse().expect("SWEEP_PROFILE's S");
    let reps: usize = reps.parse().expect("SWEEP_PROFILE's N");
    if options.contains(&"prom") {
        install_prometheus();
    }
    let threads = if options.contains(&"2thr") { 2 } else { 1 };
    let took = time(side, size, reps, threads);
    println!("{spec}: {:?} per container", took / reps as u32);
}

fn main() {
    if let Ok(spec) = std::env::var("SWEEP_PROFILE") {
        return profile(&spec);
    }
    // Without `--bench` (`cargo test --benches`): one quick round on small
    // sizes only.
    let quick = support::quick();
    let rounds = support::env_usize("SWEEP_ROUNDS", if quick { 1 } else { 7 });
    let max = support::env_usize("SWEEP_MAX", if quick { 64 } else { 8 << 20 });
    let columns = std::env::var("SWEEP_COLUMNS").unwrap_or_else(|_| "plain,prom,2thr".into());
    let columns: Vec<&str> = columns.split(',').map(str::trim).collect();
    let round_bytes = if quick { 1 << 20 } else { ROUND_BYTES };

    // (label, size, reps per round)
    let mut rows: Vec<(String, usize, usize)> = Vec::new();
    let mut size = 1;
    while size <= max {
        rows.push((size.to_string(), size, (round_bytes / ELEM / size).max(1)));
        size *= 2;
    }
    // 1000 fresh vectors x 1000 pushes, eight times a round (64 Mi bytes).
    rows.push(("1000 x 1000".into(), 1000, 8 * 1000));

    let mut table: Vec<Vec<Option<Cell>>> = rows.iter().map(|_| Vec::new()).collect();
    let start = Instant::now();
    // The recorder, once installed, stays: the Prometheus column runs last.
    for column in ["plain", "2thr", "prom"] {
        let on = columns.contains(&column);
        if on && column == "prom" {
            install_prometheus();
        }
        for (i, (_, size, reps)) in rows.iter().enumerate() {
            let threads = if column == "2thr" { 2 } else { 1 };
            table[i].push(on.then(|| measure(*size, *reps, threads, rounds)));
        }
    }

    println!(
        "\nsweep: fresh container filled to S u64 by push, then dropped; \
         MappedVector / Vec::new, median of {rounds} interleaved rounds [min-max], \
         {} MiB pushed per round and side; ns per container (median)\n",
        round_bytes >> 20
    );
    println!(
        "| S elements | no recorder | 2 threads | Prometheus recorder | mapped / Vec per container (no recorder) | (2 threads) | (Prometheus) |"
    );
    println!("|---|---|---|---|---|---|---|");
    for ((label, _, _), cells) in rows.iter().zip(&table) {
        let ratio = |c: &Option<Cell>| c.as_ref().map_or("-".into(), Cell::ratio_text);
        let abs = |c: &Option<Cell>| c.as_ref().map_or("-".into(), Cell::abs_text);
        println!(
            "| {label} | {} | {} | {} | {} | {} | {} |",
            ratio(&cells[0]),
            ratio(&cells[1]),
            ratio(&cells[2]),
            abs(&cells[0]),
            abs(&cells[1]),
            abs(&cells[2]),
        );
    }
    println!("\n(total {:.1} s)", start.elapsed().as_secs_f64());
}
