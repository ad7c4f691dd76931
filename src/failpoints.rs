//! Failpoints (cargo feature `failpoints`, off by default): points in the
//! OS mapper and the heap path where a fault-injection run makes the real
//! code path fail, as the OS or the allocator would.
//!
//! | point | fails as |
//! |---|---|
//! | `mapped::reserve` | `mmap` with `ENOMEM` |
//! | `mapped::commit` | `mprotect` with `ENOMEM` |
//! | `mapped::decommit` | `madvise`/`mprotect` with `ENOMEM` (the pages stay committed) |
//! | `mapped::remap` | `mremap` with `ENOMEM` (the container copies instead) |
//! | `mapped::populate` | `madvise(MADV_POPULATE_WRITE)` with `ENOMEM` (a hint: writes fault the pages in) |
//! | `mapped::release` | `munmap` with `EINVAL` (the address space is leaked) |
//! | `mapped::alloc` | the global allocator returning null ([`Error::Alloc`](crate::Error::Alloc)) |
//!
//! (The errors are each platform's own: `ERROR_COMMITMENT_LIMIT` for
//! `ENOMEM` on Windows, and so on.) File vectors (cargo feature `file`)
//! have six points of their own, `mapped::file_grow` and the others, listed
//! in the `file` module's docs.
//!
//! They are the [`fail`](https://docs.rs/fail) crate's points: set them
//! with its `FAILPOINTS` environment variable (read by
//! `fail::FailScenario::setup()`) or `fail::cfg`, in its grammar:
//! `mapped::commit=5%return`, `mapped::commit=3*off->1*return->off`. A
//! fired point returns the error the OS would give for that call, so every
//! path above it (the error handed back, nothing lost, telemetry) is the
//! real one.
//!
//! Injected failures are marked, so that an operator never takes one for a
//! real failure nor misses either: the error's inner value is an
//! [`Injected`], its WARN event has `injected = true`, and the counter
//! `mapped_injected_faults_total{op}` and
//! [`Stats::injected_faults`](crate::Stats::injected_faults) count them,
//! while `mapped_errors_total` and `Stats::errors` count real failures
//! only.
//!
//! Replaying a run: counted schedules (`3*off->1*return->off`) replay
//! exactly. The `fail` crate's probabilities (`5%return`) draw from a
//! generator that cannot be seeded, so a probabilistic run does not replay;
//! for an exact replay write the schedule down as counts, or use
//! `mapped-mock`'s seeded `FaultyMapper` (`MAPPED_SEED`).
//!
//! With the feature off nothing of this is compiled in but [`Injected`]
//! (which then never appears).

use crate::os::{INVALID_ARGUMENT, OUT_OF_MEMORY};
use std::fmt;
use std::io;

/// A failure a failpoint (or a file vector's
/// `FileFaults` hook, cargo feature `file`) injected, as the inner error of
/// the [`io::Error`] a mapper or file call returned: which point fired, and
/// the OS error it stands for.
#[derive(Debug)]
pub struct Injected {
    point: &'static str,
    errno: i32,
}

impl Injected {
    /// The failpoint that fired, e.g. `"mapped::commit"`.
    pub fn point(&self) -> &'static str {
        self.point
    }

    /// The OS error number the failure stands for.
    pub fn errno(&self) -> i32 {
        self.errno
    }

    /// The injected failure inside `error`, if it is one.
    pub fn of(error: &io::Error) -> Option<&Injected> {
        error.get_ref()?.downcast_ref()
    }
}

/// The OS error it stands for (the failpoint is named by the error that
/// wraps it, so that no chain of errors says it twice).
impl fmt::Display for Injected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let os = io::Error::from_raw_os_error(self.errno);
        write!(f, "{os}")
    }
}

impl std::error::Error for Injected {}

/// A failpoint: its name, the `op` label its injections count under, and
/// the OS error it fails as. One table for the memory points and the file
/// vector's (whose `FileFaults` hook fails the same
/// points).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Point {
    name: &'static str,
    /// The `op` label its injections count under.
    op: &'static str,
    /// The raw OS error it fails as, this platform's.
    errno: i32,
}

pub(crate) const RESERVE: Point = Point::new("mapped::reserve", "reserve", OUT_OF_MEMORY);
pub(crate) const COMMIT: Point = Point::new("mapped::commit", "commit", OUT_OF_MEMORY);
pub(crate) const DECOMMIT: Point = Point::new("mapped::decommit", "decommit", OUT_OF_MEMORY);
pub(crate) const REMAP: Point = Point::new("mapped::remap", "remap", OUT_OF_MEMORY);
pub(crate) const POPULATE: Point = Point::new("mapped::populate", "populate", OUT_OF_MEMORY);
pub(crate) const RELEASE: Point = Point::new("mapped::release", "release", INVALID_ARGUMENT);
pub(crate) const ALLOC: Point = Point::new("mapped::alloc", "alloc", OUT_OF_MEMORY);

/// A file vector's points (the `file` module's docs list them), each the
/// failure of one step: the allocation of its blocks, as a full disk; the
/// move of its mapping, as out of memory; the sync of its data, and of its
/// header, as I/O errors; the cut of its file on a shrink (named for the
/// hole punch it replaced), and the zeros written ahead of pushes, as I/O
/// errors.
#[cfg(feature = "file")]
pub(crate) mod file {
    use super::Point;
    use crate::os::{IO_ERROR, NO_SPACE, OUT_OF_MEMORY};

    pub(crate) const GROW: Point = Point::new("mapped::file_grow", "commit", NO_SPACE);
    pub(crate) const REMAP: Point = Point::new("mapped::file_remap", "remap", OUT_OF_MEMORY);
    pub(crate) const FLUSH: Point = Point::new("mapped::file_flush", "flush", IO_ERROR);
    pub(crate) const HEADER: Point = Point::new("mapped::file_header", "flush", IO_ERROR);
    pub(crate) const PUNCH: Point = Point::new("mapped::file_punch", "decommit", IO_ERROR);
    pub(crate) const POPULATE: Point = Point::new("mapped::file_populate", "populate", IO_ERROR);
}

impl Point {
    const fn new(name: &'static str, op: &'static str, errno: i32) -> Self {
        Point { name, op, errno }
    }

    /// Whether the point fires now. Nothing is reported here: the caller
    /// hands the failure up (as [`error`](Self::error)'s marked error, or
    /// an [`Error::Alloc`](crate::Error::Alloc)), and the storage layer
    /// above counts it.
    #[inline]
    pub(crate) fn fires(self) -> bool {
        #[cfg(feature = "failpoints")]
        {
            if fail::eval(self.name, |_| ()).is_some() {
                return true;
            }
        }
        false
    }

    /// The `op` label its injections count under.
    #[cfg_attr(not(feature = "failpoints"), allow(dead_code))]
    pub(crate) fn op(self) -> &'static str {
        self.op
    }

    /// `Err` with the error the OS would return, marked as injected, if the
    /// point fires now: a mapper call starts with `point.check()?`.
    #[inline]
    pub(crate) fn check(self) -> io::Result<()> {
        match self.fires() {
            true => Err(self.error()),
            false => Ok(()),
        }
    }

    /// The error the OS would return here, marked as injected (an
    /// [`Injected`] inside).
    pub(crate) fn error(self) -> io::Error {
        let os = io::Error::from_raw_os_error(self.errno);
        // (std has no kind for Windows' commit limit: name it, as the
        // crate does for the OS's own.)
        let kind = match crate::os::is_enomem(&os) {
            true => io::ErrorKind::OutOfMemory,
            false => os.kind(),
        };
        io::Error::new(
            kind,
            Injected {
                point: self.name,
                errno: self.errno,
            },
        )
    }
}

/// Whether `error` was injected (by a failpoint, or by a file vector's
/// fault hook) rather than returned by the OS.
pub(crate) fn is_injected(error: &io::Error) -> bool {
    Injected::of(error).is_some()
}
