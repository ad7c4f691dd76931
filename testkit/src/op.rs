//! The operations of the model runs, and the faults scripted for each.

use std::fmt;

/// One mutating call (or a short run of them) on the container. Indices and
/// lengths are raw numbers, reduced modulo the current length when applied,
/// so any sequence is valid in any state (and proptest and the fuzzer can
/// shrink freely).
///
/// The vector and the queue run the same operations where both have them.
/// The queue skips those only a vector has (marked *vector only*: the
/// positional ones, and those that see the order of the elements), and the
/// vector skips [`Op::IntoVec`].
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
    /// `insert(index % (len + 1), make(value))`. *Vector only.*
    Insert { index: usize, value: u64 },
    /// `remove(index % len)` (nothing when empty). *Vector only.*
    Remove { index: usize },
    /// `swap_remove(index % len)` (nothing when empty). *Vector only.*
    SwapRemove { index: usize },
    /// `truncate(len % (len + 1))`. *Vector only.*
    Truncate { len: usize },
    /// `clear()`.
    Clear,
    /// `retain(|x| x.key() % modulus != rem)`.
    Retain { modulus: u64, rem: u64 },
    /// Vector: `drain` of the range `start..end` (reduced to the length)
    /// written with the bounds `bounds % 6` picks (`a..b`, `a..=b`, `..b`,
    /// `a..`, `..`, or an excluded start), consuming `front` items from the
    /// front and `back` from the back, then dropping the drain with the
    /// rest. Queue: `drain()`, consuming `front` items, then dropping it.
    Drain {
        start: usize,
        end: usize,
        bounds: u8,
        front: usize,
        back: usize,
    },
    /// `extend_from_slice(&[make(start), .., make(start + count - 1)])`.
    /// *Vector only.*
    ExtendFromSlice { start: u64, count: usize },
    /// `reserve(additional)`.
    Reserve { additional: usize },
    /// `shrink_to_fit()`.
    ShrinkToFit,
    /// `append(&mut other)` where `other` (a container of the same kind, with
    /// `N = 2`, on the same mapper) holds `make(start + i)` for `i < count`.
    Append { start: u64, count: usize },
    /// `try_extend(&mut iter)` over `make(start + i)` for `i < count`.
    TryExtend { start: u64, count: usize },
    /// `resize(len, make(value))`: longer or shorter. *Vector only.*
    Resize { len: usize, value: u64 },
    /// `extend_from_within(start % (len + 1) .. end % (len + 1))`, the
    /// bounds sorted. *Vector only.*
    ExtendFromWithin { start: usize, end: usize },
    /// `split_off(at % (len + 1))`, the tail checked and dropped. *Vector
    /// only.*
    SplitOff { at: usize },
    /// `dedup_by_key(|x| x.key() % modulus)`: runs of equal keys collapse.
    /// *Vector only.*
    DedupByKey { modulus: u64 },
    /// `retain_mut`: every element is replaced by `make(key + 1)`, then kept
    /// as by [`Op::Retain`]. *Vector only.*
    RetainMut { modulus: u64, rem: u64 },
    /// Through `Extend<T>`, from an iterator whose size hint is 0, with the
    /// mapper's faults off (`extend` panics when refused, as `Vec`'s does).
    Extend { start: u64, count: usize },
    /// `reserve_exact(additional)`.
    ReserveExact { additional: usize },
    /// `shrink_to(min)`.
    ShrinkTo { min: usize },
    /// Vector: `v[index % len] = make(value)` through `IndexMut`. Queue:
    /// `*peek_mut() = make(value)` (the new top then sinks to its place).
    /// Nothing when empty.
    Set { index: usize, value: u64 },
    /// `swap(a % len, b % len)` through `DerefMut`. *Vector only.*
    Swap { a: usize, b: usize },
    /// `reverse()` through `DerefMut`. *Vector only.*
    Reverse,
    /// `try_clone()` (faults on) and `clone()` (faults off) equal the
    /// container, and are independent of it.
    CloneEq,
    /// `MappedQueue::from(queue.into_vec())`: through the storage and back
    /// (heapified again). *Queue only.*
    IntoVec,
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
