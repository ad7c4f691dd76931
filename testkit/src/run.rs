//! Running a case: a fresh harness, its steps, the end checks.

use crate::harness::Subject;
use crate::plan::Container;
use crate::{
    case_seed, mix, Big, CaseConfig, Elem, Generator, Harness, Kind, Plan, Step, Tally, Tracked,
    Tri,
};
use mapped::{MappedQueue, MappedVector};

/// Runs `steps` on a fresh harness for `cfg` (a `MappedVector<T, N>` or a
/// `MappedQueue<T, N>`, as `cfg.container` says).
pub fn run_steps<T: Elem, const N: usize>(cfg: &CaseConfig, steps: &[Step]) -> Tally {
    match cfg.container {
        Container::Vector => steps_on::<T, MappedVector<T, N>>(cfg, steps),
        Container::Queue => steps_on::<T, MappedQueue<T, N>>(cfg, steps),
    }
}

fn steps_on<T: Elem, C: Subject<T>>(cfg: &CaseConfig, steps: &[Step]) -> Tally {
    let mut h = Harness::<T, C>::new(cfg);
    for s in steps {
        h.step(s);
    }
    h.finish()
}

/// Runs `cfg.ops` generated steps on a fresh harness for `cfg`.
pub fn run_generated<T: Elem, const N: usize>(cfg: &CaseConfig) -> Tally {
    match cfg.container {
        Container::Vector => generated_on::<T, MappedVector<T, N>>(cfg),
        Container::Queue => generated_on::<T, MappedQueue<T, N>>(cfg),
    }
}

fn generated_on<T: Elem, C: Subject<T>>(cfg: &CaseConfig) -> Tally {
    let mut h = Harness::<T, C>::new(cfg);
    let per_page = h.per_page();
    let mut g = Generator::new(
        mix(cfg.seed, 0x5EED),
        per_page,
        per_page * cfg.max_pages,
        cfg.flag_p,
    );
    for _ in 0..cfg.ops {
        let s = g.next(h.v.len());
        h.step(&s);
    }
    h.finish()
}

/// Runs the case with seed `seed` of `plan`.
pub fn run_case(plan: &Plan, seed: u64) -> Tally {
    let (cfg, kind, n) = plan.case(seed);
    if plan.announce {
        eprintln!("case seed {seed}: {kind:?}, N = {n}, {cfg:?}");
    }
    macro_rules! dispatch {
        ($($k:ident => $t:ty),*) => {
            match (kind, n) {
                $(
                    (Kind::$k, 1) => run_generated::<$t, 1>(&cfg),
                    (Kind::$k, 2) => run_generated::<$t, 2>(&cfg),
                    (Kind::$k, _) => run_generated::<$t, 4>(&cfg),
                )*
            }
        };
    }
    dispatch!(U32 => u32, Tri => Tri, Tracked => Tracked, Big => Big)
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
