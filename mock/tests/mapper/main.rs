//! Tests of `FaultyMapper` driven directly through the `Mapper` trait: one
//! module per fault or audit rule.

mod audit;
mod deny;
mod poison;
mod remap;
mod seed;
mod trap;

use mapped::Mapper;
use mapped_mock::{Builder, FaultyMapper};
use std::ptr::NonNull;

/// A builder that ignores `MAPPED_SEED`, for tests whose assertions depend
/// on the seed they choose.
pub fn builder() -> Builder {
    FaultyMapper::builder().env_seed(false)
}

/// A reservation of `pages` pages made through `mock`.
pub struct Res<'a> {
    pub mock: &'a FaultyMapper,
    pub base: NonNull<u8>,
    pub pages: usize,
}

impl<'a> Res<'a> {
    pub fn new(mock: &'a FaultyMapper, pages: usize) -> Self {
        let base = mock.reserve(pages * mock.page_size()).expect("reserve");
        Res { mock, base, pages }
    }

    pub fn ps(&self) -> usize {
        self.mock.page_size()
    }

    pub fn bytes_len(&self) -> usize {
        self.pages * self.ps()
    }

    /// Page `i`'s address.
    pub fn page(&self, i: usize) -> NonNull<u8> {
        assert!(i <= self.pages);
        // SAFETY: at most one past the end of the reservation.
        unsafe { self.base.add(i * self.ps()) }
    }

    /// Commits pages `[from, from + n)`.
    pub fn commit(&self, from: usize, n: usize) -> std::io::Result<()> {
        // SAFETY: page-aligned and inside the reservation.
        unsafe { self.mock.commit(self.page(from), n * self.ps()) }
    }

    /// Decommits pages `[from, from + n)`.
    pub fn decommit(&self, from: usize, n: usize) -> std::io::Result<()> {
        // SAFETY: page-aligned, inside the reservation, and the tests do not
        // use those pages until they commit them again.
        unsafe { self.mock.decommit(self.page(from), n * self.ps()) }
    }

    /// Fills page `i` with `byte`.
    pub fn fill(&self, i: usize, byte: u8) {
        assert!(self.mock.check_committed(self.page(i).as_ptr(), self.ps()));
        // SAFETY: the page is committed (checked) and only this test uses it.
        unsafe { self.page(i).as_ptr().write_bytes(byte, self.ps()) };
    }

    /// Page `i`'s bytes.
    pub fn bytes(&self, i: usize) -> Vec<u8> {
        assert!(self.mock.check_committed(self.page(i).as_ptr(), self.ps()));
        // SAFETY: the page is committed (checked) and only this test uses it.
        unsafe { std::slice::from_raw_parts(self.page(i).as_ptr(), self.ps()).to_vec() }
    }

    /// Releases it.
    pub fn release(self) -> std::io::Result<()> {
        // SAFETY: exactly our reservation, unused from now on.
        unsafe { self.mock.release(self.base, self.bytes_len()) }
    }
}
