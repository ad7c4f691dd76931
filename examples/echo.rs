//! A tokio echo service on loopback, in the habitat `MappedBytes` is for:
//! thousands of connections each send one large frame, get it echoed, and
//! stay open and idle. A `BytesMut` per connection keeps the largest frame
//! it ever read for as long as the connection lives; a `MappedBytes` gives
//! the memory back once the frame has gone.
//!
//! ```text
//! cargo run --release --example echo --features bytes
//! cargo run --release --example echo --features bytes -- --conns 10000 --rounds 1
//! ```
//!
//! Options: `--conns N` (5,000), `--frame BYTES` (the payload, 65,536),
//! `--in-flight N` (connections being echoed at once, 500: more than the
//! listen backlog takes would measure SYN retransmits), `--rounds N` (3).
//!
//! Each server runs in a child process of its own (this program again,
//! with `--server mapped` or `--server bytesmut`), with tokio's defaults
//! and the library's defaults (no `CacheTrimmer`, no decay); this process
//! drives the clients. Each client connects, sends a 4-byte big-endian
//! length and the payload (different on every connection), reads the echo
//! back, checks that it is intact, and keeps the connection open. The
//! burst time runs from the first connect to the last echo checked; the
//! server's resident memory (anonymous pages, as `mapped_testkit::rss`
//! reads them) is read before the burst and after 300 ms of idleness that
//! follow it. The rounds alternate which server goes first; the summary
//! gives the median of each.
//!
//! The server is the same code for both buffers (`serve`): read a frame's
//! length, reserve room for the frame, read it, split it off and write it
//! back, as tokio-util's length-delimited codec does.

use bytes::{BufMut, Bytes, BytesMut};
use mapped::{MappedBytes, MAPPER};
use std::io::{self, BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::ops::Deref;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

/// How long the connections stay idle before the server's RSS is read.
const IDLE: Duration = Duration::from_millis(300);
/// The most a burst may take before the run is called failed.
const BURST_LIMIT: Duration = Duration::from_secs(120);
const MIB: f64 = (1 << 20) as f64;

/// The options: see the module docs.
#[derive(Clone, Copy)]
struct Options {
    conns: usize,
    frame: usize,
    in_flight: usize,
    rounds: usize,
}

/// The servers compared.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Mapped,
    BytesMut,
}

impl Kind {
    fn arg(self) -> &'static str {
        match self {
            Kind::Mapped => "mapped",
            Kind::BytesMut => "bytesmut",
        }
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Mapped => "MappedBytes",
            Kind::BytesMut => "BytesMut",
        }
    }
}

fn main() {
    raise_fd_limit();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|a| a == "--server") {
        let kind = match args.get(at + 1).map(String::as_str) {
            Some("mapped") => Kind::Mapped,
            Some("bytesmut") => Kind::BytesMut,
            other => panic!("--server mapped|bytesmut, not {other:?}"),
        };
        return run_server(kind);
    }
    let options = parse(&args);
    if !run_clients(options) {
        std::process::exit(1);
    }
}

fn parse(args: &[String]) -> Options {
    let mut options = Options {
        conns: 5_000,
        frame: 64 << 10,
        in_flight: 500,
        rounds: 3,
    };
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let value = args.next().and_then(|v| v.replace('_', "").parse().ok());
        let slot = match flag.as_str() {
            "--conns" => &mut options.conns,
            "--frame" => &mut options.frame,
            "--in-flight" => &mut options.in_flight,
            "--rounds" => &mut options.rounds,
            _ => panic!("unknown option {flag} (see the docs at the top of examples/echo.rs)"),
        };
        *slot = value.unwrap_or_else(|| panic!("{flag} takes a number"));
    }
    assert!(
        options.frame <= u32::MAX as usize,
        "--frame fits in the 4-byte length"
    );
    options.in_flight = options.in_flight.max(1);
    options.rounds = options.rounds.max(1);
    options
}

// ---- the server ----

/// A per-connection read buffer: what `serve` needs of one.
trait FrameBuf: BufMut + Deref<Target = [u8]> + Send + Unpin + 'static {
    fn empty() -> Self;
    /// Room for `additional` more bytes.
    fn reserve_frame(&mut self, additional: usize) -> io::Result<()>;
    /// The first `len` bytes, as a frame to write back.
    fn take_frame(&mut self, len: usize) -> Bytes;
}

impl FrameBuf for MappedBytes {
    fn empty() -> Self {
        MappedBytes::new(MAPPER)
    }

    fn reserve_frame(&mut self, additional: usize) -> io::Result<()> {
        Ok(self.try_reserve(additional)?)
    }

    fn take_frame(&mut self, len: usize) -> Bytes {
        self.split_to(len)
    }
}

impl FrameBuf for BytesMut {
    fn empty() -> Self {
        BytesMut::new()
    }

    fn reserve_frame(&mut self, additional: usize) -> io::Result<()> {
        self.reserve(additional);
        Ok(())
    }

    fn take_frame(&mut self, len: usize) -> Bytes {
        self.split_to(len).freeze()
    }
}

/// Echoes frames (a 4-byte big-endian length, then the payload) until the
/// peer closes.
async fn serve<B: FrameBuf>(mut socket: TcpStream) -> io::Result<()> {
    let mut buf = B::empty();
    loop {
        while buf.len() < 4 {
            if socket.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        }
        let frame_len = 4 + u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]) as usize;
        buf.reserve_frame(frame_len.saturating_sub(buf.len()))?;
        while buf.len() < frame_len {
            if socket.read_buf(&mut buf).await? == 0 {
                return Ok(());
            }
        }
        let frame = buf.take_frame(frame_len);
        socket.write_all(&frame).await?;
    }
}

/// The child: serves on a loopback port it prints, and answers `rss` on
/// standard input with its resident bytes, until `exit` or the end of
/// standard input.
fn run_server(kind: Kind) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let listener = runtime.block_on(async {
        let socket = TcpSocket::new_v4()?;
        socket.bind("127.0.0.1:0".parse().unwrap())?;
        socket.listen(4096)
    });
    let listener = listener.expect("listen on loopback");
    println!("listening {}", listener.local_addr().unwrap());
    runtime.spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let served = match kind {
                    Kind::Mapped => serve::<MappedBytes>(socket).await,
                    Kind::BytesMut => serve::<BytesMut>(socket).await,
                };
                if let Err(e) = served {
                    eprintln!("server: a connection failed: {e}");
                }
            });
        }
    });
    for line in io::stdin().lock().lines() {
        match line.as_deref() {
            Ok("rss") => {
                let stats = mapped::stats();
                println!(
                    "rss {} mapped {} cached {}",
                    mapped_testkit::rss(),
                    stats.mapped_containers,
                    stats.cached_bytes
                );
            }
            _ => break,
        }
    }
    runtime.shutdown_background();
}

// ---- the clients, and the report ----

/// One server's run: how long the burst took and what it left resident.
struct Run {
    burst: Duration,
    rss_growth: i64,
    intact: usize,
    /// What `mapped::stats()` said after the burst: mapped containers and
    /// bytes parked in the reservation cache.
    mapped: u64,
    cached: u64,
}

/// Runs every round and prints the table; whether every echo was intact.
fn run_clients(options: Options) -> bool {
    let Options {
        conns,
        frame,
        in_flight,
        rounds,
    } = options;
    println!(
        "echo: {conns} connections, one frame of 4 + {frame} bytes each ({in_flight} in flight), \
         then idle; server RSS (anonymous) read {} ms after the burst; {rounds} round(s)",
        IDLE.as_millis()
    );
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    let mut runs: Vec<(Kind, Run)> = Vec::new();
    println!(
        "{:<6} {:<12} {:>10} {:>12} {:>12} {:>10} {:>14}",
        "round", "buffer", "burst s", "RSS +MiB", "per conn KiB", "intact", "mapped/cached"
    );
    for round in 0..rounds {
        let order = match round % 2 {
            0 => [Kind::Mapped, Kind::BytesMut],
            _ => [Kind::BytesMut, Kind::Mapped],
        };
        for kind in order {
            let run = run_one(&runtime, kind, options);
            println!(
                "{:<6} {:<12} {:>10.3} {:>12.1} {:>12.2} {:>10} {:>14}",
                round + 1,
                kind.label(),
                run.burst.as_secs_f64(),
                run.rss_growth as f64 / MIB,
                run.rss_growth as f64 / 1024.0 / conns as f64,
                format!("{}/{conns}", run.intact),
                format!("{}/{:.1}MiB", run.mapped, run.cached as f64 / MIB),
            );
            runs.push((kind, run));
        }
    }
    let median = |kind: Kind, of: fn(&Run) -> f64| {
        let mut values: Vec<f64> = runs
            .iter()
            .filter(|r| r.0 == kind)
            .map(|r| of(&r.1))
            .collect();
        values.sort_by(f64::total_cmp);
        values[values.len() / 2]
    };
    let time = |r: &Run| r.burst.as_secs_f64();
    let rss = |r: &Run| r.rss_growth as f64;
    println!("\nmedian of {rounds}         burst s     RSS +MiB");
    for kind in [Kind::BytesMut, Kind::Mapped] {
        println!(
            "{:<20} {:>10.3} {:>12.1}",
            kind.label(),
            median(kind, time),
            median(kind, rss) / MIB
        );
    }
    println!(
        "MappedBytes / BytesMut:  burst time {:.2}x, RSS growth {:.3}x",
        median(Kind::Mapped, time) / median(Kind::BytesMut, time),
        median(Kind::Mapped, rss) / median(Kind::BytesMut, rss).max(1.0)
    );
    let intact = runs.iter().all(|(_, run)| run.intact == conns);
    if !intact {
        println!("FAILED: some echoes did not come back intact");
    }
    intact
}

/// The server child and its standard input and output.
struct Server {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

impl Server {
    fn start(kind: Kind) -> (Server, SocketAddr) {
        let exe = std::env::current_exe().expect("this program's path");
        let mut child = Command::new(exe)
            .args(["--server", kind.arg()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server");
        let input = child.stdin.take().unwrap();
        let output = BufReader::new(child.stdout.take().unwrap());
        let mut server = Server {
            child,
            input,
            output,
        };
        let line = server.line();
        let addr = line
            .strip_prefix("listening ")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("the server said {line:?}"));
        (server, addr)
    }

    fn line(&mut self) -> String {
        let mut line = String::new();
        self.output.read_line(&mut line).expect("read the server");
        line.trim().to_string()
    }

    /// The server's resident bytes, mapped containers and cached bytes.
    fn rss(&mut self) -> [u64; 3] {
        writeln!(self.input, "rss").expect("ask the server");
        let line = self.line();
        let words: Vec<&str> = line.split(' ').collect();
        match words[..] {
            ["rss", rss, "mapped", mapped, "cached", cached] => {
                [rss, mapped, cached].map(|n| n.parse().expect("a number"))
            }
            _ => panic!("the server said {line:?}"),
        }
    }

    fn stop(mut self) {
        let _ = writeln!(self.input, "exit");
        drop(self.input);
        let _ = self.child.wait();
    }
}

/// One server, one burst.
fn run_one(runtime: &tokio::runtime::Runtime, kind: Kind, options: Options) -> Run {
    let (mut server, addr) = Server::start(kind);
    let [before, ..] = server.rss();
    let start = Instant::now();
    let burst =
        runtime.block_on(async { tokio::time::timeout(BURST_LIMIT, burst(addr, options)).await });
    let elapsed = start.elapsed();
    let (streams, intact) =
        burst.unwrap_or_else(|_| panic!("{} burst passed {BURST_LIMIT:?}", kind.label()));
    std::thread::sleep(IDLE);
    let [after, mapped, cached] = server.rss();
    runtime.block_on(async move { drop(streams) });
    server.stop();
    Run {
        burst: elapsed,
        rss_growth: after as i64 - before as i64,
        intact,
        mapped,
        cached,
    }
}

/// Opens every connection, at most `in_flight` of them being echoed at
/// once (each of `in_flight` tasks takes the next connection when its last
/// one is echoed); returns the open connections and how many echoes came
/// back intact.
async fn burst(addr: SocketAddr, options: Options) -> (Vec<TcpStream>, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..options.in_flight.min(options.conns))
        .map(|_| {
            let next = next.clone();
            tokio::spawn(async move {
                let mut done = Vec::new();
                loop {
                    let id = next.fetch_add(1, Ordering::Relaxed);
                    if id >= options.conns {
                        return done;
                    }
                    match client(addr, id, options.frame).await {
                        Ok(echoed) => done.push(echoed),
                        Err(e) => eprintln!("client {id} failed: {e}"),
                    }
                }
            })
        })
        .collect();
    let mut streams = Vec::with_capacity(options.conns);
    let mut intact = 0;
    for worker in workers {
        for (stream, ok) in worker.await.expect("a client task") {
            intact += usize::from(ok);
            streams.push(stream);
        }
    }
    (streams, intact)
}

/// One connection: sends its frame, reads the echo; the stream, and
/// whether the echo was the frame.
async fn client(addr: SocketAddr, id: usize, payload: usize) -> io::Result<(TcpStream, bool)> {
    let mut frame = Vec::with_capacity(4 + payload);
    frame.put_u32(payload as u32);
    // Different on every connection, so that a mix-up shows.
    let mut x = (id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    frame.extend((0..payload).map(|_| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x as u8
    }));
    let mut stream = TcpStream::connect(addr).await?;
    stream.write_all(&frame).await?;
    let mut echo = vec![0; frame.len()];
    stream.read_exact(&mut echo).await?;
    Ok((stream, echo == frame))
}

/// Raises the open-file limit to its hard limit: each connection is a file
/// on both sides. (The servers inherit it.)
#[cfg(unix)]
fn raise_fd_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid `rlimit` for the call to fill.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return;
    }
    limit.rlim_cur = limit.rlim_max;
    // SAFETY: `limit` is a valid `rlimit`; raising the soft limit to the
    // hard one needs no privilege.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) };
}

/// Other systems have no such limit to raise.
#[cfg(not(unix))]
fn raise_fd_limit() {}
