//! Model-based fuzzing of `MappedVector` (issue 4, part 1): random
//! sequences of every mutating method on a vector backed by a poisoning
//! `FaultyMapper` that denies commits (1-10%) and remaps, with a small
//! first window so the window moves, compared after every step with a std
//! `Vec`. See `common_fuzz` for the checks made after each step.
//!
//! Seeds: `MAPPED_SEED` (default `mapped_testkit::DEFAULT_SEED`) is the master
//! seed; case `i` runs with `case_seed(master, i)` and case 0 with the
//! master seed itself, so `MAPPED_SEED=<case seed> MAPPED_FUZZ_CASES=1
//! cargo test --test fuzz_model <test>` replays the failing case a message
//! names. `MAPPED_FUZZ_CASES` sets the number of cases of each test.

use mapped_mock::{Mode, OS_REMAPS};
use mapped_testkit::strategies;
use mapped_testkit::{
    case_seed, env_cases, master_seed, mix, run_case, run_steps, CaseConfig, Container, Kind, Plan,
    Probs, Step, Tally, Tracked,
};
use proptest::test_runner::TestError;

/// Steps per generated case (fewer under Miri, about a thousand times
/// slower).
pub(crate) const OPS: usize = if cfg!(miri) { 12 } else { 150 };
/// The length cap, in pages of elements, cases draw theirs below.
pub(crate) const MAX_PAGES: usize = if cfg!(miri) { 2 } else { 24 };

fn run(name: &str, plan: &Plan, default_cases: usize) -> Tally {
    let master = master_seed();
    let cases = env_cases(default_cases);
    let mut total = Tally::default();
    for i in 0..cases {
        total.add(&run_case(plan, case_seed(master, i)));
    }
    eprintln!("{name}: master seed {master}: {total}");
    assert_eq!(total.violations, 0);
    assert!(cases == 0 || total.steps == (cases * plan.ops) as u64);
    total
}

fn plan(kind: Kind) -> Plan {
    Plan {
        kind: Some(kind),
        ..Plan::poison(OPS, MAX_PAGES)
    }
}

#[test]
fn model_u32() {
    let t = run("model_u32", &plan(Kind::U32), 120);
    // The faults this test exists for did happen.
    if t.cases >= 50 {
        assert!(
            t.denied_commits > 0 && t.decommits > 0 && t.remaps > 0,
            "{t}"
        );
    }
}

#[test]
fn model_tri_straddling_pages() {
    run("model_tri", &plan(Kind::Tri), 100);
}

#[test]
fn model_tracked_strings() {
    let t = run("model_tracked", &plan(Kind::Tracked), 150);
    if t.cases >= 50 {
        assert!(t.denied_commits > 0 && t.refused_steps > 0, "{t}");
    }
}

#[test]
fn model_big_elements() {
    run("model_big", &plan(Kind::Big), 120);
}

#[test]
fn model_without_remap_or_with_failing_decommits() {
    // Every element type and N, the copy path when a window moves, and
    // decommits failing in every case.
    let plan = Plan {
        fail_decommits: Some(0.1),
        ..Plan::poison(OPS, MAX_PAGES)
    };
    let t = run("model_mixed", &plan, 100);
    if t.cases >= 50 {
        assert!(t.failed_decommits > 0 && t.unsupported_remaps > 0, "{t}");
    }
}

#[test]
fn model_queue() {
    // The queue against `BinaryHeap`, every element type and `N`, on the
    // same steps and faults (the positional steps are the vector's alone).
    let plan = Plan {
        container: Some(Container::Queue),
        ..Plan::poison(OPS, MAX_PAGES)
    };
    let t = run("model_queue", &plan, 120);
    if t.cases >= 50 {
        assert!(
            t.denied_commits > 0 && t.refused_steps > 0 && t.decommits > 0 && t.remaps > 0,
            "{t}"
        );
    }
}

// ---------------------------------------------------------------------------
// proptest: the faults are part of the generated steps, so shrinking removes
// every fault that is not needed to fail and leaves the smallest case.
// ---------------------------------------------------------------------------

fn proptest_cfg(seed: u64, container: Container, remap: bool, window_pages: usize) -> CaseConfig {
    CaseConfig {
        seed,
        mode: Mode::Poison,
        // No random faults: only the scripted ones in the steps.
        probs: Probs::default(),
        remap,
        window_pages,
        max_pages: 0,
        ops: 0,
        flag_p: 0.0,
        lie_on_commit: 0.0,
        fixed_capacity: None,
        heap_limit: 0,
        container,
        unguarded: false,
        on_heap: cfg!(miri),
    }
}

/// Runs `body` on proptest-generated steps; `salt` separates the streams
/// of different tests run from the same master seed.
fn proptest_run<F: Fn(&[Step]) -> Tally>(name: &str, salt: u64, default_cases: usize, body: F) {
    let master = master_seed();
    let cases = env_cases(default_cases) as u32;
    let mut r = strategies::runner(mix(master, salt), cases);
    let total = std::cell::Cell::new(Tally::default());
    let result = r.run(&strategies::steps(), |steps| {
        let mut t = total.get();
        t.add(&body(&steps));
        total.set(t);
        Ok(())
    });
    match result {
        Ok(()) => eprintln!("{name}: master seed {master}: {}", total.get()),
        Err(TestError::Fail(why, steps)) => {
            let listing: Vec<String> = steps.iter().map(ToString::to_string).collect();
            panic!(
                "{name} failed (master seed {master}; MAPPED_SEED={master} replays it): {why}\n\
                 minimal failing steps ({}):\n  {}",
                steps.len(),
                listing.join("\n  ")
            );
        }
        Err(e) => panic!("{name} (master seed {master}): {e}"),
    }
}

#[test]
fn proptest_tracked_scripted_faults() {
    proptest_run("proptest_tracked", 1, 64, |steps| {
        run_steps::<Tracked, 1>(
            &proptest_cfg(master_seed(), Container::Vector, true, 2),
            steps,
        )
    });
}

#[test]
fn proptest_u32_copy_path() {
    proptest_run("proptest_u32", 2, 64, |steps| {
        run_steps::<u32, 2>(
            &proptest_cfg(master_seed(), Container::Vector, false, 1),
            steps,
        )
    });
}

#[test]
fn proptest_queue_tracked() {
    proptest_run("proptest_queue", 3, 64, |steps| {
        run_steps::<Tracked, 1>(
            &proptest_cfg(master_seed(), Container::Queue, true, 2),
            steps,
        )
    });
}

/// The strategies reach what the model is for: windows that move (by remap
/// and by copy), pages decommitted and committed again, refusals. (A model
/// test whose cases never grew past a page would check little.)
#[test]
#[cfg_attr(
    miri,
    ignore = "the strategies' reach over 32 fixed cases: too slow under Miri (the proptest tests above run them)"
)]
fn proptest_steps_move_windows_and_decommit() {
    use proptest::strategy::{Strategy, ValueTree};
    let mut runner = strategies::runner(mix(master_seed(), 4), 32);
    let mut total = Tally::default();
    for i in 0..32 {
        let steps = strategies::steps()
            .new_tree(&mut runner)
            .expect("a case")
            .current();
        let container = [Container::Vector, Container::Queue][i % 2];
        total.add(&run_steps::<Tracked, 1>(
            &proptest_cfg(master_seed(), container, i % 4 < 2, 1),
            &steps,
        ));
    }
    eprintln!("32 proptest cases: {total}");
    // Windows move by remap only where the OS mapper remaps (Linux); on the
    // other OSes every move copies, as the cases without remap do here.
    assert!(
        (total.remaps >= 10 || !OS_REMAPS)
            && total.unsupported_remaps >= 10
            && total.decommits >= 10
            && total.denied_commits >= 10,
        "{total}"
    );
}
