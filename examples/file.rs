//! An append-only event log that survives restarts: each run opens the log
//! (or creates it), shows where the last run left off, appends a few
//! events and flushes them. Run it twice:
//!
//! ```sh
//! cargo run --example file --features file -- /tmp/mapped-events.log
//! cargo run --example file --features file -- /tmp/mapped-events.log
//! ```

use bytemuck::{Pod, Zeroable};
use mapped::{FileError, FileVector};
use std::time::{SystemTime, UNIX_EPOCH};

/// One event, as it lies in the file (no padding: `Pod`).
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
#[repr(C)]
struct Event {
    /// 1, 2, 3, ... across every run.
    seq: u64,
    /// Milliseconds since the Unix epoch.
    at_ms: u64,
    /// Which run wrote it (1 for the first).
    run: u32,
    /// What happened (here: the event's position in its run).
    kind: u32,
}

/// Our own tag: the file stays readable whatever the type is renamed to.
const TAG: u64 = 0x6576_656e_745f_7631; // "event_v1"

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "mapped-events.log".into());
    let mut log: FileVector<Event> = match FileVector::options().tag(TAG).open(&path) {
        Ok(log) => log,
        Err(FileError::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            println!("{path}: new log");
            FileVector::options().tag(TAG).create(&path)?
        }
        Err(e) => return Err(e.into()),
    };
    let run = log.last().map_or(1, |e| e.run + 1);
    match log.last() {
        Some(last) => println!(
            "{path}: {} events from {} earlier run(s); the last is #{} of run {}",
            log.len(),
            run - 1,
            last.seq,
            last.run
        ),
        None => println!("{path}: no events yet"),
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_millis() as u64;
    for kind in 0..5 {
        let seq = log.len() as u64 + 1;
        log.push(Event {
            seq,
            at_ms: now,
            run,
            kind,
        })?;
    }
    log.flush()?; // durable: the next run (even after a crash) sees them
    println!(
        "run {run}: appended events #{}..=#{}; next run continues at #{}",
        log.len() - 4,
        log.len(),
        log.len() + 1
    );
    Ok(())
}
