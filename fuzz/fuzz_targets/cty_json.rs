//! libFuzzer target `cty_json`: see `maia_fuzz::cty_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| maia_fuzz::cty_json(data));
