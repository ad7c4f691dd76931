//! [`Tracked`], the one element whose every instance is counted, and its
//! per-thread drop ledger.

use crate::Elem;
use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::BTreeSet;
use std::fmt;
use std::mem::ManuallyDrop;

/// The drop ledger of [`Tracked`] elements (per thread): every instance
/// gets a fresh serial when made or cloned, which its drop must find live.
#[derive(Default)]
struct Ledger {
    next: u64,
    live: BTreeSet<u64>,
    created: u64,
    dropped: u64,
    /// Drops of a serial that was not live: a double drop, or a drop of
    /// junk read as an element.
    bad: Vec<u64>,
}

thread_local! {
    static LEDGER: RefCell<Ledger> = RefCell::new(Ledger::default());
}

/// The [`Tracked`] drop ledger of this thread.
pub mod ledger {
    use super::LEDGER;

    /// Forgets everything (at the start of a case).
    pub fn reset() {
        LEDGER.with(|l| *l.borrow_mut() = Default::default());
    }

    /// Instances alive now.
    pub fn live() -> usize {
        LEDGER.with(|l| l.borrow().live.len())
    }

    /// Instances made or cloned, and dropped, since the reset.
    pub fn counts() -> (u64, u64) {
        LEDGER.with(|l| {
            let l = l.borrow();
            (l.created, l.dropped)
        })
    }

    /// Serials dropped while not live (double drops or junk).
    pub fn bad_drops() -> Vec<u64> {
        LEDGER.with(|l| l.borrow().bad.clone())
    }

    /// Whether the instance with serial `serial` is alive.
    pub fn is_live(serial: u64) -> bool {
        LEDGER.with(|l| l.borrow().live.contains(&serial))
    }

    pub(super) fn create() -> u64 {
        LEDGER.with(|l| {
            let mut l = l.borrow_mut();
            let s = l.next;
            l.next += 1;
            l.created += 1;
            l.live.insert(s);
            s
        })
    }

    /// Whether `serial` was live (and is now dropped).
    pub(super) fn drop_serial(serial: u64) -> bool {
        LEDGER
            .try_with(|l| {
                let mut l = l.borrow_mut();
                if l.live.remove(&serial) {
                    l.dropped += 1;
                    true
                } else {
                    l.bad.push(serial);
                    false
                }
            })
            .unwrap_or(false)
    }
}

/// A heap-owning element whose every instance is counted: made, cloned and
/// dropped through the ledger. A drop of an instance the ledger does not
/// know (dropped twice, or junk read as an element) is recorded, and its
/// string is then not freed, so the harness reports it instead of crashing.
pub struct Tracked {
    serial: u64,
    key: u64,
    text: ManuallyDrop<String>,
}

impl Tracked {
    fn live(&self) -> bool {
        ledger::is_live(self.serial)
    }
}

impl Elem for Tracked {
    const NAME: &'static str = "Tracked(String)";
    const TRACKED: bool = true;
    fn make(v: u64) -> Self {
        // Lengths 0 (no heap), short and a few hundred bytes.
        let reps = [0usize, 1, 2, 5, 40][(v % 5) as usize];
        let text = format!("{v:x}-").repeat(reps);
        Tracked {
            serial: ledger::create(),
            key: v,
            text: ManuallyDrop::new(text),
        }
    }
    fn key(&self) -> u64 {
        self.key
    }
    fn ident(&self) -> u64 {
        self.serial
    }
}

impl Clone for Tracked {
    fn clone(&self) -> Self {
        assert!(self.live(), "clone of a dead Tracked #{}", self.serial);
        Tracked {
            serial: ledger::create(),
            key: self.key,
            text: self.text.clone(),
        }
    }
}

impl PartialEq for Tracked {
    fn eq(&self, other: &Self) -> bool {
        // Never read the string of an instance that is not live: it may be
        // junk, and its pointer anything.
        self.live() && other.live() && self.key == other.key && *self.text == *other.text
    }
}

impl Eq for Tracked {}

impl PartialOrd for Tracked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// By key: the string is made from the key, so this agrees with `==`
/// (and never reads the string of an instance that is not live).
impl Ord for Tracked {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl fmt::Debug for Tracked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.live() {
            write!(
                f,
                "Tracked(#{} {} {:?})",
                self.serial, self.key, &*self.text
            )
        } else {
            write!(f, "Tracked(#{} NOT LIVE, key {})", self.serial, self.key)
        }
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if ledger::drop_serial(self.serial) {
            // SAFETY: the ledger says this instance is live and is dropped
            // now for the first time: its string is valid and freed once.
            unsafe { ManuallyDrop::drop(&mut self.text) };
        }
    }
}
