//! A scrape of the Prometheus exposition, as an operator's tools read it:
//! every metric has help text and a type, the series a dashboard or an
//! alert reads exist from `describe_metrics()` on, and `promtool check
//! metrics` (Debian's `prometheus` package) finds nothing to report. The
//! promtool check skips, saying so, where promtool is not installed, and
//! fails there under `MAPPED_NO_SKIP` (as in CI). Each scrape runs on a
//! cache of its own: a reservation the other test parked would spare it
//! the commits whose series it checks.
#![cfg(feature = "metrics")]

use mapped::telemetry::names::{CACHED_BYTES, DECOMMITS_TOTAL, ERRORS_TOTAL};
use mapped::{MappedQueue, MappedVector, MAPPER};
use metrics_exporter_prometheus::PrometheusBuilder;
use std::io::Write;
use std::process::Command;
use std::time::Duration;

/// A scrape after a small workload, from a recorder of this test's own.
fn scrape() -> String {
    let _isolated = mapped_testkit::isolate();
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    metrics::with_local_recorder(&recorder, || {
        mapped::describe_metrics();
        let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
        v.extend_from_slice(&[1; 100_000]).unwrap();
        v.truncate(10);
        drop(v);
        let mut q: MappedQueue<u64> = MappedQueue::new(MAPPER);
        for i in 0..10_000 {
            q.push(i).unwrap();
        }
        drop(q);
    });
    handle.render()
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so no series of mapper=os exists"
)]
fn every_metric_has_help_and_the_alert_series_exist_at_zero() {
    let text = scrape();
    let names = |prefix: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix(prefix))
            .filter_map(|l| l.split_whitespace().next())
            .map(str::to_owned)
            .collect()
    };
    let (typed, helped) = (names("# TYPE "), names("# HELP "));
    assert!(typed.len() >= 15, "{text}");
    for name in &typed {
        assert!(helped.contains(name), "{name} has no help text:\n{text}");
    }
    // Never failed, never decommitted by a queue: still there, at 0.
    let line = format!("{ERRORS_TOTAL}{{container=\"queue\",mapper=\"os\",op=\"commit\"}} 0");
    assert!(text.contains(&line), "no {line}:\n{text}");
    let line = format!("{DECOMMITS_TOTAL}{{container=\"queue\",mapper=\"os\"}}");
    assert!(text.contains(&line), "no {line}:\n{text}");
    assert!(text.contains(CACHED_BYTES), "{text}");
}

#[test]
fn promtool_finds_nothing_to_report() {
    let text = scrape();
    let path = std::env::temp_dir().join(format!("mapped-scrape-{}.prom", std::process::id()));
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .unwrap();
    let mut promtool = Command::new("promtool");
    promtool
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&path).unwrap());
    let out = mapped_mock::child::output_within(&mut promtool, Duration::from_secs(120));
    let _ = std::fs::remove_file(&path);
    let out = match out {
        Ok(out) => out,
        Err(e) => {
            mapped_testkit::skip(
                "promtool_finds_nothing_to_report",
                &format!("cannot run promtool ({e}; Debian: apt-get install prometheus)"),
            );
            return;
        }
    };
    let report = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && report.trim().is_empty(),
        "promtool check metrics:\n{report}\n--- scrape ---\n{text}"
    );
}
