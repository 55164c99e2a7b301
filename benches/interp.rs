//! Interpreter throughput: a guest counting loop against the same loop in native Rust, in one
//! process, so the ratio is measured on the same machine at the same moment.
//!
//! Run: `cargo bench --bench interp`. Prints guest and native iterations per second and the ratio.

use spindle::{Program, RunConfig};
use std::hint::black_box;
use std::time::Instant;

const GUEST: &str = r#"
fn main() -> i64 {
    let i: i64;
    let acc: i64;
    bb0: { goto head; }
    head: { switch i < 100000000 { true => body, false => done } }
    body: { acc = acc +% i; i = i + 1; goto head; }
    done: { println "{}", acc; return 0; }
}
"#;
const ITERS: u64 = 100_000_000;

fn native(n: u64) -> u64 {
    let mut acc = 0u64;
    let mut i = 0u64;
    while black_box(i) < n {
        acc = acc.wrapping_add(i);
        i += 1;
    }
    acc
}

fn best_of<F: FnMut() -> f64>(runs: usize, mut f: F) -> f64 {
    (0..runs).map(|_| f()).fold(f64::INFINITY, f64::min)
}

fn main() {
    let program = Program::from_source("bench.mir", GUEST).expect("benchmark program compiles");
    let config = RunConfig::default();
    let guest_s = best_of(3, || {
        let t = Instant::now();
        let out = program.run(&config);
        assert_eq!(out.exit_code, 0);
        assert_eq!(out.stdout, format!("{}\n", native(ITERS)).into_bytes());
        t.elapsed().as_secs_f64()
    });
    let native_s = best_of(3, || {
        let t = Instant::now();
        black_box(native(black_box(ITERS)));
        t.elapsed().as_secs_f64()
    });
    let guest_rate = ITERS as f64 / guest_s;
    let native_rate = ITERS as f64 / native_s;
    println!("counting loop, {ITERS} iterations (best of 3)");
    println!("  guest : {:>8.1} M iterations/s", guest_rate / 1e6);
    println!("  native: {:>8.1} M iterations/s", native_rate / 1e6);
    println!("  native/guest ratio: {:.1}x", native_rate / guest_rate);
}
