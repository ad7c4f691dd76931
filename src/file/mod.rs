//! File-backed vectors (cargo feature `file`): [`FileVector<T>`] for
//! `T: bytemuck::Pod`, on memmap2's `MmapMut` over a file.
//!
//! # On disk
//!
//! The first page (at least 4 KiB) holds the header: two 64-byte slots,
//! each with a magic number, the format version, the element size,
//! alignment and type tag, the saved length, a sequence number and a
//! checksum; the current header is the valid slot with the higher
//! sequence number. Elements follow from the data offset (a page
//! boundary). Bytes past the saved length are ignored on open.
//!
//! # Crashes
//!
//! [`FileVector::flush`] syncs the data, then writes the new length to the
//! slot *not* in use and syncs it. A crash at any moment (a `SIGKILL`, or
//! a power loss on a file system that honours `fsync`) leaves either the
//! new header or, if that write was torn, the previous one intact, with
//! all the data it counts: a reopen returns at least what the last
//! completed flush saved (exactly that, unless a flush was under way), and
//! never a torn header. `tests/file/crash.rs` kills a writer 100 times at
//! random moments and checks this.
//!
//! One refinement: nothing below the saved length is ever overwritten in
//! place. The first write (or cut of the file) into a removed part of the
//! saved contents first saves the current, shorter length (a header write,
//! counted as a `flush` span with cause `overwrite` or `shrink`); a reopen
//! then returns that prefix of the last flush. [`FileVector::saved_len`]
//! says what a reopen would return.
//!
//! # Growth and disk space
//!
//! As for memory: growth doubles the allocated bytes
//! ([`policy::grow_target`](crate::policy::grow_target)), allocating the
//! file's blocks ahead of writes (`fallocate`, so a full disk is an error
//! and not a `SIGBUS`), and moves the mapping (`mremap` on Linux, a new
//! mapping elsewhere). Pushes find their pages ready: as the memory vector
//! populates ahead of them, the file vector writes zeros over the next
//! 256 KiB past the elements in one call, so the page cache holds them in
//! large folios and a page fault maps a whole folio, not one page (at the
//! growing end of a file the kernel's read-ahead, cut short by the end,
//! would fill them a few pages at a time). Under a quarter in use, the
//! blocks past twice the live bytes are given back by cutting the file
//! there (`set_len`), the hysteresis of decommit. (Not by punching a hole
//! below the length: every byte below it stays allocated, so no write
//! through the mapping ever needs new space; see the `grow` module.) A
//! refused growth (`ENOSPC`, `EFBIG` from `RLIMIT_FSIZE`; the process must
//! ignore `SIGXFSZ` for the latter to be an error rather than a kill)
//! changes nothing and hands the pushed value back.
//!
//! # Telemetry and faults
//!
//! Every step is one of the crate's [`Event`](crate::Event)s, through the
//! same pipeline as the memory containers': spans `reserve` (the file
//! mapped, at create and open), `grow` (holding `remap` and `commit`:
//! blocks allocated), `populate` (pages readied ahead of pushes), `shrink`
//! (holding `decommit`: the file cut short),
//! `flush` and `release` (the drop), target `mapped`, with `mapper =
//! "file"` and the path as the container's `name`; the memory containers'
//! metrics with the same labels, and `mapped_file_flushes_total`; the
//! observers ([`set_observer`](crate::set_observer)); and
//! [`stats()`](crate::stats), where the allocated bytes are
//! [`Stats::file_bytes`](crate::Stats::file_bytes) (disk, not memory) and
//! flushes [`Stats::flushes`](crate::Stats::flushes). The table is in the
//! `telemetry` module of this one. Faults: a seeded [`FileFaults`] hook
//! ([`FileOptions::faults`]) and, with the `failpoints` feature, the points
//! (their errors marked by an [`InjectedFileFault`]): `mapped::file_grow`,
//! `mapped::file_remap`, `mapped::file_flush`, `mapped::file_header`,
//! `mapped::file_punch`, `mapped::file_populate`.

mod error;
mod faults;
mod flush;
mod grow;
mod header;
mod options;
mod telemetry;
mod vector;

pub use error::{FileError, FilePushError};
pub use faults::{FileFaults, InjectedFileFault};
pub use options::FileOptions;
pub use vector::FileVector;
