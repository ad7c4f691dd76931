//! The audit: `check_committed`, the shadow table's views, and one test per
//! `Violation` a call can cause.

use crate::{builder, Res};
use mapped::Mapper;
use mapped_mock::{FaultyMapper, Op, PageState, ReservationInfo, Violation};
use std::io::ErrorKind;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

/// An address that is page-aligned and in no reservation: it is never
/// passed to the OS, since the mock refuses calls outside its reservations.
fn nowhere(mock: &FaultyMapper) -> NonNull<u8> {
    NonNull::new((mock.page_size() * 3) as *mut u8).unwrap()
}

/// Asserts that the last call was refused with `InvalidInput` and recorded
/// exactly `expected`.
fn assert_refused(mock: &FaultyMapper, result: std::io::Result<()>, expected: Violation) {
    let err = result.expect_err("refused");
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.to_string().contains(&expected.to_string()), "{err}");
    assert_eq!(mock.take_violations(), [expected]);
}

#[test]
fn check_committed_covers_whole_ranges_of_committed_pages() {
    let mock = builder().build();
    let res = Res::new(&mock, 4);
    let ps = res.ps();
    let at = |i: usize, off: usize| res.page(i).as_ptr().wrapping_add(off).cast_const();
    assert!(!mock.check_committed(at(0, 0), 1));
    res.commit(1, 2).unwrap();
    assert!(mock.check_committed(at(1, 0), 2 * ps));
    assert!(mock.check_committed(at(1, 5), ps));
    assert!(mock.check_committed(at(2, ps - 1), 1));
    assert!(!mock.check_committed(at(1, 0), 2 * ps + 1));
    assert!(!mock.check_committed(at(0, ps - 1), 2));
    assert!(!mock.check_committed(at(0, 0), 4 * ps + 1));
    assert!(
        mock.check_committed(at(0, 0), 0),
        "zero length is always in"
    );
    assert!(mock.check_committed(std::ptr::null(), 0));
    mock.assert_committed(at(1, 0), ps);

    assert_eq!(mock.page_state(at(0, 0)), Some(PageState::Reserved));
    assert_eq!(mock.page_state(at(2, 9)), Some(PageState::Committed));
    assert_eq!(
        mock.reservations(),
        [ReservationInfo {
            base: res.base.as_ptr() as usize,
            len: 4 * ps,
            committed_bytes: 2 * ps
        }]
    );
    assert_eq!(
        (mock.committed_bytes(), mock.reserved_bytes()),
        (2 * ps, 4 * ps)
    );

    res.decommit(2, 1).unwrap();
    assert!(!mock.check_committed(at(1, 0), 2 * ps));
    assert_eq!(mock.page_state(at(2, 0)), Some(PageState::Decommitted));
    let base = res.base.as_ptr().cast_const();
    res.release().unwrap();
    assert!(!mock.check_committed(base.wrapping_add(ps), 1));
    assert_eq!(mock.page_state(base), None);
    assert_eq!(mock.live_reservations(), 0);
    mock.assert_clean();
}

#[test]
fn assert_committed_panics_with_the_seed() {
    let mock = builder().seed(4321).build();
    let res = Res::new(&mock, 1);
    let p = res.base.as_ptr().cast_const();
    let err = catch_unwind(AssertUnwindSafe(|| mock.assert_committed(p, 1))).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("MAPPED_SEED=4321"), "{msg}");
    res.release().unwrap();
}

#[test]
fn assert_clean_panics_with_the_seed_and_the_list() {
    let mock = builder().seed(99).build();
    let ps = mock.page_size();
    assert!(mock.reserve(ps + 1).is_err());
    assert!(mock.reserve(0).is_err());
    let err = catch_unwind(AssertUnwindSafe(|| mock.assert_clean())).unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("2 violation(s)"), "{msg}");
    assert!(msg.contains("MAPPED_SEED=99"), "{msg}");
    assert!(msg.contains("1. reserve of [0x0, +"), "{msg}");
    assert!(msg.contains("2. reserve at 0x0 with length 0"), "{msg}");
    assert_eq!(mock.stats().invalid_calls, 2);
    assert_eq!(mock.stats().violations, 2);
    assert_eq!(mock.take_violations().len(), 2);
    mock.assert_clean();
}

#[test]
fn zero_lengths_are_refused() {
    let mock = builder().build();
    let res = Res::new(&mock, 1);
    let a = res.base.as_ptr() as usize;
    let r = mock.reserve(0).map(drop);
    assert_refused(
        &mock,
        r,
        Violation::ZeroLength {
            op: Op::Reserve,
            addr: 0,
        },
    );
    // SAFETY: refused before reaching the OS.
    let r = unsafe { mock.commit(res.base, 0) };
    assert_refused(
        &mock,
        r,
        Violation::ZeroLength {
            op: Op::Commit,
            addr: a,
        },
    );
    // SAFETY: as above.
    let r = unsafe { mock.decommit(res.base, 0) };
    assert_refused(
        &mock,
        r,
        Violation::ZeroLength {
            op: Op::Decommit,
            addr: a,
        },
    );
    // SAFETY: as above.
    let r = unsafe { mock.release(res.base, 0) };
    assert_refused(
        &mock,
        r,
        Violation::ZeroLength {
            op: Op::Release,
            addr: a,
        },
    );
    res.release().unwrap();
    mock.assert_clean();
}

#[test]
fn misaligned_calls_are_refused() {
    let mock = builder().build();
    let res = Res::new(&mock, 2);
    let ps = res.ps();
    let a = res.base.as_ptr() as usize;
    let r = mock.reserve(ps + 8).map(drop);
    assert_refused(
        &mock,
        r,
        Violation::Misaligned {
            op: Op::Reserve,
            addr: 0,
            len: ps + 8,
        },
    );
    // SAFETY: refused before reaching the OS.
    let r = unsafe { mock.commit(res.base.add(8), ps) };
    assert_refused(
        &mock,
        r,
        Violation::Misaligned {
            op: Op::Commit,
            addr: a + 8,
            len: ps,
        },
    );
    // SAFETY: as above.
    let r = unsafe { mock.commit(res.base, ps / 2) };
    assert_refused(
        &mock,
        r,
        Violation::Misaligned {
            op: Op::Commit,
            addr: a,
            len: ps / 2,
        },
    );
    assert_eq!(
        mock.page_state(res.base.as_ptr()),
        Some(PageState::Reserved)
    );
    res.commit(0, 2).unwrap();
    // SAFETY: as above.
    let r = unsafe { mock.decommit(res.base, ps + 1) };
    assert_refused(
        &mock,
        r,
        Violation::Misaligned {
            op: Op::Decommit,
            addr: a,
            len: ps + 1,
        },
    );
    assert!(mock.check_committed(res.base.as_ptr(), 2 * ps));
    // SAFETY: as above.
    let r = unsafe { mock.release(res.base, 2 * ps - 1) };
    assert_refused(
        &mock,
        r,
        Violation::Misaligned {
            op: Op::Release,
            addr: a,
            len: 2 * ps - 1,
        },
    );
    res.release().unwrap();
    assert_eq!(mock.stats().invalid_calls, 5);
    mock.assert_clean();
}

#[test]
fn commit_outside_a_reservation_is_refused() {
    let mock = builder().build();
    let res = Res::new(&mock, 2);
    let ps = res.ps();
    // Straddling the end.
    // SAFETY: refused before reaching the OS.
    let r = unsafe { mock.commit(res.page(1), 2 * ps) };
    let addr = res.page(1).as_ptr() as usize;
    assert_refused(
        &mock,
        r,
        Violation::CommitOutsideReservation { addr, len: 2 * ps },
    );
    assert_eq!(mock.committed_bytes(), 0);
    // Nowhere at all.
    let far = nowhere(&mock);
    // SAFETY: as above.
    let r = unsafe { mock.commit(far, ps) };
    let addr = far.as_ptr() as usize;
    assert_refused(
        &mock,
        r,
        Violation::CommitOutsideReservation { addr, len: ps },
    );
    res.release().unwrap();
    mock.assert_clean();
}

#[test]
fn decommit_outside_a_reservation_is_refused() {
    let mock = builder().build();
    let far = nowhere(&mock);
    let ps = mock.page_size();
    // SAFETY: refused before reaching the OS.
    let r = unsafe { mock.decommit(far, ps) };
    let addr = far.as_ptr() as usize;
    assert_refused(
        &mock,
        r,
        Violation::DecommitOutsideReservation { addr, len: ps },
    );
}

#[test]
fn decommit_of_pages_not_committed_is_recorded() {
    for poison in [false, true] {
        let mock = builder().poison(poison).build();
        let res = Res::new(&mock, 3);
        let ps = res.ps();
        let addr = res.page(1).as_ptr() as usize;
        res.commit(0, 2).unwrap();
        // Page 2 was never committed: carried out, but recorded.
        res.decommit(1, 2).unwrap();
        assert_eq!(
            mock.take_violations(),
            [Violation::DecommitNotCommitted { addr, len: 2 * ps }]
        );
        // Page 1 again: already decommitted.
        res.decommit(1, 1).unwrap();
        assert_eq!(
            mock.take_violations(),
            [Violation::DecommitNotCommitted { addr, len: ps }]
        );
        assert!(mock.check_committed(res.base.as_ptr(), ps));
        res.commit(1, 2).unwrap();
        res.release().unwrap();
        mock.assert_clean();
    }
}

#[test]
fn double_release_is_refused() {
    let mock = builder().build();
    let res = Res::new(&mock, 1);
    let (base, len) = (res.base, res.bytes_len());
    res.release().unwrap();
    // SAFETY: refused before reaching the OS (which may have reused it).
    let r = unsafe { mock.release(base, len) };
    let addr = base.as_ptr() as usize;
    assert_refused(&mock, r, Violation::DoubleRelease { addr });
    assert_eq!(mock.stats().releases, 1);
}

#[test]
fn release_of_an_unknown_address_is_refused() {
    let mock = builder().build();
    let far = nowhere(&mock);
    let ps = mock.page_size();
    // SAFETY: refused before reaching the OS.
    let r = unsafe { mock.release(far, ps) };
    let addr = far.as_ptr() as usize;
    assert_refused(&mock, r, Violation::ReleaseUnknown { addr, len: ps });

    // The inside of a reservation is not a reservation either.
    let res = Res::new(&mock, 2);
    // SAFETY: as above.
    let r = unsafe { mock.release(res.page(1), ps) };
    let addr = res.page(1).as_ptr() as usize;
    assert_refused(&mock, r, Violation::ReleaseUnknown { addr, len: ps });
    assert_eq!(mock.live_reservations(), 1);
    res.release().unwrap();
}

#[test]
fn release_with_the_wrong_length_is_refused() {
    let mock = builder().build();
    let res = Res::new(&mock, 2);
    let ps = res.ps();
    // SAFETY: refused before reaching the OS.
    let r = unsafe { mock.release(res.base, ps) };
    let addr = res.base.as_ptr() as usize;
    assert_refused(
        &mock,
        r,
        Violation::ReleaseWrongLength {
            addr,
            expected: 2 * ps,
            got: ps,
        },
    );
    assert_eq!(mock.live_reservations(), 1);
    res.release().unwrap();
    mock.assert_clean();
}

#[test]
fn stats_count_every_kind_of_call() {
    let mock = builder().poison(true).build();
    let res = Res::new(&mock, 4);
    res.commit(0, 2).unwrap();
    res.commit(2, 2).unwrap();
    res.decommit(2, 2).unwrap();
    mock.deny_next_commits(1);
    assert!(res.commit(2, 1).is_err());
    res.commit(2, 1).unwrap();
    res.release().unwrap();
    let s = mock.stats();
    assert_eq!(
        (s.reserves, s.commits, s.decommits, s.releases),
        (1, 3, 1, 1)
    );
    assert_eq!((s.committed_pages, s.decommitted_pages), (5, 2));
    assert_eq!((s.poisoned_pages, s.poisoned_pages_checked), (2, 2));
    assert_eq!((s.denied_commits, s.junk_filled_pages), (1, 5));
    assert_eq!((s.lies, s.violations, s.invalid_calls), (0, 0, 0));
    assert_eq!(mock.name(), "mock");
    assert_eq!(mock.page_size(), mapped::MAPPER.page_size());
}
