//! What a case, or a run of cases, did: the report a fuzz test prints.

use mapped_mock::MockStats;
use std::fmt;

/// What a case (or a run of cases) did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    pub cases: u64,
    /// Steps applied.
    pub steps: u64,
    /// Container method calls made (a bulk step counts each push or pop).
    pub calls: u64,
    /// Steps that returned an error (a denied commit, or a failed
    /// decommit in `shrink_to_fit`).
    pub refused_steps: u64,
    /// Refusals by a full fixed window (`Error::WindowFull`).
    pub window_full: u64,
    /// Steps that returned a refused commit or reserve (out of memory).
    pub denied_steps: u64,
    /// The mock's counters, summed.
    pub denied_commits: u64,
    pub denied_reserves: u64,
    pub denied_remaps: u64,
    pub failed_decommits: u64,
    pub commits: u64,
    pub decommits: u64,
    pub remaps: u64,
    pub unsupported_remaps: u64,
    pub poisoned_pages_checked: u64,
    pub violations: u64,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.cases += o.cases;
        self.steps += o.steps;
        self.calls += o.calls;
        self.refused_steps += o.refused_steps;
        self.window_full += o.window_full;
        self.denied_steps += o.denied_steps;
        self.denied_commits += o.denied_commits;
        self.denied_reserves += o.denied_reserves;
        self.denied_remaps += o.denied_remaps;
        self.failed_decommits += o.failed_decommits;
        self.commits += o.commits;
        self.decommits += o.decommits;
        self.remaps += o.remaps;
        self.unsupported_remaps += o.unsupported_remaps;
        self.poisoned_pages_checked += o.poisoned_pages_checked;
        self.violations += o.violations;
    }

    pub(crate) fn absorb_stats(&mut self, s: &MockStats) {
        self.denied_commits += s.denied_commits;
        self.denied_reserves += s.denied_reserves;
        self.denied_remaps += s.denied_remaps;
        self.failed_decommits += s.failed_decommits;
        self.commits += s.commits;
        self.decommits += s.decommits;
        self.remaps += s.remaps;
        self.unsupported_remaps += s.unsupported_remaps;
        self.poisoned_pages_checked += s.poisoned_pages_checked;
        self.violations += s.violations;
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} cases, {} steps ({} calls), {} refused steps ({} window full); \
             mock: {} commits \
             ({} denied), {} reserves denied, {} decommits ({} failed), {} remaps \
             ({} denied, {} unsupported), {} poisoned pages checked, {} violations",
            self.cases,
            self.steps,
            self.calls,
            self.refused_steps,
            self.window_full,
            self.commits,
            self.denied_commits,
            self.denied_reserves,
            self.decommits,
            self.failed_decommits,
            self.remaps,
            self.denied_remaps,
            self.unsupported_remaps,
            self.poisoned_pages_checked,
            self.violations
        )
    }
}
