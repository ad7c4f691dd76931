//! The `Vec` methods that remove elements in place, keeping the order of
//! the rest: `retain`, `retain_mut` and `dedup*`. Both walk the elements
//! once, moving each kept one down over a gap of removed ones; the gap
//! closes however the walk ends (a panicking closure or drop included,
//! as in std), and the vector then gives memory back as `truncate` does.

use super::MappedVector;
use std::ptr;

impl<T, const N: usize> MappedVector<T, N> {
    /// Keeps only the elements for which `keep` returns true, in order.
    pub fn retain<F: FnMut(&T) -> bool>(&mut self, mut keep: F) {
        self.retain_mut(|x| keep(x));
    }

    /// Keeps only the elements for which `keep` returns true, in order,
    /// letting `keep` modify them.
    ///
    /// If `keep` or a drop panics, the elements not yet visited are kept and
    /// nothing is dropped twice.
    pub fn retain_mut<F: FnMut(&mut T) -> bool>(&mut self, mut keep: F) {
        let mut gap = Gap::open(self, 0);
        while gap.read < gap.len {
            // SAFETY: `read < len`: this element is initialized and not yet
            // visited; nothing else borrows it.
            let current = unsafe { &mut *gap.vec.as_mut_ptr().add(gap.read) };
            if keep(current) {
                gap.keep_current();
            } else {
                gap.remove_current();
            }
        }
    }

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
        if self.len <= 1 {
            return;
        }
        // The first element is always kept.
        let mut gap = Gap::open(self, 1);
        while gap.read < gap.len {
            let base = gap.vec.as_mut_ptr();
            // SAFETY: `write <= read < len`: the element at `read` is
            // initialized and unvisited, the one at `write - 1` the last
            // kept; distinct slots, so the two borrows do not alias.
            let duplicate =
                unsafe { same(&mut *base.add(gap.read), &mut *base.add(gap.write - 1)) };
            if duplicate {
                gap.remove_current();
            } else {
                gap.keep_current();
            }
        }
    }
}

/// A walk over a vector's elements that removes some in place: the kept
/// ones are `[0, write)`, the unvisited `[read, len)`, and between them a
/// gap of removed ones. Until the walk ends the vector counts no elements,
/// so a panic leaves the gap for `drop` to close.
struct Gap<'a, T, const N: usize> {
    vec: &'a mut MappedVector<T, N>,
    read: usize,
    write: usize,
    len: usize,
}

impl<'a, T, const N: usize> Gap<'a, T, N> {
    /// Starts a walk over `vec` whose first `kept` elements stay as they are.
    fn open(vec: &'a mut MappedVector<T, N>, kept: usize) -> Self {
        let len = vec.len;
        debug_assert!(kept <= len);
        vec.len = 0;
        Gap {
            vec,
            read: kept,
            write: kept,
            len,
        }
    }

    /// Keeps the element at `read`: moves it down to `write` if a gap has
    /// opened.
    fn keep_current(&mut self) {
        if self.read != self.write {
            // SAFETY: `write < read < len`: the slot at `write` is part of
            // the gap (its element is gone), the one at `read` initialized.
            unsafe {
                let base = self.vec.as_mut_ptr();
                ptr::copy_nonoverlapping(base.add(self.read), base.add(self.write), 1);
            }
        }
        self.read += 1;
        self.write += 1;
    }

    /// Drops the element at `read`, widening the gap.
    fn remove_current(&mut self) {
        let current = self.read;
        // Counted as visited before the drop: a panicking drop is not
        // repeated when the gap closes.
        self.read += 1;
        // SAFETY: `current < len`: initialized, unvisited, dropped once.
        unsafe { ptr::drop_in_place(self.vec.as_mut_ptr().add(current)) };
    }
}

impl<T, const N: usize> Drop for Gap<'_, T, N> {
    fn drop(&mut self) {
        let unvisited = self.len - self.read;
        if self.read != self.write {
            // SAFETY: `[read, len)` are initialized, unvisited elements;
            // move them down to close the gap after the `write` kept ones.
            unsafe {
                let base = self.vec.as_mut_ptr();
                ptr::copy(base.add(self.read), base.add(self.write), unvisited);
            }
        }
        self.vec.len = self.write + unvisited;
        self.vec.shrink_if_sparse();
    }
}
