//! The one clock every delay reads: the decay option's and the reservation
//! cache's. With the `test-util` cargo feature a test can pause it and move
//! it forward (`mapped::test_clock`), as tokio's
//! `time::pause` lets a test, so that no test sleeps to wait out a delay.

use std::time::Instant;

/// Now, as the delays see it.
#[inline]
pub(crate) fn now() -> Instant {
    #[cfg(feature = "test-util")]
    {
        test::now()
    }
    #[cfg(not(feature = "test-util"))]
    {
        Instant::now()
    }
}

#[cfg(feature = "test-util")]
pub(crate) mod test {
    use std::cell::Cell;
    use std::time::{Duration, Instant};

    thread_local! {
        /// Where this thread's clock stopped, if paused.
        static PAUSED: Cell<Option<Instant>> = const { Cell::new(None) };
        /// How far this thread's clock was moved forward.
        static AHEAD: Cell<Duration> = const { Cell::new(Duration::ZERO) };
    }

    pub(crate) fn now() -> Instant {
        let real = PAUSED.with(Cell::get).unwrap_or_else(Instant::now);
        real + AHEAD.with(Cell::get)
    }

    pub(crate) fn pause() {
        PAUSED.with(|p| p.set(Some(p.get().unwrap_or_else(Instant::now))));
    }

    pub(crate) fn resume() {
        PAUSED.with(|p| p.set(None));
    }

    pub(crate) fn advance(by: Duration) {
        AHEAD.with(|a| a.set(a.get() + by));
    }
}
