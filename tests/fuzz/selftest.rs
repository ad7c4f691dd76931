//! The fuzz harness can fail (issue 4, part 5): a harness that passes
//! whatever happens proves nothing. Each test here breaks something on
//! purpose and asserts the harness reports it:
//!
//! - a lying mapper (every commit, or one in four, "succeeds" without
//!   committing) in trap mode, under the model test's step loop in a child
//!   process: the child dies (of a fault) or panics;
//! - a write to a decommitted page, in poison mode: reported as a
//!   violation, by the mock and by the harness's step check;
//! - a wrong element, a leaked element: the step check panics, naming the
//!   seed;
//! - proptest shrinking removes the faults a failure does not need.

use super::mock;
use mapped::MappedVector;
use mapped_mock::{child, Mode, PageState, Violation};
use mapped_testkit::{
    master_seed, run_generated, run_steps, strategies, CaseConfig, Container, Elem, Op, Probs,
    Step, Tracked, VectorHarness,
};
use proptest::test_runner::{TestCaseError, TestError};
use std::panic::{catch_unwind, AssertUnwindSafe};

fn cfg(mode: Mode, lie: f64) -> CaseConfig {
    CaseConfig {
        seed: master_seed(),
        mode,
        probs: Probs {
            deny_commits: 0.05,
            ..Probs::default()
        },
        remap: true,
        window_pages: 2,
        max_pages: 16,
        ops: 200,
        flag_p: 0.03,
        lie_on_commit: lie,
        fixed_capacity: None,
        heap_limit: 0,
        container: Container::Vector,
        unguarded: false,
        on_heap: cfg!(miri),
    }
}

/// A poisoning mapper with no random faults: the steps below do exactly
/// what they say.
fn quiet() -> CaseConfig {
    CaseConfig {
        probs: Probs::default(),
        ..cfg(Mode::Poison, 0.0)
    }
}

/// The panic message of `f`, which must panic.
fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("the harness did not fail");
    err.downcast_ref::<String>()
        .cloned()
        .or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_default()
}

/// Runs the model loop on a lying mapper in trap mode in a child, which
/// must not exit cleanly.
fn lying_mapper_is_reported(name: &str, lie: f64) {
    if child::is_child(name) {
        eprintln!("running the model loop on a lying mapper");
        run_generated::<u32, 1>(&cfg(Mode::Trap, lie));
        run_generated::<Tracked, 1>(&cfg(Mode::Trap, lie));
        eprintln!("the harness passed a lying mapper");
        return;
    }
    let out = child::run(name, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("running the model loop") && !out.status.success(),
        "{}",
        child::describe(&out)
    );
    assert!(
        child::died_of_fault(&out.status) || stderr.contains("panicked"),
        "{}",
        child::describe(&out)
    );
    assert!(
        !stderr.contains("passed a lying mapper"),
        "{}",
        child::describe(&out)
    );
}

#[test]
#[cfg_attr(miri, ignore = "runs a child process, which Miri cannot")]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "nothing is mapped: the mock's heap mapper has no page to fault"
)]
fn a_mapper_that_never_commits_is_reported() {
    lying_mapper_is_reported("selftest::a_mapper_that_never_commits_is_reported", 1.0);
}

#[test]
#[cfg_attr(miri, ignore = "runs a child process, which Miri cannot")]
#[cfg_attr(
    mapped_no_mmap,
    ignore = "nothing is mapped: the mock's heap mapper has no page to fault"
)]
fn a_mapper_that_sometimes_lies_is_reported() {
    lying_mapper_is_reported("selftest::a_mapper_that_sometimes_lies_is_reported", 0.25);
}

/// Poison mode sees a write to a decommitted page: the mock records a
/// violation at the recommit, and `assert_clean` fails naming the seed.
#[test]
#[cfg_attr(
    miri,
    ignore = "tens of thousands of audited pushes: too slow under Miri (the model fuzz runs the same paths)"
)]
fn poison_catches_a_write_to_a_decommitted_page() {
    let mock = mock(Mode::Poison);
    // Heap limit 0: truncated, the vector keeps its (decommitted) pages.
    let mut v: MappedVector<u32, 1> = MappedVector::builder(mock.clone())
        .heap_limit(0)
        .build()
        .unwrap();
    for i in 0..16 * 1024 {
        v.push(i).unwrap();
    }
    v.truncate(10);
    let committed_elems = v.committed_bytes() / 4;
    let past = v.as_ptr().wrapping_add(committed_elems) as *mut u8;
    assert_eq!(mock.page_state(past), Some(PageState::Decommitted));
    // SAFETY: a deliberate wrong access, inside the mock's reservation, to
    // a poisoned (decommitted but mapped) page that nothing uses.
    unsafe { mock.touch(past) };
    // Not seen yet: the poison is checked when the page comes back.
    assert!(mock.violations().is_empty());
    for i in 10..16 * 1024 {
        v.push(i).unwrap();
    }
    assert_eq!(
        mock.violations(),
        [Violation::WriteToDecommitted {
            page: past as usize
        }]
    );
    let msg = panic_message(|| mock.assert_clean());
    assert!(
        msg.contains("write to decommitted page") && msg.contains("MAPPED_SEED="),
        "{msg}"
    );
}

/// The same write, between two steps of the harness: the next step's check
/// fails, with the case seed.
#[test]
fn harness_reports_a_violation_at_the_next_step() {
    let c = quiet();
    let mut h = VectorHarness::<u32, 1>::new(&c);
    h.step(&Step::plain(Op::PushMany {
        start: 0,
        count: 16 * 1024,
    }));
    h.step(&Step::plain(Op::Truncate { len: 10 }));
    assert_eq!(h.v.len(), 10);
    let past = h.v.as_ptr().wrapping_add(h.v.committed_bytes() / 4) as *mut u8;
    // SAFETY: as above: a poisoned page inside the mock's reservation.
    unsafe { h.mock.touch(past) };
    let msg = panic_message(|| {
        h.step(&Step::plain(Op::PushMany {
            start: 10,
            count: 16 * 1024,
        }))
    });
    assert!(
        msg.contains("write to decommitted page") && msg.contains(&format!("case seed {}", c.seed)),
        "{msg}"
    );
}

/// A wrong element is reported with its index and the seed.
#[test]
fn harness_reports_a_wrong_element() {
    let c = quiet();
    let mut h = VectorHarness::<Tracked, 1>::new(&c);
    h.step(&Step::plain(Op::PushMany {
        start: 0,
        count: 50,
    }));
    assert_eq!(h.v.len(), 50);
    h.v[3] = Tracked::make(999);
    let msg = panic_message(|| h.check());
    assert!(
        msg.contains("element 3") && msg.contains(&format!("case seed {}", c.seed)),
        "{msg}"
    );
}

/// An element lost (never dropped) is reported by the drop ledger.
#[test]
fn harness_reports_a_leaked_element() {
    let c = quiet();
    let mut h = VectorHarness::<Tracked, 1>::new(&c);
    h.step(&Step::plain(Op::PushMany {
        start: 0,
        count: 50,
    }));
    // Lose one from both sides: the contents agree, the ledger does not.
    std::mem::forget(h.v.pop());
    h.model.pop();
    let msg = panic_message(|| h.check());
    assert!(msg.contains("tracked instances live"), "{msg}");
}

/// Without the bug, the same steps pass: the failures above are the
/// harness seeing the breakage, not the harness failing anyway.
#[test]
#[cfg_attr(
    miri,
    ignore = "tens of thousands of audited pushes: too slow under Miri (the model fuzz runs the same paths)"
)]
fn the_same_steps_pass_unbroken() {
    let c = quiet();
    run_steps::<u32, 1>(
        &c,
        &[
            Step::plain(Op::PushMany {
                start: 0,
                count: 16 * 1024,
            }),
            Step::plain(Op::Truncate { len: 10 }),
            Step::plain(Op::PushMany {
                start: 10,
                count: 16 * 1024,
            }),
        ],
    );
    run_generated::<u32, 1>(&cfg(Mode::Poison, 0.0));
}

/// proptest finds a failure that needs a refused commit and shrinks it to
/// one step that keeps the denial and drops every other fault.
#[test]
#[cfg_attr(
    miri,
    ignore = "up to 256 proptest cases and their shrinking: too slow under Miri"
)]
fn proptest_shrinks_to_the_needed_fault() {
    let c = quiet();
    let mut runner = strategies::runner(master_seed(), 256);
    let result = runner.run(&strategies::steps(), |steps| {
        let tally = run_steps::<u32, 1>(&c, &steps);
        if tally.denied_steps > 0 {
            return Err(TestCaseError::fail("a step's commit was refused"));
        }
        Ok(())
    });
    match result {
        Err(TestError::Fail(_, steps)) => {
            // Shrinking is greedy, so the case may keep steps that make the
            // denied call need a commit; but every fault left in it is one
            // the failure needs: one denied commit and no failed decommit.
            let listing: Vec<String> = steps.iter().map(ToString::to_string).collect();
            let denials = steps.iter().filter(|s| s.deny_commit).count();
            let failures = steps.iter().filter(|s| s.fail_decommit).count();
            assert_eq!(
                (denials, failures),
                (1, 0),
                "faults not shrunk away: {listing:?}"
            );
        }
        other => panic!("proptest found no failure: {other:?}"),
    }
}
