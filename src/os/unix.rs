//! `mmap`-family system calls for Unix-like systems.

use std::io;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicUsize, Ordering};

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

#[cfg(any(target_os = "linux", target_os = "android"))]
const NORESERVE: libc::c_int = libc::MAP_NORESERVE;
#[cfg(not(any(target_os = "linux", target_os = "android")))]
const NORESERVE: libc::c_int = 0;

fn check(ret: libc::c_int) -> io::Result<()> {
    if ret == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

pub(super) fn reserve(len: usize) -> io::Result<NonNull<u8>> {
    // SAFETY: an anonymous PROT_NONE mapping at an address of the kernel's
    // choosing touches no existing memory.
    let addr = unsafe {
        libc::mmap(
            ptr::null_mut(),
            len,
            libc::PROT_NONE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | NORESERVE,
            -1,
            0,
        )
    };
    if addr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    NonNull::new(addr.cast()).ok_or_else(|| io::Error::other("mmap returned null"))
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
    // SAFETY: the range is ours and unused (caller): dropping its pages and
    // protecting it affects nothing else.
    unsafe {
        check(libc::madvise(
            addr.as_ptr().cast(),
            len,
            libc::MADV_DONTNEED,
        ))?;
        check(libc::mprotect(addr.as_ptr().cast(), len, libc::PROT_NONE))
    }
}

/// # Safety
/// `addr`/`len` are exactly one live reservation that nothing uses again.
pub(super) unsafe fn release(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: the caller gives up the whole reservation.
    check(unsafe { libc::munmap(addr.as_ptr().cast(), len) })
}

/// `MADV_POPULATE_WRITE` (Linux 5.14); libc names it only on some targets.
#[cfg(any(target_os = "linux", target_os = "android"))]
const MADV_POPULATE_WRITE: libc::c_int = 23;

/// Faults in a committed range for writing, in one call. Says
/// [`io::ErrorKind::Unsupported`] where the kernel cannot (Linux before 5.14
/// answers `EINVAL`; it is asked once, then never again).
///
/// # Safety
/// `[addr, addr + len)` is page-aligned and committed.
pub(super) unsafe fn populate(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        use std::sync::atomic::AtomicBool;
        static UNSUPPORTED: AtomicBool = AtomicBool::new(false);
        if UNSUPPORTED.load(Ordering::Relaxed) {
            return Err(io::ErrorKind::Unsupported.into());
        }
        // SAFETY: the range is ours and committed; populating only faults in
        // its pages, as the writes that follow would.
        let result =
            check(unsafe { libc::madvise(addr.as_ptr().cast(), len, MADV_POPULATE_WRITE) });
        match result {
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                UNSUPPORTED.store(true, Ordering::Relaxed);
                Err(io::ErrorKind::Unsupported.into())
            }
            other => other,
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
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
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        // SAFETY: the range is ours; the advice changes how it is backed,
        // never its contents.
        check(unsafe { libc::madvise(addr.as_ptr().cast(), len, libc::MADV_HUGEPAGE) })
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = (addr, len);
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Moves the committed prefix of a reservation into a fresh, larger one.
///
/// `mremap` of the whole reservation fails with `EFAULT` because its
/// committed prefix and reserved tail are separate mappings; so reserve the
/// new range, move only the prefix over its start with `MREMAP_FIXED`, and
/// unmap the old tail.
///
/// # Safety
/// As `Mapper::remap`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) unsafe fn remap(
    old: NonNull<u8>,
    old_len: usize,
    committed: usize,
    new_len: usize,
) -> io::Result<NonNull<u8>> {
    let new = reserve(new_len)?;
    if committed > 0 {
        // SAFETY: `[old, old + committed)` is one RW mapping of ours and
        // `new` a reservation of ours at least `committed` long; MREMAP_FIXED
        // replaces the start of that reservation and unmaps the source.
        let moved = unsafe {
            libc::mremap(
                old.as_ptr().cast(),
                committed,
                committed,
                libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED,
                new.as_ptr().cast::<libc::c_void>(),
            )
        };
        if moved == libc::MAP_FAILED {
            let err = io::Error::last_os_error();
            // SAFETY: `new` is the reservation made above, unused.
            let _ = unsafe { release(new, new_len) };
            return Err(err);
        }
    }
    if old_len > committed {
        // SAFETY: the old reservation's tail is ours and holds nothing.
        // A failure leaks address space only; the move already happened.
        let _ = unsafe { release(old.add(committed), old_len - committed) };
    }
    Ok(new)
}

/// # Safety
/// As `Mapper::remap`.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) unsafe fn remap(
    _old: NonNull<u8>,
    _old_len: usize,
    _committed: usize,
    _new_len: usize,
) -> io::Result<NonNull<u8>> {
    Err(io::ErrorKind::Unsupported.into())
}

/// Registers handlers that run around every `fork()` in this process: in
/// the forking thread just before, and in the parent and the child just
/// after.
pub(super) fn at_fork(
    prepare: extern "C" fn(),
    parent: extern "C" fn(),
    child: extern "C" fn(),
) -> io::Result<()> {
    // SAFETY: the handlers are plain functions that live as long as the
    // process (they are never unregistered).
    match unsafe { libc::pthread_atfork(Some(prepare), Some(parent), Some(child)) } {
        0 => Ok(()),
        error => Err(io::Error::from_raw_os_error(error)),
    }
}

/// `pthread_self()`: no thread-local involved, so it works in a
/// thread-local destructor and in a fork handler.
#[inline]
pub(super) fn thread_id() -> usize {
    // SAFETY: pthread_self has no preconditions.
    unsafe { libc::pthread_self() as usize }
}

// ---- The unguarded mapper's calls (see `super::unguarded`) ----

/// Maps `len` bytes readable and writable, anonymous, private and
/// `MAP_NORESERVE`: one kernel mapping, which merges with its neighbours.
pub(super) fn map_rw(len: usize) -> io::Result<NonNull<u8>> {
    // SAFETY: an anonymous mapping at an address of the kernel's choosing
    // touches no existing memory.
    let addr = unsafe {
        libc::mmap(
            ptr::null_mut(),
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | NORESERVE,
            -1,
            0,
        )
    };
    if addr == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    NonNull::new(addr.cast()).ok_or_else(|| io::Error::other("mmap returned null"))
}

/// Whether the kernel answered `MADV_POPULATE_WRITE` with `EINVAL` (before
/// Linux 5.14) on a read-write mapping: then commits fault nothing in.
#[cfg(any(target_os = "linux", target_os = "android"))]
static NO_POPULATE_WRITE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Faults `[addr, addr + len)` of a read-write mapping in for writing, so
/// that a refusal (no memory) is an error now rather than a fault at the
/// first write. Returns `Ok(false)` where the kernel cannot (`EINVAL`:
/// Linux before 5.14, or not Linux): the pages are already readable and
/// writable and fault in when first written, as any anonymous memory does.
///
/// # Safety
/// `[addr, addr + len)` is page-aligned and inside one mapping of ours made
/// by [`map_rw`], whose bytes its owner allows to be faulted in (populating
/// never changes contents).
pub(super) unsafe fn populate_rw(addr: NonNull<u8>, len: usize) -> io::Result<bool> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        if NO_POPULATE_WRITE.load(Ordering::Relaxed) {
            return Ok(false);
        }
        // SAFETY: the range is ours and read-write (caller); populating only
        // faults its pages in, keeping their contents.
        let result =
            check(unsafe { libc::madvise(addr.as_ptr().cast(), len, MADV_POPULATE_WRITE) });
        match result {
            // On a read-write anonymous mapping, EINVAL means only that the
            // kernel does not know the advice.
            Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
                NO_POPULATE_WRITE.store(true, Ordering::Relaxed);
                Ok(false)
            }
            Err(e) => Err(e),
            Ok(()) => Ok(true),
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = (addr, len);
        Ok(false)
    }
}

/// Whether [`populate_rw`] faults pages in on this kernel (false once it
/// has answered `EINVAL`, and off Linux).
pub(super) fn populates_rw() -> bool {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        !NO_POPULATE_WRITE.load(Ordering::Relaxed)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        false
    }
}

/// Gives the physical pages of `[addr, addr + len)` back with
/// `MADV_DONTNEED` and changes no protection: the range stays readable and
/// writable (it reads as zeros), and the mapping does not split.
///
/// # Safety
/// `[addr, addr + len)` is page-aligned, inside one mapping of ours, and
/// unused.
pub(super) unsafe fn discard(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: the range is ours and unused (caller): dropping its pages
    // affects nothing else.
    check(unsafe { libc::madvise(addr.as_ptr().cast(), len, libc::MADV_DONTNEED) })
}

/// Grows the mapping `[addr, addr + old_len)` to `new_len` bytes where it
/// is, with `mremap` and no `MREMAP_MAYMOVE`: no page moves, no byte is
/// copied, and the mapping keeps merging with its neighbours. Fails (with
/// `ENOMEM`, the mapping unchanged) when the address range after it is not
/// free, and says [`io::ErrorKind::Unsupported`] off Linux.
///
/// # Safety
/// `addr`/`old_len` are exactly one live mapping of ours; `old_len < new_len`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub(super) unsafe fn grow_in_place(
    addr: NonNull<u8>,
    old_len: usize,
    new_len: usize,
) -> io::Result<()> {
    // SAFETY: the mapping is ours (caller); without MREMAP_MAYMOVE mremap
    // only extends it over free address space, or fails and changes nothing.
    let moved = unsafe { libc::mremap(addr.as_ptr().cast(), old_len, new_len, 0) };
    if moved == libc::MAP_FAILED {
        return Err(io::Error::last_os_error());
    }
    debug_assert_eq!(moved.cast::<u8>(), addr.as_ptr());
    Ok(())
}

/// # Safety
/// As the Linux version.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(super) unsafe fn grow_in_place(
    _addr: NonNull<u8>,
    _old_len: usize,
    _new_len: usize,
) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

/// What `vm.max_map_count` falls back to where it cannot be read: Linux's
/// default.
// Read by the kernel-mapping budget (issue 19), which is still to come.
pub(super) const DEFAULT_MAX_MAP_COUNT: usize = 65530;

/// The kernel's limit on mappings per process, `vm.max_map_count`, from
/// `/proc/sys/vm/max_map_count`; [`DEFAULT_MAX_MAP_COUNT`] where it cannot
/// be read or parsed.
pub(super) fn max_map_count() -> usize {
    std::fs::read_to_string("/proc/sys/vm/max_map_count")
        .ok()
        .and_then(|s| s.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
        .unwrap_or(DEFAULT_MAX_MAP_COUNT)
}
