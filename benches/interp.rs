//! Interpreter throughput: three guest programs — a counting loop, recursive `fib` (calls and
//! returns) and a memory loop with the race detector on — each against the same code in native
//! Rust and in WebAssembly run by wasmi, all in one process, so the ratios are measured on the
//! same machine at the same moment.
//!
//! Run: `cargo bench --bench interp`. Prints, per program, the rate of Spindle, native code and
//! wasmi, and the ratios native/Spindle and wasmi/Spindle (best of 3 each).
//! `SPINDLE_BENCH_QUICK=1` runs each once with 1/100 of the work: for profiling under
//! `valgrind --tool=callgrind`, where the inclusive instruction counts of `Machine::exec` and of
//! the `native_*` functions give the same ratios in instructions (docs/performance.md);
//! `SPINDLE_BENCH_ONLY=count` (or `fib`, `mem`) runs one program only.

mod common;

use common::{mem_guest, mem_result};
use spindle::{Program, RunConfig};
use std::hint::black_box;
use std::time::Instant;

/// The three programs in WebAssembly, written by hand to mirror the guest code: 64-bit
/// arithmetic, the loop test at the top, `fib` with its two calls.
const WAT: &str = r#"
(module
  (memory 1)
  (func (export "count") (param $n i64) (result i64)
    (local $i i64) (local $acc i64)
    (block $done
      (loop $head
        (br_if $done (i64.ge_s (local.get $i) (local.get $n)))
        (local.set $acc (i64.add (local.get $acc) (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $head)))
    (local.get $acc))
  (func $fib (export "fib") (param $n i64) (result i64)
    (if (result i64) (i64.lt_s (local.get $n) (i64.const 2))
      (then (local.get $n))
      (else
        (i64.add
          (call $fib (i64.sub (local.get $n) (i64.const 1)))
          (call $fib (i64.sub (local.get $n) (i64.const 2)))))))
  (func (export "mem") (param $n i64) (result i64)
    (local $i i64) (local $p i32)
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 8192))
    (block $done
      (loop $head
        (br_if $done (i64.ge_s (local.get $i) (local.get $n)))
        (local.set $p (i32.wrap_i64 (i64.mul (i64.and (local.get $i) (i64.const 1023)) (i64.const 8))))
        (i64.store (local.get $p) (i64.add (i64.load (local.get $p)) (i64.const 1)))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $head)))
    (i64.load (i32.const 0)))
)
"#;

fn count_guest(n: u64) -> String {
    format!(
        r#"
fn main() -> i64 {{
    let i: i64;
    let acc: i64;
    bb0: {{ goto head; }}
    head: {{ switch i < {n} {{ true => body, false => done }} }}
    body: {{ acc = acc +% i; i = i + 1; goto head; }}
    done: {{ println "{{}}", acc; return 0; }}
}}
"#
    )
}

#[inline(never)]
fn native_count(n: u64) -> u64 {
    let mut acc = 0u64;
    let mut i = 0u64;
    while black_box(i) < n {
        acc = acc.wrapping_add(i);
        i += 1;
    }
    acc
}

fn fib_guest(n: u64) -> String {
    format!(
        r#"
fn main() -> i64 {{
    let f: i64;
    bb0: {{ f = call fib({n}) -> bb1; }}
    bb1: {{ println "{{}}", f; return 0; }}
}}
fn fib(n: i64) -> i64 {{
    let a: i64;
    let b: i64;
    bb0: {{ switch n < 2 {{ true => base, false => rec }} }}
    base: {{ return n; }}
    rec: {{ a = call fib(n - 1) -> rec2; }}
    rec2: {{ b = call fib(n - 2) -> done; }}
    done: {{ return a + b; }}
}}
"#
    )
}

#[inline(never)]
fn native_fib(n: u64) -> u64 {
    if black_box(n) < 2 {
        n
    } else {
        native_fib(n - 1) + native_fib(n - 2)
    }
}

#[inline(never)]
fn native_mem(n: u64) -> u64 {
    let mut buf = [0u64; 1024];
    let mut i = 0u64;
    while black_box(i) < n {
        let p = (i & 1023) as usize;
        buf[p] = black_box(buf[p]).wrapping_add(1);
        i += 1;
    }
    buf[0]
}

struct Wasm {
    store: wasmi::Store<()>,
    instance: wasmi::Instance,
}

impl Wasm {
    fn new() -> Wasm {
        let engine = wasmi::Engine::default();
        let module = wasmi::Module::new(&engine, WAT).expect("the benchmark's WebAssembly compiles");
        let mut store = wasmi::Store::new(&engine, ());
        let instance = wasmi::Linker::<()>::new(&engine).instantiate_and_start(&mut store, &module).expect("the module instantiates");
        Wasm { store, instance }
    }
    fn call(&mut self, name: &str, n: u64) -> u64 {
        let f = self.instance.get_typed_func::<i64, i64>(&self.store, name).expect("the export exists");
        f.call(&mut self.store, n as i64).expect("the WebAssembly runs") as u64
    }
}

fn best_of<F: FnMut() -> f64>(runs: usize, mut f: F) -> f64 {
    (0..runs).map(|_| f()).fold(f64::INFINITY, f64::min)
}

struct Bench {
    name: &'static str,
    /// What one unit of work is ("iterations", "calls").
    unit: &'static str,
    units: u64,
    guest: String,
    config: RunConfig,
    native: fn(u64) -> u64,
    wasm: &'static str,
    arg: u64,
    expect: u64,
}

fn main() {
    let quick = std::env::var_os("SPINDLE_BENCH_QUICK").is_some();
    let (scale, runs) = if quick { (100, 1) } else { (1, 3) };
    let count_n = 100_000_000 / scale;
    let fib_n = if quick { 22 } else { 32 };
    // fib(n) makes 2 fib(n+1) - 1 calls.
    let fib_calls = 2 * native_fib(fib_n + 1) - 1;
    let mem_n = 20_000_000 / scale;
    let benches = [
        Bench {
            name: "counting loop",
            unit: "iterations",
            units: count_n,
            guest: count_guest(count_n),
            config: RunConfig::default(),
            native: native_count,
            wasm: "count",
            arg: count_n,
            expect: native_count(count_n),
        },
        Bench {
            name: "recursive fib",
            unit: "calls",
            units: fib_calls,
            guest: fib_guest(fib_n),
            config: RunConfig::default(),
            native: native_fib,
            wasm: "fib",
            arg: fib_n,
            expect: native_fib(fib_n),
        },
        Bench {
            name: "memory loop, race detector on",
            unit: "iterations",
            units: mem_n,
            guest: mem_guest(mem_n),
            config: RunConfig { race_check: true, ..RunConfig::default() },
            native: native_mem,
            wasm: "mem",
            arg: mem_n,
            expect: mem_result(mem_n),
        },
    ];
    // `SPINDLE_BENCH_ONLY=count|fib|mem`: one program only (for a profile of one).
    let only = std::env::var("SPINDLE_BENCH_ONLY").ok();
    let mut wasm = Wasm::new();
    for b in benches.iter().filter(|b| only.as_deref().is_none_or(|o| o == b.wasm)) {
        let program = Program::from_source("bench.mir", b.guest.as_str()).expect("benchmark program compiles");
        let guest_s = best_of(runs, || {
            let t = Instant::now();
            let out = program.run(&b.config);
            let s = t.elapsed().as_secs_f64();
            assert_eq!(out.exit_code, 0, "{}", String::from_utf8_lossy(&out.stderr));
            assert_eq!(out.stdout, format!("{}\n", b.expect).into_bytes());
            s
        });
        let native_s = best_of(runs, || {
            let t = Instant::now();
            let r = black_box((b.native)(black_box(b.arg)));
            let s = t.elapsed().as_secs_f64();
            assert_eq!(r, b.expect);
            s
        });
        let wasm_s = best_of(runs, || {
            let t = Instant::now();
            let r = wasm.call(b.wasm, b.arg);
            let s = t.elapsed().as_secs_f64();
            assert_eq!(r, b.expect);
            s
        });
        let rate = |s: f64| b.units as f64 / s / 1e6;
        println!("{}, {} {} (best of {runs})", b.name, b.units, b.unit);
        println!("  spindle: {:>8.1} M {}/s", rate(guest_s), b.unit);
        println!("  native : {:>8.1} M {}/s", rate(native_s), b.unit);
        println!("  wasmi  : {:>8.1} M {}/s", rate(wasm_s), b.unit);
        println!("  native/spindle ratio: {:.1}x", guest_s / native_s);
        println!("  wasmi/spindle ratio : {:.2}x", guest_s / wasm_s);
    }
}
