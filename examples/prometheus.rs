//! `mapped`'s metrics in Prometheus' exposition format.
//!
//! Installs `metrics-exporter-prometheus` as the recorder (without its HTTP
//! listener: a service would serve `handle.render()` from its own
//! `/metrics` endpoint), runs a bursty workload, and prints what a scrape
//! would return. Run with `cargo run --release --example prometheus`.

use mapped::{MappedQueue, MappedVector, MAPPER};
use metrics_exporter_prometheus::PrometheusBuilder;

fn main() {
    let handle = PrometheusBuilder::new()
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
        samples.clear(); // memory goes back to the OS after each burst
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
