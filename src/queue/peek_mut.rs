//! `PeekMut`: the guard [`MappedQueue::peek_mut`] returns.

use super::{sift, MappedQueue};
use std::fmt;
use std::mem;
use std::num::NonZeroUsize;
use std::ops::{Deref, DerefMut};

/// Mutable access to the greatest element of a [`MappedQueue`], from
/// [`MappedQueue::peek_mut`]. When the guard is dropped the element moves
/// down to where it now belongs.
///
/// If `T`'s `Ord` panics during that move, every element stays in the queue
/// exactly once and the edited element stays at the top, as the edit left
/// it (so the next `peek` or `pop` sees it even if it is no longer the
/// greatest).
///
/// Like std's, leaking the guard (with [`mem::forget`]) after a mutable
/// access leaks the other elements; it is never unsound.
pub struct PeekMut<'a, T: Ord, const N: usize = 1> {
    heap: &'a mut MappedQueue<T, N>,
    /// `Some(len)` once `deref_mut` has handed out `&mut T`: the queue's
    /// length was lowered to 1 until the guard restores it ("leak
    /// amplification", as in std), so a leaked guard cannot leave a broken
    /// heap behind.
    original_len: Option<NonZeroUsize>,
}

impl<'a, T: Ord, const N: usize> PeekMut<'a, T, N> {
    /// Only for a non-empty queue.
    pub(super) fn new(heap: &'a mut MappedQueue<T, N>) -> Self {
        debug_assert!(!heap.is_empty());
        PeekMut {
            heap,
            original_len: None,
        }
    }

    /// Removes the peeked element from the queue and returns it (an
    /// associated function, so that it never shadows a method of `T`).
    pub fn pop(mut this: PeekMut<'a, T, N>) -> T {
        if let Some(original_len) = this.original_len.take() {
            // SAFETY: the queue had this many elements when `deref_mut`
            // lowered the length; nothing has touched them since (the guard
            // borrows the queue), and no memory was given back (only the
            // length changed).
            unsafe { this.heap.data.set_len(original_len.get()) };
            // No sift: the edited element is removed next, and `pop` does
            // not depend on its value.
        }
        // The queue is not empty: a `PeekMut` exists only for a non-empty
        // queue, and its length was restored above.
        let value = this
            .heap
            .pop()
            .expect("PeekMut exists only for a non-empty queue");
        mem::forget(this);
        value
    }
}

impl<T: Ord, const N: usize> Drop for PeekMut<'_, T, N> {
    fn drop(&mut self) {
        if let Some(original_len) = self.original_len {
            // SAFETY: as in `pop`: the elements beyond the first were left
            // untouched while the length was 1.
            unsafe { self.heap.data.set_len(original_len.get()) };
            let data = self.heap.data.as_mut_slice();
            let end = data.len();
            // SAFETY: the queue is not empty, so `0 < end`.
            unsafe { sift::sift_down_range(data, 0, end) };
        }
    }
}

impl<T: Ord, const N: usize> Deref for PeekMut<'_, T, N> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        debug_assert!(!self.heap.is_empty());
        // SAFETY: a `PeekMut` exists only for a non-empty queue, and its
        // length never drops below 1 while the guard lives.
        unsafe { self.heap.data.as_slice().get_unchecked(0) }
    }
}

impl<T: Ord, const N: usize> DerefMut for PeekMut<'_, T, N> {
    #[inline]
    fn deref_mut(&mut self) -> &mut T {
        debug_assert!(!self.heap.is_empty());
        let len = self.heap.len();
        if len > 1 {
            // Leak amplification: hide every element but the first until the
            // guard is dropped or popped. If the guard is leaked, those
            // elements leak with it instead of being left out of order.
            // SAFETY: `len > 1`, so it is not zero; lowering the length to 1
            // keeps the first element and only forgets the others for now.
            unsafe {
                self.original_len = Some(NonZeroUsize::new_unchecked(len));
                self.heap.data.set_len(1);
            }
        }
        // SAFETY: the queue is not empty (see `deref`).
        unsafe { self.heap.data.as_mut_slice().get_unchecked_mut(0) }
    }
}

impl<T: Ord + fmt::Debug, const N: usize> fmt::Debug for PeekMut<'_, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PeekMut").field(&**self).finish()
    }
}
