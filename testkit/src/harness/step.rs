//! Applying one step to the container and to the model.

use super::{Harness, Removal};
use crate::{expect, Elem, Op, Probs, Step};
use mapped::MappedVector;

impl<T: Elem, const N: usize> Harness<T, N> {
    /// Applies one step and checks the vector against the model.
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
        let removed = self.apply(step);
        if step.deny_commit || step.fail_decommit {
            // A scripted fault the call did not use must not leak into the
            // next step. (`clear_faults` turns everything off, lies too.)
            self.mock.clear_faults();
            self.set_probs(self.probs);
            self.mock.set_lie_on_commit(self.lie);
        }
        self.tally.steps += 1;
        self.check();
        // Shrinking: unless a decommit failed, the vector must have given
        // memory back down to the policy (fewer than a quarter in use is
        // never left committed), and a call that checks once and gave
        // memory back must have kept exactly the policy's target (at most
        // half full afterwards: the hysteresis).
        let after = self.mock.stats();
        // (A vector that moved back to the heap gave everything back.)
        let mapped = self.v.storage() == mapped::Storage::Mapped;
        if removed != Removal::None && mapped && after.failed_decommits == b.stats.failed_decommits
        {
            let size = size_of::<T>();
            let initial = expect::floor(N, self.page, size);
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

    /// Applies the step's operation to the vector and the model; returns
    /// whether it removed elements (and so must have applied the shrink
    /// policy), and how often it checked.
    fn apply(&mut self, step: &Step) -> Removal {
        let len = self.v.len();
        match step.op {
            Op::Push(value) => {
                self.arm(step);
                self.push_checked(T::make(value), "push");
                Removal::None
            }
            Op::PushMany { start, count } => {
                self.arm(step);
                for i in 0..count as u64 {
                    if !self.push_checked(T::make(start + i), "push (bulk)") {
                        break;
                    }
                }
                Removal::None
            }
            Op::Pop => {
                self.arm(step);
                self.tally.calls += 1;
                let got = self.v.pop();
                let want = self.model.pop();
                ensure!(self.ctx, got == want, "pop: got {got:?}, model {want:?}");
                Removal::once_if(len > 0)
            }
            Op::PopMany(count) => {
                self.arm(step);
                for _ in 0..count {
                    self.tally.calls += 1;
                    let got = self.v.pop();
                    let want = self.model.pop();
                    ensure!(self.ctx, got == want, "pop: got {got:?}, model {want:?}");
                    if want.is_none() {
                        break;
                    }
                }
                if len > 0 && count > 0 {
                    Removal::Many
                } else {
                    Removal::None
                }
            }
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
            Op::Clear => {
                self.arm(step);
                self.tally.calls += 1;
                self.v.clear();
                self.model.clear();
                // `clear` promises the initial pages, even when empty.
                Removal::Once
            }
            Op::Retain { modulus, rem } => {
                let modulus = modulus.max(1);
                self.arm(step);
                self.tally.calls += 1;
                self.v.retain(|x| x.key() % modulus != rem);
                self.model.retain(|x| x.key() % modulus != rem);
                Removal::Once
            }
            Op::Drain {
                start,
                end,
                front,
                back,
            } => {
                let a = start % (len + 1);
                let b = a + end % (len - a + 1);
                self.arm(step);
                self.tally.calls += 1;
                let mut d = self.v.drain(a..b);
                let mut m = self.model.drain(a..b);
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
            Op::DedupByKey { modulus } => {
                self.tally.calls += 1;
                self.v.dedup_by_key(|x| x.key() % modulus);
                self.model.dedup_by_key(|x| x.key() % modulus);
                Removal::once_if(self.v.len() < len)
            }
            Op::Reserve { additional } => {
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.reserve(additional) {
                    Ok(()) => {
                        self.granted(&b, "reserve");
                        ensure!(
                            self.ctx,
                            self.v.capacity() - self.v.len() >= additional,
                            "reserve({additional}) Ok but capacity {} for len {}",
                            self.v.capacity(),
                            self.v.len()
                        );
                    }
                    Err(e) => self.refused(&b, &e, "reserve"),
                }
                Removal::None
            }
            Op::ShrinkToFit => {
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                let size = size_of::<T>();
                let initial = expect::floor(N, self.page, size);
                let fit = expect::after_fit(len * size, initial, self.page);
                match self.v.shrink_to_fit() {
                    Ok(()) if self.v.storage() != mapped::Storage::Mapped => {
                        // Contents that fit under the heap limit leave the
                        // mapping for the heap.
                        ensure!(
                            self.ctx,
                            len * size <= self.heap_limit,
                            "shrink_to_fit: {} bytes on the heap, limit {}",
                            len * size,
                            self.heap_limit
                        );
                    }
                    Ok(()) => {
                        let want = fit.min(b.committed);
                        ensure!(
                            self.ctx,
                            self.v.committed_bytes() == want,
                            "shrink_to_fit: committed {} (was {}), policy says {want}",
                            self.v.committed_bytes(),
                            b.committed
                        );
                    }
                    Err(e) => {
                        let s = self.mock.stats();
                        ensure!(
                            self.ctx,
                            e.os_error().is_some() && s.failed_decommits > b.stats.failed_decommits,
                            "shrink_to_fit failed ({e:?}) but no decommit failed"
                        );
                        self.unchanged(&b, "shrink_to_fit");
                        self.tally.refused_steps += 1;
                    }
                }
                Removal::None
            }
            Op::Append { start, count } => {
                let items = Self::values(start, count);
                // Fill `other` with faults off: the fault is for `append`.
                let mut other = MappedVector::<T, 2>::new(self.mock.clone());
                self.set_probs(Probs::default());
                for x in items.iter().cloned() {
                    if other.push(x).is_err() {
                        panic!("filling append's source failed with faults off{}", self.ctx);
                    }
                }
                self.set_probs(self.probs);
                self.arm(step);
                let b = self.before();
                let other_committed = other.committed_bytes();
                self.tally.calls += 1;
                match self.v.append(&mut other) {
                    Ok(()) => {
                        self.granted(&b, "append");
                        ensure!(
                            self.ctx,
                            other.is_empty(),
                            "append left {} in other",
                            other.len()
                        );
                        self.model.extend(items);
                    }
                    Err(e) => {
                        self.refused(&b, &e, "append");
                        ensure!(
                            self.ctx,
                            other[..] == items[..] && other.committed_bytes() == other_committed,
                            "a refused append changed its source"
                        );
                    }
                }
                drop(other);
                Removal::None
            }
            Op::TryExtend { start, count } => {
                let items = Self::values(start, count);
                let idents: Vec<u64> = items.iter().map(Elem::ident).collect();
                let expect = items.clone();
                let mut iter = items.into_iter();
                self.arm(step);
                let before_len = self.v.len();
                self.tally.calls += 1;
                let result = self.v.try_extend(&mut iter);
                let pushed = self.v.len() - before_len;
                self.model.extend(expect[..pushed].iter().cloned());
                match result {
                    Ok(()) => ensure!(
                        self.ctx,
                        pushed == count,
                        "try_extend Ok after {pushed} of {count}"
                    ),
                    Err(e) => {
                        let (back, error) = e.into_parts();
                        let full = self.acceptable_window_full(&error);
                        ensure!(
                            self.ctx,
                            (error.is_out_of_memory() || full) && pushed < count,
                            "try_extend: {error:?} after {pushed} of {count}"
                        );
                        self.tally.window_full += u64::from(full);
                        self.tally.denied_steps += u64::from(!full);
                        ensure!(
                            self.ctx,
                            back.ident() == idents[pushed] && back == expect[pushed],
                            "try_extend handed back {back:?}, expected {:?}",
                            expect[pushed]
                        );
                        let rest: Vec<T> = iter.collect();
                        ensure!(
                            self.ctx,
                            rest[..] == expect[pushed + 1..],
                            "try_extend: the iterator does not hold the rest"
                        );
                        self.tally.refused_steps += 1;
                    }
                }
                Removal::None
            }
        }
    }
}
