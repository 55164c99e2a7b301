//! Spindle as a test harness: snapshot tests over a directory of guest programs, and schedule
//! sweeps that fail a test with the minimal failing schedule.
//!
//! # Snapshot tests
//!
//! A whole `tests/programs.rs`:
//!
//! ```no_run
//! //! Every guest program under programs/, against its snapshot in tests/snapshots/.
//!
//! spindle::snapshot_test!(programs, "programs/**/*.mir");
//! ```
//!
//! [`snapshot_test!`](crate::snapshot_test) defines the `#[test]` function `programs`;
//! [`snapshot_programs!`](crate::snapshot_programs) does the same work inside a test function of
//! your own.
//!
//! Every file the glob matches (relative to the crate root, `CARGO_MANIFEST_DIR`) is run, and
//! its exit status, stdout, stderr and syscall trace are compared with an
//! [insta](https://insta.rs) snapshot in `tests/snapshots/`, one per program, named after the
//! test function and the path under the glob's directory
//! (`programs__programs@threads__spawn_join.mir.snap`). The snapshot reads
//!
//! ```text
//! exit: 0
//! --- stdout
//! …what the guest printed…
//! --- stderr
//! …warnings, what the guest wrote to stderr, the failure report…
//! --- trace
//! [main] write(1, "hi\n", 3)                   = 3
//! +++ exited with 0 +++
//! ```
//!
//! exactly what `spindle run --trace-file` gives on the command line. Nothing is normalised:
//! output is deterministic by design (no addresses, no wall-clock time, no hash order).
//!
//! All programs run (in parallel) before any snapshot is compared, and every failure is listed
//! at the end: a new program without a snapshot, a changed output (insta prints the diff; review
//! with `cargo insta review`), a program that does not load, a header that does not parse, an
//! exit code other than the header's. Nothing the glob matches is skipped silently, and a glob
//! that matches nothing fails.
//!
//! ## Headers
//!
//! A program's leading `//` comment lines may carry, as in Spindle's own `programs/`:
//!
//! ```text
//! // spindle-flags: --sched random --seed 7 --max-steps 100000
//! // expect: exit 101, the assert fails
//! ```
//!
//! `spindle-flags` are `spindle run` flags applied on top of the harness's [`Config`] (see
//! [`Config::with_flags`]), and `--const NAME=VALUE` (an override of the program's
//! `const NAME`); `expect: exit N` is checked against the exit code. A program that
//! does not load is a failure unless its header says `expect: exit 2` (then the snapshot holds
//! the error).
//!
//! A file whose header has a line `// spindle-module: …` is a module that other programs
//! `use` (docs/language.md, "Modules"); the harness does not run it on its own.
//!
//! A program that exists in several variants — an edge-triggered and a level-triggered form
//! that differ in one constant — is one file with a `spindle-variants` line:
//!
//! ```text
//! // spindle-variants: ET: --const MODE=EPOLLET; LT: --const MODE=0
//! ```
//!
//! Each variant (`NAME: FLAGS`, `;`-separated) is run on its own, with its flags after the
//! `spindle-flags`, and has its own snapshot, named as if the file were `STEM_name.mir` (the
//! variant's name in lower case): `wait.mir`'s variants `ET` and `LT` are snapshotted as
//! `wait_et.mir` and `wait_lt.mir`.
//!
//! ## Configuration
//!
//! Both macros take a glob or a [`Harness`]:
//!
//! ```no_run
//! use spindle::harness::Harness;
//! use spindle::{Config, ForeignTable};
//!
//! #[test]
//! fn guests() {
//!     let foreign = ForeignTable::new().with("my_add", 2, |c| Ok(c.arg(0) + c.arg(1)));
//!     spindle::snapshot_programs!(Harness::new("guests/*.mir")
//!         .config(Config::new().seed(1).max_steps(1_000_000))
//!         .foreign(foreign));
//! }
//! ```
//!
//! # Schedule sweeps
//!
//! [`Sweep`] runs one program under many schedules — N seeds of the random scheduler, PCT, or a
//! bounded depth-first search, through [`crate::explore`] — and fails the test with the first
//! failure's report and its minimised schedule string, which [`Config::replay`] (or
//! `spindle run --replay`) reproduces:
//!
//! ```
//! use spindle::harness::Sweep;
//!
//! let racy = r#"
//! static COUNT: [u8; 8];
//! fn main() -> i64 {
//!     let a: i64; let b: i64; let c: u64;
//!     bb0: { a = call spawn(inc, 0) -> bb1; }
//!     bb1: { b = call spawn(inc, 0) -> bb2; }
//!     bb2: { call join(a) -> bb3; }
//!     bb3: { call join(b) -> bb4; }
//!     bb4: {
//!         c = atomic_load.seq_cst.u64 &COUNT;
//!         assert c == 2, "an increment was lost";
//!         return 0;
//!     }
//! }
//! fn inc(x: i64) -> i64 {
//!     let v: u64;
//!     bb0: {
//!         v = atomic_load.relaxed.u64 &COUNT;
//!         atomic_store.relaxed.u64 &COUNT, v + 1;
//!         return 0;
//!     }
//! }
//! "#;
//! let failure = Sweep::source("lost_update.mir", racy).seeds(100).find_failure();
//! assert_eq!(failure.exit_code, 101);
//! assert!(failure.schedule.starts_with("s1:"));
//! // In a test of a program that should pass, `.check()` panics with that failure.
//! ```

use crate::explore::{self, Options, Strategy};
use crate::{Config, ForeignTable, LoadError, Program};
use std::path::{Path, PathBuf};

/// Steps a program may run in the harness unless its header or [`Harness::config`] says
/// otherwise: a livelock fails the test instead of hanging it.
pub const HARNESS_MAX_STEPS: u64 = 100_000_000;

/// The trace section of a program that was not run (it did not load).
pub const NOT_RUN_TRACE: &str = "(no trace: the program was not run)";

/// A snapshot suite over the guest programs a glob matches; run it with
/// [`snapshot_programs!`](crate::snapshot_programs).
#[derive(Clone, Debug)]
pub struct Harness {
    glob: String,
    config: Config,
    foreign: ForeignTable,
    headers: bool,
    jobs: usize,
    not_run_trace: String,
}

impl From<&str> for Harness {
    fn from(glob: &str) -> Self {
        Harness::new(glob)
    }
}

impl From<String> for Harness {
    fn from(glob: String) -> Self {
        Harness::new(glob)
    }
}

/// One program's run, as the harness checks it.
#[derive(Clone, Debug)]
pub struct Case {
    /// The file.
    pub path: PathBuf,
    /// Its path relative to the crate root (`/`-separated), as diagnostics show it.
    pub display: String,
    /// Its path under the glob's directory: the snapshot's suffix.
    pub suffix: String,
    /// The snapshot text (`None` when the program could not be checked at all).
    pub snapshot: Option<String>,
    /// The exit code (`None` when the program could not be checked at all).
    pub exit_code: Option<i32>,
    /// What is wrong besides the snapshot: each a complete sentence.
    pub problems: Vec<String>,
}

/// What a program's header says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Header {
    /// The words of every `// spindle-flags:` line.
    pub flags: Vec<String>,
    /// The code of the first `// expect: exit N` line.
    pub expect_exit: Option<i32>,
    /// The variants of a `// spindle-variants: NAME: FLAGS; NAME: FLAGS` line: each is run
    /// (and snapshotted) on its own, with its flags after [`Header::flags`].
    pub variants: Vec<(String, Vec<String>)>,
}

impl Header {
    /// Reads the leading `//` comment lines of a program.
    ///
    /// ```
    /// let h = spindle::harness::Header::parse("// spindle-flags: --seed 7\n// expect: exit 101, panic\nfn main() {}\n");
    /// assert_eq!(h.flags, ["--seed", "7"]);
    /// assert_eq!(h.expect_exit, Some(101));
    /// ```
    pub fn parse(src: &str) -> Header {
        let lines = src.lines().map(str::trim).take_while(|l| l.starts_with("//")).map(|l| l.trim_start_matches('/').trim());
        let mut h = Header::default();
        for l in lines {
            if let Some(rest) = l.strip_prefix("spindle-flags:") {
                h.flags.extend(rest.split_whitespace().map(str::to_string));
            } else if let Some(rest) = l.strip_prefix("spindle-variants:") {
                for v in rest.split(';').map(str::trim).filter(|v| !v.is_empty()) {
                    let (name, flags) = v.split_once(':').unwrap_or((v, ""));
                    h.variants.push((name.trim().to_string(), flags.split_whitespace().map(str::to_string).collect()));
                }
            } else if let Some(rest) = l.strip_prefix("expect:") {
                if h.expect_exit.is_none() {
                    if let Some(rest) = rest.trim().strip_prefix("exit") {
                        let digits: String = rest.trim().chars().take_while(|c| c.is_ascii_digit()).collect();
                        h.expect_exit = digits.parse().ok();
                    }
                }
            }
        }
        h
    }

    /// Every run the header asks for: `(variant name, flags)` per variant, or one run with
    /// [`Header::flags`] and no name.
    ///
    /// ```
    /// let h = spindle::harness::Header::parse("// spindle-flags: --seed 1\n// spindle-variants: ET: --const M=EPOLLET; LT: --const M=0\n");
    /// assert_eq!(h.runs()[1], (Some("LT".to_string()), vec!["--seed".to_string(), "1".into(), "--const".into(), "M=0".into()]));
    /// ```
    pub fn runs(&self) -> Vec<(Option<String>, Vec<String>)> {
        if self.variants.is_empty() {
            return vec![(None, self.flags.clone())];
        }
        self.variants.iter().map(|(n, f)| (Some(n.clone()), self.flags.iter().chain(f).cloned().collect())).collect()
    }
}

/// Whether a file is a module that programs `use`, not a program: its header has a line
/// `// spindle-module: …` (what it is for). The harness does not run modules on their own.
pub fn is_module(path: &Path) -> bool {
    std::fs::read(path).is_ok_and(|b| {
        String::from_utf8_lossy(&b)
            .lines()
            .map(str::trim)
            .take_while(|l| l.starts_with("//"))
            .any(|l| l.trim_start_matches('/').trim().starts_with("spindle-module:"))
    })
}

/// The snapshot suffix of a variant: `dir/stem.mir` and `ET` give `dir/stem_et.mir`.
pub fn variant_suffix(suffix: &str, variant: &str) -> String {
    let (stem, ext) = match suffix.rfind('.') {
        Some(i) if !suffix[i..].contains('/') => suffix.split_at(i),
        _ => (suffix, ""),
    };
    format!("{stem}_{}{ext}", variant.to_lowercase())
}

/// Splits `--const NAME=VALUE` (and `--const=NAME=VALUE`) out of run flags: (the overrides, the
/// other flags).
pub fn split_consts(flags: &[String]) -> Result<(Vec<(String, String)>, Vec<String>), String> {
    let mut consts = Vec::new();
    let mut rest = Vec::new();
    let mut it = flags.iter();
    while let Some(f) = it.next() {
        if f == "--const" {
            let v = it.next().ok_or("`--const` needs NAME=VALUE")?;
            consts.push(crate::LoadOptions::parse_const(v)?);
        } else if let Some(v) = f.strip_prefix("--const=") {
            consts.push(crate::LoadOptions::parse_const(v)?);
        } else {
            rest.push(f.clone());
        }
    }
    Ok((consts, rest))
}

/// The snapshot text of a run: exit code, stdout, stderr and trace, in that order.
pub fn snapshot_text(exit_code: i32, stdout: &[u8], stderr: &[u8], trace: &str) -> String {
    format!(
        "exit: {exit_code}\n--- stdout\n{}\n--- stderr\n{}\n--- trace\n{trace}",
        String::from_utf8_lossy(stdout),
        String::from_utf8_lossy(stderr)
    )
}

impl Harness {
    /// A suite over the files `glob` matches, relative to the crate root (`*` stays within a
    /// directory, `**` crosses directories: `guests/**/*.mir`). By default every program runs
    /// with [`Config::new`], a text trace and at most [`HARNESS_MAX_STEPS`] steps, and headers
    /// are read.
    pub fn new(glob: impl Into<String>) -> Self {
        Harness {
            glob: glob.into(),
            config: Config::new().trace_text().max_steps(HARNESS_MAX_STEPS),
            foreign: ForeignTable::new(),
            headers: true,
            jobs: std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 16),
            not_run_trace: NOT_RUN_TRACE.to_string(),
        }
    }

    /// The configuration every program starts from (a header's flags apply on top). Without a
    /// trace in it, the snapshots' trace sections are empty.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// Host-added foreign functions the programs may call.
    pub fn foreign(mut self, foreign: ForeignTable) -> Self {
        self.foreign = foreign;
        self
    }

    /// Whether to read `// spindle-flags:` and `// expect:` headers (on by default).
    pub fn headers(mut self, on: bool) -> Self {
        self.headers = on;
        self
    }

    /// How many programs run at once (default: one per core, at most 16).
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// The trace section of a program that did not load (default [`NOT_RUN_TRACE`]).
    pub fn not_run_trace(mut self, text: impl Into<String>) -> Self {
        self.not_run_trace = text.into();
        self
    }

    /// The glob.
    pub fn glob(&self) -> &str {
        &self.glob
    }

    /// The files the glob matches under `root`, sorted, each with its path under the glob's
    /// directory. `Err` explains a bad glob, a missing directory or no match.
    pub fn files(&self, root: &Path) -> Result<Vec<(PathBuf, String)>, String> {
        let glob = self.glob.replace('\\', "/");
        let parts: Vec<&str> = glob.split('/').collect();
        let is_pattern = |p: &str| p.contains(['*', '?', '[', '{']);
        let literal = parts.iter().take_while(|p| !is_pattern(p)).count();
        // A glob without wildcards names one file: its directory is the base.
        let literal = if literal == parts.len() { literal.saturating_sub(1) } else { literal };
        let base_text = parts[..literal].join("/");
        let pattern = parts[literal..].join("/");
        let base = if base_text.is_empty() && glob.starts_with('/') { PathBuf::from("/") } else { root.join(&base_text) };
        let matcher = globset::GlobBuilder::new(&pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("`{}` is not a valid glob: {e}", self.glob))?
            .compile_matcher();
        if !base.is_dir() {
            return Err(format!(
                "`{}` matched no files: the directory `{}` does not exist (the glob is relative to the crate root, `{}`)",
                self.glob,
                base.display(),
                root.display()
            ));
        }
        let mut out = Vec::new();
        for entry in walkdir::WalkDir::new(&base).follow_links(true).sort_by_file_name() {
            let entry = entry.map_err(|e| format!("`{}`: cannot list `{}`: {e}", self.glob, base.display()))?;
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(rel) = entry.path().strip_prefix(&base) else { continue };
            let rel: Vec<String> = rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
            let rel = rel.join("/");
            if matcher.is_match(&rel) && !is_module(entry.path()) {
                out.push((entry.path().to_path_buf(), rel));
            }
        }
        if out.is_empty() {
            return Err(format!("`{}` matched no files in `{}`", self.glob, base.display()));
        }
        out.sort();
        Ok(out)
    }

    /// Every run of the suite: (file, snapshot suffix, variant), one per variant of a file
    /// that has `// spindle-variants:`.
    pub fn cases(&self, root: &Path) -> Result<Vec<(PathBuf, String, Option<String>)>, String> {
        let mut out = Vec::new();
        for (path, suffix) in self.files(root)? {
            let header = std::fs::read(&path).ok().filter(|_| self.headers).map(|b| Header::parse(&String::from_utf8_lossy(&b)));
            match header.filter(|h| !h.variants.is_empty()) {
                Some(h) => {
                    for (v, _) in h.variants {
                        out.push((path.clone(), variant_suffix(&suffix, &v), Some(v)));
                    }
                }
                None => out.push((path, suffix, None)),
            }
        }
        Ok(out)
    }

    /// Runs one program as the suite does (its first variant, if it has several).
    pub fn run_file(&self, root: &Path, path: &Path, suffix: &str) -> Case {
        let header = std::fs::read(path).ok().filter(|_| self.headers).map(|b| Header::parse(&String::from_utf8_lossy(&b)));
        let variant = header.and_then(|h| h.variants.into_iter().next()).map(|(n, _)| n);
        let suffix = variant.as_deref().map_or_else(|| suffix.to_string(), |v| variant_suffix(suffix, v));
        self.run_variant(root, path, &suffix, variant.as_deref())
    }

    /// Runs one variant of a program (`None`: the program has none) as the suite does;
    /// `suffix` names its snapshot.
    pub fn run_variant(&self, root: &Path, path: &Path, suffix: &str, variant: Option<&str>) -> Case {
        let display = match path.strip_prefix(root) {
            Ok(rel) => rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect::<Vec<_>>().join("/"),
            Err(_) => path.display().to_string(),
        };
        let mut case = Case {
            path: path.to_path_buf(),
            display: display.clone(),
            suffix: suffix.to_string(),
            snapshot: None,
            exit_code: None,
            problems: Vec::new(),
        };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                case.problems.push(format!("{display}: cannot read it: {e}"));
                return case;
            }
        };
        let header = if self.headers { Header::parse(&String::from_utf8_lossy(&bytes)) } else { Header::default() };
        let flags = match variant {
            None => header.flags.clone(),
            Some(v) => match header.runs().into_iter().find(|(n, _)| n.as_deref() == Some(v)) {
                Some((_, f)) => f,
                None => {
                    case.problems.push(format!("{display}: it has no variant `{v}`"));
                    return case;
                }
            },
        };
        let (consts, flags) = match split_consts(&flags) {
            Ok(x) => x,
            Err(e) => {
                case.problems.push(format!("{display}: its header is wrong: {e}"));
                return case;
            }
        };
        let config = match self.config.clone().with_flags(&flags) {
            Ok(c) => c,
            Err(e) => {
                case.problems.push(format!("{display}: its `// spindle-flags:` header is wrong: {e}"));
                return case;
            }
        };
        let options = crate::LoadOptions { foreign: self.foreign.clone(), consts, base_dir: Some(root.to_path_buf()), files: None };
        let loaded = spindle_vm::front::decode_source(bytes)
            .map_err(|d| LoadError { sources: None, diagnostics: vec![d.note(format!("in `{display}`"))] })
            .and_then(|text| Program::load_source(&display, text, &options));
        let program = match loaded {
            Ok(p) => p,
            Err(e) => {
                let rendered = e.render(false);
                if header.expect_exit != Some(crate::EXIT_BAD_PROGRAM) {
                    case.problems.push(format!(
                        "{display} does not load:\n{}\n  (if it is meant to be rejected, say so in its header, `// expect: exit 2`, and the snapshot will hold the error)",
                        rendered.trim_end()
                    ));
                    return case;
                }
                case.exit_code = Some(crate::EXIT_BAD_PROGRAM);
                case.snapshot = Some(snapshot_text(crate::EXIT_BAD_PROGRAM, b"", rendered.as_bytes(), &self.not_run_trace));
                return case;
            }
        };
        let outcome = program.run(&config);
        let (stderr, trace) = match &outcome.schedule_error {
            Some(e) => (format!("error: the replayed schedule cannot be used: {e}\n").into_bytes(), self.not_run_trace.clone()),
            None => {
                let mut stderr = program.render_warnings(false).into_bytes();
                stderr.extend_from_slice(&outcome.stderr);
                if let Some(r) = &outcome.report {
                    stderr.extend_from_slice(r.rendered.as_bytes());
                }
                (stderr, outcome.trace_text().to_string())
            }
        };
        case.exit_code = Some(outcome.exit_code);
        case.snapshot = Some(snapshot_text(outcome.exit_code, &outcome.stdout, &stderr, &trace));
        if let Some(want) = header.expect_exit {
            if want != outcome.exit_code {
                case.problems.push(format!(
                    "{display}: its header says `expect: exit {want}`, but it exited with {}{}",
                    outcome.exit_code,
                    outcome.report.as_ref().map_or(String::new(), |r| format!(" ({})", r.title))
                ));
            }
        }
        case
    }

    /// Runs every program the glob matches under `root`, in parallel, and returns them in path
    /// order. A panic inside Spindle while running a program is reported as that program's
    /// problem.
    pub fn run_all(&self, root: &Path) -> Result<Vec<Case>, String> {
        let files = self.cases(root)?;
        let next = std::sync::atomic::AtomicUsize::new(0);
        let slots: Vec<std::sync::Mutex<Option<Case>>> = files.iter().map(|_| std::sync::Mutex::new(None)).collect();
        std::thread::scope(|s| {
            for _ in 0..self.jobs.min(files.len()) {
                std::thread::Builder::new()
                    .name("spindle-harness".into())
                    .stack_size(16 << 20)
                    .spawn_scoped(s, || loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some((path, suffix, variant)) = files.get(i) else { break };
                        let case = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            self.run_variant(root, path, suffix, variant.as_deref())
                        }))
                        .unwrap_or_else(|panic| Case {
                            path: path.clone(),
                            display: path.display().to_string(),
                            suffix: suffix.clone(),
                            snapshot: None,
                            exit_code: None,
                            problems: vec![format!(
                                "{}: Spindle panicked while running it (a Spindle bug, please report it): {}",
                                path.display(),
                                panic_message(&*panic)
                            )],
                        });
                        *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(case);
                    })
                    .expect("start a harness thread");
            }
        });
        Ok(slots.into_iter().filter_map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner())).collect())
    }

    /// The first half of [`snapshot_programs!`](crate::snapshot_programs): runs every program
    /// (panicking with the reason if the glob matches nothing).
    #[doc(hidden)]
    #[track_caller]
    pub fn __prepare(harness: impl Into<Harness>, site: Site) -> Checker {
        let harness: Harness = harness.into();
        let root = PathBuf::from(site.manifest_dir);
        let what = format!("spindle::snapshot_programs!(\"{}\")", harness.glob);
        let cases = match harness.run_all(&root) {
            Ok(c) => c,
            Err(e) => panic!("{what}: {e}"),
        };
        let settings = insta::Settings::clone_current();
        let test_file = workspace_of(&root, site.file).join(site.file);
        let snapshot_dir = test_file.parent().unwrap_or(&root).join(settings.snapshot_path());
        let module =
            if settings.prepend_module_to_snapshot() { format!("{}__", site.module_path.replace("::", "__")) } else { String::new() };
        let failures = cases.iter().flat_map(|c| c.problems.iter().cloned()).collect();
        Checker {
            what,
            root,
            test_file,
            snapshot_dir,
            prefix: format!("{module}{}", test_name(site.function)),
            name: test_name(site.function),
            cases,
            failures,
            snapshot_failures: 0,
            asserted: 0,
        }
    }
}

/// The programs of a [`snapshot_programs!`](crate::snapshot_programs) suite, run, and what
/// failed so far. The macro asserts their snapshots inside one `insta::glob!` over the test file
/// itself, so that insta collects every failure (and prints its own hints) instead of stopping
/// at the first.
#[doc(hidden)]
pub struct Checker {
    what: String,
    root: PathBuf,
    test_file: PathBuf,
    snapshot_dir: PathBuf,
    /// `module__name`: the snapshot files' prefix.
    prefix: String,
    name: String,
    cases: Vec<Case>,
    failures: Vec<String>,
    snapshot_failures: usize,
    asserted: usize,
}

impl Checker {
    /// The directory of the test file and a glob that matches only the test file.
    pub fn anchor(&self) -> (PathBuf, String) {
        let dir = self.test_file.parent().unwrap_or(&self.root).to_path_buf();
        let name = self.test_file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut escaped = String::new();
        for c in name.chars() {
            if "*?[]{}\\".contains(c) {
                escaped.push('\\');
            }
            escaped.push(c);
        }
        (dir, escaped)
    }

    /// Asserts every snapshot through `assert` (insta's assertion, expanded in the caller).
    pub fn assert_all(&mut self, assert: &mut dyn FnMut(&SnapshotCase<'_>)) {
        for i in self.asserted..self.cases.len() {
            self.asserted = i + 1;
            let case = &self.cases[i];
            let Some(contents) = &case.snapshot else { continue };
            let file = self.snapshot_dir.join(format!("{}@{}.snap", self.prefix, case.suffix.replace('/', "__")));
            let matches =
                |file: &Path| std::fs::read_to_string(file).is_ok_and(|old| normalized(snapshot_body(&old)) == normalized(contents));
            let existed = file.exists();
            let matched = matches(&file);
            assert(&SnapshotCase { name: &self.name, suffix: &case.suffix, path: &case.path, contents });
            // `INSTA_UPDATE=always` writes the snapshot in place, and `INSTA_FORCE_PASS` passes
            // anything: insta then reports no failure, nor do we.
            let passed = matched || matches(&file) || std::env::var("INSTA_FORCE_PASS").is_ok_and(|v| v != "0");
            if !passed {
                self.snapshot_failures += 1;
                self.failures.push(if existed {
                    format!("{}: the output differs from its snapshot {} (the diff is above)", case.display, shown(&file, &self.root))
                } else {
                    format!("{}: no snapshot yet ({})", case.display, shown(&file, &self.root))
                });
            }
        }
    }

    /// After the glob: asserts what it did not reach (an `INSTA_GLOB_FILTER` that excludes the
    /// test file, a fail-fast stop), then panics with every failure, or returns if there is none.
    #[track_caller]
    pub fn finish(mut self, glob: std::thread::Result<()>, assert: &mut dyn FnMut(&SnapshotCase<'_>)) {
        if glob.is_ok() {
            // The glob did not call back (a filter excluded the test file): assert one by one.
            while self.asserted < self.cases.len() {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.assert_all(assert)));
            }
        }
        if self.failures.is_empty() && glob.is_ok() {
            return;
        }
        let mut msg = format!("{}: {} of {} programs failed:\n", self.what, self.failures.len(), self.cases.len());
        for f in &self.failures {
            msg.push_str("  - ");
            msg.push_str(&f.replace('\n', "\n    "));
            msg.push('\n');
        }
        if self.failures.is_empty() {
            msg.push_str("  - insta reported a snapshot failure (above)\n");
        }
        if self.asserted < self.cases.len() {
            msg.push_str(&format!("  (stopped after {} of {} snapshots: INSTA_GLOB_FAIL_FAST)\n", self.asserted, self.cases.len()));
        }
        if self.snapshot_failures > 0 || glob.is_err() {
            msg.push_str(
                "To see and accept new or changed snapshots: `cargo insta review` (install it with `cargo install cargo-insta`), \
                 or accept them all with `INSTA_UPDATE=always cargo test` and read the diff. \
                 (Under CI, or with INSTA_UPDATE=no, no `.snap.new` file is written: run the tests locally.)\n",
            );
        }
        panic!("{msg}");
    }
}

/// A `.snap` file's contents without its metadata header.
fn snapshot_body(file: &str) -> &str {
    let Some(rest) = file.strip_prefix("---\n").or_else(|| file.strip_prefix("---\r\n")) else { return file };
    match rest.find("\n---\n").or_else(|| rest.find("\n---\r\n")) {
        Some(i) => rest[i + 1..].split_once('\n').map_or("", |(_, body)| body),
        None => file,
    }
}

/// As insta compares file snapshots: trailing whitespace and CRLF do not count.
fn normalized(s: &str) -> String {
    s.trim_end().replace("\r\n", "\n")
}

/// Where the assertion is, for [`snapshot_programs!`](crate::snapshot_programs).
#[doc(hidden)]
pub struct Site {
    pub manifest_dir: &'static str,
    pub file: &'static str,
    pub module_path: &'static str,
    pub function: &'static str,
}

/// One snapshot to assert, for [`snapshot_programs!`](crate::snapshot_programs).
#[doc(hidden)]
pub struct SnapshotCase<'a> {
    pub name: &'a str,
    pub suffix: &'a str,
    pub path: &'a Path,
    pub contents: &'a str,
}

/// The test function's name, from the type name of a function nested in it
/// (`crate::module::test_fn::{{closure}}::here`), without a `test_` prefix (as insta names
/// snapshots).
#[doc(hidden)]
pub fn test_name(nested: &str) -> String {
    let mut name = nested.rsplit_once("::").map_or(nested, |(p, _)| p);
    while let Some(rest) = name.strip_suffix("::{{closure}}") {
        name = rest;
    }
    let last = name.rsplit("::").next().unwrap_or(name);
    last.strip_prefix("test_").unwrap_or(last).to_string()
}

/// The directory that `file!()` paths are relative to: the crate root, or for a workspace
/// member the workspace root.
fn workspace_of(manifest_dir: &Path, file: &str) -> PathBuf {
    manifest_dir.ancestors().find(|a| a.join(file).is_file()).unwrap_or(manifest_dir).to_path_buf()
}

fn shown(p: &Path, root: &Path) -> String {
    p.strip_prefix(root).unwrap_or(p).display().to_string()
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| p.downcast_ref::<String>().cloned()).unwrap_or_else(|| "(no message)".into())
}

/// Snapshot tests over every guest program a glob matches: one insta snapshot per program of
/// its exit code, stdout, stderr and syscall trace (see [the module](crate::harness)).
///
/// Takes a glob relative to the crate root, or a [`Harness`] for more settings. Use it inside a
/// `#[test]` function; the snapshots are named after that function.
///
/// ```no_run
/// #[test]
/// fn programs() { spindle::snapshot_programs!("programs/**/*.mir"); }
/// ```
#[macro_export]
macro_rules! snapshot_programs {
    ($harness:expr $(,)?) => {{
        fn __spindle_here() {}
        let mut __checker = $crate::harness::Harness::__prepare(
            $harness,
            $crate::harness::Site {
                manifest_dir: env!("CARGO_MANIFEST_DIR"),
                file: file!(),
                module_path: module_path!(),
                function: ::std::any::type_name_of_val(&__spindle_here),
            },
        );
        let mut __assert = |case: &$crate::harness::SnapshotCase<'_>| {
            let mut settings = $crate::__insta::Settings::clone_current();
            settings.set_snapshot_suffix(case.suffix);
            settings.set_input_file(case.path);
            settings.set_omit_expression(true);
            settings.bind(|| {
                $crate::__insta::assert_snapshot!(case.name.to_string(), case.contents);
            });
        };
        let (__dir, __file) = __checker.anchor();
        let __glob = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| {
            $crate::__insta::glob!(__dir.as_path(), __file.as_str(), |_| __checker.assert_all(&mut __assert));
        }));
        __checker.finish(__glob, &mut __assert);
    }};
}

/// Defines a `#[test]` function that runs [`snapshot_programs!`](crate::snapshot_programs):
/// the whole test file can be one line.
///
/// ```no_run
/// //! Every guest program under guests/, against its snapshot in tests/snapshots/.
///
/// spindle::snapshot_test!(guests, "guests/**/*.mir");
/// ```
///
/// The second argument is a glob or a [`Harness`]; attributes before the name (`#[ignore]`,
/// doc comments) go on the test function.
#[macro_export]
macro_rules! snapshot_test {
    ($(#[$meta:meta])* $name:ident, $harness:expr $(,)?) => {
        $(#[$meta])*
        #[test]
        fn $name() {
            $crate::snapshot_programs!($harness);
        }
    };
}

// ---- schedule sweeps -------------------------------------------------------------------------

/// Runs one program under many schedules and fails with the first failure — its report and its
/// minimised schedule string. A failure is any run that does not exit with 0 (so sweep programs
/// that are meant to succeed). See [the module](crate::harness) for an example.
#[derive(Clone, Debug)]
pub struct Sweep {
    name: String,
    text: Result<String, String>,
    options: Options,
}

/// What a sweep that found no failure explored.
#[derive(Clone, Debug)]
pub struct SweepReport {
    /// Schedules run.
    pub runs: u64,
    /// A depth-first sweep explored every schedule within its preemption bound.
    pub exhaustive: bool,
    /// Everything the exploration reports.
    pub summary: explore::Summary,
}

/// The first failing schedule a sweep found.
#[derive(Clone, Debug)]
pub struct SweepFailure {
    pub program: String,
    /// Which run it was (`run 11 (`--sched random --seed 11`)`, `schedule 4 in depth-first order`).
    pub which: String,
    /// Schedules run up to and including it.
    pub runs: u64,
    pub exit_code: i32,
    /// The failure's kind and title (what minimisation preserved).
    pub class: String,
    /// The failure report, as `spindle run` prints it.
    pub report: String,
    /// The minimal failing schedule (or the failing one, if minimisation found nothing
    /// smaller): give it to [`Config::replay`] or `spindle run --replay`.
    pub schedule: String,
    /// Preemptions in [`SweepFailure::schedule`].
    pub preemptions: u64,
    /// The steps that lead to the failure, one column per thread (when minimised).
    pub table: Option<String>,
}

impl std::fmt::Display for SweepFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} fails under {} (after {} schedules):", self.program, self.which, self.runs)?;
        writeln!(f, "{}", self.report.trim_end())?;
        writeln!(
            f,
            "minimal failing schedule ({} preemption{}): {}",
            self.preemptions,
            if self.preemptions == 1 { "" } else { "s" },
            self.schedule
        )?;
        writeln!(
            f,
            "replay it: `Config::new().replay(\"{}\")`, or `spindle run --replay '{}' {}`",
            self.schedule, self.schedule, self.program
        )?;
        if let Some(t) = &self.table {
            writeln!(f, "\n{t}")?;
        }
        Ok(())
    }
}

/// Why a sweep did not pass.
#[derive(Clone, Debug)]
pub enum SweepError {
    /// A schedule failed.
    Failed(Box<SweepFailure>),
    /// The sweep could not run: an unreadable or invalid program, a bad setting.
    BadInput(String),
}

impl std::fmt::Display for SweepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SweepError::Failed(x) => x.fmt(f),
            SweepError::BadInput(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for SweepError {}

/// Schedules a sweep runs unless told otherwise.
pub const DEFAULT_SWEEP_RUNS: u64 = 100;

impl Sweep {
    /// A sweep of the program at `path` (relative paths are relative to the current directory,
    /// which `cargo test` sets to the crate root): [`DEFAULT_SWEEP_RUNS`] seeds of the random
    /// scheduler by default.
    pub fn new(path: impl AsRef<Path>) -> Sweep {
        let path = path.as_ref();
        let name = path.to_string_lossy().into_owned();
        let text = std::fs::read(path)
            .map_err(|e| format!("cannot read `{name}`: {e}"))
            .and_then(|b| spindle_vm::front::decode_source(b).map_err(|d| format!("`{name}`: {}", d.title)));
        Sweep::with_text(name, text)
    }

    /// A sweep of a program given as text (`name` is shown in reports).
    pub fn source(name: &str, text: impl Into<String>) -> Sweep {
        Sweep::with_text(name.to_string(), Ok(text.into()))
    }

    fn with_text(name: String, text: Result<String, String>) -> Sweep {
        let options = Options {
            strategy: Strategy::Random,
            runs: Some(DEFAULT_SWEEP_RUNS),
            jobs: std::thread::available_parallelism().map_or(1, |n| n.get()),
            ..Options::default()
        };
        Sweep { name, text, options }
    }

    /// Seeds `0..n` of the random scheduler (`--sched random --seed i`).
    pub fn seeds(mut self, n: u64) -> Self {
        self.options.strategy = Strategy::Random;
        self.options.runs = Some(n);
        self
    }

    /// `n` runs of PCT with bug depth `depth` (seeds `0..n`).
    pub fn pct(mut self, depth: u32, n: u64) -> Self {
        self.options.strategy = Strategy::Pct { depth };
        self.options.runs = Some(n);
        self
    }

    /// Depth-first search of every schedule with at most `preemptions` preemptions (no limit on
    /// the number of schedules; set one with [`Sweep::runs`]).
    pub fn dfs(mut self, preemptions: u32) -> Self {
        self.options.strategy = Strategy::Dfs { bound: preemptions };
        self.options.runs = None;
        self
    }

    /// At most `n` injected spurious `futex` wakeups per run (`--spurious-wakeups N`; 0 turns
    /// them off). Default: one for PCT and DFS, none for random seeds (docs/explore.md).
    pub fn spurious_wakeups(mut self, n: u32) -> Self {
        self.options.spurious_wakeups = Some(n);
        self
    }

    /// Lock waits under `dfs:inf` (`--lock-waits on|off`; on by default, docs/explore.md).
    pub fn lock_waits(mut self, on: bool) -> Self {
        self.options.lock_waits = on;
        self
    }

    /// At most `n` schedules.
    pub fn runs(mut self, n: u64) -> Self {
        self.options.runs = Some(n);
        self
    }

    /// Limits and race checking for every run (the scheduler and the trace are the sweep's).
    /// Without a step limit, each run stops after [`explore::DEFAULT_MAX_STEPS`].
    pub fn config(mut self, config: Config) -> Self {
        let mut run = config.run_config();
        run.max_steps = run.max_steps.or(Some(explore::DEFAULT_MAX_STEPS));
        self.options.config = run;
        self
    }

    /// Worker threads (default: one per core). The result does not depend on it.
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.options.jobs = jobs.max(1);
        self
    }

    /// Gives the program's `const NAME` the value `value` (as `--const NAME=VALUE`): sweeps one
    /// variant of a program.
    pub fn constant(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.consts.push((name.into(), value.into()));
        self
    }

    /// Runs the sweep.
    pub fn run(&self) -> Result<SweepReport, SweepError> {
        let text = self.text.clone().map_err(SweepError::BadInput)?;
        let load = crate::LoadOptions { consts: self.options.consts.clone(), ..Default::default() };
        if let Err(e) = Program::load_source(&self.name, text.clone(), &load) {
            return Err(SweepError::BadInput(format!("{} does not load:\n{}", self.name, e.render(false).trim_end())));
        }
        let summary = explore::explore(&self.name, &text, &self.options).map_err(SweepError::BadInput)?;
        match &summary.failure {
            None => Ok(SweepReport { runs: summary.runs, exhaustive: summary.exhaustive, summary }),
            Some(f) => Err(SweepError::Failed(Box::new(SweepFailure {
                program: self.name.clone(),
                which: f.which.clone(),
                runs: summary.runs,
                exit_code: f.exit_code,
                class: f.class.clone(),
                report: f.report.clone(),
                schedule: f.minimal.as_ref().map_or(&f.replay, |m| &m.replay).clone(),
                preemptions: f.minimal.as_ref().map_or(f.preemptions, |m| m.preemptions),
                table: f.minimal.as_ref().map(|m| m.table.clone()),
            }))),
        }
    }

    /// Runs the sweep and panics — failing the test — with the first failure (its report, the
    /// minimal failing schedule and how to replay it) or with why the sweep could not run.
    #[track_caller]
    pub fn check(&self) -> SweepReport {
        match self.run() {
            Ok(r) => r,
            Err(e) => panic!("schedule sweep failed: {e}"),
        }
    }

    /// Runs the sweep and returns its failure; panics if every schedule passed (for tests that
    /// a bug is found).
    #[track_caller]
    pub fn find_failure(&self) -> SweepFailure {
        match self.run() {
            Err(SweepError::Failed(f)) => *f,
            Err(e) => panic!("schedule sweep could not run: {e}"),
            Ok(r) => panic!(
                "{}: no failure in {} schedule{} ({})",
                self.name,
                r.runs,
                if r.runs == 1 { "" } else { "s" },
                if r.exhaustive { "every schedule within the bound".to_string() } else { self.options.strategy.to_string() }
            ),
        }
    }
}
