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
//! random moments and checks this (on Unix: it kills with `SIGKILL`). The
//! protocol is the same on every platform, with each one's sync calls (see
//! "Platforms").
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
//! file's blocks ahead of writes, so a full disk is an error and not a
//! `SIGBUS` (see "Platforms" for how), and moves the mapping (`mremap` on
//! Linux, a new mapping elsewhere). Pushes find their pages ready: as the
//! memory vector populates ahead of them, the file vector writes zeros over
//! the next 256 KiB past the elements in one call, so the page cache holds
//! them in large folios and a page fault maps a whole folio, not one page
//! (at the growing end of a file the kernel's read-ahead, cut short by the
//! end, would fill them a few pages at a time); where growth itself wrote
//! zeros over the new range, the pages are ready already. Under a quarter
//! in use, the blocks past twice the live bytes are given back by cutting
//! the file there (`set_len`), the hysteresis of decommit. (Not by punching
//! a hole below the length: every byte below it stays allocated, so no
//! write through the mapping ever needs new space; see the `grow` module.)
//! A refused growth (a full disk; on Unix also `EFBIG` past
//! `RLIMIT_FSIZE`) changes nothing and hands the pushed value back. (Past
//! the limit, Linux's `fallocate` also raises `SIGXFSZ`, which kills a
//! process that does not ignore it; the zeros written elsewhere check the
//! limit first and raise nothing.)
//!
//! # Platforms
//!
//! | | Linux | macOS, the BSDs, other Unixes (and Linux with `--cfg mapped_portable`) | Windows |
//! |---|---|---|---|
//! | blocks of a grown range | `fallocate`; where the file system refuses it (`EOPNOTSUPP`), zeros written over the range (`pwritev`) | zeros written over the range (`pwrite`, 64 KiB a call) | the end of file moved (`set_len`): NTFS allocates the clusters of a file that is neither sparse nor compressed |
//! | the mapping grows | `mremap` | a new mapping, before the blocks are allocated | a new view, after the file grew (a view cannot pass the end of its file) |
//! | the file cut short | `set_len`; the mapping stays | the same | the view unmapped, `set_len`, the file mapped again over what is left (a file with a view cannot be cut short) |
//! | pages readied ahead of pushes | zeros written (`pwritev`) | none needed: growth wrote them | zeros written (`WriteFile`) |
//! | flush: the data | `msync(MS_SYNC)` (an fsync of the range, the drive's cache too) | `msync(MS_SYNC)`, `fdatasync` (`F_FULLFSYNC` on macOS) | `FlushViewOfFile`, `FlushFileBuffers` |
//! | flush: then the header | `msync(MS_SYNC)`, `fdatasync` | the same | `FlushViewOfFile`, `FlushFileBuffers` |
//! | create: the new name | `fsync` of the directory | the same | left to NTFS's journal (std cannot open a directory) |
//! | the file size limit | `RLIMIT_FSIZE`: zeros never written past it | the same | none |
//!
//! Where growth writes zeros, it writes the whole new range at once: the
//! push that doubles a 1 GiB vector writes 1 GiB of zeros before it
//! returns (`reserve` ahead of time moves that cost). `benches/file.rs`
//! built with `--cfg mapped_portable` measures the path on Linux.
//!
//! Outside Linux and Windows, `msync` promises only that the pages were
//! written: on macOS they reach the drive but not past its cache, which
//! only `F_FULLFSYNC` gets them through; without the sync after the data, a
//! power loss could keep the header and lose the data it counts. The BSDs'
//! and macOS's own preallocation calls are not used: FreeBSD's
//! `posix_fallocate` writes the same zeros in the kernel on UFS and is
//! refused on ZFS; macOS's `F_PREALLOCATE` reserves space, but that a write
//! fault through a mapping draws on it could not be checked here, where the
//! zeros run. On copy-on-write file systems (ZFS always; btrfs, APFS and
//! ReFS for shared or snapshotted blocks) an overwrite may take new blocks
//! that no preallocation holds: there a full disk can still fail a write
//! through the mapping, or its write-back at the next flush.
//!
//! How each was tested: Linux natively (`tests/file/`: the crash test, a
//! full 4 MiB tmpfs, `RLIMIT_FSIZE`, the allocated blocks seen in
//! `st_blocks`, a ramfs that refuses `fallocate`; `.ci/run` adds a 4 GiB
//! vector in a 512 MiB memory cgroup); the path of macOS and the BSDs on
//! Linux, built with `--cfg mapped_portable`, which takes exactly their
//! calls (the same tests, the full tmpfs answering `ENOSPC` through the
//! zeros); macOS (x86-64 and ARM) and FreeBSD compile-checked only;
//! Windows under wine (the tests but the Unix-only ones: signals, resource
//! limits, mounts, `st_blocks`). Wine refuses, as Windows does, to cut a
//! file under a view (`ERROR_USER_MAPPED_FILE`) and to map a view past the
//! end of a file, so the Windows order of calls runs there; NTFS's
//! allocation at `set_len` and a full NTFS disk are untested (wine's files
//! are Linux files: `set_len` leaves them sparse), as is a real Windows.
//!
//! # Telemetry and faults
//!
//! Every step is one of the crate's [`Event`](crate::Event)s, through the
//! same pipeline as the memory containers': spans `reserve` (the file
//! mapped, at create and open), `grow` (holding `remap` and `commit`:
//! blocks allocated; on Windows the `remap` is inside the `commit`), `populate` (pages readied ahead of pushes), `shrink`
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

#[cfg(not(any(unix, windows)))]
compile_error!(
    "the `file` feature (FileVector) needs Unix or Windows: memmap2 maps files only there"
);

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
