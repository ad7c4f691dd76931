//! How a test isolates itself from what other tests of its binary do.
//!
//! The tests of one binary run in parallel threads of one process, and
//! share what the library keeps for the process. What a test asserts
//! decides how it isolates itself:
//!
//! - **Exact events, counts or bytes of its own containers on `MAPPER`**
//!   (a reserve happened, a drop parked, a commit was counted): call
//!   [`isolate()`] first. The reservation cache is process-wide, so
//!   otherwise a container may reuse a reservation another test parked (no
//!   reserve, no commit), a drop may find the cache full (no park), and an
//!   entry another test parked may be released by this test's next use of
//!   the cache once 100 ms of real time have passed. [`isolate()`] gives
//!   the thread a cache of its own and pauses its clock, so delays pass only
//!   by `mapped::test_clock::advance`. Containers on a mapper of the test's
//!   own (a [`TestMapper`](crate::TestMapper), a `FaultyMapper`) never use
//!   the cache and need nothing.
//! - **Process-wide figures** (`stats()` totals, `inventory()`, RSS, the
//!   kernel-mapping budget, a global observer, fork): run in a process of
//!   its own, as a child (`mapped_mock::child`) or alone in its binary.
//!   Tests that share a binary and a serializing lock (the failpoints'
//!   `FailScenario`) drop every container before they let go of it.
//! - **A fault**: force it with a counted schedule (`deny_commit_on(k)`,
//!   a failpoint's `1*return`), never hope that a probability draws one
//!   under the seed at hand.
//! - **Time**: never sleep out a delay or assert that something was fast;
//!   move the paused clock. A test of a real thread's timing (the
//!   `CacheTrimmer`) asserts only bounds no scheduler can break.
//! - **A tool or privilege** the test needs (promtool, root for a mount, a
//!   memory cgroup): without it, [`skip`] says so, and fails instead where
//!   [`NO_SKIP_ENV`] is set (CI sets it, so a missing tool there is a red
//!   run, not a silent pass).

use mapped::{test_cache, test_clock};

/// A test thread isolated by [`isolate()`]: dropping it goes back to the
/// shared cache (releasing what the thread's own holds) and the real
/// clock.
#[must_use = "the isolation ends when this is dropped"]
pub struct Isolated(());

/// Gives the calling thread a reservation cache of its own and pauses its
/// clock (see the module docs), until the returned guard is dropped.
pub fn isolate() -> Isolated {
    test_cache::isolate();
    test_clock::pause();
    Isolated(())
}

impl Drop for Isolated {
    fn drop(&mut self) {
        test_cache::share();
        test_clock::resume();
    }
}

/// The environment variable that turns [`skip`] into a failure.
pub const NO_SKIP_ENV: &str = "MAPPED_NO_SKIP";

/// Says that the test cannot run here, and why; the caller then returns.
///
/// # Panics
///
/// When [`NO_SKIP_ENV`] is set (to anything but empty or `0`): there, a
/// test that cannot run is a failure.
pub fn skip(test: &str, why: &str) {
    let required = std::env::var(NO_SKIP_ENV).is_ok_and(|v| !v.is_empty() && v != "0");
    assert!(
        !required,
        "{test} cannot run here ({NO_SKIP_ENV} is set): {why}"
    );
    eprintln!("skipped {test}: {why}");
}
