//! libFuzzer target `import_id`: see `maia_fuzz::import_id`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| maia_fuzz::import_id(data));
