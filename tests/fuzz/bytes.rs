//! The coverage-guided fuzz target's body (`fuzz/`, nightly only) on
//! stable: `run_bytes` on seeded random inputs, so CI runs what the fuzzer
//! runs, and the decoding reaches every container, element type and
//! operation.

use mapped_testkit::bytes::{self, MAX_STEPS};
use mapped_testkit::{env_cases, master_seed, mix, run_bytes, Container, Op, Tally};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashSet;
use std::mem::discriminant;

/// Random inputs of up to `max_len` bytes from the master seed.
fn inputs(salt: u64, count: usize, max_len: usize) -> impl Iterator<Item = Vec<u8>> {
    let mut rng = StdRng::seed_from_u64(mix(master_seed(), salt));
    (0..count).map(move |_| {
        let len = rng.random_range(0..=max_len);
        (0..len).map(|_| rng.random()).collect()
    })
}

#[test]
fn random_inputs_run_clean() {
    let mut total = Tally::default();
    let cases = env_cases(150);
    // Shorter inputs (fewer steps) under Miri, about a thousand times slower.
    let max_len = if cfg!(miri) { 60 } else { 600 };
    for data in inputs(1, cases, max_len) {
        total.add(&run_bytes(&data));
    }
    eprintln!("random inputs, master seed {}: {total}", master_seed());
    // The faults this test exists for did happen (in a run of any size).
    if cases >= 50 {
        assert!(
            total.denied_commits > 0 && total.decommits > 0 && total.refused_steps > 0,
            "{total}"
        );
    }
}

#[test]
#[cfg_attr(
    miri,
    ignore = "decodes 400 inputs and runs no container: too slow under Miri for nothing it checks"
)]
fn decoding_reaches_every_case_and_operation() {
    let (mut containers, mut kinds, mut ns, mut limits) = (
        HashSet::new(),
        HashSet::new(),
        HashSet::new(),
        HashSet::new(),
    );
    let mut ops = HashSet::new();
    for data in inputs(2, 400, 300) {
        let (cfg, kind, n, mut steps) = bytes::case(&data);
        containers.insert(cfg.container == Container::Queue);
        kinds.insert(kind as u8);
        ns.insert(n);
        limits.insert(cfg.heap_limit);
        let mut taken = 0;
        while let Some(step) = steps.next(100) {
            ops.insert(discriminant(&step.op));
            taken += 1;
        }
        assert!(taken <= MAX_STEPS);
    }
    assert_eq!(containers.len(), 2);
    assert_eq!(kinds.len(), 4);
    assert_eq!(ns.len(), 3);
    assert_eq!(limits.len(), 3, "heap limits 0, one page, two pages");
    assert_eq!(ops.len(), 29, "every operation");
}

/// No decoded step grows a container by more than four pages of elements
/// (a resize or an `extend_from_within` that doubled it would reach
/// gigabytes within a fuzz input, and time out).
#[test]
#[cfg_attr(
    miri,
    ignore = "decodes 400 inputs and runs no container: too slow under Miri for nothing it checks"
)]
fn no_step_grows_by_more_than_four_pages() {
    for data in inputs(3, 400, 400) {
        let (_, kind, _, mut steps) = bytes::case(&data);
        let bound = 4 * kind.per_page();
        for len in (0..).map(|i| (i * 997) % (8 * bound + 1)) {
            let Some(step) = steps.next(len) else { break };
            let growth = match step.op {
                Op::Push(_) | Op::Insert { .. } => 1,
                Op::PushMany { count, .. }
                | Op::ExtendFromSlice { count, .. }
                | Op::Append { count, .. }
                | Op::TryExtend { count, .. }
                | Op::Extend { count, .. } => count,
                Op::Resize { len: to, .. } => to.saturating_sub(len),
                Op::ExtendFromWithin { start, end } => {
                    let (a, z) = (start % (len + 1), end % (len + 1));
                    a.abs_diff(z)
                }
                _ => 0,
            };
            assert!(growth <= bound, "{step} grows a length {len} by {growth}");
        }
    }
}

#[test]
fn the_empty_input_is_an_empty_case() {
    let t = run_bytes(&[]);
    assert_eq!((t.cases, t.steps), (1, 0));
}
