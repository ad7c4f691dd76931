//! The crash story: a writer pushes and flushes and reports each completed
//! flush on stdout; it is killed with `SIGKILL` at a random moment. The
//! parent reopens the file and finds at least everything up to the last
//! completed flush, intact, and never a torn header. The same file goes
//! through every kill (the writer continues where the reopen left off).

use crate::{seed, temp_path, value, Rng};
use mapped::FileVector;
use mapped_mock::child::{self, CHILD_ENV};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

const NAME: &str = "crash::a_writer_killed_at_random_moments_never_loses_a_flush";
const KILLS: usize = 100;
/// The file starts over when it passes this many elements.
const RESTART_AT: usize = 1 << 21;

fn writer() {
    let path = std::env::var("FILE_CRASH_PATH").unwrap();
    let mut rng = Rng(std::env::var("FILE_CRASH_SEED").unwrap().parse().unwrap());
    let mut f: FileVector<u64> = match FileVector::open(&path) {
        Ok(f) => f,
        Err(_) => FileVector::create(&path).unwrap(),
    };
    loop {
        let big = rng.below(4) == 0;
        let n = rng.below(if big { 50_000 } else { 2_000 }) + 1;
        for _ in 0..n {
            let i = f.len() as u64;
            f.push(value(i)).unwrap();
        }
        f.flush().unwrap();
        println!("flushed {}", f.len());
    }
}

#[test]
fn a_writer_killed_at_random_moments_never_loses_a_flush() {
    if child::is_child(NAME) {
        writer();
        return;
    }
    let seed = seed();
    let mut rng = Rng(seed);
    let path = temp_path("crash");
    let exe = std::env::current_exe().unwrap();
    let mut completed = 0;
    let (mut with_flush, mut beyond, mut elements) = (0, 0, 0);
    for kill in 0..KILLS {
        let ctx = format!("seed {seed} (MAPPED_SEED replays it), kill {kill}");
        let mut writer = Command::new(&exe)
            .args(["--exact", NAME, "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, NAME)
            .env("FILE_CRASH_PATH", &path)
            .env("FILE_CRASH_SEED", rng.next_u64().to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(60_000)));
        writer.kill().unwrap(); // SIGKILL
        let status = writer.wait().unwrap();
        let mut out = String::new();
        writer
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        let mut err = String::new();
        writer
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        assert_eq!(
            child::signal(&status),
            Some(9),
            "{ctx}: the writer ended on its own: {status:?}\n{out}\n{err}"
        );
        let last = out
            .lines()
            .filter_map(|l| l.strip_prefix("flushed "))
            .filter_map(|n| n.parse::<usize>().ok())
            .next_back();
        if !path.exists() {
            assert!(last.is_none(), "{ctx}: flushes reported but no file");
            continue;
        }
        // Even a writer killed inside `create` leaves no file without a
        // valid header.
        let f =
            FileVector::<u64>::open(&path).unwrap_or_else(|e| panic!("{ctx}: reopen failed: {e}"));
        let floor = last.unwrap_or(completed);
        assert!(
            f.len() >= floor,
            "{ctx}: reopened {} elements, {floor} were flushed",
            f.len()
        );
        if let Some(i) = f
            .iter()
            .enumerate()
            .position(|(i, &x)| x != value(i as u64))
        {
            panic!("{ctx}: element {i} of {} is not what was written", f.len());
        }
        with_flush += usize::from(last.is_some());
        beyond += usize::from(f.len() > floor);
        elements += f.len().saturating_sub(completed);
        completed = f.len();
        if completed > RESTART_AT {
            drop(f);
            std::fs::remove_file(&path).unwrap();
            completed = 0;
        }
    }
    eprintln!(
        "{KILLS} kills (seed {seed}): 0 torn headers, 0 lost flushed elements; {with_flush} writers completed a flush before the kill, {beyond} reopens found more than the last reported flush (one finished, unreported), {elements} elements written and found"
    );
    let _ = std::fs::remove_file(&path);
    // A writer killed inside `create` leaves its unfinished temporary file
    // (never the file itself): remove this run's.
    let prefix = format!(".{}.", path.file_name().unwrap().to_string_lossy());
    for entry in std::fs::read_dir(path.parent().unwrap()).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
