//! The test-support layer of `mapped`'s own tests, its soak example and
//! its fuzz target: one place for what they share, compiled once.
//!
//! - **Seeds** ([`seed`]): every random decision of a run comes from one
//!   seed (`MAPPED_SEED`, read through [`mapped_mock::env_seed`]), and every
//!   failure names the seed that replays it.
//! - **Elements** ([`elem`], [`tracked`], [`zst`]): plain numbers, an odd
//!   size, a large one, and [`Tracked`], whose every instance is counted by
//!   a drop ledger.
//! - **Operations** ([`op`]): one [`Op`] enum for both containers, drawn by
//!   a seeded random walk ([`generator`]), by proptest ([`strategies`]) or
//!   from a fuzzer's bytes ([`bytes`]).
//! - **The model** ([`harness`]): [`Harness`] applies each step to a
//!   `MappedVector` or a `MappedQueue` on a fault-injecting
//!   [`FaultyMapper`](mapped_mock::FaultyMapper), and to a `Vec` or a
//!   `BinaryHeap`, and checks after every step that the two agree, that the
//!   memory is what the documented policy says ([`expect`]), and that the
//!   mock's audit is clean.
//! - **Cases** ([`plan`], [`run`], [`tally`]): what one seeded case runs
//!   with, running it, and what it did.
//! - **Isolation** ([`isolate`](mod@isolate)): how a test keeps what other tests of its
//!   binary do out of what it asserts (read it before writing a test), and
//!   how one that cannot run here says so ([`skip`]).
//! - **Around the containers**: [`TestMapper`] (the OS mapper, refusing on
//!   demand and counting), [`Recording`] (an observer that keeps every
//!   event), [`metrics`] (reading a debugging recorder), [`rss()`] and
//!   [`resident()`] (resident memory, each OS's own way), `rlimit`
//!   (Linux's memory limits, for a real refusal), and the
//!   [`fault_reporter`] that names the case when a memory fault kills the
//!   process.

pub mod bytes;
pub mod elem;
pub mod expect;
pub mod fault_reporter;
pub mod generator;
pub mod harness;
pub mod isolate;
pub mod mapper;
pub mod metrics;
pub mod op;
pub mod plan;
pub mod recording;
#[cfg(target_os = "linux")]
pub mod rlimit;
pub mod rss;
pub mod run;
pub mod seed;
pub mod strategies;
pub mod tally;
pub mod tracked;
pub mod zst;

pub use elem::{Big, Elem, Tri};
pub use generator::Generator;
pub use harness::{Harness, QueueHarness, Subject, VectorHarness};
pub use isolate::{isolate, skip, Isolated, NO_SKIP_ENV};
pub use mapper::TestMapper;
pub use op::{Op, Step};
pub use plan::{CaseConfig, Container, Kind, Plan, Probs};
pub use recording::{Recording, Seen};
pub use rss::{resident, rss};
pub use run::{run_bytes, run_case, run_cases, run_generated, run_steps};
pub use seed::{
    case_seed, env_cases, master_seed, mix, seeds, SeedOnFailure, CASES_ENV, DEFAULT_SEED,
    MIRI_CASES,
};
pub use tally::Tally;
pub use tracked::{ledger, Tracked};
pub use zst::ZstDrops;
