//! [`UnguardedMapper`]: one read-write mapping per reservation.

use super::sys;
use crate::failpoints;
use crate::mapper::Mapper;
use std::io;
use std::ptr::NonNull;

/// The unguarded mapper: one read-write anonymous mapping per
/// reservation, for containers past the kernel-mapping budget (which only
/// Linux has: elsewhere containers on [`MAPPER`](crate::MAPPER) never take
/// it, but it can be asked for by name).
///
/// | operation | Linux | other Unixes (and `--cfg mapped_portable`) | Windows |
/// |---|---|---|---|
/// | reserve | `mmap(PROT_READ \| PROT_WRITE, MAP_PRIVATE \| MAP_ANONYMOUS \| MAP_NORESERVE)` of exactly `len` | the same, without `MAP_NORESERVE` | `VirtualAlloc(MEM_RESERVE \| MEM_COMMIT, PAGE_READWRITE)`: the whole range counts against the commit limit |
/// | commit | `madvise(MADV_POPULATE_WRITE)`: the pages are faulted in now, so a refusal is an error here, never a fault at the first write | nothing: pages fault in when written | nothing: committed already |
/// | decommit | `madvise(MADV_DONTNEED)`, no protection change | `mmap(MAP_FIXED)` of fresh read-write pages over the range | `VirtualFree(MEM_DECOMMIT)`, then `VirtualAlloc(MEM_COMMIT)` again |
/// | release | `munmap` | `munmap` | `VirtualFree(MEM_RELEASE)` |
/// | remap | `mremap` without `MREMAP_MAYMOVE` (grow where it is); when the range after it is taken, [`io::ErrorKind::Unsupported`], so the container reserves, commits, copies its live bytes and releases | always a copy | always a copy |
/// | populate | nothing: commit has already faulted the pages in | none | none |
/// | huge pages | `madvise(MADV_HUGEPAGE)`, as the OS mapper | none | none |
///
/// # What it buys, what it costs, versus [`OsMapper`](crate::OsMapper)
///
/// Measured on Linux 6.18, `vm.max_map_count` 65530, 2 cores: 100,000
/// mappings, each created at 8 KiB, filled, and doubled to 16, 32 and
/// 64 KiB (filled at each size), all held at once.
///
/// - **Buys: one kernel mapping that merges with its neighbours.** With a
///   new mapping + copy + `munmap` at each doubling, all 100,000 were held
///   in 26 to 28 lines of `/proc/self/maps` (25 before), 6,253 MiB RSS,
///   threads still start; `MADV_DONTNEED` of all but the first page of each
///   left 28 to 30 lines and 394 MiB. Growing in place where the range
///   after is free (half of the growths when all buffers double in rounds,
///   none when each grows alone) kept 27 lines. The guarded layout
///   (`PROT_NONE` reservation + RW prefix) costs up to two mappings per
///   container: at 32,750 containers the process can no longer start a
///   thread.
/// - **Why remap does not move the mapping** (`MREMAP_MAYMOVE`): a moved,
///   already-faulted mapping keeps its own `anon_vma` and merges with
///   nothing. Moving each of 100,000 mappings ran out of kernel mappings
///   at 61,996 (in rounds) or 65,502 (one at a time) with 65,528 lines;
///   the same with 2x slack and in-place growth first at 65,502 / 87,335.
///   Copying instead costs one `memcpy` of the live bytes per doubling
///   (100,000 x 8 -> 64 KiB: about 9.8 s with `MADV_POPULATE_WRITE` before
///   each copy, 12.5 s without, byte-by-byte fill included).
/// - **Costs: no guard.** A stray access to a decommitted page reads zeros
///   (or writes a page back in) instead of faulting. `FaultyMapper`'s deny,
///   poison and audit work over it through its shadow table; its trap mode
///   needs a guard, so it stays guarded-only.
/// - **Costs: the whole mapping is writable memory to the kernel.** It
///   counts in `VmData` and toward `RLIMIT_DATA` (a 512 MiB `mmap` or
///   `mremap` under `RLIMIT_DATA` = 256 MiB fails with `ENOMEM`, cleanly),
///   and under strict overcommit (`vm.overcommit_memory = 2`, which ignores
///   `MAP_NORESERVE`) toward the commit charge, in full, from `reserve` on.
///   Keep its reservations close to the bytes committed in them.
/// - Under `RLIMIT_DATA` or `RLIMIT_AS` the refusal comes at `reserve` or
///   `remap` (`ENOMEM`); `MADV_POPULATE_WRITE` of a 64 MiB mapping the
///   limit admitted succeeded. What populate refuses is memory itself
///   (`ENOMEM`, e.g. a cgroup limit) or a broken page (`EFAULT`,
///   `EHWPOISON`): an error, not a `SIGBUS` at the next write.
///
/// On a kernel without `MADV_POPULATE_WRITE` (Linux before 5.14 answers
/// `EINVAL`; asked once, then never again) commit does nothing: the
/// mapping is already readable and writable and pages fault in when first
/// written, so a shortage of memory shows as the OOM killer, not as an
/// error, exactly as with `Vec`. Off Linux the same holds (and remap always
/// copies).
///
/// Its `name()`, the `mapper` label, is `"unguarded"`. Containers on
/// [`MAPPER`](crate::MAPPER) take it past the kernel-mapping budget
/// ([`set_mapping_budget`](crate::set_mapping_budget)), or always with
/// [`Guard::Never`](crate::Guard::Never).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UnguardedMapper;

/// The unguarded mapper, for `MappedVector::new(&UNGUARDED)`.
pub const UNGUARDED: UnguardedMapper = UnguardedMapper;

// SAFETY: `reserve` returns a fresh page-aligned mapping of exactly `len`
// bytes that only its caller knows of; it is readable and writable from the
// start, so every range of it is "committed" in the trait's sense as soon as
// `commit` returns Ok (commit only faults pages in). `decommit` drops pages
// of the given range only and leaves them readable and writable, also when
// it fails. `remap` either extends the same mapping in place (the committed
// prefix keeps its address and bytes, the new tail reads as zeros) or fails
// leaving `old` untouched. The page size is the OS mapper's.
unsafe impl Mapper for UnguardedMapper {
    #[inline]
    fn page_size(&self) -> usize {
        sys::page_size()
    }

    fn name(&self) -> &'static str {
        "unguarded"
    }

    fn reserve(&self, len: usize) -> io::Result<NonNull<u8>> {
        failpoints::RESERVE.check()?;
        sys::map_rw(len)
    }

    unsafe fn commit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        failpoints::COMMIT.check()?;
        // SAFETY: the caller passes a page-aligned range inside one of our
        // reservations, each a `map_rw` mapping; what is committed there is
        // about to be the caller's, so faulting it in is allowed.
        unsafe { sys::populate_rw(addr, len) }.map(|_| ())
    }

    unsafe fn decommit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        failpoints::DECOMMIT.check()?;
        // SAFETY: as for `commit`; the caller no longer uses the range.
        unsafe { sys::discard(addr, len) }
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
        let _ = committed;
        // SAFETY: the caller upholds `Mapper::remap`'s contract: `old` is one
        // live reservation of ours of `old_len < new_len` bytes.
        match unsafe { sys::grow_in_place(old, old_len, new_len) } {
            Ok(()) => Ok(old),
            // The range after it is taken (ENOMEM), or no mremap at all.
            // Moving it would cost a kernel mapping of its own (see the
            // module docs): let the container copy into a fresh one.
            Err(e) => Err(io::Error::new(
                io::ErrorKind::Unsupported,
                format!("cannot grow the mapping in place ({e}); copy instead"),
            )),
        }
    }

    unsafe fn populate(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        failpoints::POPULATE.check()?;
        let _ = (addr, len);
        // A committed range was faulted in by its commit, and decommitted
        // pages are never populated (the caller commits them first).
        if sys::populates_rw() {
            Ok(())
        } else {
            Err(io::ErrorKind::Unsupported.into())
        }
    }

    unsafe fn advise_huge_pages(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        // SAFETY: the caller passes one reservation of ours.
        unsafe { sys::advise_huge_pages(addr, len) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mapping_limit_is_read_once_and_sane() {
        let limit = crate::os::mapping_limit();
        assert_eq!(limit, crate::os::mapping_limit());
        assert_ne!(limit, Some(0));
        match std::fs::read_to_string("/proc/sys/vm/max_map_count") {
            Ok(s) if cfg!(target_os = "linux") && crate::os::HAS_MAPPINGS => {
                assert_eq!(limit, Some(s.trim().parse::<usize>().unwrap()))
            }
            _ => assert_eq!(limit, None, "only Linux has vm.max_map_count"),
        }
    }

    #[test]
    #[cfg_attr(mapped_no_mmap, ignore = "no mappings on this build")]
    fn decommitted_pages_stay_mapped_and_read_zero() {
        let m = UNGUARDED;
        let page = m.page_size();
        let base = m.reserve(4 * page).unwrap();
        // SAFETY: every range is page-aligned and inside the reservation,
        // committed before it is written; the reservation is released last.
        unsafe {
            m.commit(base, 4 * page).unwrap();
            base.as_ptr().add(page).write_bytes(0xAB, 3 * page);
            m.decommit(base.add(page), 3 * page).unwrap();
            // No guard: the page reads as zeros instead of faulting.
            assert_eq!(base.as_ptr().add(2 * page).read_volatile(), 0);
            m.release(base, 4 * page).unwrap();
        }
    }
}
