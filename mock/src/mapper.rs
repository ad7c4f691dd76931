//! [`FaultyMapper`] itself: its state, construction, the audit and the
//! run-time fault scripting. The [`Mapper`] operations are in `ops`.

use crate::builder::{env_seed, Builder, Mode};
use crate::faults::{check_probability, junk_rng, salt, Fault, Faults};
use crate::shadow::{PageState, ReservationInfo, Shadow};
use crate::stats::MockStats;
use crate::violation::{Report, Violation};
use mapped::Mapper;
use rand::rngs::StdRng;
use std::fmt;
use std::mem::size_of;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A [`Mapper`] that wraps a real one, injects faults, and audits every
/// call against a shadow table of page states.
///
/// Made by [`FaultyMapper::builder`] (or [`FaultyMapper::new`]: no faults,
/// [`Mode::Plain`], seed 0, over the OS mapper). Every method takes `&self`,
/// so one mapper can be shared as an `Arc<FaultyMapper>` by containers and
/// the test that inspects it. See the [crate docs](crate) for the modes.
///
/// Dropping it releases nothing: containers release their own reservations.
pub struct FaultyMapper {
    pub(crate) inner: Box<dyn Mapper>,
    pub(crate) page_size: usize,
    pub(crate) seed: u64,
    pub(crate) mode: Mode,
    state: Mutex<State>,
}

/// Everything that changes, behind one lock (held across the inner call
/// too, so the shadow table and the real mappings never disagree).
pub(crate) struct State {
    pub(crate) shadow: Shadow,
    pub(crate) faults: Faults,
    /// The stream that fills committed pages with junk.
    pub(crate) junk: StdRng,
    pub(crate) stats: MockStats,
    pub(crate) violations: Vec<Violation>,
    /// Whether `remap` is enabled.
    pub(crate) remap: bool,
}

impl State {
    /// Records a violation.
    pub(crate) fn violate(&mut self, v: Violation) {
        self.violations.push(v);
        self.stats.violations += 1;
    }
}

impl Default for FaultyMapper {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for FaultyMapper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaultyMapper")
            .field("inner", &self.inner.name())
            .field("seed", &self.seed)
            .field("mode", &self.mode)
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl FaultyMapper {
    /// A mapper over the OS mapper ([`os_mapper`](crate::os_mapper)) with
    /// no faults, [`Mode::Plain`], remap on and seed 0 (or `MAPPED_SEED`).
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder, everything off by default.
    pub fn builder() -> Builder {
        Builder::default()
    }

    pub(crate) fn from_builder(b: Builder) -> Self {
        let seed = if b.env_seed {
            env_seed().unwrap_or(b.seed)
        } else {
            b.seed
        };
        let inner = b.inner.unwrap_or_else(default_inner);
        let page_size = inner.page_size();
        assert!(
            page_size.is_power_of_two() && page_size >= size_of::<usize>(),
            "mapped-mock: the inner mapper's page size {page_size} is not a power of two \
             of at least a word"
        );
        let faults = Faults {
            reserve: Fault::new(b.reserve, seed, salt::RESERVE),
            commit: Fault::new(b.commit, seed, salt::COMMIT),
            decommit: Fault::new(b.decommit, seed, salt::DECOMMIT),
            remap: Fault::new(b.remap_fault, seed, salt::REMAP),
            lie: Fault::new(b.lie, seed, salt::LIE),
        };
        FaultyMapper {
            inner,
            page_size,
            seed,
            mode: b.mode,
            state: Mutex::new(State {
                shadow: Shadow::new(page_size),
                faults,
                junk: junk_rng(seed),
                stats: MockStats::default(),
                violations: Vec::new(),
                remap: b.remap,
            }),
        }
    }

    /// The state, even if a panic elsewhere poisoned the lock (the table
    /// is updated only after each operation has succeeded, so it is sound).
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The seed of every random decision: `MAPPED_SEED=<seed>` replays it.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// What decommit does to pages.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Counters of calls and faults so far.
    pub fn stats(&self) -> MockStats {
        self.lock().stats
    }

    /// Every violation seen so far, oldest first.
    pub fn violations(&self) -> Vec<Violation> {
        self.lock().violations.clone()
    }

    /// Every violation seen so far, forgetting them (for a test that
    /// provokes some on purpose and then wants to go on clean).
    pub fn take_violations(&self) -> Vec<Violation> {
        std::mem::take(&mut self.lock().violations)
    }

    /// The violations with the seed, ready to print.
    pub fn report(&self) -> Report {
        Report {
            seed: self.seed,
            violations: self.violations(),
        }
    }

    /// Panics, printing the seed and every violation, if there is any.
    #[track_caller]
    pub fn assert_clean(&self) {
        let report = self.report();
        if !report.is_clean() {
            panic!("{report}");
        }
    }

    /// Whether `[ptr, ptr + len)` lies wholly in committed pages of one live
    /// reservation (as the user was told: a lied commit counts). A zero
    /// length is always true.
    pub fn check_committed(&self, ptr: *const u8, len: usize) -> bool {
        self.lock().shadow.check_committed(ptr as usize, len)
    }

    /// Panics, printing the seed, unless [`check_committed`](Self::check_committed).
    #[track_caller]
    pub fn assert_committed(&self, ptr: *const u8, len: usize) {
        assert!(
            self.check_committed(ptr, len),
            "mapped-mock: [{ptr:p}, +{len:#x}) is not wholly committed (seed {}; \
             MAPPED_SEED={} replays this run)",
            self.seed,
            self.seed
        );
    }

    /// The state of the page holding `ptr`, if it is in a live reservation.
    pub fn page_state(&self, ptr: *const u8) -> Option<PageState> {
        self.lock().shadow.state(ptr as usize)
    }

    /// Every live reservation, by address.
    pub fn reservations(&self) -> Vec<ReservationInfo> {
        self.lock().shadow.infos()
    }

    /// How many reservations are live.
    pub fn live_reservations(&self) -> usize {
        self.reservations().len()
    }

    /// Bytes committed across all live reservations, per the shadow table.
    pub fn committed_bytes(&self) -> usize {
        self.reservations().iter().map(|r| r.committed_bytes).sum()
    }

    /// Bytes reserved across all live reservations.
    pub fn reserved_bytes(&self) -> usize {
        self.reservations().iter().map(|r| r.len).sum()
    }

    /// The next `n` commits fail (added to any already scripted).
    pub fn deny_next_commits(&self, n: u64) {
        self.lock().faults.commit.fail_next(n);
    }

    /// The next `n` reserves fail.
    pub fn deny_next_reserves(&self, n: u64) {
        self.lock().faults.reserve.fail_next(n);
    }

    /// The next `n` remaps fail (with `OutOfMemory`, when remap is enabled).
    pub fn deny_next_remaps(&self, n: u64) {
        self.lock().faults.remap.fail_next(n);
    }

    /// The next `n` decommits fail, their pages left committed.
    pub fn fail_next_decommits(&self, n: u64) {
        self.lock().faults.decommit.fail_next(n);
    }

    /// Sets the probability that a commit is denied, from now on.
    ///
    /// # Panics
    ///
    /// Unless `0 <= p <= 1`.
    pub fn set_deny_commits(&self, p: f64) {
        check_probability("deny_commits", p);
        self.lock().faults.commit.set_probability(p);
    }

    /// Sets the probability that a reserve is denied, from now on.
    ///
    /// # Panics
    ///
    /// Unless `0 <= p <= 1`.
    pub fn set_deny_reserves(&self, p: f64) {
        check_probability("deny_reserves", p);
        self.lock().faults.reserve.set_probability(p);
    }

    /// Sets the probability that a remap is denied, from now on.
    ///
    /// # Panics
    ///
    /// Unless `0 <= p <= 1`.
    pub fn set_deny_remaps(&self, p: f64) {
        check_probability("deny_remaps", p);
        self.lock().faults.remap.set_probability(p);
    }

    /// Sets the probability that a decommit fails, from now on.
    ///
    /// # Panics
    ///
    /// Unless `0 <= p <= 1`.
    pub fn set_fail_decommits(&self, p: f64) {
        check_probability("fail_decommits", p);
        self.lock().faults.decommit.set_probability(p);
    }

    /// Sets the probability that a commit lies (see
    /// [`Builder::lie_on_commit`]), from now on.
    ///
    /// # Panics
    ///
    /// Unless `0 <= p <= 1`.
    pub fn set_lie_on_commit(&self, p: f64) {
        check_probability("lie_on_commit", p);
        self.lock().faults.lie.set_probability(p);
    }

    /// Enables or disables `remap` from now on.
    pub fn set_remap(&self, enabled: bool) {
        self.lock().remap = enabled;
    }

    /// Turns every fault off (probabilities, fixed call numbers, scripts):
    /// for the part of a test that checks a container works on after the
    /// faults. Remap and the mode are left as they are.
    pub fn clear_faults(&self) {
        self.lock().faults.clear();
    }

    /// Writes one byte at `addr` (its bitwise complement, so a poison
    /// pattern is sure to break): a deliberate wrong access, for tests that
    /// prove the traps work. In trap mode a decommitted or never-committed
    /// page makes it a `SIGSEGV`; in poison mode a decommitted page makes it
    /// a [`Violation::WriteToDecommitted`] at the next commit.
    ///
    /// # Panics
    ///
    /// When `addr` is not in a live reservation of this mapper (so it can
    /// never scribble over someone else's memory).
    ///
    /// # Safety
    ///
    /// Nothing else may be reading or writing that byte, and if its page is
    /// committed, changing it must be harmless to whoever owns it. If the
    /// page is not accessible, the process dies of a fault: run such calls
    /// in a child process (see [`child`](crate::child)).
    pub unsafe fn touch(&self, addr: *mut u8) {
        assert!(
            self.lock().shadow.containing(addr as usize, 1).is_some(),
            "mapped-mock: touch({addr:p}) is outside every live reservation (seed {})",
            self.seed
        );
        // SAFETY: `addr` is inside a live reservation of ours, so it is not
        // anyone else's memory; the caller accepts a fault if the page is
        // inaccessible and guarantees no one else uses the byte.
        unsafe { addr.write_volatile(!addr.read_volatile()) };
    }
}

/// What a [`FaultyMapper`] wraps unless told otherwise: the OS mapper, or
/// where it cannot map a [`HeapMapper`] of its own (see
/// [`os_mapper`](crate::os_mapper)).
///
/// [`HeapMapper`]: crate::HeapMapper
fn default_inner() -> Box<dyn Mapper> {
    if crate::SIMULATED {
        Box::new(crate::HeapMapper::new())
    } else {
        Box::new(mapped::MAPPER)
    }
}
