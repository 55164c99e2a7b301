//! epoll's two costs, in one run:
//! (a) `epoll_wait` returning one ready interest among 10 and among 100 000 registered ones:
//!     the cost per call must not grow with the number of interests;
//! (b) a ping-pong between two guest threads through blocking `epoll_wait` on eventfds, against
//!     the same program compiled natively (benches/native/pingpong_epoll.c) with two OS threads;
//!     and the same guest run with the strace-style trace written to a file.
//!
//! Run: `cargo bench --bench epoll`. `SPINDLE_BENCH_QUICK=1` runs (b) only, once, trace off,
//! with 1/100 of the round trips (`SPINDLE_BENCH_ROUNDS=N`: N) and no native twin: for callgrind
//! (docs/performance.md).

mod common;

use spindle_shims::trace::{Format, TraceConfig, Tracer};
use spindle_shims::{LinuxResolver, Shims};
use spindle_vm::machine::{Console, Machine};
use spindle_vm::source::SourceFile;
use spindle_vm::Config;
use std::rc::Rc;
use std::time::Instant;

/// Compiles and runs a guest program with room for `fds` descriptors; returns the seconds taken.
fn run(src: &str, fds: usize, trace: Option<&std::path::Path>) -> f64 {
    let file = SourceFile::new("bench.mir", src);
    let compiled = spindle_vm::front::compile(&file, &LinuxResolver);
    let ir = Rc::new(compiled.program.expect("benchmark program compiles"));
    let mut shims = Shims::new();
    shims.fds.set_max_fds(fds);
    shims.trace = trace.map(|p| {
        let f = std::fs::File::create(p).expect("trace file");
        Tracer::new(TraceConfig { format: Format::Text, time: false, timeline: false }, Some(Box::new(std::io::BufWriter::new(f))))
    });
    let t = Instant::now();
    let mut m = Machine::new(ir, Config::default(), Console::sink()).expect("machine");
    let stop = m.run(&mut shims);
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(stop.exit_code(), 0, "{:?}", stop.diags);
    secs
}

fn best(n: usize, mut f: impl FnMut() -> f64) -> f64 {
    (0..n).map(|_| f()).fold(f64::INFINITY, f64::min)
}

/// `interests` eventfds in one epoll instance, level-triggered; only the last one is readable;
/// then `waits` calls of `epoll_wait(ep, evs, 1, 0)`, each returning it.
fn wait_program(interests: u64, waits: u64) -> String {
    format!(
        r#"
fn main() -> i64 {{
    let ep: i64; let fd: i64; let i: i64; let n: i64;
    let ev: [u8; 12]; let one: [u64; 1];
    bb0: {{ ep = call epoll_create1(0) -> make; }}
    make: {{ switch i < {interests} {{ true => create, false => ready }} }}
    create: {{ fd = call eventfd(0, EFD_NONBLOCK) -> add; }}
    add: {{ store.u32 &ev, EPOLLIN; store.u64 &ev + 4, i as u64; n = call epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) -> next; }}
    next: {{ i = i + 1; goto make; }}
    ready: {{ store.u64 &one, 1; n = call write(fd, &one, 8) -> waits; }}
    waits: {{ i = 0; goto head; }}
    head: {{ switch i < {waits} {{ true => wait, false => done }} }}
    wait: {{ n = call epoll_wait(ep, &ev, 1, 0) -> check; }}
    check: {{ assert n == 1; i = i + 1; goto head; }}
    done: {{ return 0; }}
}}
"#
    )
}

const ROUNDS: u64 = 100_000;

fn pingpong_program(rounds: u64) -> String {
    format!(
        r#"
fn watch(efd: i64) -> i64 {{
    let ep: i64; let n: i64; let ev: [u8; 12];
    bb0: {{ ep = call epoll_create1(0) -> bb1; }}
    bb1: {{ store.u32 &ev, EPOLLIN; store.u64 &ev + 4, 1; n = call epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) -> bb2; }}
    bb2: {{ return ep; }}
}}

fn take(ep: i64, efd: i64) {{
    let n: i64; let ev: [u8; 12]; let buf: [u64; 1];
    bb0: {{ n = call epoll_wait(ep, &ev, 1, -1) -> bb1; }}
    bb1: {{ assert n == 1; n = call read(efd, &buf, 8) -> bb2; }}
    bb2: {{ return; }}
}}

fn main() -> i64 {{
    let a: i64; let b: i64; let ep: i64; let t: i64; let i: i64; let n: i64; let one: [u64; 1];
    bb0: {{ a = call eventfd(0, 0) -> bb1; }}
    bb1: {{ b = call eventfd(0, 0) -> bb2; }}
    bb2: {{ ep = call watch(a) -> bb3; }}
    bb3: {{ t = call spawn(responder, a * 65536 + b) -> head; }}
    head: {{ switch i < {rounds} {{ true => send, false => done }} }}
    send: {{ store.u64 &one, 1; n = call write(b, &one, 8) -> recv; }}
    recv: {{ call take(ep, a) -> next; }}
    next: {{ i = i + 1; goto head; }}
    done: {{ call join(t) -> end; }}
    end: {{ return 0; }}
}}

fn responder(fds: i64) -> i64 {{
    let a: i64; let b: i64; let ep: i64; let i: i64; let n: i64; let one: [u64; 1];
    bb0: {{ a = fds / 65536; b = fds % 65536; ep = call watch(b) -> head; }}
    head: {{ switch i < {rounds} {{ true => recv, false => done }} }}
    recv: {{ call take(ep, b) -> send; }}
    send: {{ store.u64 &one, 1; n = call write(a, &one, 8) -> next; }}
    next: {{ i = i + 1; goto head; }}
    done: {{ return 0; }}
}}
"#
    )
}

/// The round trips of the quick mode: `SPINDLE_BENCH_ROUNDS`, or `default`.
fn quick_rounds(default: u64) -> u64 {
    std::env::var("SPINDLE_BENCH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() {
    if std::env::var_os("SPINDLE_BENCH_QUICK").is_some() {
        let rounds = quick_rounds(ROUNDS / 100);
        let s = run(&pingpong_program(rounds), 64, None);
        println!("(b) quick: {rounds} round trips through blocking epoll_wait, trace off, in {s:.3} s");
        return;
    }
    const WAITS: u64 = 2_000_000;
    println!("(a) epoll_wait with one ready interest (level-triggered, maxevents 1, timeout 0), best of 3");
    let mut per_call = Vec::new();
    for interests in [10u64, 100_000] {
        let fds = interests as usize + 16;
        let with = best(3, || run(&wait_program(interests, WAITS), fds, None));
        let without = best(3, || run(&wait_program(interests, 0), fds, None));
        let ns = (with - without).max(0.0) / WAITS as f64 * 1e9;
        println!("  {interests:>6} interests: {ns:>7.1} ns per epoll_wait");
        per_call.push(ns);
    }
    println!("  ratio 100000/10: {:.2}x", per_call[1] / per_call[0]);

    println!("(b) eventfd ping-pong through blocking epoll_wait, {ROUNDS} round trips, best of 3");
    let guest = best(3, || run(&pingpong_program(ROUNDS), 64, None));
    let guest_rate = ROUNDS as f64 / guest;
    println!("  guest, trace off : {:>10.0} round trips/s", guest_rate);
    // (Built without the call hooks, by benches/trace-off.sh, there is no trace to turn on.)
    if spindle_shims::HOOKS {
        let trace_file = std::env::temp_dir().join(format!("spindle-epoll-trace-{}.txt", std::process::id()));
        let traced = best(3, || run(&pingpong_program(ROUNDS), 64, Some(&trace_file)));
        let _ = std::fs::remove_file(&trace_file);
        println!("  guest, trace on  : {:>10.0} round trips/s (to a file; slowdown {:.2}x)", ROUNDS as f64 / traced, traced / guest);
    }
    match common::native_best("pingpong_epoll", ROUNDS) {
        Some(n) => println!("  native, 2 threads: {:>10.0} round trips/s (guest/native {:.2}x)", n, guest_rate / n),
        None => println!("  native: not measured (gcc unavailable)"),
    }
}
