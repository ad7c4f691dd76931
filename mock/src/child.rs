//! Running one test in a child process: for trap mode, where a bug kills
//! the process with `SIGSEGV` (on Windows, an access violation), and for
//! environment variables (such as `MAPPED_SEED`) that a multi-threaded
//! test process must not set.
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

use std::io::Read;
use std::process::{Command, ExitStatus, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// The environment variable that marks the child, holding the test's name.
pub const CHILD_ENV: &str = "MAPPED_MOCK_CHILD";

/// `SIGSEGV`, the same on every Unix.
#[cfg(unix)]
pub const SIGSEGV: i32 = 11;

/// `SIGBUS`: 10 on macOS and the BSDs, 7 on Linux and the rest.
#[cfg(unix)]
pub const SIGBUS: i32 = if cfg!(any(
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly"
)) {
    10
} else {
    7
};

/// Whether this process is the child that [`run`] started for `test`.
pub fn is_child(test: &str) -> bool {
    std::env::var_os(CHILD_ENV).is_some_and(|v| v == test)
}

/// How long [`run`] waits for a child before it kills it: 300 s, or
/// [`TIMEOUT_ENV`] seconds. A bound for a child that hangs, not a
/// measure of speed: a child that needs more is broken.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(300);

/// The environment variable that sets [`run`]'s timeout, in seconds.
pub const TIMEOUT_ENV: &str = "MAPPED_CHILD_TIMEOUT";

/// Re-runs the current test binary with only the test named `test` (its
/// full path, as the harness prints it), [`CHILD_ENV`]`=test` and `envs`
/// set, single-threaded and with output not captured, and waits for it,
/// for at most [`DEFAULT_TIMEOUT`] (or [`TIMEOUT_ENV`]).
///
/// # Panics
///
/// When the binary cannot be started, when it ran no test (a wrong name
/// would otherwise pass silently), or when it did not end in time (it is
/// killed, and the panic shows what it printed).
pub fn run(test: &str, envs: &[(&str, &str)]) -> Output {
    let exe = std::env::current_exe().expect("mapped-mock: no current executable");
    let mut command = Command::new(exe);
    command
        .args(["--exact", test, "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, test)
        .envs(envs.iter().copied())
        .stdin(Stdio::null());
    let out = output_within(&mut command, timeout())
        .expect("mapped-mock: cannot start the child test process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("running 0 tests"),
        "mapped-mock: the child ran no test named {test:?} (give the full path)\n{}",
        describe(&out)
    );
    out
}

/// [`DEFAULT_TIMEOUT`], or what [`TIMEOUT_ENV`] says.
fn timeout() -> Duration {
    match std::env::var(TIMEOUT_ENV) {
        Ok(secs) => Duration::from_secs(secs.trim().parse().unwrap_or_else(|e| {
            panic!("mapped-mock: {TIMEOUT_ENV}={secs:?} is not a number of seconds: {e}")
        })),
        Err(_) => DEFAULT_TIMEOUT,
    }
}

/// Runs `command` to its end, as [`Command::output`] does (its standard
/// input is what the command says), killing it if it has not ended within
/// `limit`. An error only when it cannot be started.
///
/// # Panics
///
/// When it did not end in time: the panic message has what it printed
/// until it was killed.
pub fn output_within(command: &mut Command, limit: Duration) -> std::io::Result<Output> {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    // Read both pipes as the child writes them, so that it never blocks
    // on a full pipe while we wait.
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        let mut pipe = pipe.expect("piped");
        thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let start = Instant::now();
    let (status, timed_out) = loop {
        if let Some(status) = child
            .try_wait()
            .expect("mapped-mock: cannot wait for the child")
        {
            break (status, false);
        }
        if start.elapsed() >= limit {
            let _ = child.kill();
            break (
                child.wait().expect("mapped-mock: cannot reap the child"),
                true,
            );
        }
        thread::sleep(Duration::from_millis(5));
    };
    let out = Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    };
    assert!(
        !timed_out,
        "mapped-mock: the child did not end within {limit:?} and was killed\n{}",
        describe(&out)
    );
    Ok(out)
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
#[cfg(unix)]
pub fn signal(status: &ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(status)
}

/// `STATUS_ACCESS_VIOLATION`: the exit code of a Windows process that a
/// memory-access fault ended (Windows has no signals).
#[cfg(windows)]
pub const STATUS_ACCESS_VIOLATION: u32 = 0xC000_0005;

/// Whether the child died of a memory-access fault: `SIGSEGV` or `SIGBUS`
/// on Unix, `STATUS_ACCESS_VIOLATION` (0xC0000005) on Windows.
pub fn died_of_fault(status: &ExitStatus) -> bool {
    #[cfg(unix)]
    return matches!(signal(status), Some(SIGSEGV | SIGBUS));
    #[cfg(windows)]
    return status.code().map(|c| c as u32) == Some(STATUS_ACCESS_VIOLATION);
    #[cfg(not(any(unix, windows)))]
    {
        let _ = status;
        false
    }
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
