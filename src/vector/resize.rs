//! The `Vec` methods that fill or split a vector: `resize`, `resize_with`,
//! `extend_from_within`, `split_off` and `spare_capacity_mut`, with `Vec`'s
//! semantics, except that needing memory that cannot be had is an
//! [`Error`] and leaves the vector unchanged.

use super::MappedVector;
use crate::error::Error;
use std::mem::MaybeUninit;
use std::ops::{Bound, RangeBounds};
use std::ptr;
use std::slice;

impl<T, const N: usize> MappedVector<T, N> {
    /// Resizes the vector in place to `new_len` elements: longer, by
    /// appending clones of `value`; shorter, by truncating (which gives
    /// memory back as [`truncate`](Self::truncate) does).
    ///
    /// # Errors
    ///
    /// When the memory for the new elements cannot be had, the vector is
    /// unchanged. (If a `clone` panics, the clones made so far stay.)
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let mut v: MappedVector<&str> = MappedVector::new(MAPPER);
    /// v.resize(3, "hello")?;
    /// assert_eq!(v[..], ["hello", "hello", "hello"]);
    /// v.resize(1, "world")?;
    /// assert_eq!(v[..], ["hello"]);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    #[track_caller]
    pub fn resize(&mut self, new_len: usize, value: T) -> Result<(), Error>
    where
        T: Clone,
    {
        if new_len <= self.len {
            self.truncate(new_len);
            return Ok(());
        }
        let additional = new_len - self.len;
        self.reserve_for_write(additional)?;
        // Clone for all but the last slot, which takes `value` itself.
        self.fill_reserved(additional - 1, || value.clone());
        // SAFETY: reserved: the last new slot holds no element.
        unsafe { self.as_mut_ptr().add(self.len).write(value) };
        self.len += 1;
        Ok(())
    }

    /// Resizes the vector in place to `new_len` elements: longer, by
    /// appending what `f` returns; shorter, by truncating.
    ///
    /// # Errors
    ///
    /// When the memory for the new elements cannot be had, the vector is
    /// unchanged and `f` is not called. (If `f` panics, the elements made so
    /// far stay.)
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let mut v: MappedVector<u32> = MappedVector::new(MAPPER);
    /// let mut n = 0;
    /// v.resize_with(4, || { n += 1; n })?;
    /// assert_eq!(v[..], [1, 2, 3, 4]);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    #[track_caller]
    pub fn resize_with<F: FnMut() -> T>(&mut self, new_len: usize, f: F) -> Result<(), Error> {
        if new_len <= self.len {
            self.truncate(new_len);
            return Ok(());
        }
        let additional = new_len - self.len;
        self.reserve_for_write(additional)?;
        self.fill_reserved(additional, f);
        Ok(())
    }

    /// Appends clones of the elements in `src`, a range of this vector.
    ///
    /// # Errors
    ///
    /// When the memory for the clones cannot be had, the vector is
    /// unchanged. (If a `clone` panics, the clones made so far stay.)
    ///
    /// # Panics
    ///
    /// If the range's start is after its end, or its end is after `len`,
    /// as `Vec::extend_from_within`.
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let mut v: MappedVector<char> = MappedVector::new(MAPPER);
    /// v.extend_from_slice(&['a', 'b', 'c'])?;
    /// v.extend_from_within(1..)?;
    /// assert_eq!(v[..], ['a', 'b', 'c', 'b', 'c']);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    #[track_caller]
    pub fn extend_from_within<R: RangeBounds<usize>>(&mut self, src: R) -> Result<(), Error>
    where
        T: Clone,
    {
        let (start, end) = checked_range(src, self.len, "extend_from_within");
        self.reserve_for_write(end - start)?;
        let base = self.as_ptr();
        // SAFETY: `[start, end)` lie below the length on entry: initialized
        // elements, which the writes (past that length, in reserved slots,
        // with no reallocation) never touch; room for all is reserved.
        unsafe {
            let source = (start..end).map(|i| (*base.add(i)).clone());
            self.write_reserved(source);
        }
        Ok(())
    }

    /// Writes `count` values from `make` into the reserved slots after the
    /// elements (see [`write_reserved`](Self::write_reserved)).
    ///
    /// The caller has reserved room for `count` more elements.
    fn fill_reserved(&mut self, count: usize, make: impl FnMut() -> T) {
        debug_assert!(self.capacity() - self.len >= count);
        // SAFETY: the caller reserved room for `count`.
        unsafe { self.write_reserved(std::iter::repeat_with(make).take(count)) };
    }

    /// Writes every item of `items` into the slots after the elements,
    /// counting each as written, so that a panic in the iterator (a
    /// `clone`, say) keeps exactly the elements written. The length lives
    /// in a local until the end (`Vec`'s `SetLenOnDrop`), so a loop of
    /// `Copy` values compiles to a copy, not a load and store of `len` per
    /// element.
    ///
    /// # Safety
    ///
    /// Room is reserved for every item the iterator yields.
    pub(super) unsafe fn write_reserved(&mut self, items: impl Iterator<Item = T>) {
        let base = self.as_mut_ptr();
        let mut len = SetLenOnDrop {
            local: self.len,
            len: &mut self.len,
        };
        for item in items {
            // SAFETY: the caller reserved the slot at `local`; it holds no
            // element.
            unsafe { base.add(len.local).write(item) };
            len.local += 1;
        }
    }

    /// Splits the vector in two at `at`: `self` keeps `[0, at)`, and a new
    /// vector on the same mapper, with the same options, gets `[at, len)`.
    /// `self` gives memory back as [`truncate`](Self::truncate) does.
    ///
    /// # Errors
    ///
    /// When the new vector's memory cannot be had, `self` is unchanged.
    ///
    /// # Panics
    ///
    /// If `at > len`, as `Vec::split_off`.
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let mut v: MappedVector<u8> = MappedVector::new(MAPPER);
    /// v.extend_from_slice(&[1, 2, 3, 4])?;
    /// let tail = v.split_off(1)?;
    /// assert_eq!((&v[..], &tail[..]), (&[1][..], &[2, 3, 4][..]));
    /// # Ok::<(), mapped::Error>(())
    /// ```
    #[track_caller]
    pub fn split_off(&mut self, at: usize) -> Result<Self, Error> {
        let len = self.len;
        assert!(
            at <= len,
            "`at` split index (is {at}) should be <= len (is {len})"
        );
        let count = len - at;
        let mut other = self.empty_like()?;
        other.reserve_exact(count)?;
        // SAFETY: `[at, len)` are initialized; `other` has room for `count`
        // and shares no memory with `self`. Lowering `self.len` then hands
        // them over without a drop.
        unsafe {
            ptr::copy_nonoverlapping(self.as_ptr().add(at), other.as_mut_ptr(), count);
            other.len = count;
        }
        self.len = at;
        self.shrink_if_sparse();
        Ok(other)
    }

    /// The vector's spare capacity: the slots after the elements that it
    /// holds without allocating or calling the OS, to be written and then
    /// claimed with [`set_len`](Self::set_len).
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let mut v: MappedVector<u32> = MappedVector::new(MAPPER);
    /// v.reserve(3)?;
    /// let spare = v.spare_capacity_mut();
    /// spare[0].write(7);
    /// spare[1].write(8);
    /// // SAFETY: the first two spare slots were just initialized.
    /// unsafe { v.set_len(2) };
    /// assert_eq!(v[..], [7, 8]);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    pub fn spare_capacity_mut(&mut self) -> &mut [MaybeUninit<T>] {
        let spare = self.capacity() - self.len;
        // SAFETY: the slots `[len, capacity)` are committed (or on the
        // heap), hold no element, and are borrowed uniquely through
        // `&mut self`; `MaybeUninit` asks nothing of their contents.
        unsafe {
            slice::from_raw_parts_mut(
                self.as_mut_ptr().add(self.len).cast::<MaybeUninit<T>>(),
                spare,
            )
        }
    }
}

/// Stores a length kept in a local back into the vector when dropped,
/// panic or not.
struct SetLenOnDrop<'a> {
    len: &'a mut usize,
    local: usize,
}

impl Drop for SetLenOnDrop<'_> {
    #[inline]
    fn drop(&mut self) {
        *self.len = self.local;
    }
}

/// `range` as `[start, end)` within `len`, panicking as `Vec`'s methods do.
pub(super) fn checked_range<R: RangeBounds<usize>>(
    range: R,
    len: usize,
    what: &str,
) -> (usize, usize) {
    let start = match range.start_bound() {
        Bound::Included(&s) => s,
        Bound::Excluded(&s) => s.checked_add(1).expect("range start overflows usize"),
        Bound::Unbounded => 0,
    };
    let end = match range.end_bound() {
        Bound::Included(&e) => e.checked_add(1).expect("range end overflows usize"),
        Bound::Excluded(&e) => e,
        Bound::Unbounded => len,
    };
    assert!(
        start <= end,
        "{what} range start (is {start}) should be <= end (is {end})"
    );
    assert!(
        end <= len,
        "{what} range end (is {end}) should be <= len (is {len})"
    );
    (start, end)
}
