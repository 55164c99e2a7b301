//! The litmus corpus (`programs/litmus/`) against the weak-memory model.
//!
//! Each program's header lists the outcomes C++20 (as RC11 formalises it) allows and forbids,
//! and, under `beyond the model:`, the allowed outcomes a store-buffer model cannot show. The
//! first line a program prints is its outcome. `explore` must reach every allowed outcome that
//! is not beyond the model, and never a forbidden one or one beyond the model (which would mean
//! the model is not what the documentation says). With `--sc` only interleavings remain: no
//! program may then show an outcome that needs a stale read.

use spindle::explore::{self, Options, Strategy, Summary, UNBOUNDED};
use spindle::RunConfig;
use std::collections::BTreeSet;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const DIR: &str = "programs/litmus";

struct Litmus {
    rel: String,
    text: String,
    allowed: BTreeSet<String>,
    forbidden: BTreeSet<String>,
    beyond: BTreeSet<String>,
    threads: usize,
}

fn header_list(text: &str, key: &str) -> BTreeSet<String> {
    let Some(line) = text.lines().find_map(|l| l.strip_prefix(&format!("// {key}: "))) else { return BTreeSet::new() };
    if line == "(none)" {
        return BTreeSet::new();
    }
    line.split(" | ").map(|s| s.trim().to_string()).collect()
}

fn corpus() -> Vec<Litmus> {
    let mut files: Vec<_> = std::fs::read_dir(Path::new(ROOT).join(DIR))
        .expect("programs/litmus exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mir"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let rel = format!("{DIR}/{}", p.file_name().unwrap().to_str().unwrap());
            let l = Litmus {
                allowed: header_list(&text, "allowed"),
                forbidden: header_list(&text, "forbidden"),
                beyond: header_list(&text, "beyond the model"),
                threads: text.matches("call spawn(").count(),
                rel,
                text,
            };
            assert!(!l.allowed.is_empty(), "{}: no `// allowed:` line", l.rel);
            assert!(l.allowed.is_disjoint(&l.forbidden), "{}: an outcome both allowed and forbidden", l.rel);
            assert!(l.beyond.is_subset(&l.allowed), "{}: `beyond the model` lists outcomes C++20 allows", l.rel);
            assert!(l.text.contains("// source: "), "{}: no source cited", l.rel);
            l
        })
        .collect()
}

fn options(strategy: Strategy, runs: Option<u64>, weak: bool, reduction: bool) -> Options {
    Options {
        strategy,
        runs,
        jobs: 2,
        minimize: false,
        keep_going: true,
        reduction,
        config: RunConfig { max_steps: Some(100_000), weak_memory: weak, ..RunConfig::default() },
        ..Options::default()
    }
}

/// The outcomes (first printed lines) of an exploration; every run must exit 0.
fn outcomes(l: &Litmus, o: &Options) -> BTreeSet<String> {
    let s: Summary = explore::explore(&l.rel, &l.text, o).unwrap();
    assert!(s.failure.is_none(), "{}: a run failed: {:?}", l.rel, s.failure.map(|f| f.report));
    s.outcomes.iter().map(|o| o.preview.trim_matches('"').to_string()).collect()
}

/// Every outcome `explore` reaches with weak memory on: exhaustively (`dfs:inf`) for programs of
/// up to three threads; for IRIW's four, every schedule with at most one preemption plus 4 000
/// random ones (the exhaustive tree has about 60 000 schedules: too slow for a debug build).
fn reached(l: &Litmus) -> BTreeSet<String> {
    if l.threads <= 3 {
        outcomes(l, &options(Strategy::Dfs { bound: UNBOUNDED }, None, true, true))
    } else {
        let mut s = outcomes(l, &options(Strategy::Dfs { bound: 1 }, None, true, true));
        s.extend(outcomes(l, &options(Strategy::Random, Some(4000), true, true)));
        s
    }
}

#[test]
fn the_corpus_has_every_shape() {
    let names: Vec<String> = corpus().iter().map(|l| l.rel.clone()).collect();
    for shape in ["sb_", "mp_", "lb_", "corr", "cowr", "iriw_", "2p2w_", "r_", "s_", "wrc_", "isa2_"] {
        assert!(names.iter().any(|n| n.starts_with(&format!("{DIR}/{shape}"))), "no {shape} program");
    }
}

#[test]
fn explore_reaches_every_allowed_outcome_and_no_forbidden_one() {
    for l in corpus() {
        let got = reached(&l);
        for o in &got {
            assert!(!l.forbidden.contains(o), "{}: reached the forbidden outcome `{o}`", l.rel);
            assert!(!l.beyond.contains(o), "{}: reached `{o}`, which a store-buffer model cannot show", l.rel);
            assert!(l.allowed.contains(o), "{}: reached `{o}`, which the header does not list", l.rel);
        }
        for o in l.allowed.difference(&l.beyond) {
            assert!(got.contains(o), "{}: never reached the allowed outcome `{o}` (reached {got:?})", l.rel);
        }
    }
}

#[test]
fn the_done_criteria_of_the_memory_model() {
    let find = |name: &str| corpus().into_iter().find(|l| l.rel.ends_with(name)).unwrap();
    let all = |l: &Litmus| outcomes(l, &options(Strategy::Dfs { bound: UNBOUNDED }, None, true, true));
    assert!(all(&find("sb_relaxed.mir")).contains("r1=0 r2=0"));
    assert!(all(&find("mp_relaxed.mir")).contains("r1=1 r2=0"));
    assert!(!all(&find("mp_release_acquire.mir")).contains("r1=1 r2=0"));
    assert!(!all(&find("sb_seq_cst.mir")).contains("r1=0 r2=0"));
    assert!(!all(&find("lb_relaxed.mir")).contains("r1=1 r2=1"));
    assert!(!all(&find("corr.mir")).contains("r1=1 r2=0"));
}

#[test]
fn sequential_consistency_shows_no_stale_read() {
    // Under `--sc` (interleavings only), the relaxed shapes lose their weak outcomes.
    for (name, weak) in [("sb_relaxed.mir", "r1=0 r2=0"), ("mp_relaxed.mir", "r1=1 r2=0"), ("r_relaxed.mir", "r1=0 Y=2")] {
        let l = corpus().into_iter().find(|l| l.rel.ends_with(name)).unwrap();
        let got = outcomes(&l, &options(Strategy::Dfs { bound: UNBOUNDED }, None, false, true));
        assert!(!got.contains(weak), "{name}: `{weak}` under --sc");
    }
}

#[test]
fn the_reduction_keeps_every_outcome_with_store_choices() {
    // Sleep sets with store choices: `dfs:inf` finds the same outcomes as every interleaving
    // and every store choice.
    for l in corpus().into_iter().filter(|l| l.threads == 2) {
        let red = outcomes(&l, &options(Strategy::Dfs { bound: UNBOUNDED }, None, true, true));
        let all = outcomes(&l, &options(Strategy::Dfs { bound: UNBOUNDED }, None, true, false));
        assert_eq!(red, all, "{}", l.rel);
    }
}
