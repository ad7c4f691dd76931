//! The [`Mapper`] operations of [`FaultyMapper`]: validate the call against
//! the shadow table, decide the fault, forward to the inner mapper, then
//! update the table (only after success, so a refused call changes nothing).

use crate::builder::Mode;
use crate::mapper::{FaultyMapper, State};
use crate::memory::{fill_junk, fill_poison, poison_intact};
use crate::shadow::{Mem, PageState};
use crate::violation::{Op, Violation};
use mapped::Mapper;
use std::fmt::Display;
use std::io::{self, ErrorKind};
use std::ptr::NonNull;

impl FaultyMapper {
    /// An error of `kind` whose message names the mock and the seed.
    fn error(&self, kind: ErrorKind, what: impl Display) -> io::Error {
        io::Error::new(
            kind,
            format!(
                "mapped-mock: {what} (seed {}; MAPPED_SEED={} replays this run)",
                self.seed, self.seed
            ),
        )
    }

    /// An injected `OutOfMemory`.
    fn injected(&self, op: Op) -> io::Error {
        self.error(
            ErrorKind::OutOfMemory,
            format_args!("{op} refused by fault injection"),
        )
    }

    /// Records `v` and refuses the call with `InvalidInput`.
    fn refuse(&self, st: &mut State, v: Violation) -> io::Error {
        st.violate(v);
        st.stats.invalid_calls += 1;
        self.error(ErrorKind::InvalidInput, v)
    }

    /// Refuses a zero or misaligned `len` or a misaligned `addr`.
    fn check_shape(&self, st: &mut State, op: Op, addr: usize, len: usize) -> io::Result<()> {
        if len == 0 {
            return Err(self.refuse(st, Violation::ZeroLength { op, addr }));
        }
        if addr % self.page_size != 0 || len % self.page_size != 0 {
            return Err(self.refuse(st, Violation::Misaligned { op, addr, len }));
        }
        Ok(())
    }

    /// Refuses unless `[addr, addr + len)` is exactly a live reservation.
    fn check_whole(&self, st: &mut State, addr: usize, len: usize) -> io::Result<()> {
        let v = match st.shadow.get(addr) {
            Some(r) if r.len == len => return Ok(()),
            Some(r) => Violation::ReleaseWrongLength {
                addr,
                expected: r.len,
                got: len,
            },
            None if st.shadow.was_released(addr) => Violation::DoubleRelease { addr },
            None => Violation::ReleaseUnknown { addr, len },
        };
        Err(self.refuse(st, v))
    }

    /// Verifies the poison of every decommitted, poisoned page of the
    /// reservation at `base` from page `from` on, before the pages go away
    /// (release, or the tail a remap drops), and returns how many it
    /// checked. A broken pattern is recorded and restored, so it is
    /// reported once. The caller counts the pages checked only once they
    /// are gone: if the inner mapper refuses, they stay poisoned, and are
    /// checked again when they are committed or go away.
    ///
    /// # Safety
    ///
    /// `base` is the live reservation at `base_ptr`; no one uses its
    /// decommitted pages.
    unsafe fn check_poisoned_from(
        &self,
        st: &mut State,
        base_ptr: NonNull<u8>,
        from: usize,
    ) -> u64 {
        let base = base_ptr.as_ptr() as usize;
        let Some(r) = st.shadow.get(base) else {
            return 0;
        };
        let poisoned: Vec<usize> = r
            .touched_from(from)
            .filter(|&i| {
                let p = r.page(i);
                p.state == PageState::Decommitted && p.mem == Mem::Poisoned
            })
            .collect();
        let checked = poisoned.len() as u64;
        for i in poisoned {
            let page = base_ptr.as_ptr().wrapping_add(i * self.page_size);
            // SAFETY: page `i` is inside the reservation, mapped readable and
            // writable (poisoned), and no one uses it (caller).
            if !unsafe { poison_intact(page, self.page_size) } {
                st.violate(Violation::WriteToDecommitted {
                    page: page as usize,
                });
                // SAFETY: as above.
                unsafe { fill_poison(page, self.page_size) };
            }
        }
        checked
    }
}

// SAFETY: every promise is the inner mapper's: the page size is its page
// size; reserve returns its reservation; commit, decommit and release are
// forwarded to it only for ranges the shadow table shows inside one live
// reservation (anything else is refused), so a successful commit is its
// successful commit. Where the mock does not forward (poison mode's
// decommit, a failed decommit), the pages stay readable and writable, which
// the contract allows; a lied commit breaks the contract, on purpose, only
// when a test asks for it (`lie_on_commit`). The mock writes only into pages
// that are committed by the inner mapper and that the caller has just
// committed or decommitted, so it never touches bytes the caller still uses.
unsafe impl Mapper for FaultyMapper {
    fn page_size(&self) -> usize {
        self.page_size
    }

    fn name(&self) -> &'static str {
        "mock"
    }

    fn reserve(&self, len: usize) -> io::Result<NonNull<u8>> {
        let mut st = self.lock();
        self.check_shape(&mut st, Op::Reserve, 0, len)?;
        if st.faults.reserve.decide() {
            st.stats.denied_reserves += 1;
            return Err(self.injected(Op::Reserve));
        }
        let base = self.inner.reserve(len)?;
        st.shadow.insert(base.as_ptr() as usize, len, Vec::new());
        st.stats.reserves += 1;
        Ok(base)
    }

    unsafe fn commit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        let mut st = self.lock();
        let a = addr.as_ptr() as usize;
        self.check_shape(&mut st, Op::Commit, a, len)?;
        let Some(base) = st.shadow.containing(a, len) else {
            return Err(self.refuse(
                &mut st,
                Violation::CommitOutsideReservation { addr: a, len },
            ));
        };
        if st.faults.commit.decide() {
            st.stats.denied_commits += 1;
            return Err(self.injected(Op::Commit));
        }
        let pages = st.shadow.pages_of(base, a, len);
        let st = &mut *st;
        if st.faults.lie.decide() {
            // Believe the commit happened; touch nothing.
            let r = st.shadow.reservation_mut(base);
            for i in pages {
                let page = r.page_mut(i);
                if page.state == PageState::Committed {
                    st.stats.redundant_commit_pages += 1;
                } else {
                    page.state = PageState::Committed;
                    st.stats.committed_pages += 1;
                }
            }
            st.stats.lies += 1;
            st.stats.commits += 1;
            return Ok(());
        }
        // SAFETY: the range is page-aligned and inside one live reservation
        // (checked above), which the inner mapper made.
        unsafe { self.inner.commit(addr, len) }?;
        let r = st.shadow.reservation_mut(base);
        let mut broken = Vec::new();
        for (k, i) in pages.enumerate() {
            let page = r.page_mut(i);
            // SAFETY: page `k` of the range is inside the range.
            let ptr = unsafe { addr.as_ptr().add(k * self.page_size) };
            if page.state == PageState::Committed {
                // Already the caller's: its bytes must stay as they are.
                page.mem = Mem::Accessible;
                st.stats.redundant_commit_pages += 1;
                continue;
            }
            if page.mem == Mem::Poisoned {
                st.stats.poisoned_pages_checked += 1;
                // SAFETY: the page is committed by the inner mapper and the
                // caller does not use it until this call returns.
                if !unsafe { poison_intact(ptr, self.page_size) } {
                    broken.push(Violation::WriteToDecommitted { page: ptr as usize });
                }
            }
            if self.mode != Mode::Plain {
                // SAFETY: as above.
                unsafe { fill_junk(ptr, self.page_size, &mut st.junk) };
                st.stats.junk_filled_pages += 1;
            }
            page.state = PageState::Committed;
            page.mem = Mem::Accessible;
            st.stats.committed_pages += 1;
        }
        for v in broken {
            st.violate(v);
        }
        st.stats.commits += 1;
        Ok(())
    }

    unsafe fn decommit(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        let mut st = self.lock();
        let a = addr.as_ptr() as usize;
        self.check_shape(&mut st, Op::Decommit, a, len)?;
        let Some(base) = st.shadow.containing(a, len) else {
            return Err(self.refuse(
                &mut st,
                Violation::DecommitOutsideReservation { addr: a, len },
            ));
        };
        let pages = st.shadow.pages_of(base, a, len);
        let r = st
            .shadow
            .get(base)
            .expect("containing returned a live base");
        if pages
            .clone()
            .any(|i| r.page(i).state != PageState::Committed)
        {
            // Harmless to the OS, so carried out; but the caller is confused.
            st.violate(Violation::DecommitNotCommitted { addr: a, len });
        }
        if st.faults.decommit.decide() {
            st.stats.failed_decommits += 1;
            return Err(self.injected(Op::Decommit));
        }
        if self.mode != Mode::Poison {
            // SAFETY: the range is page-aligned and inside one live
            // reservation of the inner mapper; the caller no longer uses it.
            unsafe { self.inner.decommit(addr, len) }?;
        }
        let st = &mut *st;
        let r = st.shadow.reservation_mut(base);
        for (k, i) in pages.enumerate() {
            let page = r.page_mut(i);
            if page.state == PageState::Committed {
                st.stats.decommitted_pages += 1;
                if self.mode == Mode::Poison && page.mem != Mem::Inaccessible {
                    // SAFETY: the page is inside the range, really readable
                    // and writable (`mem`), and the caller no longer uses it.
                    unsafe { fill_poison(addr.as_ptr().add(k * self.page_size), self.page_size) };
                    page.mem = Mem::Poisoned;
                    st.stats.poisoned_pages += 1;
                }
            }
            page.state = PageState::Decommitted;
            if self.mode != Mode::Poison {
                page.mem = Mem::Inaccessible;
            }
        }
        st.stats.decommits += 1;
        Ok(())
    }

    unsafe fn release(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        let mut st = self.lock();
        let a = addr.as_ptr() as usize;
        self.check_shape(&mut st, Op::Release, a, len)?;
        self.check_whole(&mut st, a, len)?;
        // SAFETY: `addr` is that live reservation, no longer used (caller).
        let checked = unsafe { self.check_poisoned_from(&mut st, addr, 0) };
        // SAFETY: `addr`/`len` are exactly one live reservation of the inner
        // mapper (checked above), which the caller is done with.
        unsafe { self.inner.release(addr, len) }?;
        st.shadow.remove(a);
        st.stats.poisoned_pages_checked += checked;
        st.stats.releases += 1;
        Ok(())
    }

    /// Audited, not forwarded: populating is a hint whose only effect is
    /// speed, and a lied commit would make the real call fail. What the
    /// audit checks is the promise that matters: only committed pages are
    /// populated.
    unsafe fn populate(&self, addr: NonNull<u8>, len: usize) -> io::Result<()> {
        let mut st = self.lock();
        let a = addr.as_ptr() as usize;
        self.check_shape(&mut st, Op::Populate, a, len)?;
        if !st.shadow.check_committed(a, len) {
            return Err(self.refuse(&mut st, Violation::PopulateNotCommitted { addr: a, len }));
        }
        st.stats.populates += 1;
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
        if !st.remap {
            st.stats.unsupported_remaps += 1;
            return Err(self.error(ErrorKind::Unsupported, "remap is disabled"));
        }
        let a = old.as_ptr() as usize;
        self.check_shape(&mut st, Op::Remap, a, old_len)?;
        for len in [new_len, committed] {
            if len % self.page_size != 0 {
                let v = Violation::Misaligned {
                    op: Op::Remap,
                    addr: a,
                    len,
                };
                return Err(self.refuse(&mut st, v));
            }
        }
        if committed > old_len || old_len >= new_len {
            let v = Violation::RemapBadLengths {
                addr: a,
                old_len,
                committed,
                new_len,
            };
            return Err(self.refuse(&mut st, v));
        }
        self.check_whole(&mut st, a, old_len)?;
        let prefix = committed / self.page_size;
        let r = st.shadow.get(a).expect("check_whole found it");
        let wrong = (0..prefix)
            .find(|&i| r.page(i).state != PageState::Committed)
            .or_else(|| {
                r.touched_from(prefix)
                    .find(|&i| r.page(i).state == PageState::Committed)
            });
        if let Some(i) = wrong {
            let v = Violation::RemapWrongPrefix {
                addr: a,
                committed,
                page: a + i * self.page_size,
            };
            return Err(self.refuse(&mut st, v));
        }
        if st.faults.remap.decide() {
            st.stats.denied_remaps += 1;
            return Err(self.injected(Op::Remap));
        }
        // SAFETY: `old` is a live reservation, not used beyond its committed
        // prefix, whose tail the move drops.
        let checked = unsafe { self.check_poisoned_from(&mut st, old, prefix) };
        // SAFETY: checked above: `old`/`old_len` is one live reservation of
        // the inner mapper whose first `committed` bytes are committed and
        // the rest not, `committed <= old_len < new_len`, all page multiples.
        let new = unsafe { self.inner.remap(old, old_len, committed, new_len) }?;
        let moved = st.shadow.remove(a).expect("check_whole found it");
        st.shadow
            .insert(new.as_ptr() as usize, new_len, moved.into_prefix(prefix));
        st.stats.poisoned_pages_checked += checked;
        st.stats.remaps += 1;
        Ok(new)
    }
}
