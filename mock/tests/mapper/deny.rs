//! Denied reserves and commits, failed decommits: by probability, on the
//! k-th call, scripted; and that a refused call changes nothing.

use crate::{builder, Res};
use mapped::Mapper;
use mapped_mock::{FaultyMapper, PageState};
use std::io::ErrorKind;

/// Whether each of `n` commits of one page was denied.
fn commit_decisions(mock: &FaultyMapper, n: usize) -> Vec<bool> {
    let res = Res::new(mock, 1);
    let decisions = (0..n).map(|_| res.commit(0, 1).is_err()).collect();
    res.release().unwrap();
    decisions
}

#[test]
fn denial_by_probability_is_replayed_by_its_seed() {
    let run = |seed| commit_decisions(&builder().seed(seed).deny_commits(0.5).build(), 256);
    let a = run(1);
    assert_eq!(a, run(1), "same seed, same decisions");
    assert_ne!(a, run(2), "different seeds, different decisions");
    let denied = a.iter().filter(|&&d| d).count();
    assert!(
        (64..192).contains(&denied),
        "{denied} of 256 denied at p = 0.5"
    );
}

#[test]
fn fault_kinds_draw_from_separate_streams() {
    let plain = commit_decisions(&builder().seed(5).deny_commits(0.3).build(), 128);
    let mock = builder()
        .seed(5)
        .deny_commits(0.3)
        .fail_decommits(0.5)
        .deny_remaps(0.5)
        .build();
    // A denied reserve drew from the reserve stream only.
    mock.deny_next_reserves(1);
    assert!(mock.reserve(mock.page_size()).is_err());
    assert_eq!(commit_decisions(&mock, 128), plain);
}

#[test]
fn denied_commit_is_out_of_memory_and_changes_nothing() {
    let mock = builder().seed(77).build();
    let res = Res::new(&mock, 2);
    mock.deny_next_commits(1);
    let err = res.commit(0, 2).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfMemory);
    assert!(err.to_string().contains("seed 77"), "{err}");
    assert_eq!(
        mock.page_state(res.page(0).as_ptr()),
        Some(PageState::Reserved)
    );
    assert!(!mock.check_committed(res.page(0).as_ptr(), 1));
    assert_eq!(mock.committed_bytes(), 0);
    let stats = mock.stats();
    assert_eq!((stats.commits, stats.denied_commits), (0, 1));

    res.commit(0, 2).unwrap();
    assert_eq!(mock.committed_bytes(), res.bytes_len());
    res.release().unwrap();
    mock.assert_clean();
}

#[test]
fn deny_commit_on_fails_exactly_the_kth_calls() {
    let mock = builder().deny_commit_on(2).deny_commit_on(4).build();
    let res = Res::new(&mock, 1);
    let outcomes: Vec<bool> = (0..5).map(|_| res.commit(0, 1).is_ok()).collect();
    assert_eq!(outcomes, [true, false, true, false, true]);
    assert_eq!(mock.stats().denied_commits, 2);
    res.release().unwrap();
}

#[test]
fn deny_next_commits_scripts_the_next_calls() {
    let mock = builder().build();
    let res = Res::new(&mock, 1);
    res.commit(0, 1).unwrap();
    mock.deny_next_commits(2);
    assert!(res.commit(0, 1).is_err());
    assert!(res.commit(0, 1).is_err());
    assert!(res.commit(0, 1).is_ok());
    res.release().unwrap();
}

#[test]
fn denied_reserves_make_no_reservation() {
    let mock = builder().deny_reserve_on(1).build();
    let ps = mock.page_size();
    let err = mock.reserve(ps).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutOfMemory);
    assert_eq!(mock.live_reservations(), 0);
    mock.deny_next_reserves(1);
    assert!(mock.reserve(ps).is_err());
    let res = Res::new(&mock, 1);
    assert_eq!(mock.live_reservations(), 1);
    assert_eq!(mock.stats().denied_reserves, 2);
    res.release().unwrap();

    let always = builder().deny_reserves(1.0).build();
    assert!(always.reserve(ps).is_err());
    assert_eq!(always.stats().reserves, 0);
}

#[test]
fn runtime_probabilities_and_clear_faults() {
    let mock = builder().build();
    let res = Res::new(&mock, 1);
    mock.set_deny_commits(1.0);
    assert!(res.commit(0, 1).is_err());
    mock.set_deny_commits(0.0);
    assert!(res.commit(0, 1).is_ok());

    mock.set_deny_commits(1.0);
    mock.set_fail_decommits(1.0);
    mock.deny_next_reserves(3);
    mock.clear_faults();
    assert!(res.commit(0, 1).is_ok());
    assert!(res.decommit(0, 1).is_ok());
    res.release().unwrap();
    assert!(mock.reserve(mock.page_size()).is_ok_and(|p| {
        // SAFETY: the reservation just made, unused.
        unsafe { mock.release(p, mock.page_size()) }.is_ok()
    }));
    mock.assert_clean();
}

#[test]
fn failed_decommit_keeps_pages_committed_and_usable() {
    let mock = builder().fail_decommits(1.0).poison(true).build();
    let res = Res::new(&mock, 2);
    res.commit(0, 2).unwrap();
    res.fill(0, 0x11);
    res.fill(1, 0x22);
    assert!(res.decommit(1, 1).is_err());
    assert_eq!(
        mock.page_state(res.page(1).as_ptr()),
        Some(PageState::Committed)
    );
    assert!(mock.check_committed(res.page(0).as_ptr(), res.bytes_len()));
    // Still readable and writable, bytes intact (not poisoned).
    assert!(res.bytes(1).iter().all(|&b| b == 0x22));
    res.fill(1, 0x33);
    assert_eq!(mock.stats().failed_decommits, 1);
    assert_eq!(mock.stats().poisoned_pages, 0);

    mock.clear_faults();
    mock.fail_next_decommits(1);
    assert!(res.decommit(1, 1).is_err());
    assert!(res.decommit(1, 1).is_ok());
    assert_eq!(
        mock.page_state(res.page(1).as_ptr()),
        Some(PageState::Decommitted)
    );
    assert_eq!(mock.stats().failed_decommits, 2);
    res.release().unwrap();
    mock.assert_clean();
}

#[test]
fn fail_decommit_on_fails_the_kth_decommit() {
    let mock = builder().fail_decommit_on(2).build();
    let res = Res::new(&mock, 1);
    res.commit(0, 1).unwrap();
    assert!(res.decommit(0, 1).is_ok());
    res.commit(0, 1).unwrap();
    assert!(res.decommit(0, 1).is_err());
    assert!(res.decommit(0, 1).is_ok());
    res.release().unwrap();
}
