//! Startup benchmark: exec → handshake line, the way Terraform starts the
//! provider (cookie, protocol list, a P-521 `PLUGIN_CLIENT_CERT`).
//!
//! `cargo bench --bench handshake` (set `MAIA_PROVIDER_BIN` to measure another
//! binary, `HANDSHAKE_RUNS` to change the number of runs). Any go-plugin
//! handshake line (`1|<protocol>|...`) is accepted, so a protocol-5 Go provider
//! can be measured the same way; `HANDSHAKE_PROTOCOL=5` requires that protocol.
//! With `HANDSHAKE_JSON=1` a last line `{"runs":..,"median_ms":..,...}` is
//! printed for scripts (`scripts/bench` reads it).

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const DEFAULT_RUNS: usize = 30;

fn client_cert_pem() -> String {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P521_SHA512).expect("P-521 key");
    let mut params =
        rcgen::CertificateParams::new(vec!["localhost".to_owned()]).expect("cert params");
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.self_signed(&key).expect("self-signed").pem()
}

/// One start: time to the handshake line, then a clean SIGTERM stop.
fn one_run(bin: &str, cert_pem: &str, protocol: &str) -> Duration {
    let start = Instant::now();
    let mut child = Command::new(bin)
        .env(
            "TF_PLUGIN_MAGIC_COOKIE",
            "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
        )
        .env("PLUGIN_PROTOCOL_VERSIONS", "6,5")
        .env("PLUGIN_MIN_PORT", "10000")
        .env("PLUGIN_MAX_PORT", "25000")
        .env("PLUGIN_CLIENT_CERT", cert_pem)
        .env_remove("TF_LOG")
        .env_remove("TF_LOG_PROVIDER")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn provider");
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    out.read_line(&mut line).expect("read handshake line");
    let elapsed = start.elapsed();
    let prefix = format!("1|{protocol}|");
    assert!(line.starts_with(&prefix), "bad handshake line {line:?}");
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let _ = child.wait();
    elapsed
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is not meaningful here.
    let bin = std::env::var("MAIA_PROVIDER_BIN")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| env!("CARGO_BIN_EXE_terraform-provider-maia").to_owned());
    let runs = std::env::var("HANDSHAKE_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_RUNS);
    let protocol = std::env::var("HANDSHAKE_PROTOCOL")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "6".to_owned());
    let cert = client_cert_pem();
    // One warm-up start (page cache), not counted.
    one_run(&bin, &cert, &protocol);
    let mut times: Vec<Duration> = (0..runs).map(|_| one_run(&bin, &cert, &protocol)).collect();
    times.sort();
    let size = std::fs::metadata(&bin).map(|m| m.len()).unwrap_or(0);
    println!("handshake benchmark: exec -> handshake line ({bin})");
    println!("| runs | median | p90 | min | max | binary size |");
    println!("|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {runs} | {} | {} | {} | {} | {size} bytes |",
        ms(percentile(&times, 0.5)),
        ms(percentile(&times, 0.9)),
        ms(times[0]),
        ms(times[times.len() - 1]),
    );
    if std::env::var_os("HANDSHAKE_JSON").is_some_and(|v| v == "1") {
        let f = |d: Duration| d.as_secs_f64() * 1e3;
        println!(
            "{{\"runs\":{runs},\"median_ms\":{:.3},\"p90_ms\":{:.3},\"min_ms\":{:.3},\"max_ms\":{:.3},\"size_bytes\":{size}}}",
            f(percentile(&times, 0.5)),
            f(percentile(&times, 0.9)),
            f(times[0]),
            f(times[times.len() - 1]),
        );
    }
}
