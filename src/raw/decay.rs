//! Delayed decommit: give memory back only once it has stayed unused for a
//! while, as jemalloc and mimalloc delay their purges. The delay is the
//! container's setting; this is its clock.

use crate::clock;
use crate::policy;
use std::time::{Duration, Instant};

/// Checking the clock on every sparse removal would cost a `clock_gettime`
/// (tens of nanoseconds) each time; the container asks again only after at
/// least this many more removals, and after a sixteenth of its length if
/// that is more, so that draining a large container reads the clock a few
/// hundred times, not once per 64 elements.
const CHECK_EVERY: usize = 64;

/// The length below which a container of `len` elements, held sparse by
/// decay, next asks whether the delay has passed.
pub(super) fn next_check_below(len: usize) -> usize {
    len.saturating_sub(CHECK_EVERY.max(len / 16) - 1)
}

/// Since when a container's memory has been sparse, if it is.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Decay {
    since: Option<Instant>,
}

impl Decay {
    /// Whether memory found sparse (by a removal, or by an explicit
    /// `trim()`) has now been unused for `delay` (nonzero). Starts the
    /// clock the first time.
    pub(super) fn due(&mut self, delay: Duration) -> bool {
        match self.since {
            None => {
                self.since = Some(clock::now());
                false
            }
            Some(since) => policy::decay_due(clock::now().duration_since(since), delay),
        }
    }

    /// Starts the clock if it is not already running.
    pub(super) fn start_unless_running(&mut self) {
        if self.since.is_none() {
            self.since = Some(clock::now());
        }
    }

    /// The memory is in use again (the container grew, or it decommitted).
    #[inline]
    pub(super) fn reset(&mut self) {
        self.since = None;
    }
}
