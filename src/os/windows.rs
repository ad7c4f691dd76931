//! The Win32 virtual-memory calls (`VirtualAlloc`, `VirtualFree`), through
//! `windows-sys`.
//!
//! Windows commits as this crate does: reserve address space
//! (`MEM_RESERVE`), commit pages in it (`MEM_COMMIT`, charged against the
//! commit limit then, so a refusal is an error at commit time), decommit
//! them (`MEM_DECOMMIT`: the pages go back, and an access faults), release
//! the whole reservation (`MEM_RELEASE`). It has no remap (a window move
//! copies), no populate hint worth a call for fresh pages, and no limit
//! like Linux's `vm.max_map_count` on how many reservations a process
//! holds. A reservation starts on a 64 KiB boundary (the allocation
//! granularity): one shorter than that still takes 64 KiB of address
//! space, so [`reserve`] rounds every length up to it and the whole block
//! is usable.

pub(super) use super::unsupported::{advise_huge_pages, grow_in_place, populate, remap};
use std::io;
use std::ptr::{self, NonNull};
use std::sync::atomic::{AtomicUsize, Ordering};
use windows_sys::Win32::Foundation::{
    ERROR_COMMITMENT_LIMIT, ERROR_INVALID_PARAMETER, ERROR_NOT_ENOUGH_MEMORY, ERROR_OUTOFMEMORY,
};
#[cfg(feature = "file")]
use windows_sys::Win32::Foundation::{ERROR_DISK_FULL, ERROR_IO_DEVICE};
use windows_sys::Win32::System::Memory::{
    VirtualAlloc, VirtualFree, MEM_COMMIT, MEM_DECOMMIT, MEM_RELEASE, MEM_RESERVE, PAGE_NOACCESS,
    PAGE_PROTECTION_FLAGS, PAGE_READWRITE, VIRTUAL_ALLOCATION_TYPE,
};
use windows_sys::Win32::System::SystemInformation::{GetSystemInfo, SYSTEM_INFO};

/// Whether the OS maps memory: here, always; it neither remaps nor
/// populates.
pub(super) const HAS_MAPPINGS: bool = true;
pub(super) const REMAPS: bool = false;
pub(super) const POPULATES: bool = false;

/// The errors the crate's own failures stand for (what a failpoint
/// returns): out of memory (the commit limit), an invalid argument, no
/// space left, an I/O error.
pub(crate) const OUT_OF_MEMORY: i32 = ERROR_COMMITMENT_LIMIT as i32;
pub(crate) const INVALID_ARGUMENT: i32 = ERROR_INVALID_PARAMETER as i32;
#[cfg(feature = "file")]
pub(crate) const NO_SPACE: i32 = ERROR_DISK_FULL as i32;
#[cfg(feature = "file")]
pub(crate) const IO_ERROR: i32 = ERROR_IO_DEVICE as i32;

/// Whether `error` says the commit limit was reached or memory ran out.
pub(super) fn is_out_of_memory(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error().map(|e| e as u32),
        Some(ERROR_COMMITMENT_LIMIT | ERROR_NOT_ENOUGH_MEMORY | ERROR_OUTOFMEMORY)
    )
}

/// The page size and the allocation granularity, read once.
static PAGE_SIZE: AtomicUsize = AtomicUsize::new(0);
static GRANULARITY: AtomicUsize = AtomicUsize::new(0);

#[cold]
fn read_system_info() {
    // SAFETY: SYSTEM_INFO is plain data; GetSystemInfo only writes it.
    let info = unsafe {
        let mut info: SYSTEM_INFO = std::mem::zeroed();
        GetSystemInfo(&mut info);
        info
    };
    let page = match info.dwPageSize as usize {
        size if size.is_power_of_two() => size,
        _ => 4096,
    };
    let granularity = (info.dwAllocationGranularity as usize).max(page);
    GRANULARITY.store(granularity, Ordering::Relaxed);
    PAGE_SIZE.store(page, Ordering::Relaxed);
}

/// The system page size (4 KiB on x86-64 and ARM64 Windows).
#[inline]
pub(super) fn page_size() -> usize {
    match PAGE_SIZE.load(Ordering::Relaxed) {
        0 => {
            read_system_info();
            PAGE_SIZE.load(Ordering::Relaxed)
        }
        size => size,
    }
}

/// The allocation granularity (64 KiB): where reservations start.
fn granularity() -> usize {
    page_size();
    GRANULARITY.load(Ordering::Relaxed)
}

/// `VirtualAlloc`, its error turned into an `io::Error`.
///
/// # Safety
/// With an address, the range lies in one reservation of ours (and, for a
/// commit, is page-aligned).
unsafe fn virtual_alloc(
    addr: Option<NonNull<u8>>,
    len: usize,
    kind: VIRTUAL_ALLOCATION_TYPE,
    protect: PAGE_PROTECTION_FLAGS,
) -> io::Result<NonNull<u8>> {
    let at = addr.map_or(ptr::null(), |a| a.as_ptr().cast_const().cast());
    // SAFETY: without an address, a fresh range of the system's choosing;
    // with one, a range of ours (caller).
    let got = unsafe { VirtualAlloc(at, len, kind, protect) };
    NonNull::new(got.cast()).ok_or_else(io::Error::last_os_error)
}

/// `VirtualFree`, its error turned into an `io::Error`.
///
/// # Safety
/// The range is ours (for `MEM_RELEASE`, `addr` is a reservation's base and
/// `len` is 0) and nothing in it is used again.
unsafe fn virtual_free(addr: NonNull<u8>, len: usize, kind: u32) -> io::Result<()> {
    // SAFETY: the caller's promise.
    match unsafe { VirtualFree(addr.as_ptr().cast(), len, kind) } {
        0 => Err(io::Error::last_os_error()),
        _ => Ok(()),
    }
}

/// Rounds `len` up to the allocation granularity (its tail up to the next
/// 64 KiB would be unusable otherwise).
fn whole_blocks(len: usize) -> io::Result<usize> {
    let g = granularity();
    len.checked_add(g - 1)
        .map(|l| l & !(g - 1))
        .ok_or_else(|| io::Error::from_raw_os_error(ERROR_NOT_ENOUGH_MEMORY as i32))
}

pub(super) fn reserve(len: usize) -> io::Result<NonNull<u8>> {
    // SAFETY: no address: a fresh range of the system's choosing.
    unsafe { virtual_alloc(None, whole_blocks(len)?, MEM_RESERVE, PAGE_NOACCESS) }
        .map_err(address_space_full)
}

/// A reservation's only argument that can be wrong is its length: one the
/// address space cannot hold is answered `ERROR_INVALID_PARAMETER`, which
/// is a want of address space, as `mmap`'s `ENOMEM` is on Unix.
fn address_space_full(error: io::Error) -> io::Error {
    match error.raw_os_error().map(|e| e as u32) {
        Some(ERROR_INVALID_PARAMETER) => {
            io::Error::from_raw_os_error(ERROR_NOT_ENOUGH_MEMORY as i32)
        }
        _ => error,
    }
}

/// # Safety
/// `[addr, addr + len)` is page-aligned and inside one reservation.
pub(super) unsafe fn commit(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: the range is ours (caller); committing touches no other.
    unsafe { virtual_alloc(Some(addr), len, MEM_COMMIT, PAGE_READWRITE) }.map(|_| ())
}

/// # Safety
/// `[addr, addr + len)` is page-aligned, inside one reservation, and unused.
pub(super) unsafe fn decommit(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: the range is ours and unused (caller); its pages go back to
    // the system and any access to them faults until they are committed.
    unsafe { virtual_free(addr, len, MEM_DECOMMIT) }
}

/// # Safety
/// `addr`/`len` are exactly one live reservation that nothing uses again.
pub(super) unsafe fn release(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    let _ = len;
    // SAFETY: `addr` is the base of one of our reservations, given up
    // whole (MEM_RELEASE takes a length of 0).
    unsafe { virtual_free(addr, 0, MEM_RELEASE) }
}

// No populate (freshly committed pages are zero pages the first write
// faults in, and `PrefetchVirtualMemory` brings in only pages with
// contents), no huge-page advice (large pages need a privilege and commit
// the whole range at once), no remap, no growth in place: see
// `unsupported`.

// ---- The unguarded mapper's calls (see `super::unguarded`) ----

/// Reserves and commits `len` bytes at once, readable and writable: the
/// whole range counts against the commit limit from here on.
pub(super) fn map_rw(len: usize) -> io::Result<NonNull<u8>> {
    // SAFETY: no address: a fresh range of the system's choosing.
    unsafe {
        virtual_alloc(
            None,
            whole_blocks(len)?,
            MEM_RESERVE | MEM_COMMIT,
            PAGE_READWRITE,
        )
    }
    .map_err(address_space_full)
}

/// The range was committed when mapped: nothing to fault in ahead.
///
/// # Safety
/// Nothing: the call does nothing.
pub(super) unsafe fn populate_rw(_addr: NonNull<u8>, _len: usize) -> io::Result<bool> {
    Ok(false)
}

pub(super) fn populates_rw() -> bool {
    false
}

/// Decommits the range and commits it again: its pages go back, and it
/// stays readable and writable (reading zeros).
///
/// # Safety
/// `[addr, addr + len)` is page-aligned, inside one mapping of ours made
/// by [`map_rw`], and unused.
pub(super) unsafe fn discard(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: the range is ours and unused (caller); committing it again
    // makes it what the rest of its mapping is.
    unsafe {
        virtual_free(addr, len, MEM_DECOMMIT)?;
        virtual_alloc(Some(addr), len, MEM_COMMIT, PAGE_READWRITE).map(|_| ())
    }
}

/// Windows has no small limit on the reservations a process holds.
pub(super) fn mapping_limit() -> Option<usize> {
    None
}
