//! Applying one step to the queue and to the model: the operations only
//! the queue has, or has in its own way.

use super::{QueueHarness, Removal};
use crate::{Elem, Op, Step};
use mapped::{MappedQueue, MappedVector};

impl<T: Elem, const N: usize> QueueHarness<T, N> {
    pub(super) fn apply(&mut self, step: &Step) -> Removal {
        if let Some(removal) = self.apply_shared(step) {
            return removal;
        }
        let len = self.v.len();
        match step.op {
            Op::Drain { front, .. } => {
                self.arm(step);
                self.tally.calls += 1;
                let mut got: Vec<T> = self.v.drain().take(front).collect();
                let mut want: Vec<T> = self.model.drain().collect();
                ensure!(
                    self.ctx,
                    self.v.is_empty() && got.len() == front.min(len),
                    "drain: {} taken of {len}, {} left",
                    got.len(),
                    self.v.len()
                );
                // Drained in arbitrary order: the same elements, as sets.
                got.sort();
                want.sort();
                ensure!(
                    self.ctx,
                    front < len || got == want,
                    "drain yielded other elements than the model's"
                );
                Removal::once_if(len > 0)
            }
            Op::Set { value, .. } => {
                self.tally.calls += 1;
                match (self.v.peek_mut(), self.model.peek_mut()) {
                    (None, None) => {}
                    (Some(mut got), Some(mut want)) => {
                        ensure!(
                            self.ctx,
                            *got == *want,
                            "peek_mut: {:?}, model {:?}",
                            *got,
                            *want
                        );
                        *got = T::make(value);
                        *want = T::make(value);
                    }
                    (got, want) => panic!(
                        "fuzz check failed: peek_mut is {:?}, model {:?}{}",
                        got.is_some(),
                        want.is_some(),
                        self.ctx
                    ),
                }
                Removal::None
            }
            Op::IntoVec => {
                // The storage goes out and comes back; nothing is copied or
                // committed, so no fault applies.
                self.tally.calls += 1;
                let placeholder = MappedQueue::new(self.mock.clone());
                let q = std::mem::replace(&mut self.v, placeholder);
                let mut v: MappedVector<T, N> = q.into_vec();
                v.reverse();
                self.v = MappedQueue::from(v);
                Removal::None
            }
            Op::Insert { .. }
            | Op::Remove { .. }
            | Op::SwapRemove { .. }
            | Op::Truncate { .. }
            | Op::ExtendFromSlice { .. }
            | Op::Resize { .. }
            | Op::ExtendFromWithin { .. }
            | Op::SplitOff { .. }
            | Op::DedupByKey { .. }
            | Op::RetainMut { .. }
            | Op::Swap { .. }
            | Op::Reverse => Removal::None,
            shared_ops!() => unreachable!("applied by apply_shared"),
        }
    }
}
