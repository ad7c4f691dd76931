//! Push 10 million `u64` into a fresh `MappedVector` (dropped in the
//! routine), instrumentation off vs on:
//!
//! - `off`: no tracing subscriber, no metrics recorder (the default build,
//!   with the `tracing` and `metrics` features compiled in but unobserved);
//! - `on`: a DEBUG `tracing_subscriber::fmt` subscriber writing to
//!   `std::io::sink`, scoped to the benchmark with `with_default`, and a
//!   `metrics_util` `DebuggingRecorder` installed locally with
//!   `metrics::with_local_recorder`.
//!
//! Why: every reserve, commit, remap, grow and release is a span, a log
//! event and metric updates, but push itself emits nothing, so turning
//! everything on must leave the cost of a large fill unchanged (the OS calls
//! it instruments are a few dozen among ten million pushes).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use criterion::{SamplingMode, Throughput};
use mapped::{MappedVector, MAPPER};
use metrics_util::debugging::DebuggingRecorder;
use std::hint::black_box;
use std::io;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

const N: u64 = 10_000_000;

fn push_all(n: u64) {
    let mut v = MappedVector::<u64>::new(MAPPER);
    for i in 0..n {
        v.push(i).expect("commit refused");
    }
    black_box(&v);
    drop(v);
}

/// Counts the bytes a subscriber writes, to show (once, outside the timing)
/// that the DEBUG subscriber of the "on" case really receives events.
#[derive(Clone, Default)]
struct CountingSink(Arc<AtomicUsize>);

impl io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.fetch_add(buf.len(), Ordering::Relaxed);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn check_tracing_is_on() {
    let sink = CountingSink::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || push_all(N));
    let bytes = sink.0.load(Ordering::Relaxed);
    eprintln!("telemetry: one push of {N} under the DEBUG fmt subscriber logs {bytes} bytes");
    assert!(bytes > 0, "the DEBUG subscriber saw nothing");
}

fn bench_telemetry(c: &mut Criterion) {
    check_tracing_is_on();
    let mut group = c.benchmark_group("telemetry_push_1e7");
    group
        .throughput(Throughput::Elements(N))
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));

    group.bench_function(BenchmarkId::new("off", N), |b| {
        b.iter(|| push_all(black_box(N)))
    });

    group.bench_function(BenchmarkId::new("on", N), |b| {
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::DEBUG)
            .with_writer(std::io::sink)
            .finish();
        let recorder = DebuggingRecorder::new();
        let snapshotter = recorder.snapshotter();
        tracing::subscriber::with_default(subscriber, || {
            metrics::with_local_recorder(&recorder, || {
                mapped::describe_metrics();
                b.iter(|| push_all(black_box(N)))
            })
        });
        // Prove the recorder saw the grows (and so the "on" case was on).
        let seen = snapshotter.snapshot().into_vec().len();
        assert!(seen > 0, "the debugging recorder recorded nothing");
    });
    group.finish();
}

criterion_group!(benches, bench_telemetry);
criterion_main!(benches);
