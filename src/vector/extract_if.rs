//! `extract_if`: an iterator that removes, and yields, the elements of a
//! range that a closure picks, keeping the order of the rest (as
//! `Vec::extract_if`, stable since Rust 1.87).

use super::MappedVector;
use std::fmt;
use std::ops::RangeBounds;
use std::ptr;
use std::slice;

impl<T, const N: usize> MappedVector<T, N> {
    /// Removes the elements of `range` for which `filter` returns true and
    /// yields them, as `Vec::extract_if`: `filter` sees each element of the
    /// range once, in order, and may change it. The rest keep their order.
    ///
    /// Elements are removed only as the iterator is driven: dropping it
    /// early keeps every element not yet visited. When it is dropped the
    /// vector gives memory back if it has become sparse.
    ///
    /// # Panics
    ///
    /// If the range's start is after its end, or its end is after `len`.
    /// If `filter` panics, the element it was called on and all after it
    /// are kept, and nothing is dropped twice.
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let mut v: MappedVector<u32> = (1..=8).collect();
    /// let evens: Vec<u32> = v.extract_if(.., |x| *x % 2 == 0).collect();
    /// assert_eq!(evens, [2, 4, 6, 8]);
    /// assert_eq!(v[..], [1, 3, 5, 7]);
    /// ```
    pub fn extract_if<F, R>(&mut self, range: R, filter: F) -> ExtractIf<'_, T, F, N>
    where
        F: FnMut(&mut T) -> bool,
        R: RangeBounds<usize>,
    {
        let old_len = self.len;
        let (start, end) = super::resize::checked_range(range, old_len, "extract_if");
        // Until the iterator is dropped the vector counts nothing: a leaked
        // iterator leaks elements but never drops one twice.
        self.len = 0;
        ExtractIf {
            vec: self,
            idx: start,
            end,
            del: 0,
            old_len,
            filter,
        }
    }
}

/// The iterator [`MappedVector::extract_if`] returns.
pub struct ExtractIf<'a, T, F, const N: usize> {
    vec: &'a mut MappedVector<T, N>,
    /// The next element to show `filter`.
    idx: usize,
    /// One past the last element of the range.
    end: usize,
    /// Elements removed so far: the kept ones are `[0, idx - del)`.
    del: usize,
    /// The vector's length before.
    old_len: usize,
    filter: F,
}

impl<T, F: FnMut(&mut T) -> bool, const N: usize> Iterator for ExtractIf<'_, T, F, N> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        while self.idx < self.end {
            let i = self.idx;
            let base = self.vec.as_mut_ptr();
            // SAFETY: `i < end <= old_len`: an initialized element, not yet
            // visited, borrowed by nothing else (the vector counts none).
            let picked = (self.filter)(unsafe { &mut *base.add(i) });
            // Counted as visited only now: if `filter` panicked, the element
            // stays, moved down by `drop`.
            self.idx += 1;
            if picked {
                self.del += 1;
                // SAFETY: the element at `i` is initialized and leaves the
                // vector here: it is read once and skipped from now on.
                return Some(unsafe { base.add(i).read() });
            }
            if self.del > 0 {
                // SAFETY: `i - del < i`: that slot is part of the gap of
                // removed elements; move the kept one down into it.
                unsafe { ptr::copy_nonoverlapping(base.add(i), base.add(i - self.del), 1) };
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, Some(self.end - self.idx))
    }
}

impl<T, F, const N: usize> Drop for ExtractIf<'_, T, F, N> {
    fn drop(&mut self) {
        if self.idx < self.old_len && self.del > 0 {
            // SAFETY: `[idx, old_len)` are initialized and not visited (or
            // past the range); move them down over the gap of `del` removed.
            unsafe {
                let src = self.vec.as_mut_ptr().add(self.idx);
                ptr::copy(src, src.sub(self.del), self.old_len - self.idx);
            }
        }
        self.vec.len = self.old_len - self.del;
        self.vec.shrink_if_sparse();
    }
}

impl<T: fmt::Debug, F, const N: usize> fmt::Debug for ExtractIf<'_, T, F, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let base = self.vec.as_ptr();
        // SAFETY: `[0, idx - del)` are the kept elements, `[idx, old_len)`
        // the ones not yet visited (or past the range): all initialized.
        let (retained, rest) = unsafe {
            (
                slice::from_raw_parts(base, self.idx - self.del),
                slice::from_raw_parts(base.add(self.idx), self.old_len - self.idx),
            )
        };
        let (remainder, skipped_tail) = rest.split_at(self.end - self.idx);
        f.debug_struct("ExtractIf")
            .field("retained", &retained)
            .field("remainder", &remainder)
            .field("skipped_tail", &skipped_tail)
            .finish_non_exhaustive()
    }
}
