//! [`Recording`]: an observer that keeps every event.

use mapped::{Event, Kind, Observer, Op};
use std::sync::Mutex;

/// One observed event, owned: the fields of [`Event`] tests check.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    pub op: Op,
    pub ok: bool,
    pub bytes: usize,
    pub name: Option<String>,
    /// Committed bytes before and after.
    pub from: usize,
    pub to: usize,
    pub reserved_from: usize,
    pub reserved_to: usize,
    pub container: Kind,
}

/// An observer that records every event it sees.
#[derive(Default)]
pub struct Recording(pub Mutex<Vec<Seen>>);

impl Observer for Recording {
    fn on_event(&self, e: &Event<'_>) {
        let seen = Seen {
            op: e.op,
            ok: e.is_ok(),
            bytes: e.bytes,
            name: e.name.map(String::from),
            from: e.from_bytes,
            to: e.to_bytes,
            reserved_from: e.reserved_from,
            reserved_to: e.reserved_to,
            container: e.container,
        };
        self.0.lock().unwrap().push(seen);
    }
}

impl Recording {
    /// The operations seen so far, in order.
    pub fn ops(&self) -> Vec<Op> {
        self.0.lock().unwrap().iter().map(|s| s.op).collect()
    }

    /// The operations that succeeded so far, in order.
    pub fn succeeded(&self) -> Vec<Op> {
        let seen = self.0.lock().unwrap();
        seen.iter().filter(|s| s.ok).map(|s| s.op).collect()
    }

    /// How many events of `op` were seen so far.
    pub fn count(&self, op: Op) -> usize {
        self.0.lock().unwrap().iter().filter(|s| s.op == op).count()
    }

    /// How many mapper calls were seen so far (failed ones too).
    pub fn mapper_calls(&self) -> usize {
        self.ops().iter().filter(|op| op.is_mapper_call()).count()
    }

    /// Every event so far, forgetting them.
    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}
