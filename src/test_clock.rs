//! Control of the clock the delays read (cargo feature `test-util`), for
//! tests of code that uses decay or the reservation cache: wait out a
//! delay without sleeping, and never depend on the machine being fast.
//!
//! The clock is per thread: pausing or advancing it changes what delays
//! see on the calling thread only (each test runs on its own thread), as
//! tokio's `time::pause` changes only its runtime's clock. The
//! reservation cache is shared by the process, so an entry parked on one
//! thread is judged by the clock of whichever thread next uses the cache.
//!
//! ```
//! use mapped::{test_clock, MappedVector, MAPPER};
//! use std::time::Duration;
//!
//! # if !mapped::OsMapper::MAPS { return Ok(()); } // this shows mapped storage
//! test_clock::pause();
//! let mut v: MappedVector<u64> = MappedVector::builder(MAPPER)
//!     .decay(Duration::from_secs(5))
//!     .build()?;
//! v.extend_from_slice(&[1; 100_000])?;
//! v.truncate(10);
//! assert!(!v.trim(), "held for the delay");
//! test_clock::advance(Duration::from_secs(5));
//! assert!(v.trim(), "the delay has passed");
//! test_clock::resume();
//! # Ok::<(), mapped::Error>(())
//! ```

use crate::clock::test;
use std::time::Duration;

/// Stops this thread's clock where it is: until [`resume`], time moves
/// only by [`advance`].
pub fn pause() {
    test::pause();
}

/// Lets this thread's clock run again: it reads the real time again, plus
/// every [`advance`] (so it never goes back).
pub fn resume() {
    test::resume();
}

/// Moves this thread's clock forward by `by`, paused or not.
pub fn advance(by: Duration) {
    test::advance(by);
}
