//! Trap mode (issue 4, part 3): decommitted pages are really `PROT_NONE`,
//! so any access to one kills the process. Each test runs its body in a
//! child process (`mapped_mock::child`): the seed scenario and random model
//! sequences must complete and exit 0, and a deliberately wrong access must
//! die of `SIGSEGV` (on Windows an access violation), which shows the trap
//! is armed. Where nothing is mapped (`--cfg mapped_no_mmap`) the mock
//! wraps the heap mapper, which cannot fault: the runs still pass, the
//! wrong accesses are not trapped.

use super::{always_mapped, mock};
use mapped::MappedVector;
use mapped_mock::{child, Mode, PageState};
use mapped_testkit::{case_seed, env_cases, master_seed, run_case, Plan};

/// Runs `body` in a child, which must exit 0; returns its stderr.
fn must_pass(name: &str, body: impl FnOnce()) -> String {
    if child::is_child(name) {
        body();
        eprintln!("child {name}: done");
        return String::new();
    }
    let out = child::run(name, &[]);
    assert!(
        out.status.success(),
        "{name} failed in trap mode (master seed {}):\n{}",
        master_seed(),
        child::describe(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(stderr.contains("done"), "{}", child::describe(&out));
    stderr
}

/// Runs `body` in a child, which must die of a memory fault after printing
/// `reached` (and not print `survived`).
fn must_fault(name: &str, reached: &str, body: impl FnOnce()) {
    if child::is_child(name) {
        body();
        eprintln!("survived");
        return;
    }
    let out = child::run(name, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        child::died_of_fault(&out.status)
            && stderr.contains(reached)
            && !stderr.contains("survived"),
        "{name}: the wrong access was not trapped (master seed {}):\n{}",
        master_seed(),
        child::describe(&out)
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs a child process, which Miri cannot")]
fn seed_scenario_in_trap_mode() {
    must_pass("trap::seed_scenario_in_trap_mode", || {
        let mock = mock(Mode::Trap);
        let mut mvec: MappedVector<i32, 1> = always_mapped(&mock);
        for i in 0..10000 {
            mvec.push(i).unwrap();
        }
        for _ in 0..10000 {
            mvec.pop();
        }
        assert_eq!(mvec.len(), 0);
        assert!(mock.stats().decommitted_pages > 0);
        for i in 0..10000 {
            mvec.push(i).unwrap();
        }
        assert!(mvec.iter().copied().eq(0..10000));
        drop(mvec);
        mock.assert_clean();
    });
}

#[test]
#[cfg_attr(miri, ignore = "runs a child process, which Miri cannot")]
fn random_sequences_in_trap_mode() {
    let stderr = must_pass("trap::random_sequences_in_trap_mode", || {
        let plan = Plan {
            mode: Mode::Trap,
            announce: true,
            ..Plan::poison(150, 24)
        };
        let master = master_seed();
        let cases = env_cases(40);
        let mut total = mapped_testkit::Tally::default();
        for i in 0..cases {
            total.add(&run_case(&plan, case_seed(master, i)));
        }
        eprintln!("trap mode, master seed {master}: {total}");
        assert!(cases < 20 || (total.decommits > 0 && total.denied_commits > 0));
    });
    if !stderr.is_empty() {
        let summary = stderr.lines().find(|l| l.starts_with("trap mode"));
        eprintln!("{}", summary.unwrap_or("no summary"));
    }
}

/// A reach one element past the committed end after a shrink: into a
/// decommitted page.
#[test]
#[cfg_attr(miri, ignore = "runs a child process, which Miri cannot")]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "nothing is mapped: the mock's heap mapper has no page to fault"
)]
fn reach_past_committed_end_is_trapped() {
    must_fault(
        "trap::reach_past_committed_end_is_trapped",
        "touching",
        || {
            let mock = mock(Mode::Trap);
            let mut v: MappedVector<u32, 1> = always_mapped(&mock);
            for i in 0..16 * 1024 {
                v.push(i).unwrap();
            }
            v.truncate(100);
            let committed = v.committed_bytes();
            assert!(committed < 16 * 4096, "the truncate gave nothing back");
            let committed_elems = committed / 4;
            // The last committed byte is fine...
            // SAFETY: inside the committed prefix, past the elements.
            unsafe { mock.touch((v.as_ptr().add(committed_elems) as *mut u8).sub(1)) };
            let past = v.as_ptr().wrapping_add(committed_elems) as *mut u8;
            assert_eq!(mock.page_state(past), Some(PageState::Decommitted));
            eprintln!("touching {past:p}");
            // SAFETY: a deliberate wrong access inside the mock's reservation:
            // the child must die here.
            unsafe { mock.touch(past) };
        },
    );
}

/// After a refused commit, the page the push would have used is still not
/// accessible: the refusal really committed nothing.
#[test]
#[cfg_attr(miri, ignore = "runs a child process, which Miri cannot")]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "nothing is mapped: the mock's heap mapper has no page to fault"
)]
fn slot_of_a_refused_push_is_trapped() {
    must_fault(
        "trap::slot_of_a_refused_push_is_trapped",
        "touching",
        || {
            let mock = mock(Mode::Trap);
            let mut v: MappedVector<u64, 1> = always_mapped(&mock);
            v.push(1).unwrap(); // the first page, committed
            while v.len() < v.capacity() {
                v.push(1).unwrap();
            }
            mock.deny_next_commits(1);
            assert!(v.push(2).is_err());
            let slot = v.as_ptr().wrapping_add(v.len()) as *mut u8;
            assert!(!mock.check_committed(slot, 8));
            eprintln!("touching {slot:p}");
            // SAFETY: a deliberate wrong access inside the mock's reservation.
            unsafe { mock.touch(slot) };
        },
    );
}
