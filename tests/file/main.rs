//! File-backed vectors (cargo feature `file`): one test binary.
//!
//! - `basic`: create/open, the reopen target (10 million `u64`), errors,
//!   torn and corrupt headers, the file cut short on truncate.
//! - `allocation` (Unix): growth allocates the grown range's blocks
//!   before anything writes it, and no hole is left below the length.
//! - `model`: random operations against a `Vec<u64>` under injected
//!   refusals, with reopens.
//! - `crash` (Unix): a writer killed with `SIGKILL` at random moments.
//! - `failpoints` (with `--features failpoints`): each file point fires.
//! - `limits` (Unix): a real file size limit (`RLIMIT_FSIZE`) and a real
//!   full file system refuse growth cleanly, and kill nothing.
//! - `memory` (Linux): bigger than memory, in a 512 MiB memory cgroup
//!   (ignored by default; `.ci/run` runs it by name).
//! - `telemetry`: spans, metrics, observers and `stats()`.
//!
//! Every module builds for every target; what only some can run is gated
//! where it is declared, with the reason. Built with `--cfg
//! mapped_portable`, Linux takes the path of macOS and the BSDs, and the
//! same tests run on it.

// `st_blocks` (Unix's count of a file's allocated blocks). On Windows the
// allocated size is NTFS's, and wine, whose files are Linux files, does
// not have it: there `set_len` leaves a file sparse.
#[cfg(unix)]
mod allocation;
mod basic;
// Kills with `SIGKILL` and reads the signal back: Unix only.
#[cfg(unix)]
mod crash;
#[cfg(feature = "failpoints")]
mod failpoints;
// `RLIMIT_FSIZE` and `SIGXFSZ` are Unix's; the full file system is a
// mounted tmpfs (Linux). Windows has neither limit nor mount here.
#[cfg(unix)]
mod limits;
// A cgroup v1 memory controller: Linux only.
#[cfg(target_os = "linux")]
mod memory;
mod model;
// Mounting a small file system for one test: Linux's `mount` (as root).
#[cfg(target_os = "linux")]
mod mount;
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

/// The system page size, as the vectors read it (never assumed 4096).
pub fn page_size() -> usize {
    use mapped::Mapper;
    mapped::MAPPER.page_size()
}

/// Whether growth writes zeros over the grown range (macOS, the BSDs and
/// other Unixes, and Linux with `--cfg mapped_portable`), which readies
/// its pages for pushes too: then no `populate` ever runs. Linux's
/// `fallocate` (on the file systems the tests use) and Windows's `set_len`
/// allocate without writing, and pushes populate ahead.
pub fn growth_writes_zeros() -> bool {
    cfg!(any(
        mapped_portable,
        not(any(target_os = "linux", target_os = "android", windows))
    ))
}

/// The bytes of disk allocated to the file at `path` (`st_blocks` is in
/// 512-byte units whatever the block size).
#[cfg(unix)]
pub fn allocated_bytes(path: &std::path::Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap().blocks() * 512
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
