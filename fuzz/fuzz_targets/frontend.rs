//! The front end on arbitrary bytes: no panic, no hang; a rejection is a rendered error; an
//! accepted program runs under small limits without a panic. Seed it with `programs/` (see
//! fuzz/run.sh): libFuzzer's mutations of real programs reach the checker and the interpreter.
#![no_main]

#[path = "../../tests/fuzz_gen/mod.rs"]
mod fuzz_gen;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(e) = fuzz_gen::check_front_end(data) {
        panic!("{e}");
    }
});
