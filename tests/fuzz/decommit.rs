//! Failing decommits (issue 4, part 4): when the mapper cannot give pages
//! back, the vector stays correct, `committed_bytes()` stays truthful (it
//! equals the mock's shadow count for the vector's reservation, and the
//! vector never commits a page twice), and the next shrink tries again:
//! once the fault is gone, a further pop or truncate brings the committed
//! bytes down to the policy's target.

use super::model::{MAX_PAGES, OPS};
use super::{always_mapped, mock};
use mapped::MappedVector;
use mapped_mock::{FaultyMapper, Mode, PageState};
use mapped_testkit::expect;
use mapped_testkit::Elem;
use mapped_testkit::{case_seed, env_cases, master_seed, run_case, Kind, Plan, Tally, Tracked};
use std::mem::size_of;

/// The model loop with decommits failing with probability `p`.
fn model_with_failing_decommits(p: f64, kind: Option<Kind>, default_cases: usize) -> Tally {
    let plan = Plan {
        fail_decommits: Some(p),
        kind,
        ..Plan::poison(OPS, MAX_PAGES)
    };
    let master = master_seed();
    let mut t = Tally::default();
    for i in 0..env_cases(default_cases) {
        t.add(&run_case(&plan, case_seed(master, i)));
    }
    eprintln!("failing decommits p = {p}, master seed {master}: {t}");
    t
}

#[test]
fn model_decommits_fail_often() {
    let t = model_with_failing_decommits(0.5, None, 40);
    if t.cases >= 20 {
        assert!(t.failed_decommits > 0 && t.decommits > 0, "{t}");
    }
}

#[test]
fn model_decommits_always_fail() {
    // Nothing is ever given back, and nothing breaks.
    let t = model_with_failing_decommits(1.0, Some(Kind::Tracked), 25);
    assert_eq!(t.decommits, 0, "{t}");
    if t.cases >= 10 {
        assert!(t.failed_decommits > 0, "{t}");
    }
}

/// The committed bytes of the reservation holding the vector, per the
/// mock's shadow table.
fn shadow_committed<T, const N: usize>(mock: &FaultyMapper, v: &MappedVector<T, N>) -> usize {
    let base = v.as_ptr() as usize;
    let r = mock
        .reservations()
        .into_iter()
        .find(|r| r.base == base)
        .unwrap_or_else(|| panic!("no reservation at {base:#x} (seed {})", mock.seed()));
    r.committed_bytes
}

/// The vector holds `make(f(i))` at `i`, its committed bytes are the
/// shadow's, each of its pages is committed, and nothing was committed twice.
fn assert_truthful<T: Elem, const N: usize>(
    mock: &FaultyMapper,
    v: &MappedVector<T, N>,
    f: impl Fn(usize) -> u64,
    ctx: &str,
) {
    let seed = mock.seed();
    for (i, x) in v.iter().enumerate() {
        assert!(
            *x == T::make(f(i)),
            "{ctx} (seed {seed}): element {i} is {x:?}"
        );
    }
    let committed = v.committed_bytes();
    assert_eq!(
        shadow_committed(mock, v),
        committed,
        "{ctx} (seed {seed}): the vector says {committed} bytes are committed"
    );
    assert!(
        mock.check_committed(v.as_ptr().cast(), committed),
        "{ctx} (seed {seed})"
    );
    let page = mapped::Mapper::page_size(mock);
    let base = v.as_ptr() as *const u8;
    for p in (0..committed).step_by(page) {
        assert_eq!(
            mock.page_state(base.wrapping_add(p)),
            Some(PageState::Committed),
            "{ctx} (seed {seed}): page +{p:#x}"
        );
    }
    let s = mock.stats();
    assert_eq!(s.redundant_commit_pages, 0, "{ctx} (seed {seed}): {s:?}");
    assert!(mock.violations().is_empty(), "{ctx}: {}", mock.report());
}

/// What the shrink policy leaves committed for `len` elements.
fn target<T, const N: usize>(v: &MappedVector<T, N>, len: usize) -> usize {
    let (size, page) = (size_of::<T>(), v.page_size());
    expect::after_shrink(len * size, expect::floor(N, page, size), page)
}

/// The shrinking calls, each brought to shrink a vector of `len` elements.
#[derive(Clone, Copy, Debug)]
enum Shrinker {
    Pop,
    Truncate,
    Clear,
    Retain,
    Drain,
    Remove,
    SwapRemove,
}

const SHRINKERS: [Shrinker; 7] = [
    Shrinker::Pop,
    Shrinker::Truncate,
    Shrinker::Clear,
    Shrinker::Retain,
    Shrinker::Drain,
    Shrinker::Remove,
    Shrinker::SwapRemove,
];

/// Brings `v` (holding `i` at `i`) down to `keep` elements with `how`,
/// keeping the first `keep`.
fn shrink_with(v: &mut MappedVector<u64, 1>, how: Shrinker, keep: usize) {
    match how {
        Shrinker::Pop => {
            while v.len() > keep {
                v.pop();
            }
        }
        Shrinker::Truncate => v.truncate(keep),
        Shrinker::Clear => {
            assert_eq!(keep, 0);
            v.clear();
        }
        Shrinker::Retain => v.retain(|&x| (x as usize) < keep),
        Shrinker::Drain => drop(v.drain(keep..)),
        Shrinker::Remove => {
            while v.len() > keep {
                let last = v.len() - 1;
                v.remove(last);
            }
        }
        Shrinker::SwapRemove => {
            while v.len() > keep {
                let last = v.len() - 1;
                v.swap_remove(last);
            }
        }
    }
}

/// For every shrinking call: a decommit that fails leaves the pages
/// committed and the vector correct; once the fault is cleared, the next
/// shrinking call gives the pages back, down to the policy's target.
#[test]
#[cfg_attr(
    miri,
    ignore = "tens of thousands of audited pushes: too slow under Miri (the model fuzz runs the same paths)"
)]
fn the_next_shrink_tries_again() {
    for how in SHRINKERS {
        for keep in [0usize, 1, 100, 1000] {
            if matches!(how, Shrinker::Clear) && keep != 0 {
                continue;
            }
            let m = mock(Mode::Poison);
            let ctx = format!("{how:?} to {keep}");
            let mut v: MappedVector<u64, 1> = always_mapped(&m);
            let n = 64 * 512; // 64 pages
            for i in 0..n {
                v.push(i as u64).unwrap();
            }
            let peak = v.committed_bytes();
            // Every decommit fails while the vector shrinks.
            m.set_fail_decommits(1.0);
            shrink_with(&mut v, how, keep);
            assert_eq!(v.len(), keep, "{ctx}");
            assert_eq!(
                v.committed_bytes(),
                peak,
                "{ctx}: a failed decommit changed committed"
            );
            assert!(m.stats().failed_decommits > 0, "{ctx}");
            assert_truthful(&m, &v, |i| i as u64, &ctx);
            // The vector works on: pushes reuse the committed pages.
            let commits = m.stats().commits;
            v.push(keep as u64).unwrap();
            assert_eq!(
                m.stats().commits,
                commits,
                "{ctx}: a push recommitted pages"
            );
            assert_truthful(&m, &v, |i| i as u64, &ctx);
            // The fault is gone: the next shrink gives back what it should.
            m.clear_faults();
            let failed = m.stats().failed_decommits;
            assert_eq!(v.pop(), Some(keep as u64));
            assert_eq!(m.stats().failed_decommits, failed);
            assert_eq!(
                v.committed_bytes(),
                target(&v, keep),
                "{ctx}: the next pop did not shrink to the policy target"
            );
            assert_truthful(&m, &v, |i| i as u64, &ctx);
            drop(v);
            m.assert_clean();
        }
    }
}

/// `fail_next_decommits(n)`: each pop while the vector is sparse retries the
/// decommit; the `n + 1`-th try succeeds.
#[test]
#[cfg_attr(
    miri,
    ignore = "tens of thousands of audited pushes: too slow under Miri (the model fuzz runs the same paths)"
)]
fn each_pop_retries_until_it_succeeds() {
    for n in [1u64, 2, 5, 17] {
        let m = mock(Mode::Poison);
        let mut v: MappedVector<u64, 1> = always_mapped(&m);
        for i in 0..32 * 512 {
            v.push(i).unwrap();
        }
        let peak = v.committed_bytes();
        m.fail_next_decommits(n);
        // Pop to just below a quarter: the first shrink attempt.
        while !expect::sparse(v.len() * 8, peak, v.page_size()) {
            v.pop();
        }
        let first_try = v.len();
        assert_eq!(m.stats().failed_decommits, 1, "n = {n}");
        for k in 1..n {
            assert_eq!(v.committed_bytes(), peak);
            v.pop();
            assert_eq!(
                m.stats().failed_decommits,
                1 + k,
                "n = {n}: pop #{k} did not retry"
            );
            assert_truthful(&m, &v, |i| i as u64, "retrying");
        }
        v.pop();
        let len = v.len();
        assert_eq!(m.stats().failed_decommits, n);
        assert_eq!(m.stats().decommits, 1, "n = {n}");
        assert_eq!(v.committed_bytes(), target(&v, len), "n = {n}");
        assert!(first_try > len);
        assert_truthful(&m, &v, |i| i as u64, "after the retries");
        drop(v);
        m.assert_clean();
    }
}

/// `shrink_to_fit` reports a failed decommit as an error, changes nothing,
/// and succeeds when called again.
#[test]
#[cfg_attr(
    miri,
    ignore = "tens of thousands of audited pushes: too slow under Miri (the model fuzz runs the same paths)"
)]
fn shrink_to_fit_reports_and_retries() {
    let m = mock(Mode::Poison);
    let mut v: MappedVector<Tracked, 2> = always_mapped(&m);
    mapped_testkit::ledger::reset();
    for i in 0..5000 {
        v.push(Tracked::make(i)).unwrap();
    }
    // 30% full: too full for a shrink on its own, so shrink_to_fit has
    // pages to give back.
    let keep = v.capacity() * 3 / 10;
    v.truncate(keep);
    let before = v.committed_bytes();
    m.fail_next_decommits(1);
    let e = v.shrink_to_fit().unwrap_err();
    assert!(e.os_error().is_some(), "{e:?}");
    assert_eq!(v.committed_bytes(), before);
    assert_truthful(&m, &v, |i| i as u64, "failed shrink_to_fit");
    v.shrink_to_fit().unwrap();
    let size = size_of::<Tracked>();
    let page = v.page_size();
    let fit = expect::after_fit(keep * size, expect::floor(2, page, size), page);
    assert!(fit < before);
    assert_eq!(v.committed_bytes(), fit);
    assert_truthful(&m, &v, |i| i as u64, "shrink_to_fit again");
    drop(v);
    assert_eq!(mapped_testkit::ledger::live(), 0);
    assert!(mapped_testkit::ledger::bad_drops().is_empty());
    m.assert_clean();
}

/// An emptied vector whose decommits failed keeps its pages, truthfully,
/// until a later shrinking call: `clear()` again, or a push and a pop.
#[test]
#[cfg_attr(
    miri,
    ignore = "tens of thousands of audited pushes: too slow under Miri (the model fuzz runs the same paths)"
)]
fn an_emptied_vector_retries_later() {
    for retry in ["clear", "push+pop"] {
        let m = mock(Mode::Poison);
        let mut v: MappedVector<u64, 1> = always_mapped(&m);
        for i in 0..64 * 512 {
            v.push(i).unwrap();
        }
        let peak = v.committed_bytes();
        m.set_fail_decommits(1.0);
        v.clear();
        assert_eq!(v.committed_bytes(), peak, "{retry}");
        assert!(m.stats().failed_decommits > 0);
        assert_truthful(&m, &v, |i| i as u64, "failed clear");
        m.clear_faults();
        if retry == "clear" {
            v.clear();
        } else {
            v.push(7).unwrap();
            assert_eq!(v.pop(), Some(7));
        }
        assert_eq!(v.committed_bytes(), v.page_size(), "{retry}");
        assert_truthful(&m, &v, |i| i as u64, retry);
        drop(v);
        m.assert_clean();
    }
}
