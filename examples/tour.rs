//! A tour of `mapped`: a service's ingest buffer through two bursts.
//!
//! Run with `cargo run --release --example tour` (logs at `mapped=debug`;
//! set `RUST_LOG` to change that, e.g. `RUST_LOG=mapped=trace`).
//!
//! Each phase prints the buffer's length, its committed and reserved bytes
//! and the process's resident memory (`mapped_testkit::rss()`, each OS's
//! own measure), so you can watch memory go back to
//! the OS after a burst and come back, recommitted, for the next one. The
//! log lines between the phases are the library's own grow/shrink spans.
//! At the end, the metrics the library recorded are printed as a summary.

use mapped::{MappedQueue, MappedVector, MAPPER};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use std::time::{Duration, Instant};
use tracing_subscriber::EnvFilter;

/// One ingested record: 32 bytes, like a small log or metrics sample.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Record {
    timestamp: u64,
    source: u32,
    kind: u32,
    value: f64,
    sequence: u64,
}

const BURST: usize = 4 << 20; // 4 Mi records, 128 MiB
const MIB: f64 = (1 << 20) as f64;
const KIB: f64 = 1024.0;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("mapped=debug")),
        )
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
        .init();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorder.install().expect("no other recorder is installed");
    mapped::describe_metrics();

    let start = Instant::now();
    let mut table = Table::default();
    let mut buffer: MappedVector<Record, 4> = MappedVector::builder(MAPPER)
        .name("ingest")
        .build()
        .expect("a growable vector needs no memory yet");
    table.row("start", &buffer);

    println!(
        "\n== burst 1: ingest {BURST} records ({} MiB)",
        (BURST * 32) >> 20
    );
    ingest(&mut buffer, 0);
    table.row("burst 1 filled", &buffer);

    println!("\n== drain: process every record, newest first");
    let checksum = process(&mut buffer);
    table.row("burst 1 drained", &buffer);

    println!("\n== quiet: a trickle of 1000 records in and out, 100 times");
    let calls = trickle(&mut buffer);
    println!("   mapper calls, immediate policy: {calls} (each round grows past the 4 kept pages and shrinks back)");
    let mut decaying: MappedVector<Record, 4> = MappedVector::builder(MAPPER)
        .name("ingest-decay")
        .decay(Duration::from_secs(1))
        .build()
        .expect("a growable vector needs no memory yet");
    let calls = trickle(&mut decaying);
    println!("   mapper calls with a 1 s decay:  {calls} (all in the first round; after that the pages stay until unused for 1 s)");
    table.row("quiet", &buffer);

    println!("\n== burst 2: ingest again (pages are recommitted before they are written)");
    ingest(&mut buffer, BURST as u64);
    table.row("burst 2 filled", &buffer);
    buffer.clear();
    table.row("burst 2 cleared", &buffer);

    println!("\n== a job queue: 1 Mi jobs by priority, then all run");
    let mut jobs: MappedQueue<(u32, u64)> = MappedQueue::new(MAPPER);
    for i in 0..(1u64 << 20) {
        let priority = (i.wrapping_mul(2654435761) >> 7) as u32 % 1000;
        jobs.push((priority, i)).expect("jobs fit in memory");
    }
    println!(
        "   queued {} jobs, {:.1} MiB committed",
        jobs.len(),
        jobs.committed_bytes() as f64 / MIB
    );
    let mut last = u32::MAX;
    while let Some((priority, _)) = jobs.pop() {
        assert!(priority <= last, "jobs run in priority order");
        last = priority;
    }
    println!(
        "   ran them all; {} KiB still committed",
        jobs.committed_bytes() >> 10
    );

    println!("\n== phases");
    table.print();
    println!("\nchecksum {checksum:#x}; elapsed {:.2?}", start.elapsed());

    println!("\n== metrics recorded (the same events the log lines show)");
    let mut lines: Vec<String> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, unit, _, value)| {
            let key = key.key();
            let labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}=\"{}\"", l.key(), l.value()))
                .collect();
            let unit = unit.map(|u| format!(" {}", u.as_str())).unwrap_or_default();
            let value = match value {
                DebugValue::Counter(n) => format!("{n}{unit}"),
                DebugValue::Gauge(g) => format!("{}{unit}", g.into_inner()),
                DebugValue::Histogram(h) => {
                    let total: f64 = h.iter().map(|x| x.into_inner()).sum();
                    format!("{} samples, {:.3} ms in all", h.len(), total * 1e3)
                }
            };
            format!("  {}{{{}}} = {value}", key.name(), labels.join(","))
        })
        .collect();
    lines.sort();
    println!("{}", lines.join("\n"));
    let stats = mapped::stats();
    println!(
        "\nmapped::stats(): {} commits, {} decommits, {} grows, {} shrinks, {} errors, {} bytes committed now",
        stats.commits, stats.decommits, stats.grows, stats.shrinks, stats.errors, stats.committed_bytes
    );

    // Who holds the memory: every live mapped container, with its site.
    let mut orders: MappedVector<u64> = MappedVector::builder(MAPPER)
        .name("orders")
        .build()
        .expect("no fixed window to reserve");
    // (`resize`, not `extend_from_slice(&[7; 1 << 20])`: that array would
    // be 8 MiB of the binary.)
    orders.resize(1 << 20, 7).expect("memory for the orders");
    let mut backlog: MappedQueue<u64> = MappedQueue::builder(MAPPER)
        .name("backlog")
        .build()
        .expect("no fixed window to reserve");
    for i in 0..100_000 {
        backlog.push(i).expect("memory for the backlog");
    }
    println!("\n{}", mapped::inventory());
}

fn record(i: u64) -> Record {
    Record {
        timestamp: 1_700_000_000_000 + i,
        source: (i % 97) as u32,
        kind: (i % 7) as u32,
        value: i as f64 * 0.5,
        sequence: i,
    }
}

/// Pushes and pops 1000 records, 100 times; returns the mapper calls made.
fn trickle(buffer: &mut MappedVector<Record, 4>) -> u64 {
    let before = mapped::stats().mapper_calls();
    for round in 0..100 {
        for i in 0..1000 {
            buffer
                .push(record(round * 1000 + i))
                .expect("the trickle fits in memory");
        }
        for _ in 0..1000 {
            buffer.pop();
        }
    }
    mapped::stats().mapper_calls() - before
}

fn ingest(buffer: &mut MappedVector<Record, 4>, first: u64) {
    for i in 0..BURST as u64 {
        if let Err(e) = buffer.push(record(first + i)) {
            // A refused commit loses nothing: the record comes back.
            let (record, error) = e.into_parts();
            panic!("record {} refused: {error}", record.sequence);
        }
    }
}

fn process(buffer: &mut MappedVector<Record, 4>) -> u64 {
    let mut checksum = 0u64;
    while let Some(r) = buffer.pop() {
        checksum = checksum
            .wrapping_mul(31)
            .wrapping_add(r.sequence ^ u64::from(r.source));
    }
    checksum
}

#[derive(Default)]
struct Table(Vec<[String; 5]>);

impl Table {
    fn row<const N: usize>(&mut self, phase: &str, v: &MappedVector<Record, N>) {
        let rss = format!("{:.1}", mapped_testkit::rss() as f64 / MIB);
        let row = [
            phase.to_string(),
            v.len().to_string(),
            format!("{:.0}", v.committed_bytes() as f64 / KIB),
            format!("{:.1}", v.reserved_bytes() as f64 / MIB),
            rss,
        ];
        println!(
            "   {:<16} len {:>8}  committed {:>7} KiB  reserved {:>6} MiB  RSS {:>6} MiB",
            row[0], row[1], row[2], row[3], row[4]
        );
        self.0.push(row);
    }

    fn print(&self) {
        println!(
            "| {:<16} | {:>8} | {:>14} | {:>13} | {:>8} |",
            "phase", "len", "committed KiB", "reserved MiB", "RSS MiB"
        );
        println!(
            "|{:-<18}|{:->10}|{:->16}|{:->15}|{:->10}|",
            "", "", "", "", ""
        );
        for r in &self.0 {
            println!(
                "| {:<16} | {:>8} | {:>14} | {:>13} | {:>8} |",
                r[0], r[1], r[2], r[3], r[4]
            );
        }
    }
}
