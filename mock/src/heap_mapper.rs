//! [`HeapMapper`]: a [`Mapper`] on the global allocator, with no system
//! call anywhere, so that Miri can run the containers' mapped paths.

use mapped::Mapper;
use std::alloc::{self, Layout};
use std::collections::BTreeMap;
use std::io::{self, ErrorKind};
use std::mem::size_of;
use std::ptr::{self, NonNull};
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A [`Mapper`] whose reservations are allocations of the global allocator:
/// no `mmap`, no `mprotect`, no `madvise`, so it runs under Miri, which
/// stops at the first of those.
///
/// - `reserve` allocates the whole range, page-aligned and uninitialised
///   (`std::alloc::alloc`: zeroing a page-aligned allocation would write
///   every byte of a 64 MiB window, where the OS's reservation costs no
///   memory; the trait leaves a commit's contents unspecified, and under
///   Miri a read of bytes never written is then an error);
/// - `commit` and `decommit` only update its table of committed pages; a
///   decommit also fills the range with junk, as [`FaultyMapper`]'s modes
///   do, so a read of stale data shows as a wrong value;
/// - `remap` allocates the larger range, copies the committed prefix and
///   frees the old one (a move, as the trait allows);
/// - `release` frees the allocation.
///
/// Every call is checked against the table: one outside a live
/// reservation, misaligned, or a release of the wrong length is refused
/// with [`ErrorKind::InvalidInput`] (never a wrong deallocation), and
/// counted in [`HeapMapper::refused_calls`]. Decommitted pages stay
/// readable, so it cannot catch a stray access by faulting; wrap it in a
/// [`FaultyMapper`] (`FaultyMapper::builder().inner(HeapMapper::new())`)
/// for the audit, the poison and the faults.
///
/// ```
/// use mapped::{MappedVector, Mapper};
/// use mapped_mock::HEAP_MAPPER;
///
/// let mut v = MappedVector::<u64>::builder(&HEAP_MAPPER).heap_limit(0).build()?;
/// v.extend_from_slice(&[7; 10_000])?;
/// assert_eq!(v.storage(), mapped::Storage::Mapped);
/// assert!(HEAP_MAPPER.committed_bytes() >= 80_000);
/// v.clear();
/// assert_eq!(v.committed_bytes(), v.page_size()); // decommitted to the floor
/// # Ok::<(), mapped::Error>(())
/// ```
///
/// [`FaultyMapper`]: crate::FaultyMapper
pub struct HeapMapper {
    page_size: usize,
    state: Mutex<State>,
}

/// The process-wide [`HeapMapper`], for containers that take a
/// `&'static` mapper.
pub static HEAP_MAPPER: HeapMapper = HeapMapper::new();

struct State {
    /// Every live reservation, by base address.
    live: BTreeMap<usize, Reservation>,
    /// The junk stream (xorshift64: cheap enough for Miri).
    junk: u64,
    refused: u64,
}

struct Reservation {
    len: usize,
    /// One flag per page, true when committed.
    committed: Vec<bool>,
}

impl Default for HeapMapper {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for HeapMapper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeapMapper")
            .field("page_size", &self.page_size)
            .field("live_reservations", &self.live_reservations())
            .field("committed_bytes", &self.committed_bytes())
            .finish()
    }
}

impl HeapMapper {
    /// The page size of [`HeapMapper::new`]: 4 KiB.
    pub const PAGE_SIZE: usize = 4096;

    /// A mapper with 4 KiB pages and no reservations.
    pub const fn new() -> Self {
        Self::with_page_size(Self::PAGE_SIZE)
    }

    /// A mapper with pages of `page_size` bytes.
    ///
    /// # Panics
    ///
    /// Unless `page_size` is a power of two of at least a word (what the
    /// [`Mapper`] contract promises containers).
    pub const fn with_page_size(page_size: usize) -> Self {
        assert!(
            page_size.is_power_of_two() && page_size >= size_of::<usize>(),
            "mapped-mock: a HeapMapper's page size is a power of two of at least a word"
        );
        HeapMapper {
            page_size,
            state: Mutex::new(State {
                live: BTreeMap::new(),
                junk: 0x9E37_79B9_7F4A_7C15,
                refused: 0,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The table is changed only after each allocation call succeeded,
        // so it is sound even if a panic poisoned the lock.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many reservations are live.
    pub fn live_reservations(&self) -> usize {
        self.lock().live.len()
    }

    /// Bytes committed across all live reservations.
    pub fn committed_bytes(&self) -> usize {
        let st = self.lock();
        let pages: usize = st
            .live
            .values()
            .map(|r| r.committed.iter().filter(|&&c| c).count())
            .sum();
        pages * self.page_size
    }

    /// Calls refused as outside the contract (each an
    /// [`ErrorKind::InvalidInput`]).
    pub fn refused_calls(&self) -> u64 {
        self.lock().refused
    }

    fn layout(&self, len: usize) -> io::Result<Layout> {
        Layout::from_size_align(len, self.page_size)
            .map_err(|_| io::Error::new(ErrorKind::OutOfMemory, "reservation too large"))
    }

    /// Refuses the call (and counts it).
    fn refuse(st: &mut State, what: &str) -> io::Error {
        st.refused += 1;
        io::Error::new(
            ErrorKind::InvalidInput,
            format!("mapped-mock heap mapper: {what}"),
        )
    }

    /// The base of the live reservation holding the page-aligned,
    /// non-empty `[addr, addr + len)`, and the range's page indices in it.
    fn pages(
        &self,
        st: &mut State,
        addr: usize,
        len: usize,
    ) -> io::Result<(usize, std::ops::Range<usize>)> {
        if len == 0 || addr % self.page_size != 0 || len % self.page_size != 0 {
            return Err(Self::refuse(st, "zero or misaligned range"));
        }
        let found = st.live.range(..=addr).next_back().and_then(|(&base, r)| {
            let end = addr.checked_add(len)?;
            (end <= base + r.len).then_some(base)
        });
        match found {
            Some(base) => {
                let first = (addr - base) / self.page_size;
                Ok((base, first..first + len / self.page_size))
            }
            None => Err(Self::refuse(st, "range outside every live reservation")),
        }
    }

    /// Refuses unless `[addr, addr + len)` is exactly a live reservation.
    fn whole(&self, st: &mut State, addr: usize, len: usize) -> io::Result<()> {
        match st.live.get(&addr) {
            Some(r) if r.len == len => Ok(()),
            _ => Err(Self::refuse(st, "not exactly one live reservation")),
        }
    }
}

/// Fills `[addr, addr + len)` with junk from the xorshift64 state `s`.
///
/// # Safety
///
/// The range is word-aligned, a whole number of words, inside one live
/// allocation, and nothing else uses it.
unsafe fn fill_junk(addr: *mut u8, len: usize, s: &mut u64) {
    let words = addr.cast::<usize>();
    for i in 0..len / size_of::<usize>() {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        // SAFETY: the word is inside the range, aligned and writable (caller).
        // Truncation on 32-bit targets is fine: it is junk.
        unsafe { words.add(i).write(*s as usize) };
    }
}

// SAFETY: `page_size` is a power of two of at least a word, fixed at
// construction. `reserve` returns a fresh allocation of `len` bytes,
// page-aligned, that no one else uses until `release` frees it. Every
// allocated byte is readable and writable from the start, so a committed
// range is; commit and decommit touch nothing outside the range given
// (decommit writes junk only inside it, which the caller no longer uses).
// `release` frees only an exact live reservation, with the layout it was
// allocated with. `remap` copies the committed prefix into a new
// allocation (whose tail is "decommitted": unused) and frees the old one
// only on success; on failure the old one is untouched.
unsafe impl Mapper for HeapMapper {
    fn page_size(&self) -> usize {
        self.page_size
    }

    fn name(&self) -> &'static str {
        "heap"
    }

    fn reserve(&self, len: usize) -> io::Result<NonNull<u8>> {
        let mut st = self.lock();
        if len == 0 || len % self.page_size != 0 {
            return Err(Self::refuse(&mut st, "zero or misaligned reservation"));
        }
        let layout = self.layout(len)?;
        // SAFETY: `layout` has a non-zero size.
        let p = unsafe { alloc::alloc(layout) };
        let p = NonNull::new(p).ok_or_else(|| io::Error::from(ErrorKind::OutOfMemory))?;
        st.live.insert(
            p.as_ptr() as usize,
            Reservation {
                len,
                committed: vec![false; len / self.page_size],
            },
        );
        Ok(p)
    }

    unsafe fn commit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        let mut st = self.lock();
        let (base, pages) = self.pages(&mut st, addr.as_ptr() as usize, len)?;
        let r = st.live.get_mut(&base).expect("`pages` found it");
        r.committed[pages].fill(true);
        Ok(())
    }

    unsafe fn decommit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        let mut st = self.lock();
        let (base, pages) = self.pages(&mut st, addr.as_ptr() as usize, len)?;
        let st = &mut *st;
        let r = st.live.get_mut(&base).expect("`pages` found it");
        r.committed[pages].fill(false);
        // SAFETY: the range is page-aligned (so word-aligned, whole words)
        // and inside the live allocation at `base` (checked by `pages`); the
        // caller no longer uses it.
        unsafe { fill_junk(addr.as_ptr(), len, &mut st.junk) };
        Ok(())
    }

    unsafe fn release(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        let mut st = self.lock();
        let a = addr.as_ptr() as usize;
        self.whole(&mut st, a, len)?;
        let layout = self.layout(len)?;
        st.live.remove(&a);
        // SAFETY: `addr` is a live reservation of exactly `len` bytes
        // (checked above), allocated by `reserve` with this very layout, and
        // the caller uses no byte of it again.
        unsafe { alloc::dealloc(addr.as_ptr(), layout) };
        Ok(())
    }

    unsafe fn remap(
        &self,
        old: NonNull<u8>,
        old_len: usize,
        committed: usize,
        new_len: usize,
    ) -> io::Result<NonNull<u8>> {
        let mut st = self.lock();
        let a = old.as_ptr() as usize;
        self.whole(&mut st, a, old_len)?;
        if committed > old_len || old_len >= new_len || new_len % self.page_size != 0 {
            return Err(Self::refuse(&mut st, "bad remap lengths"));
        }
        let new_layout = self.layout(new_len)?;
        let old_layout = self.layout(old_len)?;
        // SAFETY: `new_layout` has a non-zero size (`new_len > old_len > 0`).
        let p = unsafe { alloc::alloc(new_layout) };
        let new = NonNull::new(p).ok_or_else(|| io::Error::from(ErrorKind::OutOfMemory))?;
        // SAFETY: `committed <= old_len < new_len`: the prefix lies in both
        // allocations, which are distinct live allocations.
        unsafe { ptr::copy_nonoverlapping(old.as_ptr(), new.as_ptr(), committed) };
        st.live.remove(&a);
        let pages = new_len / self.page_size;
        let mut flags = vec![false; pages];
        flags[..committed / self.page_size].fill(true);
        st.live.insert(
            new.as_ptr() as usize,
            Reservation {
                len: new_len,
                committed: flags,
            },
        );
        // SAFETY: `old` was allocated by `reserve` (or a remap) with
        // `old_layout`; on success the caller never uses it again.
        unsafe { alloc::dealloc(old.as_ptr(), old_layout) };
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_holds_and_bad_calls_are_refused() {
        let m = HeapMapper::new();
        let page = m.page_size();
        let base = m.reserve(4 * page).unwrap();
        assert_eq!(base.as_ptr() as usize % page, 0);
        // SAFETY: every range below is page-aligned and inside `base`'s
        // reservation, or is meant to be refused.
        unsafe {
            m.commit(base, 2 * page).unwrap();
            base.as_ptr().add(page).write(7);
            assert_eq!(m.committed_bytes(), 2 * page);
            let moved = m.remap(base, 4 * page, 2 * page, 8 * page).unwrap();
            assert_eq!(moved.as_ptr().add(page).read(), 7);
            assert_eq!(m.committed_bytes(), 2 * page);
            m.decommit(moved.add(page), page).unwrap();
            assert_eq!(m.committed_bytes(), page);
            let e = m.commit(moved.add(8 * page), page).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            let e = m.release(moved, 4 * page).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
            m.release(moved, 8 * page).unwrap();
            let e = m.release(moved, 8 * page).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::InvalidInput);
        }
        assert_eq!(m.refused_calls(), 3);
        assert_eq!(m.live_reservations(), 0);
        assert_eq!(m.reserve(0).unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    #[test]
    fn decommit_leaves_junk() {
        let m = HeapMapper::new();
        let page = m.page_size();
        let base = m.reserve(page).unwrap();
        // SAFETY: the page is the whole reservation.
        unsafe {
            m.commit(base, page).unwrap();
            base.as_ptr().cast::<u64>().write(0);
            m.decommit(base, page).unwrap();
            m.commit(base, page).unwrap();
            let words = std::slice::from_raw_parts(base.as_ptr().cast::<usize>(), page / 8);
            assert!(words.iter().any(|&w| w != 0));
            m.release(base, page).unwrap();
        }
    }
}
