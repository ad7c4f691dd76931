//! File-backed vectors (cargo feature `file`): one test binary.
//!
//! - `basic`: create/open, the reopen target (10 million `u64`), errors,
//!   torn and corrupt headers, disk given back on truncate.
//! - `model`: random operations against a `Vec<u64>` under injected
//!   refusals, with reopens.
//! - `crash`: a writer killed with `SIGKILL` at random moments.
//! - `failpoints` (with `--features failpoints`): each file point fires.
//! - `limits`: a real file size limit (`RLIMIT_FSIZE`) and a real full
//!   file system refuse growth cleanly, and kill nothing.
//! - `memory`: bigger than memory, in a 512 MiB memory cgroup (ignored by
//!   default; `.ci/run` runs it by name).

mod basic;
mod crash;
#[cfg(feature = "failpoints")]
mod failpoints;
mod limits;
mod memory;
mod model;
mod telemetry;

use std::path::PathBuf;

/// A fresh path in the target's temporary directory (on disk, not tmpfs),
/// removed first if a previous run left it.
pub fn temp_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("file-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// What a test run in a child writes when it got to its end.
pub const CHILD_DONE: &str = "file test child: done";

/// In the parent: runs the test `name` (its full path) alone in a child
/// and asserts that it passed and got to its end ([`CHILD_DONE`]); true,
/// so the parent returns. In that child: false, so it does the work. For
/// tests of process-wide state (the tracing interest cache, `stats()`,
/// the observer, resource limits) that the other tests of this binary
/// would see or touch meanwhile.
pub fn ran_in_a_child(name: &str) -> bool {
    if mapped_mock::child::is_child(name) {
        return false;
    }
    mapped_mock::child::run_expecting(name, &[], CHILD_DONE);
    true
}

/// The value at index `i` of the tests' vectors: every element differs.
pub fn value(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z ^ (z >> 27)
}

/// A small seeded generator (splitmix64) for the tests' random choices.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }
}

/// The seed: `MAPPED_SEED` when set, else the suite's fixed one (a run
/// replays exactly; CI runs a fresh seed too).
pub fn seed() -> u64 {
    mapped_testkit::master_seed()
}
