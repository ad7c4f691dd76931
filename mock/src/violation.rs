//! What the audit records: [`Violation`]s of the mapper contract, the
//! [`Op`] they happened in, and the seed-carrying [`Report`].

use std::fmt;

/// A [`Mapper`](mapped::Mapper) operation, as named in violations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// [`Mapper::reserve`](mapped::Mapper::reserve).
    Reserve,
    /// [`Mapper::commit`](mapped::Mapper::commit).
    Commit,
    /// [`Mapper::decommit`](mapped::Mapper::decommit).
    Decommit,
    /// [`Mapper::release`](mapped::Mapper::release).
    Release,
    /// [`Mapper::remap`](mapped::Mapper::remap).
    Remap,
    /// [`Mapper::populate`](mapped::Mapper::populate).
    Populate,
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Reserve => "reserve",
            Op::Commit => "commit",
            Op::Decommit => "decommit",
            Op::Release => "release",
            Op::Remap => "remap",
            Op::Populate => "populate",
        })
    }
}

/// One breach of the [`Mapper`](mapped::Mapper) contract (or of the memory
/// model on top of it) that the mock saw.
///
/// Addresses are plain `usize`s so a violation is `Send`, `Copy` and
/// comparable; they are printed in hex.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Violation {
    /// A decommitted (poisoned) page no longer held its poison pattern when
    /// it was committed again or released: someone wrote to it while it was
    /// decommitted. Poison mode only.
    WriteToDecommitted {
        /// The page's address.
        page: usize,
    },
    /// `commit` of a range that is not wholly inside one live reservation.
    /// The call was refused with `InvalidInput`.
    CommitOutsideReservation {
        /// Start of the range.
        addr: usize,
        /// Length of the range in bytes.
        len: usize,
    },
    /// `decommit` of a range that is not wholly inside one live reservation.
    /// The call was refused with `InvalidInput`.
    DecommitOutsideReservation {
        /// Start of the range.
        addr: usize,
        /// Length of the range in bytes.
        len: usize,
    },
    /// `decommit` of a range holding at least one page that was not
    /// committed (reserved only, or already decommitted). The call went
    /// ahead: it is harmless to the OS but means the caller's idea of what
    /// is committed is wrong.
    DecommitNotCommitted {
        /// Start of the range given to `decommit`.
        addr: usize,
        /// Length of the range in bytes.
        len: usize,
    },
    /// `release` (or `remap`) of a reservation this mapper already released.
    /// Refused with `InvalidInput`: the OS may have reused the address.
    DoubleRelease {
        /// The address given.
        addr: usize,
    },
    /// `release` of an address that is not the start of a live reservation
    /// of this mapper (and was never one). Refused with `InvalidInput`.
    ReleaseUnknown {
        /// The address given.
        addr: usize,
        /// The length given.
        len: usize,
    },
    /// `release` (or `remap`) of a live reservation with a length other
    /// than the one it was reserved with. Refused with `InvalidInput`.
    ReleaseWrongLength {
        /// The reservation's start.
        addr: usize,
        /// Its length as reserved.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// An address or length that is not a multiple of the page size.
    /// Refused with `InvalidInput`, never passed to the OS.
    Misaligned {
        /// The operation.
        op: Op,
        /// The address given (0 for `reserve`).
        addr: usize,
        /// The length given.
        len: usize,
    },
    /// A zero length. Refused with `InvalidInput`.
    ZeroLength {
        /// The operation.
        op: Op,
        /// The address given (0 for `reserve`).
        addr: usize,
    },
    /// `populate` of a range holding a page that is not committed (or not
    /// in any live reservation). Refused with `InvalidInput`: the caller was
    /// about to write where it may not.
    PopulateNotCommitted {
        /// Start of the range.
        addr: usize,
        /// Length of the range in bytes.
        len: usize,
    },
    /// `remap` lengths that break `committed <= old_len < new_len`.
    /// Refused with `InvalidInput`.
    RemapBadLengths {
        /// The reservation's start.
        addr: usize,
        /// The `old_len` given.
        old_len: usize,
        /// The `committed` given.
        committed: usize,
        /// The `new_len` given.
        new_len: usize,
    },
    /// `remap` whose `committed` disagrees with the shadow table: a page of
    /// the claimed prefix is not committed, or a page after it is. Refused
    /// with `InvalidInput` (the move would lose or expose bytes).
    RemapWrongPrefix {
        /// The reservation's start.
        addr: usize,
        /// The `committed` given.
        committed: usize,
        /// The first page that disagrees.
        page: usize,
    },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Violation::WriteToDecommitted { page } => {
                write!(f, "write to decommitted page {page:#x}")
            }
            Violation::CommitOutsideReservation { addr, len } => write!(
                f,
                "commit of [{addr:#x}, +{len:#x}) outside any live reservation"
            ),
            Violation::DecommitOutsideReservation { addr, len } => write!(
                f,
                "decommit of [{addr:#x}, +{len:#x}) outside any live reservation"
            ),
            Violation::DecommitNotCommitted { addr, len } => write!(
                f,
                "decommit of [{addr:#x}, +{len:#x}) which holds pages that are not committed"
            ),
            Violation::DoubleRelease { addr } => {
                write!(f, "reservation {addr:#x} released twice")
            }
            Violation::ReleaseUnknown { addr, len } => write!(
                f,
                "release of [{addr:#x}, +{len:#x}), which is not a reservation of this mapper"
            ),
            Violation::ReleaseWrongLength {
                addr,
                expected,
                got,
            } => write!(
                f,
                "reservation {addr:#x} of {expected:#x} bytes released with length {got:#x}"
            ),
            Violation::Misaligned { op, addr, len } => {
                write!(f, "{op} of [{addr:#x}, +{len:#x}) is not page-aligned")
            }
            Violation::ZeroLength { op, addr } => {
                write!(f, "{op} at {addr:#x} with length 0")
            }
            Violation::PopulateNotCommitted { addr, len } => write!(
                f,
                "populate of [{addr:#x}, +{len:#x}) which holds pages that are not committed"
            ),
            Violation::RemapBadLengths {
                addr,
                old_len,
                committed,
                new_len,
            } => write!(
                f,
                "remap of {addr:#x} breaks committed <= old_len < new_len \
                 (committed {committed:#x}, old_len {old_len:#x}, new_len {new_len:#x})"
            ),
            Violation::RemapWrongPrefix {
                addr,
                committed,
                page,
            } => write!(
                f,
                "remap of {addr:#x} claims {committed:#x} committed bytes, \
                 but page {page:#x} disagrees"
            ),
        }
    }
}

/// Every violation seen so far, with the seed that replays the run: what
/// [`FaultyMapper::report`](crate::FaultyMapper::report) returns and
/// [`FaultyMapper::assert_clean`](crate::FaultyMapper::assert_clean) prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The seed of the run (`MAPPED_SEED=<seed>` replays it).
    pub seed: u64,
    /// The violations, oldest first.
    pub violations: Vec<Violation>,
}

impl Report {
    /// Whether no violation was seen.
    pub fn is_clean(&self) -> bool {
        self.violations.is_empty()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "mapped-mock: {} violation(s) (seed {}; MAPPED_SEED={} replays this run)",
            self.violations.len(),
            self.seed,
            self.seed
        )?;
        for (i, v) in self.violations.iter().enumerate() {
            write!(f, "\n  {}. {v}", i + 1)?;
        }
        Ok(())
    }
}
