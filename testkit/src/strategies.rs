//! proptest strategies for [`Op`] and [`Step`], and a runner seeded from
//! one seed. The fault decisions are fields of each step, so shrinking
//! removes every fault not needed to fail.

use crate::{mix, Op, Step};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Any operation, indices and counts unreduced (bulk counts below 600).
pub fn op() -> impl Strategy<Value = Op> {
    let idx = 0usize..10_000;
    let val = 0u64..1_000_000;
    let bulk = 0usize..600;
    prop_oneof![
        8 => val.clone().prop_map(Op::Push),
        3 => (val.clone(), bulk.clone())
            .prop_map(|(start, count)| Op::PushMany { start, count }),
        5 => Just(Op::Pop),
        2 => bulk.clone().prop_map(Op::PopMany),
        3 => (idx.clone(), val.clone())
            .prop_map(|(index, value)| Op::Insert { index, value }),
        2 => idx.clone().prop_map(|index| Op::Remove { index }),
        2 => idx.clone().prop_map(|index| Op::SwapRemove { index }),
        2 => idx.clone().prop_map(|len| Op::Truncate { len }),
        1 => Just(Op::Clear),
        2 => (2u64..8, 0u64..8).prop_map(|(modulus, rem)| Op::Retain { modulus, rem }),
        3 => (idx.clone(), idx.clone(), 0u8..6, 0usize..8, 0usize..4).prop_map(
            |(start, end, bounds, front, back)| Op::Drain { start, end, bounds, front, back }
        ),
        2 => (val.clone(), bulk.clone())
            .prop_map(|(start, count)| Op::ExtendFromSlice { start, count }),
        2 => (0usize..2000).prop_map(|additional| Op::Reserve { additional }),
        1 => Just(Op::ShrinkToFit),
        1 => (val.clone(), bulk.clone())
            .prop_map(|(start, count)| Op::Append { start, count }),
        1 => (val.clone(), bulk.clone())
            .prop_map(|(start, count)| Op::TryExtend { start, count }),
        1 => (bulk.clone(), val.clone()).prop_map(|(len, value)| Op::Resize { len, value }),
        1 => (idx.clone(), idx.clone())
            .prop_map(|(start, end)| Op::ExtendFromWithin { start, end }),
        1 => idx.clone().prop_map(|at| Op::SplitOff { at }),
        1 => (1u64..4).prop_map(|modulus| Op::DedupByKey { modulus }),
        1 => (2u64..8, 0u64..8).prop_map(|(modulus, rem)| Op::RetainMut { modulus, rem }),
        1 => (val.clone(), bulk).prop_map(|(start, count)| Op::Extend { start, count }),
        1 => (0usize..2000).prop_map(|additional| Op::ReserveExact { additional }),
        1 => idx.clone().prop_map(|min| Op::ShrinkTo { min }),
        1 => (idx.clone(), val).prop_map(|(index, value)| Op::Set { index, value }),
        1 => (idx.clone(), idx).prop_map(|(a, b)| Op::Swap { a, b }),
        1 => Just(Op::Reverse),
        1 => Just(Op::CloneEq),
        1 => Just(Op::IntoVec),
    ]
}

/// A step: an operation, a commit denial (15%) and a decommit failure
/// (10%).
pub fn step() -> impl Strategy<Value = Step> {
    (op(), prop::bool::weighted(0.15), prop::bool::weighted(0.1)).prop_map(
        |(op, deny_commit, fail_decommit)| Step {
            op,
            deny_commit,
            fail_decommit,
        },
    )
}

/// Sequences of 1 to 99 steps (1 to 7 under Miri, about a thousand times
/// slower).
pub fn steps() -> impl Strategy<Value = Vec<Step>> {
    prop::collection::vec(step(), 1..if cfg!(miri) { 8 } else { 100 })
}

/// A runner of `cases` cases whose every random choice comes from
/// `seed`, writing no failure files.
pub fn runner(seed: u64, cases: u32) -> TestRunner {
    let mut bytes = [0u8; 32];
    for (i, chunk) in bytes.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&mix(seed, i as u64).to_le_bytes());
    }
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &bytes))
}
