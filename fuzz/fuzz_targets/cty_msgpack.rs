//! libFuzzer target `cty_msgpack`: see `maia_fuzz::cty_msgpack`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| maia_fuzz::cty_msgpack(data));
