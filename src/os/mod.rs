//! The operating system's virtual memory, behind [`Mapper`]: the only module
//! that calls the OS. A leaf of the crate: it reports nothing itself (a
//! failpoint's failure travels up as the call's error, marked
//! [`Injected`](crate::failpoints::Injected)).
//!
//! One file per platform, as memmap2 does, each with the same functions:
//!
//! | file | where | |
//! |---|---|---|
//! | `posix.rs` | every Unix | `mmap`, `mprotect`, `munmap`; on Linux (`posix/linux.rs`) also `madvise`, `mremap`, unless built with `--cfg mapped_portable` |
//! | `windows.rs` | Windows | `VirtualAlloc`, `VirtualFree` |
//! | `none.rs` | anything else, or `--cfg mapped_no_mmap` | nothing: [`HAS_MAPPINGS`] is false, and containers on [`MAPPER`] stay on the heap |
//!
//! `threads.rs` has the calling thread's id and, on Unix, the fork
//! handlers' registration, on every target.

/// The file system calls of [`FileVector`](crate::FileVector).
#[cfg(feature = "file")]
pub(crate) mod file;
#[cfg(any(mapped_no_mmap, not(any(unix, windows))))]
mod none;
#[cfg(all(unix, not(mapped_no_mmap)))]
mod posix;
#[cfg(all(windows, not(mapped_no_mmap)))]
mod windows;

/// This target's calls: one of the files above.
#[cfg(any(mapped_no_mmap, not(any(unix, windows))))]
use none as sys;
#[cfg(all(unix, not(mapped_no_mmap)))]
use posix as sys;
#[cfg(all(windows, not(mapped_no_mmap)))]
use windows as sys;
mod threads;
mod unguarded;
#[cfg(not(all(
    any(target_os = "linux", target_os = "android"),
    not(mapped_portable),
    not(mapped_no_mmap)
)))]
mod unsupported;

#[cfg(unix)]
pub(crate) use threads::at_fork;
pub(crate) use threads::thread_id;
pub use unguarded::{UnguardedMapper, UNGUARDED};

use crate::failpoints;
use crate::mapper::Mapper;
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Whether this target maps memory at all: see [`OsMapper::MAPS`].
pub(crate) const HAS_MAPPINGS: bool = OsMapper::MAPS;

/// The raw OS errors the crate's own failures stand for, this platform's
/// (what a failpoint hands back): out of memory (`ENOMEM`; on Windows
/// `ERROR_COMMITMENT_LIMIT`), an invalid argument, and, for file vectors,
/// a full disk and an I/O failure.
pub(crate) use sys::{INVALID_ARGUMENT, OUT_OF_MEMORY};
#[cfg(feature = "file")]
pub(crate) use sys::{IO_ERROR, NO_SPACE};

/// The system page size, read once.
#[inline]
pub(crate) fn page_size() -> usize {
    sys::page_size()
}

/// Maps `len` bytes (page-aligned) readable and writable for the crate's
/// own bookkeeping (the chunks of `crate::slab`): one mapping, never a
/// container's, outside every mapper's telemetry.
pub(crate) fn map_chunk(len: usize) -> io::Result<NonNull<u8>> {
    sys::map_rw(len)
}

/// Unmaps a chunk [`map_chunk`] made.
///
/// # Safety
///
/// `addr` and `len` are exactly one chunk from [`map_chunk`], which
/// nothing uses again.
pub(crate) unsafe fn unmap_chunk(addr: NonNull<u8>, len: usize) -> io::Result<()> {
    // SAFETY: as the caller promises.
    unsafe { sys::release(addr, len) }
}

/// The kernel mappings the process may hold, where the OS has a small
/// limit on them (Linux's `vm.max_map_count`, read once); `None` where it
/// has none (macOS, the BSDs, Windows). (Not a `OnceLock`: a child forked
/// while its parent read it would wait forever; two threads reading it at
/// once is harmless.)
pub(crate) fn mapping_limit() -> Option<usize> {
    /// `usize::MAX` until read; 0 for none.
    static LIMIT: AtomicUsize = AtomicUsize::new(usize::MAX);
    match LIMIT.load(Ordering::Relaxed) {
        usize::MAX => {
            let limit = sys::mapping_limit();
            LIMIT.store(limit.unwrap_or(0), Ordering::Relaxed);
            limit
        }
        0 => None,
        limit => Some(limit),
    }
}

/// Whether `error` is the OS refusing for want of memory: `ENOMEM` on Unix
/// (which Linux also says when the process holds `vm.max_map_count`
/// mappings), the commit limit or out of memory on Windows.
pub(crate) fn is_enomem(error: &io::Error) -> bool {
    sys::is_out_of_memory(error)
}

/// The operating system's mapper: what [`MAPPER`] is.
///
/// | operation | Linux | macOS, the BSDs, other Unixes (and Linux with `--cfg mapped_portable`) | Windows |
/// |---|---|---|---|
/// | reserve | `mmap(PROT_NONE, MAP_NORESERVE)` | `mmap(PROT_NONE)` | `VirtualAlloc(MEM_RESERVE)`, in whole 64 KiB blocks |
/// | commit | `mprotect(PROT_READ \| PROT_WRITE)` | the same | `VirtualAlloc(MEM_COMMIT)` |
/// | decommit | `madvise(MADV_DONTNEED)`, `mprotect(PROT_NONE)` | `mmap(MAP_FIXED, PROT_NONE)` over the range: fresh pages replace the old, which go back at once | `VirtualFree(MEM_DECOMMIT)` |
/// | release | `munmap` | `munmap` | `VirtualFree(MEM_RELEASE)` |
/// | populate (a hint) | `madvise(MADV_POPULATE_WRITE)` (5.14+) | none: pages fault in when written | none |
/// | huge pages (a hint) | `madvise(MADV_HUGEPAGE)` | none | none |
/// | remap | `mremap(MREMAP_FIXED)` of the committed prefix into a new reservation | none: the container copies | none: the container copies |
///
/// On a target without mappings (`--cfg mapped_no_mmap` on any), every
/// call says [`io::ErrorKind::Unsupported`], and containers on [`MAPPER`]
/// live on the heap.
///
/// Reserving costs no physical memory and no commit charge. A decommit
/// gives the pages back and makes any access to them fault. On Linux each
/// live container holds up to two kernel mappings (its committed prefix
/// and its reserved tail), which `vm.max_map_count` (65530 by default)
/// bounds for the process; see [`set_mapping_budget`](crate::set_mapping_budget).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OsMapper;

impl OsMapper {
    /// Whether the OS mapper maps memory on this target. Where it does not
    /// (a target without virtual-memory mappings, or a build with
    /// `--cfg mapped_no_mmap`), every call says
    /// [`Unsupported`](io::ErrorKind::Unsupported) and containers on
    /// [`MAPPER`] never ask: they keep their contents on the heap, growing
    /// there as a `Vec` does.
    pub const MAPS: bool = sys::HAS_MAPPINGS;

    /// Whether [`remap`](Mapper::remap) moves a window without copying on
    /// this target (Linux's `mremap`); elsewhere it says
    /// [`Unsupported`](io::ErrorKind::Unsupported), and a container copies
    /// into its larger window.
    pub const REMAPS: bool = sys::REMAPS;

    /// Whether [`populate`](Mapper::populate) has a call on this target
    /// (Linux's `MADV_POPULATE_WRITE`, which a kernel before 5.14 still
    /// refuses: then it says `Unsupported`, once); elsewhere pages fault in
    /// when first written.
    pub const POPULATES: bool = sys::POPULATES;
}

/// [`OsMapper`]'s [`name`](Mapper::name): the `mapper` label of its
/// containers' metrics and spans.
pub(crate) const OS_MAPPER_NAME: &str = "os";

/// The OS mapper: what [`MappedVector::new(MAPPER)`](crate::MappedVector::new) uses.
pub const MAPPER: OsMapper = OsMapper;

// SAFETY: each method forwards to the system call that keeps the trait's
// promise (see `sys`); the page size is read from the system once, a power
// of two fixed for the process's life.
unsafe impl Mapper for OsMapper {
    #[inline]
    fn page_size(&self) -> usize {
        page_size()
    }

    fn name(&self) -> &'static str {
        OS_MAPPER_NAME
    }

    fn reserve(&self, len: usize) -> io::Result<NonNull<u8>> {
        failpoints::RESERVE.check()?;
        sys::reserve(len)
    }

    unsafe fn commit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        failpoints::COMMIT.check()?;
        // SAFETY: the caller passes a range inside one of our reservations.
        unsafe { sys::commit(addr, len) }
    }

    unsafe fn decommit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        failpoints::DECOMMIT.check()?;
        // SAFETY: as for `commit`; the caller no longer uses the range.
        unsafe { sys::decommit(addr, len) }
    }

    unsafe fn release(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        failpoints::RELEASE.check()?;
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
        failpoints::REMAP.check()?;
        // SAFETY: the caller upholds `Mapper::remap`'s contract.
        unsafe { sys::remap(old, old_len, committed, new_len) }
    }

    unsafe fn populate(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        failpoints::POPULATE.check()?;
        // SAFETY: the caller passes a committed range of ours.
        unsafe { sys::populate(addr, len) }
    }

    unsafe fn advise_huge_pages(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        // SAFETY: the caller passes one reservation of ours.
        unsafe { sys::advise_huge_pages(addr, len) }
    }
}
