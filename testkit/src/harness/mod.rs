//! The model harness: a container on a `FaultyMapper` and its std model,
//! one step at a time, checked after every step.

use crate::{expect, fault_reporter, ledger, CaseConfig, Elem, Probs, Step, Tally, CASES_ENV};
use mapped::Error;
use mapped::{MappedQueue, MappedVector, Storage};
use mapped_mock::{FaultyMapper, HeapMapper, MockStats};
use std::collections::VecDeque;
use std::fmt;
use std::mem::size_of;
use std::sync::Arc;

/// What a failure message says about where it happened.
pub struct Ctx {
    pub seed: u64,
    pub what: String,
    pub step: usize,
    pub recent: VecDeque<String>,
}

impl fmt::Display for Ctx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "\n  case seed {seed} (replay: MAPPED_SEED={seed} {CASES_ENV}=1 with the same \
             test, or the soak with --seed {seed} --cases 1)\n  {}\n  at step {}; last steps:",
            self.what,
            self.step,
            seed = self.seed
        )?;
        for s in &self.recent {
            write!(f, "\n    {s}")?;
        }
        Ok(())
    }
}

/// Asserts with the harness's context (seed, configuration, last steps).
macro_rules! ensure {
    ($ctx:expr, $cond:expr, $($fmt:tt)+) => {
        if !$cond {
            panic!("fuzz check failed: {}{}", format_args!($($fmt)+), $ctx);
        }
    };
}

/// The pattern of the operations both containers have, which
/// `apply_shared` applies (so each container's own `apply` lists them once,
/// and stays exhaustive).
macro_rules! shared_ops {
    () => {
        Op::Push(_)
            | Op::PushMany { .. }
            | Op::Pop
            | Op::PopMany(_)
            | Op::Clear
            | Op::Retain { .. }
            | Op::Reserve { .. }
            | Op::ReserveExact { .. }
            | Op::ShrinkTo { .. }
            | Op::ShrinkToFit
            | Op::TryExtend { .. }
            | Op::Extend { .. }
            | Op::CloneEq
            | Op::Append { .. }
    };
}

/// Whether a step removed elements, and how many shrink checks it made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Removal {
    None,
    /// One shrink check, at the end (pop, truncate, retain, drain, ...).
    Once,
    /// A check per removal (a run of pops).
    Many,
}

impl Removal {
    pub fn once_if(removed: bool) -> Self {
        if removed {
            Removal::Once
        } else {
            Removal::None
        }
    }
}

/// The container's state before a call, to compare after a refused one.
#[derive(Clone, Copy)]
struct Before {
    len: usize,
    committed: usize,
    storage: mapped::Storage,
    stats: MockStats,
}

/// A container `C` of `T` on a `FaultyMapper`, and its std model: a
/// `MappedVector` and a `Vec` ([`VectorHarness`]) or a `MappedQueue` and a
/// `BinaryHeap` ([`QueueHarness`]).
pub struct Harness<T: Elem, C: Subject<T>> {
    pub mock: Arc<FaultyMapper>,
    pub v: C,
    pub model: C::Model,
    pub probs: Probs,
    /// The lie probability (self-test only), restored with `probs`.
    lie: f64,
    pub ctx: Ctx,
    pub tally: Tally,
    page: usize,
    heap_limit: usize,
}

/// The harness of a `MappedVector<T, N>` and a `Vec<T>`.
pub type VectorHarness<T, const N: usize> = Harness<T, MappedVector<T, N>>;

/// The harness of a `MappedQueue<T, N>` and a `BinaryHeap<T>`.
pub type QueueHarness<T, const N: usize> = Harness<T, MappedQueue<T, N>>;

impl<T: Elem, C: Subject<T>> Harness<T, C> {
    /// A mapper for `cfg`, and an empty container on it with a window of
    /// `cfg.window_pages` pages. Resets the drop ledger.
    pub fn new(cfg: &CaseConfig) -> Self {
        fault_reporter::set_case(cfg.seed);
        ledger::reset();
        let inner = FaultyMapper::builder();
        // Without mappings (`--cfg mapped_no_mmap`) `UNGUARDED` refuses
        // every call: such a case runs over the mock's default, the heap.
        let unguarded = cfg.unguarded && !cfg.on_heap && !cfg!(mapped_no_mmap);
        let inner = if cfg.on_heap {
            inner.inner(HeapMapper::new())
        } else if unguarded {
            inner.inner(mapped::UNGUARDED)
        } else {
            inner
        };
        let mock = inner
            .seed(cfg.seed)
            .env_seed(false)
            .mode(cfg.mode)
            .deny_commits(cfg.probs.deny_commits)
            .deny_reserves(cfg.probs.deny_reserves)
            .deny_remaps(cfg.probs.deny_remaps)
            .fail_decommits(cfg.probs.fail_decommits)
            // (The mock's shadow table does not follow a remap that grows
            // a mapping in place, which the unguarded kind does: it copies.)
            .remap(cfg.remap && !unguarded)
            .lie_on_commit(cfg.lie_on_commit)
            .build_arc();
        let page = mapped::Mapper::page_size(&*mock);
        let b = C::builder(mock.clone().into()).heap_limit(cfg.heap_limit);
        let v = match cfg.fixed_capacity {
            Some(max) => {
                // A fixed window is reserved at build: not the fault under test.
                mock.set_deny_reserves(0.0);
                let v = C::build(b.max_capacity(max)).expect("build a fixed window");
                mock.set_deny_reserves(cfg.probs.deny_reserves);
                v
            }
            None => C::build(b.initial_window(cfg.window_pages * page))
                .expect("a growable window reserves nothing at build"),
        };
        let what = format!(
            "{}<{}, {}>, mode {:?}{}, {:?}, remap {}, heap limit {}, window {}, cap {} pages",
            C::NAME,
            T::NAME,
            C::PAGES,
            cfg.mode,
            if cfg.on_heap {
                " (heap mapper)"
            } else if unguarded {
                " (unguarded)"
            } else {
                ""
            },
            cfg.probs,
            cfg.remap,
            cfg.heap_limit,
            match cfg.fixed_capacity {
                Some(max) => format!("fixed at {max} elements"),
                None => format!("{} pages", cfg.window_pages),
            },
            cfg.max_pages
        );
        Harness {
            mock,
            v,
            model: C::Model::default(),
            probs: cfg.probs,
            lie: cfg.lie_on_commit,
            ctx: Ctx {
                seed: cfg.seed,
                what,
                step: 0,
                recent: VecDeque::new(),
            },
            tally: Tally::default(),
            page,
            heap_limit: match cfg.fixed_capacity {
                Some(_) => 0,
                None => cfg.heap_limit,
            },
        }
    }

    /// Applies one step and checks the container against the model.
    pub fn step(&mut self, step: &Step) {
        self.ctx.step += 1;
        if self.ctx.recent.len() == 12 {
            self.ctx.recent.pop_front();
        }
        self.ctx.recent.push_back(format!(
            "#{} {step}  (len {} before)",
            self.ctx.step,
            self.v.len()
        ));
        let b = self.before();
        let removed = C::apply(self, step);
        if step.deny_commit || step.fail_decommit {
            // A scripted fault the call did not use must not leak into the
            // next step. (`clear_faults` turns everything off, lies too.)
            self.mock.clear_faults();
            self.set_probs(self.probs);
            self.mock.set_lie_on_commit(self.lie);
        }
        self.tally.steps += 1;
        self.check();
        // Shrinking: unless a decommit failed, the container must have given
        // memory back down to the policy (fewer than a quarter in use is
        // never left committed), and a call that checks once and gave
        // memory back must have kept exactly the policy's target (at most
        // half full afterwards: the hysteresis).
        let after = self.mock.stats();
        // (A container that moved back to the heap gave everything back.)
        let mapped = self.v.storage() == Storage::Mapped;
        if removed != Removal::None && mapped && after.failed_decommits == b.stats.failed_decommits
        {
            let size = size_of::<T>();
            let initial = expect::floor(C::PAGES, self.page, size);
            let (live, committed) = (self.v.len() * size, self.v.committed_bytes());
            ensure!(
                self.ctx,
                committed <= b.committed.max(initial),
                "a removal grew the committed bytes: {} -> {committed}",
                b.committed
            );
            ensure!(
                self.ctx,
                !expect::sparse(live, committed, initial),
                "after a shrinking step {committed} bytes stay committed for {live} live bytes \
                 (initial {initial}): the shrink did not happen"
            );
            let target = expect::after_shrink(live, initial, self.page);
            ensure!(
                self.ctx,
                removed == Removal::Many
                    || after.decommits == b.stats.decommits
                    || committed == target,
                "a shrink left {committed} bytes committed for {live} live bytes; \
                 the policy's target is {target}"
            );
        }
    }

    fn before(&self) -> Before {
        Before {
            len: self.v.len(),
            committed: self.v.committed_bytes(),
            storage: self.v.storage(),
            stats: self.mock.stats(),
        }
    }

    /// Sets the mapper's fault probabilities to `p`.
    fn set_probs(&self, p: Probs) {
        self.mock.set_deny_commits(p.deny_commits);
        self.mock.set_deny_reserves(p.deny_reserves);
        self.mock.set_deny_remaps(p.deny_remaps);
        self.mock.set_fail_decommits(p.fail_decommits);
    }

    /// Runs `f` with the mapper's random faults off (for a call that
    /// panics when refused, or the setup a step needs), then turns them
    /// back on.
    fn with_faults_off<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        self.set_probs(Probs::default());
        let r = f(self);
        self.set_probs(self.probs);
        r
    }

    /// A container of kind `D` on the same mapper holding `items`, filled
    /// with faults off (the fault under test is the step's, not this).
    fn source<D: Subject<T>>(&mut self, items: &[T]) -> D {
        self.with_faults_off(|h| {
            let mut d = D::build(D::builder(h.mock.clone().into()))
                .expect("a growable window reserves nothing at build");
            for x in items.iter().cloned() {
                if d.push(x).is_err() {
                    panic!("filling a source failed with faults off{}", h.ctx);
                }
            }
            d
        })
    }

    /// Scripts the step's faults, right before its container call.
    fn arm(&self, step: &Step) {
        if step.deny_commit {
            self.mock.deny_next_commits(1);
        }
        if step.fail_decommit {
            self.mock.fail_next_decommits(1);
        }
    }

    /// A call that needs memory returned `Ok`: no commit may have been
    /// refused during it (a refusal must be returned, not swallowed). A
    /// refused reserve may have been: the container then retries with smaller
    /// windows, as under a scarce address space.
    fn granted(&self, b: &Before, what: &str) {
        let s = self.mock.stats();
        ensure!(
            self.ctx,
            s.denied_commits == b.stats.denied_commits,
            "{what} returned Ok although a commit was refused during it \
             (denied commits {} -> {})",
            b.stats.denied_commits,
            s.denied_commits,
        );
    }

    /// A call that needs memory returned `error`: it must be a refusal the
    /// mapper made during the call, and the container must be as before.
    fn refused(&mut self, b: &Before, error: &Error, what: &str) {
        let s = self.mock.stats();
        if self.acceptable_window_full(error) {
            self.unchanged(b, what);
            self.tally.refused_steps += 1;
            self.tally.window_full += 1;
            return;
        }
        ensure!(
            self.ctx,
            error.is_out_of_memory(),
            "{what} failed with {error:?}, not out-of-memory"
        );
        ensure!(
            self.ctx,
            s.denied_commits > b.stats.denied_commits
                || s.denied_reserves > b.stats.denied_reserves,
            "{what} failed ({error}) but the mapper refused nothing"
        );
        self.unchanged(b, what);
        self.tally.refused_steps += 1;
        self.tally.denied_steps += 1;
    }

    /// A call that only gives memory back returned `error`: a decommit
    /// must have failed during it, and the container must be as before.
    fn decommit_refused(&mut self, b: &Before, error: &Error, what: &str) {
        let s = self.mock.stats();
        ensure!(
            self.ctx,
            error.os_error().is_some() && s.failed_decommits > b.stats.failed_decommits,
            "{what} failed ({error:?}) but no decommit failed"
        );
        self.unchanged(b, what);
        self.tally.refused_steps += 1;
    }

    /// Whether `error` is a fixed window's `WindowFull`, which must then be
    /// right: the bytes needed exceed the window.
    fn acceptable_window_full(&self, error: &Error) -> bool {
        match *error {
            Error::WindowFull { needed, max } => {
                ensure!(
                    self.ctx,
                    self.v.max_capacity().is_some() && needed > max,
                    "WindowFull {{ needed: {needed}, max: {max} }} for a window of {:?} elements",
                    self.v.max_capacity()
                );
                true
            }
            _ => false,
        }
    }

    /// Length and committed bytes are as in `b` (the elements are compared
    /// with the model by the step check).
    fn unchanged(&self, b: &Before, what: &str) {
        ensure!(
            self.ctx,
            self.v.len() == b.len,
            "after a refused {what}: len {} != {} before",
            self.v.len(),
            b.len
        );
        ensure!(
            self.ctx,
            self.v.committed_bytes() == b.committed && self.v.storage() == b.storage,
            "after a refused {what}: committed {} ({:?}) != {} ({:?}) before",
            self.v.committed_bytes(),
            self.v.storage(),
            b.committed,
            b.storage
        );
    }

    /// Pushes `value`; on a refusal checks the value comes back. Returns
    /// whether it was pushed.
    fn push_checked(&mut self, value: T, what: &str) -> bool {
        let expect = value.clone();
        let ident = value.ident();
        let b = self.before();
        self.tally.calls += 1;
        match self.v.push(value) {
            Ok(()) => {
                self.granted(&b, what);
                C::model_push(&mut self.model, expect);
                true
            }
            Err(e) => {
                let (back, error) = e.into_parts();
                self.refused(&b, &error, what);
                ensure!(
                    self.ctx,
                    back.ident() == ident && back == expect,
                    "{what}: handed back {back:?}, pushed {expect:?}"
                );
                false
            }
        }
    }

    fn values(start: u64, count: usize) -> Vec<T> {
        (0..count as u64).map(|i| T::make(start + i)).collect()
    }
}

// After `ensure!`, which they use.
mod check;
mod queue;
mod shared;
mod step;
mod subject;

pub use subject::Subject;
