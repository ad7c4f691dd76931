#![doc = include_str!("../README.md")]
//!
//! ## How it works
//!
//! [`FaultyMapper`] wraps a real [`Mapper`] (the OS's by default, see
//! [`os_mapper`], or any other through [`Builder::inner`]) and keeps a shadow table of every page
//! it hands out, so tests of `mapped`'s containers, and of code built on
//! them, can prove that memory is always committed before it is touched and
//! that a refused commit loses nothing.
//!
//! For Miri, which stops at the first `mmap`, [`HeapMapper`] is a mapper
//! on the global allocator (no system call): wrap it
//! (`Builder::inner(HeapMapper::new())`) and the containers' mapped paths
//! run under Miri with the audit on.
//!
//! ## Faults
//!
//! - **Deny**: `reserve`, `commit` or `remap` fails with `OutOfMemory`, as
//!   the OS would, and changes nothing: with a probability
//!   ([`Builder::deny_commits`]), on the k-th call
//!   ([`Builder::deny_commit_on`]) or for the next n calls, scripted at run
//!   time ([`FaultyMapper::deny_next_commits`]).
//! - **Failed decommit** ([`Builder::fail_decommits`]): the call fails and
//!   the pages stay committed, readable and writable.
//! - **No remap** ([`Builder::remap`]`(false)`): `remap` says `Unsupported`,
//!   so containers take their reserve + commit + copy + release path.
//! - **Lies** ([`Builder::lie_on_commit`]): a deliberately broken mapper
//!   whose commit succeeds without committing, to prove a test harness can
//!   fail. The audit cannot see it; trap mode can.
//!
//! Every random decision comes from a seed ([`Builder::seed`]), which the
//! `MAPPED_SEED` environment variable overrides, and which every failure
//! message prints: `MAPPED_SEED=<seed>` replays a run exactly.
//!
//! ## Modes (what happens to decommitted pages)
//!
//! - [`Mode::Plain`]: decommit goes to the inner mapper.
//! - [`Mode::Poison`]: decommit fills the pages with a poison pattern and
//!   leaves them mapped; the next commit checks the pattern (a write to a
//!   decommitted page becomes a [`Violation::WriteToDecommitted`]) and fills
//!   the pages with junk (a read of stale data, or reliance on zeroed pages,
//!   shows up as wrong values).
//! - [`Mode::Trap`]: decommit goes to the inner mapper (`PROT_NONE` on the
//!   OS mapper) so an access is a `SIGSEGV`; commit fills pages with junk.
//!   Run such tests in a child process: see [`child`].
//!
//! ## Audit
//!
//! [`FaultyMapper::check_committed`] says whether a byte range lies in
//! committed pages; [`FaultyMapper::violations`] lists every breach of the
//! [`Mapper`] contract seen (misaligned or zero-length calls, commits outside
//! a reservation, double releases, ...); [`FaultyMapper::assert_clean`]
//! panics with the list and the seed.
//!
//! ## Example
//!
//! The mapper driven directly through the [`Mapper`] trait, as a container
//! would drive it:
//!
//! ```
//! use mapped::Mapper;
//! use mapped_mock::{FaultyMapper, Violation};
//! use std::io::ErrorKind;
//!
//! let mock = FaultyMapper::builder().poison(true).deny_commit_on(2).build();
//! let page = mock.page_size();
//! let base = mock.reserve(4 * page)?;
//! // SAFETY: every range is page-aligned and inside the reservation.
//! unsafe {
//!     mock.commit(base, page)?; // the 1st commit works
//!     assert!(mock.check_committed(base.as_ptr(), page));
//!     let denied = mock.commit(base.add(page), page).unwrap_err(); // the 2nd does not
//!     assert_eq!(denied.kind(), ErrorKind::OutOfMemory);
//!     assert!(!mock.check_committed(base.as_ptr(), 2 * page));
//!
//!     base.as_ptr().write(7);
//!     mock.decommit(base, page)?; // poisoned, still mapped
//!     mock.touch(base.as_ptr()); // a bug: a write to a decommitted page
//!     mock.commit(base, page)?; // the recommit finds the broken poison
//!     mock.release(base, 4 * page)?;
//! }
//! let page_addr = base.as_ptr() as usize;
//! assert_eq!(mock.violations(), [Violation::WriteToDecommitted { page: page_addr }]);
//! assert_eq!(mock.stats().denied_commits, 1);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! Containers take it as `Arc<FaultyMapper>`:
//! `MappedVector::new(mock.clone())` where `mock = FaultyMapper::builder()
//! ... .build_arc()`. Dropping the mapper releases nothing: containers
//! release their own reservations.
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs)]

mod builder;
pub mod child;
mod faults;
mod heap_mapper;
mod mapper;
mod memory;
mod ops;
mod shadow;
mod stats;
mod violation;

pub use builder::{env_seed, parse_seed, Builder, Mode, SEED_ENV};
pub use heap_mapper::{HeapMapper, HEAP_MAPPER};

/// The mapper tests take for the OS's, as containers take it:
/// [`MAPPER`](mapped::MAPPER) (the handle is the OS mapper's own, with its
/// reservation cache and kernel-mapping budget), or, where the OS mapper
/// cannot map (a build with `--cfg mapped_no_mmap`, where it says
/// `Unsupported` to every call and containers on it never map; Miri, which
/// stops at the first `mmap`), the shared [`HEAP_MAPPER`], so that the
/// containers' mapped paths are still tested, over a simulated mapper. Its
/// [`get`](mapped::MapperRef::get) is the mapper itself, for direct calls.
/// A [`FaultyMapper`] wraps the same unless told otherwise (a
/// `HeapMapper` of its own there).
pub fn os_mapper() -> MapperRef {
    if SIMULATED {
        MapperRef::from(&HEAP_MAPPER)
    } else {
        MapperRef::from(mapped::MAPPER)
    }
}

/// Whether [`os_mapper`] is the heap mapper standing in for the OS's:
/// under Miri, and where the OS mapper maps nothing
/// ([`OsMapper::MAPS`](mapped::OsMapper::MAPS)).
pub(crate) const SIMULATED: bool = cfg!(miri) || !mapped::OsMapper::MAPS;

/// Whether [`os_mapper`] remaps (moves a reservation's committed pages
/// into a larger one without copying): the OS mapper where it does
/// ([`OsMapper::REMAPS`](mapped::OsMapper::REMAPS)), or the heap mapper
/// where it stands in.
pub const OS_REMAPS: bool = SIMULATED || mapped::OsMapper::REMAPS;

/// Whether [`os_mapper`] populates (faults committed pages in ahead of
/// the writes that fill them, in one call): the OS mapper where it has the
/// call ([`OsMapper::POPULATES`](mapped::OsMapper::POPULATES)); never the
/// heap mapper.
pub const OS_POPULATES: bool = !SIMULATED && mapped::OsMapper::POPULATES;
pub use mapper::FaultyMapper;
pub use shadow::{PageState, ReservationInfo};
pub use stats::MockStats;
pub use violation::{Op, Report, Violation};

#[doc(no_inline)]
pub use mapped::Mapper;
use mapped::MapperRef;
