//! `splice`: replace a range of a vector with the items of an iterator,
//! as `Vec::splice` does, on a [`Drain`] of the range.

use super::{Drain, MappedVector};
use crate::error::refused;
use crate::error::Error;
use crate::os::MAPPER;
use std::fmt;
use std::ops::RangeBounds;
use std::ptr;

impl<T, const N: usize> MappedVector<T, N> {
    /// Replaces the elements in `range` with the items of `replace_with`,
    /// and returns the removed ones as an iterator, as `Vec::splice`: the
    /// replacement happens when the returned [`Splice`] is dropped, whether
    /// its removed elements were all taken or not.
    ///
    /// # Panics
    ///
    /// If the range's start is after its end, or its end is after `len`
    /// (as `Vec::splice`); and, when the `Splice` is dropped, if memory for
    /// the replacement items cannot be had, as [`Extend`] does (`Vec`
    /// aborts on OOM). [`try_splice`](Self::try_splice) returns the error
    /// instead.
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let mut v: MappedVector<i32> = MappedVector::new(MAPPER);
    /// v.extend_from_slice(&[1, 2, 3, 4])?;
    /// let removed: Vec<i32> = v.splice(1..3, [7, 8, 9]).collect();
    /// assert_eq!(removed, [2, 3]);
    /// assert_eq!(v[..], [1, 7, 8, 9, 4]);
    /// # Ok::<(), mapped::Error>(())
    /// ```
    #[track_caller]
    pub fn splice<R, I>(&mut self, range: R, replace_with: I) -> Splice<'_, I::IntoIter, N>
    where
        R: RangeBounds<usize>,
        I: IntoIterator<Item = T>,
    {
        let (start, end) = super::resize::checked_range(range, self.len, "splice");
        Splice {
            drain: Drain::new(self, start, end),
            replace_with: replace_with.into_iter(),
        }
    }

    /// [`splice`](Self::splice) that returns an error instead of panicking
    /// when memory cannot be had: the replacement is taken first (into a
    /// vector on [`MAPPER`]) and room made for it, so the returned
    /// [`Splice`] needs no memory when it is dropped.
    ///
    /// # Errors
    ///
    /// When memory for the replacement cannot be had: the vector is
    /// unchanged, and the items taken from `replace_with` are dropped.
    ///
    /// # Panics
    ///
    /// If the range's start is after its end, or its end is after `len`.
    ///
    /// ```
    /// use mapped::{MappedVector, MAPPER};
    ///
    /// let mut v: MappedVector<u8> = MappedVector::new(MAPPER);
    /// v.extend_from_slice(b"hello world")?;
    /// let removed: Vec<u8> = v.try_splice(6.., *b"there")?.collect();
    /// assert_eq!(removed, b"world");
    /// assert_eq!(&v[..], b"hello there");
    /// # Ok::<(), mapped::Error>(())
    /// ```
    #[track_caller]
    pub fn try_splice<R, I>(
        &mut self,
        range: R,
        replace_with: I,
    ) -> Result<Splice<'_, super::IntoIter<T>, N>, Error>
    where
        R: RangeBounds<usize>,
        I: IntoIterator<Item = T>,
    {
        let (start, end) = super::resize::checked_range(range, self.len, "splice");
        let mut items: MappedVector<T> = MappedVector::new(MAPPER);
        items.try_extend(replace_with)?;
        // Room for the whole result: the splice then fills the gap, moves
        // the tail once by the exact count left, and never grows.
        self.reserve(items.len().saturating_sub(end - start))?;
        Ok(self.splice(start..end, items))
    }
}

/// The iterator [`MappedVector::splice`] returns: the removed elements, by
/// value; dropping it puts the replacement in.
pub struct Splice<'a, I: Iterator, const N: usize> {
    drain: Drain<'a, I::Item, N>,
    replace_with: I,
}

impl<I: Iterator, const N: usize> Iterator for Splice<'_, I, N> {
    type Item = I::Item;

    #[inline]
    fn next(&mut self) -> Option<I::Item> {
        self.drain.next()
    }

    #[inline]
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.drain.size_hint()
    }
}

impl<I: Iterator, const N: usize> DoubleEndedIterator for Splice<'_, I, N> {
    #[inline]
    fn next_back(&mut self) -> Option<I::Item> {
        self.drain.next_back()
    }
}

impl<I: Iterator, const N: usize> ExactSizeIterator for Splice<'_, I, N> {}

impl<I: Iterator, const N: usize> Drop for Splice<'_, I, N> {
    fn drop(&mut self) {
        // The removed elements not taken are dropped first, as in std.
        self.drain.by_ref().for_each(drop);
        // Nothing after the range: the replacement is an append.
        if self.drain.tail_len == 0 {
            let extended = self.drain.vec_mut().try_extend(self.replace_with.by_ref());
            if let Err(e) = extended {
                refused(
                    "MappedVector::splice",
                    Some("MappedVector::try_splice"),
                    e.error(),
                );
            }
            return;
        }
        // Fill the gap the range left; then, while items remain, move the
        // tail up by the iterator's lower bound and fill again; then collect
        // the rest to learn how many there are, move the tail once more, and
        // fill. The drain's drop closes whatever gap is left.
        if !self.fill() {
            return;
        }
        let (lower, _) = self.replace_with.size_hint();
        if lower > 0 {
            self.move_tail_or_panic(lower);
            if !self.fill() {
                return;
            }
        }
        let mut rest: MappedVector<I::Item> = MappedVector::new(MAPPER);
        if let Err(e) = rest.try_extend(self.replace_with.by_ref()) {
            refused(
                "MappedVector::splice",
                Some("MappedVector::try_splice"),
                e.error(),
            );
        }
        if !rest.is_empty() {
            self.move_tail_or_panic(rest.len());
            let mut rest = rest.into_iter();
            let filled = self.fill_from(&mut rest);
            debug_assert!(filled && rest.len() == 0);
        }
    }
}

impl<I: Iterator, const N: usize> Splice<'_, I, N> {
    /// Fills the gap between the vector's elements and the tail from the
    /// replacement; whether the gap was filled (so items may remain).
    fn fill(&mut self) -> bool {
        let Splice {
            drain,
            replace_with,
        } = self;
        fill(drain, replace_with)
    }

    /// [`fill`](Self::fill) from another iterator.
    fn fill_from(&mut self, items: &mut impl Iterator<Item = I::Item>) -> bool {
        fill(&mut self.drain, items)
    }

    /// Moves the tail up by `additional` slots, growing first.
    ///
    /// # Panics
    ///
    /// When the memory cannot be had, as `Extend` does.
    fn move_tail_or_panic(&mut self, additional: usize) {
        if let Err(e) = move_tail(&mut self.drain, additional) {
            refused("MappedVector::splice", Some("MappedVector::try_splice"), &e);
        }
    }
}

/// Writes items of `items` into the gap `[vec.len, tail_start)`; whether it
/// is full now.
fn fill<T, const N: usize>(
    drain: &mut Drain<'_, T, N>,
    items: &mut impl Iterator<Item = T>,
) -> bool {
    let tail_start = drain.tail_start;
    let vec = drain.vec_mut();
    while vec.len < tail_start {
        let Some(item) = items.next() else {
            return false;
        };
        // SAFETY: `len < tail_start`: the slot is in the gap the drained
        // range left, inside the storage and holding no element; counting
        // it right after keeps a panic in `next` from losing it.
        unsafe { vec.as_mut_ptr().add(vec.len).write(item) };
        vec.len += 1;
    }
    true
}

/// Moves the tail up by `additional` slots, growing the storage first
/// (everything up to the tail's end is kept).
fn move_tail<T, const N: usize>(
    drain: &mut Drain<'_, T, N>,
    additional: usize,
) -> Result<(), Error> {
    let (tail_start, tail_len) = (drain.tail_start, drain.tail_len);
    let used = tail_start + tail_len;
    drain.vec_mut().reserve_after(used, additional)?;
    let new_start = tail_start + additional;
    // SAFETY: reserved above: `used + additional` slots fit; the tail's
    // `tail_len` initialized elements move up into slots past it.
    unsafe {
        let base = drain.vec_mut().as_mut_ptr();
        ptr::copy(base.add(tail_start), base.add(new_start), tail_len);
    }
    drain.tail_start = new_start;
    Ok(())
}

impl<I: Iterator, const N: usize> fmt::Debug for Splice<'_, I, N>
where
    I: fmt::Debug,
    I::Item: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Splice").field(&self.drain).finish()
    }
}
