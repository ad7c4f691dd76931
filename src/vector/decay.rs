//! Delayed decommit: give memory back only once it has stayed unused for a
//! while, as jemalloc and mimalloc delay their purges.

use crate::policy;
use std::time::{Duration, Instant};

/// Checking the clock on every sparse removal would cost a `clock_gettime`
/// (tens of nanoseconds) each time; the vector asks again only after at
/// least this many more removals, and after a sixteenth of its length if
/// that is more, so that draining a large vector reads the clock a few
/// hundred times, not once per 64 elements.
const CHECK_EVERY: usize = 64;

/// The length below which a vector of `len` elements, held sparse by
/// decay, next asks whether the delay has passed.
pub(super) fn next_check_below(len: usize) -> usize {
    len.saturating_sub(CHECK_EVERY.max(len / 16) - 1)
}

/// The decay clock of one container: since when its memory has been sparse.
#[derive(Clone, Copy, Debug)]
pub(super) struct Decay {
    delay: Duration,
    since: Option<Instant>,
}

impl Decay {
    pub(super) fn new(delay: Duration) -> Self {
        Decay { delay, since: None }
    }

    /// Whether memory found sparse (by a removal, or by an explicit
    /// `trim()`) has now been unused for the delay. Starts the clock the
    /// first time.
    pub(super) fn due(&mut self) -> bool {
        match self.since {
            None => self.start(),
            Some(since) => policy::decay_due(since.elapsed(), self.delay),
        }
    }

    /// Starts the clock if it is not already running.
    pub(super) fn start_unless_running(&mut self) {
        if self.since.is_none() {
            self.start();
        }
    }

    fn start(&mut self) -> bool {
        self.since = Some(Instant::now());
        self.delay.is_zero()
    }

    /// The memory is in use again (the container grew, or it decommitted).
    #[inline]
    pub(super) fn reset(&mut self) {
        self.since = None;
    }
}
