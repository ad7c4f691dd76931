//! Grow after decommit, explicitly (issue 4, part 2): vectors are filled,
//! emptied or shrunk in every way the API allows (pages are decommitted and
//! poisoned), and grown again, across sizes from one page to thousands of
//! pages, with the window moving (by remap and by copy). The audit proves
//! each page is committed before the first write to it:
//!
//! - before each push the slot it writes is committed exactly when
//!   `len < capacity` (the vector's idea of its memory is the mapper's);
//!   a push into a slot that is not committed must commit it, and after the
//!   push the slot is committed (`check_committed`);
//! - after each shrink the pages past the new end are `Decommitted`
//!   (`page_state`) and the pages before it `Committed`;
//! - in poison mode every decommitted page keeps its poison until it is
//!   committed again (checked by the mock at recommit, remap and release:
//!   `violations()` stays empty, and every poisoned page is checked);
//! - `check_committed` holds for each range of elements right before it is
//!   read back, and the values read back are the ones pushed after the
//!   regrow (the recommitted pages were filled with junk, so stale or
//!   zeroed data would show).
//!
//! The BUG-ANALYSIS scenario (10k `i32` pushed, all popped, 10k pushed) runs
//! on the mock in poison mode here and in trap mode in a child process.

use mapped::MappedVector;
use mapped_mock::{child, FaultyMapper, Mode, PageState};
use mapped_testkit::expect;
use mapped_testkit::{Big, Elem, Tri};
use std::mem::size_of;
use std::sync::Arc;

fn mock(mode: Mode, remap: bool, seed: u64) -> Arc<FaultyMapper> {
    FaultyMapper::builder()
        .seed(seed)
        .mode(mode)
        .remap(remap)
        .build_arc()
}

/// The audit of one vector on one mock.
struct Audit<'a, T: Elem, const N: usize> {
    mock: &'a FaultyMapper,
    v: MappedVector<T, N>,
    ctx: String,
    page: usize,
}

impl<'a, T: Elem, const N: usize> Audit<'a, T, N> {
    fn new(mock: &'a Arc<FaultyMapper>, window_pages: Option<usize>, ctx: String) -> Self {
        let page = mapped::Mapper::page_size(&**mock);
        // Always mapped (heap limit 0): the audit is of pages, decommitted
        // and recommitted. The heap front's moves are fuzzed by the model
        // loop (`common_fuzz`) and the BUG-ANALYSIS scenario below.
        let mut b = MappedVector::<T, N>::builder(mock.clone()).heap_limit(0);
        if let Some(w) = window_pages {
            b = b.initial_window(w * page);
        }
        let v = b.build().expect("build");
        let ctx = format!("{ctx}, T = {}, N = {N} (seed {})", T::NAME, mock.seed());
        Audit { mock, v, ctx, page }
    }

    fn size() -> usize {
        size_of::<T>()
    }

    fn initial(&self) -> usize {
        expect::floor(N, self.page, Self::size())
    }

    fn base(&self) -> *const u8 {
        self.v.as_ptr().cast()
    }

    /// Pushes `make(f(i))` for `i` in `len..n`, auditing each push.
    fn grow_to(&mut self, n: usize, f: impl Fn(usize) -> u64) {
        let size = Self::size();
        while self.v.len() < n {
            let len = self.v.len();
            let slot = self.v.as_ptr().wrapping_add(len).cast::<u8>();
            let room = len < self.v.capacity();
            let committed = self.v.reserved_bytes() > 0 && self.mock.check_committed(slot, size);
            assert_eq!(
                committed, room,
                "{}: before push #{len}: slot committed = {committed} but len < capacity = {room}",
                self.ctx
            );
            let commits = self.mock.stats().commits;
            if let Err(e) = self.v.push(T::make(f(len))) {
                panic!("{}: push #{len} failed: {}", self.ctx, e.error());
            }
            let slot = self.v.as_ptr().wrapping_add(len).cast::<u8>();
            assert!(
                self.mock.check_committed(slot, size),
                "{}: after push #{len} its slot is not committed",
                self.ctx
            );
            if !room {
                assert!(
                    self.mock.stats().commits > commits,
                    "{}: push #{len} filled a slot that was not committed without a commit",
                    self.ctx
                );
            }
        }
        self.assert_pages();
    }

    /// Reads every element back, each page's worth right after checking it
    /// is committed.
    fn read_back(&self, f: impl Fn(usize) -> u64) {
        let size = Self::size();
        let chunk = (self.page / size).max(1);
        let len = self.v.len();
        let mut i = 0;
        while i < len {
            let n = chunk.min(len - i);
            let p = self.v.as_ptr().wrapping_add(i).cast::<u8>();
            assert!(
                self.mock.check_committed(p, n * size),
                "{}: elements {i}..{} are not committed when read back",
                self.ctx,
                i + n
            );
            for (j, x) in self.v[i..i + n].iter().enumerate() {
                let want = T::make(f(i + j));
                assert!(
                    *x == want,
                    "{}: element {} is {x:?}, pushed {want:?}",
                    self.ctx,
                    i + j
                );
            }
            i += n;
        }
    }

    /// Every page before the committed end is committed, the page after it
    /// is not, and the mapper's shadow agrees with the vector.
    fn assert_pages(&self) {
        let committed = self.v.committed_bytes();
        if self.v.reserved_bytes() == 0 {
            assert_eq!(committed, 0, "{}", self.ctx);
            return;
        }
        let base = self.base();
        for p in (0..committed).step_by(self.page) {
            assert_eq!(
                self.mock.page_state(base.wrapping_add(p)),
                Some(PageState::Committed),
                "{}: page at +{p:#x} of {committed:#x} committed bytes",
                self.ctx
            );
        }
        if committed < self.v.reserved_bytes() {
            assert_ne!(
                self.mock.page_state(base.wrapping_add(committed)),
                Some(PageState::Committed),
                "{}: the page after the committed end is committed",
                self.ctx
            );
        }
        assert_eq!(self.mock.committed_bytes(), committed, "{}", self.ctx);
        assert!(
            self.mock.violations().is_empty(),
            "{}: {}",
            self.ctx,
            self.mock.report()
        );
    }

    /// After a shrink from `before` committed bytes: the pages given back
    /// are decommitted.
    fn assert_given_back(&self, before: usize, want: usize, how: &str) {
        let committed = self.v.committed_bytes();
        assert_eq!(
            committed, want,
            "{}: after {how}, {committed} bytes committed, the policy says {want}",
            self.ctx
        );
        let base = self.base();
        for p in (committed..before).step_by(self.page) {
            assert_eq!(
                self.mock.page_state(base.wrapping_add(p)),
                Some(PageState::Decommitted),
                "{}: after {how}, page +{p:#x} (of {before:#x} before)",
                self.ctx
            );
        }
        self.assert_pages();
    }

    /// The committed bytes a shrink policy step leaves for `len` elements
    /// when `committed` are committed.
    fn after_shrink(&self, len: usize, committed: usize) -> usize {
        let live = len * Self::size();
        if expect::sparse(live, committed, self.initial()) {
            expect::after_shrink(live, self.initial(), self.page)
        } else {
            committed
        }
    }

    /// Ends the audit: drops the vector; every reservation released, no
    /// violation, every poisoned page checked.
    fn finish(self) {
        let Audit { mock, v, ctx, .. } = self;
        drop(v);
        assert_eq!(mock.live_reservations(), 0, "{ctx}");
        mock.assert_clean();
        let s = mock.stats();
        assert_eq!(s.poisoned_pages, s.poisoned_pages_checked, "{ctx}: {s:?}");
        if mock.mode() == Mode::Poison {
            // Every page given back was poisoned (so a write to it shows).
            assert_eq!(s.poisoned_pages, s.decommitted_pages, "{ctx}: {s:?}");
        }
    }
}

/// The ways to empty or shrink a vector.
#[derive(Clone, Copy, Debug)]
enum Shrink {
    PopAll,
    Clear,
    /// Truncate to a quarter, then to nothing.
    TruncateSteps,
    DrainAll,
    RetainNone,
    /// `remove(0)` until only an eighth is left.
    RemoveFront,
    /// Truncate to a tenth, then `shrink_to_fit`.
    TruncateFit,
}

const SHRINKS: [Shrink; 7] = [
    Shrink::PopAll,
    Shrink::Clear,
    Shrink::TruncateSteps,
    Shrink::DrainAll,
    Shrink::RetainNone,
    Shrink::RemoveFront,
    Shrink::TruncateFit,
];

fn first(i: usize) -> u64 {
    i as u64
}

fn second(i: usize) -> u64 {
    (i as u64).wrapping_mul(7) + 1_000_003
}

/// Fills `pages` pages' worth, shrinks as `how` says (auditing what is
/// given back), grows back to twice the size, and reads everything back.
fn scenario<T: Elem, const N: usize>(
    mode: Mode,
    remap: bool,
    window_pages: Option<usize>,
    pages: usize,
    how: Shrink,
) {
    let m = mock(mode, remap, pages as u64);
    let ctx = format!(
        "{pages} pages, {how:?}, window {window_pages:?} pages, remap {remap}, mode {mode:?}"
    );
    let mut a = Audit::<T, N>::new(&m, window_pages, ctx);
    let n = (pages * a.page / size_of::<T>()).max(1);
    a.grow_to(n, first);
    a.read_back(first);
    let peak = a.v.committed_bytes();
    let len = a.v.len();
    match how {
        Shrink::PopAll => {
            let mut c = peak;
            while let Some(x) = a.v.pop() {
                assert!(x == T::make(first(a.v.len())), "{}: popped {x:?}", a.ctx);
                let want = a.after_shrink(a.v.len(), c);
                assert_eq!(
                    a.v.committed_bytes(),
                    want,
                    "{}: at len {}",
                    a.ctx,
                    a.v.len()
                );
                c = want;
            }
            a.assert_given_back(peak, a.initial(), "popping all");
        }
        Shrink::Clear => {
            a.v.clear();
            a.assert_given_back(peak, a.initial().min(peak), "clear");
        }
        Shrink::TruncateSteps => {
            a.v.truncate(len / 4);
            let want = a.after_shrink(len / 4, peak);
            a.assert_given_back(peak, want, "truncate to a quarter");
            a.read_back(first);
            a.v.truncate(0);
            a.assert_given_back(want, a.initial().min(peak), "truncate to 0");
        }
        Shrink::DrainAll => {
            let drained: Vec<T> = a.v.drain(..).collect();
            assert_eq!(drained.len(), len);
            a.assert_given_back(peak, a.initial().min(peak), "drain(..)");
        }
        Shrink::RetainNone => {
            a.v.retain(|_| false);
            a.assert_given_back(peak, a.initial().min(peak), "retain(none)");
        }
        Shrink::RemoveFront => {
            let keep = len / 8;
            let mut c = peak;
            while a.v.len() > keep {
                let removed = len - a.v.len();
                let x = a.v.remove(0);
                assert!(x == T::make(first(removed)), "{}: removed {x:?}", a.ctx);
                c = a.after_shrink(a.v.len(), c);
                assert_eq!(a.v.committed_bytes(), c, "{}: at len {}", a.ctx, a.v.len());
            }
            a.assert_given_back(peak, c, "remove(0) down to an eighth");
            a.read_back(|i| first(i + len - keep));
            a.v.clear();
        }
        Shrink::TruncateFit => {
            let keep = len / 10;
            a.v.truncate(keep);
            let c = a.after_shrink(keep, peak);
            a.v.shrink_to_fit().expect("shrink_to_fit");
            let fit = expect::after_fit(keep * size_of::<T>(), a.initial(), a.page);
            a.assert_given_back(peak, fit.min(c), "truncate + shrink_to_fit");
            a.read_back(first);
            a.v.clear();
        }
    }
    assert!(a.v.is_empty());
    a.assert_pages();
    // Grow back past where it was: every page decommitted above comes back
    // through a commit, and the window moves on if it must.
    a.grow_to(n + n / 8 + 1, second);
    a.read_back(second);
    let s = a.mock.stats();
    if peak >= 2 * expect::POPULATE_MIN {
        // (The audit refuses, and `finish` reports, any populate of a page
        // that is not committed.)
        assert!(s.populates > 0, "{}: pushes populated nothing ahead", a.ctx);
    }
    if peak > a.initial() {
        assert!(
            s.decommitted_pages > 0,
            "{}: nothing was decommitted",
            a.ctx
        );
        if mode == Mode::Poison {
            assert!(
                s.poisoned_pages_checked > 0,
                "{}: no poisoned page was checked at recommit",
                a.ctx
            );
        }
    }
    a.finish();
}

/// Every shrink at every size for one element type and `N`, each pair with
/// one of three windows in turn: the default (no move below 64 MiB), a
/// two-page window moved by remap, and a one-page window moved by copying.
fn sweep<T: Elem, const N: usize>(mode: Mode, sizes: &[usize]) {
    let mut k = 0;
    for &pages in sizes {
        for how in SHRINKS {
            match k % 3 {
                0 => scenario::<T, N>(mode, true, None, pages, how),
                1 => scenario::<T, N>(mode, true, Some(2), pages, how),
                _ => scenario::<T, N>(mode, false, Some(1), pages, how),
            }
            k += 1;
        }
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "tens of thousands of audited pushes: too slow under Miri (the model fuzz runs the same paths)"
)]
fn regrow_u32_small_sizes() {
    sweep::<u32, 1>(Mode::Poison, &[1, 2, 3, 5, 8, 17]);
    sweep::<u32, 4>(Mode::Poison, &[1, 4, 5, 9, 33]);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "tens of thousands of audited pushes: too slow under Miri (the model fuzz runs the same paths)"
)]
fn regrow_straddling_elements() {
    sweep::<Tri, 1>(Mode::Poison, &[1, 2, 3, 7, 64]);
    sweep::<Big, 1>(Mode::Poison, &[1, 2, 3, 7, 64, 255]);
    sweep::<Big, 2>(Mode::Poison, &[1, 3, 100]);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "thousands of pages: too slow under Miri (the smaller sweeps run)"
)]
fn regrow_thousands_of_pages() {
    scenario::<Big, 1>(Mode::Poison, true, Some(16), 4096, Shrink::PopAll);
    scenario::<Big, 1>(Mode::Poison, false, Some(4), 2048, Shrink::Clear);
    scenario::<u64, 1>(Mode::Poison, true, Some(8), 1024, Shrink::TruncateSteps);
}

/// Sizes up and down, never emptying: each regrow crosses pages that were
/// decommitted by the shrink before it.
#[test]
#[cfg_attr(
    miri,
    ignore = "up to 1000 pages: too slow under Miri (the smaller sweeps run)"
)]
fn regrow_oscillating_sizes() {
    for (remap, window) in [(true, Some(1)), (false, Some(3))] {
        let m = mock(Mode::Poison, remap, 7);
        let mut a = Audit::<u64, 1>::new(&m, window, format!("oscillation, remap {remap}"));
        let per_page = a.page / 8;
        let value = |round: usize| move |i: usize| (i as u64) ^ (round as u64) << 40;
        // The round whose values the vector holds.
        let mut held = 0;
        for (round, &pages) in [1usize, 40, 3, 200, 2, 1000, 17, 513, 1, 5]
            .iter()
            .enumerate()
        {
            let n = pages * per_page;
            if n > a.v.len() {
                // Rewrite what is kept so every element has this round's value.
                let keep = a.v.len();
                a.v.clear();
                a.assert_pages();
                a.grow_to(keep, value(round));
                a.grow_to(n, value(round));
                held = round;
            } else {
                let before = a.v.committed_bytes();
                a.v.truncate(n);
                let want = a.after_shrink(n, before);
                a.assert_given_back(before, want, "truncate");
            }
            a.read_back(value(held));
        }
        a.finish();
    }
}

/// A regrow whose commits are denied: each denied push leaves the page
/// decommitted and the vector as it was; the retry commits it.
#[test]
#[cfg_attr(
    miri,
    ignore = "tens of thousands of audited pushes: too slow under Miri (the model fuzz runs the same paths)"
)]
fn regrow_with_denied_commits() {
    let m = mock(Mode::Poison, true, 11);
    let mut a = Audit::<u32, 1>::new(&m, Some(2), "regrow with denials".into());
    let n = 64 * a.page / 4;
    a.grow_to(n, first);
    a.v.clear();
    a.assert_given_back(64 * a.page, a.page, "clear");
    let mut denied = 0;
    while a.v.len() < n {
        if a.v.len() == a.v.capacity() {
            let next = a.base().wrapping_add(a.v.committed_bytes());
            let state = m.page_state(next);
            assert_ne!(state, Some(PageState::Committed), "{}", a.ctx);
            let (len, committed) = (a.v.len(), a.v.committed_bytes());
            m.deny_next_commits(1);
            let e = a.v.push(T_MARK).unwrap_err();
            assert!(e.error().is_out_of_memory());
            assert_eq!(e.into_value(), T_MARK);
            assert_eq!((a.v.len(), a.v.committed_bytes()), (len, committed));
            assert_eq!(m.page_state(a.base().wrapping_add(committed)), state);
            a.read_back(second);
            denied += 1;
        }
        let len = a.v.len();
        a.grow_to(len + 1, second);
    }
    assert!(denied >= 4, "{denied} denials");
    a.read_back(second);
    a.finish();
}

const T_MARK: u32 = 0xDEAD_BEEF;

/// The scenario of BUG-ANALYSIS.md, on the mock: with the default heap
/// limit (`None`: the vector leaves its mapping once nearly empty, and
/// maps afresh to refill), and with limit 0 (it keeps one mapping, whose
/// decommitted pages the refill recommits).
fn bug_analysis_scenario(mode: Mode, heap_limit: Option<usize>) {
    let m = mock(mode, true, 10_000);
    let mut b = MappedVector::<i32, 1>::builder(m.clone());
    if let Some(limit) = heap_limit {
        b = b.heap_limit(limit);
    }
    let mut mvec = b.build().unwrap();
    for i in 0..10000 {
        mvec.push(i).unwrap();
    }
    let peak = mvec.committed_bytes();
    let base = mvec.as_ptr() as *const u8;
    for _ in 0..10000 {
        mvec.pop();
    }
    assert_eq!(mvec.len(), 0);
    let page = mvec.page_size();
    if heap_limit == Some(0) {
        assert_eq!(mvec.committed_bytes(), page);
        for p in (page..peak).step_by(page) {
            assert_eq!(
                m.page_state(base.wrapping_add(p)),
                Some(PageState::Decommitted)
            );
        }
    } else {
        // Decommitted on the way down, then given back whole.
        assert_ne!(mvec.storage(), mapped::Storage::Mapped);
        assert_eq!((mvec.committed_bytes(), m.live_reservations()), (0, 0));
        assert!(m.stats().decommitted_pages > 0);
    }
    for i in 0..10000 {
        let slot = mvec.as_ptr().wrapping_add(mvec.len()).cast::<u8>();
        if mvec.storage() == mapped::Storage::Mapped {
            assert_eq!(m.check_committed(slot, 4), mvec.len() < mvec.capacity());
        }
        mvec.push(i).unwrap();
        if mvec.storage() == mapped::Storage::Mapped {
            assert!(m.check_committed(mvec.as_ptr().wrapping_add(i as usize).cast(), 4));
        }
    }
    assert_eq!(mvec.len(), 10000);
    for (k, chunk) in mvec.chunks(page / 4).enumerate() {
        assert!(m.check_committed(chunk.as_ptr().cast(), chunk.len() * 4));
        for (j, &x) in chunk.iter().enumerate() {
            assert_eq!(x as usize, k * page / 4 + j);
        }
    }
    assert!(mvec.committed_bytes() >= 40_000);
    let s = m.stats();
    assert!(s.decommitted_pages > 0, "{s:?}");
    if mode == Mode::Poison {
        assert!(s.poisoned_pages_checked > 0, "{s:?}");
    }
    drop(mvec);
    m.assert_clean();
    assert_eq!(m.live_reservations(), 0);
}

#[test]
#[cfg_attr(
    miri,
    ignore = "tens of thousands of audited pushes: too slow under Miri (the model fuzz runs the same paths)"
)]
fn bug_analysis_scenario_poison() {
    bug_analysis_scenario(Mode::Poison, None);
    bug_analysis_scenario(Mode::Poison, Some(0));
}

#[test]
#[cfg_attr(miri, ignore = "runs a child process, which Miri cannot")]
fn bug_analysis_scenario_trap() {
    const NAME: &str = "regrow::bug_analysis_scenario_trap";
    if child::is_child(NAME) {
        bug_analysis_scenario(Mode::Trap, None);
        bug_analysis_scenario(Mode::Trap, Some(0));
        return;
    }
    let out = child::run(NAME, &[]);
    assert!(out.status.success(), "{}", child::describe(&out));
}

/// The sweep in trap mode: decommitted pages really are `PROT_NONE`.
#[test]
#[cfg_attr(miri, ignore = "runs a child process, which Miri cannot")]
fn regrow_sweep_trap() {
    const NAME: &str = "regrow::regrow_sweep_trap";
    if child::is_child(NAME) {
        sweep::<u32, 1>(Mode::Trap, &[1, 3, 17]);
        sweep::<Big, 2>(Mode::Trap, &[2, 64]);
        scenario::<Big, 1>(Mode::Trap, true, Some(4), 2048, Shrink::PopAll);
        return;
    }
    let out = child::run(NAME, &[]);
    assert!(out.status.success(), "{}", child::describe(&out));
}
