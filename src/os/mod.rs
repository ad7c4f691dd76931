//! The operating system's virtual memory, behind [`Mapper`]: the only module
//! that calls libc.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as sys;

#[cfg(not(unix))]
compile_error!("mapped supports Unix-like systems only for now (it needs mmap/mprotect/madvise)");

use crate::failpoints;
use crate::mapper::Mapper;
use std::io;
use std::ptr::NonNull;

pub(crate) use sys::at_fork;

/// The operating system's mapper: `mmap`, `mprotect`, `madvise`, `munmap`
/// and, on Linux, `mremap`.
///
/// | operation | system calls |
/// |---|---|
/// | reserve | `mmap(PROT_NONE, MAP_PRIVATE \| MAP_ANONYMOUS \| MAP_NORESERVE)` |
/// | commit | `mprotect(PROT_READ \| PROT_WRITE)` |
/// | decommit | `madvise(MADV_DONTNEED)` then `mprotect(PROT_NONE)` |
/// | release | `munmap` |
/// | populate (Linux, a hint) | `madvise(MADV_POPULATE_WRITE)` |
/// | huge pages (Linux, a hint) | `madvise(MADV_HUGEPAGE)` |
/// | remap (Linux) | `mmap` a new reservation, `mremap(MREMAP_MAYMOVE \| MREMAP_FIXED)` the committed prefix into it, `munmap` the old tail |
///
/// Reserving costs no physical memory and no commit charge, even under
/// strict overcommit. Each live container holds at most two kernel mappings
/// (its committed prefix and its reserved tail), so `vm.max_map_count`
/// (65530 by default on Linux) bounds how many containers can live at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OsMapper;

/// The OS mapper: what [`MappedVector::new(MAPPER)`](crate::MappedVector::new) uses.
pub const MAPPER: OsMapper = OsMapper;

// SAFETY: each method forwards to the system call that keeps the trait's
// promise (see `sys`); the page size comes from `sysconf`, a power of two
// fixed for the process's life.
unsafe impl Mapper for OsMapper {
    #[inline]
    fn page_size(&self) -> usize {
        sys::page_size()
    }

    fn name(&self) -> &'static str {
        "os"
    }

    fn reserve(&self, len: usize) -> io::Result<NonNull<u8>> {
        if let Some(injected) = failpoints::RESERVE.os_error(libc::ENOMEM) {
            return Err(injected);
        }
        sys::reserve(len)
    }

    unsafe fn commit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if let Some(injected) = failpoints::COMMIT.os_error(libc::ENOMEM) {
            return Err(injected);
        }
        // SAFETY: the caller passes a range inside one of our reservations.
        unsafe { sys::commit(addr, len) }
    }

    unsafe fn decommit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if let Some(injected) = failpoints::DECOMMIT.os_error(libc::ENOMEM) {
            return Err(injected);
        }
        // SAFETY: as for `commit`; the caller no longer uses the range.
        unsafe { sys::decommit(addr, len) }
    }

    unsafe fn release(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if let Some(injected) = failpoints::RELEASE.os_error(libc::EINVAL) {
            return Err(injected);
        }
        // SAFETY: the caller passes exactly one live reservation it is done with.
        unsafe { sys::release(addr, len) }
    }

    unsafe fn remap(
        &self,
        old: NonNull<u8>,
        old_len: usize,
        committed: usize,
        new_len: usize,
    ) -> io::Result<NonNull<u8>> {
        if let Some(injected) = failpoints::REMAP.os_error(libc::ENOMEM) {
            return Err(injected);
        }
        // SAFETY: the caller upholds `Mapper::remap`'s contract.
        unsafe { sys::remap(old, old_len, committed, new_len) }
    }

    unsafe fn populate(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if let Some(injected) = failpoints::POPULATE.os_error(libc::ENOMEM) {
            return Err(injected);
        }
        // SAFETY: the caller passes a committed range of ours.
        unsafe { sys::populate(addr, len) }
    }

    unsafe fn advise_huge_pages(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        // SAFETY: the caller passes one reservation of ours.
        unsafe { sys::advise_huge_pages(addr, len) }
    }
}
