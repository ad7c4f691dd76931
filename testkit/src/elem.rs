//! The element types of the model runs: what the harness can make from a
//! number and compare.

use std::fmt;

/// How many elements of `size` bytes a page holds (at least 1).
pub fn per_page(size: usize) -> usize {
    (mapped_mock::os_mapper().get().page_size() / size.max(1)).max(1)
}

/// An element type the harness can make from a number and compare.
///
/// Ordered (the queue needs it) consistently with equality: two elements
/// made from the same number are equal and compare equal.
pub trait Elem: Clone + Ord + fmt::Debug + 'static {
    /// Its name in failure messages.
    const NAME: &'static str;
    /// Whether it is [`Tracked`](crate::Tracked) (its drops are counted by the ledger).
    const TRACKED: bool = false;
    /// The element for `v`.
    fn make(v: u64) -> Self;
    /// The number it was made from (what `retain` decides on).
    fn key(&self) -> u64;
    /// Which instance this is: for a tracked element its serial (so a value
    /// handed back is known to be the very one pushed), else its key.
    fn ident(&self) -> u64 {
        self.key()
    }
}

impl Elem for u32 {
    const NAME: &'static str = "u32";
    fn make(v: u64) -> Self {
        v as u32
    }
    fn key(&self) -> u64 {
        u64::from(*self)
    }
}

impl Elem for u64 {
    const NAME: &'static str = "u64";
    fn make(v: u64) -> Self {
        v
    }
    fn key(&self) -> u64 {
        *self
    }
}

/// Three bytes: elements straddle page boundaries (4096 is not a multiple
/// of 3), so both pages of a straddling element must be committed.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub struct Tri(pub [u8; 3]);

impl Elem for Tri {
    const NAME: &'static str = "Tri([u8; 3])";
    fn make(v: u64) -> Self {
        Tri([v as u8, (v >> 8) as u8, (v >> 16) as u8])
    }
    fn key(&self) -> u64 {
        u64::from(self.0[0]) | u64::from(self.0[1]) << 8 | u64::from(self.0[2]) << 16
    }
}

/// 1208 bytes: a few per page, most straddling a page boundary.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Big {
    key: u64,
    fill: [u32; 300],
}

impl Elem for Big {
    const NAME: &'static str = "Big(1208 bytes)";
    fn make(v: u64) -> Self {
        let mut fill = [0u32; 300];
        for (i, w) in fill.iter_mut().enumerate() {
            *w = (v as u32)
                .wrapping_mul(2_654_435_761)
                .wrapping_add(i as u32);
        }
        Big { key: v, fill }
    }
    fn key(&self) -> u64 {
        self.key
    }
}

impl fmt::Debug for Big {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let intact = *self == Big::make(self.key);
        write!(
            f,
            "Big({}{})",
            self.key,
            if intact { "" } else { ", corrupt" }
        )
    }
}
