//! Round trips between two guest threads through blocking eventfd reads, against the same
//! program compiled natively and run on this Linux with two OS threads (benches/native/*.c,
//! built with gcc at bench time), in one run. Also: the same guest run with the trace on,
//! written to a file, against the trace off.
//!
//! Run: `cargo bench --bench pingpong`. `SPINDLE_BENCH_QUICK=1` runs the guest once, trace off,
//! with 1/100 of the round trips (`SPINDLE_BENCH_ROUNDS=N`: N) and no native twin: for callgrind
//! (docs/performance.md).

mod common;

use spindle::{Program, RunConfig, TraceConfig, TraceFormat, Tracer};
use spindle_vm::machine::Console;
use std::time::Instant;

const ROUNDS: u64 = 200_000;

fn guest(rounds: u64) -> String {
    format!(
        r#"
fn main() -> i64 {{
    let ping: i64; let pong: i64; let t: i64; let i: i64; let n: i64;
    let buf: [u64; 1];
    bb0: {{ ping = call eventfd(0, 0) -> bb1; }}
    bb1: {{ pong = call eventfd(0, 0) -> bb2; }}
    bb2: {{ store.u64 &buf, ping as u64; t = call spawn(responder, ping * 65536 + pong) -> head; }}
    head: {{ switch i < {rounds} {{ true => send, false => done }} }}
    send: {{ store.u64 &buf, 1; n = call write(ping, &buf, 8) -> recv; }}
    recv: {{ n = call read(pong, &buf, 8) -> next; }}
    next: {{ i = i + 1; goto head; }}
    done: {{ call join(t) -> end; }}
    end: {{ return 0; }}
}}

fn responder(fds: i64) -> i64 {{
    let ping: i64; let pong: i64; let i: i64; let n: i64;
    let buf: [u64; 1];
    bb0: {{ ping = fds / 65536; pong = fds % 65536; goto head; }}
    head: {{ switch i < {rounds} {{ true => recv, false => done }} }}
    recv: {{ n = call read(ping, &buf, 8) -> send; }}
    send: {{ n = call write(pong, &buf, 8) -> next; }}
    next: {{ i = i + 1; goto head; }}
    done: {{ return 0; }}
}}
"#
    )
}

fn guest_rate(program: &Program, trace_to: Option<&std::path::Path>) -> f64 {
    let best = (0..3)
        .map(|_| {
            let tracer = trace_to.map(|p| {
                let f = std::fs::File::create(p).expect("trace file");
                Tracer::new(
                    TraceConfig { format: TraceFormat::Text, time: false, timeline: false },
                    Some(Box::new(std::io::BufWriter::new(f))),
                )
            });
            let t = Instant::now();
            let (stats, _) = program.run_traced(&RunConfig::default(), Console::sink(), tracer);
            assert_eq!(stats.stop.exit_code(), 0);
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min);
    ROUNDS as f64 / best
}

/// The round trips of the quick mode: `SPINDLE_BENCH_ROUNDS`, or `default`.
fn quick_rounds(default: u64) -> u64 {
    std::env::var("SPINDLE_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    if std::env::var_os("SPINDLE_BENCH_QUICK").is_some() {
        let rounds = quick_rounds(ROUNDS / 100);
        let program = Program::from_source("pingpong.mir", guest(rounds)).expect("benchmark program compiles");
        let t = Instant::now();
        let (stats, _) = program.run_traced(&RunConfig::default(), Console::sink(), None);
        assert_eq!(stats.stop.exit_code(), 0);
        println!("quick: {rounds} eventfd round trips, trace off, in {:.3} s", t.elapsed().as_secs_f64());
        return;
    }
    let program = Program::from_source("pingpong.mir", guest(ROUNDS)).expect("benchmark program compiles");
    let off = guest_rate(&program, None);
    println!("eventfd ping-pong, {ROUNDS} round trips, blocking reads (best of 3)");
    println!("  guest, trace off : {:>10.0} round trips/s", off);
    // (Built without the call hooks, by benches/trace-off.sh, there is no trace to turn on.)
    if spindle_shims::HOOKS {
        let trace_file = std::env::temp_dir().join(format!("spindle-pingpong-trace-{}.txt", std::process::id()));
        let on = guest_rate(&program, Some(&trace_file));
        let _ = std::fs::remove_file(&trace_file);
        println!("  guest, trace on  : {:>10.0} round trips/s (to a file; slowdown {:.2}x)", on, off / on);
    }
    match common::native_best("pingpong_eventfd", ROUNDS) {
        Some(n) => println!("  native, 2 threads: {:>10.0} round trips/s (guest/native {:.2}x)", n, off / n),
        None => println!("  native: not measured (gcc unavailable)"),
    }
}
