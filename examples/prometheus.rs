//! `mapped`'s metrics in Prometheus' exposition format.
//!
//! Installs `metrics-exporter-prometheus` as the recorder (without its HTTP
//! listener: a service would serve `handle.render()` from its own
//! `/metrics` endpoint), runs a bursty workload, and prints what a scrape
//! would return. Run with `cargo run --release --example prometheus`.

use mapped::telemetry::names::{COMMIT_SECONDS, DECOMMIT_SECONDS};
use mapped::{MappedQueue, MappedVector, MAPPER};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};

/// Buckets for the time of a commit or decommit call: a few microseconds
/// for a page or two, up to milliseconds for hundreds of MiB. Without
/// buckets the exporter renders histograms as summaries.
const CALL_SECONDS: [f64; 8] = [1e-6, 4e-6, 16e-6, 64e-6, 256e-6, 1e-3, 4e-3, 16e-3];

fn main() {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(COMMIT_SECONDS.into()), &CALL_SECONDS)
        .and_then(|b| {
            b.set_buckets_for_metric(Matcher::Full(DECOMMIT_SECONDS.into()), &CALL_SECONDS)
        })
        .expect("buckets are not empty")
        .install_recorder()
        .expect("no other recorder is installed");
    mapped::describe_metrics();

    let mut samples: MappedVector<f64> = MappedVector::new(MAPPER);
    for burst in 0..3 {
        for i in 0..(1 << 20) {
            samples
                .push(f64::from(burst) + f64::from(i) * 1e-6)
                .expect("memory for the burst");
        }
        // Its reservation (8 MiB committed) parks in the cache, resident
        // until the next burst reuses it or the cache's delay has passed.
        samples.clear();
    }

    let mut queue: MappedQueue<u64> = MappedQueue::new(MAPPER);
    for i in 0..100_000u64 {
        queue
            .push(i.wrapping_mul(0x9E37_79B9_7F4A_7C15))
            .expect("memory for the queue");
    }
    while queue.pop().is_some() {}

    print!("{}", handle.render());
}
