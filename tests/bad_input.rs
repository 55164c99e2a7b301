//! Bad input never crashes, hangs or panics the host: each case gets a clear error on stderr
//! and a documented exit code (2 for a malformed program or command line, 4 for an exceeded
//! limit). Inputs are generated into a fresh temporary directory.

mod common;

use std::path::{Path, PathBuf};

use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_spindle");

/// Every case must finish well within this.
const TIMEOUT: Duration = Duration::from_secs(60);

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// A fresh directory for one test's generated files.
fn temp_dir(test: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("spindle-bad-input-{}-{test}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_file(test: &str, name: &str, contents: &[u8]) -> PathBuf {
    let path = temp_dir(test).join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn spindle(args: &[&str]) -> Outcome {
    let e = common::run_binary(BIN, None, args, TIMEOUT);
    Outcome {
        code: e.code,
        stdout: String::from_utf8_lossy(&e.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&e.stderr).into_owned(),
    }
}

fn run_file(path: &Path, flags: &[&str]) -> Outcome {
    let mut args = vec!["run"];
    args.extend_from_slice(flags);
    args.push(path.to_str().unwrap());
    spindle(&args)
}

/// The process ended normally, without a Rust panic or a stack overflow.
fn assert_no_host_failure(what: &str, o: &Outcome) {
    assert!(o.code.is_some(), "{what}: killed by a signal (host crash)\nstderr:\n{}", short(&o.stderr));
    for needle in ["panicked at", "overflowed its stack", "RUST_BACKTRACE"] {
        assert!(!o.stderr.contains(needle), "{what}: host panic ({needle:?})\nstderr:\n{}", short(&o.stderr));
    }
}

/// Asserts the exit code, that stderr reports an error, and that it names the problem with at
/// least one of `keywords` (case-insensitive).
fn assert_error(what: &str, o: &Outcome, code: i32, keywords: &[&str]) {
    assert_no_host_failure(what, o);
    assert_eq!(o.code, Some(code), "{what}: exit code\nstderr:\n{}", short(&o.stderr));
    let err = o.stderr.to_lowercase();
    assert!(err.contains("error"), "{what}: no error on stderr:\n{}", short(&o.stderr));
    assert!(
        keywords.iter().any(|k| err.contains(&k.to_lowercase())),
        "{what}: stderr does not name the problem (expected one of {keywords:?}):\n{}",
        short(&o.stderr)
    );
}

/// At most a few KiB of a possibly huge stderr, for failure messages.
fn short(s: &str) -> &str {
    let mut end = s.len().min(4096);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

const VALID: &str = "\
static DATA: [u8; 8];

fn main() -> i64 {
    let t: i64;
    let v: u64;
    bb0: { t = call spawn(writer, 7) -> bb1; }
    bb1: { call join(t) -> bb2; }
    bb2: {
        v = load.u64 &DATA;
        assert v == 7, \"join orders the child's store\";
        println \"DATA = {}\", v;
        return 0;
    }
}

fn writer(x: i64) -> i64 {
    bb0: { store.u64 &DATA, x as u64; return 0; }
}
";

#[test]
fn valid_program_runs() {
    // The base of the truncation test really is valid.
    let path = write_file("valid", "valid.mir", VALID.as_bytes());
    let o = run_file(&path, &[]);
    assert_no_host_failure("valid program", &o);
    assert_eq!(o.code, Some(0), "stderr:\n{}", o.stderr);
    assert_eq!(o.stdout, "DATA = 7\n");
}

#[test]
fn truncated_program() {
    // Cut in the middle of `main`'s body, and right after a `{`, and inside a string.
    for cut in [VALID.len() / 2, VALID.find("bb2: {").unwrap() + 6, VALID.find("\"join").unwrap() + 3] {
        let path = write_file("truncated", "truncated.mir", &VALID.as_bytes()[..cut]);
        let o = run_file(&path, &[]);
        assert_error(
            &format!("truncated at byte {cut}"),
            &o,
            2,
            &["end of file", "eof", "end of input", "unexpected end", "unterminated", "expected"],
        );
        assert!(o.stdout.is_empty(), "a malformed program must not run");
    }
}

#[test]
fn random_bytes() {
    // 4 KiB from a fixed-seed LCG (Knuth's MMIX constants), several seeds.
    for seed in [1u64, 42, 0xdead_beef] {
        let mut state = seed;
        let bytes: Vec<u8> = (0..4096)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                (state >> 56) as u8
            })
            .collect();
        let path = write_file("random", "random.mir", &bytes);
        let o = run_file(&path, &[]);
        assert_error(&format!("random bytes, seed {seed}"), &o, 2, &["utf-8", "utf8", "unexpected", "expected", "invalid"]);
    }
}

#[test]
fn random_ascii() {
    // Printable ASCII noise made of the language's own tokens: passes the UTF-8 check and
    // exercises the lexer and parser.
    const TOKENS: &[&str] = &[
        "fn", "main", "(", ")", "{", "}", "[", "]", "->", "i64", "u8", "let", "x", ":", ";", "bb0", "call", "return", "goto", "switch",
        "=>", "_", ",", "0", "0x", "\"s\"", "&", "+", "*", "load.u8", "store.u8", "static", "as", "<<", "==", "-", "!", "/*", "*/", "//",
        "\n", " ",
    ];
    let mut state = 7u64;
    let mut src = String::new();
    for _ in 0..2000 {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        src.push_str(TOKENS[(state >> 33) as usize % TOKENS.len()]);
        src.push(' ');
    }
    let path = write_file("random-ascii", "noise.mir", src.as_bytes());
    let o = run_file(&path, &[]);
    assert_error("token noise", &o, 2, &["expected", "unexpected", "unknown", "unterminated", "invalid"]);
}

#[test]
fn invalid_utf8() {
    let mut bytes = b"fn main() -> i64 {\n    bb0: { return 0; } // caf".to_vec();
    let offset = bytes.len();
    bytes.extend_from_slice(b"\xe9\n}\n");
    let path = write_file("utf8", "latin1.mir", &bytes);
    let o = run_file(&path, &[]);
    assert_error("invalid UTF-8", &o, 2, &["utf-8", "utf8"]);
    // "Anything else is rejected with the offset of the first bad byte."
    assert!(o.stderr.contains(&offset.to_string()), "the offset of the first bad byte ({offset}) is not reported:\n{}", o.stderr);
}

#[test]
fn nul_bytes() {
    let path = write_file("nul", "nul.mir", b"fn main() -> i64 {\n    bb0: { return \0; }\n}\n");
    let o = run_file(&path, &[]);
    assert_error("a NUL byte", &o, 2, &["unexpected", "invalid", "expected", "character"]);
}

#[test]
fn hundred_digit_literal() {
    let digits: String = (0..100).map(|i| char::from(b'1' + (i % 9) as u8)).collect();
    let src = format!("fn main() -> i64 {{\n    let x: u64;\n    bb0: {{\n        x = {digits};\n        return 0;\n    }}\n}}\n");
    let path = write_file("literal", "literal.mir", src.as_bytes());
    let o = run_file(&path, &[]);
    assert_error("100-digit literal", &o, 2, &["literal", "too large", "out of range", "overflow"]);
}

#[test]
fn deeply_nested_parentheses() {
    // 10 000 nested parentheses: far beyond the documented expression nesting limit of 256.
    let depth = 10_000;
    let src = format!(
        "fn main() -> i64 {{\n    let x: i64;\n    bb0: {{\n        x = {}1{};\n        return x;\n    }}\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let path = write_file("nesting", "nested.mir", src.as_bytes());
    let o = run_file(&path, &[]);
    // The expression nesting limit is in the table of limits ("exceeding a limit ... exit code
    // 4"), but it is found while parsing, where malformed input exits with 2. Either code is
    // accepted here until docs/language.md settles it; the message must name nesting.
    assert_no_host_failure("10 000 nested parentheses", &o);
    assert!(matches!(o.code, Some(2 | 4)), "exit code {:?}\nstderr:\n{}", o.code, short(&o.stderr));
    let err = o.stderr.to_lowercase();
    assert!(err.contains("nest") || err.contains("depth") || err.contains("deep"), "stderr:\n{}", short(&o.stderr));
    assert!(o.stdout.is_empty());
}

#[test]
fn nesting_at_the_limit_is_fine() {
    // 200 nested parentheses: within the documented limit of 256.
    let depth = 200;
    let src = format!(
        "fn main() -> i64 {{\n    let x: i64;\n    bb0: {{\n        x = {}1{};\n        assert x == 1;\n        return 0;\n    }}\n}}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let path = write_file("nesting-ok", "nested.mir", src.as_bytes());
    let o = run_file(&path, &[]);
    assert_no_host_failure("200 nested parentheses", &o);
    assert_eq!(o.code, Some(0), "stderr:\n{}", short(&o.stderr));
}

#[test]
fn deeply_nested_unary_operators() {
    // 10 000 prefix operators also nest the expression tree.
    let src = format!(
        "fn main() -> i64 {{\n    let b: bool;\n    bb0: {{\n        b = {}true;\n        return 0;\n    }}\n}}\n",
        "!".repeat(10_000)
    );
    let path = write_file("unary", "unary.mir", src.as_bytes());
    let o = run_file(&path, &[]);
    assert_no_host_failure("10 000 nested `!`", &o);
    assert!(matches!(o.code, Some(0 | 2 | 4)), "exit code {:?}\nstderr:\n{}", o.code, short(&o.stderr));
}

#[test]
fn one_megabyte_comment_line() {
    // A valid program with a 1 MiB comment line runs normally.
    let src = format!("// {}\nfn main() -> i64 {{\n    bb0: {{ println \"after a long line\"; return 0; }}\n}}\n", "x".repeat(1 << 20));
    let path = write_file("long-comment", "long.mir", src.as_bytes());
    let o = run_file(&path, &[]);
    assert_no_host_failure("1 MiB comment line", &o);
    assert_eq!(o.code, Some(0), "stderr:\n{}", short(&o.stderr));
    assert_eq!(o.stdout, "after a long line\n");
}

#[test]
fn one_megabyte_expression_line() {
    // A 1 MiB line holding one expression: `x = 1 +% 1 +% … ;` — about 200 000 operands in one
    // left-associative chain, which must not overflow the host's stack anywhere (parser,
    // checker, lowering, interpreter). Running it or rejecting it with a limit are both fine.
    let terms = (1 << 20) / 5;
    let expr = vec!["1"; terms].join(" +% ");
    let src = format!(
        "fn main() -> i64 {{\n    let x: u64;\n    bb0: {{\n        x = {expr};\n        println \"{{}}\", x;\n        return 0;\n    }}\n}}\n"
    );
    assert!(src.len() > 1 << 20);
    let path = write_file("long-expr", "long.mir", src.as_bytes());
    let o = run_file(&path, &[]);
    assert_no_host_failure("1 MiB expression line", &o);
    match o.code {
        Some(0) => assert_eq!(o.stdout, format!("{terms}\n")),
        Some(2 | 4) => assert!(o.stderr.to_lowercase().contains("error"), "stderr:\n{}", short(&o.stderr)),
        other => panic!("exit code {other:?}\nstderr:\n{}", short(&o.stderr)),
    }
}

#[test]
fn one_megabyte_garbage_line() {
    // A 1 MiB line of an identifier that names nothing: rejected, and the report stays sane.
    let src = format!("fn main() -> i64 {{\n    bb0: {{ return {}; }}\n}}\n", "y".repeat(1 << 20));
    let path = write_file("long-ident", "long.mir", src.as_bytes());
    let o = run_file(&path, &[]);
    assert_error("1 MiB identifier", &o, 2, &["unknown", "not found", "undefined", "cannot find"]);
}

#[test]
fn empty_file() {
    let path = write_file("empty", "empty.mir", b"");
    let o = run_file(&path, &[]);
    assert_error("empty file", &o, 2, &["main"]);
}

#[test]
fn only_comments() {
    let path = write_file("comments", "comments.mir", b"// nothing here\n/* nor here */\n");
    let o = run_file(&path, &[]);
    assert_error("only comments", &o, 2, &["main"]);
}

#[test]
fn unterminated_block_comment() {
    let path = write_file("comment", "comment.mir", b"fn main() -> i64 {\n    bb0: { return 0; }\n}\n/* no end");
    let o = run_file(&path, &[]);
    assert_error("unterminated /* comment", &o, 2, &["comment", "unterminated", "end of file", "eof"]);
}

#[test]
fn infinite_loop_hits_max_steps() {
    let src = "fn main() -> i64 {\n    let i: u64;\n    bb0: { goto spin; }\n    spin: { i = i +% 1; goto spin; }\n}\n";
    let path = write_file("loop", "loop.mir", src.as_bytes());
    let o = run_file(&path, &["--max-steps", "1000000"]);
    assert_error("infinite loop with --max-steps", &o, 4, &["step"]);
}

#[test]
fn infinite_loop_of_threads_hits_max_steps() {
    // Two threads yielding to each other forever: scheduling points count as steps too.
    let src = "fn main() -> i64 {\n    let t: i64;\n    bb0: { t = call spawn(spin, 0) -> bb1; }\n    bb1: { call spin() -> bb2; }\n    bb2: { return 0; }\n}\n\nfn spin() {\n    bb0: { call sched_yield() -> bb0; }\n}\n";
    let path = write_file("loop-threads", "loop.mir", src.as_bytes());
    let o = run_file(&path, &["--max-steps", "100000"]);
    assert_error("yield loop with --max-steps", &o, 4, &["step"]);
}

#[test]
fn unbounded_recursion_hits_stack_limit() {
    let src = "fn main() -> i64 {\n    let r: i64;\n    bb0: { r = call f(0) -> bb1; }\n    bb1: { return r; }\n}\n\nfn f(n: i64) -> i64 {\n    let r: i64;\n    let pad: [u8; 64];\n    bb0: { r = call f(n + 1) -> bb1; }\n    bb1: { return r; }\n}\n";
    let path = write_file("recursion", "recursion.mir", src.as_bytes());
    let o = run_file(&path, &[]);
    assert_error("unbounded recursion", &o, 4, &["stack", "depth", "recursion"]);
}

#[test]
fn huge_stack_limit_does_not_overflow_the_host() {
    // With the stack-depth limit raised far beyond the default, a million guest frames must
    // still live on the VM's heap, not the host's stack; the step limit ends the run.
    let src = "fn main() -> i64 {\n    let r: i64;\n    bb0: { r = call f(0) -> bb1; }\n    bb1: { return r; }\n}\n\nfn f(n: i64) -> i64 {\n    let r: i64;\n    bb0: { r = call f(n + 1) -> bb1; }\n    bb1: { return r; }\n}\n";
    let path = write_file("deep", "deep.mir", src.as_bytes());
    let o = run_file(&path, &["--max-stack-depth", "100000000", "--max-steps", "2000000"]);
    assert_error("a million frames", &o, 4, &["step", "stack", "depth"]);
}

#[test]
fn huge_malloc() {
    // 1 TiB: the VM must not try to allocate it on the host and abort. Linux's malloc would
    // return null with ENOMEM; a resource-limit error is acceptable too. Never a crash.
    let src = "fn main() -> i64 {\n    let p: ptr;\n    let e: i64;\n    bb0: { p = call malloc(1099511627776) -> bb1; }\n    bb1: { e = call errno() -> bb2; }\n    bb2: { println \"null: {}, errno: {}\", p == null, e; return 0; }\n}\n";
    let path = write_file("malloc", "malloc.mir", src.as_bytes());
    let o = run_file(&path, &[]);
    assert_no_host_failure("malloc(1 TiB)", &o);
    assert!(matches!(o.code, Some(0 | 3 | 4)), "exit code {:?}\nstderr:\n{}", o.code, short(&o.stderr));
}

#[test]
fn huge_array_local() {
    // A 4 GiB array local: like any resource, this ends in a defined way, never a host abort.
    let src = "fn main() -> i64 {\n    let big: [u8; 4294967296];\n    bb0: { store.u8 &big + 4294967295, 1; return 0; }\n}\n";
    let path = write_file("big-array", "big.mir", src.as_bytes());
    let o = run_file(&path, &[]);
    assert_no_host_failure("4 GiB array local", &o);
    assert!(matches!(o.code, Some(0 | 2 | 3 | 4)), "exit code {:?}\nstderr:\n{}", o.code, short(&o.stderr));
}

#[test]
fn missing_file() {
    let path = temp_dir("missing").join("does-not-exist.mir");
    let o = run_file(&path, &[]);
    assert_error("missing file", &o, 2, &["does-not-exist.mir"]);
}

#[test]
fn directory_instead_of_file() {
    let dir = temp_dir("dir");
    let o = run_file(&dir, &[]);
    assert_no_host_failure("a directory", &o);
    assert_eq!(o.code, Some(2), "stderr:\n{}", o.stderr);
    assert!(o.stderr.to_lowercase().contains("error"), "stderr:\n{}", o.stderr);
}

#[test]
fn bad_command_lines() {
    let path = write_file("flags", "ok.mir", b"fn main() -> i64 {\n    bb0: { return 0; }\n}\n");
    let file = path.to_str().unwrap();
    for args in [
        vec!["run", "--max-steps", "lots", file],
        vec!["run", "--max-steps", "-5", file],
        vec!["run", "--sched", "chaotic", file],
        vec!["run", "--seed", "x", file],
        vec!["run", "--no-such-flag", file],
        vec!["run"],
        vec!["frobnicate", file],
    ] {
        let o = spindle(&args);
        assert_no_host_failure(&args.join(" "), &o);
        assert_eq!(o.code, Some(2), "`spindle {}`: exit code\nstderr:\n{}", args.join(" "), o.stderr);
        assert!(!o.stderr.is_empty(), "`spindle {}`: no message", args.join(" "));
    }
}

#[test]
fn check_on_bad_input() {
    // `spindle check` shares the front end: the same malformed inputs exit 2 there too.
    let digits = "9".repeat(100);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty.mir", Vec::new()),
        ("latin1.mir", b"fn main() -> i64 { bb0: { return 0; } } // \xff".to_vec()),
        ("literal.mir", format!("fn main() -> i64 {{ let x: u64; bb0: {{ x = {digits}; return 0; }} }}").into_bytes()),
        ("truncated.mir", VALID.as_bytes()[..VALID.len() / 3].to_vec()),
    ];
    for (name, bytes) in cases {
        let path = write_file("check", name, &bytes);
        let o = spindle(&["check", path.to_str().unwrap()]);
        assert_no_host_failure(name, &o);
        assert_eq!(o.code, Some(2), "`spindle check {name}`\nstderr:\n{}", short(&o.stderr));
    }
}

// ---- modules (docs/language.md, "Modules") ----------------------------------------------------

/// As [`assert_error`], with every one of `keywords` on stderr.
fn assert_error_all(what: &str, o: &Outcome, code: i32, keywords: &[&str]) {
    assert_error(what, o, code, keywords);
    for k in keywords {
        assert!(o.stderr.contains(k), "{what}: stderr does not say {k:?}:\n{}", short(&o.stderr));
    }
}

/// A chain of 1 000 files, each using the next: stopped at the 64th with an error at the
/// `use` that goes one file too deep, not a stack overflow.
#[test]
fn use_chain_1000_files_deep() {
    let dir = temp_dir("use_chain");
    for i in 0..1000 {
        let text = format!("use \"d{}.mir\";\nfn f{i}() {{ bb0: {{ return; }} }}\n", i + 1);
        std::fs::write(dir.join(format!("d{i}.mir")), text).unwrap();
    }
    std::fs::write(dir.join("d1000.mir"), "fn main() { bb0: { return; } }\n").unwrap();
    let o = run_file(&dir.join("d0.mir"), &[]);
    assert_error_all("a 1000-deep use chain", &o, 2, &["`use` chain too deep", "the limit is 64 files", "d63.mir:1:1", "use \"d64.mir\";"]);
}

/// A file that uses itself is the shortest cycle.
#[test]
fn use_of_itself() {
    let path = write_file("use_itself", "me.mir", b"use \"me.mir\";\nfn main() { bb0: { return; } }\n");
    let o = run_file(&path, &[]);
    assert_error_all("a file that uses itself", &o, 2, &["`use` cycle", "me.mir → ", "already being loaded"]);
}

/// The same module reached twice (a diamond: main uses a and b, both use c) is loaded once:
/// no name clash for c's function.
#[test]
fn a_module_used_twice_is_loaded_once() {
    let dir = temp_dir("use_diamond");
    std::fs::write(dir.join("c.mir"), "fn c() -> i64 { bb0: { return 3; } }\n").unwrap();
    std::fs::write(dir.join("a.mir"), "use \"c.mir\";\nfn a() -> i64 { let x: i64; bb0: { x = call c() -> bb1; } bb1: { return x; } }\n")
        .unwrap();
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub/b.mir"), "use \"../c.mir\";\nfn b() -> i64 { bb0: { return 4; } }\n").unwrap();
    let main = "use \"a.mir\";\nuse \"sub/b.mir\";\nuse \"./c.mir\";\nfn main() -> i64 {\n    let x: i64;\n    let y: i64;\n    bb0: { x = call a() -> bb1; }\n    bb1: { y = call b() -> bb2; }\n    bb2: { println \"{}\", x + y; return 0; }\n}\n";
    std::fs::write(dir.join("main.mir"), main).unwrap();
    let o = run_file(&dir.join("main.mir"), &[]);
    assert_eq!(o.code, Some(0), "{}", o.stderr);
    assert_eq!(o.stdout, "7\n");
}

/// Files that cannot be read as modules: an error at the `use`, exit 2, for each kind. (The
/// tests run as root, so permissions cannot make a file unreadable; /proc/self/mem is a regular
/// file that cannot be read from offset 0.)
#[test]
fn use_of_unreadable_and_special_files() {
    let dir = temp_dir("use_special");
    let fifo = dir.join("fifo.mir");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().is_ok_and(|s| s.success());
    let mut cases = vec![
        ("/proc/self/mem", "Input/output error"),
        ("/dev/zero", "not a regular file"),
        ("/", "a directory"),
        ("", "must be a file name"),
    ];
    if made {
        cases.push(("fifo.mir", "not a regular file"));
    }
    for (target, why) in cases {
        let text = format!("use \"{target}\";\nfn main() {{ bb0: {{ return; }} }}\n");
        std::fs::write(dir.join("main.mir"), text).unwrap();
        let o = run_file(&dir.join("main.mir"), &[]);
        assert_error_all(&format!("use \"{target}\""), &o, 2, &[why, "main.mir:1:"]);
    }
}

/// `--const` of a name the program does not define, or with a value that is not a constant.
#[test]
fn bad_const_overrides() {
    let path = write_file("const", "c.mir", b"const MODE = 1;\nfn main() -> i64 { bb0: { return MODE; } }\n");
    let p = path.to_str().unwrap();
    let o = spindle(&["run", "--const", "NOPE=1", p]);
    assert_error_all("--const of an unknown name", &o, 2, &["`--const NOPE=1`: the program has no `const NOPE`", "its constants: MODE"]);
    let o = spindle(&["run", "--const", "MODE=1 +", p]);
    assert_error_all("--const with a broken value", &o, 2, &["expected an expression", "--> --const MODE:1:"]);
    let o = spindle(&["run", "--const", "MODE", p]);
    assert_error_all("--const without a value", &o, 2, &["expected NAME=VALUE"]);
    let o = spindle(&["run", "--const", "MODE=EPOLLIN|7", p]);
    assert_eq!(o.code, Some(7), "{}", o.stderr);
    let o = spindle(&["check", "--const", "MODE=x", p]);
    assert_error_all("check --const with an unknown constant", &o, 2, &["unknown constant `x`"]);
}
