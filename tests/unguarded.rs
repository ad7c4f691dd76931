//! The unguarded mapper (`UNGUARDED`) through the public API: containers on
//! it against `Vec`/`BinaryHeap`, the seed scenario, real `RLIMIT_DATA` and
//! `RLIMIT_AS` refusals, and `FaultyMapper` wrapping it (deny, poison,
//! audit; trap mode needs a guard and stays guarded-only).
//!
//! Not built with `--cfg mapped_no_mmap`: there `UNGUARDED` maps nothing
//! and refuses every call, which `tests/no_mmap.rs` checks.
#![cfg(not(mapped_no_mmap))]

use mapped::{MappedQueue, MappedVector, Mapper, Storage, UNGUARDED};
use mapped_mock::{FaultyMapper, Violation};
use mapped_testkit::resident;
use std::collections::BinaryHeap;
use std::sync::Arc;

fn page() -> usize {
    UNGUARDED.page_size()
}

/// A vector on `UNGUARDED`, always mapped, with a window of `pages` pages.
fn vector<T>(pages: usize) -> MappedVector<T, 1> {
    MappedVector::builder(&UNGUARDED)
        .initial_window(pages * page())
        .heap_limit(0)
        .build()
        .unwrap()
}

#[test]
fn name_is_the_mapper_label() {
    assert_eq!(UNGUARDED.name(), "unguarded");
    assert!(page().is_power_of_two());
}

#[test]
fn commit_faults_pages_in_and_decommit_gives_them_back() {
    let m = UNGUARDED;
    let len = 16 * page();
    let base = m.reserve(len).unwrap();
    assert!(resident(base.as_ptr(), len).iter().all(|&r| !r));
    // SAFETY: every range is page-aligned and inside the reservation; it is
    // released once and not used after.
    unsafe {
        m.commit(base, 8 * page()).unwrap();
        // Only Linux faults the pages in at commit (MADV_POPULATE_WRITE);
        // elsewhere, and under `mapped_portable`, they fault in when
        // written, as any anonymous memory does.
        let populated = cfg!(all(target_os = "linux", not(mapped_portable)));
        assert_eq!(
            resident(base.as_ptr(), len),
            [vec![populated; 8], vec![false; 8]].concat(),
            "commit populates exactly the range, before any write (where it populates)"
        );
        base.as_ptr().write_bytes(0x5A, 8 * page());
        m.decommit(base.add(2 * page()), 6 * page()).unwrap();
        assert_eq!(
            resident(base.as_ptr(), len),
            [vec![true; 2], vec![false; 14]].concat(),
            "decommit gives the pages back"
        );
        // No guard, no split: a decommitted page reads zeros.
        assert_eq!(base.as_ptr().add(3 * page()).read_volatile(), 0);
        assert_eq!(base.as_ptr().add(page()).read_volatile(), 0x5A);
        m.release(base, len).unwrap();
    }
}

#[test]
fn remap_keeps_the_prefix_or_says_unsupported() {
    let m = UNGUARDED;
    let old_len = 4 * page();
    for _ in 0..8 {
        let old = m.reserve(old_len).unwrap();
        // SAFETY: ranges inside our reservations; each is released once.
        unsafe {
            m.commit(old, 2 * page()).unwrap();
            old.as_ptr().write_bytes(7, 2 * page());
            match m.remap(old, old_len, 2 * page(), 4 * old_len) {
                Ok(new) => {
                    assert_eq!(new, old, "only ever grown in place");
                    assert_eq!(new.as_ptr().add(2 * page() - 1).read(), 7);
                    m.commit(new.add(old_len), old_len).unwrap();
                    new.as_ptr().add(4 * old_len - 1).write(1);
                    m.release(new, 4 * old_len).unwrap();
                }
                Err(e) => {
                    assert_eq!(e.kind(), std::io::ErrorKind::Unsupported, "{e}");
                    assert_eq!(old.as_ptr().add(2 * page() - 1).read(), 7, "old intact");
                    m.release(old, old_len).unwrap();
                }
            }
        }
    }
}

#[test]
fn vector_push_pop_clear_refill_against_vec() {
    let mut v: MappedVector<u64, 1> = vector(4);
    let mut model: Vec<u64> = Vec::new();
    let mut next = 0u64;
    for round in 0..6 {
        let n = 3000 * (round + 1);
        for _ in 0..n {
            v.push(next).unwrap();
            model.push(next);
            next += 1;
        }
        assert_eq!(v.storage(), Storage::Mapped);
        assert_eq!(&v[..], &model[..]);
        let peak = v.committed_bytes();
        // Down to an eighth: below the quarter that triggers a decommit.
        for _ in 0..model.len() - model.len() / 8 {
            assert_eq!(v.pop(), model.pop());
        }
        assert_eq!(&v[..], &model[..]);
        assert!(
            v.committed_bytes() < peak,
            "popping decommits: round {round}, {} bytes committed, {} live",
            v.committed_bytes(),
            v.len() * 8
        );
        if round % 2 == 1 {
            v.clear();
            model.clear();
            assert!(v.committed_bytes() <= page());
        }
        v.extend_from_slice(&[next, next + 1]).unwrap();
        model.extend_from_slice(&[next, next + 1]);
        next += 2;
        assert_eq!(&v[..], &model[..]);
    }
}

#[test]
fn shrunk_vector_holds_no_pages_past_its_committed_bytes() {
    let mut v: MappedVector<u8, 1> = vector(16);
    v.extend_from_slice(&vec![9u8; 1 << 20]).unwrap();
    v.truncate(1);
    v.shrink_to_fit().unwrap();
    assert_eq!(v.storage(), Storage::Mapped);
    assert_eq!(&v[..], &[9]);
    let (base, committed, reserved) = (v.as_ptr(), v.committed_bytes(), v.reserved_bytes());
    assert!(committed < reserved);
    let tail = resident(base.wrapping_add(committed), reserved - committed);
    assert!(
        tail.iter().all(|&r| !r),
        "{} of {} decommitted pages resident",
        tail.iter().filter(|&&r| r).count(),
        tail.len()
    );
}

#[test]
fn queue_against_binary_heap() {
    let mut q: MappedQueue<u64, 1> = MappedQueue::builder(&UNGUARDED)
        .initial_window(4 * page())
        .heap_limit(0)
        .build()
        .unwrap();
    let mut model = BinaryHeap::new();
    let mut x = 12345u64;
    for round in 0..4 {
        for _ in 0..5000 * (round + 1) {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            q.push(x >> 20).unwrap();
            model.push(x >> 20);
        }
        assert_eq!(q.peek(), model.peek());
        for _ in 0..4000 * (round + 1) {
            assert_eq!(q.pop(), model.pop());
        }
        assert_eq!(q.len(), model.len());
    }
    while let Some(top) = model.pop() {
        assert_eq!(q.pop(), Some(top));
    }
    assert_eq!(q.pop(), None);
}

/// BUG-ANALYSIS.md's regression test, on the unguarded mapper.
#[test]
fn seed_scenario() {
    let mut mvec: MappedVector<i32, 1> = MappedVector::builder(&UNGUARDED)
        .initial_window(4 * page())
        .build()
        .unwrap();
    for i in 0..10000 {
        mvec.push(i).unwrap();
    }
    let peak = mvec.committed_bytes();
    for _ in 0..10000 {
        mvec.pop();
    }
    assert_eq!(mvec.len(), 0);
    assert!(mvec.committed_bytes() < peak);
    for i in 0..10000 {
        mvec.push(i).unwrap();
    }
    assert!(mvec.iter().copied().eq(0..10000));
}

/// Real refusals under `RLIMIT_DATA` and `RLIMIT_AS`: Linux only (see
/// `mapped_testkit::rlimit`).
#[cfg(target_os = "linux")]
mod rlimit {
    use super::vector;
    use mapped::{MappedVector, Mapper, UNGUARDED};
    use mapped_mock::child;
    use mapped_testkit::rlimit::Limit;

    /// In the child: limits `limit` to what is in use plus 32 MiB, then
    /// pushes until a push is refused: the refusal must come, be an
    /// out-of-memory error handing the value back, and lose nothing; after
    /// shrinking, pushes work again.
    ///
    /// The room for those last pushes is the test's own: an 8 MiB ballast
    /// mapped before the limit is set and unmapped after the refusal (how
    /// much a shrink gives back under the limit, or what else in the
    /// process took the room meanwhile, is not this test's to depend on).
    fn refused_cleanly(limit: Limit) {
        const BALLAST: usize = 8 << 20;
        let ballast = UNGUARDED.reserve(BALLAST).unwrap();
        let bytes = limit.in_use() + (32 << 20);
        limit.lower_to(bytes);

        let mut v: MappedVector<u64, 1> = vector(16);
        let mut n = 0u64;
        let err = loop {
            assert!(
                n * 8 < bytes + (64 << 20),
                "no refusal at {} MiB: {limit:?} not in force",
                (n * 8) >> 20
            );
            match v.push(n) {
                Ok(()) => n += 1,
                Err(e) => break e,
            }
        };
        assert!(err.error().is_out_of_memory(), "{}", err.error());
        assert_eq!(err.into_value(), n, "the value comes back");
        assert_eq!(v.len() as u64, n);
        assert!(v.iter().copied().eq(0..n), "nothing lost");
        v.truncate(v.len() / 4);
        v.shrink_to_fit().unwrap();
        // SAFETY: the ballast is our own reservation, never used.
        unsafe { UNGUARDED.release(ballast, BALLAST) }.unwrap();
        for i in 0..1000 {
            v.push(i).unwrap();
        }
        eprintln!("child: done, refused at {} MiB", (n * 8) >> 20);
    }

    /// A child under a memory limit prints no backtrace if it panics: the
    /// printing allocates under the limit, and a refused allocation there
    /// waits for the backtrace lock the panic holds, for good.
    const NO_BACKTRACE: &[(&str, &str)] = &[("RUST_BACKTRACE", "0")];

    #[test]
    fn rlimit_data_refusal_is_a_clean_error() {
        const NAME: &str = "rlimit::rlimit_data_refusal_is_a_clean_error";
        if child::is_child(NAME) {
            refused_cleanly(Limit::Data);
            return;
        }
        child::run_expecting(NAME, NO_BACKTRACE, "done");
    }

    #[test]
    fn rlimit_as_refusal_is_a_clean_error() {
        const NAME: &str = "rlimit::rlimit_as_refusal_is_a_clean_error";
        if child::is_child(NAME) {
            refused_cleanly(Limit::AddressSpace);
            return;
        }
        child::run_expecting(NAME, NO_BACKTRACE, "done");
    }
}

fn mock() -> mapped_mock::Builder {
    FaultyMapper::builder().inner(UNGUARDED).seed(19)
}

#[test]
fn mock_over_unguarded_denies_and_loses_nothing() {
    // Denials by chance, under any seed, and two forced ones, so that
    // refusals come whatever the seed draws.
    let m = mock()
        .deny_commits(0.2)
        .deny_commit_on(3)
        .deny_reserves(0.1)
        .deny_reserve_on(5)
        .build_arc();
    let mut v: MappedVector<u64, 1> = MappedVector::builder(m.clone())
        .initial_window(4 * page())
        .heap_limit(0)
        .build()
        .unwrap();
    let mut model = Vec::new();
    let mut refused = 0;
    for i in 0..60_000u64 {
        match v.push(i) {
            Ok(()) => model.push(i),
            Err(e) => {
                refused += 1;
                assert_eq!(e.into_value(), i);
            }
        }
        if i % 7919 == 0 {
            v.truncate(v.len() / 3);
            model.truncate(model.len() / 3);
        }
        assert!(m.check_committed(v.as_ptr().cast(), v.len() * 8));
    }
    assert!(refused > 0, "no commit was denied");
    assert_eq!(&v[..], &model[..]);
    assert!(m.stats().denied_commits > 0);
    m.clear_faults();
    v.extend_from_slice(&[1, 2, 3]).unwrap();
    drop(v);
    assert_eq!(m.live_reservations(), 0);
    m.assert_clean();
}

#[test]
fn mock_over_unguarded_poisons_and_audits() {
    let m = mock().poison(true).build_arc();
    let mut v: MappedVector<u64, 1> = MappedVector::builder(m.clone())
        .initial_window(4 * page())
        .heap_limit(0)
        .build()
        .unwrap();
    let mut model = Vec::new();
    for round in 0..5u64 {
        for i in 0..20_000 {
            v.push(round * 100_000 + i).unwrap();
            model.push(round * 100_000 + i);
        }
        v.truncate(100);
        model.truncate(100);
        assert!(m.check_committed(v.as_ptr().cast(), v.len() * 8));
    }
    assert_eq!(&v[..], &model[..]);
    assert!(m.stats().poisoned_pages > 0, "{:?}", m.stats());
    m.assert_clean();

    // The audit still sees a write to a decommitted page: with no guard,
    // poison is what catches it.
    let base = m.reserve(4 * page()).unwrap();
    // SAFETY: ranges inside the reservation; the touched page is ours.
    unsafe {
        m.commit(base, 2 * page()).unwrap();
        m.decommit(base.add(page()), page()).unwrap();
        m.touch(base.as_ptr().add(page()));
        m.commit(base.add(page()), page()).unwrap();
        m.release(base, 4 * page()).unwrap();
    }
    assert_eq!(
        m.take_violations(),
        [Violation::WriteToDecommitted {
            page: base.as_ptr() as usize + page()
        }]
    );
}

#[test]
fn mock_over_unguarded_in_plain_mode_decommits_for_real() {
    let m: Arc<FaultyMapper> = mock().build_arc();
    let base = m.reserve(4 * page()).unwrap();
    // SAFETY: ranges inside the reservation; released once.
    unsafe {
        m.commit(base, 4 * page()).unwrap();
        base.as_ptr().write_bytes(1, 4 * page());
        m.decommit(base, 4 * page()).unwrap();
        assert!(!m.check_committed(base.as_ptr(), 1));
        // Trap mode needs a guard: over UNGUARDED this read does not fault,
        // it sees zeros. That is why trap mode stays guarded-only.
        assert_eq!(base.as_ptr().read_volatile(), 0);
        m.release(base, 4 * page()).unwrap();
    }
    m.assert_clean();
}
