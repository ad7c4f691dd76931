//! What one case runs with, drawn from its seed.

use crate::{mix, Big, Tracked, Tri};
use mapped_mock::Mode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The fault probabilities a mapper runs with (scripted faults aside).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Probs {
    pub deny_commits: f64,
    pub deny_reserves: f64,
    pub deny_remaps: f64,
    pub fail_decommits: f64,
}

/// Everything one case runs with.
#[derive(Clone, Debug)]
pub struct CaseConfig {
    pub seed: u64,
    pub mode: Mode,
    pub probs: Probs,
    /// Whether the mapper can remap (else containers copy to move).
    pub remap: bool,
    /// The container's first window, in pages.
    pub window_pages: usize,
    /// The generator's length cap, in pages of elements.
    pub max_pages: usize,
    /// Steps in the case.
    pub ops: usize,
    /// Probability of each scripted fault flag in generated steps.
    pub flag_p: f64,
    /// Probability that a commit lies (succeeds without committing): a
    /// deliberately broken mapper, for the self-test only.
    pub lie_on_commit: f64,
    /// A fixed window of at least this many elements (`max_capacity`)
    /// instead of a growable one: addresses never move, and growing past it
    /// is `Error::WindowFull`.
    pub fixed_capacity: Option<usize>,
    /// The container's heap limit in bytes (`heap_limit`): 0 keeps every
    /// byte mapped; otherwise small contents live on the heap and the
    /// container moves between heap and mapping as it grows and shrinks.
    pub heap_limit: usize,
    /// The container under test.
    pub container: Container,
    /// Whether the mock wraps the OS's unguarded mapper (one read-write
    /// mapping, decommitted without protection) instead of the guarded
    /// one. Never in trap mode, which needs the guard.
    pub unguarded: bool,
    /// Whether the mock wraps [`HeapMapper`](mapped_mock::HeapMapper) (the
    /// global allocator, no system call) instead of an OS mapper; when
    /// set, `unguarded` is ignored. Always, under Miri (which cannot run
    /// `mmap`); never in trap mode, whose pages must really fault.
    pub on_heap: bool,
}

/// Which container a case drives (each with its std model).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// `MappedVector` against `Vec`.
    Vector,
    /// `MappedQueue` against `BinaryHeap`.
    Queue,
}

/// The element types a case can run on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    U32,
    Tri,
    Tracked,
    Big,
}

impl Kind {
    pub const ALL: [Kind; 4] = [Kind::U32, Kind::Tri, Kind::Tracked, Kind::Big];

    /// The size of an element, in bytes.
    pub fn size(self) -> usize {
        match self {
            Kind::U32 => size_of::<u32>(),
            Kind::Tri => size_of::<Tri>(),
            Kind::Tracked => size_of::<Tracked>(),
            Kind::Big => size_of::<Big>(),
        }
    }

    /// Elements per page (at least 1).
    pub fn per_page(self) -> usize {
        crate::elem::per_page(self.size())
    }
}

/// What a run holds fixed; the rest each case draws from its seed.
#[derive(Clone, Debug)]
pub struct Plan {
    pub mode: Mode,
    /// Commit denial probability; `None`: drawn from 1%..10% per case.
    pub deny: Option<f64>,
    /// Decommit failure probability; `None`: 0 in three cases of four,
    /// else drawn from 2%..20%.
    pub fail_decommits: Option<f64>,
    /// Element type; `None`: drawn per case.
    pub kind: Option<Kind>,
    /// The container; `None`: drawn per case (from a stream of its own, so
    /// the rest of a case is what it would be with the container fixed).
    pub container: Option<Container>,
    /// `N` (1, 2 or 4); `None`: drawn per case.
    pub n: Option<usize>,
    /// Steps per case.
    pub ops: usize,
    /// The largest length cap, in pages of elements: each case draws its
    /// own from `2..=max_pages`.
    pub max_pages: usize,
    /// Whether to print each case's seed before running it (for child
    /// processes in trap mode, where a fault kills the process).
    pub announce: bool,
    /// Probability of each scripted fault flag of a generated step (a
    /// denied commit; a failed decommit at half this).
    pub flag_p: f64,
}

impl Plan {
    /// The plan of the default model test: a vector in poison mode,
    /// everything else drawn.
    pub fn poison(ops: usize, max_pages: usize) -> Self {
        Plan {
            mode: Mode::Poison,
            deny: None,
            fail_decommits: None,
            kind: None,
            container: Some(Container::Vector),
            n: None,
            ops,
            max_pages,
            announce: false,
            flag_p: 0.03,
        }
    }

    /// The configuration of the case with seed `seed`, and its `N`.
    pub fn case(&self, seed: u64) -> (CaseConfig, Kind, usize) {
        let mut r = StdRng::seed_from_u64(mix(seed, 0xC0FF));
        let deny = self.deny.unwrap_or_else(|| r.random_range(0.01..=0.10f64));
        let fail = self.fail_decommits.unwrap_or_else(|| {
            if r.random_ratio(1, 4) {
                r.random_range(0.02..=0.2f64)
            } else {
                0.0
            }
        });
        let deny_remaps = if r.random_bool(0.5) {
            0.0
        } else {
            r.random_range(0.05..=0.3f64)
        };
        let deny_reserves = if r.random_bool(0.5) {
            0.0
        } else {
            r.random_range(0.05..=0.3f64)
        };
        let remap = r.random_ratio(3, 4);
        let window_pages = r.random_range(1..=8);
        // Half the cases always mapped, half moving between heap and
        // mapping under a limit of one or two pages.
        let page = mapped_mock::os_mapper().get().page_size();
        let heap_limit = [0, 0, page, 2 * page][r.random_range(0..4)];
        // One case in eight has a fixed window, a little larger than the
        // length cap (bulk steps overshoot the cap, so WindowFull happens).
        let fixed = r.random_ratio(1, 8);
        let max_pages = r.random_range(2..=self.max_pages.max(2));
        let kind = self
            .kind
            .unwrap_or_else(|| Kind::ALL[r.random_range(0..Kind::ALL.len())]);
        let n = self.n.unwrap_or_else(|| [1, 2, 4][r.random_range(0..3)]);
        let cfg = CaseConfig {
            seed,
            mode: self.mode,
            probs: Probs {
                deny_commits: deny,
                deny_reserves,
                deny_remaps,
                fail_decommits: fail,
            },
            remap,
            window_pages,
            max_pages,
            ops: self.ops,
            flag_p: self.flag_p,
            lie_on_commit: 0.0,
            fixed_capacity: None,
            heap_limit,
            container: self.container.unwrap_or_else(|| {
                let mut r = StdRng::seed_from_u64(mix(seed, 0xC047));
                [Container::Vector, Container::Queue][r.random_range(0..2)]
            }),
            // One case in three on the unguarded kind, from a stream of its
            // own (the rest of the case is what it would be without).
            unguarded: self.mode != Mode::Trap
                && StdRng::seed_from_u64(mix(seed, 0x06A2)).random_ratio(1, 3),
            // One case in four on the heap mapper (every case under Miri),
            // from a stream of its own too.
            on_heap: cfg!(miri)
                || (self.mode != Mode::Trap
                    && StdRng::seed_from_u64(mix(seed, 0x4EA9)).random_ratio(1, 4)),
        };
        let cfg = if fixed {
            let per_page = kind.per_page();
            CaseConfig {
                fixed_capacity: Some(per_page * (max_pages + 2)),
                ..cfg
            }
        } else {
            cfg
        };
        (cfg, kind, n)
    }
}
