//! The stress run: threads make, grow, shrink, hand to each other and drop
//! containers while others read `inventory()` and `stats()`, trim the
//! cache and (on Unix) fork. Checks, exiting non-zero on the first failure:
//!
//! - mid-run, no inventory entry is torn (committed past reserved) and no
//!   inventory lists more containers than can be alive (now and then one
//!   churner maps a crowd of 40,000 small vectors at once);
//! - every forked child makes, uses and drops a container and exits 0,
//!   within 10 s (Unix only: Windows has no `fork`, and runs the rest);
//! - at the end, with everything dropped and the cache trimmed, every
//!   figure of `stats()` that counts what is held is 0, the inventory is
//!   empty, and the library holds at most 256 KiB of heap (a counting
//!   global allocator, against the same count before the run).
//!
//! ```text
//! cargo run --release --example stress -- [--seconds S] [--churners C] [--readers R] [--seed N]
//! ```
//! (defaults: 20 s, 3 churners, 2 readers, `MAPPED_SEED` or a fixed seed).

use mapped::{MappedQueue, MappedVector, MAPPER, UNGUARDED};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::alloc::{GlobalAlloc, Layout, System};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicIsize, AtomicUsize, Ordering::Relaxed};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// Counts the bytes the process holds on the heap.
struct Counting;

static HEAP: AtomicIsize = AtomicIsize::new(0);

// SAFETY: forwards every call to the system allocator, unchanged; only
// counts the sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        HEAP.fetch_add(layout.size() as isize, Relaxed);
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        HEAP.fetch_sub(layout.size() as isize, Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        HEAP.fetch_add(new_size as isize - layout.size() as isize, Relaxed);
        // SAFETY: as for `alloc`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Containers a churner holds at most, and in flight to the next one.
const HELD: usize = 6;
const IN_FLIGHT: usize = 2;
/// Now and then the first churner maps this many one-page vectors at once,
/// then drops them: the inventory's list grows to hold them all, and must
/// give that back.
const CROWD: usize = 40_000;
/// Churn rounds between two crowds.
const CROWD_EVERY: u64 = 5_000;
/// The most heap the library may keep after the run.
const HEAP_KEPT: isize = 256 << 10;

/// One container of any kind the run makes.
enum Any {
    Vector(MappedVector<u64>),
    Queue(MappedQueue<u32>),
    Unguarded(MappedVector<u8>),
}

impl Any {
    fn new(rng: &mut StdRng) -> Any {
        match rng.random_range(0..10) {
            0..=5 => {
                let v = if rng.random_bool(0.3) {
                    MappedVector::builder(MAPPER)
                        .name("stress")
                        .build()
                        .unwrap()
                } else {
                    MappedVector::new(MAPPER)
                };
                Any::Vector(v)
            }
            6..=8 => Any::Queue(MappedQueue::new(MAPPER)),
            _ => Any::Unguarded(MappedVector::new(&UNGUARDED)),
        }
    }

    /// Grows it by up to `n` elements, or shrinks it, as `rng` says.
    fn work(&mut self, rng: &mut StdRng) {
        let n = if rng.random_bool(0.1) {
            rng.random_range(0..400_000)
        } else {
            rng.random_range(0..3_000)
        };
        match self {
            Any::Vector(v) => match rng.random_range(0..4) {
                0 | 1 => v.extend(0..n as u64),
                2 => v.truncate(v.len() / 4),
                _ => {
                    v.truncate(v.len() / 2);
                    v.shrink_to_fit().unwrap();
                }
            },
            Any::Queue(q) => {
                if rng.random_bool(0.5) {
                    for i in 0..n.min(20_000) {
                        q.push(i as u32).unwrap();
                    }
                } else {
                    for _ in 0..q.len() * 3 / 4 {
                        q.pop();
                    }
                }
            }
            Any::Unguarded(v) => match rng.random_range(0..3) {
                0 | 1 => v.extend_from_slice(&vec![7; n]).unwrap(),
                _ => v.clear(),
            },
        }
    }
}

struct Args {
    seconds: u64,
    churners: usize,
    readers: usize,
    seed: u64,
}

fn args() -> Args {
    let mut args = Args {
        seconds: 20,
        churners: 3,
        readers: 2,
        seed: mapped_mock::env_seed().unwrap_or(20_261_206),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().and_then(|v| v.parse::<u64>().ok());
        let value = value.unwrap_or_else(|| panic!("{flag} needs a number"));
        match flag.as_str() {
            "--seconds" => args.seconds = value,
            "--churners" => args.churners = value as usize,
            "--readers" => args.readers = value as usize,
            "--seed" => args.seed = value,
            _ => panic!("unknown flag {flag}"),
        }
    }
    args
}

/// A churner: makes, works on and drops containers, and hands some to the
/// next churner through `to`, taking those the previous one hands it.
fn churn(
    seed: u64,
    crowds: bool,
    stop: &AtomicBool,
    to: SyncSender<Any>,
    from: Receiver<Any>,
) -> u64 {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut held: Vec<Any> = Vec::new();
    let mut rounds = 0;
    while !stop.load(Relaxed) {
        rounds += 1;
        if crowds && rounds % CROWD_EVERY == 0 {
            crowd();
        }
        if let Ok(moved) = from.try_recv() {
            held.push(moved);
        }
        if held.len() < HELD - 1 {
            held.push(Any::new(&mut rng));
        }
        let at = rng.random_range(0..held.len());
        held[at].work(&mut rng);
        match rng.random_range(0..10) {
            0..=2 => drop(held.swap_remove(at)),
            3 => {
                // A full channel hands it back: then it is dropped here.
                let _ = to.try_send(held.swap_remove(at));
            }
            _ => {}
        }
    }
    drop(held);
    // What the previous churner sent and nobody took.
    while let Ok(moved) = from.try_recv() {
        drop(moved);
    }
    rounds
}

/// Maps [`CROWD`] one-page vectors, then drops them all.
fn crowd() {
    let page = mapped::Mapper::page_size(&MAPPER);
    let crowd: Vec<MappedVector<u8>> = (0..CROWD)
        .map(|i| {
            let mut v = MappedVector::builder(MAPPER)
                .heap_limit(0)
                .initial_window(page)
                .build()
                .unwrap();
            v.push(i as u8).unwrap();
            v
        })
        .collect();
    drop(crowd);
}

/// A reader: inventories (never torn, never more entries than can be
/// alive), stats and trims. Returns how many inventories it checked, or
/// what it found wrong.
fn read(stop: &AtomicBool, alive_at_most: usize) -> Result<u64, String> {
    let mut rounds = 0;
    while !stop.load(Relaxed) {
        rounds += 1;
        let inventory = mapped::inventory();
        let listed = inventory.containers().len();
        if listed > alive_at_most {
            return Err(format!(
                "{listed} containers listed, at most {alive_at_most} alive"
            ));
        }
        for entry in inventory.containers() {
            if entry.committed_bytes() > entry.reserved_bytes() {
                return Err(format!("a torn entry: {entry:?}"));
            }
        }
        drop(inventory);
        let _ = mapped::stats();
        if rounds % 8 == 0 {
            mapped::trim_cache();
        }
    }
    Ok(rounds)
}

/// The forker: a thread that forks a child now and then until `stop`,
/// counting them in `forks`. Unix only: Windows has no `fork`.
fn forker(
    stop: &Arc<AtomicBool>,
    forks: &Arc<AtomicUsize>,
) -> Option<thread::JoinHandle<Result<(), String>>> {
    #[cfg(unix)]
    return Some(fork::spawn(stop.clone(), forks.clone()));
    #[cfg(not(unix))]
    {
        let _ = (stop, forks);
        None
    }
}

#[cfg(unix)]
mod fork {
    use mapped::{MappedVector, MAPPER};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
    use std::sync::Arc;
    use std::thread;
    use std::time::{Duration, Instant};

    pub fn spawn(
        stop: Arc<AtomicBool>,
        forks: Arc<AtomicUsize>,
    ) -> thread::JoinHandle<Result<(), String>> {
        thread::spawn(move || {
            while !stop.load(Relaxed) {
                once()?;
                forks.fetch_add(1, Relaxed);
                thread::sleep(Duration::from_millis(20));
            }
            Ok(())
        })
    }

    /// Forks a child that makes, uses and drops a container and exits 0, and
    /// waits for it for at most 10 s: `Err` if it failed or hung.
    fn once() -> Result<(), String> {
        // SAFETY: the child runs the closure below and `_exit`s; it never
        // returns into this program's threads.
        let pid = unsafe { libc::fork() };
        if pid < 0 {
            return Err(format!("fork: {}", std::io::Error::last_os_error()));
        }
        if pid == 0 {
            let mut v: MappedVector<u64> = MappedVector::new(MAPPER);
            let ok = (0..50_000u64).all(|i| v.push(i).is_ok())
                && v.iter().sum::<u64>() == 50_000 * 49_999 / 2
                && !mapped::inventory().containers().is_empty();
            drop(v);
            mapped::trim_cache();
            // SAFETY: ends the child without running the parent's exit handlers.
            unsafe { libc::_exit(if ok { 0 } else { 3 }) };
        }
        let start = Instant::now();
        loop {
            let mut status = 0;
            // SAFETY: `pid` is our child; `status` is a valid out-pointer.
            if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
                return match libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status)) {
                    Some(0) => Ok(()),
                    other => Err(format!("a child ended with {other:?} (status {status})")),
                };
            }
            if start.elapsed() > Duration::from_secs(10) {
                // SAFETY: as above; the child is killed and reaped.
                unsafe {
                    libc::kill(pid, libc::SIGKILL);
                    libc::waitpid(pid, &mut status, 0);
                }
                return Err("a child hung for 10 s".into());
            }
            thread::sleep(Duration::from_millis(1));
        }
    }
}

fn main() -> ExitCode {
    let args = args();
    let heap_before = HEAP.load(Relaxed);
    let stop = Arc::new(AtomicBool::new(false));
    let forks = Arc::new(AtomicUsize::new(0));
    let forker = forker(&stop, &forks);
    println!(
        "stress: {} s, {} churners, {} readers, {}; seed {}",
        args.seconds,
        args.churners,
        args.readers,
        if forker.is_some() {
            "a forker"
        } else {
            "no forker (no fork here)"
        },
        args.seed
    );
    // Each churner holds up to HELD, and up to IN_FLIGHT wait for it; a
    // reader's own inventory may list a container a churner is about to
    // drop, which is still alive; and one crowd at a time.
    let alive_at_most = args.churners * (HELD + IN_FLIGHT + 1) + CROWD;

    let (senders, receivers): (Vec<_>, Vec<_>) = (0..args.churners)
        .map(|_| sync_channel::<Any>(IN_FLIGHT))
        .unzip();
    let churners: Vec<_> = receivers
        .into_iter()
        .enumerate()
        .map(|(i, from)| {
            let to = senders[(i + 1) % args.churners].clone();
            let stop = stop.clone();
            let seed = args.seed.wrapping_add(i as u64);
            thread::spawn(move || churn(seed, i == 0, &stop, to, from))
        })
        .collect();
    drop(senders);
    let readers: Vec<_> = (0..args.readers)
        .map(|_| {
            let stop = stop.clone();
            thread::spawn(move || read(&stop, alive_at_most))
        })
        .collect();

    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut failures = Vec::new();
    // A forker that ended early failed: stop.
    while Instant::now() < deadline && !forker.as_ref().is_some_and(|f| f.is_finished()) {
        thread::sleep(Duration::from_millis(50));
        if readers.iter().any(|r| r.is_finished()) {
            break;
        }
    }
    stop.store(true, Relaxed);
    let rounds: u64 = churners.into_iter().map(|c| c.join().unwrap()).sum();
    let mut inventories = 0;
    for reader in readers {
        match reader.join().unwrap() {
            Ok(n) => inventories += n,
            Err(e) => failures.push(e),
        }
    }
    if let Some(Err(e)) = forker.map(|f| f.join().unwrap()) {
        failures.push(e);
    }

    mapped::trim_cache();
    let stats = mapped::stats();
    let listed = mapped::inventory().containers().len();
    let held = [
        ("committed_bytes", stats.committed_bytes),
        ("reserved_bytes", stats.reserved_bytes),
        ("cached_bytes", stats.cached_bytes),
        ("heap_bytes", stats.heap_bytes),
        ("mapped_containers", stats.mapped_containers),
        ("unguarded_containers", stats.unguarded_containers),
        ("guarded_reservations", stats.guarded_reservations),
        ("listed in the inventory", listed as u64),
    ];
    for (what, figure) in held {
        if figure != 0 {
            failures.push(format!("{what} is {figure} with everything dropped"));
        }
    }
    let kept = HEAP.load(Relaxed) - heap_before;
    if kept > HEAP_KEPT {
        failures.push(format!("the library keeps {kept} bytes of heap"));
    }
    println!(
        "stress: {rounds} churn rounds, {inventories} inventories, {} forks; \
         afterwards {kept} bytes of heap kept (at most {HEAP_KEPT}), {} mapper calls",
        forks.load(Relaxed),
        stats.mapper_calls()
    );
    if failures.is_empty() {
        println!("stress: ok");
        ExitCode::SUCCESS
    } else {
        for failure in &failures {
            eprintln!("stress: FAILED: {failure}");
        }
        ExitCode::FAILURE
    }
}
