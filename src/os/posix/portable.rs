//! What macOS, the BSDs and every other Unix take (and Linux built with
//! `--cfg mapped_portable`): a decommit by fresh pages mapped over the
//! range, and none of Linux's own calls.

use super::map;
use std::io;
use std::ptr::NonNull;

pub(in crate::os) use crate::os::unsupported::{advise_huge_pages, grow_in_place, populate, remap};

/// No `MAP_NORESERVE`: FreeBSD has none, and a `PROT_NONE` reservation is
/// not charged where it matters (Linux's strict overcommit charges only
/// writable private mappings).
pub(in crate::os) const NORESERVE: libc::c_int = 0;

/// Neither remap nor populate has a call here.
pub(in crate::os) const REMAPS: bool = false;
pub(in crate::os) const POPULATES: bool = false;

/// Fresh `PROT_NONE` pages replace the range (`MAP_FIXED`): its old pages
/// go back to the OS at once, and any access faults.
///
/// # Safety
/// `[addr, addr + len)` is page-aligned, inside one reservation, and unused.
pub(in crate::os) unsafe fn decommit(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: the range is ours and unused (caller): nothing in it is read
    // again before it is committed anew.
    unsafe { map(Some(addr), len, libc::PROT_NONE) }.map(|_| ())
}

/// Nothing to fault in ahead: the pages of a read-write mapping fault in
/// when first written, as any anonymous memory's.
///
/// # Safety
/// Nothing: the call does nothing.
pub(in crate::os) unsafe fn populate_rw(_addr: NonNull<u8>, _len: usize) -> io::Result<bool> {
    Ok(false)
}

/// [`populate_rw`] never faults pages in here.
pub(in crate::os) fn populates_rw() -> bool {
    false
}

/// Fresh read-write pages replace the range (`MAP_FIXED`): its old pages
/// go back to the OS at once, and it reads as zeros.
///
/// # Safety
/// `[addr, addr + len)` is page-aligned, inside one mapping of ours made
/// by `map_rw`, and unused.
pub(in crate::os) unsafe fn discard(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: the range is ours and unused (caller): fresh read-write
    // pages replace it, as the rest of its mapping is.
    unsafe { map(Some(addr), len, libc::PROT_READ | libc::PROT_WRITE) }.map(|_| ())
}
