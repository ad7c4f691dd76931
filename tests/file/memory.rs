//! Bigger than memory: in a child whose memory cgroup (v1) is limited to
//! 512 MiB, a 4 GiB `FileVector<u64>` fills and reads back with a
//! checksum, and the child is not OOM-killed; a `Vec` of the same size
//! under the same limit is killed, which shows the limit bites. Where the
//! cgroup cannot be made (not root, no v1 memory controller) the test
//! says so and passes. Ignored by default (it writes 4 GiB); `.ci/run`
//! runs it by name.

use crate::{temp_path, value};
use mapped::FileVector;
use mapped_mock::child::{self, CHILD_ENV};
use std::path::{Path, PathBuf};
use std::process::Command;

const NAME: &str = "memory::bigger_than_memory_in_a_512_mib_cgroup";
const LIMIT: u64 = 512 << 20;
const ELEMENTS: u64 = 1 << 29; // 4 GiB of u64

fn join_cgroup() {
    let dir = std::env::var("FILE_CGROUP").unwrap();
    std::fs::write(
        Path::new(&dir).join("cgroup.procs"),
        std::process::id().to_string(),
    )
    .unwrap();
}

fn checksum(acc: u64, x: u64) -> u64 {
    acc.rotate_left(5) ^ x
}

fn fill_file() {
    let path = std::env::var("FILE_BIG_PATH").unwrap();
    let mut f: FileVector<u64> = FileVector::create(&path).unwrap();
    let mut chunk = vec![0u64; 1 << 17];
    let mut written = 0u64;
    while written < ELEMENTS {
        for (j, c) in chunk.iter_mut().enumerate() {
            *c = value(written + j as u64);
        }
        f.extend_from_slice(&chunk).unwrap();
        written += chunk.len() as u64;
    }
    f.flush().unwrap();
    let expected = (0..ELEMENTS).map(value).fold(0, checksum);
    let read = f.iter().fold(0, |a, &x| checksum(a, x));
    assert_eq!(read, expected, "read back differs");
    println!(
        "file filled and read back: {} bytes, checksum {read:#x}",
        ELEMENTS * 8
    );
}

fn fill_vec() {
    let mut v: Vec<u64> = Vec::with_capacity(ELEMENTS as usize);
    for i in 0..ELEMENTS {
        v.push(value(i));
    }
    println!("vec filled: {}", v.iter().fold(0, |a, &x| checksum(a, x)));
}

/// A v1 memory cgroup limited to [`LIMIT`], or why there is none.
fn make_cgroup() -> Result<PathBuf, String> {
    let root = Path::new("/sys/fs/cgroup/memory");
    if !root.join("memory.limit_in_bytes").exists() {
        return Err("no cgroup v1 memory controller at /sys/fs/cgroup/memory".into());
    }
    let dir = root.join(format!("mapped-file-test-{}", std::process::id()));
    std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let limit = dir.join("memory.limit_in_bytes");
    if let Err(e) = std::fs::write(&limit, LIMIT.to_string()) {
        let _ = std::fs::remove_dir(&dir);
        return Err(format!("cannot write {}: {e}", limit.display()));
    }
    Ok(dir)
}

fn run(mode: &str, cgroup: &Path, path: &Path) -> std::process::Output {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args([
            "--exact",
            NAME,
            "--nocapture",
            "--test-threads=1",
            "--ignored",
        ])
        .env(CHILD_ENV, NAME)
        .env("FILE_BIG_MODE", mode)
        .env("FILE_CGROUP", cgroup)
        .env("FILE_BIG_PATH", path)
        .stdin(std::process::Stdio::null());
    // 4 GiB through a 512 MiB cgroup: a minute or two on a slow disk.
    child::output_within(&mut command, std::time::Duration::from_secs(600)).unwrap()
}

#[test]
#[ignore = "writes 4 GiB; run by name (.ci/run does)"]
fn bigger_than_memory_in_a_512_mib_cgroup() {
    if child::is_child(NAME) {
        join_cgroup();
        match std::env::var("FILE_BIG_MODE").unwrap().as_str() {
            "file" => fill_file(),
            _ => fill_vec(),
        }
        return;
    }
    let cgroup = match make_cgroup() {
        Ok(dir) => dir,
        Err(why) => {
            mapped_testkit::skip("bigger_than_memory_in_a_512_mib_cgroup", &why);
            return;
        }
    };
    let path = temp_path("big");
    let peak = |what: &str| {
        let read = |f: &str| std::fs::read_to_string(cgroup.join(f)).unwrap_or_default();
        eprintln!(
            "{what}: peak {} MiB charged to the cgroup (limit {} MiB); oom_control: {}",
            read("memory.max_usage_in_bytes")
                .trim()
                .parse::<u64>()
                .unwrap_or(0)
                >> 20,
            LIMIT >> 20,
            read("memory.oom_control").replace('\n', ", ")
        );
        let _ = std::fs::write(cgroup.join("memory.max_usage_in_bytes"), "0");
    };
    let file = run("file", &cgroup, &path);
    let _ = std::fs::remove_file(&path);
    peak("FileVector of 4 GiB");
    let vec = run("vec", &cgroup, &path);
    peak("Vec of 4 GiB");
    let _ = std::fs::remove_dir(&cgroup);
    assert!(
        file.status.success(),
        "the FileVector child failed under 512 MiB\n{}",
        child::describe(&file)
    );
    assert_eq!(
        child::signal(&vec.status),
        Some(9),
        "a Vec of 4 GiB under 512 MiB was not OOM-killed: the limit does not bite\n{}",
        child::describe(&vec)
    );
}
