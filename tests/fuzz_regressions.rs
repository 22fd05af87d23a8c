//! The fuzz corpora as a regression suite: every file of every
//! `fuzz/corpus/<target>/` goes through the same target body the fuzzer
//! runs (`fuzz/src/lib.rs`, included here as a module), so a plain
//! `cargo test` checks that none of them panics and that the round-trip
//! properties hold. Needs no fuzzer toolchain.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

#[path = "../fuzz/src/lib.rs"]
mod targets;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target)
}

/// The files of one corpus, sorted; fails when the folder is missing or empty.
fn corpus_files(target: &str) -> Vec<PathBuf> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read corpus {}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "corpus {} is empty", dir.display());
    files
}

/// Runs every file of `target`'s corpus through its body; returns the
/// number of files replayed and panics naming every file that failed.
fn replay(target: &str) -> usize {
    let (_, body) = targets::TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .unwrap_or_else(|| panic!("no fuzz target named {target}"));
    replay_with(target, *body)
}

/// Runs every file of `target`'s corpus through `body`.
fn replay_with(target: &str, body: fn(&[u8])) -> usize {
    let files = corpus_files(target);
    let mut failures = Vec::new();
    for file in &files {
        let data = std::fs::read(file).expect("read corpus file");
        if let Err(panic) = catch_unwind(AssertUnwindSafe(|| body(&data))) {
            let message = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("(no message)")
                .to_string();
            failures.push(format!("{}: {message}", file.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} {target} corpus files failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    files.len()
}

#[test]
fn cty_msgpack_corpus_decodes_without_panic_and_round_trips() {
    assert!(replay("cty_msgpack") >= 10);
}

#[test]
fn cty_json_corpus_decodes_without_panic_and_round_trips() {
    assert!(replay("cty_json") >= 10);
}

#[test]
fn problem_detail_corpus_renders_without_panic() {
    assert!(replay("problem_detail") >= 5);
}

#[test]
fn import_id_corpus_parses_without_panic_and_round_trips() {
    assert!(replay("import_id") >= 5);
}

#[test]
fn every_target_has_a_corpus_and_every_corpus_a_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut dirs: Vec<String> = std::fs::read_dir(&root)
        .expect("read fuzz/corpus")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    let mut names: Vec<String> = targets::TARGETS
        .iter()
        .map(|(n, _)| (*n).to_string())
        .collect();
    names.sort();
    assert_eq!(dirs, names);
}

#[test]
fn corpus_stays_small() {
    let mut files = 0usize;
    let mut bytes = 0u64;
    for (name, _) in targets::TARGETS {
        for f in corpus_files(name) {
            files += 1;
            bytes += std::fs::metadata(&f).expect("metadata").len();
        }
    }
    assert!(files <= 600, "{files} corpus files: minimise the corpus");
    assert!(
        bytes <= 1 << 20,
        "{bytes} corpus bytes: minimise the corpus"
    );
}

/// The replay can fail: a body that panics on some files is reported, with
/// those files named.
#[test]
fn a_failing_property_is_reported_with_the_file_name() {
    fn panics_on_slash(data: &[u8]) {
        assert!(!data.contains(&b'/'), "has a slash");
    }
    let result = catch_unwind(|| replay_with("import_id", panics_on_slash));
    let panic = result.expect_err("replay must fail when the body panics");
    let message = panic.downcast_ref::<String>().expect("a formatted message");
    assert!(message.contains("seed-valid: "), "{message}");
    assert!(message.contains("has a slash"), "{message}");
    assert!(!message.contains("seed-no-slash"), "{message}");
}

/// Found by `cty_json`: `12e4096` was accepted (the written exponent is in
/// range) but is 1.2e4097, which `to_text` writes and the parser refused, so
/// the value did not survive a round trip. The bound now applies to the
/// number's own exponent.
#[test]
fn numbers_are_bounded_by_their_own_exponent_so_their_text_parses_back() {
    use terraform_provider_maia::plugin::cty::{Number, NumberTextError, MAX_NUMBER_EXPONENT};
    for text in [
        "12e4096",
        "0.001e-4094",
        "47638901234567890127602183394567890111e4080",
    ] {
        assert!(
            matches!(
                Number::parse_text(text),
                Err(NumberTextError::OutOfRange(_))
            ),
            "{text} must be out of range"
        );
    }
    let max = format!("9.99e{MAX_NUMBER_EXPONENT}");
    for text in [max.as_str(), "12e4095", "0.01e-4094", "1e-4096", "0e4096"] {
        let n = Number::parse_text(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(Number::parse_text(&n.to_text()), Ok(n), "{text}");
    }
}
