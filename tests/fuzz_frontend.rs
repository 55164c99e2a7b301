//! Property tests of the front end (docs/security.md, issue 9): arbitrary bytes and mutated
//! corpus programs never panic or hang the host; a rejected input is a rendered error (exit
//! code 2 from the CLI); an accepted one runs under small limits without a panic. The same
//! generators drive the cargo-fuzz target `fuzz/fuzz_targets/frontend.rs`.

mod fuzz_gen;

use fuzz_gen::{check_front_end, corpus, mutate, Bytes};
use proptest::prelude::*;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// One input must be handled well within this (a hang is a bug).
const SLOW: Duration = Duration::from_secs(5);

fn programs() -> &'static [(String, Vec<u8>)] {
    static C: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    C.get_or_init(corpus)
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

fn timed(what: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let start = Instant::now();
    let r = check_front_end(bytes);
    let took = start.elapsed();
    if let Err(e) = r {
        return Err(TestCaseError::fail(format!("{what}: {e}\ninput: {:?}", String::from_utf8_lossy(bytes))));
    }
    prop_assert!(took < SLOW, "{what} took {took:?}");
    Ok(())
}

proptest! {
    #![proptest_config(config(4000))]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        timed("arbitrary bytes", &bytes)?;
    }

    #[test]
    fn arbitrary_text(text in "[ -~\n]{0,400}") {
        timed("arbitrary text", text.as_bytes())?;
    }

    #[test]
    fn mutated_corpus(pick in any::<u16>(), edits in proptest::collection::vec(any::<u8>(), 0..64)) {
        let corpus = programs();
        prop_assume!(!corpus.is_empty());
        let (name, src) = &corpus[pick as usize % corpus.len()];
        let mutated = mutate(src, &mut Bytes::new(&edits));
        timed(&format!("a mutation of {name}"), &mutated)?;
    }
}

/// Every corpus program, unmutated, goes through the same checks.
#[test]
fn corpus_programs_pass_the_checks() {
    let corpus = programs();
    assert!(corpus.len() > 100, "the corpus is under programs/");
    for (name, src) in corpus {
        if let Err(e) = check_front_end(src) {
            panic!("{name}: {e}");
        }
    }
}

/// Inputs the random search rarely builds: deep nesting, long chains, huge literals and
/// arrays, odd encodings.
#[test]
fn hand_made_hostile_inputs() {
    let deep_parens = format!("fn main() -> i64 {{ bb0: {{ return {}1{}; }} }}", "(".repeat(100_000), ")".repeat(100_000));
    let long_chain = format!("fn main() -> i64 {{ bb0: {{ return 1{}; }} }}", " + 1".repeat(100_000));
    let deep_unary = format!("fn main() -> i64 {{ bb0: {{ return {}1; }} }}", "-".repeat(100_000));
    let deep_not = format!("fn main() -> i64 {{ bb0: {{ return {}1; }} }}", "!".repeat(100_000));
    let many_blocks: String = (0..20_000).map(|i| format!("b{i}: {{ goto b{}; }}\n", i + 1)).collect();
    let many_blocks = format!("fn main() -> i64 {{\n bb: {{ goto b0; }}\n{many_blocks} b20000: {{ return 0; }} }}");
    let inputs: Vec<Vec<u8>> = vec![
        deep_parens.into_bytes(),
        long_chain.into_bytes(),
        deep_unary.into_bytes(),
        deep_not.into_bytes(),
        many_blocks.into_bytes(),
        b"static A: [u8; 4294967295];\nfn main() -> i64 { bb0: { return 0; } }".to_vec(),
        b"static A: [u64; 18446744073709551615];\nfn main() -> i64 { bb0: { return 0; } }".to_vec(),
        b"static A: [u8; 3000000000];\nstatic B: [u8; 3000000000];\nfn main() -> i64 { bb0: { return 0; } }".to_vec(),
        b"fn main() -> i64 { let a: [u64; 536870911]; bb0: { return 0; } }".to_vec(),
        b"fn main() -> i64 { bb0: { return 99999999999999999999999999999; } }".to_vec(),
        b"fn main() -> i64 { bb0: { println \"{:#x}{}{{}}{\", 1; return 0; } }".to_vec(),
        b"fn main() -> i64 { bb0: { return \"\\xZZ\"; } }".to_vec(),
        b"/* unterminated".to_vec(),
        b"\"unterminated".to_vec(),
        b"\xef\xbb\xbffn main() -> i64 { bb0: { return 0; } }".to_vec(),
        b"\xff\xfe\x00f\x00n".to_vec(),
        b"fn main() -> i64 { bb0: { return 0; } }\0".to_vec(),
        vec![b'{'; 100_000],
        vec![b'a'; 1_000_000],
        "fn main() -> i64 { bb0: { println \"\u{1F600}{}\", 1; return 0; } } // \u{202e}".as_bytes().to_vec(),
    ];
    for (i, input) in inputs.iter().enumerate() {
        let start = Instant::now();
        if let Err(e) = check_front_end(input) {
            panic!("hostile input #{i}: {e}");
        }
        assert!(start.elapsed() < Duration::from_secs(10), "hostile input #{i} took {:?}", start.elapsed());
    }
}

/// Through the binary: a rejected mutation is exit code 2 with an error, never a crash.
#[test]
fn rejected_mutations_exit_2_from_the_cli() {
    let corpus = programs();
    let dir = std::env::temp_dir().join(format!("spindle-fuzz-frontend-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut rejected = 0;
    for seed in 0u32..200 {
        if rejected >= 12 {
            break;
        }
        let (_, src) = &corpus[(seed as usize * 7919) % corpus.len()];
        let edits: Vec<u8> = (0..16u32).map(|i| (seed.wrapping_mul(2654435761).wrapping_add(i * 40503) >> 7) as u8).collect();
        let m = mutate(src, &mut Bytes::new(&edits));
        let ok = spindle::Program::from_source("m.mir", String::from_utf8_lossy(&m).into_owned()).is_ok();
        if ok {
            continue;
        }
        rejected += 1;
        let path = dir.join(format!("m{seed}.mir"));
        std::fs::write(&path, &m).unwrap();
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_spindle")).args(["check", path.to_str().unwrap()]).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {err}", path.display());
        assert!(err.contains("error"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(rejected >= 12, "the mutator rejects programs");
    let _ = std::fs::remove_dir_all(&dir);
}
