//! How a project built on `mapped` tests its own code with `mapped-mock`.
//!
//! `Ingest` stands for the project's type: it buffers records in a
//! `MappedVector` and takes its mapper as `impl Into<MapperRef>`, so
//! production passes `MAPPER` and this test an `Arc<FaultyMapper>` that
//! refuses 10% of commits and poisons the pages the buffer gives back. The
//! test offers records in bursts, flushes most of them after each burst (so
//! the buffer shrinks and grows again), checks that every accepted record
//! comes back intact and in order, and that the mock saw no breach of the
//! mapper contract.
//!
//! ```sh
//! cargo run -p mapped-mock --example downstream
//! MAPPED_SEED=7 cargo run -p mapped-mock --example downstream   # another run
//! ```

use mapped::{MappedVector, MapperRef, MAPPER};
use mapped_mock::FaultyMapper;
use std::collections::VecDeque;

/// The project's own type: a buffer of records that sheds what it cannot
/// hold when memory runs out, instead of aborting.
pub struct Ingest {
    records: MappedVector<u64>,
    refusals: u64,
    shed: u64,
}

impl Ingest {
    /// Pushes per record before it is shed: a refused commit may be
    /// transient, so one retry.
    const ATTEMPTS: u32 = 2;

    /// An ingest buffer on `mapper`: `MAPPER` in production (see
    /// `Default`), a `FaultyMapper` in tests.
    pub fn new(mapper: impl Into<MapperRef>) -> Self {
        Self::from_buffer(MappedVector::new(mapper))
    }

    /// The same with a chosen heap limit: 0 puts every byte through
    /// `mapper`, as a test wants (by default the first page of records
    /// lives on the heap, where no mapper sees it).
    ///
    /// # Errors
    ///
    /// Whatever `mapped`'s builder returns (nothing, without a fixed
    /// window).
    pub fn with_heap_limit(
        mapper: impl Into<MapperRef>,
        heap_limit: usize,
    ) -> Result<Self, mapped::Error> {
        let records = MappedVector::builder(mapper)
            .heap_limit(heap_limit)
            .build()?;
        Ok(Self::from_buffer(records))
    }

    fn from_buffer(records: MappedVector<u64>) -> Self {
        Ingest {
            records,
            refusals: 0,
            shed: 0,
        }
    }

    /// Keeps `record` if memory can be had; otherwise sheds it and returns
    /// `false`.
    pub fn offer(&mut self, mut record: u64) -> bool {
        for _ in 0..Self::ATTEMPTS {
            match self.records.push(record) {
                Ok(()) => return true,
                Err(refused) => {
                    self.refusals += 1;
                    record = refused.into_value();
                }
            }
        }
        self.shed += 1;
        false
    }

    /// Removes and returns the `n` oldest records.
    pub fn flush(&mut self, n: usize) -> impl Iterator<Item = u64> + '_ {
        self.records.drain(..n)
    }

    /// The records held, oldest first.
    pub fn records(&self) -> &[u64] {
        &self.records
    }

    /// Pushes that were refused (retried or shed).
    pub fn refusals(&self) -> u64 {
        self.refusals
    }

    /// Records shed.
    pub fn shed(&self) -> u64 {
        self.shed
    }
}

/// What production uses: the OS mapper.
impl Default for Ingest {
    fn default() -> Self {
        Self::new(MAPPER)
    }
}

/// Record number `i`: distinct, and unlike zeroed, junk or poisoned memory.
fn record(i: u64) -> u64 {
    i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x5EED_5EED_5EED_5EED
}

const BURSTS: u64 = 12;
const BURST: u64 = 20_000;

fn main() -> Result<(), mapped::Error> {
    // The fixed seed makes the run repeatable; MAPPED_SEED overrides it.
    let mock = FaultyMapper::builder()
        .seed(4)
        .deny_commits(0.1)
        .poison(true)
        .build_arc();
    // heap_limit(0): even the first record goes through the mock.
    let mut ingest = Ingest::with_heap_limit(mock.clone(), 0)?;

    let mut expected = VecDeque::new(); // what `Ingest` accepted, in order
    let mut flushed = 0;
    for burst in 0..BURSTS {
        for i in burst * BURST..(burst + 1) * BURST {
            if ingest.offer(record(i)) {
                expected.push_back(record(i));
            }
        }
        // The mock's own audit: what the buffer holds is committed memory.
        let held = ingest.records();
        assert!(
            mock.check_committed(held.as_ptr().cast(), std::mem::size_of_val(held)),
            "burst {burst}: the records are not all in committed pages"
        );
        // Flush the oldest three quarters: the buffer shrinks, and the pages
        // it gives back are poisoned until it grows into them again.
        let n = held.len() * 3 / 4;
        for (k, got) in ingest.flush(n).enumerate() {
            let want = expected.pop_front().expect("flushed more than accepted");
            assert_eq!(got, want, "burst {burst}: flushed record {k} is corrupt");
        }
        flushed += n;
    }
    assert!(
        ingest.records().iter().eq(expected.iter()),
        "the records still held differ from those accepted"
    );

    let (refusals, shed) = (ingest.refusals(), ingest.shed());
    let (offered, held) = (BURSTS * BURST, ingest.records().len());
    assert_eq!(
        (flushed + held) as u64,
        offered - shed,
        "a record went missing"
    );
    drop(ingest); // releasing the buffer checks its poisoned pages too
    mock.assert_clean(); // panics with every violation and the seed
    assert_eq!(mock.live_reservations(), 0, "the buffer leaked its mapping");

    let stats = mock.stats();
    println!("ingest under FaultyMapper: 10% of commits denied, poison mode");
    println!(
        "  records  {offered} offered, {} accepted, {shed} shed",
        offered - shed
    );
    println!("           {flushed} flushed and {held} held at the end, all intact");
    println!("  pushes   {refusals} refused (a refused record is retried once, then shed)");
    println!(
        "  mapper   {} commits, {} denied; {} decommits",
        stats.commits, stats.denied_commits, stats.decommits
    );
    println!(
        "           {} pages poisoned, {} checked on recommit or release",
        stats.poisoned_pages, stats.poisoned_pages_checked
    );
    println!("  audit    {} violations", mock.violations().len());
    println!(
        "  replay   MAPPED_SEED={} cargo run -p mapped-mock --example downstream",
        mock.seed()
    );
    Ok(())
}
