//! `Region`: one reservation of address space and its committed prefix.
//!
//! The one place that knows which bytes may be touched:
//! `[base, base + committed)`. It calls the container's mapper (given with
//! its [`Settings`] on every call) and reports each call to telemetry. It
//! knows nothing of elements; the storage above it decides how much to
//! commit (with [`policy`]) and keeps the elements inside the prefix.

mod budget;
mod cache;
mod trimmer;

pub(crate) use budget::{has_room as budget_has_room, held as guarded_held};
pub use budget::{mapping_budget, set_mapping_budget, BUDGET_ENV};

pub(crate) use cache::cached_bytes;
#[cfg(feature = "test-util")]
pub(crate) use cache::isolated;
pub use cache::{
    DELAY as CACHE_DELAY, MAX_CACHED_BYTES as CACHE_MAX_BYTES,
    MAX_COMMITTED as CACHE_MAX_COMMITTED, MAX_ENTRIES as CACHE_MAX_ENTRIES,
};
pub use trimmer::CacheTrimmer;

use crate::error::Error;
use crate::mapper::Mapper;
use crate::op::{Cause, Op};
use crate::policy;
use crate::settings::Settings;
use crate::telemetry::{self, Footprint, Operation, Probe, Subject};
use std::io;
use std::ptr::{self, NonNull};

/// One reservation and its committed prefix. It holds the reservation
/// until its owner gives it back ([`unmap`](Region::unmap) or
/// [`give_back`](Region::give_back)); it has no `Drop` of its own, since
/// giving back needs the owner's settings.
pub(crate) struct Region {
    /// Start of the reservation (dangling while nothing is reserved).
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
    /// Whether this is the OS's unguarded kind of mapping
    /// ([`UNGUARDED`](crate::UNGUARDED)) in place of the container's
    /// mapper: one read-write mapping, committed by faulting it in,
    /// decommitted without protection.
    unguarded: bool,
}

// SAFETY: a Region owns its reservation outright (no aliasing handles).
unsafe impl Send for Region {}
// SAFETY: `&Region` gives only reads of plain fields.
unsafe impl Sync for Region {}

impl Region {
    /// A region with nothing reserved yet, on the container's mapper.
    pub(crate) const fn new() -> Self {
        Region {
            base: NonNull::dangling(),
            reserved: 0,
            committed: 0,
            populated: 0,
            unguarded: false,
        }
    }

    /// A region with nothing reserved yet that will take the OS's
    /// unguarded kind of mapping (for a container on the OS mapper).
    pub(crate) const fn new_unguarded() -> Self {
        Region {
            unguarded: true,
            ..Region::new()
        }
    }

    /// Whether the mapping is guarded: any but the OS's unguarded kind.
    #[inline]
    pub(crate) fn is_guarded(&self) -> bool {
        !self.unguarded
    }

    /// The mapper this region's calls go to.
    fn mapper<'a>(&self, cx: &'a Settings) -> &'a dyn Mapper {
        if self.unguarded {
            &crate::os::UNGUARDED
        } else {
            cx.mapper.get()
        }
    }

    /// Whether reservations are the OS mapper's guarded ones, which count
    /// against the kernel-mapping budget.
    fn counts_against_budget(&self, cx: &Settings) -> bool {
        cx.mapper.is_os() && !self.unguarded
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

    pub(crate) fn footprint(&self) -> Footprint {
        Footprint {
            committed: self.committed,
            reserved: self.reserved,
        }
    }

    /// Asks for huge pages over the whole reservation, if configured. A hint:
    /// a mapper that cannot is no error.
    fn advise(&self, cx: &Settings) {
        if cx.huge_pages && self.reserved > 0 {
            // SAFETY: base/reserved are our live reservation.
            let _ = unsafe { self.mapper(cx).advise_huge_pages(self.base, self.reserved) };
        }
    }

    /// Whose memory this region's events are about, now.
    fn subject<'a>(&self, cx: &'a Settings) -> Subject<'a> {
        Subject {
            label: &cx.label,
            mapper: self.mapper(cx).name(),
            guarded: !self.unguarded,
            holds: self.footprint(),
        }
    }

    fn probe(&self, cx: &Settings, op: Op, bytes: usize, to: usize) -> Probe {
        self.probe_for(cx, op, bytes, to, None)
    }

    /// The probe of a grow or shrink, which says why it happened.
    fn probe_for(
        &self,
        cx: &Settings,
        op: Op,
        bytes: usize,
        to_bytes: usize,
        cause: Option<Cause>,
    ) -> Probe {
        let what = Operation {
            op,
            bytes,
            to_bytes,
            cause,
        };
        Probe::start(self.subject(cx), what)
    }

    fn finish(&self, cx: &Settings, probe: Probe, error: Option<&io::Error>) {
        probe.finish(self.subject(cx), error);
    }

    /// Reserves `bytes` (a page multiple) when nothing is reserved yet: from
    /// the cache of released reservations when it holds one that fits (its
    /// committed pages come with it), else from the mapper.
    pub(crate) fn reserve(&mut self, cx: &Settings, bytes: usize) -> Result<(), Error> {
        debug_assert_eq!(self.reserved, 0);
        debug_assert!(bytes > 0 && bytes % cx.mapper.page_size() == 0);
        if cx.mapper.is_os() {
            let wanted = cache::Wanted {
                reserved: bytes,
                kind: cx.label.kind,
                unguarded: self.unguarded,
                decays: cx.decay.is_some(),
            };
            let (taken, expired) = cache::take(wanted);
            release_parked(expired);
            if let Some(parked) = taken {
                telemetry::cached_bytes(cache::cached_bytes());
                let probe = self.probe(cx, Op::Reuse, bytes, parked.committed);
                self.base = parked.base;
                self.reserved = parked.reserved;
                self.committed = parked.committed;
                // Its last owner touched these pages; populating them again
                // would cost a call per short-lived container for nothing.
                self.populated = parked.committed;
                self.finish(cx, probe, None);
                return Ok(());
            }
        }
        let probe = self.probe(cx, Op::Reserve, bytes, 0);
        match self.mapper(cx).reserve(bytes) {
            Ok(base) => {
                if self.counts_against_budget(cx) {
                    budget::taken();
                }
                self.base = base;
                self.reserved = bytes;
                self.advise(cx);
                self.finish(cx, probe, None);
                Ok(())
            }
            Err(source) => {
                self.finish(cx, probe, Some(&source));
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
    /// larger reservation, with the contents), and a reservation made for
    /// this grow alone is given back.
    pub(crate) fn grow(
        &mut self,
        cx: &Settings,
        to: usize,
        window: usize,
        live: usize,
        write_to: usize,
        cause: Cause,
    ) -> Result<(), Error> {
        debug_assert!(to > self.committed && to <= window && window >= self.reserved);
        // (A reservation reused from the cache may already cover `to`.)
        debug_assert!(live <= self.committed);
        let probe = self.probe_for(cx, Op::Grow, to - self.committed, to, Some(cause));
        let fresh = self.reserved == 0;
        let result = if fresh {
            self.reserve_fitting(cx, window, to)
        } else if window > self.reserved {
            self.relocate(cx, window, live)
        } else {
            Ok(())
        }
        .and_then(|()| {
            if to > self.committed {
                self.commit_to(cx, to)
            } else {
                Ok(())
            }
        });
        if result.is_ok() && write_to > live {
            self.prepare_writes(cx, live, write_to);
        }
        if result.is_err() && fresh && self.reserved > 0 {
            // Reserved for this grow alone: the caller holds nothing here.
            self.give_back(cx);
        }
        self.finish(cx, probe, result.as_ref().err().and_then(Error::os_error));
        result
    }

    /// Reserves `window` bytes or, when the mapper is out of address space
    /// (`ENOMEM` under `RLIMIT_AS`, say), the largest of `window / 2`,
    /// `window / 4`, ... that still holds `need` bytes. A smaller window
    /// only means the container moves sooner.
    fn reserve_fitting(&mut self, cx: &Settings, window: usize, need: usize) -> Result<(), Error> {
        let page = cx.mapper.page_size();
        let mut window = window;
        loop {
            match self.reserve(cx, window) {
                Err(e) if e.is_out_of_memory() => {
                    let smaller = policy::round_to_pages(window / 2, page)
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
    pub(crate) fn unmap(&mut self, cx: &Settings, cause: Cause) {
        debug_assert!(self.reserved > 0);
        let mut probe = self.probe_for(cx, Op::Shrink, self.committed, 0, Some(cause));
        if self.give_back(cx) {
            probe.set_parked();
        }
        self.finish(cx, probe, None);
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
    pub(crate) fn prepare_writes(&mut self, cx: &Settings, from: usize, to: usize) {
        let page = cx.mapper.page_size();
        let start = policy::round_down_to_pages(from, page).max(self.populated);
        // (Past `isize::MAX` rounded up: past the committed bytes anyway.)
        let end =
            policy::round_to_pages(to, page).map_or(self.committed, |end| end.min(self.committed));
        if end <= start {
            return;
        }
        // Raised first: a failed hint is not retried on every push.
        self.populated = end;
        if end - start < policy::POPULATE_MIN {
            return;
        }
        let probe = self.probe(cx, Op::Populate, end - start, self.committed);
        // SAFETY: `start < end <= committed`, both page-aligned: inside our
        // committed prefix. Populating only faults pages in, as the writes
        // that follow would.
        let result = unsafe { self.mapper(cx).populate(self.base.add(start), end - start) };
        match result {
            Err(e) if e.kind() == io::ErrorKind::Unsupported => probe.abandon(),
            _ => self.finish(cx, probe, result.as_ref().err()),
        }
    }

    /// Decommits everything past `to` bytes (a page multiple below
    /// `committed`). On failure the pages stay committed and usable.
    ///
    /// The caller guarantees nothing lives past `to`.
    pub(crate) fn shrink(&mut self, cx: &Settings, to: usize, cause: Cause) -> Result<(), Error> {
        debug_assert!(to < self.committed && to % cx.mapper.page_size() == 0);
        let probe = self.probe_for(cx, Op::Shrink, self.committed - to, to, Some(cause));
        let result = self.move_committed_end(cx, Op::Decommit, to);
        self.finish(cx, probe, result.as_ref().err().and_then(Error::os_error));
        result
    }

    /// Commits `[committed, to)`: the committed prefix grows to `to`.
    fn commit_to(&mut self, cx: &Settings, to: usize) -> Result<(), Error> {
        debug_assert!(to > self.committed && to <= self.reserved);
        self.move_committed_end(cx, Op::Commit, to)
    }

    /// Moves the end of the committed prefix to `to` by `op` (a commit or a
    /// decommit), reporting the call; on failure nothing changes.
    fn move_committed_end(&mut self, cx: &Settings, op: Op, to: usize) -> Result<(), Error> {
        let (start, end) = (self.committed.min(to), self.committed.max(to));
        let bytes = end - start;
        let probe = self.probe(cx, op, bytes, to);
        let mapper = self.mapper(cx);
        // SAFETY: `start < end <= reserved`: the range lies in our
        // reservation, page-aligned. A commit touches only reserved pages;
        // a decommit only pages past `to`, where the caller keeps nothing.
        let result = unsafe {
            let addr = self.base.add(start);
            match op {
                Op::Commit => mapper.commit(addr, bytes),
                _ => mapper.decommit(addr, bytes),
            }
        };
        match result {
            Ok(()) => {
                self.committed = to;
                // The unguarded kind commits by faulting the pages in.
                self.populated = match op {
                    Op::Commit if self.unguarded => to,
                    _ => self.populated.min(to),
                };
                self.finish(cx, probe, None);
                Ok(())
            }
            Err(source) => {
                self.finish(cx, probe, Some(&source));
                Err(Error::Os { op, bytes, source })
            }
        }
    }

    /// Moves to a reservation of `window` bytes keeping the committed prefix
    /// and its first `live` bytes: by `remap` where the mapper can, else by
    /// reserving, committing, copying and releasing.
    fn relocate(&mut self, cx: &Settings, window: usize, live: usize) -> Result<(), Error> {
        let probe = self.probe(cx, Op::Remap, window, self.committed);
        // SAFETY: base/reserved describe our live reservation whose first
        // `committed` bytes are committed; `committed <= reserved < window`.
        let remapped = unsafe {
            self.mapper(cx)
                .remap(self.base, self.reserved, self.committed, window)
        };
        match remapped {
            Ok(base) => {
                self.base = base;
                self.reserved = window;
                self.advise(cx);
                self.finish(cx, probe, None);
                return Ok(());
            }
            // Not an error: the mapper simply cannot; copy instead.
            Err(e) if e.kind() == io::ErrorKind::Unsupported => probe.abandon(),
            // A failed remap left the old reservation as it was; copying may
            // still succeed, and its own calls report if it does not.
            Err(e) => self.finish(cx, probe, Some(&e)),
        }

        let mut moved = Region {
            unguarded: self.unguarded,
            ..Region::new()
        };
        moved.reserve(cx, window)?;
        // (A reservation reused from the cache may come committed already.)
        if self.committed > moved.committed {
            if let Err(e) = moved.commit_to(cx, self.committed) {
                moved.give_back(cx);
                return Err(e);
            }
        }
        // SAFETY: both prefixes are committed and at least `live` long; the
        // two reservations are distinct, so the ranges do not overlap.
        unsafe { ptr::copy_nonoverlapping(self.base.as_ptr(), moved.base.as_ptr(), live) };
        // The copy faulted in the pages it wrote.
        let written = policy::round_to_pages(live, cx.mapper.page_size());
        moved.populated = written.map_or(moved.committed, |w| w.min(moved.committed));
        // `moved` now holds the old reservation, which goes back.
        std::mem::swap(self, &mut moved);
        moved.give_back(cx);
        Ok(())
    }

    /// Parks the reservation in the cache (OS mapper only) instead of
    /// releasing it; false if the cache would not take it.
    fn park(&mut self, cx: &Settings) -> bool {
        // Huge-page advice would follow the reservation to a container that
        // did not ask for it.
        if !cx.mapper.is_os() || cx.huge_pages {
            return false;
        }
        let entry = cache::Parked {
            base: self.base,
            reserved: self.reserved,
            committed: self.committed,
            kind: cx.label.kind,
            unguarded: self.unguarded,
            decays: cx.decay.is_some(),
            held: cache::Held::from_now(cx.decay),
        };
        let (parked, expired) = cache::park(entry);
        release_parked(expired);
        let parked = parked.is_ok();
        if !parked {
            return false;
        }
        telemetry::cached_bytes(cache::cached_bytes());
        let probe = self.probe(cx, Op::Park, self.reserved, 0);
        self.clear();
        self.finish(cx, probe, None);
        true
    }

    /// Gives the reservation back for good: parks it in the cache, or
    /// releases it. Afterwards nothing is reserved.
    ///
    /// The caller guarantees nothing lives in the reservation any more.
    /// Returns whether it was parked (its pages still resident).
    pub(crate) fn give_back(&mut self, cx: &Settings) -> bool {
        if self.reserved == 0 {
            return false;
        }
        let parked = self.park(cx);
        if !parked {
            self.release_now(cx);
        }
        parked
    }

    /// Releases the reservation. A failure is reported and the address
    /// space abandoned (leaked): there is nothing else to do with it, and
    /// the container holds it no more either way, so the failed release's
    /// event, too, says the container holds nothing after it.
    fn release_now(&mut self, cx: &Settings) {
        let probe = self.probe(cx, Op::Release, self.reserved, 0);
        // SAFETY: base/reserved are exactly our reservation; its owner has
        // dropped every element in it.
        let result = unsafe { self.mapper(cx).release(self.base, self.reserved) };
        if self.counts_against_budget(cx) {
            // Released, or leaked for good: either way no longer ours.
            budget::returned();
        }
        self.clear();
        self.finish(cx, probe, result.as_ref().err());
    }

    /// Forgets the reservation (it was parked or released).
    fn clear(&mut self) {
        *self = Region {
            unguarded: self.unguarded,
            ..Region::new()
        };
    }
}

/// Releases every reservation parked in the process-wide cache of released
/// reservations, returning the committed bytes given back to the OS.
///
/// Containers on [`MAPPER`](crate::MAPPER) park their reservation there
/// when dropped or emptied, if it has at most [`CACHE_MAX_COMMITTED`] bytes
/// committed (at most [`CACHE_MAX_ENTRIES`] are kept, holding at most
/// [`CACHE_MAX_BYTES`]), so that the next short-lived container reuses it,
/// pages and all, without a system call or a page fault. Each stays for
/// [`CACHE_DELAY`]: the first use of the cache after that releases it, as
/// does a [`CacheTrimmer`] if one runs. A container with the decay option
/// ([`Builder::decay`](crate::Builder::decay)) parks its reservation
/// whatever it holds, for its own delay; only containers that decay too
/// reuse it.
///
/// Until then the parked pages stay resident (in
/// [`Stats::cached_bytes`](crate::Stats::cached_bytes), not in any
/// container's committed bytes): call this to have them back at once.
/// When it returns, everything parked before the call is back with the
/// OS, also what another thread was releasing meanwhile (it waits for
/// that thread; the bytes count in the other thread's return value).
pub fn trim_cache() -> usize {
    release_parked(cache::take_all())
}

/// The cache's locks, for the fork handlers.
#[cfg(unix)]
pub(crate) fn fork_locks() -> impl Iterator<Item = &'static dyn crate::sync::HeldAcrossFork> {
    cache::fork_locks()
}

/// Releases reservations taken out of the cache, reporting each release;
/// returns the committed bytes given back to the OS. Each leaves the
/// cache's bytes once released, and the cache's release lock, if `expired`
/// holds it, is let go after the last.
fn release_parked(mut expired: cache::Expired) -> usize {
    let entries = std::mem::take(&mut expired.entries);
    if entries.is_empty() {
        return 0;
    }
    let mut returned = 0;
    for parked in entries {
        // Its owner for a moment, so the release is reported like any other.
        let cx = Settings::light(parked.kind, crate::settings::HeapLimit::NONE);
        // Its bytes already left every container's accounts when it was
        // parked, so the release is reported as moving nothing: it starts
        // from an empty footprint.
        let region = Region {
            unguarded: parked.unguarded,
            ..Region::new()
        };
        let probe = region.probe(&cx, Op::Release, parked.reserved, 0);
        // SAFETY: a parked reservation is owned by the cache alone, and was
        // made by the OS mapper (of its kind) with exactly this base and
        // length.
        let result = unsafe { region.mapper(&cx).release(parked.base, parked.reserved) };
        if region.counts_against_budget(&cx) {
            budget::returned();
        }
        expired.released(&parked);
        if result.is_ok() {
            returned += parked.committed;
        }
        region.finish(&cx, probe, result.as_ref().err());
    }
    telemetry::cached_bytes(cache::cached_bytes());
    returned
}
