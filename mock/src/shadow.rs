//! The shadow page table: every page of every live reservation, in the
//! state its user believes it is in and the state its memory is really in.
//!
//! The two differ on purpose: a poisoned page is "decommitted" to the user
//! but really readable and writable (holding the poison pattern), and a
//! page committed by a lie is "committed" to the user but really still
//! inaccessible. The mock touches a page's bytes only when [`Mem`] says the
//! page is really accessible.

use std::collections::{BTreeMap, HashSet};

/// A page's state as the mapper's user sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PageState {
    /// Reserved and never committed.
    Reserved,
    /// Committed: the user may read and write it.
    Committed,
    /// Committed once, decommitted since.
    Decommitted,
}

/// What the page's memory really is, whatever the user believes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mem {
    /// Not accessible (as the inner mapper reserves or decommits it).
    Inaccessible,
    /// Readable and writable, contents the user's.
    Accessible,
    /// Readable and writable, filled with the poison pattern by a decommit
    /// in poison mode.
    Poisoned,
}

/// One page of a reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Page {
    pub(crate) state: PageState,
    pub(crate) mem: Mem,
}

impl Page {
    /// A page as reserve leaves it.
    pub(crate) const FRESH: Page = Page {
        state: PageState::Reserved,
        mem: Mem::Inaccessible,
    };
}

/// One live reservation.
///
/// `pages` holds only the pages up to the last one ever touched: every page
/// past its end is [`Page::FRESH`], so a huge reservation of which little is
/// used costs little.
#[derive(Clone, Debug)]
pub(crate) struct Reservation {
    /// Its length in bytes.
    pub(crate) len: usize,
    pages: Vec<Page>,
}

impl Reservation {
    /// The state of page `i`.
    pub(crate) fn page(&self, i: usize) -> Page {
        self.pages.get(i).copied().unwrap_or(Page::FRESH)
    }

    /// Page `i`, to change (materialises the pages before it).
    pub(crate) fn page_mut(&mut self, i: usize) -> &mut Page {
        if i >= self.pages.len() {
            self.pages.resize(i + 1, Page::FRESH);
        }
        &mut self.pages[i]
    }

    /// How many pages are committed as the user sees it.
    pub(crate) fn committed_pages(&self) -> usize {
        self.pages
            .iter()
            .filter(|p| p.state == PageState::Committed)
            .count()
    }

    /// Its first `n` pages, for the reservation a remap moves them to.
    pub(crate) fn into_prefix(mut self, n: usize) -> Vec<Page> {
        self.pages.truncate(n);
        self.pages
    }

    /// Indices of the materialised pages in `from..`.
    pub(crate) fn touched_from(&self, from: usize) -> std::ops::Range<usize> {
        from.min(self.pages.len())..self.pages.len()
    }
}

/// A summary of one live reservation, for tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ReservationInfo {
    /// Its first byte's address.
    pub base: usize,
    /// Its length in bytes.
    pub len: usize,
    /// How many of its bytes are committed (per the shadow table).
    pub committed_bytes: usize,
}

/// Every live reservation of one mapper, by base address, and the bases of
/// released ones (to tell a double release from an unknown address).
#[derive(Debug)]
pub(crate) struct Shadow {
    page_size: usize,
    live: BTreeMap<usize, Reservation>,
    released: HashSet<usize>,
}

impl Shadow {
    pub(crate) fn new(page_size: usize) -> Self {
        Shadow {
            page_size,
            live: BTreeMap::new(),
            released: HashSet::new(),
        }
    }

    /// Records a new reservation at `base` of `len` bytes whose first pages
    /// are `pages` (the rest fresh).
    pub(crate) fn insert(&mut self, base: usize, len: usize, pages: Vec<Page>) {
        // The OS reuses addresses: a base released before is live again.
        self.released.remove(&base);
        self.live.insert(base, Reservation { len, pages });
    }

    /// Forgets the reservation at `base`, remembering it was released.
    pub(crate) fn remove(&mut self, base: usize) -> Option<Reservation> {
        let r = self.live.remove(&base)?;
        self.released.insert(base);
        Some(r)
    }

    /// The reservation that starts exactly at `base`.
    pub(crate) fn get(&self, base: usize) -> Option<&Reservation> {
        self.live.get(&base)
    }

    /// Whether `base` is the start of a reservation released earlier (and
    /// not reserved again since).
    pub(crate) fn was_released(&self, base: usize) -> bool {
        self.released.contains(&base)
    }

    /// The base of the live reservation holding all of `[addr, addr + len)`
    /// (`len > 0`), if one does.
    pub(crate) fn containing(&self, addr: usize, len: usize) -> Option<usize> {
        let (&base, r) = self.live.range(..=addr).next_back()?;
        let end = addr.checked_add(len)?;
        (end <= base + r.len).then_some(base)
    }

    /// The reservation at `base` (which must be live), to change.
    pub(crate) fn reservation_mut(&mut self, base: usize) -> &mut Reservation {
        self.live
            .get_mut(&base)
            .expect("mapped-mock: shadow table lost a reservation")
    }

    /// The page indices, within the reservation at `base`, of the
    /// page-aligned range `[addr, addr + len)`.
    pub(crate) fn pages_of(&self, base: usize, addr: usize, len: usize) -> std::ops::Range<usize> {
        let first = (addr - base) / self.page_size;
        first..first + len / self.page_size
    }

    /// Whether `[addr, addr + len)` lies wholly in committed pages of one
    /// live reservation (true when `len == 0`).
    pub(crate) fn check_committed(&self, addr: usize, len: usize) -> bool {
        if len == 0 {
            return true;
        }
        let Some(base) = self.containing(addr, len) else {
            return false;
        };
        let r = &self.live[&base];
        let first = (addr - base) / self.page_size;
        let last = (addr + len - 1 - base) / self.page_size;
        (first..=last).all(|i| r.page(i).state == PageState::Committed)
    }

    /// The user-visible state of the page holding `addr`, if it is in a
    /// live reservation.
    pub(crate) fn state(&self, addr: usize) -> Option<PageState> {
        let base = self.containing(addr, 1)?;
        Some(self.live[&base].page((addr - base) / self.page_size).state)
    }

    /// A summary of every live reservation, by address.
    pub(crate) fn infos(&self) -> Vec<ReservationInfo> {
        self.live
            .iter()
            .map(|(&base, r)| ReservationInfo {
                base,
                len: r.len,
                committed_bytes: r.committed_pages() * self.page_size,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PS: usize = 4096;

    fn table() -> Shadow {
        let mut s = Shadow::new(PS);
        s.insert(0x10_0000, 4 * PS, Vec::new());
        s.insert(0x20_0000, 2 * PS, Vec::new());
        s
    }

    #[test]
    fn containing_finds_the_one_reservation() {
        let s = table();
        assert_eq!(s.containing(0x10_0000, 4 * PS), Some(0x10_0000));
        assert_eq!(s.containing(0x10_0000 + PS, PS), Some(0x10_0000));
        assert_eq!(s.containing(0x10_0000 + 3 * PS, 2 * PS), None);
        assert_eq!(s.containing(0x0f_0000, PS), None);
        assert_eq!(s.containing(0x20_0000 + PS, 1), Some(0x20_0000));
        assert_eq!(s.containing(usize::MAX - 1, 8), None);
    }

    #[test]
    fn check_committed_follows_page_states() {
        let mut s = table();
        let r = s.reservation_mut(0x10_0000);
        r.page_mut(1).state = PageState::Committed;
        r.page_mut(2).state = PageState::Committed;
        assert!(s.check_committed(0x10_0000 + PS, 2 * PS));
        assert!(s.check_committed(0x10_0000 + PS + 5, 10));
        assert!(!s.check_committed(0x10_0000 + PS - 1, 2));
        assert!(!s.check_committed(0x10_0000 + 3 * PS - 1, 2));
        assert!(s.check_committed(0x10_0000, 0));
        assert!(s.check_committed(0x1, 0));
        assert_eq!(s.state(0x10_0000), Some(PageState::Reserved));
        assert_eq!(s.state(0x10_0000 + PS), Some(PageState::Committed));
        assert_eq!(s.state(0x30_0000), None);
    }

    #[test]
    fn removal_is_remembered_until_reuse() {
        let mut s = table();
        assert!(s.remove(0x20_0000).is_some());
        assert!(s.was_released(0x20_0000));
        assert!(s.remove(0x20_0000).is_none());
        s.insert(0x20_0000, PS, Vec::new());
        assert!(!s.was_released(0x20_0000));
    }
}
