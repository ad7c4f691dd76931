//! A server-like workload: many connection buffers, mostly idle, hit by a
//! burst, then drained; plus a million one-element containers. Each
//! workload runs with `Vec` and with `MappedVector` (default heap limit,
//! and a 64 KiB heap limit), every run in a child process of its own so
//! that resident memory never mixes.
//!
//! ```text
//! cargo run --release --example connections
//! cargo run --release --example connections -- --conns 10000 --live 100000
//! ```
//!
//! Workloads:
//!
//! - `burst`: `--conns` buffers (`u8`, in a `HashMap` keyed by connection
//!   id) each hold 16 bytes ("idle"); every one fills to 64 KiB in 4 KiB
//!   reads, all at once ("burst"); every one drains back to 16 bytes
//!   ("after"); then they are dropped ("drop").
//! - `rolling`: the same buffers, but each connection fills to 64 KiB and
//!   drains back to 16 bytes before the next one does ("rolling"): the
//!   burst of `benches/scale.rs`' `burst_1e5_64k`, at its full size (not
//!   run with the 64 KiB heap limit, which keeps every buffer on the heap
//!   just as `Vec` does).
//! - `live`: `--live` containers of one `u64` each, held in a `Vec`
//!   ("create"), then dropped ("drop"): `live_1e6_x1`.
//!
//! Each row: how long the phase's operation took, the process's resident
//! memory (`mapped_testkit::rss()`, each OS's own measure) and its growth
//! over the child's start, and `mapped::stats()` (heap bytes, mapped containers,
//! committed bytes, mapper calls). Ratios at the end are MappedVector over
//! `Vec`, on time and on RSS growth. A refused commit or allocation is
//! printed with the connection it happened on. It ends the run, except in
//! `burst`, which stops filling there, reports "burst-cut" and goes on to
//! drain what it has: with the default heap limit every buffer of `burst`
//! is mapped at once, and at two kernel mappings each, `vm.max_map_count`
//! (65530 by default) stops the burst short of 100,000 connections.

use mapped::{MappedVector, MAPPER};
use std::collections::HashMap;
use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

/// What an idle connection holds.
const IDLE_BYTES: usize = 16;
/// What each connection holds at the height of the burst.
const BURST_BYTES: usize = 64 << 10;
/// One read's worth: the burst arrives in reads of this size.
const READ_BYTES: usize = 4 << 10;
const MIB: f64 = (1 << 20) as f64;

/// The containers under test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Vec,
    Mapped,
    /// `MappedVector` built with `.heap_limit(64 << 10)`.
    Mapped64k,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Vec, Kind::Mapped, Kind::Mapped64k];

    fn arg(self) -> &'static str {
        match self {
            Kind::Vec => "vec",
            Kind::Mapped => "mapped",
            Kind::Mapped64k => "mapped-64k",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Vec => "Vec",
            Kind::Mapped => "MappedVector",
            Kind::Mapped64k => "MappedVector(64K)",
        }
    }

    fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.arg() == s)
    }
}

/// A growable buffer: `Vec` or `MappedVector`, behind one interface.
trait Buffer<T: Copy>: Sized {
    fn open(kind: Kind) -> Self;
    fn put(&mut self, items: &[T]) -> Result<(), String>;
    /// Consumes from the front, as a server does, keeping the last `keep`.
    fn consume_to(&mut self, keep: usize);
    fn len(&self) -> usize;
}

impl<T: Copy> Buffer<T> for Vec<T> {
    fn open(_: Kind) -> Self {
        Vec::new()
    }

    fn put(&mut self, items: &[T]) -> Result<(), String> {
        self.extend_from_slice(items);
        Ok(())
    }

    fn consume_to(&mut self, keep: usize) {
        let len = Vec::len(self);
        self.drain(..len.saturating_sub(keep));
    }

    fn len(&self) -> usize {
        Vec::len(self)
    }
}

impl<T: Copy> Buffer<T> for MappedVector<T> {
    fn open(kind: Kind) -> Self {
        match kind {
            Kind::Mapped64k => MappedVector::builder(MAPPER)
                .heap_limit(64 << 10)
                .build()
                .expect("nothing is reserved yet: cannot fail"),
            _ => MappedVector::new(MAPPER),
        }
    }

    fn put(&mut self, items: &[T]) -> Result<(), String> {
        self.extend_from_slice(items).map_err(|e| {
            // The error and its causes (the OS error), as one line.
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        })
    }

    fn consume_to(&mut self, keep: usize) {
        let len = MappedVector::len(self);
        self.drain(..len.saturating_sub(keep));
    }

    fn len(&self) -> usize {
        MappedVector::len(self)
    }
}

/// Resident bytes of this process (each OS's own measure).
fn rss_bytes() -> u64 {
    mapped_testkit::rss() as u64
}

/// One measured phase of a child run, as printed for the parent:
/// `ROW workload kind phase nanos rss rss_growth heap mapped committed calls`.
struct Phase {
    start_rss: u64,
    workload: &'static str,
    kind: Kind,
}

impl Phase {
    fn report(&self, phase: &str, took: Duration) {
        let rss = rss_bytes();
        let s = mapped::stats();
        println!(
            "ROW {} {} {} {} {} {} {} {} {} {}",
            self.workload,
            self.kind.arg(),
            phase,
            took.as_nanos(),
            rss,
            rss as i64 - self.start_rss as i64,
            s.heap_bytes,
            s.mapped_containers,
            s.committed_bytes,
            s.mapper_calls(),
        );
    }

    /// Ends the run on a refused allocation or commit.
    fn fail(&self, phase: &str, conn: usize, error: &str) -> ! {
        self.refused(phase, conn, error);
        std::process::exit(2);
    }

    /// Prints a refused allocation or commit, with where it happened.
    fn refused(&self, phase: &str, conn: usize, error: &str) {
        let s = mapped::stats();
        println!(
            "FAIL {} {} {}: connection {}: {} (mapped_containers {}, committed {} B, heap {} B)",
            self.workload,
            self.kind.arg(),
            phase,
            conn,
            error,
            s.mapped_containers,
            s.committed_bytes,
            s.heap_bytes,
        );
    }
}

/// `burst` or `rolling` on `conns` connection buffers of type `B`.
fn run_connections<B: Buffer<u8>>(p: &Phase, conns: usize) {
    let read = [0x5a_u8; READ_BYTES];
    let idle = [0x11_u8; IDLE_BYTES];
    let fill = |buf: &mut B| -> Result<(), String> {
        while buf.len() + READ_BYTES <= BURST_BYTES {
            buf.put(&read)?;
        }
        let rest = BURST_BYTES - buf.len();
        buf.put(&read[..rest])
    };

    p.report("start", Duration::ZERO);
    let start = Instant::now();
    let mut table: HashMap<usize, B> = HashMap::with_capacity(conns);
    for id in 0..conns {
        let mut buf = B::open(p.kind);
        if let Err(e) = buf.put(&idle) {
            p.fail("idle", id, &e);
        }
        table.insert(id, buf);
    }
    p.report("idle", start.elapsed());

    if p.workload == "burst" {
        // A refused commit stops the burst there (the buffer that was
        // refused keeps what it had): "burst-cut" then measures what the
        // connections filled so far hold, and "after" drains them all.
        let start = Instant::now();
        let mut phase = "burst";
        for id in 0..conns {
            let buf = table.get_mut(&id).expect("every id was inserted");
            if let Err(e) = fill(buf) {
                p.refused("burst", id, &e);
                phase = "burst-cut";
                break;
            }
        }
        p.report(phase, start.elapsed());
        let start = Instant::now();
        for buf in table.values_mut() {
            buf.consume_to(IDLE_BYTES);
        }
        p.report("after", start.elapsed());
    } else {
        let start = Instant::now();
        for id in 0..conns {
            let buf = table.get_mut(&id).expect("every id was inserted");
            if let Err(e) = fill(buf) {
                p.fail("rolling", id, &e);
            }
            buf.consume_to(IDLE_BYTES);
        }
        p.report("rolling", start.elapsed());
    }
    black_box(&table);

    let start = Instant::now();
    drop(table);
    p.report("drop", start.elapsed());
}

/// `live`: `n` containers of one `u64` each.
fn run_live<B: Buffer<u64>>(p: &Phase, n: usize) {
    p.report("start", Duration::ZERO);
    let start = Instant::now();
    let mut all: Vec<B> = Vec::with_capacity(n);
    for i in 0..n {
        let mut c = B::open(p.kind);
        if let Err(e) = c.put(&[i as u64]) {
            p.fail("create", i, &e);
        }
        all.push(c);
    }
    black_box(&all);
    p.report("create", start.elapsed());
    let start = Instant::now();
    drop(all);
    p.report("drop", start.elapsed());
}

fn child(workload: &str, kind: Kind, conns: usize, live: usize) {
    let workload = match workload {
        "burst" => "burst",
        "rolling" => "rolling",
        "live" => "live",
        other => panic!("unknown workload {other}"),
    };
    let p = Phase {
        start_rss: rss_bytes(),
        workload,
        kind,
    };
    match (workload, kind) {
        ("live", Kind::Vec) => run_live::<Vec<u64>>(&p, live),
        ("live", _) => run_live::<MappedVector<u64>>(&p, live),
        (_, Kind::Vec) => run_connections::<Vec<u8>>(&p, conns),
        (_, _) => run_connections::<MappedVector<u8>>(&p, conns),
    }
}

/// One parsed `ROW` line.
struct Row {
    workload: String,
    kind: Kind,
    phase: String,
    took: Duration,
    rss: u64,
    growth: i64,
    heap: u64,
    mapped: u64,
    committed: u64,
    calls: u64,
}

fn parse_row(line: &str) -> Option<Row> {
    let f: Vec<&str> = line.strip_prefix("ROW ")?.split(' ').collect();
    let n = |i: usize| f.get(i)?.parse::<u64>().ok();
    Some(Row {
        workload: f.first()?.to_string(),
        kind: Kind::parse(f.get(1)?)?,
        phase: f.get(2)?.to_string(),
        took: Duration::from_nanos(n(3)?),
        rss: n(4)?,
        growth: f.get(5)?.parse().ok()?,
        heap: n(6)?,
        mapped: n(7)?,
        committed: n(8)?,
        calls: n(9)?,
    })
}

fn mib(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / MIB)
}

fn print_rows(rows: &[Row]) {
    println!(
        "{:<8} {:<18} {:<8} {:>10} {:>9} {:>9} {:>9} {:>8} {:>10} {:>9}",
        "workload",
        "container",
        "phase",
        "took ms",
        "RSS MiB",
        "+RSS MiB",
        "heap MiB",
        "mapped",
        "commit MiB",
        "OS calls"
    );
    for r in rows {
        println!(
            "{:<8} {:<18} {:<8} {:>10.1} {:>9} {:>+9.1} {:>9} {:>8} {:>10} {:>9}",
            r.workload,
            r.kind.label(),
            r.phase,
            r.took.as_secs_f64() * 1e3,
            mib(r.rss),
            r.growth as f64 / MIB,
            mib(r.heap),
            r.mapped,
            mib(r.committed),
            r.calls,
        );
    }
}

/// MappedVector over Vec, for each phase where both ran.
fn print_ratios(rows: &[Row]) {
    println!();
    println!(
        "{:<8} {:<18} {:<8} {:>12} {:>14}",
        "workload", "container", "phase", "time / Vec", "+RSS / Vec"
    );
    for r in rows.iter().filter(|r| r.kind != Kind::Vec) {
        let Some(v) = rows
            .iter()
            .find(|v| v.kind == Kind::Vec && v.workload == r.workload && v.phase == r.phase)
        else {
            continue;
        };
        let time = match v.took.as_nanos() {
            0 => "-".to_string(),
            t => format!("{:.2}x", r.took.as_nanos() as f64 / t as f64),
        };
        // Growth under 1 MiB is noise (the allocator's own pages).
        let rss = if v.growth > 1 << 20 {
            format!("{:.3}x", r.growth as f64 / v.growth as f64)
        } else {
            "-".to_string()
        };
        println!(
            "{:<8} {:<18} {:<8} {:>12} {:>14}",
            r.workload,
            r.kind.label(),
            r.phase,
            time,
            rss
        );
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut conns = 100_000;
    let mut live = 1_000_000;
    let mut run: Option<(String, Kind)> = None;
    let mut i = 1;
    while i < args.len() {
        let value = args.get(i + 1).map(String::as_str);
        let number = || value.and_then(|s| s.replace('_', "").parse::<usize>().ok());
        match args[i].as_str() {
            "--conns" => conns = number().expect("--conns N"),
            "--live" => live = number().expect("--live N"),
            "--run" => {
                let (w, k) = value
                    .and_then(|s| s.split_once(':'))
                    .expect("--run workload:kind");
                run = Some((
                    w.to_string(),
                    Kind::parse(k).expect("kind: vec|mapped|mapped-64k"),
                ));
            }
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }

    if let Some((workload, kind)) = run {
        child(&workload, kind, conns, live);
        return;
    }

    println!(
        "size_of::<MappedVector<u64>>() = {} bytes, size_of::<Vec<u64>>() = {} bytes",
        std::mem::size_of::<MappedVector<u64>>(),
        std::mem::size_of::<Vec<u64>>()
    );
    println!(
        "conns = {conns} (idle {IDLE_BYTES} B, burst {} KiB in {} KiB reads), live = {live}",
        BURST_BYTES >> 10,
        READ_BYTES >> 10
    );
    if let Ok(max) = std::fs::read_to_string("/proc/sys/vm/max_map_count") {
        println!(
            "vm.max_map_count = {} (a mapped container holds up to two mappings)",
            max.trim()
        );
    }
    println!();

    let exe = std::env::current_exe().expect("own path");
    let mut rows = Vec::new();
    for workload in ["live", "rolling", "burst"] {
        for kind in Kind::ALL {
            // In `rolling` a 64 KiB heap limit keeps every buffer on the
            // heap, as `Vec` does: nothing to learn for ten more seconds.
            if workload == "rolling" && kind == Kind::Mapped64k {
                continue;
            }
            let out = Command::new(&exe)
                .args(["--conns", &conns.to_string(), "--live", &live.to_string()])
                .args(["--run", &format!("{workload}:{}", kind.arg())])
                .output()
                .expect("re-run self");
            let stdout = String::from_utf8_lossy(&out.stdout);
            for line in stdout.lines() {
                match parse_row(line) {
                    Some(row) if row.phase != "start" => rows.push(row),
                    Some(_) => {}
                    None => println!("{workload} {}: {line}", kind.label()),
                }
            }
            if !out.status.success() {
                println!(
                    "{workload} {}: child exited with {}",
                    kind.label(),
                    out.status
                );
                let stderr = String::from_utf8_lossy(&out.stderr);
                for line in stderr.lines() {
                    println!("  {line}");
                }
            }
        }
    }
    print_rows(&rows);
    print_ratios(&rows);
}
