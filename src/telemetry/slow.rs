//! Slow mapper calls: one that takes longer than a threshold the program
//! sets is a WARN event (with its duration and the usual fields) and is
//! counted in [`SLOW_CALLS_TOTAL`](super::names::SLOW_CALLS_TOTAL), so an
//! operator sees a stalling `mmap` or `madvise` (memory pressure, a
//! contended `mmap_lock`) without DEBUG spans on.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::Duration;

/// The threshold in nanoseconds; 0 is off (the default).
static THRESHOLD_NANOS: AtomicU64 = AtomicU64::new(0);

/// Warns about every mapper call slower than `threshold` (`None`, or
/// zero, turns it off; off by default). Each such call is one WARN event
/// with `micros`, `container`, `name`, `mapper`, `op` and `bytes`, and
/// counts in `mapped_slow_calls_total{container,mapper,op}`. While it is on,
/// every mapper call reads the clock twice (tens of nanoseconds against a
/// call of microseconds).
///
/// ```
/// use std::time::Duration;
///
/// // A commit of a few pages takes microseconds; a millisecond is a stall.
/// mapped::set_slow_call_threshold(Some(Duration::from_millis(1)));
/// # mapped::set_slow_call_threshold(None);
/// ```
pub fn set_slow_call_threshold(threshold: Option<Duration>) {
    let nanos = threshold.map_or(0, |t| u64::try_from(t.as_nanos()).unwrap_or(u64::MAX));
    THRESHOLD_NANOS.store(nanos, Relaxed);
}

/// The threshold, if one is set.
#[inline]
pub(super) fn threshold() -> Option<Duration> {
    match THRESHOLD_NANOS.load(Relaxed) {
        0 => None,
        nanos => Some(Duration::from_nanos(nanos)),
    }
}
