//! `mmap`-family system calls for Unix-like systems.
//!
//! Everything here is POSIX and runs on every Unix: reserve with a
//! `PROT_NONE` mapping, commit with `mprotect`, decommit by mapping fresh
//! `PROT_NONE` pages over the range (`MAP_FIXED`, which frees the old pages
//! at once on every Unix, where `MADV_DONTNEED` frees nothing on macOS and
//! only deactivates pages on FreeBSD), release with `munmap`. No remap,
//! no populate hint, no `MAP_NORESERVE`.
//!
//! On Linux, [`linux`] adds what only Linux has: `mremap`,
//! `MADV_POPULATE_WRITE`, `MADV_HUGEPAGE`, `MAP_NORESERVE` and the
//! `MADV_DONTNEED` decommit, unless the crate is built with
//! `--cfg mapped_portable`, which makes Linux take exactly the path of the
//! other Unixes (so that path is tested where the tests run).

#[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
#[path = "posix/linux.rs"]
mod linux;

use std::io;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Whether the OS maps memory: here, always.
pub(super) const HAS_MAPPINGS: bool = true;

/// Whether remap and populate have calls: Linux's own, not the portable
/// path's.
pub(super) const REMAPS: bool = cfg!(all(
    any(target_os = "linux", target_os = "android"),
    not(mapped_portable)
));
pub(super) const POPULATES: bool = REMAPS;

/// The errors the crate's own failures stand for (what a failpoint
/// returns): out of memory, an invalid argument, no space left, an I/O
/// error.
pub(super) const OUT_OF_MEMORY: i32 = libc::ENOMEM;
pub(super) const INVALID_ARGUMENT: i32 = libc::EINVAL;
#[cfg(feature = "file")]
pub(super) const NO_SPACE: i32 = libc::ENOSPC;
#[cfg(feature = "file")]
pub(super) const IO_ERROR: i32 = libc::EIO;

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

/// The flags of every anonymous mapping made here: Linux adds
/// `MAP_NORESERVE`.
fn anonymous() -> libc::c_int {
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
    return libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | linux::NORESERVE;
    #[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable))))]
    return libc::MAP_PRIVATE | libc::MAP_ANON;
}

fn check(ret: libc::c_int) -> io::Result<()> {
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
unsafe fn map(at: Option<NonNull<u8>>, len: usize, prot: libc::c_int) -> io::Result<NonNull<u8>> {
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
/// `[addr, addr + len)` is page-aligned, inside one reservation, and unused.
pub(super) unsafe fn decommit(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
    // SAFETY: as this function's.
    return unsafe { linux::decommit(addr, len) };
    #[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable))))]
    // SAFETY: the range is ours and unused (caller): fresh PROT_NONE pages
    // replace it, and its old pages go back to the OS at once.
    return unsafe { map(Some(addr), len, libc::PROT_NONE) }.map(|_| ());
}

/// # Safety
/// `addr`/`len` are exactly one live reservation that nothing uses again.
pub(super) unsafe fn release(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: the caller gives up the whole reservation.
    check(unsafe { libc::munmap(addr.as_ptr().cast(), len) })
}

/// Faults in a committed range for writing, in one call. Says
/// [`io::ErrorKind::Unsupported`] where the kernel cannot.
///
/// # Safety
/// `[addr, addr + len)` is page-aligned and committed.
pub(super) unsafe fn populate(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
    // SAFETY: as this function's.
    return unsafe { linux::populate(addr, len) };
    #[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable))))]
    {
        let _ = (addr, len);
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Asks for transparent huge pages over a reservation.
///
/// # Safety
/// `[addr, addr + len)` is one reservation of ours.
pub(super) unsafe fn advise_huge_pages(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
    // SAFETY: as this function's.
    return unsafe { linux::advise_huge_pages(addr, len) };
    #[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable))))]
    {
        let _ = (addr, len);
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Moves the committed prefix of a reservation into a fresh, larger one
/// without copying: Linux only; elsewhere [`io::ErrorKind::Unsupported`]
/// (the container copies instead).
///
/// # Safety
/// As `Mapper::remap`.
pub(super) unsafe fn remap(
    old: NonNull<u8>,
    old_len: usize,
    committed: usize,
    new_len: usize,
) -> io::Result<NonNull<u8>> {
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
    // SAFETY: as this function's.
    return unsafe { linux::remap(old, old_len, committed, new_len) };
    #[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable))))]
    {
        let _ = (old, old_len, committed, new_len);
        Err(io::ErrorKind::Unsupported.into())
    }
}

// ---- The unguarded mapper's calls (see `super::unguarded`) ----

/// Maps `len` bytes readable and writable, anonymous and private: one
/// kernel mapping, which merges with its neighbours.
pub(super) fn map_rw(len: usize) -> io::Result<NonNull<u8>> {
    // SAFETY: no fixed address: nothing of ours is replaced.
    unsafe { map(None, len, libc::PROT_READ | libc::PROT_WRITE) }
}

/// Faults `[addr, addr + len)` of a read-write mapping in for writing, so
/// that a refusal (no memory) is an error now rather than a fault at the
/// first write. `Ok(false)` where the kernel cannot: the pages are already
/// readable and writable and fault in when first written, as any
/// anonymous memory does.
///
/// # Safety
/// `[addr, addr + len)` is page-aligned and inside one mapping of ours made
/// by [`map_rw`], whose bytes its owner allows to be faulted in (populating
/// never changes contents).
pub(super) unsafe fn populate_rw(addr: NonNull<u8>, len: usize) -> io::Result<bool> {
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
    // SAFETY: as this function's.
    return unsafe { linux::populate_rw(addr, len) };
    #[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable))))]
    {
        let _ = (addr, len);
        Ok(false)
    }
}

/// Whether [`populate_rw`] faults pages in on this kernel.
pub(super) fn populates_rw() -> bool {
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
    return linux::populates();
    #[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable))))]
    return false;
}

/// Gives the physical pages of `[addr, addr + len)` back and leaves the
/// range readable and writable (it reads as zeros), in the same mapping.
///
/// # Safety
/// `[addr, addr + len)` is page-aligned, inside one mapping of ours made
/// by [`map_rw`], and unused.
pub(super) unsafe fn discard(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
    // SAFETY: as this function's.
    return unsafe { linux::discard(addr, len) };
    #[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable))))]
    // SAFETY: the range is ours and unused (caller): fresh read-write
    // pages replace it, as the rest of its mapping is.
    return unsafe { map(Some(addr), len, libc::PROT_READ | libc::PROT_WRITE) }.map(|_| ());
}

/// Grows the mapping `[addr, addr + old_len)` to `new_len` bytes where it
/// is, copying nothing: Linux only (`mremap` without `MREMAP_MAYMOVE`);
/// elsewhere [`io::ErrorKind::Unsupported`].
///
/// # Safety
/// `addr`/`old_len` are exactly one live mapping of ours; `old_len < new_len`.
pub(super) unsafe fn grow_in_place(
    addr: NonNull<u8>,
    old_len: usize,
    new_len: usize,
) -> io::Result<()> {
    #[cfg(all(any(target_os = "linux", target_os = "android"), not(mapped_portable)))]
    // SAFETY: as this function's.
    return unsafe { linux::grow_in_place(addr, old_len, new_len) };
    #[cfg(not(all(any(target_os = "linux", target_os = "android"), not(mapped_portable))))]
    {
        let _ = (addr, old_len, new_len);
        Err(io::ErrorKind::Unsupported.into())
    }
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
