//! libFuzzer target `problem_detail`: see `maia_fuzz::problem_detail`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| maia_fuzz::problem_detail(data));
