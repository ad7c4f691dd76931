//! [`Subject`]: what the harness needs of the container under test and of
//! its std model, so that building, refusals and the memory checks are
//! written once for the vector and the queue.

use super::{Harness, Removal};
use crate::{Elem, Step};
use mapped::{Builder, Error, MappedQueue, MappedVector, MapperRef, PushError, Storage};
use std::collections::BinaryHeap;

/// A container the harness drives (`MappedVector` or `MappedQueue`), and
/// the std container that models it (`Vec` or `BinaryHeap`).
pub trait Subject<T: Elem>: Sized {
    /// The std container it is compared with.
    type Model: Default;

    /// Its name in failure messages.
    const NAME: &'static str;
    /// Its `N`: the pages it keeps committed however empty it gets.
    const PAGES: usize;

    fn builder(mapper: MapperRef) -> Builder<Self>;
    fn build(builder: Builder<Self>) -> Result<Self, Error>;

    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn capacity(&self) -> usize;
    fn max_capacity(&self) -> Option<usize>;
    fn committed_bytes(&self) -> usize;
    fn reserved_bytes(&self) -> usize;
    fn heap_bytes(&self) -> usize;
    fn storage(&self) -> Storage;
    /// The elements in storage order.
    fn as_slice(&self) -> &[T];
    fn push(&mut self, x: T) -> Result<(), PushError<T>>;
    fn pop(&mut self) -> Option<T>;
    fn clear(&mut self);
    fn retain(&mut self, keep: impl FnMut(&T) -> bool);
    fn try_extend(&mut self, iter: &mut std::vec::IntoIter<T>) -> Result<(), PushError<T>>;
    fn extend(&mut self, iter: impl Iterator<Item = T>);
    fn reserve(&mut self, additional: usize) -> Result<(), Error>;
    fn reserve_exact(&mut self, additional: usize) -> Result<(), Error>;
    fn shrink_to(&mut self, min: usize) -> Result<(), Error>;
    fn shrink_to_fit(&mut self) -> Result<(), Error>;
    fn try_clone(&self) -> Result<Self, Error>;
    fn clone(&self) -> Self;

    /// What `append` takes from: a container of the same kind, `N = 2`.
    type Source: Subject<T>;
    fn append(&mut self, other: &mut Self::Source) -> Result<(), Error>;

    fn model_len(model: &Self::Model) -> usize;
    fn model_push(model: &mut Self::Model, x: T);
    fn model_pop(model: &mut Self::Model) -> Option<T>;
    fn model_clear(model: &mut Self::Model);
    fn model_retain(model: &mut Self::Model, keep: impl FnMut(&T) -> bool);
    fn model_extend(model: &mut Self::Model, items: impl Iterator<Item = T>);

    /// Where the container and the model disagree, if they do.
    fn differs(&self, model: &Self::Model) -> Option<String>;

    /// Applies the step's operation to the container and the model;
    /// returns whether it removed elements (and so must have applied the
    /// shrink policy), and how often it checked.
    fn apply(h: &mut Harness<T, Self>, step: &Step) -> Removal;
}

/// The methods both containers have under the same names, forwarded, and
/// the same for their models.
macro_rules! forward {
    ($model:ty) => {
        fn builder(mapper: MapperRef) -> Builder<Self> {
            Self::builder(mapper)
        }
        fn build(builder: Builder<Self>) -> Result<Self, Error> {
            builder.build()
        }
        fn len(&self) -> usize {
            self.len()
        }
        fn capacity(&self) -> usize {
            self.capacity()
        }
        fn max_capacity(&self) -> Option<usize> {
            self.max_capacity()
        }
        fn committed_bytes(&self) -> usize {
            self.committed_bytes()
        }
        fn reserved_bytes(&self) -> usize {
            self.reserved_bytes()
        }
        fn heap_bytes(&self) -> usize {
            self.heap_bytes()
        }
        fn storage(&self) -> Storage {
            self.storage()
        }
        fn as_slice(&self) -> &[T] {
            self.as_slice()
        }
        fn push(&mut self, x: T) -> Result<(), PushError<T>> {
            self.push(x)
        }
        fn pop(&mut self) -> Option<T> {
            self.pop()
        }
        fn clear(&mut self) {
            self.clear();
        }
        fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
            self.retain(keep);
        }
        fn try_extend(&mut self, iter: &mut std::vec::IntoIter<T>) -> Result<(), PushError<T>> {
            self.try_extend(iter)
        }
        fn extend(&mut self, iter: impl Iterator<Item = T>) {
            Extend::extend(self, iter);
        }
        fn reserve(&mut self, additional: usize) -> Result<(), Error> {
            self.reserve(additional)
        }
        fn reserve_exact(&mut self, additional: usize) -> Result<(), Error> {
            self.reserve_exact(additional)
        }
        fn shrink_to(&mut self, min: usize) -> Result<(), Error> {
            self.shrink_to(min)
        }
        fn shrink_to_fit(&mut self) -> Result<(), Error> {
            self.shrink_to_fit()
        }
        fn try_clone(&self) -> Result<Self, Error> {
            self.try_clone()
        }
        fn clone(&self) -> Self {
            Clone::clone(self)
        }
        fn append(&mut self, other: &mut Self::Source) -> Result<(), Error> {
            self.append(other)
        }
        fn apply(h: &mut Harness<T, Self>, step: &Step) -> Removal {
            h.apply(step)
        }

        fn model_len(model: &$model) -> usize {
            model.len()
        }
        fn model_push(model: &mut $model, x: T) {
            model.push(x);
        }
        fn model_pop(model: &mut $model) -> Option<T> {
            model.pop()
        }
        fn model_clear(model: &mut $model) {
            model.clear();
        }
        fn model_retain(model: &mut $model, keep: impl FnMut(&T) -> bool) {
            model.retain(keep);
        }
        fn model_extend(model: &mut $model, items: impl Iterator<Item = T>) {
            model.extend(items);
        }
    };
}

impl<T: Elem, const N: usize> Subject<T> for MappedVector<T, N> {
    type Model = Vec<T>;
    type Source = MappedVector<T, 2>;
    const NAME: &'static str = "MappedVector";
    const PAGES: usize = N;

    forward!(Vec<T>);

    /// Element by element, in order.
    fn differs(&self, model: &Vec<T>) -> Option<String> {
        let i = (0..self.len().min(model.len())).find(|&i| self[i] != model[i])?;
        Some(format!(
            "element {i} is {:?}, model {:?}",
            self[i], model[i]
        ))
    }
}

impl<T: Elem, const N: usize> Subject<T> for MappedQueue<T, N> {
    type Model = BinaryHeap<T>;
    type Source = MappedQueue<T, 2>;
    const NAME: &'static str = "MappedQueue";
    const PAGES: usize = N;

    forward!(BinaryHeap<T>);

    /// The heap property in storage order (each element at most its
    /// parent), the same maximum, and the same elements: as multisets when
    /// short, else by a fingerprint of their keys that ignores order (an
    /// exact comparison every step would sort, which is most of a run's
    /// time). The layout itself may differ from std's: only the order of
    /// pops is promised.
    fn differs(&self, model: &BinaryHeap<T>) -> Option<String> {
        let s = self.as_slice();
        if let Some(i) = (1..s.len()).find(|&i| s[i] > s[(i - 1) / 2]) {
            return Some(format!(
                "not a heap: element {i} ({:?}) is above its parent ({:?})",
                s[i],
                s[(i - 1) / 2]
            ));
        }
        if self.peek() != model.peek() {
            return Some(format!(
                "peek is {:?}, model {:?}",
                self.peek(),
                model.peek()
            ));
        }
        let same = if s.len() <= 1024 {
            let mut got: Vec<&T> = s.iter().collect();
            let mut want: Vec<&T> = model.iter().collect();
            got.sort();
            want.sort();
            got == want
        } else {
            fingerprint(s.iter()) == fingerprint(model.iter())
        };
        (!same).then(|| "the queue holds other elements than the model".to_string())
    }
}

/// A fingerprint of the keys of `items` that does not depend on their
/// order: the wrapping sum and the xor of a mix of each key.
fn fingerprint<'a, T: Elem>(items: impl Iterator<Item = &'a T>) -> (u64, u64) {
    items.fold((0, 0), |(sum, xor), x| {
        let h = crate::mix(x.key(), 0xF1);
        (sum.wrapping_add(h), xor ^ h)
    })
}
