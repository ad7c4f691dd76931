//! Isolation from the process-wide reservation cache (cargo feature
//! `test-util`), for tests that assert exactly which events their
//! containers cause.
//!
//! The cache is shared by every thread of the process, so in a test binary
//! whose tests run in parallel, a container may reuse a reservation
//! another test parked (no reserve, no commit), a drop may find the cache
//! full (no park), and an entry another test parked may be released by
//! this test's next use of the cache once its delay has passed (a
//! `release` nobody asked for). After [`isolate`], the calling thread's
//! containers park into and take from a cache of the thread's own,
//! empty at first, with the same bounds and delay; [`trim_cache`] and
//! [`Stats::cached_bytes`] on this thread see that cache. Pair it with a
//! paused [`test_clock`](crate::test_clock) for delays that pass only when
//! the test says so.
//!
//! Everything else [`stats()`](crate::stats) and
//! [`inventory()`](crate::inventory()) report stays process-wide: a test
//! that asserts those exactly runs in a process of its own.
//!
//! ```
//! use mapped::{test_cache, MappedVector, Op, MAPPER};
//!
//! # if !mapped::OsMapper::MAPS { return Ok(()); } // this shows mapped storage
//! test_cache::isolate();
//! let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
//! v.extend_from_slice(&[1; 1000])?;
//! drop(v); // parks in this thread's own cache
//! assert_eq!(mapped::stats().cached_bytes, 8192);
//! assert_eq!(mapped::trim_cache(), 8192);
//! test_cache::share();
//! # Ok::<(), mapped::Error>(())
//! ```
//!
//! [`trim_cache`]: crate::trim_cache
//! [`Stats::cached_bytes`]: crate::Stats::cached_bytes

use crate::region::isolated;

/// Gives the calling thread an empty reservation cache of its own, until
/// [`share`] or the thread's end (which release what it holds). Calling it
/// again starts over with an empty one.
pub fn isolate() {
    isolated::begin();
}

/// Releases what the calling thread's own cache holds and goes back to
/// the process-wide cache. Does nothing on a thread that did not
/// [`isolate`] itself.
pub fn share() {
    isolated::end();
}
