//! The file vector's spans and metrics carry `mapper = "file"`, with the
//! pinned names; a refused growth is a WARN event and an injected fault.

use crate::{growth_writes_zeros, ran_in_a_child, temp_path, CHILD_DONE};
use mapped::{FileFaults, FileVector};

#[cfg(any(feature = "metrics", feature = "tracing"))]
fn work(path: &std::path::Path) {
    let faults = FileFaults::new(1).refuse_growth(0.0);
    let mut f: FileVector<u64> = FileVector::options().faults(faults).create(path).unwrap();
    f.extend_from_slice(&vec![3; 1 << 20]).unwrap(); // grow: commit + remap
    f.flush().unwrap();
    f.truncate(10); // shrink: decommit (after saving the prefix)
    drop(f);
    let faults = FileFaults::new(1).refuse_growth(1.0);
    let mut f: FileVector<u64> = FileVector::options().faults(faults).open(path).unwrap();
    f.extend_from_slice(&vec![3; 1 << 20]).unwrap_err();
}

#[cfg(feature = "metrics")]
#[test]
fn metrics_carry_mapper_file() {
    use mapped_testkit::metrics::{counter, snapshot};
    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let path = temp_path("metrics");
    metrics::with_local_recorder(&recorder, || work(&path));
    let snap = snapshot(&snapshotter);
    let l = "{container=vector,mapper=file}";
    for name in [
        "mapped_grows_total",
        "mapped_shrinks_total",
        "mapped_commits_total",
        "mapped_decommits_total",
        "mapped_file_flushes_total",
    ] {
        assert!(
            counter(&snap, &format!("{name}{l}")) > 0,
            "{name}{l} missing: {snap:?}"
        );
    }
    assert!(counter(&snap, &format!("mapped_committed_bytes_total{l}")) >= 8 << 20);
    assert!(counter(&snap, &format!("mapped_decommitted_bytes_total{l}")) >= 7 << 20);
    assert_eq!(
        counter(&snap, "mapped_injected_faults_total{op=commit}"),
        1,
        "{snap:?}"
    );
    assert_eq!(
        counter(
            &snap,
            "mapped_errors_total{container=vector,mapper=file,op=commit}"
        ),
        0,
        "an injected fault counted as real"
    );
    std::fs::remove_file(&path).unwrap();
}

#[cfg(feature = "tracing")]
#[test]
fn spans_nest_and_carry_mapper_file() {
    // In a child: threads of other tests hitting the same callsites with no
    // subscriber would race this one's interest cache.
    if ran_in_a_child("telemetry::spans_nest_and_carry_mapper_file") {
        return;
    }
    use std::sync::{Arc, Mutex};
    use tracing::span::{Attributes, Id};
    use tracing_subscriber::layer::{Context, Layer, SubscriberExt};
    use tracing_subscriber::registry::LookupSpan;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<String>>>);
    struct Mapper(bool);
    impl tracing::field::Visit for Mapper {
        fn record_str(&mut self, f: &tracing::field::Field, v: &str) {
            self.0 |= f.name() == "mapper" && v == "file";
        }
        fn record_debug(&mut self, _: &tracing::field::Field, _: &dyn std::fmt::Debug) {}
    }
    impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Capture {
        fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
            let mut m = Mapper(false);
            attrs.record(&mut m);
            let parent = ctx
                .span(id)
                .and_then(|s| s.parent())
                .map(|p| p.name())
                .unwrap_or("-");
            let name = attrs.metadata().name();
            let target = attrs.metadata().target();
            self.0
                .lock()
                .unwrap()
                .push(format!("{target}:{parent}>{name}:{}", m.0));
        }
        fn on_event(&self, e: &tracing::Event<'_>, _: Context<'_, S>) {
            if *e.metadata().level() == tracing::Level::WARN {
                let mut m = Mapper(false);
                e.record(&mut m);
                self.0.lock().unwrap().push(format!("WARN:{}", m.0));
            }
        }
    }
    let capture = Capture::default();
    let subscriber = tracing_subscriber::registry().with(capture.clone());
    let path = temp_path("tracing");
    tracing::subscriber::with_default(subscriber, || {
        tracing::callsite::rebuild_interest_cache();
        work(&path)
    });
    let seen = capture.0.lock().unwrap().clone();
    // On Windows the mapping follows the grown file, inside the commit.
    let remap = if cfg!(windows) {
        "mapped:commit>remap:true"
    } else {
        "mapped:grow>remap:true"
    };
    for want in [
        "mapped:->grow:true",
        "mapped:grow>commit:true",
        remap,
        "mapped:->flush:true",
        "mapped:->shrink:true",
        "mapped:shrink>flush:true",
        "mapped:shrink>decommit:true",
        "WARN:true",
    ] {
        assert!(seen.iter().any(|s| s == want), "no {want} in {seen:#?}");
    }
    std::fs::remove_file(&path).unwrap();
    eprintln!("{CHILD_DONE}");
}

#[cfg(feature = "metrics")]
#[test]
fn describe_metrics_describes_the_flush_counter() {
    let recorder = metrics_util::debugging::DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let path = temp_path("describe");
    metrics::with_local_recorder(&recorder, || {
        mapped::describe_metrics();
        work(&path);
    });
    let flushes = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .find(|(key, ..)| key.key().name() == "mapped_file_flushes_total")
        .expect("a flush was counted");
    let (_, unit, description, _) = flushes;
    assert_eq!(unit, Some(metrics::Unit::Count));
    assert!(description.is_some_and(|d| d.contains("flush")));
    std::fs::remove_file(&path).unwrap();
}

/// Observers and `stats()` see file vectors as they see memory containers:
/// every step an `Event` with `mapper = "file"` and the path as the name;
/// the allocated bytes in `file_bytes` (disk), never in `committed_bytes`
/// (memory); flushes counted; a refused growth an injected fault.
#[test]
fn observers_and_stats_see_file_vectors() {
    // In a child: `stats()` and the observer are process-wide, and the
    // other tests of this binary make file vectors at the same time.
    if ran_in_a_child("telemetry::observers_and_stats_see_file_vectors") {
        return;
    }
    use mapped::{stats, Cause, Event, Observer, Op};
    use std::sync::{Arc, Mutex};

    /// (op, cause, from_bytes, to_bytes, failed), for events of `path`.
    type Seen = Vec<(Op, Option<Cause>, usize, usize, bool)>;
    struct Record(String, Mutex<Seen>);
    impl Observer for Record {
        fn on_event(&self, e: &Event<'_>) {
            assert_eq!(e.mapper, "file");
            assert_eq!(e.container, mapped::Kind::Vector);
            assert_eq!(e.name, Some(self.0.as_str()));
            assert_eq!((e.reserved_from, e.reserved_to), (0, 0));
            let seen = (e.op, e.cause, e.from_bytes, e.to_bytes, !e.is_ok());
            self.1.lock().unwrap().push(seen);
        }
    }
    let path = temp_path("observed");
    let record = Arc::new(Record(path.to_str().unwrap().to_owned(), Mutex::default()));
    mapped::set_observer(Some(record.clone()));
    let take = || std::mem::take(&mut *record.1.lock().unwrap());
    let before = stats();

    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    assert_eq!(take(), [(Op::Reserve, None, 0, 0, false)]);
    f.extend_from_slice(&vec![3; 1 << 20]).unwrap(); // 8 MiB
    let grown = f.committed_bytes();
    assert!(grown >= 8 << 20);
    assert_eq!(
        take(),
        [
            (Op::Remap, None, 0, 0, false),
            (Op::Commit, None, 0, grown, false),
            (Op::Grow, Some(Cause::Reserve), 0, grown, false),
        ]
    );
    let now = stats();
    assert_eq!(now.file_bytes - before.file_bytes, grown as u64);
    assert_eq!(
        now.committed_bytes, before.committed_bytes,
        "disk counted as memory"
    );
    assert_eq!(now.grows - before.grows, 1);
    assert_eq!(now.commits - before.commits, 1);

    f.flush().unwrap();
    assert_eq!(
        take(),
        [(Op::Flush, Some(Cause::Flush), grown, grown, false)]
    );
    assert_eq!(stats().flushes - before.flushes, 1);

    // A push past the populated bytes gets the next ones ready in one call
    // (after a growth, if full): a `populate`, allocating nothing. Where
    // growth wrote zeros, the pages are ready already: no `populate`.
    let full = f.committed_bytes();
    f.push(4).unwrap();
    let grown = f.committed_bytes();
    let seen = take();
    let (last, populates) = if growth_writes_zeros() {
        ((Op::Grow, Some(Cause::Full), full, grown, false), 0)
    } else {
        ((Op::Populate, None, grown, grown, false), 1)
    };
    assert_eq!(seen.last(), Some(&last), "{seen:?}");
    assert_eq!(stats().populates - before.populates, populates);
    assert_eq!(stats().file_bytes - before.file_bytes, grown as u64);

    f.truncate(10); // below the saved length: the prefix is saved first
    let kept = f.committed_bytes();
    assert!(kept < grown);
    assert_eq!(
        take(),
        [
            (Op::Flush, Some(Cause::Truncate), grown, grown, false),
            (Op::Decommit, None, grown, kept, false),
            (Op::Shrink, Some(Cause::Truncate), grown, kept, false),
        ]
    );
    let now = stats();
    assert_eq!(now.file_bytes - before.file_bytes, kept as u64);
    assert_eq!(now.flushes - before.flushes, 2);
    assert_eq!(
        (
            now.decommits - before.decommits,
            now.shrinks - before.shrinks
        ),
        (1, 1)
    );

    drop(f);
    assert_eq!(take(), [(Op::Release, None, kept, 0, false)]);
    assert_eq!(stats().file_bytes, before.file_bytes);

    // Reopened: the saved prefix's blocks are counted again; a refused
    // growth is an injected fault, not an error, and changes nothing.
    let faults = FileFaults::new(1).refuse_growth(1.0);
    let mut f: FileVector<u64> = FileVector::options().faults(faults).open(&path).unwrap();
    let held = f.committed_bytes();
    assert_eq!(take(), [(Op::Reserve, None, 0, held, false)]);
    assert_eq!(stats().file_bytes - before.file_bytes, held as u64);
    f.extend_from_slice(&vec![3; 1 << 20]).unwrap_err();
    let seen = take();
    assert!(
        seen.contains(&(Op::Commit, None, held, held, true)),
        "{seen:?}"
    );
    assert_eq!(
        seen.last(),
        Some(&(Op::Grow, Some(Cause::Reserve), held, held, true))
    );
    let now = stats();
    assert_eq!(now.injected_faults - before.injected_faults, 1);
    assert_eq!(
        now.errors, before.errors,
        "an injected fault counted as real"
    );
    assert_eq!(now.file_bytes - before.file_bytes, held as u64);
    drop(f);
    mapped::set_observer(None);
    assert_eq!(stats().file_bytes, before.file_bytes);
    std::fs::remove_file(&path).unwrap();
    eprintln!("{CHILD_DONE}");
}
