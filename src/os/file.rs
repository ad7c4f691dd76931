//! The file system calls memmap2 and std do not offer: allocating a file's
//! blocks ahead of writes through the mapping (so a full disk is an error
//! at grow time, not a `SIGBUS` at the write), and writing zeros to put
//! pages in the page cache ahead of them.
//! The `file` module's only way to the OS's file calls beyond std and
//! memmap2.

use std::fs::File;
use std::io;

/// One page of zeros, the source of every [`write_zeros`] (each call
/// gathers it many times over).
static ZEROS: [u8; ZERO_CHUNK] = [0; ZERO_CHUNK];
const ZERO_CHUNK: usize = 4096;

/// Writes `len` zero bytes to `file` at `offset`: on Linux one `pwritev`
/// per 256 KiB, gathering [`ZEROS`] 64 times. `Ok(false)`, writing
/// nothing, where the range passes the process's file size limit.
pub(crate) fn write_zeros(file: &File, offset: u64, len: usize) -> io::Result<bool> {
    let end = offset
        .checked_add(len as u64)
        .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
    if !within_size_limit(end) {
        return Ok(false);
    }
    let mut done = 0;
    while done < len {
        let at = offset
            .checked_add(done as u64)
            .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
        match write_some_zeros(file, at, len - done) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => done += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// Whether a write ending at `end` stays within the file size limit
/// (`RLIMIT_FSIZE`). A write past it raises `SIGXFSZ`, which kills a
/// process that does not ignore it, even below the file's size (the file
/// may have grown before the limit fell); writes through a mapping have
/// no such limit, so the zeros ahead of them must not either.
fn within_size_limit(end: u64) -> bool {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `getrlimit` writes only the `rlimit` it is given.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut limit) };
    // `rlim_t` is `u64` here, not on every platform.
    #[allow(clippy::unnecessary_cast)]
    let soft = limit.rlim_cur as u64;
    rc == 0 && (limit.rlim_cur == libc::RLIM_INFINITY || end <= soft)
}

/// One write of up to `len` zero bytes; how many it wrote.
#[cfg(any(target_os = "linux", target_os = "android"))]
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

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn write_some_zeros(file: &File, offset: u64, len: usize) -> io::Result<usize> {
    use std::os::unix::fs::FileExt;
    file.write_at(&ZEROS[..len.min(ZERO_CHUNK)], offset)
}

/// How a range's blocks were provided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Allocated {
    /// The blocks are allocated (`fallocate`): writes cannot hit a full disk.
    Blocks,
    /// The file system cannot allocate ahead; the file was only extended
    /// (`set_len`), sparse.
    Sparse,
}

/// Makes `[offset, offset + len)` of `file` allocated, extending the file
/// when the range passes its end.
pub(crate) fn allocate(file: &File, offset: u64, len: u64) -> io::Result<Allocated> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::os::fd::AsRawFd;
        let (off, n) = to_off(offset, len)?;
        // SAFETY: `fallocate` reads no memory of ours; the descriptor is
        // open for as long as `file` is borrowed.
        let rc = unsafe { libc::fallocate(file.as_raw_fd(), 0, off, n) };
        if rc == 0 {
            return Ok(Allocated::Blocks);
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EOPNOTSUPP) {
            return Err(err);
        }
    }
    let end = offset
        .checked_add(len)
        .ok_or_else(|| io::Error::from(io::ErrorKind::InvalidInput))?;
    if file.metadata()?.len() < end {
        file.set_len(end)?;
    }
    Ok(Allocated::Sparse)
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn to_off(offset: u64, len: u64) -> io::Result<(libc::off_t, libc::off_t)> {
    Ok((to_off_t(offset)?, to_off_t(len)?))
}

/// `x` as a file offset, or `InvalidInput` past `off_t`'s range.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn to_off_t(x: u64) -> io::Result<libc::off_t> {
    libc::off_t::try_from(x).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}
