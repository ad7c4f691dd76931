//! The operating system's virtual memory, behind [`Mapper`]: the only module
//! that calls libc. A leaf of the crate: it reports nothing itself (a
//! failpoint's failure travels up as the call's error, marked
//! [`Injected`](crate::failpoints::Injected)).
//!
//! One file per platform, as memmap2 does: `unix.rs` for Unix-like
//! systems, and `stub.rs` elsewhere, which compiles and says
//! [`io::ErrorKind::Unsupported`] to every call.

/// The file system calls of [`FileVector`](crate::FileVector).
#[cfg(feature = "file")]
pub(crate) mod file;
#[cfg_attr(unix, path = "unix.rs")]
#[cfg_attr(not(unix), path = "stub.rs")]
mod sys;
mod unguarded;

pub use unguarded::{UnguardedMapper, UNGUARDED};

use crate::failpoints;
use crate::mapper::Mapper;
use std::io;
use std::ptr::NonNull;
use std::sync::atomic::Ordering;

/// The system page size, read once.
#[inline]
pub(crate) fn page_size() -> usize {
    sys::page_size()
}

/// `vm.max_map_count`, read once: the kernel mappings the process may hold.
/// (Not a `OnceLock`: a child forked while its parent read it would wait
/// forever; two threads reading it at once is harmless.)
pub(crate) fn max_map_count() -> usize {
    static COUNT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    match COUNT.load(Ordering::Relaxed) {
        0 => {
            let count = sys::max_map_count().max(1);
            COUNT.store(count, Ordering::Relaxed);
            count
        }
        count => count,
    }
}

/// Whether `error` is the OS's `ENOMEM`: out of memory, or of kernel
/// mappings (`vm.max_map_count`), which the OS does not tell apart.
pub(crate) fn is_enomem(error: &io::Error) -> bool {
    error.raw_os_error() == Some(libc::ENOMEM)
}

/// Registers handlers that run around every `fork()` in this process: in
/// the forking thread just before, and in the parent and the child just
/// after (`pthread_atfork`).
#[cfg(unix)]
pub(crate) fn at_fork(
    prepare: extern "C" fn(),
    parent: extern "C" fn(),
    child: extern "C" fn(),
) -> io::Result<()> {
    sys::at_fork(prepare, parent, child)
}

/// A number for the calling thread, unique among live threads, readable
/// anywhere (a thread-local destructor and a fork handler included).
#[inline]
pub(crate) fn thread_id() -> usize {
    sys::thread_id()
}

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
// promise (see `sys`); the page size is read from the system once, a power
// of two fixed for the process's life.
unsafe impl Mapper for OsMapper {
    #[inline]
    fn page_size(&self) -> usize {
        page_size()
    }

    fn name(&self) -> &'static str {
        "os"
    }

    fn reserve(&self, len: usize) -> io::Result<NonNull<u8>> {
        failpoints::RESERVE.check(libc::ENOMEM)?;
        sys::reserve(len)
    }

    unsafe fn commit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        failpoints::COMMIT.check(libc::ENOMEM)?;
        // SAFETY: the caller passes a range inside one of our reservations.
        unsafe { sys::commit(addr, len) }
    }

    unsafe fn decommit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        failpoints::DECOMMIT.check(libc::ENOMEM)?;
        // SAFETY: as for `commit`; the caller no longer uses the range.
        unsafe { sys::decommit(addr, len) }
    }

    unsafe fn release(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        failpoints::RELEASE.check(libc::EINVAL)?;
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
        failpoints::REMAP.check(libc::ENOMEM)?;
        // SAFETY: the caller upholds `Mapper::remap`'s contract.
        unsafe { sys::remap(old, old_len, committed, new_len) }
    }

    unsafe fn populate(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        failpoints::POPULATE.check(libc::ENOMEM)?;
        // SAFETY: the caller passes a committed range of ours.
        unsafe { sys::populate(addr, len) }
    }

    unsafe fn advise_huge_pages(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        // SAFETY: the caller passes one reservation of ours.
        unsafe { sys::advise_huge_pages(addr, len) }
    }
}
