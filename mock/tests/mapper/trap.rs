//! Trap mode: decommitted pages are really inaccessible, so a stray access
//! kills the process. Each test runs its body in a child process (see
//! `mapped_mock::child`) and asserts how the child ended.

use crate::{builder, Res};
use mapped_mock::child;

/// Runs `body` in a child process when this process is the child of the
/// test `name`, and otherwise starts that child and returns its output.
fn in_child(name: &str, body: impl FnOnce()) -> Option<std::process::Output> {
    if child::is_child(name) {
        body();
        return None;
    }
    Some(child::run(name, &[]))
}

fn assert_faulted(out: Option<std::process::Output>) {
    if let Some(out) = out {
        assert!(
            child::died_of_fault(&out.status),
            "{}",
            child::describe(&out)
        );
    }
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "nothing is mapped: the mock's heap mapper has no page to fault"
)]
fn write_to_decommitted_page_faults() {
    assert_faulted(in_child("trap::write_to_decommitted_page_faults", || {
        let mock = builder().trap(true).build();
        let res = Res::new(&mock, 2);
        res.commit(0, 2).unwrap();
        res.fill(1, 1);
        res.decommit(1, 1).unwrap();
        // SAFETY: inside our reservation; the page is decommitted.
        unsafe { mock.touch(res.page(1).as_ptr()) };
        eprintln!("survived a write to a decommitted page");
    }));
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "nothing is mapped: the mock's heap mapper has no page to fault"
)]
fn write_past_committed_end_faults() {
    assert_faulted(in_child("trap::write_past_committed_end_faults", || {
        let mock = builder().trap(true).build();
        let res = Res::new(&mock, 2);
        res.commit(0, 1).unwrap();
        // SAFETY: inside our reservation; the page was never committed.
        unsafe { mock.touch(res.page(1).as_ptr().add(7)) };
        eprintln!("survived a write past the committed end");
    }));
}

#[test]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "nothing is mapped: the mock's heap mapper has no page to fault"
)]
fn a_lied_commit_is_caught_only_by_the_trap() {
    assert_faulted(in_child(
        "trap::a_lied_commit_is_caught_only_by_the_trap",
        || {
            let mock = builder().trap(true).lie_on_commit(1.0).build();
            let res = Res::new(&mock, 1);
            res.commit(0, 1).unwrap();
            // The audit believes the lie...
            assert!(mock.check_committed(res.page(0).as_ptr(), res.ps()));
            assert_eq!(mock.stats().lies, 1);
            mock.assert_clean();
            // ...the first write does not.
            // SAFETY: inside our reservation; "committed".
            unsafe { res.page(0).as_ptr().write_volatile(1) };
            eprintln!("survived a write to a page committed by a lie");
        },
    ));
}

#[test]
fn correct_use_in_trap_mode_exits_cleanly() {
    let name = "trap::correct_use_in_trap_mode_exits_cleanly";
    let out = in_child(name, || {
        let mock = builder().trap(true).build();
        let res = Res::new(&mock, 4);
        for round in 0..4u8 {
            res.commit(0, 4).unwrap();
            for i in 0..4 {
                res.fill(i, round);
                assert!(res.bytes(i).iter().all(|&b| b == round));
            }
            res.decommit(1, 3).unwrap();
            res.fill(0, round);
            res.decommit(0, 1).unwrap();
        }
        res.release().unwrap();
        mock.assert_clean();
    });
    if let Some(out) = out {
        assert!(out.status.success(), "{}", child::describe(&out));
    }
}
