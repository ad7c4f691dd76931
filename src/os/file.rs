//! The file calls of [`FileVector`](crate::FileVector) that std and
//! memmap2 do not make the same on every platform: giving a grown range its
//! blocks before the mapping writes it (so that a full disk is an error at
//! the growth, never a `SIGBUS` at the write), writing zeros, positioned
//! reads and writes, the directory sync after a create, and the file size
//! limit. The `file` module's only way to the OS beyond std and memmap2.
//!
//! | | Linux | macOS, the BSDs, other Unixes (and Linux with `--cfg mapped_portable`) | Windows |
//! |---|---|---|---|
//! | blocks of a grown range ([`allocate`](crate::os::file::allocate)) | `fallocate`; zeros written over the range where the file system refuses it (`EOPNOTSUPP`) | zeros written over the range | the end of file moved (`set_len`), which allocates the clusters on NTFS |
//! | zeros ([`write_zeros`](crate::os::file::write_zeros)) | `pwritev`, one page of zeros gathered 64 times per call | `pwrite`, 64 KiB per call | `WriteFile` at an offset, 64 KiB per call |
//! | [`read_exact_at`](crate::os::file::read_exact_at), [`write_all_at`](crate::os::file::write_all_at) | `pread`, `pwrite` | the same | `ReadFile`, `WriteFile` at an offset |
//! | file size limit | `RLIMIT_FSIZE`: zeros never written past it | the same | none |
//! | a new name made durable ([`sync_directory`](crate::os::file::sync_directory)) | `fsync` of the directory | the same | nothing (see there) |
//! | [`MAP_PAST_END`](crate::os::file::MAP_PAST_END) | yes | yes | no |

use std::fs::File;
use std::io;
use std::path::Path;

/// Whether a mapping may cover more than its file holds, and the file be
/// cut short under a live mapping. On Unix, yes: a page past the end of the
/// file faults only when touched, and the file vector never touches one.
/// On Windows, no: a view cannot pass the end of its file mapping object,
/// which memmap2 sizes to the file, and a file with a mapped view cannot
/// be cut short (`ERROR_USER_MAPPED_FILE`).
pub(crate) const MAP_PAST_END: bool = cfg!(unix);

/// Gives `[offset, offset + len)` of `file` its blocks, extending the file
/// when the range passes its end, before anything writes the range through
/// a mapping: a full disk (`ENOSPC`; `ERROR_DISK_FULL`) or Unix's file
/// size limit (`EFBIG`) is this call's error, never a `SIGBUS` at the
/// write.
/// `Ok(true)` when it wrote zeros over the range, which leaves the range's
/// pages in the page cache too; `Ok(false)` when the file system reserved
/// the blocks without writing them.
///
/// - Linux: `fallocate`. Where the file system refuses it (`EOPNOTSUPP`,
///   or `ENOSYS` in a sandbox), zeros.
/// - Windows: the end of file moved (`set_len`). NTFS allocates the
///   clusters below the end of a file that is neither sparse (this one
///   never is) nor compressed (as in a compressed folder), so a full disk
///   is that call's error.
/// - macOS, the BSDs and other Unixes (and Linux with `--cfg
///   mapped_portable`): zeros, by positioned writes. Their own
///   preallocation calls are not used: FreeBSD's `posix_fallocate` writes
///   the same zeros in the kernel on UFS and is refused on ZFS (`EINVAL`);
///   macOS's `F_PREALLOCATE` reserves space, but that a later write fault
///   through a mapping draws on it could not be verified here, and the
///   zeros can be: they run on Linux under `--cfg mapped_portable`.
///
/// No preallocation covers a copy-on-write file system's overwrites (ZFS
/// always, btrfs, APFS and ReFS for shared or snapshotted blocks): there a
/// full disk can still fail a write through the mapping or its write-back.
pub(crate) fn allocate(file: &File, offset: u64, len: usize) -> io::Result<bool> {
    if reserve(file, offset, len)? {
        return Ok(false);
    }
    if write_zeros(file, offset, len)? {
        Ok(true)
    } else {
        // What the kernel answers a write past the limit when `SIGXFSZ` is
        // ignored; checked first here, so the zeros never raise it.
        Err(io::Error::from_raw_os_error(FILE_TOO_LARGE))
    }
}

/// Linux: reserves the range's blocks with `fallocate`; `Ok(false)` where
/// the file system cannot, for [`allocate`] to write zeros instead.
#[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
fn reserve(file: &File, offset: u64, len: usize) -> io::Result<bool> {
    use std::os::fd::AsRawFd;
    let (off, n) = (to_off_t(offset)?, to_off_t(len as u64)?);
    loop {
        // SAFETY: `fallocate` reads no memory of ours; the descriptor is
        // open for as long as `file` is borrowed.
        if unsafe { libc::fallocate(file.as_raw_fd(), 0, off, n) } == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => {}
            Some(libc::EOPNOTSUPP | libc::ENOSYS) => return Ok(false),
            _ => return Err(err),
        }
    }
}

/// Windows: moves the end of file past the range, which allocates its
/// clusters (see [`allocate`]).
#[cfg(windows)]
fn reserve(file: &File, offset: u64, len: usize) -> io::Result<bool> {
    let end = end_of(offset, len)?;
    if file.metadata()?.len() < end {
        file.set_len(end)?;
    }
    Ok(true)
}

/// macOS, the BSDs, other Unixes (and Linux with `--cfg mapped_portable`):
/// nothing reserves without writing (see [`allocate`]).
#[cfg(not(any(
    windows,
    all(any(target_os = "linux", target_os = "android"), not(mapped_portable))
)))]
fn reserve(_file: &File, _offset: u64, _len: usize) -> io::Result<bool> {
    Ok(false)
}

/// Writes `len` zero bytes to `file` at `offset`, in as few calls as the
/// platform allows (see the module's table). `Ok(false)`, writing nothing,
/// where the range passes the process's file size limit.
pub(crate) fn write_zeros(file: &File, offset: u64, len: usize) -> io::Result<bool> {
    if !within_size_limit(end_of(offset, len)?) {
        return Ok(false);
    }
    let mut done = 0;
    while done < len {
        match write_some_zeros(file, offset + done as u64, len - done) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// The end of `[offset, offset + len)`, or `InvalidInput` past `u64`.
fn end_of(offset: u64, len: usize) -> io::Result<u64> {
    offset
        .checked_add(len as u64)
        .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))
}

/// Zeros to write from: on Linux one page, which each `pwritev` gathers
/// 64 times (the source stays in the cache); elsewhere 64 KiB, each
/// positioned write's whole buffer.
#[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
const ZERO_CHUNK: usize = 4096;
#[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable))))]
const ZERO_CHUNK: usize = 64 << 10;
static ZEROS: [u8; ZERO_CHUNK] = [0; ZERO_CHUNK];

/// One write of up to `len` zero bytes; how many it wrote.
#[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
fn write_some_zeros(file: &File, offset: u64, len: usize) -> io::Result<usize> {
    use std::os::fd::AsRawFd;
    const IOVECS: usize = 64;
    let page = libc::iovec {
        iov_base: ZEROS.as_ptr() as *mut libc::c_void,
        iov_len: ZERO_CHUNK,
    };
    let mut iovecs = [page; IOVECS];
    let count = len.div_ceil(ZERO_CHUNK).min(IOVECS);
    iovecs[count - 1].iov_len = (len - (count - 1) * ZERO_CHUNK).min(ZERO_CHUNK);
    let off = to_off_t(offset)?;
    // SAFETY: `count` (1 to 64) iovecs, each naming at most the
    // `ZERO_CHUNK` bytes of `ZEROS`, which `pwritev` only reads; the
    // descriptor is open for as long as `file` is borrowed.
    let rc = unsafe { libc::pwritev(file.as_raw_fd(), iovecs.as_ptr(), count as libc::c_int, off) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(rc as usize)
}

#[cfg(all(
    unix,
    not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))
))]
fn write_some_zeros(file: &File, offset: u64, len: usize) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    file.write_at(&ZEROS[..len.min(ZERO_CHUNK)], offset)
}

#[cfg(windows)]
fn write_some_zeros(file: &File, offset: u64, len: usize) -> io::Result<usize> {
    use std::os::windows::fs::FileExt;
    file.seek_write(&ZEROS[..len.min(ZERO_CHUNK)], offset)
}

/// `x` as a file offset, or `InvalidInput` past `off_t`'s range.
#[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
fn to_off_t(x: u64) -> io::Result<libc::off_t> {
    libc::off_t::try_from(x).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// The error of a write past the file size limit: `EFBIG`. (Windows has
/// no such limit; the constant is only there for the code to be the same.)
#[cfg(unix)]
const FILE_TOO_LARGE: i32 = libc::EFBIG;
#[cfg(windows)]
const FILE_TOO_LARGE: i32 = windows_sys::Win32::Foundation::ERROR_FILE_TOO_LARGE as i32;

/// Whether a write ending at `end` stays within the file size limit
/// (`RLIMIT_FSIZE`). A write past it raises `SIGXFSZ`, which kills a
/// process that does not ignore it, even below the file's size (the file
/// may have grown before the limit fell); writes through a mapping have
/// no such limit, so the zeros ahead of them must not either.
#[cfg(unix)]
fn within_size_limit(end: u64) -> bool {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` writes only the `rlimit` it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit) } != 0 {
        return false;
    }
    if limit.rlim_cur == libc::RLIM_INFINITY {
        return true;
    }
    // `rlim_t` is `u64` on Linux and macOS, `i64` on FreeBSD (where a limit
    // is never negative).
    #[allow(clippy::unnecessary_cast)]
    let soft = limit.rlim_cur as u64;
    end <= soft
}

/// Windows has no per-process file size limit.
#[cfg(windows)]
fn within_size_limit(_end: u64) -> bool {
    true
}

/// Reads exactly `buf.len()` bytes of `file` at `offset` (`pread`).
#[cfg(unix)]
pub(crate) fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Writes all of `buf` to `file` at `offset` (`pwrite`).
#[cfg(unix)]
pub(crate) fn write_all_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, buf, offset)
}

/// Reads exactly `buf.len()` bytes of `file` at `offset` (`ReadFile` at
/// an offset, until done).
#[cfg(windows)]
pub(crate) fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes all of `buf` to `file` at `offset` (`WriteFile` at an offset,
/// until done).
#[cfg(windows)]
pub(crate) fn write_all_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_write(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                buf = &buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Makes a name just linked into `dir` durable: an `fsync` of the
/// directory on Unix. Nothing on Windows: std cannot open a directory
/// there (that takes `FILE_FLAG_BACKUP_SEMANTICS`), and the new name is
/// left to NTFS's journal. A power loss right after a create may lose the
/// new, empty file there; it never leaves a file without a valid header.
pub(crate) fn sync_directory(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    return File::open(dir).and_then(|d| d.sync_all());
    #[cfg(windows)]
    {
        let _ = dir;
        Ok(())
    }
}
