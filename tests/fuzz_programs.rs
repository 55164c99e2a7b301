//! Property tests of the interpreter (issue 9): generated *valid* programs — threads, atomics,
//! loads and stores, branches, guest and foreign calls with random arguments — run under step
//! and memory limits. No run panics the host, every stop is consistent (its exit code, its
//! report), and the same program with the same seed gives the same result twice. The same
//! generator drives `fuzz/fuzz_targets/programs.rs`.

mod fuzz_gen;

use fuzz_gen::{check_run, gen_program, Bytes};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_programs_run_cleanly_and_deterministically(
        bytes in proptest::collection::vec(any::<u8>(), 0..1024),
        seed in any::<u64>(),
    ) {
        let src = gen_program(&mut Bytes::new(&bytes));
        if let Err(e) = check_run(&src, seed) {
            return Err(TestCaseError::fail(format!("{e}\nseed {seed}, program:\n{src}")));
        }
    }
}

/// The generator is worth its name: most programs get past their first block, some spawn,
/// some end normally, some stop on a limit or a report.
#[test]
fn generator_covers_the_outcomes() {
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    let mut state = 0x9e3779b97f4a7c15u64;
    for _ in 0..300 {
        let bytes: Vec<u8> = (0..600)
            .map(|_| {
                state = state.wrapping_add(0x9e3779b97f4a7c15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
                (z ^ (z >> 31)) as u8
            })
            .collect();
        let src = gen_program(&mut Bytes::new(&bytes));
        let s = check_run(&src, 1).unwrap_or_else(|e| panic!("{e}\n{src}"));
        let kind = if s.kind.starts_with("Exit") { "Exit".to_string() } else { s.kind };
        *kinds.entry(kind).or_default() += 1;
    }
    eprintln!("outcomes: {kinds:?}");
    assert!(kinds.get("Exit").copied().unwrap_or(0) >= 30, "{kinds:?}");
    assert!(kinds.len() >= 4, "{kinds:?}");
}
