//! `mmap`-family system calls for Unix-like systems.
//!
//! What every Unix does alike is here: the page size, reserving with a
//! `PROT_NONE` mapping, committing with `mprotect`, releasing with
//! `munmap`, mapping read-write for the unguarded kind. What differs comes
//! from one of two files, chosen once:
//!
//! - `posix/linux.rs`, Linux's own calls: `MAP_NORESERVE`, a decommit by
//!   `MADV_DONTNEED`, `mremap`, `MADV_POPULATE_WRITE`, `MADV_HUGEPAGE`;
//! - `posix/portable.rs`, what macOS, the BSDs and every other Unix take:
//!   a decommit by mapping fresh pages over the range (`MAP_FIXED`, which
//!   frees the old pages at once on every Unix, where `MADV_DONTNEED`
//!   frees nothing on macOS and only deactivates pages on FreeBSD), no
//!   remap, no populate, no `MAP_NORESERVE`. Linux built with
//!   `--cfg mapped_portable` takes it too, so that it is tested where the
//!   tests run.

#[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
mod linux;
#[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable))))]
mod portable;

#[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
pub(super) use linux::{
    advise_huge_pages, decommit, discard, grow_in_place, populate, populate_rw, populates_rw,
    remap, NORESERVE, POPULATES, REMAPS,
};
#[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable))))]
pub(super) use portable::{
    advise_huge_pages, decommit, discard, grow_in_place, populate, populate_rw, populates_rw,
    remap, NORESERVE, POPULATES, REMAPS,
};

use std::io;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Whether the OS maps memory: here, always.
pub(super) const HAS_MAPPINGS: bool = true;

/// The errors the crate's own failures stand for (what a failpoint
/// returns): out of memory, an invalid argument, no space left, an I/O
/// error.
pub(crate) const OUT_OF_MEMORY: i32 = libc::ENOMEM;
pub(crate) const INVALID_ARGUMENT: i32 = libc::EINVAL;
#[cfg(feature = "file")]
pub(crate) const NO_SPACE: i32 = libc::ENOSPC;
#[cfg(feature = "file")]
pub(crate) const IO_ERROR: i32 = libc::EIO;

/// Whether `error` is the OS's `ENOMEM`: out of memory, or (on Linux) of
/// kernel mappings (`vm.max_map_count`), which the OS does not tell apart.
pub(super) fn is_out_of_memory(error: &io::Error) -> bool {
    error.raw_os_error() == Some(libc::ENOMEM)
}

/// The system page size, read from `sysconf` once and cached.
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);

/// The system page size: one load (inlined into `new`), after the first
/// call.
#[inline]
pub(super) fn page_size() -> usize {
    match PAGE_SIZE.load(Ordering::Relaxed) {
        0 => read_page_size(),
        size => size,
    }
}

/// Reads the page size from `sysconf` and caches it.
#[cold]
fn read_page_size() -> usize {
    // SAFETY: sysconf has no preconditions.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    let size = usize::try_from(size)
        .ok()
        .filter(|s| s.is_power_of_two())
        .unwrap_or(4096);
    PAGE_SIZE.store(size, Ordering::Relaxed);
    size
}

/// The flags of every anonymous mapping made here (Linux adds
/// `MAP_NORESERVE`).
fn anonymous() -> libc::c_int {
    libc::MAP_PRIVATE | libc::MAP_ANON | NORESERVE
}

pub(super) fn check(ret: libc::c_int) -> io::Result<()> {
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Maps `len` bytes of fresh anonymous pages with `prot`, at an address of
/// the kernel's choosing, or exactly at `at` (`MAP_FIXED`, replacing what
/// was mapped there).
///
/// # Safety
/// With `at`, `[at, at + len)` is page-aligned, ours, and nothing in it is
/// used again (its old pages are dropped).
pub(super) unsafe fn map(
    at: Option<NonNull<u8>>,
    len: usize,
    prot: libc::c_int,
) -> io::Result<NonNull<u8>> {
    let (addr, fixed) = match at {
        Some(at) => (at.as_ptr().cast(), libc::MAP_FIXED),
        None => (ptr::null_mut(), 0),
    };
    // SAFETY: an anonymous mapping at an address of the kernel's choosing
    // touches no existing memory; at a fixed one it replaces only the range
    // the caller gave up.
    let mapped = unsafe { libc::mmap(addr, len, prot, anonymous() | fixed, -1, 0) };
    if mapped == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    NonNull::new(mapped.cast()).ok_or_else(|| io::Error::other("mmap returned null"))
}

pub(super) fn reserve(len: usize) -> io::Result<NonNull<u8>> {
    // SAFETY: no fixed address: nothing of ours is replaced.
    unsafe { map(None, len, libc::PROT_NONE) }
}

/// # Safety
/// `[addr, addr + len)` is page-aligned and inside one reservation.
pub(super) unsafe fn commit(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: the range is ours (caller); mprotect changes only its protection.
    check(unsafe {
        libc::mprotect(
            addr.as_ptr().cast(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
        )
    })
}

/// # Safety
/// `addr`/`len` are exactly one live reservation that nothing uses again.
pub(super) unsafe fn release(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: the caller gives up the whole reservation.
    check(unsafe { libc::munmap(addr.as_ptr().cast(), len) })
}

// ---- The unguarded mapper's calls (see `super::unguarded`) ----

/// Maps `len` bytes readable and writable, anonymous and private: one
/// kernel mapping, which merges with its neighbours.
pub(super) fn map_rw(len: usize) -> io::Result<NonNull<u8>> {
    // SAFETY: no fixed address: nothing of ours is replaced.
    unsafe { map(None, len, libc::PROT_READ | libc::PROT_WRITE) }
}

/// The kernel's limit on mappings per process, where it has a small one:
/// Linux's `vm.max_map_count` (the kernel's, whichever path the crate
/// takes). The other Unixes have no such limit.
pub(super) fn mapping_limit() -> Option<usize> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    return Some(
        std::fs::read_to_string("/proc/sys/vm/max_map_count")
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .filter(|&n| n > 0)
            // Where it cannot be read: Linux's default.
            .unwrap_or(65530),
    );
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    return None;
}
