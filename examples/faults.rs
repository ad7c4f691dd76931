//! A small ingest service on `mapped` that degrades gracefully when memory
//! is refused, run under failpoints.
//!
//! ```sh
//! FAILPOINTS='mapped::commit=10%return;mapped::reserve=10%return;mapped::alloc=1%return' \
//!     cargo run --release --example faults --features failpoints
//! ```
//!
//! It ingests batches of records into a `MappedVector` and schedules a job
//! per record in a `MappedQueue`. A refused push is retried a few times,
//! then the record is shed (counted, never half-stored). Each batch is then
//! flushed: the jobs run in priority order, the records are checked against
//! the checksum of what was accepted, and both containers empty, giving
//! their memory back, so the next batch maps again. It prints what was
//! injected and what it did about it, and exits 0 only if every accepted
//! record came through intact.

use mapped::{MappedQueue, MappedVector, MAPPER};

const BATCHES: u64 = 40;
const PER_BATCH: u64 = 20_000;
const RETRIES: u32 = 3;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Record {
    id: u64,
    value: u64,
}

/// What the service did about refusals.
#[derive(Default)]
struct Tally {
    accepted: u64,
    retried: u64,
    shed_records: u64,
    shed_jobs: u64,
}

/// Pushes `item`, retrying a refused push; `false` when it stayed refused.
fn push_with_retries<T>(
    mut push: impl FnMut(T) -> Result<(), mapped::PushError<T>>,
    item: T,
    tally: &mut Tally,
) -> bool {
    let mut item = item;
    for attempt in 0..=RETRIES {
        match push(item) {
            Ok(()) => return true,
            Err(refused) => {
                item = refused.into_value();
                if attempt < RETRIES {
                    tally.retried += 1;
                }
            }
        }
    }
    false
}

fn checksum(records: &[Record]) -> u64 {
    records.iter().fold(0u64, |sum, r| {
        sum.wrapping_mul(31).wrapping_add(r.id ^ r.value)
    })
}

fn main() {
    // Reads FAILPOINTS, as every program using the `fail` crate does.
    let scenario = fail::FailScenario::setup();
    let mut tally = Tally::default();
    let mut records: MappedVector<Record> = MappedVector::new(MAPPER);
    let mut jobs: MappedQueue<(u32, u64)> = MappedQueue::new(MAPPER);
    let mut intact = true;
    for batch in 0..BATCHES {
        let mut expected = 0u64;
        for i in 0..PER_BATCH {
            let id = batch * PER_BATCH + i;
            let record = Record {
                id,
                value: id.wrapping_mul(0x9E37_79B9_7F4A_7C15),
            };
            if !push_with_retries(|r| records.push(r), record, &mut tally) {
                tally.shed_records += 1;
                continue;
            }
            expected = expected
                .wrapping_mul(31)
                .wrapping_add(record.id ^ record.value);
            tally.accepted += 1;
            let priority = (record.value >> 40) as u32;
            if !push_with_retries(|j| jobs.push(j), (priority, id), &mut tally) {
                tally.shed_jobs += 1;
            }
        }
        // Flush: run the jobs in priority order, check the records.
        let mut last = u32::MAX;
        while let Some((priority, _)) = jobs.pop() {
            intact &= priority <= last;
            last = priority;
        }
        intact &= checksum(&records) == expected;
        records.clear();
    }
    let stats = mapped::stats();
    println!("batches {BATCHES} x {PER_BATCH} records");
    println!(
        "injected faults {}; real mapper errors {}",
        stats.injected_faults, stats.errors
    );
    println!(
        "accepted {} records; retried {} pushes; shed {} records and {} jobs",
        tally.accepted, tally.retried, tally.shed_records, tally.shed_jobs
    );
    println!(
        "every accepted record intact, jobs in priority order: {}",
        if intact { "yes" } else { "NO" }
    );
    scenario.teardown();
    std::process::exit(if intact { 0 } else { 1 });
}
