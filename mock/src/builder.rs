//! [`Builder`]: how a [`FaultyMapper`] is configured, the [`Mode`] of its
//! decommitted pages, and the `MAPPED_SEED` override.

use crate::faults::{check_probability, FaultConfig};
use crate::FaultyMapper;
use mapped::Mapper;
use std::num::ParseIntError;
use std::sync::Arc;

/// The environment variable whose value (a decimal `u64`) overrides the
/// builder's seed, to replay a failed run.
pub const SEED_ENV: &str = "MAPPED_SEED";

/// Parses a seed as [`SEED_ENV`] spells it: a decimal `u64`, surrounding
/// whitespace ignored.
pub fn parse_seed(s: &str) -> Result<u64, ParseIntError> {
    s.trim().parse()
}

/// The seed in [`SEED_ENV`], if it is set (set but empty counts as unset,
/// as `MAPPED_SEED= cargo test` means).
///
/// # Panics
///
/// When it is set but is not a decimal `u64`: a replay with the wrong seed
/// would silently test something else.
pub fn env_seed() -> Option<u64> {
    let value = std::env::var(SEED_ENV).ok()?;
    if value.trim().is_empty() {
        return None;
    }
    match parse_seed(&value) {
        Ok(seed) => Some(seed),
        Err(e) => panic!("mapped-mock: {SEED_ENV}={value:?} is not a decimal u64: {e}"),
    }
}

/// What a decommit does to its pages.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Decommit is forwarded to the inner mapper; commit does not touch the
    /// pages (the OS zeroes them).
    #[default]
    Plain,
    /// Decommit fills the pages with a poison pattern and leaves them
    /// readable and writable; the next commit checks the pattern (a broken
    /// one is a [`Violation::WriteToDecommitted`](crate::Violation)) and
    /// fills the pages with junk, as does the first commit of a page.
    Poison,
    /// Decommit is forwarded to the inner mapper (on the OS mapper the pages
    /// become `PROT_NONE`, so any access is a `SIGSEGV`); every commit of a
    /// page that was not committed fills it with junk.
    Trap,
}

/// Configures a [`FaultyMapper`]; made by [`FaultyMapper::builder`].
///
/// Everything is off by default: no faults, [`Mode::Plain`], remap on,
/// seed 0, the OS mapper inside ([`os_mapper`](crate::os_mapper)).
pub struct Builder {
    pub(crate) inner: Option<Box<dyn Mapper>>,
    pub(crate) seed: u64,
    pub(crate) env_seed: bool,
    pub(crate) mode: Mode,
    pub(crate) remap: bool,
    pub(crate) reserve: FaultConfig,
    pub(crate) commit: FaultConfig,
    pub(crate) decommit: FaultConfig,
    pub(crate) remap_fault: FaultConfig,
    pub(crate) lie: FaultConfig,
}

impl Default for Builder {
    fn default() -> Self {
        Builder {
            inner: None,
            seed: 0,
            env_seed: true,
            mode: Mode::Plain,
            remap: true,
            reserve: FaultConfig::default(),
            commit: FaultConfig::default(),
            decommit: FaultConfig::default(),
            remap_fault: FaultConfig::default(),
            lie: FaultConfig::default(),
        }
    }
}

impl std::fmt::Debug for Builder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Builder")
            .field(
                "inner",
                &self
                    .inner
                    .as_ref()
                    .map_or(crate::os_mapper().get().name(), |m| m.name()),
            )
            .field("seed", &self.seed)
            .field("env_seed", &self.env_seed)
            .field("mode", &self.mode)
            .field("remap", &self.remap)
            .finish_non_exhaustive()
    }
}

impl Builder {
    /// Wraps `inner` instead of the OS mapper ([`os_mapper`](crate::os_mapper)).
    pub fn inner<M: Mapper + 'static>(mut self, inner: M) -> Self {
        self.inner = Some(Box::new(inner));
        self
    }

    /// The seed of every random decision (faults and junk). [`SEED_ENV`],
    /// when set, overrides it (unless [`env_seed(false)`](Self::env_seed)).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Whether [`SEED_ENV`] overrides [`seed`](Self::seed) (default true).
    /// Turn it off only in tests that need two different seeds at once.
    pub fn env_seed(mut self, enabled: bool) -> Self {
        self.env_seed = enabled;
        self
    }

    /// Each commit fails with probability `p` (`OutOfMemory`, nothing
    /// committed).
    ///
    /// # Panics
    ///
    /// Unless `0 <= p <= 1`.
    pub fn deny_commits(mut self, p: f64) -> Self {
        check_probability("deny_commits", p);
        self.commit.p = p;
        self
    }

    /// The `k`-th call to `commit` (1-based, counting every well-formed
    /// call) fails. May be given several times.
    pub fn deny_commit_on(mut self, k: u64) -> Self {
        self.commit.on.insert(k);
        self
    }

    /// Each reserve fails with probability `p` (`OutOfMemory`).
    ///
    /// # Panics
    ///
    /// Unless `0 <= p <= 1`.
    pub fn deny_reserves(mut self, p: f64) -> Self {
        check_probability("deny_reserves", p);
        self.reserve.p = p;
        self
    }

    /// The `k`-th call to `reserve` (1-based) fails.
    pub fn deny_reserve_on(mut self, k: u64) -> Self {
        self.reserve.on.insert(k);
        self
    }

    /// Each remap fails with probability `p` (`OutOfMemory`, the old
    /// reservation untouched).
    ///
    /// # Panics
    ///
    /// Unless `0 <= p <= 1`.
    pub fn deny_remaps(mut self, p: f64) -> Self {
        check_probability("deny_remaps", p);
        self.remap_fault.p = p;
        self
    }

    /// The `k`-th call to `remap` (1-based) fails.
    pub fn deny_remap_on(mut self, k: u64) -> Self {
        self.remap_fault.on.insert(k);
        self
    }

    /// Each decommit fails with probability `p`; its pages stay committed,
    /// readable and writable.
    ///
    /// # Panics
    ///
    /// Unless `0 <= p <= 1`.
    pub fn fail_decommits(mut self, p: f64) -> Self {
        check_probability("fail_decommits", p);
        self.decommit.p = p;
        self
    }

    /// The `k`-th call to `decommit` (1-based) fails.
    pub fn fail_decommit_on(mut self, k: u64) -> Self {
        self.decommit.on.insert(k);
        self
    }

    /// Whether `remap` works (default true). When false it says
    /// `Unsupported`, so containers reserve, commit, copy and release.
    pub fn remap(mut self, enabled: bool) -> Self {
        self.remap = enabled;
        self
    }

    /// Poison mode on ([`Mode::Poison`]) or off ([`Mode::Plain`]). Turning
    /// it on turns trap mode off.
    pub fn poison(mut self, enabled: bool) -> Self {
        self.mode = toggle(self.mode, Mode::Poison, enabled);
        self
    }

    /// Trap mode on ([`Mode::Trap`]) or off ([`Mode::Plain`]). Turning it on
    /// turns poison mode off.
    pub fn trap(mut self, enabled: bool) -> Self {
        self.mode = toggle(self.mode, Mode::Trap, enabled);
        self
    }

    /// Sets the [`Mode`] outright.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// A deliberately broken mapper: each commit reports success with
    /// probability `p` without committing anything. The shadow table
    /// believes it, so the audit cannot see it; only trap mode (a fault on
    /// first touch) can. For testing that a test harness can fail.
    ///
    /// # Panics
    ///
    /// Unless `0 <= p <= 1`.
    pub fn lie_on_commit(mut self, p: f64) -> Self {
        check_probability("lie_on_commit", p);
        self.lie.p = p;
        self
    }

    /// The mapper.
    pub fn build(self) -> FaultyMapper {
        FaultyMapper::from_builder(self)
    }

    /// The mapper, in an [`Arc`] to share with containers.
    pub fn build_arc(self) -> Arc<FaultyMapper> {
        Arc::new(self.build())
    }
}

fn toggle(current: Mode, mode: Mode, enabled: bool) -> Mode {
    match (enabled, current == mode) {
        (true, _) => mode,
        (false, true) => Mode::Plain,
        (false, false) => current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_decimal_seeds_only() {
        assert_eq!(parse_seed("42"), Ok(42));
        assert_eq!(parse_seed(" 18446744073709551615\n"), Ok(u64::MAX));
        assert!(parse_seed("").is_err());
        assert!(parse_seed("-1").is_err());
        assert!(parse_seed("0x10").is_err());
        assert!(parse_seed("18446744073709551616").is_err());
    }

    #[test]
    fn poison_and_trap_exclude_each_other() {
        let b = Builder::default().poison(true).trap(true);
        assert_eq!(b.mode, Mode::Trap);
        let b = b.poison(false);
        assert_eq!(b.mode, Mode::Trap);
        let b = b.trap(false);
        assert_eq!(b.mode, Mode::Plain);
        assert_eq!(
            Builder::default().trap(true).poison(true).mode,
            Mode::Poison
        );
    }

    #[test]
    #[should_panic(expected = "deny_commits probability must be in [0, 1]")]
    fn probability_is_checked() {
        let _ = Builder::default().deny_commits(1.5);
    }
}
