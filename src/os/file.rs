//! The file system calls memmap2 does not offer: allocating a file's blocks
//! ahead of writes through the mapping (so a full disk is an error at grow
//! time, not a `SIGBUS` at the write) and punching holes to give them back.
//! The `file` module's only way to the OS's file calls beyond std and
//! memmap2.

use std::fs::File;
use std::io;

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

/// Gives the blocks of `[offset, offset + len)` back to the file system,
/// keeping the file's size: the range then reads as zeros. `Ok(false)`
/// where the file system or the OS cannot punch holes.
pub(crate) fn punch_hole(file: &File, offset: u64, len: u64) -> io::Result<bool> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::os::fd::AsRawFd;
        let (off, n) = to_off(offset, len)?;
        let mode = libc::FALLOC_FL_PUNCH_HOLE | libc::FALLOC_FL_KEEP_SIZE;
        // SAFETY: as in `allocate`; punching only deallocates blocks of the
        // file, and the caller no longer reads or writes that range.
        let rc = unsafe { libc::fallocate(file.as_raw_fd(), mode, off, n) };
        if rc == 0 {
            return Ok(true);
        }
        let err = io::Error::last_os_error();
        if err.raw_os_error() == Some(libc::EOPNOTSUPP) {
            return Ok(false);
        }
        Err(err)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = (file, offset, len);
        Ok(false)
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn to_off(offset: u64, len: u64) -> io::Result<(libc::off_t, libc::off_t)> {
    let big = || io::Error::from(io::ErrorKind::InvalidInput);
    let off = libc::off_t::try_from(offset).map_err(|_| big())?;
    let n = libc::off_t::try_from(len).map_err(|_| big())?;
    Ok((off, n))
}
