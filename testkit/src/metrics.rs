//! Reading a `DebuggingRecorder` snapshot.

use metrics_util::debugging::{DebugValue, Snapshotter};
use std::collections::BTreeMap;

/// Every metric of a snapshot as `name{label=value,...}` -> value.
///
/// A `DebuggingRecorder` snapshot takes what accumulated since the last one
/// (counters and gauges are swapped to zero), so these are deltas; use
/// [`Totals`] across several snapshots.
pub fn snapshot(snapshotter: &Snapshotter) -> BTreeMap<String, DebugValue> {
    snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let mut labels: Vec<String> = key
                .labels()
                .map(|l| format!("{}={}", l.key(), l.value()))
                .collect();
            labels.sort();
            (format!("{}{{{}}}", key.name(), labels.join(",")), value)
        })
        .collect()
}

pub fn counter(snap: &BTreeMap<String, DebugValue>, key: &str) -> u64 {
    match snap.get(key) {
        Some(DebugValue::Counter(n)) => *n,
        None => 0,
        Some(other) => panic!("{key} is not a counter: {other:?}"),
    }
}

pub fn gauge(snap: &BTreeMap<String, DebugValue>, key: &str) -> f64 {
    match snap.get(key) {
        Some(DebugValue::Gauge(g)) => g.into_inner(),
        None => 0.0,
        Some(other) => panic!("{key} is not a gauge: {other:?}"),
    }
}

pub fn histogram_len(snap: &BTreeMap<String, DebugValue>, key: &str) -> usize {
    match snap.get(key) {
        Some(DebugValue::Histogram(h)) => h.len(),
        None => 0,
        Some(other) => panic!("{key} is not a histogram: {other:?}"),
    }
}

/// Counter and gauge values summed over successive snapshots.
#[derive(Default)]
pub struct Totals(BTreeMap<String, f64>);

impl Totals {
    /// Adds what the recorder accumulated since the last snapshot.
    pub fn update(&mut self, snapshotter: &Snapshotter) {
        self.add(&snapshot(snapshotter));
    }

    /// Adds one snapshot (from [`snapshot`]).
    pub fn add(&mut self, snap: &BTreeMap<String, DebugValue>) {
        for (key, value) in snap {
            let delta = match value {
                DebugValue::Counter(n) => *n as f64,
                DebugValue::Gauge(g) => g.into_inner(),
                DebugValue::Histogram(h) => h.len() as f64,
            };
            *self.0.entry(key.clone()).or_default() += delta;
        }
    }

    /// The total of `key` (`name{label=value,...}`), 0 if never seen.
    pub fn get(&self, key: &str) -> f64 {
        self.0.get(key).copied().unwrap_or(0.0)
    }
}
