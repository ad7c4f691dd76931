//! Remap: forwarded to the inner mapper with the shadow state moved along,
//! disabled on request, denied, and checked against the shadow table.

use crate::{builder, Res};
use mapped::Mapper;
use mapped_mock::{FaultyMapper, Op, Violation};
use std::io::ErrorKind;
use std::ptr::NonNull;

/// Calls `remap` on `res` (not consuming it: on success the test must
/// release the new reservation itself and forget `res`).
fn remap(res: &Res<'_>, committed: usize, new_pages: usize) -> std::io::Result<NonNull<u8>> {
    let ps = res.ps();
    // SAFETY: the mock checks the arguments against its shadow table and
    // refuses bad ones before the OS sees them; the tests use `res` only as
    // the shadow table says it may be used.
    unsafe {
        res.mock
            .remap(res.base, res.bytes_len(), committed * ps, new_pages * ps)
    }
}

/// Asserts `res` is as it was: pages 0 and 1 committed holding `0x42`.
fn assert_untouched(mock: &FaultyMapper, res: &Res<'_>) {
    assert!(mock.check_committed(res.base.as_ptr(), 2 * res.ps()));
    assert!(res.bytes(0).iter().all(|&b| b == 0x42));
    assert!(res.bytes(1).iter().all(|&b| b == 0x42));
    assert_eq!(mock.reservations().len(), 1);
    assert_eq!(mock.reservations()[0].len, res.bytes_len());
}

fn committed_res(mock: &FaultyMapper) -> Res<'_> {
    let res = Res::new(mock, 4);
    res.commit(0, 2).unwrap();
    res.fill(0, 0x42);
    res.fill(1, 0x42);
    res
}

#[test]
fn disabled_remap_is_unsupported_and_changes_nothing() {
    let mock = builder().remap(false).build();
    let res = committed_res(&mock);
    let err = remap(&res, 2, 8).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_untouched(&mock, &res);
    assert_eq!(mock.stats().unsupported_remaps, 1);
    assert_eq!(mock.stats().remaps, 0);
    res.release().unwrap();
    mock.assert_clean();
}

/// A remap the inner mapper refuses (as every OS mapper but Linux's does)
/// leaves the reservation and its poisoned tail as they were: each
/// poisoned page is checked once, when it goes away, not also at the move
/// that did not happen.
#[test]
fn a_remap_the_inner_mapper_refuses_checks_each_poisoned_page_once() {
    let mock = builder()
        .inner(builder().remap(false).build())
        .poison(true)
        .build();
    let res = Res::new(&mock, 4);
    res.commit(0, 4).unwrap();
    res.decommit(2, 2).unwrap();
    let err = remap(&res, 2, 8).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    res.release().unwrap();
    let stats = mock.stats();
    assert_eq!(
        (stats.poisoned_pages, stats.poisoned_pages_checked),
        (2, 2),
        "{stats:?}"
    );
    mock.assert_clean();
}

#[test]
fn denied_remap_leaves_the_old_reservation_as_it_was() {
    let mock = builder().deny_remap_on(1).build();
    let res = committed_res(&mock);
    let err = remap(&res, 2, 8).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfMemory);
    assert_untouched(&mock, &res);
    mock.deny_next_remaps(2);
    assert!(remap(&res, 2, 8).is_err());
    assert!(remap(&res, 2, 8).is_err());
    assert_untouched(&mock, &res);
    assert_eq!(mock.stats().denied_remaps, 3);
    res.release().unwrap();
    mock.assert_clean();

    let always = builder().deny_remaps(1.0).build();
    let res = committed_res(&always);
    assert!(remap(&res, 2, 8).is_err());
    assert_untouched(&always, &res);
    res.release().unwrap();
}

#[test]
fn remap_with_bad_lengths_is_refused() {
    let mock = builder().build();
    let res = committed_res(&mock);
    let ps = res.ps();
    let addr = res.base.as_ptr() as usize;
    let old_len = res.bytes_len();
    // Not larger.
    let err = remap(&res, 2, 4).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    let v = Violation::RemapBadLengths {
        addr,
        old_len,
        committed: 2 * ps,
        new_len: 4 * ps,
    };
    assert_eq!(mock.take_violations(), [v]);
    // More committed than reserved.
    assert!(remap(&res, 5, 8).is_err());
    let v = Violation::RemapBadLengths {
        addr,
        old_len,
        committed: 5 * ps,
        new_len: 8 * ps,
    };
    assert_eq!(mock.take_violations(), [v]);
    // Misaligned new length.
    // SAFETY: refused before reaching the OS.
    let r = unsafe { mock.remap(res.base, old_len, 2 * ps, 8 * ps + 1) };
    assert!(r.is_err());
    let v = Violation::Misaligned {
        op: Op::Remap,
        addr,
        len: 8 * ps + 1,
    };
    assert_eq!(mock.take_violations(), [v]);
    // Wrong old length.
    // SAFETY: as above.
    let r = unsafe { mock.remap(res.base, 2 * ps, 2 * ps, 8 * ps) };
    assert!(r.is_err());
    let v = Violation::ReleaseWrongLength {
        addr,
        expected: old_len,
        got: 2 * ps,
    };
    assert_eq!(mock.take_violations(), [v]);
    assert_untouched(&mock, &res);
    res.release().unwrap();
    mock.assert_clean();
}

#[test]
fn remap_with_a_wrong_committed_prefix_is_refused() {
    let mock = builder().build();
    let res = committed_res(&mock);
    let addr = res.base.as_ptr() as usize;
    let ps = res.ps();
    // Claims less than is committed: page 1 would be lost.
    assert!(remap(&res, 1, 8).is_err());
    let v = Violation::RemapWrongPrefix {
        addr,
        committed: ps,
        page: addr + ps,
    };
    assert_eq!(mock.take_violations(), [v]);
    // Claims more: page 2 is not committed.
    assert!(remap(&res, 3, 8).is_err());
    let v = Violation::RemapWrongPrefix {
        addr,
        committed: 3 * ps,
        page: addr + 2 * ps,
    };
    assert_eq!(mock.take_violations(), [v]);
    assert_untouched(&mock, &res);
    res.release().unwrap();
    mock.assert_clean();
}

/// Remaps that succeed, which need an inner mapper that remaps
/// (`mapped_mock::OS_REMAPS`, whose condition this is): Linux's `mremap`,
/// or the heap mapper the mock wraps where nothing is mapped. The other
/// Unixes (and Linux under `--cfg mapped_portable`) and Windows have no
/// remap: the OS mapper says `Unsupported`.
#[cfg(any(
    mapped_no_mmap,
    all(any(target_os = "linux", target_os = "android"), not(mapped_portable))
))]
mod moves {
    use super::{committed_res, remap};
    use crate::{builder, Res};
    use mapped::Mapper;
    use mapped_mock::{Mode, PageState, ReservationInfo, Violation};
    use std::io::ErrorKind;

    #[test]
    fn remap_moves_the_committed_prefix_with_its_bytes() {
        for mode in [Mode::Plain, Mode::Poison, Mode::Trap] {
            let mock = builder().mode(mode).build();
            let res = Res::new(&mock, 4);
            let ps = res.ps();
            res.commit(0, 3).unwrap();
            res.fill(0, 0x10);
            res.fill(1, 0x11);
            res.decommit(2, 1).unwrap();
            let old = res.base;

            let new = remap(&res, 2, 8).unwrap();
            let moved = Res {
                mock: &mock,
                base: new,
                pages: 8,
            };
            assert!(moved.bytes(0).iter().all(|&b| b == 0x10), "{mode:?}");
            assert!(moved.bytes(1).iter().all(|&b| b == 0x11), "{mode:?}");
            assert!(mock.check_committed(new.as_ptr(), 2 * ps));
            assert_eq!(
                mock.page_state(moved.page(2).as_ptr()),
                Some(PageState::Reserved)
            );
            assert!(!mock.check_committed(moved.page(2).as_ptr(), 1));
            assert_eq!(
                mock.reservations(),
                [ReservationInfo {
                    base: new.as_ptr() as usize,
                    len: 8 * ps,
                    committed_bytes: 2 * ps
                }]
            );
            if old != new {
                assert_eq!(mock.page_state(old.as_ptr()), None, "old reservation gone");
            }
            assert_eq!(mock.stats().remaps, 1);

            // The new reservation works like any other.
            moved.commit(2, 6).unwrap();
            moved.fill(7, 0x77);
            moved.release().unwrap();
            mock.assert_clean();
            if old != new {
                // SAFETY: refused before reaching the OS.
                let r = unsafe { mock.release(old, 4 * ps) };
                assert_eq!(r.unwrap_err().kind(), ErrorKind::InvalidInput);
                let addr = old.as_ptr() as usize;
                assert_eq!(mock.take_violations(), [Violation::DoubleRelease { addr }]);
            }
        }
    }

    #[test]
    fn remap_with_nothing_committed() {
        let mock = builder().build();
        let res = Res::new(&mock, 1);
        let new = remap(&res, 0, 2).unwrap();
        assert_eq!(mock.committed_bytes(), 0);
        assert_eq!(mock.reserved_bytes(), 2 * res.ps());
        Res {
            mock: &mock,
            base: new,
            pages: 2,
        }
        .release()
        .unwrap();
        mock.assert_clean();
    }

    #[test]
    fn remap_can_be_turned_on_and_off_at_run_time() {
        let mock = builder().build();
        let res = committed_res(&mock);
        mock.set_remap(false);
        assert_eq!(
            remap(&res, 2, 8).unwrap_err().kind(),
            ErrorKind::Unsupported
        );
        mock.set_remap(true);
        let new = remap(&res, 2, 8).unwrap();
        Res {
            mock: &mock,
            base: new,
            pages: 8,
        }
        .release()
        .unwrap();
        mock.assert_clean();
    }
}
