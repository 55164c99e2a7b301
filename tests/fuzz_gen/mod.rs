//! Generators and checks shared by the stable property tests (`tests/fuzz_*.rs`, driven by
//! proptest) and the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`, driven by libFuzzer). Both
//! feed the same functions with bytes: proptest with random vectors, libFuzzer with its
//! mutated inputs. A generator reads its choices from a [`Bytes`] source; once the bytes run
//! out every choice is 0, so any input — even an empty one — gives a program.
//!
//! - [`mutate`]: random byte-level edits of a corpus program (the front end's input);
//! - [`gen_program`]: a *valid* program with threads, atomics, loads and stores, branches, guest
//!   calls and foreign calls with random arguments;
//! - [`gen_shim_program`]: a program that calls the shims with random fds, flags, lengths and
//!   pointers (into, at the edge of, outside and after allocations) and prints each result and
//!   errno, so that [`check_shim_output`] can hold every failure to Linux's errno list.
//!
//! The checks ([`check_front_end`], [`check_run`]) catch Rust panics with `catch_unwind` and
//! return them as errors, so a fuzz target or a test can report them with the input.
#![allow(dead_code)]

use spindle::{Policy, Program, RunConfig, StopKind};
use std::fmt::Write as _;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A source of choices: the input bytes, then zeros.
pub struct Bytes<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Bytes<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Bytes { data, pos: 0 }
    }
    pub fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }
    pub fn exhausted(&self) -> bool {
        self.pos >= self.data.len()
    }
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }
    pub fn u64(&mut self) -> u64 {
        let mut v = 0u64;
        for i in 0..8 {
            v |= (self.byte() as u64) << (8 * i);
        }
        v
    }
    /// A choice in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        if n <= 256 {
            self.byte() as usize % n
        } else {
            self.u16() as usize % n
        }
    }
    pub fn chance(&mut self, one_in: usize) -> bool {
        self.below(one_in) == 0
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

// ---- the front end: mutated corpus programs --------------------------------------------------

/// Every `.mir` file under `programs/`, sorted (the mutation corpus).
pub fn corpus() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &std::path::Path, out: &mut Vec<(String, Vec<u8>)>) {
        let Ok(rd) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "mir") {
                if let Ok(b) = std::fs::read(&p) {
                    out.push((p.display().to_string(), b));
                }
            }
        }
    }
    let mut out = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("programs"), &mut out);
    out
}

/// Fragments the mutator splices in: tokens that make near-valid programs.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ";",
    ":",
    ",",
    "->",
    "=>",
    ".",
    "&",
    "+",
    "-",
    "*",
    "/",
    "%",
    "<<",
    ">>",
    "|",
    "^",
    "!",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "=",
    "+%",
    "-%",
    "*%",
    "fn",
    "static",
    "let",
    "call",
    "return",
    "goto",
    "switch",
    "unreachable",
    "assert",
    "print",
    "println",
    "load",
    "store",
    "atomic_load",
    "atomic_store",
    "atomic_rmw",
    "cas",
    "fence",
    "as",
    "true",
    "false",
    "null",
    "i8",
    "u64",
    "ptr",
    "bool",
    "[u8; 4294967295]",
    "0xffffffffffffffff",
    "18446744073709551616",
    "-",
    "\"",
    "\"{}\"",
    "\"{:#x}\"",
    "b\"\\xff\"",
    "/*",
    "*/",
    "//",
    "\n",
    "bb0",
    "main",
    "spawn",
    "join",
    "malloc",
    "free",
    "write",
    "EAGAIN",
    "_",
    "((((((((",
    "))))))))",
    "\u{feff}",
    "\u{0}",
    "\u{ff}",
];

/// Applies 1..=8 random edits (byte flips, deletions, insertions, token splices, duplicated or
/// removed ranges) to `src`.
pub fn mutate(src: &[u8], b: &mut Bytes) -> Vec<u8> {
    let mut v = src.to_vec();
    let n = 1 + b.below(8);
    for _ in 0..n {
        let len = v.len();
        let at = if len == 0 { 0 } else { b.below(len + 1).min(len) };
        match b.below(7) {
            0 if at < len => v[at] = b.byte(),
            1 if at < len => {
                let k = (1 + b.below(16)).min(len - at);
                v.drain(at..at + k);
            }
            2 => {
                let x = b.byte();
                v.insert(at, x)
            }
            3 | 4 => {
                let t = b.pick(TOKENS).as_bytes();
                v.splice(at..at, t.iter().copied());
            }
            5 if at < len => {
                // Duplicate a range (repeats blocks, items, nesting).
                let k = (1 + b.below(64)).min(len - at);
                let chunk: Vec<u8> = v[at..at + k].to_vec();
                let to = b.below(len + 1).min(len);
                v.splice(to..to, chunk);
            }
            _ if at < len => v[at] ^= 1 << b.below(8),
            _ => v.push(b.byte()),
        }
    }
    v
}

/// The front end on arbitrary bytes: it must not panic, and a rejection must be a rendered
/// error (exit code 2 in the CLI). An accepted program is also run under small limits.
pub fn check_front_end(bytes: &[u8]) -> Result<(), String> {
    let r = catch_unwind(AssertUnwindSafe(|| -> Result<(), String> {
        let text = match spindle_vm::front::decode_source(bytes.to_vec()) {
            Ok(t) => t,
            Err(d) => {
                let s = spindle_vm::diag::render(&[d], None, false);
                return if s.contains("error") { Ok(()) } else { Err(format!("a rejected encoding without an error: {s:?}")) };
            }
        };
        // Modules come from memory (one file, gen_mod.mir), never from the file system.
        match Program::load_source("fuzz.mir", text, &module_options(gen_module_files())) {
            Err(e) => {
                if e.diagnostics.is_empty() {
                    return Err("a rejected program without a diagnostic".into());
                }
                let s = e.render(false);
                if !s.contains("error") {
                    return Err(format!("a rejected program whose report names no error: {s}"));
                }
                Ok(())
            }
            Ok(mut p) => {
                p.set_fd_limits(small_fd_limits());
                let _ = p.render_warnings(false);
                check_outcome(&p, &small_config(Policy::Fixed)).map(|_| ())
            }
        }
    }));
    match r {
        Ok(r) => r,
        Err(e) => Err(format!("panic: {}", panic_text(&e))),
    }
}

pub fn panic_text(e: &Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = e.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = e.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic with a non-string payload".into()
    }
}

/// Limits for fuzzed runs: small enough that every run ends in milliseconds.
pub fn small_config(policy: Policy) -> RunConfig {
    RunConfig {
        policy,
        max_steps: Some(5_000),
        max_stack_depth: 64,
        max_memory: 1 << 20,
        max_threads: 8,
        max_spawns: 64,
        max_allocations: 4096,
        max_spaces: 8,
        race_check: true,
        weak_memory: true,
        spurious_wakeups: 0,
        lock_waits: false,
        interrupt: None,
    }
}

/// Fd limits for fuzzed runs: a guest that opens fds in a loop reaches `EMFILE` quickly.
pub fn small_fd_limits() -> spindle::FdLimits {
    spindle::FdLimits { max_fds: 64, max_fd_buffers: 1 << 20 }
}

/// What a run produced, compared between two runs with the same seed.
#[derive(Debug, PartialEq, Eq)]
pub struct Summary {
    pub exit_code: i32,
    pub kind: String,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub report: String,
    pub steps: u64,
    pub time_ns: u64,
    pub schedule: Option<String>,
}

/// Runs `p` and checks what can be checked of any run: the exit code matches the kind of stop,
/// a failure has a rendered report, the step limit held.
pub fn check_outcome(p: &Program, config: &RunConfig) -> Result<Summary, String> {
    let o = catch_unwind(AssertUnwindSafe(|| p.run(config))).map_err(|e| format!("panic in run: {}", panic_text(&e)))?;
    let report = catch_unwind(AssertUnwindSafe(|| p.render_stop(&o.stop, false)))
        .map_err(|e| format!("panic rendering the report: {}", panic_text(&e)))?;
    let expected = match o.stop.kind {
        StopKind::Exit(c) => c as i32,
        StopKind::Ub | StopKind::Deadlock => 1,
        StopKind::Unsupported => 3,
        StopKind::Limit => 4,
        StopKind::Panic => 101,
        StopKind::Abort => 134,
        StopKind::Interrupted => 130,
    };
    if o.schedule_error.is_none() && o.exit_code != expected {
        return Err(format!("exit code {} for a stop of kind {:?}", o.exit_code, o.stop.kind));
    }
    if !matches!(o.stop.kind, StopKind::Exit(_)) && !report.contains("error") {
        return Err(format!("a {:?} stop without an error report: {report:?}", o.stop.kind));
    }
    if let Some(max) = config.max_steps {
        // The step counter is checked once per block, so a run may end one block past it.
        if o.steps > max + 1_000 {
            return Err(format!("{} steps under --max-steps {max}", o.steps));
        }
    }
    Ok(Summary {
        exit_code: o.exit_code,
        kind: format!("{:?}", o.stop.kind),
        stdout: o.stdout,
        stderr: o.stderr,
        report,
        steps: o.steps,
        time_ns: o.time_ns,
        schedule: o.schedule,
    })
}

/// Compiles a generated program (it must be valid) and runs it under the fixed scheduler once
/// and a seeded random scheduler twice: no panic, consistent stops, the same result both times.
pub fn check_run(src: &str, seed: u64) -> Result<Summary, String> {
    // A generated program may come in two files: the part after MODULE_MARKER is gen_mod.mir.
    let (main, files) = match src.split_once(MODULE_MARKER) {
        Some((main, module)) => (main, [("gen_mod.mir".to_string(), module.to_string())].into_iter().collect()),
        None => (src, std::collections::BTreeMap::new()),
    };
    let p = match catch_unwind(AssertUnwindSafe(|| Program::load_source("gen.mir", main, &module_options(files)))) {
        Err(e) => return Err(format!("panic in the front end: {}", panic_text(&e))),
        Ok(Err(e)) => return Err(format!("a generated program was rejected:\n{}", e.render(false))),
        Ok(Ok(mut p)) => {
            p.set_fd_limits(small_fd_limits());
            p
        }
    };
    // The fixed scheduler once; a seeded random one twice, which must agree.
    let fixed = check_outcome(&p, &small_config(Policy::Fixed))?;
    let config = small_config(Policy::Random { seed, preemption: 0.5 });
    let a = check_outcome(&p, &config)?;
    let b = check_outcome(&p, &config)?;
    if a != b {
        return Err(format!("two runs with the same seed differ:\n{a:#?}\n{b:#?}"));
    }
    Ok(fixed)
}

/// Where a generated program's text continues as the module `gen_mod.mir`.
pub const MODULE_MARKER: &str = "// ---- file gen_mod.mir\n";

/// The in-memory module the front-end fuzzing may `use`: `use "gen_mod.mir";` loads it.
pub fn gen_module_files() -> std::collections::BTreeMap<String, String> {
    [("gen_mod.mir".to_string(), "const K = 3;\nstatic M: [u64; 2];\nfn from_mod(a: i64) -> i64 { bb0: { return a + K; } }\n".to_string())]
        .into_iter()
        .collect()
}

/// Load options with in-memory modules only.
pub fn module_options(files: std::collections::BTreeMap<String, String>) -> spindle::LoadOptions {
    spindle::LoadOptions { files: Some(std::sync::Arc::new(files)), ..Default::default() }
}

// ---- valid programs --------------------------------------------------------------------------

const I64_LOCALS: &[&str] = &["a", "b", "c", "d"];
const ORD_LOAD: &[&str] = &["relaxed", "acquire", "seq_cst"];
const ORD_STORE: &[&str] = &["relaxed", "release", "seq_cst"];
const ORD_ANY: &[&str] = &["relaxed", "acquire", "release", "acq_rel", "seq_cst"];
const RMW_OPS: &[&str] = &["add", "sub", "and", "or", "xor", "xchg", "max", "min"];
const BIN_OPS: &[&str] = &["+", "-", "*", "/", "%", "+%", "-%", "*%", "&", "|", "^", "<<", ">>"];
const CMP_OPS: &[&str] = &["==", "!=", "<", "<=", ">", ">="];
const INT_TYPES: &[&str] = &["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64"];
const CONSTS: &[&str] = &["EAGAIN", "EPOLLIN", "O_NONBLOCK", "EFD_NONBLOCK", "SOCK_STREAM", "AF_UNIX", "MSG_DONTWAIT", "F_GETFL"];

/// Interesting 64-bit values, as literals an `i64` accepts.
fn lit_i64(b: &mut Bytes) -> String {
    match b.below(10) {
        0 => "0".into(),
        1 => "1".into(),
        2 => "(-1)".into(),
        3 => "(-9223372036854775808)".into(),
        4 => "9223372036854775807".into(),
        5 => b.pick(&["2", "3", "7", "8", "63", "64", "255", "4096", "65536", "4294967295", "4294967296"]).into(),
        6 => b.pick(CONSTS).into(),
        7 => format!("0x{:x}", b.byte()),
        8 => format!("(-{})", b.u16()),
        _ => format!("({})", b.u64() as i64 as i128),
    }
}

/// A generated program's shape: functions the generator may call or spawn.
struct Gen<'a, 'b> {
    b: &'a mut Bytes<'b>,
    /// Helper functions `h0..`: `(a: i64, b: i64) -> i64`.
    helpers: usize,
    /// Thread functions `w0..`: `(x: i64) -> i64`.
    workers: usize,
    /// Whether `gen_std` (which uses std::linux and `const GEN_K`) exists.
    std: bool,
}

impl Gen<'_, '_> {
    fn i64_expr(&mut self, depth: u32) -> String {
        self.i64_expr_c(depth).0
    }

    /// An `i64` expression, and whether it is a constant. No operator gets only constant
    /// operands: the checker folds constant expressions and rejects those that fail
    /// (`1 << 99`), so a failing operation must happen at run time.
    fn i64_expr_c(&mut self, depth: u32) -> (String, bool) {
        let leaf = depth == 0 || self.b.chance(3);
        if leaf {
            return match self.b.below(8) {
                0..=3 => (self.b.pick(I64_LOCALS).into(), false),
                4 | 5 => (lit_i64(self.b), true),
                6 => (format!("({} as i64)", self.b.pick(&["u", "p", "ok"])), false),
                _ => ("t".into(), false),
            };
        }
        let operand = |g: &mut Self| {
            let (e, c) = g.i64_expr_c(depth - 1);
            if c {
                g.b.pick(I64_LOCALS).to_string()
            } else {
                e
            }
        };
        let e = match self.b.below(8) {
            0..=3 => {
                let op = self.b.pick(BIN_OPS);
                let (l, lc) = self.i64_expr_c(depth - 1);
                let (r, rc) = self.i64_expr_c(depth - 1);
                let l = if lc && rc { self.b.pick(I64_LOCALS).to_string() } else { l };
                // A literal shift amount is typed `u32`: it may not be negative.
                // A shift amount gives its literals no type but `u32`: cast it from `i64`.
                let r = match (op == "<<" || op == ">>", rc) {
                    (true, true) => self.b.pick(I64_LOCALS).to_string(),
                    (true, false) => format!("({r} as i64)"),
                    _ => r,
                };
                format!("({l} {op} {r})")
            }
            4 => format!("(-{})", operand(self)),
            5 => format!("(!{})", operand(self)),
            6 => {
                // A round trip through another integer type.
                let ty = self.b.pick(INT_TYPES);
                format!("(({} as {ty}) as i64)", operand(self))
            }
            _ => {
                let (b, c) = self.bool_expr_c(depth - 1);
                return (format!("({b} as i64)"), c);
            }
        };
        (e, false)
    }

    fn bool_expr(&mut self, depth: u32) -> String {
        self.bool_expr_c(depth).0
    }

    fn bool_expr_c(&mut self, depth: u32) -> (String, bool) {
        if depth == 0 || self.b.chance(3) {
            let b = self.b.pick(&["ok", "true", "false", "(p == null)"]);
            return (b.into(), b == "true" || b == "false");
        }
        let e = match self.b.below(4) {
            0 | 1 => {
                let op = self.b.pick(CMP_OPS);
                let (l, lc) = self.i64_expr_c(depth - 1);
                let (r, rc) = self.i64_expr_c(depth - 1);
                let l = if lc && rc { self.b.pick(I64_LOCALS).to_string() } else { l };
                format!("({l} {op} {r})")
            }
            2 => {
                let (e, c) = self.bool_expr_c(depth - 1);
                format!("(!{})", if c { "ok" } else { &e })
            }
            _ => {
                let (l, lc) = self.bool_expr_c(depth - 1);
                let (r, rc) = self.bool_expr_c(depth - 1);
                let l = if lc && rc { "ok".to_string() } else { l };
                format!("({l} {} {r})", self.b.pick(&["&", "|", "^", "==", "!="]))
            }
        };
        (e, false)
    }

    /// A pointer: mostly into the shared static, sometimes elsewhere (the heap, an array local,
    /// a literal, null, a forged address).
    fn ptr_expr(&mut self) -> String {
        match self.b.below(10) {
            0..=4 => format!("(&SHARED + {})", 8 * self.b.below(8)),
            5 => "p".into(),
            6 => "&arr".into(),
            7 => format!("(&SHARED + ({} & 63))", self.i64_expr(1)),
            8 => "b\"lit\"".into(),
            _ => self.b.pick(&["null", "(p + 8)", "(&SHARED - 8)", "(&SHARED + 64)", "(4294967296 as ptr)"]).into(),
        }
    }

    fn statement(&mut self, out: &mut String, in_thread: bool) {
        let x = self.b.pick(I64_LOCALS);
        let _ = match self.b.below(16) {
            0..=3 => writeln!(out, "        {x} = {};", self.i64_expr(3)),
            4 => writeln!(out, "        {x} = load.i64 {};", self.ptr_expr()),
            5 => writeln!(out, "        store.{} {}, {x} as {0};", self.b.pick(INT_TYPES), self.ptr_expr()),
            6 => writeln!(out, "        {x} = atomic_load.{}.i64 {};", self.b.pick(ORD_LOAD), self.ptr_expr()),
            7 => writeln!(out, "        atomic_store.{}.i64 {}, {};", self.b.pick(ORD_STORE), self.ptr_expr(), self.i64_expr(1)),
            8 => writeln!(
                out,
                "        {x} = atomic_rmw.{}.{}.i64 {}, {};",
                self.b.pick(RMW_OPS),
                self.b.pick(ORD_ANY),
                self.ptr_expr(),
                self.i64_expr(1)
            ),
            9 => {
                // The failure ordering is never stronger than the success ordering.
                let (s, f) = self.b.pick(&[
                    ("relaxed", "relaxed"),
                    ("acquire", "acquire"),
                    ("release", "relaxed"),
                    ("acq_rel", "acquire"),
                    ("seq_cst", "seq_cst"),
                    ("seq_cst", "relaxed"),
                ]);
                writeln!(out, "        {x}, ok = cas.{s}.{f}.i64 {}, {}, {};", self.ptr_expr(), self.i64_expr(1), self.i64_expr(1))
            }
            10 => writeln!(out, "        fence.{};", self.b.pick(&["acquire", "release", "acq_rel", "seq_cst"])),
            11 => {
                writeln!(out, "        println \"{} {{}} {{:#x}} {{}}\", {x}, {}, ok;", if in_thread { "w" } else { "m" }, self.i64_expr(1))
            }
            12 => writeln!(out, "        ok = {};", self.bool_expr(2)),
            13 => writeln!(out, "        u = (u +% (({}) as u64));", self.i64_expr(1)),
            14 => writeln!(out, "        p = {};", self.ptr_expr()),
            _ if self.b.chance(4) => writeln!(out, "        assert {}, \"generated\";", self.bool_expr(1)),
            _ => writeln!(out, "        {x} = {x} +% 1;"),
        };
    }

    /// A terminator of block `i` of `n` (labels `bb0..bb{n-1}`).
    fn terminator(&mut self, out: &mut String, i: usize, n: usize, in_main: bool) {
        let label = |g: &mut Self| {
            // Mostly forwards, so that most runs finish before the step limit.
            if g.b.chance(4) {
                format!("bb{}", g.b.below(n))
            } else {
                format!("bb{}", (i + 1 + g.b.below(2)).min(n - 1))
            }
        };
        if i + 1 == n {
            let _ = writeln!(out, "        return {};", self.i64_expr(2));
            return;
        }
        let x = self.b.pick(I64_LOCALS);
        let _ = match self.b.below(14) {
            0 | 1 => writeln!(out, "        goto {};", label(self)),
            2 => {
                let (l1, l2, l3) = (label(self), label(self), label(self));
                writeln!(out, "        switch {} {{ 0 => {l1}, {} => {l2}, _ => {l3} }}", self.i64_expr(2), self.b.below(4) + 1)
            }
            3 => {
                let (l1, l2) = (label(self), label(self));
                writeln!(out, "        switch {} {{ true => {l1}, false => {l2} }}", self.bool_expr(2))
            }
            4 if self.helpers > 0 => {
                let h = self.b.below(self.helpers);
                writeln!(out, "        {x} = call h{h}({}, {}) -> {};", self.i64_expr(1), self.i64_expr(1), label(self))
            }
            5 if self.workers > 0 && in_main => {
                let w = self.b.below(self.workers);
                writeln!(out, "        t = call spawn(w{w}, {}) -> {};", self.i64_expr(1), label(self))
            }
            6 if in_main => writeln!(out, "        {x} = call join(t) -> {};", label(self)),
            7 => writeln!(out, "        p = call malloc({} & 255) -> {};", self.i64_expr(1), label(self)),
            8 => writeln!(out, "        call free(p) -> {};", label(self)),
            9 => writeln!(out, "        call sched_yield() -> {};", label(self)),
            10 => writeln!(out, "        {x} = call {} -> {};", self.foreign_call(), label(self)),
            11 if self.std && self.b.chance(2) => writeln!(out, "        {x} = call gen_std({}) -> {};", self.i64_expr(1), label(self)),
            11 if self.b.chance(8) => writeln!(out, "        call exit({});", self.i64_expr(1)),
            12 if self.b.chance(4) => writeln!(out, "        return {};", self.i64_expr(1)),
            _ => writeln!(out, "        goto {};", label(self)),
        };
    }

    /// A foreign call with random arguments (those that return an `i64`).
    fn foreign_call(&mut self) -> String {
        let e = |g: &mut Self| g.i64_expr(1);
        match self.b.below(12) {
            0 => format!("write({}, {}, {} & 127)", e(self), self.ptr_expr(), e(self)),
            1 => format!("read({}, {}, {} & 127)", e(self), self.ptr_expr(), e(self)),
            2 => format!("eventfd({}, {})", e(self), self.b.pick(&["0", "EFD_NONBLOCK", "EFD_SEMAPHORE", "1"])),
            3 => format!("pipe2({}, {})", self.ptr_expr(), self.b.pick(&["0", "O_NONBLOCK", "O_CLOEXEC", "1"])),
            4 => format!("close({})", e(self)),
            5 => format!("dup({})", e(self)),
            6 => format!("fcntl({}, {}, {})", e(self), self.b.pick(&["F_GETFL", "F_SETFL", "F_GETFD", "F_DUPFD", "3"]), e(self)),
            7 => format!("socketpair(AF_UNIX, SOCK_STREAM | {}, 0, {})", self.b.pick(&["0", "SOCK_NONBLOCK"]), self.ptr_expr()),
            8 => format!("clock_gettime({}, {})", self.b.pick(&["CLOCK_MONOTONIC", "CLOCK_REALTIME", "5"]), self.ptr_expr()),
            9 => format!("usleep({} & 1023)", e(self)),
            10 => "errno()".into(),
            _ => format!("nanosleep({}, null)", self.ptr_expr()),
        }
    }

    fn body(&mut self, out: &mut String, in_main: bool, in_thread: bool) {
        out.push_str("    let t: i64;\n    let u: u64;\n    let p: ptr;\n    let ok: bool;\n    let arr: [u8; 16];\n");
        for l in I64_LOCALS.iter().skip(if in_main { 0 } else { 2 }) {
            let _ = writeln!(out, "    let {l}: i64 = {};", lit_i64(self.b));
        }
        let n = 1 + self.b.below(8);
        for i in 0..n {
            let _ = writeln!(out, "    bb{i}: {{");
            for _ in 0..self.b.below(5) {
                self.statement(out, in_thread);
            }
            self.terminator(out, i, n, in_main);
            out.push_str("    }\n");
        }
    }
}

/// A valid program: `main`, helper functions `h*` (which may call each other, recursion
/// included), thread functions `w*`, and a shared static that all of them load, store and
/// update atomically. Whether a given run races, panics, deadlocks or exits is up to the bytes.
pub fn gen_program(b: &mut Bytes) -> String {
    let helpers = b.below(3);
    let workers = b.below(3);
    // Sometimes the helpers live in a module (gen_mod.mir, after MODULE_MARKER), and sometimes
    // the program uses the standard library and a `const` of its own.
    let split = b.chance(3);
    let std = b.chance(3);
    let mut g = Gen { b, helpers, workers, std };
    let mut out = String::from("static SHARED: [u64; 8];\n\n");
    if split {
        out.push_str("use \"gen_mod.mir\";\n");
    }
    if std {
        out.push_str("use std::linux;\nconst GEN_K = 5 | 2;\n");
    }
    out.push_str("fn main() -> i64 {\n");
    g.body(&mut out, true, false);
    out.push_str("}\n");
    if std {
        out.push_str("\nfn gen_std(a: i64) -> i64 {\n    let r: i64;\n    bb0: { call show(a) -> bb1; }\n    bb1: { r = call at(&SHARED, GEN_K) -> bb2; }\n    bb2: { return r; }\n}\n");
    }
    if split {
        out.push_str(MODULE_MARKER);
    }
    for h in 0..helpers {
        let _ = writeln!(out, "\nfn h{h}(a: i64, b: i64) -> i64 {{");
        g.body(&mut out, false, false);
        out.push_str("}\n");
    }
    for w in 0..workers {
        let _ = writeln!(out, "\nfn w{w}(a: i64) -> i64 {{\n    let b: i64;");
        // `b` is declared above; `body` declares c and d.
        g.body(&mut out, false, true);
        out.push_str("}\n");
    }
    out
}

// ---- shims with random arguments -------------------------------------------------------------

/// Every errno a failing call may set: the ones its Linux man page lists.
pub fn allowed_errnos(call: &str) -> &'static [i64] {
    use spindle_shims::consts::errno::*;
    const ECONNRESET: i64 = 104;
    const ENOTSOCK: i64 = 88;
    const EAFNOSUPPORT: i64 = 97;
    const EPROTONOSUPPORT: i64 = 93;
    const ESOCKTNOSUPPORT: i64 = 94;
    const EACCES: i64 = 13;
    const ENOTCONN: i64 = 107;
    const ECANCELED: i64 = 125;
    const ENFILE: i64 = 23;
    const ENODEV: i64 = 19;
    const EBUSY: i64 = 16;
    const EOPNOTSUPP: i64 = 95;
    const ENOSPC: i64 = 28;
    match call {
        "read" | "recv" => &[EBADF, EINVAL, EAGAIN, EFAULT, ECONNRESET, ENOTSOCK, EINTR, ENOTCONN],
        "write" | "send" => &[EBADF, EINVAL, EAGAIN, EFAULT, EPIPE, ECONNRESET, ENOTSOCK, EINTR, ENOTCONN],
        "close" => &[EBADF, EINTR],
        "dup" | "dup2" | "dup3" => &[EBADF, EINVAL, EMFILE, EBUSY],
        "fcntl" => &[EBADF, EINVAL, EMFILE, EAGAIN],
        "eventfd" => &[EINVAL, EMFILE, ENFILE, ENOMEM, ENODEV],
        "pipe" | "pipe2" => &[EFAULT, EINVAL, EMFILE, ENFILE],
        "socketpair" => &[EAFNOSUPPORT, EFAULT, EMFILE, ENFILE, EOPNOTSUPP, EPROTONOSUPPORT, EACCES, ESOCKTNOSUPPORT, EINVAL],
        "shutdown" => &[EBADF, EINVAL, ENOTCONN, ENOTSOCK],
        "epoll_create" | "epoll_create1" => &[EINVAL, EMFILE, ENFILE, ENOMEM],
        "epoll_ctl" => &[EBADF, EEXIST, EINVAL, ELOOP, ENOENT, ENOMEM, ENOSPC, EPERM, EFAULT],
        "epoll_wait" | "epoll_pwait" | "epoll_pwait2" => &[EBADF, EFAULT, EINTR, EINVAL],
        "timerfd_create" => &[EINVAL, EMFILE, ENFILE, ENODEV, ENOMEM],
        "timerfd_settime" | "timerfd_gettime" => &[EBADF, EFAULT, EINVAL, ECANCELED],
        "nanosleep" | "clock_gettime" | "usleep" => &[EFAULT, EINVAL, EINTR],
        "malloc" => &[ENOMEM],
        "sigprocmask" | "rt_sigprocmask" | "sigpending" => &[EFAULT, EINVAL],
        "signalfd" | "signalfd4" => &[EBADF, EFAULT, EINVAL, EMFILE, ENFILE, ENODEV, ENOMEM],
        _ => &[],
    }
}

/// Shim calls: name, and the kind of each argument.
#[derive(Clone, Copy)]
enum A {
    Fd,
    Ptr,
    Len,
    Flags(&'static [&'static str]),
    Int,
    Timeout,
    /// A socket protocol: mostly 0.
    Proto,
    /// One of these values (or, sometimes, anything).
    Enum(&'static [&'static str]),
    /// A pointer, mostly to this (a buffer of the right size for the call's struct).
    PtrTo(&'static str),
}

const O_FL: &[&str] = &["O_NONBLOCK", "O_CLOEXEC", "O_NONBLOCK", "O_CLOEXEC", "O_NONBLOCK", "O_DIRECT", "O_APPEND"];
const MSG_FL: &[&str] = &["MSG_DONTWAIT", "MSG_PEEK", "MSG_NOSIGNAL", "MSG_DONTWAIT", "MSG_PEEK", "MSG_NOSIGNAL", "MSG_WAITALL", "MSG_OOB"];
const EFD_FL: &[&str] = &["EFD_NONBLOCK", "EFD_CLOEXEC", "EFD_SEMAPHORE"];
const SOCK_FL: &[&str] =
    &["SOCK_STREAM", "SOCK_STREAM | SOCK_NONBLOCK", "SOCK_STREAM | SOCK_CLOEXEC", "SOCK_DGRAM", "SOCK_SEQPACKET", "SOCK_NONBLOCK"];
const EP_EV: &[&str] = &["EPOLLIN", "EPOLLOUT", "EPOLLET", "EPOLLONESHOT", "EPOLLEXCLUSIVE", "EPOLLRDHUP", "EPOLLERR", "EPOLLHUP"];
const EP_OPS: &[&str] = &["EPOLL_CTL_ADD", "EPOLL_CTL_MOD", "EPOLL_CTL_DEL"];
const F_CMDS: &[&str] = &["F_GETFL", "F_SETFL", "F_GETFD", "F_SETFD", "F_DUPFD", "F_DUPFD_CLOEXEC", "F_GETPIPE_SZ"];
const SHUT: &[&str] = &["SHUT_RD", "SHUT_WR", "SHUT_RDWR"];
const CLOCKS: &[&str] = &["CLOCK_MONOTONIC", "CLOCK_REALTIME"];
const TFD_FL: &[&str] = &["TFD_NONBLOCK", "TFD_CLOEXEC", "TFD_TIMER_ABSTIME"];
const DOMAINS: &[&str] = &["AF_UNIX", "AF_UNIX", "AF_UNIX", "AF_INET", "AF_INET6"];
const SIG_HOWS: &[&str] = &["SIG_BLOCK", "SIG_UNBLOCK", "SIG_SETMASK"];
const SFD_FL: &[&str] = &["SFD_NONBLOCK", "SFD_CLOEXEC", "SFD_NONBLOCK"];

const CALLS: &[(&str, &[A])] = &[
    ("read", &[A::Fd, A::Ptr, A::Len]),
    ("write", &[A::Fd, A::Ptr, A::Len]),
    ("close", &[A::Fd]),
    ("dup", &[A::Fd]),
    ("dup2", &[A::Fd, A::Fd]),
    ("dup3", &[A::Fd, A::Fd, A::Flags(O_FL)]),
    ("fcntl", &[A::Fd, A::Enum(F_CMDS), A::Int]),
    ("eventfd", &[A::Int, A::Flags(EFD_FL)]),
    ("pipe", &[A::PtrTo("&PAIR")]),
    ("pipe2", &[A::PtrTo("&PAIR"), A::Flags(O_FL)]),
    ("socketpair", &[A::Enum(DOMAINS), A::Enum(SOCK_FL), A::Proto, A::PtrTo("&PAIR")]),
    ("send", &[A::Fd, A::Ptr, A::Len, A::Flags(MSG_FL)]),
    ("recv", &[A::Fd, A::Ptr, A::Len, A::Flags(MSG_FL)]),
    ("shutdown", &[A::Fd, A::Enum(SHUT)]),
    ("epoll_create", &[A::Int]),
    ("epoll_create1", &[A::Flags(O_FL)]),
    ("epoll_ctl", &[A::Fd, A::Enum(EP_OPS), A::Fd, A::PtrTo("&EV")]),
    ("epoll_wait", &[A::Fd, A::PtrTo("&BUF"), A::Int, A::Timeout]),
    ("epoll_pwait", &[A::Fd, A::PtrTo("&BUF"), A::Int, A::Timeout, A::PtrTo("null")]),
    ("epoll_pwait2", &[A::Fd, A::PtrTo("&BUF"), A::Int, A::PtrTo("&TS"), A::PtrTo("null")]),
    ("timerfd_create", &[A::Enum(CLOCKS), A::Flags(TFD_FL)]),
    ("timerfd_settime", &[A::Fd, A::Flags(TFD_FL), A::PtrTo("&ITS"), A::PtrTo("&BUF")]),
    ("timerfd_gettime", &[A::Fd, A::PtrTo("&BUF")]),
    ("nanosleep", &[A::PtrTo("&TS"), A::PtrTo("null")]),
    ("usleep", &[A::Len]),
    ("clock_gettime", &[A::Enum(CLOCKS), A::PtrTo("&BUF")]),
    ("malloc", &[A::Len]),
    ("free", &[A::Ptr]),
    ("errno", &[]),
    ("sched_yield", &[]),
    ("sigprocmask", &[A::Enum(SIG_HOWS), A::Ptr, A::Ptr]),
    ("rt_sigprocmask", &[A::Enum(SIG_HOWS), A::Ptr, A::Ptr, A::Len]),
    ("sigpending", &[A::Ptr]),
    ("signalfd", &[A::Fd, A::PtrTo("&BUF"), A::Flags(SFD_FL)]),
    ("signalfd4", &[A::Fd, A::PtrTo("&BUF"), A::Len, A::Flags(SFD_FL)]),
    ("getpid", &[]),
];

struct ShimGen<'a, 'b> {
    b: &'a mut Bytes<'b>,
}

impl ShimGen<'_, '_> {
    fn fd(&mut self) -> String {
        match self.b.below(12) {
            0..=3 => self.b.pick(&["ep", "ev", "p0", "p1", "k0", "k1", "tf", "k0", "k1"]).into(),
            11 => self.b.pick(&["f0", "f1", "f2", "f3"]).into(),
            4 => "r".into(),
            5 => self.b.below(10).to_string(),
            6 => self.b.pick(&["-1", "19999", "20000", "4294967296", "4294967299", "-9223372036854775808", "2147483647"]).into(),
            _ => (3 + self.b.below(8)).to_string(),
        }
    }

    /// Into, at the edge of, outside and after allocations; read-only and forged ones too.
    fn ptr(&mut self) -> String {
        self.b
            .pick(&[
                "&BUF",
                "&BUF",
                "(&BUF + 8)",
                "(&BUF + 60)",
                "(&BUF + 63)",
                "(&BUF + 64)",
                "(&BUF + 4096)",
                "(&BUF - 8)",
                "&PAIR",
                "(&PAIR + 4)",
                "&TS",
                "(&TS + 8)",
                "&ITS",
                "(&ITS + 24)",
                "&EV",
                "null",
                "heap",
                "(heap + 15)",
                "dead",
                "b\"read only\"",
                "(4294967296 as ptr)",
                "(18446744073709551615 as ptr)",
                "&arr",
            ])
            .into()
    }

    fn len(&mut self) -> String {
        match self.b.below(6) {
            0 => self.b.pick(&["0", "1", "4", "7", "8", "9", "12", "16", "24", "64", "65", "4096", "4097"]).into(),
            1 => self.b.pick(&["2147479552", "2147483647", "4294967295", "4294967296", "-1", "-9223372036854775808"]).into(),
            2 => self.b.pick(&["65536", "212992", "36544", "1048576"]).into(),
            _ => self.b.below(80).to_string(),
        }
    }

    fn flags(&mut self, names: &[&str]) -> String {
        match self.b.below(16) {
            0..=3 => "0".into(),
            4 => format!("{}", self.b.u64() as i64 as i128),
            5 => format!("{}", (1u64 << self.b.below(64)) as i64),
            _ => {
                let mut s = self.b.pick(names).to_string();
                for _ in 0..self.b.below(3) {
                    s = format!("{s} | {}", self.b.pick(names));
                }
                s
            }
        }
    }

    fn int(&mut self) -> String {
        match self.b.below(4) {
            0 => self.b.pick(&["0", "1", "-1", "2", "8", "64", "2147483647", "-2147483648", "4294967296"]).into(),
            1 => format!("{}", self.b.u64() as i64 as i128),
            _ => self.b.below(16).to_string(),
        }
    }

    fn arg(&mut self, a: A) -> String {
        match a {
            A::Fd => self.fd(),
            A::Ptr => self.ptr(),
            A::Len => self.len(),
            A::Flags(f) => self.flags(f),
            A::Int => self.int(),
            A::Enum(names) => match self.b.below(8) {
                0 => self.int(),
                _ => self.b.pick(names).into(),
            },
            A::Proto => {
                if self.b.chance(4) {
                    self.int()
                } else {
                    "0".into()
                }
            }
            A::PtrTo(p) => {
                if self.b.chance(3) {
                    self.ptr()
                } else {
                    p.into()
                }
            }
            // Mostly non-blocking waits, so that runs go on.
            A::Timeout => self.b.pick(&["0", "0", "0", "1", "10", "-1", "-2", "2147483647"]).into(),
        }
    }
}

/// A program of up to 40 shim calls with random arguments. It first opens one of each kind of
/// file (an epoll instance, an eventfd, a pipe, a socket pair, a timerfd; mostly non-blocking)
/// so that the random calls reach past `EBADF`. Each call's result and errno are printed as
/// `@@SHIM name result errno`; fds it creates land in `f0..f3` for later calls. Sometimes a
/// second thread makes calls too (so blocking calls can be woken).
pub fn gen_shim_program(b: &mut Bytes) -> String {
    let mut g = ShimGen { b };
    let mut out = String::from(
        "static BUF: [u8; 64];\nstatic PAIR: [u8; 8];\nstatic FDS: [i64; 7];\nstatic TS: [i64; 2] = [0, 1000];\nstatic ITS: [i64; 4] = [0, 0, 0, 5000];\nstatic EV: [u8; 12] = [1, 0, 0, 0, 7];\n\n",
    );
    let threads = g.b.below(3) == 0;
    for (fname, is_main) in [("main", true), ("worker", false)] {
        if !is_main && !threads {
            break;
        }
        let _ = writeln!(
            out,
            "fn {fname}({}) -> i64 {{\n    let r: i64;\n    let e: i64;\n    let f0: i64 = -1;\n    let f1: i64 = -1;\n    let f2: i64 = -1;\n    let f3: i64 = -1;\n    let ep: i64;\n    let ev: i64;\n    let p0: i64;\n    let p1: i64;\n    let k0: i64;\n    let k1: i64;\n    let tf: i64;\n    let heap: ptr;\n    let dead: ptr;\n    let t: i64;\n    let q: i32;\n    let arr: [u8; 32];",
            if is_main { "" } else { "x: i64" }
        );
        out.push_str(
            // SIGPIPE ignored, so that a write to a closed pipe fails (EPIPE) rather than ending
            // the run: the calls after it still run.
            "    s0: { heap = call malloc(16) -> s1; }\n    s1: { dead = call malloc(8) -> s2; }\n    s2: { call free(dead) -> s2i; }\n    s2i: { r = call signal(SIGPIPE, 1 as ptr) -> s3; }\n",
        );
        if is_main {
            let nb = |g: &mut ShimGen, flag: &'static str| if g.b.chance(4) { "0" } else { flag };
            let _ = writeln!(out, "    s3: {{ ep = call epoll_create1({}) -> s4; }}", g.b.pick(&["0", "O_CLOEXEC"]));
            let _ = writeln!(out, "    s4: {{ ev = call eventfd({}, {}) -> s5; }}", g.b.below(3), nb(&mut g, "EFD_NONBLOCK"));
            let _ = writeln!(
                out,
                "    s5: {{ call pipe2(&PAIR, {}) -> s6; }}\n    s6: {{ q = load.i32 &PAIR; p0 = q as i64; q = load.i32 (&PAIR + 4); p1 = q as i64; goto s7; }}",
                nb(&mut g, "O_NONBLOCK")
            );
            let _ = writeln!(
                out,
                "    s7: {{ call socketpair(AF_UNIX, SOCK_STREAM | {}, 0, &PAIR) -> s8; }}\n    s8: {{ q = load.i32 &PAIR; k0 = q as i64; q = load.i32 (&PAIR + 4); k1 = q as i64; goto s9; }}",
                nb(&mut g, "SOCK_NONBLOCK")
            );
            let _ = writeln!(out, "    s9: {{ tf = call timerfd_create(CLOCK_MONOTONIC, {}) -> s10; }}", nb(&mut g, "TFD_NONBLOCK"));
            out.push_str("    s10: { store.i64 &FDS, ep; store.i64 (&FDS + 8), ev; store.i64 (&FDS + 16), p0; store.i64 (&FDS + 24), p1; store.i64 (&FDS + 32), k0; store.i64 (&FDS + 40), k1; store.i64 (&FDS + 48), tf; goto s11; }\n");
            if threads {
                out.push_str("    s11: { t = call spawn(worker, 0) -> c0; }\n");
            } else {
                out.push_str("    s11: { goto c0; }\n");
            }
        } else {
            out.push_str("    s3: { ep = load.i64 &FDS; ev = load.i64 (&FDS + 8); p0 = load.i64 (&FDS + 16); p1 = load.i64 (&FDS + 24); k0 = load.i64 (&FDS + 32); k1 = load.i64 (&FDS + 40); tf = load.i64 (&FDS + 48); goto c0; }\n");
        }
        let n = g.b.below(if is_main { 40 } else { 12 });
        for i in 0..n {
            let (name, args) = g.b.pick(CALLS);
            let args: Vec<String> = args.iter().map(|&a| g.arg(a)).collect();
            // Keep new fds around; free the live heap block only once.
            let dst = if name == "malloc" {
                "heap"
            } else if ["eventfd", "epoll_create", "epoll_create1", "timerfd_create", "dup", "fcntl"].contains(&name) {
                ["f0", "f1", "f2", "f3"][i % 4]
            } else {
                "r"
            };
            let args_text = args.join(", ");
            let args_text = if name == "free" { "heap".to_string() } else { args_text };
            let _ = writeln!(out, "    c{i}: {{ {dst} = call {name}({args_text}) -> d{i}; }}");
            let _ = writeln!(out, "    d{i}: {{ e = call errno() -> p{i}; }}");
            let val = if dst == "heap" { "(heap as i64)" } else { dst };
            let _ = write!(out, "    p{i}: {{ println \"@@SHIM {name} {{}} {{}}\", {val}, e;");
            if name == "pipe" || name == "pipe2" || name == "socketpair" {
                // The new pair, as two fds for later calls.
                let _ = write!(out, " q = load.i32 &PAIR; f{} = q as i64; q = load.i32 (&PAIR + 4); f{} = q as i64;", i % 2, 2 + i % 2);
            }
            if name == "free" {
                out.push_str(" heap = null;");
            }
            let _ = writeln!(out, " goto c{}; }}", i + 1);
        }
        let _ = writeln!(out, "    c{n}: {{ return 0; }}\n}}\n");
    }
    out
}

/// Checks a shim program's output: every failed call (`-1`) set an errno its man page lists.
pub fn check_shim_output(stdout: &[u8]) -> Result<(), String> {
    let text = String::from_utf8_lossy(stdout);
    for line in text.lines() {
        let Some(at) = line.find("@@SHIM ") else { continue };
        let mut parts = line[at + 7..].split(' ');
        let (Some(name), Some(r), Some(e)) = (parts.next(), parts.next(), parts.next()) else { continue };
        let (Ok(r), Ok(e)) = (r.parse::<i64>(), e.parse::<i64>()) else { continue };
        let failed = if name == "malloc" { r == 0 } else { r == -1 };
        if failed && !["free", "errno", "sched_yield"].contains(&name) && !allowed_errnos(name).contains(&e) {
            return Err(format!("`{name}` failed with errno {e}, which Linux does not give for it: {line}"));
        }
    }
    Ok(())
}

/// Runs a shim program under both schedulers: no panic, a consistent stop, Linux's errnos,
/// deterministic output.
pub fn check_shims(src: &str, seed: u64) -> Result<Summary, String> {
    let s = check_run(src, seed)?;
    check_shim_output(&s.stdout)?;
    Ok(s)
}
