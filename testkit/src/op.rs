//! The operations of the model runs, and the faults scripted for each.

use std::fmt;

/// One mutating call (or a short run of them) on the vector. Indices and
/// lengths are raw numbers, reduced modulo the current length when applied,
/// so any sequence is valid in any state (and proptest can shrink freely).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `push(make(value))`.
    Push(u64),
    /// `count` pushes of `make(start + i)`, stopping at the first refusal.
    PushMany { start: u64, count: usize },
    /// `pop()`.
    Pop,
    /// `count` pops.
    PopMany(usize),
    /// `insert(index % (len + 1), make(value))`.
    Insert { index: usize, value: u64 },
    /// `remove(index % len)` (nothing when empty).
    Remove { index: usize },
    /// `swap_remove(index % len)` (nothing when empty).
    SwapRemove { index: usize },
    /// `truncate(len % (len + 1))`.
    Truncate { len: usize },
    /// `clear()`.
    Clear,
    /// `retain(|x| x.key() % modulus != rem)`.
    Retain { modulus: u64, rem: u64 },
    /// `drain(a..b)`, consuming `front` items from the front and `back`
    /// from the back, then dropping the drain with the rest.
    Drain {
        start: usize,
        end: usize,
        front: usize,
        back: usize,
    },
    /// `extend_from_slice(&[make(start), .., make(start + count - 1)])`.
    ExtendFromSlice { start: u64, count: usize },
    /// `reserve(additional)`.
    Reserve { additional: usize },
    /// `shrink_to_fit()`.
    ShrinkToFit,
    /// `append(&mut other)` where `other` (a `MappedVector<T, 2>` on the same
    /// mapper) holds `make(start + i)` for `i < count`.
    Append { start: u64, count: usize },
    /// `try_extend(&mut iter)` over `make(start + i)` for `i < count`.
    TryExtend { start: u64, count: usize },
    /// `resize(len, make(value))`: longer or shorter.
    Resize { len: usize, value: u64 },
    /// `extend_from_within(start % (len + 1) .. end % (len + 1))`, the
    /// bounds sorted.
    ExtendFromWithin { start: usize, end: usize },
    /// `split_off(at % (len + 1))`, the tail checked and dropped.
    SplitOff { at: usize },
    /// `dedup_by_key(|x| x.key() % modulus)`: runs of equal keys collapse.
    DedupByKey { modulus: u64 },
}

/// An operation and the faults scripted for it: `deny_commit` denies the
/// first commit it makes, `fail_decommit` fails its first decommit. (Fault
/// decisions live in the step, so proptest can shrink them away.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub op: Op,
    pub deny_commit: bool,
    pub fail_decommit: bool,
}

impl Step {
    pub fn plain(op: Op) -> Self {
        Step {
            op,
            deny_commit: false,
            fail_decommit: false,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.op)?;
        if self.deny_commit {
            f.write_str(" +deny_commit")?;
        }
        if self.fail_decommit {
            f.write_str(" +fail_decommit")?;
        }
        Ok(())
    }
}
