//! The opt-in `CacheTrimmer`, in real time: after a burst, parked memory
//! goes back to the OS once the cache's delay has passed, with no further
//! use of the cache. The one test that waits on the real clock, with
//! generous margins: it asserts only what no scheduler can break (the
//! memory was not released before the delay, and it was within seconds).
//! Alone in its binary: the cache is process-wide.

use mapped::{CacheTrimmer, MappedVector, CACHE_DELAY, MAPPER};
use mapped_testkit::rss;
use std::time::{Duration, Instant};

/// One burst: an 8 MiB vector, filled and dropped (it parks, resident);
/// waits until the trimmer has released it, and returns how long after the
/// drop that was.
fn burst_until_released() -> Duration {
    let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
    v.extend(0..1 << 20);
    let committed = v.committed_bytes() as u64;
    let dropped = Instant::now();
    drop(v);
    assert!(mapped::stats().cached_bytes >= committed, "parked");
    let deadline = Duration::from_secs(20);
    // Parked bytes count until they have left the process.
    while mapped::stats().cached_bytes != 0 {
        assert!(
            dropped.elapsed() < deadline,
            "still parked {deadline:?} after the drop"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    dropped.elapsed()
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "mapped_no_mmap: MAPPER maps nothing, so nothing is parked in the cache"
)]
fn the_trimmer_releases_parked_memory_once_the_delay_has_passed() {
    mapped::trim_cache();
    let trimmer = CacheTrimmer::start(Duration::from_millis(10)).unwrap();
    // A first round pays what happens once: the trimmer thread's stack and
    // heap arena, the first faults of the allocator's own memory.
    burst_until_released();
    let before = rss();
    let released_after = burst_until_released();
    assert!(
        released_after >= CACHE_DELAY,
        "released {released_after:?} after the drop, before the delay"
    );
    let after = rss();
    assert!(
        after < before + (1 << 20),
        "RSS {before} -> {after} bytes: not back within 1 MiB"
    );
    drop(trimmer);
    eprintln!("released {released_after:?} after the drop");
}
