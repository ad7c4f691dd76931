//! Spans and events as a subscriber sees them: names, nesting and fields.
//!
//! One test function per binary: `tracing` caches each callsite's interest
//! process-wide, so these run in sequence inside one test, with a capture
//! layer that asks to be consulted every time. It runs on a cache and a
//! paused clock of its own (`mapped_testkit::isolate`): no parked entry
//! expires and is released under a span it did not expect.
#![cfg(feature = "tracing")]

use mapped::{MappedVector, MAPPER};
use mapped_testkit::metrics::{counter, snapshot};
use mapped_testkit::TestMapper;
use metrics_util::debugging::DebuggingRecorder;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing::subscriber::Interest;
use tracing::{Level, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

#[derive(Clone, Debug)]
struct SpanRecord {
    name: &'static str,
    target: String,
    level: Level,
    parent: Option<&'static str>,
    fields: BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
struct EventRecord {
    level: Level,
    /// Names of the spans it is inside, innermost first.
    scope: Vec<&'static str>,
    fields: BTreeMap<String, String>,
}

/// A field recorded on a span after it opened: (span, field, value).
type Recorded = (&'static str, String, String);

#[derive(Default, Clone)]
struct Capture {
    spans: Arc<Mutex<Vec<SpanRecord>>>,
    events: Arc<Mutex<Vec<EventRecord>>>,
    /// Fields recorded on a span after it opened: (span, field, value).
    records: Arc<Mutex<Vec<Recorded>>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let parent = ctx.span(id).and_then(|s| s.parent()).map(|p| p.name());
        let meta = attrs.metadata();
        self.spans.lock().unwrap().push(SpanRecord {
            name: meta.name(),
            target: meta.target().to_string(),
            level: *meta.level(),
            parent,
            fields,
        });
    }

    fn on_record(&self, id: &Id, values: &tracing::span::Record<'_>, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        values.record(&mut Fields(&mut fields));
        let name = ctx.span(id).map_or("?", |s| s.name());
        let mut records = self.records.lock().unwrap();
        records.extend(fields.into_iter().map(|(k, v)| (name, k, v)));
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let scope = ctx
            .event_scope(event)
            .map(|s| s.map(|span| span.name()).collect())
            .unwrap_or_default();
        self.events.lock().unwrap().push(EventRecord {
            level: *event.metadata().level(),
            scope,
            fields,
        });
    }
}

/// What a subscriber saw while `f` ran.
fn capture(f: impl FnOnce()) -> Capture {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    tracing::subscriber::with_default(subscriber, || {
        tracing::callsite::rebuild_interest_cache();
        f();
    });
    capture
}

fn captured(f: impl FnOnce()) -> (Vec<SpanRecord>, Vec<EventRecord>) {
    let capture = capture(f);
    let spans = capture.spans.lock().unwrap().clone();
    let events = capture.events.lock().unwrap().clone();
    (spans, events)
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so it opens no reserve or commit span"
)]
fn spans_nest_and_carry_their_fields() {
    let _isolated = mapped_testkit::isolate();
    // Grow and shrink: commit inside grow, decommit inside shrink.
    let (spans, events) = captured(|| {
        let mut v: MappedVector<u64> = MappedVector::builder(MAPPER).name("seed").build().unwrap();
        for i in 0..10_000 {
            v.push(i).unwrap();
        }
        while v.pop().is_some() {}
    });
    let names: Vec<&str> = spans.iter().map(|s| s.name).collect();
    // (Dropped with 4 KiB committed, it is parked for reuse, not released.)
    for expected in ["reserve", "commit", "decommit", "grow", "shrink", "park"] {
        assert!(names.contains(&expected), "no {expected} span in {names:?}");
    }
    for span in &spans {
        assert_eq!(span.target, "mapped");
        assert_eq!(span.level, Level::DEBUG);
        assert_eq!(span.fields["container"], "vector");
        assert_eq!(span.fields["mapper"], "os");
        assert_eq!(span.fields["name"], "seed");
        assert!(
            span.fields["bytes"].parse::<usize>().unwrap() > 0,
            "{span:?}"
        );
        match span.name {
            "commit" => assert_eq!(span.parent, Some("grow"), "{span:?}"),
            "decommit" => assert_eq!(span.parent, Some("shrink"), "{span:?}"),
            "reserve" => assert_eq!(span.parent, Some("grow"), "{span:?}"),
            "grow" | "shrink" => {
                let from: usize = span.fields["from_bytes"].parse().unwrap();
                let to: usize = span.fields["to_bytes"].parse().unwrap();
                if span.name == "grow" {
                    assert!(to > from, "{span:?}");
                } else {
                    assert!(to < from, "{span:?}");
                }
                assert_eq!(
                    span.fields["bytes"].parse::<usize>().unwrap(),
                    from.abs_diff(to)
                );
            }
            _ => {}
        }
    }
    // Readable DEBUG lines for each grow and shrink, inside their spans.
    let grows = spans.iter().filter(|s| s.name == "grow").count();
    let grew = events
        .iter()
        .filter(|e| e.level == Level::DEBUG && e.scope.first() == Some(&"grow"))
        .count();
    assert_eq!(grew, grows);
    assert!(events.iter().all(|e| e.level != Level::WARN));

    // A refused commit: a WARN event inside the commit span, carrying the OS error.
    let mapper = Arc::new(TestMapper::new("refusing"));
    let (_, events) = captured(|| {
        let mut v: MappedVector<u64> = MappedVector::builder(mapper.clone())
            .heap_limit(0)
            .build()
            .unwrap();
        mapper.deny_commits(true);
        assert!(v.push(1).is_err());
    });
    let warn = events
        .iter()
        .find(|e| e.level == Level::WARN)
        .expect("a WARN event");
    assert_eq!(warn.scope.first(), Some(&"commit"), "{warn:?}");
    assert_eq!(warn.scope.get(1), Some(&"grow"), "{warn:?}");
    assert_eq!(warn.fields["op"], "commit");
    assert!(warn.fields["error"].contains("out of memory"), "{warn:?}");
    // It stands alone at WARN level, where the spans are off, and the grow
    // that failed with it does not warn again.
    assert_eq!(warn.fields["container"], "vector", "{warn:?}");
    assert_eq!(warn.fields["mapper"], "refusing", "{warn:?}");
    assert_eq!(warn.fields["bytes"], "4096", "{warn:?}");
    assert_eq!(warn.fields["injected"], "false", "{warn:?}");
    let warns = events.iter().filter(|e| e.level == Level::WARN).count();
    assert_eq!(warns, 1, "one failure, one WARN: {events:?}");

    // Every grow and shrink says why, on its span.
    let (spans, _) = captured(|| {
        let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
        v.extend_from_slice(&[1; 1000]).unwrap(); // from the heap
        v.extend_from_slice(&[2; 100_000]).unwrap(); // full
        v.reserve(1_000_000).unwrap();
        v.shrink_to_fit().unwrap();
        v.truncate(20_000);
        while v.len() > 10 {
            v.pop(); // back to the heap
        }
        v.extend_from_slice(&[3; 100_000]).unwrap();
        v.clear();
    });
    let causes: Vec<(&str, &str)> = spans
        .iter()
        .filter(|s| s.name == "grow" || s.name == "shrink")
        .map(|s| (s.name, s.fields.get("cause").map_or("-", String::as_str)))
        .collect();
    for expected in [
        ("grow", "heap_to_mapping"),
        ("grow", "full"),
        ("grow", "reserve"),
        ("shrink", "fit"),
        ("shrink", "truncate"),
        ("shrink", "sparse"),
        ("shrink", "to_heap"),
        ("shrink", "clear"),
    ] {
        assert!(causes.contains(&expected), "no {expected:?} in {causes:?}");
    }
    assert!(causes.iter().all(|(_, c)| *c != "-"), "{causes:?}");

    // A commit slower than the slow-call threshold is one WARN standing
    // alone, with its duration, and is counted; with no threshold, none.
    let stalling = Arc::new(TestMapper::new("stalling"));
    stalling.delay_commits(Duration::from_millis(5));
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let slow_pushes = |threshold| {
        mapped::set_slow_call_threshold(threshold);
        let (_, events) = captured(|| {
            metrics::with_local_recorder(&recorder, || {
                let mut v: MappedVector<u64> = MappedVector::builder(stalling.clone())
                    .heap_limit(0)
                    .build()
                    .unwrap();
                v.push(1).unwrap();
            })
        });
        mapped::set_slow_call_threshold(None);
        events
    };
    let events = slow_pushes(Some(Duration::from_millis(1)));
    // (The reserve and the release may be slow too, on a busy machine.)
    let slow: Vec<_> = events
        .iter()
        .filter(|e| e.level == Level::WARN && e.fields["op"] == "commit")
        .collect();
    assert_eq!(slow.len(), 1, "{events:?}");
    assert_eq!(slow[0].fields["op"], "commit", "{slow:?}");
    assert_eq!(slow[0].fields["mapper"], "stalling", "{slow:?}");
    assert_eq!(slow[0].fields["container"], "vector", "{slow:?}");
    assert!(
        slow[0].fields["micros"].parse::<u64>().unwrap() >= 5000,
        "{slow:?}"
    );
    let counted = snapshot(&snapshotter);
    let key = "mapped_slow_calls_total{container=vector,mapper=stalling,op=commit}";
    assert_eq!(counter(&counted, key), 1, "{counted:?}");
    let events = slow_pushes(None);
    assert!(events.iter().all(|e| e.level != Level::WARN), "{events:?}");

    // A move back to the heap that parks the reservation says so, at DEBUG,
    // and never that the memory went back to the OS.
    let (_, events) = captured(|| {
        let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
        v.extend_from_slice(&[3; 1000]).unwrap();
        v.truncate(1);
    });
    let shrank = events
        .iter()
        .find(|e| e.scope.first() == Some(&"shrink") && e.level == Level::DEBUG)
        .expect("the shrink's DEBUG event");
    assert_eq!(
        shrank.fields.get("parked").map(String::as_str),
        Some("true"),
        "{shrank:?}"
    );
    assert!(shrank.fields["message"].contains("parked"), "{shrank:?}");
    assert!(
        !shrank.fields["message"].contains("back to the OS"),
        "{shrank:?}"
    );

    // A vector too large for the cache is released when dropped.
    let (spans, _) = captured(|| {
        let mut v: MappedVector<u64> = MappedVector::builder(MAPPER).name("big").build().unwrap();
        v.extend_from_slice(&vec![7; mapped::CACHE_MAX_COMMITTED / 8 + 1])
            .unwrap();
    });
    let release = spans
        .iter()
        .find(|s| s.name == "release")
        .expect("a release span");
    assert_eq!(release.fields["name"], "big");
    assert_eq!(release.parent, None);

    // A grow's span opens with the committed bytes it aims for and records
    // `to_bytes` again only when that was not what happened: a reservation
    // reused from the cache brought more. (A log line shows each record.)
    mapped::trim_cache();
    let records = capture(|| {
        let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
        v.extend(0..100_000); // grows from the heap, reserving afresh
    })
    .records;
    let to_bytes = |records: &[Recorded]| -> Vec<String> {
        records
            .iter()
            .filter(|(span, field, _)| *span == "grow" && field == "to_bytes")
            .map(|(_, _, value)| value.clone())
            .collect()
    };
    assert_eq!(to_bytes(&records.lock().unwrap()), [] as [String; 0]);
    let mut parked: MappedVector<u64> = MappedVector::new(MAPPER);
    parked.extend(0..(1 << 17)); // 1 MiB committed
    drop(parked); // parks, with its pages
    let records = capture(|| {
        let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
        v.extend(0..1000); // into a mapping: reuses the parked 1 MiB
    })
    .records;
    assert_eq!(
        to_bytes(&records.lock().unwrap()),
        [(1usize << 20).to_string()]
    );
    mapped::trim_cache();

    // Nothing at all on the fast path: pushes and pops within capacity.
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    v.push(0).unwrap();
    let (spans, events) = captured(|| {
        for i in 0..100 {
            v.push(i).unwrap();
            v.pop();
        }
        let _ = v[0];
    });
    assert!(
        spans.is_empty() && events.is_empty(),
        "{spans:?} {events:?}"
    );
}
