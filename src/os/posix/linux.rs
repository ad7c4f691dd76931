//! What only Linux has, for the crate's Linux path (not taken under
//! `--cfg mapped_portable`): `MAP_NORESERVE`, a decommit by
//! `MADV_DONTNEED`, `mremap`, `MADV_POPULATE_WRITE` and `MADV_HUGEPAGE`.

use super::{check, release, reserve};

/// Both remap and populate have their calls here.
pub(in crate::os) const REMAPS: bool = true;
pub(in crate::os) const POPULATES: bool = true;
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, Ordering};

/// Reservations cost no commit charge even under heuristic overcommit.
pub(in crate::os) const NORESERVE: libc::c_int = libc::MAP_NORESERVE;

/// `MADV_DONTNEED` gives the pages back (on Linux it frees them at once;
/// a later access would read zeros), then `mprotect(PROT_NONE)` makes any
/// access fault.
///
/// # Safety
/// `[addr, addr + len)` is page-aligned, inside one reservation, and unused.
pub(in crate::os) unsafe fn decommit(addr: NonNull<u8>, len: usize) -> io::Result<()> {
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

/// Whether the kernel answered `MADV_POPULATE_WRITE` with `EINVAL` (before
/// Linux 5.14): then it is never asked again.
static NO_POPULATE_WRITE: AtomicBool = AtomicBool::new(false);

/// Faults a readable and writable range in for writing with
/// `MADV_POPULATE_WRITE`, keeping its contents: `Ok(false)`, and never
/// again a call, where the kernel does not know the advice (Linux before
/// 5.14 answers `EINVAL`).
///
/// # Safety
/// `[addr, addr + len)` is page-aligned and readable and writable, and
/// its owner allows its pages to be faulted in.
unsafe fn populate_write(addr: NonNull<u8>, len: usize) -> io::Result<bool> {
    if NO_POPULATE_WRITE.load(Ordering::Relaxed) {
        return Ok(false);
    }
    // SAFETY: the range is ours and read-write (caller); populating only
    // faults its pages in, keeping their contents.
    let result =
        check(unsafe { libc::madvise(addr.as_ptr().cast(), len, libc::MADV_POPULATE_WRITE) });
    match result {
        // On a readable and writable range, EINVAL means only that the
        // kernel does not know the advice.
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => {
            NO_POPULATE_WRITE.store(true, Ordering::Relaxed);
            Ok(false)
        }
        Err(e) => Err(e),
        Ok(()) => Ok(true),
    }
}

/// Whether [`populate_write`] faults pages in on this kernel.
pub(in crate::os) fn populates_rw() -> bool {
    !NO_POPULATE_WRITE.load(Ordering::Relaxed)
}

/// # Safety
/// `[addr, addr + len)` is page-aligned and committed.
pub(in crate::os) unsafe fn populate(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: a committed range is readable and writable.
    match unsafe { populate_write(addr, len) }? {
        true => Ok(()),
        false => Err(io::ErrorKind::Unsupported.into()),
    }
}

/// # Safety
/// As [`super::populate_rw`].
pub(in crate::os) unsafe fn populate_rw(addr: NonNull<u8>, len: usize) -> io::Result<bool> {
    // SAFETY: the caller's promise, which is this function's.
    unsafe { populate_write(addr, len) }
}

/// # Safety
/// `[addr, addr + len)` is one reservation of ours.
pub(in crate::os) unsafe fn advise_huge_pages(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: the range is ours; the advice changes how it is backed,
    // never its contents.
    check(unsafe { libc::madvise(addr.as_ptr().cast(), len, libc::MADV_HUGEPAGE) })
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
pub(in crate::os) unsafe fn remap(
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

/// `MADV_DONTNEED`, with no protection change: the range stays readable
/// and writable (it reads as zeros), and the mapping does not split.
///
/// # Safety
/// `[addr, addr + len)` is page-aligned, inside one mapping of ours, and
/// unused.
pub(in crate::os) unsafe fn discard(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: the range is ours and unused (caller): dropping its pages
    // affects nothing else.
    check(unsafe { libc::madvise(addr.as_ptr().cast(), len, libc::MADV_DONTNEED) })
}

/// `mremap` without `MREMAP_MAYMOVE`: no page moves, no byte is copied,
/// and the mapping keeps merging with its neighbours. Fails (with
/// `ENOMEM`, the mapping unchanged) when the address range after it is
/// not free.
///
/// # Safety
/// `addr`/`old_len` are exactly one live mapping of ours; `old_len < new_len`.
pub(in crate::os) unsafe fn grow_in_place(
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
