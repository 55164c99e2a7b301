//! Race-detector overhead: a memory-heavy guest loop (a load and a store per iteration) while a
//! second thread is alive, with the detector on and off, in one run.
//!
//! Run: `cargo bench --bench race`. Prints checked accesses per second and the overhead ratio
//! (best of 7 runs each, on and off alternating).
//! `SPINDLE_BENCH_QUICK=1` runs each once with 1/100 of the work, for callgrind
//! (docs/performance.md).

mod common;

use common::{mem_guest, mem_result};
use spindle::{Program, RunConfig};
use std::time::Instant;

/// One run's wall-clock seconds.
fn time(program: &Program, race_check: bool, expect: &str) -> f64 {
    let config = RunConfig { race_check, ..RunConfig::default() };
    let t = Instant::now();
    let out = program.run(&config);
    assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), expect);
    t.elapsed().as_secs_f64()
}

fn main() {
    let quick = std::env::var_os("SPINDLE_BENCH_QUICK").is_some();
    let (iters, runs) = if quick { (200_000, 1) } else { (20_000_000, 7) };
    let program = Program::from_source("race_bench.mir", mem_guest(iters)).expect("benchmark program compiles");
    let expect = format!("{}\n", mem_result(iters));
    // On and off alternate, best of each: a shared machine's slow spells (a neighbour's load
    // lasts seconds) then fall on both sides alike instead of on whichever ran during them.
    let (mut on, mut off) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..runs {
        on = on.min(time(&program, true, &expect));
        off = off.min(time(&program, false, &expect));
    }
    let accesses = 2 * iters;
    println!("memory loop, {iters} iterations, 2 accesses each, 2 threads alive (best of {runs}, on and off alternating)");
    println!("  detector on : {:>7.1} M checked accesses/s ({:.3} s)", accesses as f64 / on / 1e6, on);
    println!("  detector off: {:>7.1} M accesses/s ({:.3} s)", accesses as f64 / off / 1e6, off);
    println!("  overhead ratio (on/off): {:.2}x", on / off);
}
