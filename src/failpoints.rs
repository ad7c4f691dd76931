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

use std::fmt;
use std::io;

/// A failure a failpoint injected, as the inner error of the
/// [`io::Error`] a mapper call returned: which point fired, and the OS
/// error it stands for.
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

/// A failpoint: its name and the `op` label its injections count under.
#[derive(Clone, Copy)]
pub(crate) struct Point {
    name: &'static str,
    /// The `op` label its injections count under.
    op: &'static str,
}

pub(crate) const RESERVE: Point = Point::new("mapped::reserve", "reserve");
pub(crate) const COMMIT: Point = Point::new("mapped::commit", "commit");
pub(crate) const DECOMMIT: Point = Point::new("mapped::decommit", "decommit");
pub(crate) const REMAP: Point = Point::new("mapped::remap", "remap");
pub(crate) const POPULATE: Point = Point::new("mapped::populate", "populate");
pub(crate) const RELEASE: Point = Point::new("mapped::release", "release");
pub(crate) const ALLOC: Point = Point::new("mapped::alloc", "alloc");

impl Point {
    const fn new(name: &'static str, op: &'static str) -> Self {
        Point { name, op }
    }

    /// Whether the point fires now. Nothing is reported here: the caller
    /// hands the failure up (as [`os_error`](Self::os_error)'s marked
    /// error, or an [`Error::Alloc`](crate::Error::Alloc)), and the
    /// storage layer above counts it.
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

    /// `Err` with the error the OS would return (`errno`), marked as
    /// injected, if the point fires now: a mapper call starts with
    /// `point.check(errno)?`.
    #[inline]
    pub(crate) fn check(self, errno: i32) -> io::Result<()> {
        match self.os_error(errno) {
            Some(injected) => Err(injected),
            None => Ok(()),
        }
    }

    /// The error the OS would return, marked as injected, if the point
    /// fires now.
    #[inline]
    pub(crate) fn os_error(self, errno: i32) -> Option<io::Error> {
        self.fires().then(|| {
            let kind = io::Error::from_raw_os_error(errno).kind();
            io::Error::new(
                kind,
                Injected {
                    point: self.name,
                    errno,
                },
            )
        })
    }
}

/// Whether `error` was injected (by a failpoint, or by a file vector's
/// fault hook) rather than returned by the OS.
pub(crate) fn is_injected(error: &io::Error) -> bool {
    #[cfg(feature = "file")]
    if InjectedFileFault::of(error).is_some() {
        return true;
    }
    Injected::of(error).is_some()
}

// A file vector's injected failure lives here, below telemetry (which
// tells injected failures from real ones), and is re-exported by `file`.

/// A failure injected into a file vector ([`FileFaults`](crate::FileFaults) or a failpoint),
/// as the inner error of the [`io::Error`] a step returned.
#[cfg(feature = "file")]
#[derive(Debug)]
pub struct InjectedFileFault {
    pub(crate) point: &'static str,
    pub(crate) errno: i32,
}

#[cfg(feature = "file")]
impl InjectedFileFault {
    /// The point that fired, e.g. `"mapped::file_grow"`.
    pub fn point(&self) -> &'static str {
        self.point
    }

    /// The OS error number it stands for.
    pub fn errno(&self) -> i32 {
        self.errno
    }

    /// The injected fault inside `error`, if it is one.
    pub fn of(error: &io::Error) -> Option<&InjectedFileFault> {
        error.get_ref()?.downcast_ref()
    }
}

#[cfg(feature = "file")]
impl fmt::Display for InjectedFileFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let os = io::Error::from_raw_os_error(self.errno);
        write!(f, "{os} (injected at {})", self.point)
    }
}

#[cfg(feature = "file")]
impl std::error::Error for InjectedFileFault {}
