//! A file system mounted for one test (Linux's `mount`, which takes root),
//! unmounted and its mount point removed on drop.

use crate::temp_path;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A mounted file system; unmounted on drop.
pub struct Mounted(PathBuf);

impl Mounted {
    /// Mounts a file system of type `fs_type` with `options` on a fresh
    /// directory, or says why it cannot (not root, no such type).
    pub fn new(fs_type: &str, options: &str) -> Result<Self, String> {
        let dir = temp_path(&format!("{fs_type}-mount"));
        std::fs::create_dir_all(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
        let mut mount = Command::new("mount");
        mount.args(["-t", fs_type, "-o", options, "mapped-test"]);
        let out = run(mount.arg(&dir));
        match out {
            Ok(out) if out.status.success() => Ok(Mounted(dir)),
            Ok(out) => {
                let _ = std::fs::remove_dir(&dir);
                Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
            }
            Err(e) => {
                let _ = std::fs::remove_dir(&dir);
                Err(format!("cannot run mount: {e}"))
            }
        }
    }

    /// Where it is mounted.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

/// Runs a short `mount` or `umount`, with a time limit.
fn run(command: &mut Command) -> std::io::Result<std::process::Output> {
    mapped_mock::child::output_within(command.stdin(Stdio::null()), Duration::from_secs(60))
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = run(Command::new("umount").arg(&self.0));
        let _ = std::fs::remove_dir(&self.0);
    }
}
