//! Delayed decommit: give memory back only once it has stayed unused for a
//! while, as jemalloc and mimalloc delay their purges.

use crate::policy;
use std::time::{Duration, Instant};

/// Checking the clock on every sparse pop would cost a `clock_gettime` each
/// time; checking on one in this many keeps pops as cheap as without decay.
const CHECK_EVERY: u32 = 64;

/// The decay clock of one container: since when its memory has been sparse.
#[derive(Clone, Copy, Debug)]
pub(super) struct Decay {
    delay: Duration,
    since: Option<Instant>,
    checks: u32,
}

impl Decay {
    pub(super) fn new(delay: Duration) -> Self {
        Decay {
            delay,
            since: None,
            checks: 0,
        }
    }

    /// Called by a removal that left the container sparse: whether its
    /// memory has now been unused for the delay. Starts the clock the first
    /// time; afterwards reads it only once in [`CHECK_EVERY`] calls.
    pub(super) fn due_on_removal(&mut self) -> bool {
        match self.since {
            None => self.start(),
            Some(since) => {
                self.checks = self.checks.wrapping_add(1);
                self.checks % CHECK_EVERY == 0 && policy::decay_due(since.elapsed(), self.delay)
            }
        }
    }

    /// For an explicit `trim()`: reads the clock.
    pub(super) fn due_now(&mut self) -> bool {
        match self.since {
            None => self.start(),
            Some(since) => policy::decay_due(since.elapsed(), self.delay),
        }
    }

    fn start(&mut self) -> bool {
        self.since = Some(Instant::now());
        self.checks = 0;
        self.delay.is_zero()
    }

    /// The memory is in use again (the container grew, or it decommitted).
    #[inline]
    pub(super) fn reset(&mut self) {
        self.since = None;
    }
}
