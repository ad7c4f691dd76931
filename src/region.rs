//! `Region`: one reservation of address space and its committed prefix.
//!
//! The only caller of a [`Mapper`](crate::Mapper), and so the one place
//! that knows which bytes may be touched: `[base, base + committed)`. It
//! knows nothing of elements; the containers above it decide how much to
//! commit (with [`policy`]) and keep their elements inside the prefix.

mod cache;

pub(crate) use cache::committed_bytes as cached_bytes;
pub(crate) use cache::{
    hold_for_fork as hold_cache_for_fork, release_after_fork as release_cache_after_fork,
};
pub use cache::{
    MAX_CACHED_BYTES as CACHE_MAX_BYTES, MAX_COMMITTED as CACHE_MAX_COMMITTED,
    MAX_ENTRIES as CACHE_MAX_ENTRIES,
};

use crate::error::Error;
use crate::mapper::MapperRef;
use crate::policy;
use crate::telemetry::{self, Footprint, Label, Op, Probe};
use std::io;
use std::mem;
use std::ptr::{self, NonNull};
use std::time::{Duration, Instant};

pub(crate) struct Region {
    /// Start of the reservation; a dangling, suitably aligned address while
    /// nothing is reserved.
    base: NonNull<u8>,
    /// Bytes reserved at `base` (0: nothing reserved).
    reserved: usize,
    /// Bytes committed at `base`: a page multiple, `<= reserved`.
    committed: usize,
    /// Bytes at `base` that need no populate hint before writes: faulted in
    /// already (written, copied into, or reused from the cache), populated
    /// ahead, or too few to be worth a call. A page multiple,
    /// `<= committed`.
    populated: usize,
    page_size: usize,
    /// Whether reservations are advised to use transparent huge pages.
    huge_pages: bool,
    /// The owner's decay delay, if it has one: how long its reservation may
    /// stay parked in the cache with all its pages when it is dropped.
    decay: Option<Duration>,
    mapper: MapperRef,
    label: Label,
}

// SAFETY: a Region owns its reservation outright (no aliasing handles), and
// `MapperRef` is Send + Sync because `Mapper: Send + Sync`.
unsafe impl Send for Region {}
// SAFETY: `&Region` gives only reads of plain fields.
unsafe impl Sync for Region {}

impl Region {
    /// A region with nothing reserved yet. `dangling` is the base reported
    /// until then: non-null and aligned for the elements that will live here.
    pub(crate) fn new(mapper: MapperRef, label: Label, dangling: NonNull<u8>) -> Self {
        let page_size = mapper.get().page_size();
        Region {
            base: dangling,
            reserved: 0,
            committed: 0,
            populated: 0,
            page_size,
            huge_pages: false,
            decay: None,
            mapper,
            label,
        }
    }

    /// Back future reservations with transparent huge pages where the mapper
    /// can (a hint; see [`Mapper::advise_huge_pages`](crate::Mapper::advise_huge_pages)).
    pub(crate) fn set_huge_pages(&mut self, on: bool) {
        self.huge_pages = on;
    }

    /// The owner keeps unused memory for `delay`: so may the cache, when the
    /// owner is dropped (a zero delay keeps nothing extra).
    pub(crate) fn set_decay(&mut self, delay: Option<Duration>) {
        self.decay = delay.filter(|d| !d.is_zero());
    }

    #[inline]
    pub(crate) fn base(&self) -> NonNull<u8> {
        self.base
    }

    #[inline]
    pub(crate) fn committed(&self) -> usize {
        self.committed
    }

    /// See the field: writes below this need no [`prepare_writes`](Self::prepare_writes).
    #[inline]
    pub(crate) fn populated(&self) -> usize {
        self.populated
    }

    #[inline]
    pub(crate) fn reserved(&self) -> usize {
        self.reserved
    }

    #[inline]
    pub(crate) fn page_size(&self) -> usize {
        self.page_size
    }

    /// The `container` label: `vector` or `queue`.
    pub(crate) fn container(&self) -> &'static str {
        self.label.container
    }

    /// Calls the container something else (`vector` or `queue`): its
    /// memory moves to the new label's gauges with it.
    pub(crate) fn set_container(&mut self, container: &'static str) {
        if self.label.container == container {
            return;
        }
        let before = self.label.clone();
        self.label.container = container;
        telemetry::relabel(
            &before,
            &self.label,
            self.mapper.get().name(),
            self.footprint(),
        );
    }

    /// An empty region with the same mapper and label.
    pub(crate) fn empty_like(&self, dangling: NonNull<u8>) -> Self {
        let mut region = Region::new(self.mapper.clone(), self.label.clone(), dangling);
        region.huge_pages = self.huge_pages;
        region.decay = self.decay;
        region
    }

    /// Asks for huge pages over the whole reservation, if configured. A hint:
    /// a mapper that cannot is no error.
    fn advise(&self) {
        if self.huge_pages && self.reserved > 0 {
            // SAFETY: base/reserved are our live reservation.
            let _ = unsafe {
                self.mapper
                    .get()
                    .advise_huge_pages(self.base, self.reserved)
            };
        }
    }

    fn footprint(&self) -> Footprint {
        Footprint {
            committed: self.committed,
            reserved: self.reserved,
        }
    }

    fn probe(&self, op: Op, bytes: usize, to: usize) -> Probe {
        Probe::start(
            op,
            &self.label,
            self.mapper.get().name(),
            bytes,
            self.footprint(),
            to,
        )
    }

    fn finish(&self, probe: Probe, error: Option<&io::Error>) {
        probe.finish(
            &self.label,
            self.mapper.get().name(),
            self.footprint(),
            error,
        );
    }

    /// Reserves `bytes` (a page multiple) when nothing is reserved yet: from
    /// the cache of released reservations when it holds one that fits (its
    /// committed pages come with it), else from the mapper.
    pub(crate) fn reserve(&mut self, bytes: usize) -> Result<(), Error> {
        debug_assert_eq!(self.reserved, 0);
        debug_assert!(bytes > 0 && bytes % self.page_size == 0);
        if self.mapper.is_os() {
            let mut expired = Vec::new();
            let taken = cache::take(
                bytes,
                self.label.container,
                self.decay.is_some(),
                &mut expired,
            );
            release_parked(expired);
            if let Some(parked) = taken {
                let probe = self.probe(Op::Reuse, bytes, parked.committed);
                self.base = parked.base;
                self.reserved = parked.reserved;
                self.committed = parked.committed;
                // Its last owner touched these pages; populating them again
                // would cost a call per short-lived container for nothing.
                self.populated = parked.committed;
                self.finish(probe, None);
                return Ok(());
            }
        }
        let probe = self.probe(Op::Reserve, bytes, 0);
        let result = self.mapper.get().reserve(bytes);
        match result {
            Ok(base) => {
                self.base = base;
                self.reserved = bytes;
                self.advise();
                self.finish(probe, None);
                Ok(())
            }
            Err(source) => {
                self.finish(probe, Some(&source));
                Err(Error::Os {
                    op: Op::Reserve,
                    bytes,
                    source,
                })
            }
        }
    }

    /// Commits up to `to` bytes, first reserving or moving to a reservation
    /// of `window` bytes if the current one is smaller. `live` bytes at the
    /// start are what a move must keep; the bytes from `live` to `write_to`
    /// are about to be written, so they are prepared with
    /// [`prepare_writes`](Self::prepare_writes) (pass `write_to <= live`
    /// when nothing is known to follow).
    ///
    /// On failure nothing a caller can see has changed: the same bytes are
    /// committed and hold the same contents (the base may have moved to a
    /// larger reservation, with the contents).
    pub(crate) fn grow(
        &mut self,
        to: usize,
        window: usize,
        live: usize,
        write_to: usize,
    ) -> Result<(), Error> {
        debug_assert!(to > self.committed && to <= window && window >= self.reserved);
        // (A reservation reused from the cache may already cover `to`.)
        debug_assert!(live <= self.committed);
        let probe = self.probe(Op::Grow, to - self.committed, to);
        let fresh = self.reserved == 0;
        let result = if fresh {
            self.reserve_fitting(window, to)
        } else if window > self.reserved {
            self.relocate(window, live)
        } else {
            Ok(())
        }
        .and_then(|()| {
            if to > self.committed {
                self.commit_to(to)
            } else {
                Ok(())
            }
        });
        if result.is_ok() && write_to > live {
            self.prepare_writes(live, write_to);
        }
        if result.is_err() && fresh && self.reserved > 0 {
            // Reserved for this grow alone: the caller holds nothing here.
            self.give_back();
        }
        self.finish(probe, result.as_ref().err().and_then(Error::os_error));
        result
    }

    /// Reserves `window` bytes or, when the mapper is out of address space
    /// (`ENOMEM` under `RLIMIT_AS`, say), the largest of `window / 2`,
    /// `window / 4`, ... that still holds `need` bytes. A smaller window
    /// only means the container moves sooner.
    fn reserve_fitting(&mut self, window: usize, need: usize) -> Result<(), Error> {
        let mut window = window;
        loop {
            match self.reserve(window) {
                Err(e) if e.is_out_of_memory() => {
                    let smaller = policy::round_to_pages(window / 2, self.page_size)
                        .filter(|&w| w >= need && w < window);
                    match smaller {
                        Some(smaller) => window = smaller,
                        None => return Err(e),
                    }
                }
                done => return done,
            }
        }
    }

    /// Gives the whole reservation back, for the container to go on without
    /// one (its contents moved to the heap): a `shrink` to nothing, with the
    /// `park` or `release` inside.
    ///
    /// The caller guarantees nothing lives in the reservation any more.
    pub(crate) fn unmap(&mut self) {
        debug_assert!(self.reserved > 0);
        let probe = self.probe(Op::Shrink, self.committed, 0);
        self.give_back();
        self.finish(probe, None);
    }

    /// Whether a reservation is held: the container's contents live here.
    #[inline]
    pub(crate) fn is_mapped(&self) -> bool {
        self.reserved > 0
    }

    /// Gets the committed bytes `[from, to)` ready to be written: faults in
    /// the pages among them not yet [`populated`](Self::populated) with one
    /// call, rather than one trap per page, unless they are too few to be
    /// worth it. Afterwards `populated()` covers `to` (or all committed
    /// bytes, if `to` lies beyond).
    ///
    /// A hint: a mapper that cannot populate (or an old kernel) leaves the
    /// writes to fault the pages in themselves, and is asked again only for
    /// later ranges.
    pub(crate) fn prepare_writes(&mut self, from: usize, to: usize) {
        let page_mask = !(self.page_size - 1);
        let start = (from & page_mask).max(self.populated);
        let end = (to.saturating_add(self.page_size - 1) & page_mask).min(self.committed);
        if end <= start {
            return;
        }
        // Raised first: a failed hint is not retried on every push.
        self.populated = end;
        if end - start < policy::POPULATE_MIN {
            return;
        }
        let probe = self.probe(Op::Populate, end - start, self.committed);
        // SAFETY: `start < end <= committed`, both page-aligned: inside our
        // committed prefix. Populating only faults pages in, as the writes
        // that follow would.
        let result = unsafe {
            self.mapper
                .get()
                .populate(self.base.add(start), end - start)
        };
        match result {
            Err(e) if e.kind() == io::ErrorKind::Unsupported => probe.abandon(),
            _ => self.finish(probe, result.as_ref().err()),
        }
    }

    /// Decommits everything past `to` bytes (a page multiple below
    /// `committed`). On failure the pages stay committed and usable.
    ///
    /// The caller guarantees nothing lives past `to`.
    pub(crate) fn shrink(&mut self, to: usize) -> Result<(), Error> {
        debug_assert!(to < self.committed && to % self.page_size == 0);
        let probe = self.probe(Op::Shrink, self.committed - to, to);
        let result = self.decommit_to(to);
        self.finish(probe, result.as_ref().err().and_then(Error::os_error));
        result
    }

    /// Commits `[committed, to)`: the committed prefix grows to `to`.
    fn commit_to(&mut self, to: usize) -> Result<(), Error> {
        debug_assert!(to > self.committed && to <= self.reserved);
        self.move_committed_end(Op::Commit, to)
    }

    /// Decommits `[to, committed)`: the committed prefix shrinks to `to`.
    fn decommit_to(&mut self, to: usize) -> Result<(), Error> {
        debug_assert!(to < self.committed);
        self.move_committed_end(Op::Decommit, to)
    }

    /// Moves the end of the committed prefix to `to` by `op` (a commit or a
    /// decommit), reporting the call; on failure nothing changes.
    fn move_committed_end(&mut self, op: Op, to: usize) -> Result<(), Error> {
        let (start, end) = (self.committed.min(to), self.committed.max(to));
        let bytes = end - start;
        let probe = self.probe(op, bytes, to);
        // SAFETY: `start < end <= reserved`: the range lies in our
        // reservation, page-aligned. A commit touches only reserved pages;
        // a decommit only pages past `to`, where the caller keeps nothing.
        let result = unsafe {
            let addr = self.base.add(start);
            match op {
                Op::Commit => self.mapper.get().commit(addr, bytes),
                _ => self.mapper.get().decommit(addr, bytes),
            }
        };
        match result {
            Ok(()) => {
                self.committed = to;
                self.populated = self.populated.min(to);
                self.finish(probe, None);
                Ok(())
            }
            Err(source) => {
                self.finish(probe, Some(&source));
                Err(Error::Os { op, bytes, source })
            }
        }
    }

    /// Moves to a reservation of `window` bytes keeping the committed prefix
    /// and its first `live` bytes: by `remap` where the mapper can, else by
    /// reserving, committing, copying and releasing.
    fn relocate(&mut self, window: usize, live: usize) -> Result<(), Error> {
        let probe = self.probe(Op::Remap, window, self.committed);
        // SAFETY: base/reserved describe our live reservation whose first
        // `committed` bytes are committed; `committed <= reserved < window`.
        let remapped = unsafe {
            self.mapper
                .get()
                .remap(self.base, self.reserved, self.committed, window)
        };
        match remapped {
            Ok(base) => {
                self.base = base;
                self.reserved = window;
                self.advise();
                self.finish(probe, None);
                return Ok(());
            }
            // Not an error: the mapper simply cannot; copy instead.
            Err(e) if e.kind() == io::ErrorKind::Unsupported => probe.abandon(),
            // A failed remap left the old reservation as it was; copying may
            // still succeed, and its own calls report if it does not.
            Err(e) => self.finish(probe, Some(&e)),
        }

        let mut moved = self.empty_like(self.base);
        moved.reserve(window)?;
        if self.committed > 0 {
            moved.commit_to(self.committed)?;
        }
        // SAFETY: both prefixes are committed and at least `live` long; the
        // two reservations are distinct, so the ranges do not overlap.
        unsafe { ptr::copy_nonoverlapping(self.base.as_ptr(), moved.base.as_ptr(), live) };
        // The copy faulted in the pages it wrote.
        let written = (live + self.page_size - 1) & !(self.page_size - 1);
        moved.populated = written.min(moved.committed);
        // `moved` now holds the old reservation, which its drop releases.
        mem::swap(self, &mut moved);
        Ok(())
    }
}

impl Region {
    /// Parks the reservation in the cache (OS mapper only) instead of
    /// releasing it; false if the cache would not take it.
    fn park(&mut self) -> bool {
        // Huge-page advice would follow the reservation to a container that
        // did not ask for it.
        if !self.mapper.is_os() || self.huge_pages {
            return false;
        }
        let entry = cache::Parked {
            base: self.base,
            reserved: self.reserved,
            committed: self.committed,
            container: self.label.container,
            decay: self.decay.map(|delay| cache::Held {
                since: Instant::now(),
                delay,
            }),
        };
        let mut expired = Vec::new();
        let parked = cache::park(entry, &mut expired).is_ok();
        release_parked(expired);
        if !parked {
            return false;
        }
        let probe = self.probe(Op::Park, self.reserved, 0);
        self.reserved = 0;
        self.committed = 0;
        self.populated = 0;
        self.finish(probe, None);
        true
    }

    /// Parks the reservation in the cache, or releases it.
    fn give_back(&mut self) {
        if !self.park() {
            self.release_now();
        }
    }

    /// Releases the reservation. A failure is reported and the address
    /// space leaked: there is nothing else to do with it.
    fn release_now(&mut self) {
        let probe = self.probe(Op::Release, self.reserved, 0);
        // SAFETY: base/reserved are exactly our reservation; its owner (the
        // container) has dropped every element in it before dropping us.
        let result = unsafe { self.mapper.get().release(self.base, self.reserved) };
        if result.is_ok() {
            self.committed = 0;
            self.reserved = 0;
        }
        self.finish(probe, result.as_ref().err());
        self.reserved = 0;
        self.committed = 0;
        self.populated = 0;
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        if self.reserved > 0 {
            self.give_back();
        }
    }
}

/// Releases every reservation parked in the process-wide cache of released
/// reservations, returning the committed bytes given back to the OS.
///
/// Containers on [`MAPPER`](crate::MAPPER) park their reservation there when
/// dropped, if it has at most [`CACHE_MAX_COMMITTED`] bytes committed (at
/// most [`CACHE_MAX_ENTRIES`] are kept, holding at most [`CACHE_MAX_BYTES`]),
/// so that the next short-lived container reuses it, pages and all, without
/// a system call or a page fault. A container with the decay option
/// ([`Builder::decay`](crate::Builder::decay)) parks its reservation
/// whatever it holds, for its delay; only containers that decay too reuse
/// it, and the first use of the cache after the delay releases it.
pub fn trim_cache() -> usize {
    release_parked(cache::take_all())
}

/// Releases reservations taken out of the cache, reporting each release;
/// returns the committed bytes given back to the OS.
fn release_parked(parked: Vec<cache::Parked>) -> usize {
    let mut returned = 0;
    for parked in parked {
        // Its owner for a moment, so the release is reported like any other.
        let mut label = Label::vector();
        label.container = parked.container;
        // Its bytes already left every container's accounts when it was
        // parked, so the release is reported as moving nothing: it starts
        // from an empty footprint.
        let mut region = Region::new(MapperRef::from(crate::MAPPER), label, parked.base);
        let probe = region.probe(Op::Release, parked.reserved, 0);
        region.base = parked.base;
        region.reserved = parked.reserved;
        returned += parked.committed;
        // SAFETY: a parked reservation is owned by the cache alone, and was
        // made by the OS mapper with exactly this base and length.
        let result = unsafe { region.mapper.get().release(parked.base, parked.reserved) };
        region.reserved = 0;
        region.finish(probe, result.as_ref().err());
    }
    returned
}
