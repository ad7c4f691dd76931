//! Running a case: a fresh harness, its steps, the end checks.

use crate::bytes;
use crate::harness::Subject;
use crate::plan::Container;
use crate::{
    case_seed, mix, Big, CaseConfig, Elem, Generator, Harness, Kind, Plan, Step, Tally, Tracked,
    Tri,
};
use mapped::{MappedQueue, MappedVector};
use std::mem::size_of;

/// Calls `$body` with the types `T` (the element of `$kind`) and `N`
/// (`$n`: 1, 2, or anything else for 4) bound, as a generic call needs.
macro_rules! dispatch {
    ($kind:expr, $n:expr, |$T:ident, $N:ident| $body:expr) => {
        match ($kind, $n) {
            (Kind::U32, n) => dispatch!(@n n, u32, |$T, $N| $body),
            (Kind::Tri, n) => dispatch!(@n n, Tri, |$T, $N| $body),
            (Kind::Tracked, n) => dispatch!(@n n, Tracked, |$T, $N| $body),
            (Kind::Big, n) => dispatch!(@n n, Big, |$T, $N| $body),
        }
    };
    (@n $n:expr, $t:ty, |$T:ident, $N:ident| $body:expr) => {{
        type $T = $t;
        match $n {
            1 => {
                const $N: usize = 1;
                $body
            }
            2 => {
                const $N: usize = 2;
                $body
            }
            _ => {
                const $N: usize = 4;
                $body
            }
        }
    }};
}

/// Runs `steps` on a fresh harness for `cfg` (a `MappedVector<T, N>` or a
/// `MappedQueue<T, N>`, as `cfg.container` says).
pub fn run_steps<T: Elem, const N: usize>(cfg: &CaseConfig, steps: &[Step]) -> Tally {
    let mut steps = steps.iter().cloned();
    drive::<T, N>(cfg, |_| steps.next())
}

/// Runs `cfg.ops` generated steps on a fresh harness for `cfg`.
pub fn run_generated<T: Elem, const N: usize>(cfg: &CaseConfig) -> Tally {
    let per_page = crate::elem::per_page(size_of::<T>());
    let mut g = Generator::new(
        mix(cfg.seed, 0x5EED),
        per_page,
        per_page * cfg.max_pages,
        cfg.flag_p,
    );
    let mut left = cfg.ops;
    drive::<T, N>(cfg, |len| {
        left = left.checked_sub(1)?;
        Some(g.next(len))
    })
}

/// Runs the case `data` chooses (see [`bytes`]): the fuzz
/// target's body.
pub fn run_bytes(data: &[u8]) -> Tally {
    let (cfg, kind, n, mut steps) = bytes::case(data);
    dispatch!(kind, n, |T, N| drive::<T, N>(&cfg, |len| steps.next(len)))
}

/// Runs the steps `next` gives (it is told the current length) on a fresh
/// harness for `cfg`, until it says `None`; then the end checks.
fn drive<T: Elem, const N: usize>(
    cfg: &CaseConfig,
    next: impl FnMut(usize) -> Option<Step>,
) -> Tally {
    match cfg.container {
        Container::Vector => drive_on::<T, MappedVector<T, N>>(cfg, next),
        Container::Queue => drive_on::<T, MappedQueue<T, N>>(cfg, next),
    }
}

fn drive_on<T: Elem, C: Subject<T>>(
    cfg: &CaseConfig,
    mut next: impl FnMut(usize) -> Option<Step>,
) -> Tally {
    let mut h = Harness::<T, C>::new(cfg);
    while let Some(step) = next(h.v.len()) {
        h.step(&step);
    }
    h.finish()
}

/// Runs the case with seed `seed` of `plan`.
pub fn run_case(plan: &Plan, seed: u64) -> Tally {
    let (cfg, kind, n) = plan.case(seed);
    if plan.announce {
        eprintln!("case seed {seed}: {kind:?}, N = {n}, {cfg:?}");
    }
    dispatch!(kind, n, |T, N| run_generated::<T, N>(&cfg))
}

/// Runs `cases` cases of `plan` from the master seed, returning the tally.
pub fn run_cases(plan: &Plan, master: u64, cases: usize) -> Tally {
    let mut total = Tally::default();
    for i in 0..cases {
        let seed = case_seed(master, i);
        total.add(&run_case(plan, seed));
    }
    total
}
