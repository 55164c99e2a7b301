//! A mutex handed between two guest threads (`std::sync`'s futex mutex: lock, increment,
//! unlock, `ROUNDS` times each), against the same program compiled natively with pthread's
//! mutex on two OS threads (benches/native/mutex_handoff.c, built with gcc at bench time), in
//! one run; and, in the interpreter, an uncontended lock/unlock pair against a pair of atomic
//! read-modify-writes (what the lock's fast path does besides its two `gettid` calls).
//!
//! The guest runs under `--sched random` (seed 1): the fixed scheduler never preempts, so each
//! thread would take the lock `ROUNDS` times uncontended; under random the threads interleave
//! and contend, and the lock's slow path (`futex` wait and wake) runs.
//!
//! Run: `cargo bench --bench mutex`.

mod common;

use spindle::{Program, RunConfig};
use spindle_vm::machine::Console;
use std::time::Instant;

const ROUNDS: u64 = 1_000_000;

fn handoff() -> String {
    format!(
        r#"
use std::sync;
static M: [u32; 1];
static COUNT: [u64; 1];

fn main() -> i64 {{
    let t: i64; let c: u64;
    bb0: {{ t = call spawn(worker, 0) -> bb1; }}
    bb1: {{ call worker() -> bb2; }}
    bb2: {{ call join(t) -> bb3; }}
    bb3: {{ c = load.u64 &COUNT; assert c == {total}, "every increment"; return 0; }}
}}

fn worker() {{
    let i: i64; let c: u64;
    bb0: {{ goto head; }}
    head: {{ switch i < {ROUNDS} {{ true => lock, false => done }} }}
    lock: {{ call mutex_lock(&M) -> inc; }}
    inc: {{ c = load.u64 &COUNT; store.u64 &COUNT, c + 1; call mutex_unlock(&M) -> next; }}
    next: {{ i = i + 1; goto head; }}
    done: {{ return; }}
}}
"#,
        total = 2 * ROUNDS
    )
}

/// One thread: lock and unlock `ROUNDS` times (`LOCK` = 1), or the two atomic RMWs of the
/// lock's fast path — a compare-and-swap and an exchange — `ROUNDS` times (`LOCK` = 0).
fn uncontended(lock: bool) -> String {
    let body = if lock {
        "call mutex_lock(&M) -> unlock; } unlock: { call mutex_unlock(&M) -> next;"
    } else {
        "c, ok = cas.acquire.relaxed.u32 &M, 0, 1; old = atomic_rmw.xchg.release.u32 &M, 0; goto next;"
    };
    format!(
        r#"
use std::sync;
static M: [u32; 1];

fn main() -> i64 {{
    let i: i64; let c: u32; let ok: bool; let old: u32;
    bb0: {{ goto head; }}
    head: {{ switch i < {ROUNDS} {{ true => body, false => done }} }}
    body: {{ {body} }}
    next: {{ i = i + 1; goto head; }}
    done: {{ return 0; }}
}}
"#
    )
}

/// Best of 3: seconds for one run.
fn guest_secs(program: &Program, config: &RunConfig) -> f64 {
    (0..3)
        .map(|_| {
            let t = Instant::now();
            let (stats, _) = program.run_traced(config, Console::sink(), None);
            assert_eq!(stats.stop.exit_code(), 0);
            t.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let unlimited = RunConfig { max_steps: None, ..RunConfig::default() };
    let program = Program::from_source("mutex_handoff.mir", handoff()).expect("benchmark program compiles");
    let random = RunConfig { policy: spindle::Policy::Random { seed: 1, preemption: spindle::DEFAULT_PREEMPTION }, ..unlimited.clone() };
    let guest = 2.0 * ROUNDS as f64 / guest_secs(&program, &random);
    println!("mutex handoff, 2 threads x {ROUNDS} lock/increment/unlock (best of 3)");
    println!("  guest, --sched random: {guest:>12.0} lock/unlock pairs/s");
    match common::native_best("mutex_handoff", ROUNDS) {
        Some(n) => println!("  native, pthread_mutex: {n:>12.0} lock/unlock pairs/s (native/guest {:.1}x)", n / guest),
        None => println!("  native: not measured (gcc unavailable)"),
    }
    let lock = Program::from_source("uncontended_lock.mir", uncontended(true)).expect("compiles");
    let rmws = Program::from_source("two_rmws.mir", uncontended(false)).expect("compiles");
    let (l, r) = (guest_secs(&lock, &unlimited), guest_secs(&rmws, &unlimited));
    println!("uncontended, 1 thread x {ROUNDS} (best of 3)");
    println!("  mutex_lock + mutex_unlock: {:>8.1} ns/pair", l * 1e9 / ROUNDS as f64);
    println!("  cas + xchg               : {:>8.1} ns/pair (lock/unlock costs {:.1}x)", r * 1e9 / ROUNDS as f64, l / r);
}
