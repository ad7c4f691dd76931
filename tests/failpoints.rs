//! The failpoints (cargo feature `failpoints`): each point fires where the
//! real call would fail, and the container above it hands the error back,
//! loses nothing and works on; every injection is marked as such.
//!
//! Run with `cargo test --features failpoints --test failpoints`. Each test
//! holds a `fail::FailScenario`, which serializes them: points are
//! process-wide.
#![cfg(feature = "failpoints")]

use fail::FailScenario;
use mapped::failpoints::Injected;
use mapped::{Error, Event, MappedVector, Mapper, Observer, Op, Storage, MAPPER};
use std::sync::{Arc, Mutex};

/// A vector past the one-page heap limit: `len` `u64`, mapped.
fn mapped_vector(len: u64) -> MappedVector<u64> {
    let mut v = MappedVector::new(MAPPER);
    v.extend(0..len);
    assert_eq!(v.storage(), Storage::Mapped);
    v
}

/// A test's hold on the failpoints (they are process-wide: it serializes
/// the tests), on a cache of its own, so that a container moving into a
/// mapping reserves and commits rather than reusing parked pages. Take it
/// first, so that it is dropped last: a container dropped after it is let
/// go would park or release in the next test.
struct Scenario {
    _isolated: mapped_testkit::Isolated,
    _fail: FailScenario<'static>,
}

fn scenario() -> Scenario {
    let fail = FailScenario::setup();
    Scenario {
        _isolated: mapped_testkit::isolate(),
        _fail: fail,
    }
}

/// The OS error a refusal for want of memory is: what an injected one
/// stands for.
#[cfg(unix)]
const OUT_OF_MEMORY: i32 = libc::ENOMEM;
#[cfg(windows)]
const OUT_OF_MEMORY: i32 = windows_sys::Win32::Foundation::ERROR_COMMITMENT_LIMIT as i32;

fn assert_injected(error: &Error, point: &str) {
    assert!(error.is_out_of_memory(), "{error:?}");
    let os = error.os_error().expect("an OS error");
    let injected = Injected::of(os).expect("marked as injected");
    assert_eq!((injected.point(), injected.errno()), (point, OUT_OF_MEMORY));
}

fn injected_so_far() -> u64 {
    mapped::stats().injected_faults
}

/// A full heap of 512 `u64` whose next push must move into a mapping,
/// refused by `point` firing as `actions` says: the value comes back, the
/// heap is as it was, and once the point is off the push maps. Returns how
/// many faults were injected.
fn refused_on_the_move_to_a_mapping(point: &str, actions: &str) -> u64 {
    let _scenario = scenario();
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    v.extend(0..512); // the one-page heap limit, full
    assert_eq!(v.storage(), Storage::Heap);
    let before = injected_so_far();
    fail::cfg(point, actions).unwrap();
    let err = v.push(512).unwrap_err();
    assert_injected(err.error(), point);
    assert_eq!(err.into_value(), 512, "the value comes back");
    assert_eq!(v.storage(), Storage::Heap);
    assert!(v.iter().copied().eq(0..512), "nothing lost");
    let injected = injected_so_far() - before;
    fail::remove(point);
    v.push(512).unwrap();
    assert_eq!(v.storage(), Storage::Mapped);
    assert!(v.iter().copied().eq(0..513));
    injected
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so its failpoints never fire"
)]
fn commit_refused_on_the_move_to_a_mapping_leaves_the_heap_intact() {
    assert_eq!(
        refused_on_the_move_to_a_mapping("mapped::commit", "1*return"),
        1
    );
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so its failpoints never fire"
)]
fn reserve_refused_on_the_move_to_a_mapping_leaves_the_heap_intact() {
    // Refused at every size: the default window, then smaller ones.
    let tries = refused_on_the_move_to_a_mapping("mapped::reserve", "return");
    assert!(tries > 1, "{tries} reserves tried");
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so its failpoints never fire"
)]
fn reserve_refused_at_every_size_is_an_error() {
    let _scenario = scenario();
    let mut v: MappedVector<u64> = MappedVector::builder(MAPPER).heap_limit(0).build().unwrap();
    fail::cfg("mapped::reserve", "return").unwrap();
    let err = v.push(1).unwrap_err();
    assert_injected(err.error(), "mapped::reserve");
    assert_eq!((v.len(), v.storage()), (0, Storage::Empty));
    fail::remove("mapped::reserve");
    v.push(1).unwrap();
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so its failpoints never fire"
)]
fn alloc_refused_on_the_move_back_to_the_heap_keeps_the_mapping() {
    let _scenario = scenario();
    let mut v = mapped_vector(10_000);
    fail::cfg("mapped::alloc", "1*return").unwrap();
    v.truncate(100); // under a quarter of the limit: would move to the heap
    assert_eq!(v.storage(), Storage::Mapped, "no heap to move to");
    assert!(v.iter().copied().eq(0..100));
    assert_eq!(
        v.committed_bytes(),
        MAPPER.page_size(),
        "it decommitted instead"
    );
    v.pop(); // the next removal moves it
    assert_eq!(v.storage(), Storage::Heap);
    assert!(v.iter().copied().eq(0..99));
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so its failpoints never fire"
)]
fn a_refused_decommit_keeps_the_pages_and_the_next_shrink_retries() {
    let _scenario = scenario();
    let mut v = mapped_vector(100_000);
    let committed = v.committed_bytes();
    fail::cfg("mapped::decommit", "1*return").unwrap();
    v.truncate(20_000);
    assert_eq!(
        v.committed_bytes(),
        committed,
        "a failed decommit keeps them"
    );
    assert!(v.iter().copied().eq(0..20_000));
    v.truncate(10_000);
    assert!(
        v.committed_bytes() < committed,
        "the next shrink gives back"
    );
    assert!(v.iter().copied().eq(0..10_000));
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so its failpoints never fire"
)]
fn a_refused_remap_copies_instead() {
    let _scenario = scenario();
    let page = MAPPER.page_size();
    let mut v: MappedVector<u64> = MappedVector::builder(MAPPER)
        .heap_limit(0)
        .initial_window(4 * page)
        .build()
        .unwrap();
    fail::cfg("mapped::remap", "return").unwrap();
    v.extend(0..10_000); // 80 KB: moves out of the 16 KiB window
    assert!(v.reserved_bytes() > 4 * page);
    assert!(v.iter().copied().eq(0..10_000));
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so its failpoints never fire"
)]
fn refused_populates_and_releases_change_nothing_a_container_holds() {
    let _scenario = scenario();
    let before = injected_so_far();
    fail::cfg("mapped::populate", "return").unwrap();
    // More committed bytes than the cache parks, so the drop releases.
    let len = (mapped::CACHE_MAX_COMMITTED / 8 + 1) as u64;
    let v = mapped_vector(len); // pushes ask to populate ahead
    assert!(v.iter().copied().eq(0..len));
    assert!(v.committed_bytes() > mapped::CACHE_MAX_COMMITTED);
    // The drop releases, and fails.
    fail::cfg("mapped::release", "1*return").unwrap();
    drop(v);
    assert!(injected_so_far() - before >= 2);
}

#[test]
fn a_refused_heap_allocation_is_an_error_not_an_abort() {
    let _scenario = scenario();
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    v.extend(0..4); // a heap allocation of four
    fail::cfg("mapped::alloc", "1*return").unwrap();
    let err = v.push(4).unwrap_err();
    assert!(
        matches!(err.error(), Error::Alloc { .. }),
        "{:?}",
        err.error()
    );
    assert!(err.error().is_out_of_memory());
    assert_eq!(err.into_value(), 4);
    assert!(v.iter().copied().eq(0..4));
    v.push(4).unwrap();
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so its failpoints never fire"
)]
fn observers_see_injected_failures_marked() {
    #[derive(Default)]
    struct Failures(Mutex<Vec<(Op, bool)>>);
    impl Observer for Failures {
        fn on_event(&self, event: &Event<'_>) {
            if let Some(error) = event.error {
                let injected = Injected::of(error).is_some();
                self.0.lock().unwrap().push((event.op, injected));
            }
        }
    }
    let _scenario = scenario();
    let seen = Arc::new(Failures::default());
    let mut v: MappedVector<u64> = MappedVector::builder(MAPPER)
        .observer(seen.clone())
        .build()
        .unwrap();
    v.extend(0..512);
    fail::cfg("mapped::commit", "1*return").unwrap();
    assert!(v.push(512).is_err());
    let seen = seen.0.lock().unwrap();
    assert!(seen.contains(&(Op::Commit, true)), "{seen:?}");
    assert!(seen.iter().all(|&(_, injected)| injected), "{seen:?}");
    drop(seen);
}

#[cfg(feature = "metrics")]
#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so its failpoints never fire"
)]
fn injections_are_counted_by_op() {
    use metrics_util::debugging::{DebugValue, DebuggingRecorder};
    let _scenario = scenario();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::with_local_recorder(&recorder, || {
        let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
        v.extend(0..512);
        fail::cfg("mapped::commit", "2*return").unwrap();
        assert!(v.push(512).is_err());
        assert!(v.push(512).is_err());
        v.push(512).unwrap();
    });
    let injected: u64 = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .filter(|(key, ..)| key.key().name() == mapped::telemetry::names::INJECTED_FAULTS_TOTAL)
        .filter(|(key, ..)| key.key().labels().any(|l| l.value() == "commit"))
        .map(|(.., value)| match value {
            DebugValue::Counter(n) => n,
            other => panic!("{other:?}"),
        })
        .sum();
    assert_eq!(injected, 2);
}

/// A release that fails abandons the reservation all the same: the
/// container is gone from the stats, as from the inventory (it stayed
/// counted as a live container holding its bytes).
#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so its failpoints never fire"
)]
fn a_failed_release_leaves_no_container_behind_in_the_stats() {
    let _scenario = scenario();
    let figures = || {
        let s = mapped::stats();
        (
            s.mapped_containers,
            s.committed_bytes,
            s.reserved_bytes,
            mapped::inventory().containers().len(),
        )
    };
    let before = figures();
    // The unguarded kind: never parked, so its drop releases.
    let mut v: MappedVector<u64> = MappedVector::builder(&mapped::UNGUARDED)
        .heap_limit(0)
        .build()
        .unwrap();
    v.push(1).unwrap();
    assert_eq!(figures().0, before.0 + 1);
    fail::cfg("mapped::release", "1*return").unwrap();
    drop(v);
    assert_eq!(figures(), before);
}

/// `trim_cache()` returns only once everything parked before it is back
/// with the OS, also what another thread is releasing at that moment; and
/// parked bytes count as cached until they are released.
#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so its failpoints never fire"
)]
fn a_trim_waits_for_the_release_another_trim_is_making() {
    use std::sync::atomic::{AtomicBool, Ordering::SeqCst};
    use std::sync::mpsc;
    use std::time::Duration;

    static RELEASED: AtomicBool = AtomicBool::new(false);
    struct Releases;
    impl Observer for Releases {
        fn on_event(&self, event: &Event<'_>) {
            if event.op == Op::Release && event.is_ok() {
                RELEASED.store(true, SeqCst);
            }
        }
    }
    // The process's cache: this test is about trims on other threads.
    let _scenario = scenario();
    mapped::test_cache::share();
    let v = mapped_vector(1000);
    let committed = v.committed_bytes() as u64;
    drop(v); // parked
    assert_eq!(mapped::stats().cached_bytes, committed);
    mapped::set_observer(Some(Arc::new(Releases)));

    // The first release stops just before its `munmap` until told to go.
    let (reached, at_release) = mpsc::channel::<()>();
    let (go, wait_to_go) = mpsc::channel::<()>();
    let (reached, wait_to_go) = (Mutex::new(reached), Mutex::new(wait_to_go));
    let stopped = AtomicBool::new(false);
    fail::cfg_callback("mapped::release", move || {
        if !stopped.swap(true, SeqCst) {
            reached.lock().unwrap().send(()).unwrap();
            wait_to_go.lock().unwrap().recv().unwrap();
        }
    })
    .unwrap();
    let first = std::thread::spawn(mapped::trim_cache);
    at_release.recv().unwrap();
    assert_eq!(
        mapped::stats().cached_bytes,
        committed,
        "counted until it is released"
    );
    let (done, second_done) = mpsc::channel();
    let second = std::thread::spawn(move || {
        let returned = mapped::trim_cache();
        done.send(RELEASED.load(SeqCst)).unwrap();
        returned
    });
    // A second trim that returned while the first still holds the memory
    // would say so here; one that waits says nothing until the first ends.
    if let Ok(released) = second_done.recv_timeout(Duration::from_millis(200)) {
        panic!("the second trim returned before the release (released: {released})");
    }
    go.send(()).unwrap();
    assert_eq!(first.join().unwrap(), committed as usize);
    assert!(second_done.recv().unwrap(), "returned after the release");
    assert_eq!(second.join().unwrap(), 0, "the first trim released it");
    assert_eq!(mapped::stats().cached_bytes, 0);
    mapped::set_observer(None);
    fail::remove("mapped::release");
}
