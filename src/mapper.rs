//! The `Mapper` trait: the four virtual-memory operations every container
//! is built on (reserve, commit, decommit, release), and three optional
//! ones with defaults (remap, populate, huge-page advice). The OS's own
//! implementation is [`OsMapper`](crate::OsMapper), in `os/`.
//!
//! Containers call a mapper only through their `Region` (the reservation
//! cache releases through the OS mapper directly); everything above it
//! sees committed bytes and nothing else.

use std::io;
use std::ptr::NonNull;

/// A source of virtual memory: reserves address space, commits and decommits
/// pages inside it, and releases it.
///
/// `mapped`'s containers reach the OS only through this trait, so a test can
/// put a fault-injecting mapper (the `mapped-mock` crate) where the OS was.
///
/// # Safety
///
/// Containers trust an implementation to keep these promises; breaking one is
/// undefined behaviour in the containers built on it:
///
/// - [`page_size`](Mapper::page_size) is a power of two, at least
///   `align_of::<usize>()`, and never changes for the mapper's lifetime.
/// - [`reserve`](Mapper::reserve) returns a page-aligned address of `len`
///   bytes of address space that no one else uses until it is released. The
///   range starts fully decommitted.
/// - After a successful [`commit`](Mapper::commit), `[addr, addr + len)` is
///   readable and writable until it is decommitted or released. Its contents
///   are unspecified.
/// - [`decommit`](Mapper::decommit) and [`release`](Mapper::release) never
///   touch memory outside the range given. After a failed `decommit` the
///   range is still readable and writable (its contents are unspecified).
/// - [`remap`](Mapper::remap), when it succeeds, behaves as described on it.
pub unsafe trait Mapper: Send + Sync {
    /// The granularity of commit and decommit, in bytes: a power of two.
    fn page_size(&self) -> usize;

    /// A short, fixed name: the `mapper` label on metrics and spans.
    fn name(&self) -> &'static str;

    /// Reserves `len` bytes of address space (a multiple of the page size,
    /// not zero) without committing any of it.
    fn reserve(&self, len: usize) -> io::Result<NonNull<u8>>;

    /// Commits `[addr, addr + len)`: makes it readable and writable.
    ///
    /// # Safety
    ///
    /// The range is page-aligned and lies in one reservation of this mapper.
    unsafe fn commit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()>;

    /// Decommits `[addr, addr + len)`: returns its physical pages to the OS
    /// and makes any later access fault (or, in a mock, be detected).
    ///
    /// # Safety
    ///
    /// The range is page-aligned, lies in one reservation of this mapper, and
    /// nothing reads or writes it until it is committed again.
    unsafe fn decommit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()>;

    /// Releases a whole reservation made by [`reserve`](Mapper::reserve).
    ///
    /// # Safety
    ///
    /// `addr` and `len` are exactly those of one live reservation of this
    /// mapper, and nothing uses any byte of it afterwards.
    unsafe fn release(&self, addr: NonNull<u8>, len: usize) -> io::Result<()>;

    /// Moves a reservation to a new, larger one without copying bytes, where
    /// the OS can (Linux `mremap` moves page tables).
    ///
    /// `old` is a live reservation of `old_len` bytes whose first `committed`
    /// bytes are committed and the rest decommitted. On success the returned
    /// reservation is `new_len` bytes long, its first `committed` bytes are
    /// committed and hold what `old`'s did, the rest is decommitted, and `old`
    /// is released. On failure `old` is left exactly as it was.
    ///
    /// The default says [`io::ErrorKind::Unsupported`]; containers then
    /// reserve, commit, copy and release instead.
    ///
    /// # Safety
    ///
    /// `old`/`old_len` describe one live reservation of this mapper with the
    /// committed prefix described; `committed <= old_len < new_len`, all page
    /// multiples. On success nothing uses `old` again.
    unsafe fn remap(
        &self,
        old: NonNull<u8>,
        old_len: usize,
        committed: usize,
        new_len: usize,
    ) -> io::Result<NonNull<u8>> {
        let _ = (old, old_len, committed, new_len);
        Err(io::ErrorKind::Unsupported.into())
    }

    /// A hint: the committed range `[addr, addr + len)` is about to be
    /// written in full, so fault its pages in now, in one call, rather than
    /// one trap per page (Linux `MADV_POPULATE_WRITE`). Containers ignore a
    /// failure, and report nothing when told [`io::ErrorKind::Unsupported`],
    /// which the default says.
    ///
    /// # Safety
    ///
    /// The range is page-aligned and committed.
    unsafe fn populate(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        let _ = (addr, len);
        Err(io::ErrorKind::Unsupported.into())
    }

    /// A hint: back the reservation `[addr, addr + len)` with transparent
    /// huge pages where possible (Linux `MADV_HUGEPAGE`), trading a coarser
    /// grain of memory for far fewer page faults. Containers ignore a
    /// failure. The default says [`io::ErrorKind::Unsupported`].
    ///
    /// # Safety
    ///
    /// The range is one live reservation of this mapper.
    unsafe fn advise_huge_pages(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        let _ = (addr, len);
        Err(io::ErrorKind::Unsupported.into())
    }
}
