//! What several integration tests share: running the `spindle` binary as a user would.

// Not every test binary that includes this module uses every item.
#![allow(dead_code)]

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How a run of the binary ended: its exit code (`None`: killed by a signal) and its output.
pub struct Exit {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

/// Runs `bin args…` (in `dir`, if given) with no stdin, killing it and failing the test if it is
/// still running after `timeout`.
pub fn run_binary(bin: &str, dir: Option<&Path>, args: &[&str], timeout: Duration) -> Exit {
    let mut cmd = Command::new(bin);
    cmd.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    run_command(cmd, timeout)
}

/// Runs `cmd` as it is set up, collecting stdout and stderr where they are piped (empty where
/// they go elsewhere), killing it and failing the test if it is still running after `timeout`.
pub fn run_command(mut cmd: Command, timeout: Duration) -> Exit {
    let label = format!("{:?}", cmd);
    let mut child = cmd.spawn().expect("spawn the spindle binary");
    // Both pipes are drained while the child runs, so that a chatty child cannot fill one and stall.
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut r) = r {
                r.read_to_end(&mut buf).unwrap();
            }
            buf
        })
    };
    let out = drain(child.stdout.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let err = drain(child.stderr.take().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`{label}` did not finish within {timeout:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Exit { code: status.code(), stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}
