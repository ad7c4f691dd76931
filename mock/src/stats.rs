//! [`MockStats`]: counters of what the mock did, for tests to assert on.

/// Counters of every call the mock saw and every fault it injected, as
/// returned by [`FaultyMapper::stats`](crate::FaultyMapper::stats).
///
/// Call counters count calls that returned `Ok`; refused calls are counted
/// by the `denied_*`, `failed_*`, `unsupported_*` and `invalid_calls`
/// counters instead.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct MockStats {
    /// Successful reserves.
    pub reserves: u64,
    /// Successful commits, lies included.
    pub commits: u64,
    /// Successful decommits.
    pub decommits: u64,
    /// Successful releases.
    pub releases: u64,
    /// Successful remaps.
    pub remaps: u64,
    /// Populate hints for committed ranges (audited, not forwarded).
    pub populates: u64,
    /// Reserves refused by fault injection.
    pub denied_reserves: u64,
    /// Commits refused by fault injection.
    pub denied_commits: u64,
    /// Remaps refused by fault injection.
    pub denied_remaps: u64,
    /// Decommits failed by fault injection (pages left committed).
    pub failed_decommits: u64,
    /// Remaps refused because remapping is disabled.
    pub unsupported_remaps: u64,
    /// Calls refused with `InvalidInput` because they broke the contract
    /// (each also recorded as a violation).
    pub invalid_calls: u64,
    /// Commits that reported success without committing (`lie_on_commit`).
    pub lies: u64,
    /// Pages that went from not committed to committed.
    pub committed_pages: u64,
    /// Pages that went from committed to decommitted.
    pub decommitted_pages: u64,
    /// Pages filled with junk on commit (poison and trap modes).
    pub junk_filled_pages: u64,
    /// Pages filled with the poison pattern on decommit (poison mode).
    pub poisoned_pages: u64,
    /// Poisoned pages whose pattern was verified (at recommit, remap or
    /// release).
    pub poisoned_pages_checked: u64,
    /// Pages committed again while already committed (harmless, wasteful).
    pub redundant_commit_pages: u64,
    /// Violations recorded.
    pub violations: u64,
}
