//! What several benchmarks share (`mod common;` in each; each uses a part of it).
#![allow(dead_code)]

use std::process::Command;

/// The memory loop of `benches/interp.rs` and `benches/race.rs`: a load and a store of
/// `BUF[i & 1023]` per iteration, `n` times, while a second thread is alive (sleeping), so that
/// the race detector checks every access (it starts at the first `spawn`). It prints `BUF[0]`
/// at the end: [`mem_result`]`(n)`.
pub fn mem_guest(n: u64) -> String {
    format!(
        r#"
static BUF: [u64; 1024];
fn main() -> i64 {{
    let t: i64;
    let i: i64;
    let p: ptr;
    let v: u64;
    bb0: {{ t = call spawn(idle, 0) -> head; }}
    head: {{ switch i < {n} {{ true => body, false => done }} }}
    body: {{
        p = &BUF + (i & 1023) * 8;
        v = load.u64 p;
        store.u64 p, v +% 1;
        i = i + 1;
        goto head;
    }}
    done: {{ v = load.u64 &BUF; println "{{}}", v; return 0; }}
}}
fn idle(x: i64) -> i64 {{
    bb0: {{ call usleep(1000000000) -> bb1; }}
    bb1: {{ return 0; }}
}}
"#
    )
}

/// The value [`mem_guest`]`(n)` prints: how many iterations hit index 0.
pub fn mem_result(n: u64) -> u64 {
    n.div_ceil(1024)
}

/// The best of three runs of the native twin `benches/native/{name}.c` (built with `gcc -O2
/// -pthread` into a temporary directory), given `rounds` as its argument: the rate it prints.
/// `None` when gcc or the twin fails (the benchmark then says "not measured").
pub fn native_best(name: &str, rounds: u64) -> Option<f64> {
    let dir = std::env::temp_dir().join(format!("spindle-bench-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let exe = dir.join(name);
    let src = format!("{}/benches/native/{name}.c", env!("CARGO_MANIFEST_DIR"));
    let built = Command::new("gcc").args(["-O2", "-pthread", "-o"]).arg(&exe).arg(src).status().ok()?.success();
    let best = built.then(|| {
        (0..3)
            .filter_map(|_| {
                let out = Command::new(&exe).arg(rounds.to_string()).output().ok()?;
                String::from_utf8_lossy(&out.stdout).trim().parse::<f64>().ok()
            })
            .fold(0.0, f64::max)
    });
    let _ = std::fs::remove_dir_all(&dir);
    best
}
