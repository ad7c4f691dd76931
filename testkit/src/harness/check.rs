//! The checks after every step, and at the end of a case.

use super::{Harness, Subject};
use crate::{ledger, Elem, Tally};

impl<T: Elem, C: Subject<T>> Harness<T, C> {
    /// The checks after every step.
    pub fn check(&self) {
        let (v, model) = (&self.v, &self.model);
        ensure!(
            self.ctx,
            v.len() == C::model_len(model),
            "len {} != model {}",
            v.len(),
            C::model_len(model)
        );
        if let Some(why) = v.differs(model) {
            panic!("fuzz check failed: {why}{}", self.ctx);
        }
        let size = size_of::<T>();
        let (committed, page) = (v.committed_bytes(), self.page);
        let base = v.as_slice().as_ptr() as *const u8;
        if v.storage() != mapped::Storage::Mapped {
            ensure!(
                self.ctx,
                committed == 0
                    && v.reserved_bytes() == 0
                    && v.heap_bytes() >= v.len() * size
                    && v.heap_bytes() <= self.heap_limit.max(size)
                    && self.mock.live_reservations() == 0
                    && self.mock.committed_bytes() == 0,
                "on the heap ({} bytes, limit {}): committed {committed}, reserved {}, \
                 {} live reservations",
                v.heap_bytes(),
                self.heap_limit,
                v.reserved_bytes(),
                self.mock.live_reservations()
            );
            return self.check_clean();
        }
        ensure!(
            self.ctx,
            self.mock.check_committed(base, v.len() * size),
            "live elements [{base:p}, +{:#x}) not wholly in committed pages",
            v.len() * size
        );
        ensure!(
            self.ctx,
            committed % page == 0 && v.capacity() >= v.len() && committed >= v.len() * size,
            "committed {committed} for {} elements of {size} bytes",
            v.len()
        );
        ensure!(
            self.ctx,
            self.mock.check_committed(base, committed),
            "the container says {committed} bytes are committed, the mapper disagrees"
        );
        let shadow = self.mock.committed_bytes();
        ensure!(
            self.ctx,
            shadow == committed,
            "the container says {committed} bytes are committed, the mapper's shadow {shadow}"
        );
        let reservations = self.mock.live_reservations();
        ensure!(
            self.ctx,
            reservations == usize::from(v.reserved_bytes() > 0)
                && self.mock.reserved_bytes() == v.reserved_bytes(),
            "{reservations} live reservations of {} bytes; the container has {} bytes",
            self.mock.reserved_bytes(),
            v.reserved_bytes()
        );
        self.check_clean();
    }

    /// The checks of every step whatever the storage: no violation, no
    /// redundant commit, every tracked element alive exactly once.
    fn check_clean(&self) {
        let (v, model) = (&self.v, &self.model);
        let stats = self.mock.stats();
        ensure!(
            self.ctx,
            stats.violations == 0,
            "violations: {}",
            self.mock.report()
        );
        // A container whose idea of its committed bytes is true never commits
        // a page that is committed already.
        ensure!(
            self.ctx,
            stats.redundant_commit_pages == 0,
            "{} pages committed while already committed",
            stats.redundant_commit_pages
        );
        if T::TRACKED {
            let bad = ledger::bad_drops();
            ensure!(
                self.ctx,
                bad.is_empty(),
                "dropped twice (or junk dropped): serials {bad:?}"
            );
            let live = ledger::live();
            ensure!(
                self.ctx,
                live == v.len() + C::model_len(model),
                "{live} tracked instances live, {} in the container and {} in the model",
                v.len(),
                C::model_len(model)
            );
        }
    }

    /// Drops everything and checks the end state: zero violations, every
    /// reservation released, every element dropped exactly once.
    pub fn finish(self) -> Tally {
        let Harness {
            mock,
            v,
            model,
            ctx,
            mut tally,
            ..
        } = self;
        drop(v);
        drop(model);
        tally.cases = 1;
        tally.absorb_stats(&mock.stats());
        ensure!(
            ctx,
            mock.violations().is_empty(),
            "violations at the end: {}",
            mock.report()
        );
        mock.assert_clean();
        ensure!(
            ctx,
            mock.live_reservations() == 0,
            "{} reservations not released",
            mock.live_reservations()
        );
        let end = mock.stats();
        ensure!(
            ctx,
            end.poisoned_pages_checked == end.poisoned_pages,
            "{} pages poisoned but {} checked",
            end.poisoned_pages,
            end.poisoned_pages_checked
        );
        if T::TRACKED {
            let (created, dropped) = ledger::counts();
            let bad = ledger::bad_drops();
            ensure!(
                ctx,
                bad.is_empty() && created == dropped && ledger::live() == 0,
                "{created} tracked instances made, {dropped} dropped, {} live, bad drops {bad:?}",
                ledger::live()
            );
        }
        tally
    }
}
