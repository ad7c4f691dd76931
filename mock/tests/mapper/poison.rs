//! Poison mode: decommitted pages keep a pattern that catches stray writes;
//! committed pages start with junk that catches reliance on old or zeroed
//! bytes.

use crate::{builder, Res};
use mapped_mock::{Mode, PageState, Violation};

#[test]
fn write_to_decommitted_page_is_caught_at_recommit() {
    let mock = builder().poison(true).build();
    assert_eq!(mock.mode(), Mode::Poison);
    let res = Res::new(&mock, 3);
    res.commit(0, 3).unwrap();
    res.decommit(1, 2).unwrap();
    assert_eq!(
        mock.page_state(res.page(1).as_ptr()),
        Some(PageState::Decommitted)
    );
    assert!(!mock.check_committed(res.page(1).as_ptr(), 1));

    // The bug: a write past the committed end. Poisoned pages stay mapped,
    // so it does not fault...
    // SAFETY: inside our reservation; the page is poisoned, not anyone's.
    unsafe { mock.touch(res.page(2).as_ptr().add(100)) };
    mock.assert_clean();
    // ...but the recommit sees the broken pattern (and only that page).
    res.commit(1, 2).unwrap();
    assert_eq!(
        mock.violations(),
        [Violation::WriteToDecommitted {
            page: res.page(2).as_ptr() as usize
        }]
    );
    assert_eq!(mock.stats().poisoned_pages_checked, 2);
    let report = mock.report().to_string();
    assert!(report.contains("write to decommitted page"), "{report}");
    assert!(
        report.contains(&format!("MAPPED_SEED={}", mock.seed())),
        "{report}"
    );
    res.release().unwrap();
}

#[test]
fn write_to_decommitted_page_is_caught_at_release() {
    let mock = builder().poison(true).build();
    let res = Res::new(&mock, 2);
    res.commit(0, 2).unwrap();
    res.decommit(0, 2).unwrap();
    // SAFETY: inside our reservation; the page is poisoned, not anyone's.
    unsafe { mock.touch(res.page(0).as_ptr()) };
    let page = res.page(0).as_ptr() as usize;
    res.release().unwrap();
    assert_eq!(mock.violations(), [Violation::WriteToDecommitted { page }]);
}

#[test]
fn recommitted_pages_hold_junk_not_old_bytes() {
    let mock = builder().seed(3).poison(true).build();
    let res = Res::new(&mock, 1);
    res.commit(0, 1).unwrap();
    res.fill(0, 0xAB);
    res.decommit(0, 1).unwrap();
    res.commit(0, 1).unwrap();
    let bytes = res.bytes(0);
    let stale = bytes.iter().filter(|&&b| b == 0xAB).count();
    let zero = bytes.iter().filter(|&&b| b == 0).count();
    // Random bytes: about 1/256 of them match any one value.
    assert!(
        stale < bytes.len() / 16,
        "{stale} stale bytes survived recommit"
    );
    assert!(zero < bytes.len() / 16, "{zero} zero bytes: not junk");
    mock.assert_clean();
    assert_eq!(mock.stats().junk_filled_pages, 2);
    res.release().unwrap();
}

#[test]
fn fresh_pages_hold_junk_in_poison_and_trap_modes_only() {
    for (mode, junk) in [
        (Mode::Poison, true),
        (Mode::Trap, true),
        (Mode::Plain, false),
    ] {
        let mock = builder().mode(mode).build();
        let res = Res::new(&mock, 1);
        res.commit(0, 1).unwrap();
        let zeroed = res.bytes(0).iter().all(|&b| b == 0);
        assert_eq!(!zeroed, junk, "{mode:?}");
        res.release().unwrap();
    }
}

#[test]
fn recommitting_a_committed_page_keeps_its_bytes() {
    let mock = builder().poison(true).build();
    let res = Res::new(&mock, 2);
    res.commit(0, 1).unwrap();
    res.fill(0, 0x5A);
    res.commit(0, 2).unwrap();
    assert!(res.bytes(0).iter().all(|&b| b == 0x5A));
    assert_eq!(mock.stats().redundant_commit_pages, 1);
    res.release().unwrap();
    mock.assert_clean();
}

#[test]
fn clean_cycles_leave_no_violation() {
    let mock = builder().poison(true).build();
    let res = Res::new(&mock, 4);
    for round in 0..8u8 {
        res.commit(0, 4).unwrap();
        for i in 0..4 {
            res.fill(i, round);
        }
        res.decommit(1, 3).unwrap();
        res.decommit(0, 1).unwrap();
    }
    res.release().unwrap();
    mock.assert_clean();
    let stats = mock.stats();
    assert_eq!(stats.poisoned_pages, 32);
    // 7 recommits of 4 pages, then 4 checked at release.
    assert_eq!(stats.poisoned_pages_checked, 32);
}
