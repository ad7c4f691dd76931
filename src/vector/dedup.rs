//! `dedup`, `dedup_by_key` and `dedup_by`: `Vec`'s, panic-safe the same
//! way, and giving memory back as `truncate` does.

use super::MappedVector;
use std::ptr;

impl<T, const N: usize> MappedVector<T, N> {
    /// Removes consecutive repeated elements, keeping the first of each run
    /// (as `Vec::dedup`), then gives memory back if the vector has become
    /// sparse.
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let mut v: MappedVector<u8> = MappedVector::new(MAPPER);
    /// v.extend_from_slice(&[1, 2, 2, 3, 2])?;
    /// v.dedup();
    /// assert_eq!(v[..], [1, 2, 3, 2]);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    pub fn dedup(&mut self)
    where
        T: PartialEq,
    {
        self.dedup_by(|a, b| a == b);
    }

    /// Removes consecutive elements that map to the same key, keeping the
    /// first of each run.
    pub fn dedup_by_key<K: PartialEq, F: FnMut(&mut T) -> K>(&mut self, mut key: F) {
        self.dedup_by(|a, b| key(a) == key(b));
    }

    /// Removes consecutive elements for which `same(element, previous kept)`
    /// is true, keeping the first of each run.
    ///
    /// If `same` or a drop panics, every element not yet removed is kept
    /// and nothing is dropped twice.
    pub fn dedup_by<F: FnMut(&mut T, &mut T) -> bool>(&mut self, mut same: F) {
        let len = self.len;
        if len <= 1 {
            return;
        }
        // Until the gap closes the vector counts no elements: a panic leaves
        // the guard to close it.
        self.len = 0;
        let mut gap = Gap {
            vec: self,
            read: 1,
            write: 1,
            len,
        };
        while gap.read < len {
            let base = gap.vec.as_mut_ptr();
            // SAFETY: `write <= read < len`: the element at `read` is
            // initialized and unvisited, the one at `write - 1` is the last
            // kept; they are distinct slots.
            unsafe {
                let current = base.add(gap.read);
                if same(&mut *current, &mut *base.add(gap.write - 1)) {
                    // Counted as visited before the drop: a panicking drop
                    // is not repeated by the guard.
                    gap.read += 1;
                    ptr::drop_in_place(current);
                } else {
                    ptr::copy(current, base.add(gap.write), 1);
                    gap.write += 1;
                    gap.read += 1;
                }
            }
        }
    }
}

/// The hole `dedup_by` leaves between the kept elements `[0, write)` and
/// the unvisited `[read, len)`; closed however the loop ends.
struct Gap<'a, T, const N: usize> {
    vec: &'a mut MappedVector<T, N>,
    read: usize,
    write: usize,
    len: usize,
}

impl<T, const N: usize> Drop for Gap<'_, T, N> {
    fn drop(&mut self) {
        let unvisited = self.len - self.read;
        // SAFETY: `[read, len)` are initialized, unvisited elements; move
        // them down to close the hole after the `write` kept ones.
        unsafe {
            let base = self.vec.as_mut_ptr();
            ptr::copy(base.add(self.read), base.add(self.write), unvisited);
        }
        self.vec.len = self.write + unvisited;
        self.vec.shrink_if_sparse();
    }
}
