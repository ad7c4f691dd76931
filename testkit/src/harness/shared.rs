//! The operations both containers have, applied the same way.

use super::{Harness, Removal, Subject};
use crate::{expect, Elem, Op, Step};
use mapped::Storage;
use std::mem::size_of;

impl<T: Elem, C: Subject<T>> Harness<T, C> {
    /// Applies the step's operation if both containers have it; `None` if
    /// it is one of a single container's.
    pub(super) fn apply_shared(&mut self, step: &Step) -> Option<Removal> {
        let len = self.v.len();
        let removal = match step.op {
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
                self.pop_checked();
                Removal::once_if(len > 0)
            }
            Op::PopMany(count) => {
                self.arm(step);
                for _ in 0..count {
                    if !self.pop_checked() {
                        break;
                    }
                }
                if len > 0 && count > 0 {
                    Removal::Many
                } else {
                    Removal::None
                }
            }
            Op::Clear => {
                self.arm(step);
                self.tally.calls += 1;
                self.v.clear();
                C::model_clear(&mut self.model);
                // `clear` promises the initial pages, even when empty.
                Removal::Once
            }
            Op::Retain { modulus, rem } => {
                let modulus = modulus.max(1);
                self.arm(step);
                self.tally.calls += 1;
                self.v.retain(|x| x.key() % modulus != rem);
                C::model_retain(&mut self.model, |x| x.key() % modulus != rem);
                Removal::Once
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
                let initial = expect::floor(C::PAGES, self.page, size);
                let fit = expect::after_fit(len * size, initial, self.page);
                match self.v.shrink_to_fit() {
                    Ok(()) if self.v.storage() != Storage::Mapped => {
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
                    Err(e) => self.decommit_refused(&b, &e, "shrink_to_fit"),
                }
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
                C::model_extend(&mut self.model, expect[..pushed].iter().cloned());
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
            Op::Append { start, count } => {
                let items = Self::values(start, count);
                let mut other: C::Source = self.source(&items);
                let other_before = other.as_slice().to_vec();
                let other_committed = other.committed_bytes();
                self.arm(step);
                let b = self.before();
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
                        C::model_extend(&mut self.model, items.into_iter());
                    }
                    Err(e) => {
                        self.refused(&b, &e, "append");
                        ensure!(
                            self.ctx,
                            other.as_slice() == other_before
                                && other.committed_bytes() == other_committed,
                            "a refused append changed its source"
                        );
                    }
                }
                Removal::None
            }
            Op::ReserveExact { additional } => {
                self.arm(step);
                let b = self.before();
                self.tally.calls += 1;
                match self.v.reserve_exact(additional) {
                    Ok(()) => {
                        self.granted(&b, "reserve_exact");
                        ensure!(
                            self.ctx,
                            self.v.capacity() - self.v.len() >= additional,
                            "reserve_exact({additional}) Ok but capacity {} for len {}",
                            self.v.capacity(),
                            self.v.len()
                        );
                    }
                    Err(e) => self.refused(&b, &e, "reserve_exact"),
                }
                Removal::None
            }
            Op::ShrinkTo { min } => {
                self.arm(step);
                let b = self.before();
                let capacity = self.v.capacity();
                self.tally.calls += 1;
                match self.v.shrink_to(min) {
                    Ok(()) => ensure!(
                        self.ctx,
                        self.v.capacity() >= capacity.min(len.max(min))
                            && self.v.committed_bytes() <= b.committed,
                        "shrink_to({min}): capacity {capacity} -> {}, committed {} -> {}",
                        self.v.capacity(),
                        b.committed,
                        self.v.committed_bytes()
                    ),
                    Err(e) => self.decommit_refused(&b, &e, "shrink_to"),
                }
                Removal::None
            }
            Op::Extend { start, count } => {
                // Faults off, and no more than a fixed window holds:
                // `extend` panics when refused, as `Vec`'s does.
                let room = self.v.max_capacity().map_or(count, |max| max - len);
                let items = Self::values(start, count.min(room));
                self.tally.calls += 1;
                // `filter` hides the length: the size hint is 0.
                let hidden = items.clone().into_iter().filter(|_| true);
                self.with_faults_off(|h| h.v.extend(hidden));
                C::model_extend(&mut self.model, items.into_iter());
                Removal::None
            }
            Op::CloneEq => {
                // `clone` with faults off (it panics when refused), then
                // `try_clone` with the step's faults.
                let mut c = self.with_faults_off(|h| C::clone(&h.v));
                ensure!(
                    self.ctx,
                    c.len() == len && c.differs(&self.model).is_none(),
                    "clone differs from the model"
                );
                // Independent: emptying the clone leaves the original (the
                // step check compares it with the model).
                c.clear();
                drop(c);
                self.arm(step);
                let b = self.before();
                self.tally.calls += 2;
                match self.v.try_clone() {
                    Ok(c) => {
                        self.granted(&b, "try_clone");
                        ensure!(
                            self.ctx,
                            c.len() == len && c.differs(&self.model).is_none(),
                            "try_clone differs from the model"
                        );
                    }
                    Err(e) => self.refused(&b, &e, "try_clone"),
                }
                Removal::None
            }
            _ => return None,
        };
        Some(removal)
    }

    /// Pops from both and compares; returns whether there was an element.
    fn pop_checked(&mut self) -> bool {
        self.tally.calls += 1;
        let got = self.v.pop();
        let want = C::model_pop(&mut self.model);
        ensure!(self.ctx, got == want, "pop: got {got:?}, model {want:?}");
        want.is_some()
    }
}
