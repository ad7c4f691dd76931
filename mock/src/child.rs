//! Running one test in a child process: for trap mode, where a bug kills
//! the process with `SIGSEGV`, and for environment variables (such as
//! `MAPPED_SEED`) that a multi-threaded test process must not set.
//!
//! The test runs twice: in the parent it calls [`run`], which re-runs the
//! current test binary with only this test and [`CHILD_ENV`] set to its
//! name; in the child [`is_child`] is true and the test does the real work.
//!
//! ```no_run
//! use mapped_mock::child;
//!
//! #[test]
//! fn stray_write_faults() {
//!     // The test's full path as the harness prints it (module path included
//!     // for unit tests, e.g. "tests::stray_write_faults").
//!     const NAME: &str = "stray_write_faults";
//!     if child::is_child(NAME) {
//!         // ... the access that must fault ...
//!         return;
//!     }
//!     let out = child::run(NAME, &[]);
//!     assert!(child::died_of_fault(&out.status), "{}", child::describe(&out));
//! }
//! ```

use std::process::{Command, ExitStatus, Output};

/// The environment variable that marks the child, holding the test's name.
pub const CHILD_ENV: &str = "MAPPED_MOCK_CHILD";

/// `SIGSEGV`, the same on every Unix.
pub const SIGSEGV: i32 = 11;

/// `SIGBUS` (its number differs between Linux and the BSDs).
#[cfg(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
))]
pub const SIGBUS: i32 = 10;
/// `SIGBUS` (its number differs between Linux and the BSDs).
#[cfg(not(any(
    target_os = "macos",
    target_os = "ios",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)))]
pub const SIGBUS: i32 = 7;

/// Whether this process is the child that [`run`] started for `test`.
pub fn is_child(test: &str) -> bool {
    std::env::var_os(CHILD_ENV).is_some_and(|v| v == test)
}

/// Re-runs the current test binary with only the test named `test` (its
/// full path, as the harness prints it), [`CHILD_ENV`]`=test` and `envs`
/// set, single-threaded and with output not captured, and waits for it.
///
/// # Panics
///
/// When the binary cannot be started, or when it ran no test (a wrong
/// name would otherwise pass silently).
pub fn run(test: &str, envs: &[(&str, &str)]) -> Output {
    let exe = std::env::current_exe().expect("mapped-mock: no current executable");
    let out = Command::new(exe)
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .envs(envs.iter().copied())
        .output()
        .expect("mapped-mock: cannot start the child test process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("running 0 tests"),
        "mapped-mock: the child ran no test named {test:?} (give the full path)\n{}",
        describe(&out)
    );
    out
}

/// Runs `test` in a child as [`run`] does, and asserts that the child
/// exited successfully and wrote `marker` to its standard error (so that a
/// child that returned before its work does not pass). Returns its output.
///
/// # Panics
///
/// As [`run`], and when the child failed or did not write `marker`.
pub fn run_expecting(test: &str, envs: &[(&str, &str)], marker: &str) -> Output {
    let out = run(test, envs);
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stderr).contains(marker),
        "{}",
        describe(&out)
    );
    out
}

/// The signal that ended the child, if a signal did.
pub fn signal(status: &ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}

/// Whether the child died of a memory-access fault: `SIGSEGV` or `SIGBUS`.
pub fn died_of_fault(status: &ExitStatus) -> bool {
    matches!(signal(status), Some(SIGSEGV | SIGBUS))
}

/// The child's status, stdout and stderr, for an assertion message.
pub fn describe(out: &Output) -> String {
    format!(
        "child status: {:?}\n--- child stdout ---\n{}\n--- child stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}
