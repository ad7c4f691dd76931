//! `Drain`: the iterator `MappedVector::drain` returns.

use super::MappedVector;
use std::fmt;
use std::iter::FusedIterator;
use std::ptr;

/// Removes a range of a [`MappedVector`], yielding its elements by value.
///
/// While it lives the vector counts only the elements before the range; when
/// it is dropped, elements not yet yielded are dropped, the tail moves down
/// to close the gap, and the vector gives memory back if it has become
/// sparse.
pub struct Drain<'a, T, const N: usize> {
    vec: &'a mut MappedVector<T, N>,
    /// Next element to yield from the front.
    next: usize,
    /// One past the last element to yield from the back.
    end: usize,
    /// Where the kept tail starts, and how long it is.
    tail_start: usize,
    tail_len: usize,
}

impl<'a, T, const N: usize> Drain<'a, T, N> {
    pub(super) fn new(vec: &'a mut MappedVector<T, N>, start: usize, end: usize) -> Self {
        let tail_len = vec.len - end;
        // Leak-safe: if the Drain is forgotten, the vector keeps the prefix
        // and the rest leaks, but nothing is dropped twice.
        vec.len = start;
        Drain {
            vec,
            next: start,
            end,
            tail_start: end,
            tail_len,
        }
    }

    /// The elements not yet yielded.
    pub fn as_slice(&self) -> &[T] {
        // SAFETY: `[next, end)` are initialized elements owned by the drain.
        unsafe {
            std::slice::from_raw_parts(self.vec.as_ptr().add(self.next), self.end - self.next)
        }
    }
}

impl<T, const N: usize> Iterator for Drain<'_, T, N> {
    type Item = T;

    #[inline]
    fn next(&mut self) -> Option<T> {
        if self.next == self.end {
            return None;
        }
        // SAFETY: `next < end`: initialized, yielded once, then skipped.
        let value = unsafe { self.vec.as_ptr().add(self.next).read() };
        self.next += 1;
        Some(value)
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.next;
        (n, Some(n))
    }
}

impl<T, const N: usize> DoubleEndedIterator for Drain<'_, T, N> {
    #[inline]
    fn next_back(&mut self) -> Option<T> {
        if self.next == self.end {
            return None;
        }
        self.end -= 1;
        // SAFETY: the old `end - 1` is initialized and yielded once.
        Some(unsafe { self.vec.as_ptr().add(self.end).read() })
    }
}

impl<T, const N: usize> ExactSizeIterator for Drain<'_, T, N> {}
impl<T, const N: usize> FusedIterator for Drain<'_, T, N> {}

impl<T, const N: usize> Drop for Drain<'_, T, N> {
    fn drop(&mut self) {
        /// Closes the gap even if dropping a remaining element panics.
        struct CloseGap<'r, 'a, T, const N: usize>(&'r mut Drain<'a, T, N>);

        impl<T, const N: usize> Drop for CloseGap<'_, '_, T, N> {
            fn drop(&mut self) {
                let drain = &mut *self.0;
                let start = drain.vec.len;
                if drain.tail_len > 0 && drain.tail_start != start {
                    // SAFETY: `[tail_start, tail_start + tail_len)` are
                    // initialized and move down into the freed gap.
                    unsafe {
                        let base = drain.vec.as_mut_ptr();
                        ptr::copy(base.add(drain.tail_start), base.add(start), drain.tail_len);
                    }
                }
                drain.vec.len = start + drain.tail_len;
                drain.vec.shrink_if_sparse();
            }
        }

        let remaining = ptr::slice_from_raw_parts_mut(
            // SAFETY: `next <= end <= len before the drain`: in bounds.
            unsafe { self.vec.as_mut_ptr().add(self.next) },
            self.end - self.next,
        );
        self.next = self.end;
        let _guard = CloseGap(self);
        // SAFETY: the elements not yielded are initialized and owned here;
        // `next = end` above means none is dropped again.
        unsafe { ptr::drop_in_place(remaining) };
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for Drain<'_, T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Drain").field(&self.as_slice()).finish()
    }
}
