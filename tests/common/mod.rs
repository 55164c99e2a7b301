//! What several integration tests share: running the `spindle` binary as a user would.

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
    let mut child = cmd.spawn().expect("spawn the spindle binary");
    // Both pipes are drained while the child runs, so that a chatty child cannot fill one and stall.
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            r.read_to_end(&mut buf).unwrap();
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`spindle {}` did not finish within {timeout:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Exit { code: status.code(), stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}
