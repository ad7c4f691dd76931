//! Fault injection for files: a seeded [`FileFaults`] hook a vector
//! consults before each growth and flush, and (cargo feature `failpoints`)
//! the `fail` crate's points:
//!
//! | point | fails as |
//! |---|---|
//! | `mapped::file_grow` | the allocation of blocks (`fallocate`, the zeros, or `set_len`) with a full disk (the file is cut back, nothing grows) |
//! | `mapped::file_remap` | the move of the mapping with out of memory (nothing grows) |
//! | `mapped::file_flush` | the sync of the data with an I/O error (the header is not written) |
//! | `mapped::file_header` | the header's sync with an I/O error (the previous header is put back) |
//! | `mapped::file_punch` | the shrink's cut of the file (`set_len`; named for the hole punch it replaced) with an I/O error (the blocks stay) |
//! | `mapped::file_populate` | the zeros written ahead of pushes, with an I/O error (the pushes fault the pages in themselves) |
//!
//! The errors are the platform's own: `ENOSPC`, `ENOMEM` and `EIO` on
//! Unix; `ERROR_DISK_FULL`, `ERROR_COMMITMENT_LIMIT` and
//! `ERROR_IO_DEVICE` on Windows. An injected error's inner value is an
//! [`Injected`](crate::failpoints::Injected), as a memory failpoint's.

use crate::failpoints;
use std::io;

/// A seeded fault injector for one [`FileVector`](super::FileVector):
/// each growth is refused with probability `refuse_growth` (as a full disk
/// would), each flush fails with probability `fail_flushes` (as an I/O
/// error would: at the sync of its data or at the sync of its header,
/// half the time each). The same seed gives the same faults.
///
/// ```
/// use mapped::{FileFaults, FileVector};
/// # fn main() -> std::io::Result<()> {
/// # let dir = std::env::temp_dir().join(format!("mapped-doc-faults-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// # let path = dir.join("v"); let _ = std::fs::remove_file(&path);
/// let faults = FileFaults::new(42).refuse_growth(1.0);
/// let mut v: FileVector<u64> = FileVector::options().faults(faults).create(&path)?;
/// let err = v.push(7).unwrap_err();
/// assert_eq!(err.into_value(), 7);
/// assert!(v.is_empty());
/// # drop(v); // (Windows removes no open file)
/// # std::fs::remove_dir_all(&dir)
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct FileFaults {
    seed: u64,
    state: u64,
    grow: f64,
    flush: f64,
    injected: u64,
    /// Whether the flush under way fails at its header's sync (decided at
    /// its data's sync); `None` outside a flush, where a header written
    /// alone is a flush of its own.
    header_fails: Option<bool>,
}

impl FileFaults {
    /// An injector that injects nothing until told to, drawing from `seed`.
    pub fn new(seed: u64) -> Self {
        FileFaults {
            seed,
            state: seed,
            grow: 0.0,
            flush: 0.0,
            injected: 0,
            header_fails: None,
        }
    }

    /// Refuse each growth with probability `p` (clamped to `0..=1`).
    pub fn refuse_growth(mut self, p: f64) -> Self {
        self.grow = p.clamp(0.0, 1.0);
        self
    }

    /// Fail each flush with probability `p` (clamped to `0..=1`).
    pub fn fail_flushes(mut self, p: f64) -> Self {
        self.flush = p.clamp(0.0, 1.0);
        self
    }

    /// The seed it was made with.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// How many faults it has injected.
    pub fn injected(&self) -> u64 {
        self.injected
    }

    /// splitmix64: a uniform draw in `[0, 1)`.
    fn draw(&mut self) -> f64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        (z >> 11) as f64 / (1u64 << 53) as f64
    }

    fn hit(&mut self, p: f64) -> bool {
        p > 0.0 && self.draw() < p
    }

    /// Whether the hook fails `point` now. A flush fails with probability
    /// `flush` in all, at one of its two syncs: decided at its data's sync.
    fn decide(&mut self, point: Point) -> bool {
        let fails = match point {
            Point::Grow => self.hit(self.grow),
            Point::Flush => {
                let fails = self.hit(self.flush);
                let at_header = fails && self.draw() < 0.5;
                // A flush failed at its data's sync writes no header.
                self.header_fails = (!fails || at_header).then_some(at_header);
                fails && !at_header
            }
            Point::Header => match self.header_fails.take() {
                Some(decided) => decided,
                None => self.hit(self.flush),
            },
            Point::Remap | Point::Punch | Point::Populate => false,
        };
        self.injected += u64::from(fails);
        fails
    }
}

/// Where a vector asks whether to fail: each a failpoint of
/// [`crate::failpoints`]'s table, which names it and says what it fails as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Point {
    Grow,
    Remap,
    Flush,
    Header,
    Punch,
    Populate,
}

impl Point {
    fn failpoint(self) -> failpoints::Point {
        match self {
            Point::Grow => failpoints::file::GROW,
            Point::Remap => failpoints::file::REMAP,
            Point::Flush => failpoints::file::FLUSH,
            Point::Header => failpoints::file::HEADER,
            Point::Punch => failpoints::file::PUNCH,
            Point::Populate => failpoints::file::POPULATE,
        }
    }
}

/// Whether `point` fails now (the hook first, then the failpoint), as the
/// error the OS would return, marked as injected.
pub(crate) fn check(faults: &mut Option<FileFaults>, point: Point) -> Option<io::Error> {
    let hook = faults.as_mut().is_some_and(|f| f.decide(point));
    // Counted, as a failpoint's, by the telemetry of the step it fails.
    let failpoint = point.failpoint();
    (hook || failpoint.fires()).then(|| failpoint.error())
}
