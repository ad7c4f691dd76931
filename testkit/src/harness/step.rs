//! Applying one step to the container and to the model.

use super::{Removal, VectorHarness};
use crate::{Elem, Op, Step};
use std::ops::Bound;

impl<T: Elem, const N: usize> VectorHarness<T, N> {
    /// Applies the step's operation to the vector and the model; returns
    /// whether it removed elements (and so must have applied the shrink
    /// policy), and how often it checked.
    pub(super) fn apply(&mut self, step: &Step) -> Removal {
        if let Some(removal) = self.apply_shared(step) {
            return removal;
        }
        let len = self.v.len();
        match step.op {
            Op::Insert { index, value } => {
                let index = index % (len + 1);
                let x = T::make(value);
                let expect = x.clone();
                let ident = x.ident();
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.insert(index, x) {
                    Ok(()) => {
                        self.granted(&b, "insert");
                        self.model.insert(index, expect);
                    }
                    Err(e) => {
                        let (back, error) = e.into_parts();
                        self.refused(&b, &error, "insert");
                        ensure!(
                            self.ctx,
                            back.ident() == ident && back == expect,
                            "insert: handed back {back:?}, inserted {expect:?}"
                        );
                    }
                }
                Removal::None
            }
            Op::Remove { index } => {
                if len == 0 {
                    return Removal::None;
                }
                let index = index % len;
                self.arm(step);
                self.tally.calls += 1;
                let got = self.v.remove(index);
                let want = self.model.remove(index);
                ensure!(
                    self.ctx,
                    got == want,
                    "remove({index}): got {got:?}, model {want:?}"
                );
                Removal::Once
            }
            Op::SwapRemove { index } => {
                if len == 0 {
                    return Removal::None;
                }
                let index = index % len;
                self.arm(step);
                self.tally.calls += 1;
                let got = self.v.swap_remove(index);
                let want = self.model.swap_remove(index);
                ensure!(
                    self.ctx,
                    got == want,
                    "swap_remove({index}): got {got:?}, model {want:?}"
                );
                Removal::Once
            }
            Op::Truncate { len: to } => {
                let to = to % (len + 1);
                self.arm(step);
                self.tally.calls += 1;
                self.v.truncate(to);
                self.model.truncate(to);
                Removal::once_if(to < len)
            }
            Op::Drain {
                start,
                end,
                bounds,
                front,
                back,
            } => {
                let a = start % (len + 1);
                let b = a + end % (len - a + 1);
                let range = drain_range(a, b, bounds);
                let (a, b) = (range_start(range.0), range_end(range.1, len));
                self.arm(step);
                self.tally.calls += 1;
                let mut d = self.v.drain(range);
                let mut m = self.model.drain(range);
                ensure!(
                    self.ctx,
                    d.len() == m.len(),
                    "drain({a}..{b}): len {}",
                    d.len()
                );
                for _ in 0..front {
                    let (got, want) = (d.next(), m.next());
                    ensure!(
                        self.ctx,
                        got == want,
                        "drain({a}..{b}).next(): got {got:?}, model {want:?}"
                    );
                }
                for _ in 0..back {
                    let (got, want) = (d.next_back(), m.next_back());
                    ensure!(
                        self.ctx,
                        got == want,
                        "drain({a}..{b}).next_back(): got {got:?}, model {want:?}"
                    );
                }
                ensure!(
                    self.ctx,
                    d.as_slice() == m.as_slice(),
                    "drain({a}..{b}): the rest differs"
                );
                drop(d);
                drop(m);
                Removal::Once
            }
            Op::ExtendFromSlice { start, count } => {
                let items = Self::values(start, count);
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.extend_from_slice(&items) {
                    Ok(()) => {
                        self.granted(&b, "extend_from_slice");
                        self.model.extend(items);
                    }
                    Err(e) => self.refused(&b, &e, "extend_from_slice"),
                }
                Removal::None
            }
            Op::Resize {
                len: new_len,
                value,
            } => {
                let value = T::make(value);
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.resize(new_len, value.clone()) {
                    Ok(()) => {
                        self.granted(&b, "resize");
                        self.model.resize(new_len, value);
                    }
                    Err(e) => self.refused(&b, &e, "resize"),
                }
                Removal::once_if(new_len < len)
            }
            Op::ExtendFromWithin { start, end } => {
                let (mut a, mut z) = (start % (len + 1), end % (len + 1));
                if a > z {
                    std::mem::swap(&mut a, &mut z);
                }
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.extend_from_within(a..z) {
                    Ok(()) => {
                        self.granted(&b, "extend_from_within");
                        self.model.extend_from_within(a..z);
                    }
                    Err(e) => self.refused(&b, &e, "extend_from_within"),
                }
                Removal::None
            }
            Op::SplitOff { at } => {
                let at = at % (len + 1);
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.split_off(at) {
                    Ok(tail) => {
                        self.granted(&b, "split_off");
                        let want = self.model.split_off(at);
                        ensure!(
                            self.ctx,
                            tail[..] == want[..],
                            "split_off({at}): the tail differs"
                        );
                        Removal::once_if(at < len)
                    }
                    Err(e) => {
                        self.refused(&b, &e, "split_off");
                        Removal::None
                    }
                }
            }
            Op::RetainMut { modulus, rem } => {
                let modulus = modulus.max(1);
                let bump = |x: &mut T| {
                    *x = T::make(x.key() + 1);
                    x.key() % modulus != rem
                };
                self.arm(step);
                self.tally.calls += 1;
                self.v.retain_mut(bump);
                self.model.retain_mut(bump);
                Removal::Once
            }
            Op::Set { index, value } => {
                if len > 0 {
                    self.tally.calls += 1;
                    self.v[index % len] = T::make(value);
                    self.model[index % len] = T::make(value);
                }
                Removal::None
            }
            Op::Swap { a, b } => {
                if len > 0 {
                    self.tally.calls += 1;
                    self.v.swap(a % len, b % len);
                    self.model.swap(a % len, b % len);
                }
                Removal::None
            }
            Op::Reverse => {
                self.tally.calls += 1;
                self.v.reverse();
                self.model.reverse();
                Removal::None
            }
            Op::IntoVec => Removal::None,
            shared_ops!() => unreachable!("applied by apply_shared"),
            Op::DedupByKey { modulus } => {
                self.tally.calls += 1;
                self.v.dedup_by_key(|x| x.key() % modulus);
                self.model.dedup_by_key(|x| x.key() % modulus);
                Removal::once_if(self.v.len() < len)
            }
        }
    }
}

/// The range `a..b` of a vector of `len` written with the bounds `kind % 6`
/// picks: `a..b`, `a..=b - 1`, `..b`, `a..len`, `..`, or `(Excluded(a -
/// 1), Excluded(b))` (the last three, and `..=` of an empty range, name a
/// nearby range within `0..=len`).
fn drain_range(a: usize, b: usize, kind: u8) -> (Bound<usize>, Bound<usize>) {
    use Bound::{Excluded, Included, Unbounded};
    match kind % 6 {
        0 => (Included(a), Excluded(b)),
        1 if b > a => (Included(a), Included(b - 1)),
        1 => (Included(a), Excluded(a)),
        2 => (Unbounded, Excluded(b)),
        3 => (Included(a), Unbounded),
        4 => (Unbounded, Unbounded),
        _ if a > 0 => (Excluded(a - 1), Excluded(b)),
        _ => (Included(0), Excluded(b)),
    }
}

/// The first index a start bound includes.
fn range_start(bound: Bound<usize>) -> usize {
    match bound {
        Bound::Included(i) => i,
        Bound::Excluded(i) => i + 1,
        Bound::Unbounded => 0,
    }
}

/// The index past the last one an end bound includes.
fn range_end(bound: Bound<usize>, len: usize) -> usize {
    match bound {
        Bound::Included(i) => i + 1,
        Bound::Excluded(i) => i,
        Bound::Unbounded => len,
    }
}
