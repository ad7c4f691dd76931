//! [`UnguardedMapper`]: the OS's unguarded kind of mapping.

use super::{sys, unsupported_populate};
use crate::failpoints;
use crate::mapper::Mapper;
use std::io;
use std::ptr::NonNull;

/// The OS's unguarded kind of mapping.
///
/// One read-write anonymous `MAP_NORESERVE` mapping per reservation, as
/// large as what it commits: committing faults the range in
/// (`MADV_POPULATE_WRITE`, so a refusal is an error at commit time, never a
/// fault later), decommitting gives the pages back (`MADV_DONTNEED`)
/// without changing the protection. It does not remap: a container grows
/// it by mapping a larger one, copying and unmapping the old, because a
/// mapping moved by `mremap` after its pages were touched keeps its own
/// reverse-map and never merges with its new neighbours (measured here:
/// 100,000 buffers grown to 64 KiB by `mremap` took all 65,530 of the
/// process's kernel mappings, and the process could no longer start a
/// thread), while a fresh mapping merges before it is touched.
///
/// What it buys against [`OsMapper`](crate::OsMapper)'s guarded kind: no
/// protection boundary, so the kernel merges neighbouring mappings into
/// one (measured here: 100,000 touched 1 MiB mappings add one line to
/// `/proc/self/maps`; `MADV_DONTNEED` on half of them splits nothing),
/// where each guarded container holds up to two of the process's
/// `vm.max_map_count` kernel mappings. What it costs: a stray access to a
/// decommitted page reads zeros instead of faulting, and its bytes count
/// toward `VmData` and `RLIMIT_DATA` (and, under strict overcommit, the
/// commit charge) from the moment they are mapped, which is why containers
/// keep it close to its committed bytes.
///
/// Containers on [`MAPPER`](crate::MAPPER) take it past the kernel-mapping
/// budget ([`set_mapping_budget`](crate::set_mapping_budget)); a container
/// may also be given it as its mapper directly, or through
/// [`Guard::Never`](crate::Guard::Never).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnguardedMapper;

/// The OS's unguarded mapper.
pub const UNGUARDED: UnguardedMapper = UnguardedMapper;

// SAFETY: reserve maps fresh memory of exactly `len` bytes that no one else
// uses; commit only faults pages in (a refusal leaves them as they were);
// decommit and release touch only the range given. The page size is the
// system's.
unsafe impl Mapper for UnguardedMapper {
    #[inline]
    fn page_size(&self) -> usize {
        super::page_size()
    }

    fn name(&self) -> &'static str {
        "unguarded"
    }

    fn reserve(&self, len: usize) -> io::Result<NonNull<u8>> {
        if let Some(injected) = failpoints::RESERVE.os_error(libc::ENOMEM) {
            return Err(injected);
        }
        sys::map_unguarded(len)
    }

    /// Faults the range in, so that memory the OS cannot give is refused
    /// here, as an error. On a kernel without `MADV_POPULATE_WRITE` (before
    /// Linux 5.14) the pages are left to fault in when first written, and
    /// a refusal then is the OOM killer's, as for any `Vec`.
    unsafe fn commit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if let Some(injected) = failpoints::COMMIT.os_error(libc::ENOMEM) {
            return Err(injected);
        }
        // SAFETY: the caller passes a range inside one of our mappings.
        match unsafe { sys::populate(addr, len) } {
            Err(e) if unsupported_populate(&e) => Ok(()),
            other => other,
        }
    }

    unsafe fn decommit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if let Some(injected) = failpoints::DECOMMIT.os_error(libc::ENOMEM) {
            return Err(injected);
        }
        // SAFETY: as for `commit`; the caller no longer uses the range.
        unsafe { sys::discard(addr, len) }
    }

    unsafe fn release(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if let Some(injected) = failpoints::RELEASE.os_error(libc::EINVAL) {
            return Err(injected);
        }
        // SAFETY: the caller passes exactly one live mapping it is done with.
        unsafe { sys::release(addr, len) }
    }

    unsafe fn populate(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        if let Some(injected) = failpoints::POPULATE.os_error(libc::ENOMEM) {
            return Err(injected);
        }
        // SAFETY: the caller passes a committed range of ours.
        unsafe { sys::populate(addr, len) }
    }
}
