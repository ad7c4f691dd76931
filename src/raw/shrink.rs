//! Giving memory back: decommitting a sparse mapping, moving back to the
//! heap, shrinking to fit, and the decay option's delay.

use super::{decay, heap, Holding, RawStore, Shape, State};
use crate::error::Error;
use crate::op::Cause;
use crate::policy;

impl RawStore {
    /// Called by a removal that left `len` elements, fewer than
    /// `shrink_below`: gives memory back if the policy says so and the
    /// decay delay (if any) has passed. `cause` names the removal for
    /// telemetry: `Clear`, `Truncate`, or `Sparse` for any other.
    #[cold]
    #[inline(never)]
    pub(crate) fn shrink_sparse(&mut self, shape: Shape, len: usize, cause: Cause) {
        let mut cause = cause;
        if let State::Full(full) = &mut self.state {
            if let Some(delay) = full.settings.decay {
                if !full.decay.due(delay) {
                    // Held for now: ask again after some more removals.
                    self.shrink_below = decay::next_check_below(len);
                    return;
                }
                cause = Cause::Decay;
            }
        }
        self.give_back_surplus(shape, len, cause);
    }

    /// Gives back memory held past what the policy keeps for `len`
    /// elements, once the decay delay (if any) has passed; for a
    /// container left sparse and untouched, whose removals would not ask.
    /// Returns whether memory went back to the OS.
    pub(crate) fn trim(&mut self, shape: Shape, len: usize) -> bool {
        if !self.has_surplus(shape, len) {
            return false;
        }
        if let State::Full(full) = &mut self.state {
            if let Some(delay) = full.settings.decay {
                if !full.decay.due(delay) {
                    return false;
                }
            }
        }
        let committed = self.committed_bytes();
        let cause = match self.settings().and_then(|s| s.decay) {
            Some(_) => Cause::Decay,
            None => Cause::Sparse,
        };
        self.give_back_surplus(shape, len, cause);
        self.committed_bytes() < committed
    }

    /// Whether a mapped container of `len` elements has memory to give
    /// back: it is sparse, or its contents fit on the heap again.
    fn has_surplus(&self, shape: Shape, len: usize) -> bool {
        let Some(region) = self.region() else {
            return false;
        };
        if shape.is_zst() {
            return false;
        }
        let live = len * shape.size;
        policy::should_shrink(live, region.committed(), self.initial_bytes(shape))
            || len < self.heap_return_len(shape)
    }

    /// Moves back to the heap when the `len` elements have fallen under a
    /// quarter of the heap limit, else decommits down to the policy's
    /// target for them.
    fn give_back_surplus(&mut self, shape: Shape, len: usize, cause: Cause) {
        if !self.is_mapped() {
            return;
        }
        if len < self.heap_return_len(shape) {
            let capacity = policy::heap_return_capacity(len, self.heap_limit(), shape.size);
            // (`clear` and `truncate` keep their own names.)
            let cause = match cause {
                Cause::Sparse => Cause::ToHeap,
                other => other,
            };
            // A refused allocation leaves the container mapped: decommit then.
            if self.move_to_heap(shape, len, capacity, cause).is_ok() {
                return;
            }
        }
        let to = policy::shrink_target(
            len * shape.size,
            self.initial_bytes(shape),
            self.page_size(),
        );
        let Some(full) = self.state.full_mut() else {
            return;
        };
        let Holding::Mapped(region) = &mut full.holding else {
            return;
        };
        // A refused decommit leaves the pages committed and usable, and is
        // reported by telemetry; the next shrink tries again.
        if to < region.committed() && region.shrink(&full.settings, to, cause).is_ok() {
            full.decay.reset();
            self.refresh(shape);
        }
    }

    /// Gives back memory not needed for `max(len, min_capacity)` elements:
    /// on the heap, the allocation shrinks to fit; mapped, the pages past
    /// them are decommitted (keeping the `N` initial pages), and contents
    /// that fit under the heap limit move back to the heap.
    pub(crate) fn shrink_to(
        &mut self,
        shape: Shape,
        len: usize,
        min_capacity: usize,
    ) -> Result<(), Error> {
        if shape.is_zst() {
            return Ok(());
        }
        let keep_len = len.max(min_capacity);
        let keep = keep_len.saturating_mul(shape.size);
        if !self.is_mapped() {
            return if keep_len < self.heap_capacity() {
                self.resize_heap(shape, len, keep_len)
            } else {
                Ok(())
            };
        }
        if self.heap_return_len(shape) > 0 && policy::fits_on_heap(keep, self.heap_limit()) {
            return self.move_to_heap(shape, len, keep_len, Cause::Fit);
        }
        let to = policy::fit_target(keep, self.initial_bytes(shape), self.page_size());
        let Some(full) = self.state.full_mut() else {
            return Ok(());
        };
        let Holding::Mapped(region) = &mut full.holding else {
            return Ok(());
        };
        if to < region.committed() {
            region.shrink(&full.settings, to, Cause::Fit)?;
            self.refresh(shape);
        }
        Ok(())
    }

    /// Moves the `len` elements of a mapped container into a heap
    /// allocation of `capacity` elements (none if 0) and gives the mapping
    /// back: a `shrink` with its `park` or `release` inside. A refused
    /// allocation leaves the container mapped and is returned.
    fn move_to_heap(
        &mut self,
        shape: Shape,
        len: usize,
        capacity: usize,
        cause: Cause,
    ) -> Result<(), Error> {
        debug_assert!(capacity >= len && !shape.is_zst());
        let bytes = capacity * shape.size;
        let kind = self.kind();
        let target = if bytes == 0 {
            shape.dangling()
        } else {
            // SAFETY: nothing is allocated yet (old size 0).
            unsafe { heap::resize(shape.dangling(), 0, bytes, shape.align, kind)? }
        };
        let Some(full) = self.state.full_mut() else {
            unreachable!("a mapped store is full");
        };
        let Holding::Mapped(region) = &mut full.holding else {
            unreachable!("moving to the heap from a mapping");
        };
        // SAFETY: the `len` live elements lie in the committed prefix; the
        // fresh allocation holds `capacity >= len` and overlaps nothing.
        // After the copy the mapping holds no live element.
        unsafe {
            std::ptr::copy_nonoverlapping(self.ptr.as_ptr(), target.as_ptr(), len * shape.size)
        };
        region.unmap(&full.settings, cause);
        full.holding = Holding::Heap { cap: capacity };
        full.registration = None;
        full.decay.reset();
        self.ptr = target;
        self.settle();
        self.refresh(shape);
        Ok(())
    }
}
