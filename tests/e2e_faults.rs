//! `maia_connection` under misbehaving networks and services, through real
//! Terraform: random 503/429 storms with latency, dropped connections,
//! SIGINT in the middle of an apply, the service restarted mid-apply, and a
//! 422 problem whose violation must land on the right attribute.
//!
//! The 200-connection runs use Terraform 1.15.5 only; the cheap ones both versions.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use support::emulator::{free_port, LiveEmulator, ProcessEmulator};
use support::terraform::{self, Terraform, TfVersion, Workdir};
use terraform_provider_maia::emulator::faults::StatusFault;
use terraform_provider_maia::emulator::{FaultConfig, LoggedRequest};

const PROJECT: &str = "550e8400-e29b-41d4-a716-446655440002";
const TOKEN: &str = "maia-emulator-token";

/// `n` connections, alternating GENERIC_SECRET/NONE and OAUTH_CLIENT_CRED/salesforce,
/// each with its own description and secret; `provider_args` go in the provider block.
fn many(n: usize, provider_args: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    maia = {{ source = "matillion/maia" }}
  }}
}}
provider "maia" {{
  {provider_args}
}}
resource "maia_connection" "c" {{
  count                    = {n}
  project_id               = "{PROJECT}"
  name                     = format("conn-%03d", count.index)
  platform_connection_type = "COMPONENT_BASIC"
  auth_type                = count.index % 2 == 0 ? "GENERIC_SECRET" : "OAUTH_CLIENT_CRED"
  auth_provider            = count.index % 2 == 0 ? "NONE" : "salesforce"
  description              = "connection ${{count.index}}"
  secrets_location {{
    type   = "AWS_SECRET_MANAGER"
    region = "eu-west-1"
  }}
  connection_properties {{
    secret_name = "secret-${{count.index}}"
    secret_key  = "key-${{count.index}}"
  }}
}}
"#
    )
}

/// What the emulator must hold for connection `i` of [`many`].
fn expected(i: usize) -> Value {
    let (auth_type, provider) = if i % 2 == 0 {
        ("GENERIC_SECRET", "NONE")
    } else {
        ("OAUTH_CLIENT_CRED", "salesforce")
    };
    json!({
        "name": format!("conn-{i:03}"),
        "platformConnectionType": "COMPONENT_BASIC",
        "authType": auth_type,
        "authProvider": provider,
        "connectionDetails": {
            "description": format!("connection {i}"),
            "secretsLocation": {"type": "AWS_SECRET_MANAGER", "region": "eu-west-1"},
            "connectionProperties": {"secretName": format!("secret-{i}"), "secretKey": format!("key-{i}")}
        }
    })
}

/// Panics unless `held` is exactly connections `0..n` of [`many`], field by field.
fn assert_holds_exactly(held: &[Value], n: usize) {
    let mut by_name: BTreeMap<String, &Value> = BTreeMap::new();
    for c in held {
        let name = c["name"].as_str().unwrap_or_default().to_string();
        assert!(
            by_name.insert(name.clone(), c).is_none(),
            "duplicate {name}"
        );
    }
    let want: BTreeSet<String> = (0..n).map(|i| format!("conn-{i:03}")).collect();
    let have: BTreeSet<String> = by_name.keys().cloned().collect();
    assert_eq!(
        have,
        want,
        "missing: {:?}; unexpected: {:?}",
        want.difference(&have).collect::<Vec<_>>(),
        have.difference(&want).collect::<Vec<_>>()
    );
    for i in 0..n {
        let got = by_name[&format!("conn-{i:03}")];
        let want = expected(i);
        for key in [
            "name",
            "platformConnectionType",
            "authType",
            "authProvider",
            "connectionDetails",
        ] {
            assert_eq!(got[key], want[key], "conn-{i:03}.{key}: {got}");
        }
    }
}

/// Per connection name, how many POSTs the service answered 201 (or
/// served before dropping the connection).
fn creates_by_name(log: &[LoggedRequest]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for r in log
        .iter()
        .filter(|r| r.method == "POST" && r.status == Some(201))
    {
        let name = r
            .body
            .as_ref()
            .and_then(|b| b["name"].as_str())
            .unwrap_or_default()
            .to_string();
        *m.entry(name).or_insert(0) += 1;
    }
    m
}

fn workdir(tf: &Terraform, base_url: &str) -> Workdir {
    let mut wd = tf.workdir();
    wd.env("MAIA_ENDPOINT", base_url).env("MAIA_TOKEN", TOKEN);
    wd
}

/// The addresses in Terraform's state.
fn state_names(wd: &Workdir) -> BTreeSet<String> {
    let show = wd.show_json();
    let resources = show["values"]["root_module"]["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    resources
        .iter()
        .map(|r| r["values"]["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn state_list(wd: &Workdir) -> Vec<String> {
    let out = wd.run(&["state", "list"]);
    if out.code() != Some(0) && out.stderr.contains("No state file") {
        return Vec::new();
    }
    out.assert_success();
    out.stdout.lines().map(str::to_string).collect()
}

fn names_of(held: &[Value]) -> BTreeSet<String> {
    held.iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn two_hundred_connections_through_a_storm_of_503_429_and_latency() {
    let tf = Terraform::get(TfVersion::V1_15_5);
    let emu = LiveEmulator::start();
    emu.set_faults(FaultConfig {
        statuses: vec![
            StatusFault {
                status: 503,
                rate: 0.2,
                retry_after_secs: None,
            },
            StatusFault {
                status: 429,
                rate: 0.1,
                retry_after_secs: Some(1),
            },
        ],
        latency_ms: 5,
        latency_jitter_ms: 40,
        ..FaultConfig::default()
    });
    let mut wd = workdir(&tf, &emu.base_url());
    wd.write_config(&many(200, "max_retries = 12"));
    let started = Instant::now();
    wd.run(&["apply", "-auto-approve", "-no-color", "-parallelism=20"])
        .assert_success()
        .assert_stdout_contains("200 added, 0 changed, 0 destroyed");
    let apply_time = started.elapsed();

    let log = emu.requests();
    let s503 = log.iter().filter(|r| r.status == Some(503)).count();
    let s429 = log.iter().filter(|r| r.status == Some(429)).count();
    assert!(
        s503 > 10 && s429 > 5,
        "the storm did not happen: {s503} x 503, {s429} x 429"
    );
    assert_holds_exactly(&emu.connections(PROJECT), 200);
    let creates = creates_by_name(&log);
    assert_eq!(creates.len(), 200, "{creates:?}");
    assert!(creates.values().all(|n| *n == 1), "{creates:?}");
    assert_eq!(state_list(&wd).len(), 200);

    // Still storming: the refresh of 200 is retried through, and nothing changes.
    emu.clear_requests();
    wd.run(&["plan", "-detailed-exitcode", "-no-color", "-parallelism=20"])
        .assert_code(0);
    assert!(
        emu.requests().iter().any(|r| r.status == Some(503)),
        "faults still on during the plan"
    );
    eprintln!(
        "storm: apply of 200 took {apply_time:.1?} with {s503} x 503 and {s429} x 429 injected"
    );
}

#[test]
fn dropped_connections_mid_request_converge_without_duplicates_or_409() {
    for tf in terraform::all() {
        let emu = LiveEmulator::start();
        // Half of the drops happen after the service acted (the create is
        // stored, only the answer is lost), half before.
        emu.set_faults(FaultConfig {
            drop_rate: Some(0.3),
            drop_after_handling: true,
            ..FaultConfig::default()
        });
        let mut wd = workdir(&tf, &emu.base_url());
        wd.write_config(&many(20, "max_retries = 8"));
        let first = wd.run(&["apply", "-auto-approve", "-no-color"]);
        let log = emu.requests();
        let dropped = log.iter().filter(|r| r.status.is_none()).count();
        assert!(dropped > 0, "{tf}: no connection was dropped");
        // A create served and then dropped was retried, met 409, and was
        // settled by reading back (never surfacing as "already exists").
        assert!(
            log.iter()
                .any(|r| r.method == "POST" && r.status == Some(409)),
            "{tf}: no dropped-after-create was retried"
        );
        if first.code() != Some(0) {
            // A failure must say what happened, not be a crash.
            assert!(
                first.stderr.contains("Error:") && !first.stderr.contains("panic"),
                "{tf}: unclear failure\n{first}"
            );
        }
        // The stretch of drops ends; a re-apply converges.
        emu.set_faults(FaultConfig::default());
        let second = wd.run(&["apply", "-auto-approve", "-no-color"]);
        second.assert_success();
        for out in [&first, &second] {
            assert!(
                !out.stderr.contains("already exists") && !out.stdout.contains("already exists"),
                "{tf}: a 409 surfaced\n{out}"
            );
        }
        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_code(0);
        assert_holds_exactly(&emu.connections(PROJECT), 20);
        let log = emu.requests();
        let creates = creates_by_name(&log);
        assert!(
            creates.values().all(|n| *n == 1),
            "{tf}: duplicate creates {creates:?}"
        );
        assert!(
            !log.iter().any(|r| r.method == "DELETE"),
            "{tf}: a connection was replaced"
        );
        assert_eq!(state_list(&wd).len(), 20, "{tf}");
    }
}

#[test]
fn sigint_during_a_slow_apply_of_200_leaves_state_matching_the_service() {
    let tf = Terraform::get(TfVersion::V1_15_5);
    let emu = LiveEmulator::start();
    // The service acts at once and answers 200 ms later, so the creates in
    // flight at the interrupt are made although their answers never arrive.
    emu.set_faults(FaultConfig {
        latency_ms: 200,
        latency_after_handling: true,
        ..FaultConfig::default()
    });
    let mut wd = workdir(&tf, &emu.base_url());
    wd.write_config(&many(200, ""));
    let running = wd
        .spawn(&["apply", "-auto-approve", "-no-color"])
        .unwrap_or_else(|e| panic!("{e}"));
    // Wait until creates are flowing, then interrupt.
    let deadline = Instant::now() + Duration::from_secs(60);
    while emu.connections(PROJECT).len() < 20 {
        assert!(Instant::now() < deadline, "the apply never got going");
        std::thread::sleep(Duration::from_millis(50));
    }
    let interrupted_at = Instant::now();
    running.signal("-INT");
    let out = running.wait().unwrap_or_else(|e| panic!("{e}"));
    let exit_time = interrupted_at.elapsed();
    assert!(
        exit_time < Duration::from_secs(8),
        "Terraform took {exit_time:?} to stop after SIGINT\n{out}"
    );
    assert_ne!(
        out.code(),
        Some(0),
        "an interrupted apply succeeded?\n{out}"
    );
    assert!(!out.stderr.contains("panic"), "{out}");

    let held = names_of(&emu.connections(PROJECT));
    assert!(
        held.len() < 200,
        "the interrupt came too late to test anything"
    );
    let in_state = state_names(&wd);
    let missing: Vec<_> = held.difference(&in_state).collect();
    assert!(
        missing.is_empty(),
        "the service holds connections Terraform does not know: {missing:?}\n{out}"
    );
    let phantom: Vec<_> = in_state.difference(&held).collect();
    assert!(
        phantom.is_empty(),
        "state holds connections the service does not: {phantom:?}"
    );
    eprintln!(
        "sigint: Terraform stopped {exit_time:.1?} after SIGINT with {} of 200 created, all in state",
        held.len()
    );

    emu.set_faults(FaultConfig::default());
    wd.run(&["apply", "-auto-approve", "-no-color", "-parallelism=20"])
        .assert_success();
    wd.run(&["plan", "-detailed-exitcode", "-no-color", "-parallelism=20"])
        .assert_code(0);
    assert_holds_exactly(&emu.connections(PROJECT), 200);
    let log = emu.requests();
    let creates = creates_by_name(&log);
    let deletes: Vec<_> = log
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert!(
        creates.values().all(|n| *n == 1) && deletes.is_empty(),
        "connections created twice: {:?}; deleted: {deletes:?}",
        creates.iter().filter(|(_, n)| **n > 1).collect::<Vec<_>>()
    );
}

#[test]
fn emulator_killed_and_restarted_mid_apply_then_reapply_converges() {
    let tf = Terraform::get(TfVersion::V1_15_5);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let state = dir.path().join("maia-state.json");
    let port = free_port();
    let args: Vec<String> = [
        "--port",
        &port.to_string(),
        "--state",
        &state.to_string_lossy(),
        "--latency-ms",
        "60",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let mut emu = ProcessEmulator::start(&args);
    let mut wd = workdir(&tf, &emu.base_url());
    wd.write_config(&many(80, "max_retries = 10"));
    let running = wd
        .spawn(&["apply", "-auto-approve", "-no-color"])
        .unwrap_or_else(|e| panic!("{e}"));
    let deadline = Instant::now() + Duration::from_secs(60);
    while emu.connections(PROJECT).len() < 15 {
        assert!(Instant::now() < deadline, "the apply never got going");
        std::thread::sleep(Duration::from_millis(50));
    }
    // SIGKILL: requests in flight are lost, including creates that were
    // already stored (the state file is written before each answer).
    emu.kill();
    std::thread::sleep(Duration::from_millis(700));
    emu.restart();
    assert_eq!(emu.base_url(), format!("http://127.0.0.1:{port}/dpc"));
    let first = running.wait().unwrap_or_else(|e| panic!("{e}"));
    assert!(!first.stderr.contains("panic"), "{first}");
    assert!(
        first.code() == Some(0) || first.stderr.contains("Error:"),
        "{first}"
    );

    let second = wd.run(&["apply", "-auto-approve", "-no-color"]);
    second.assert_success();
    assert!(!second.stderr.contains("already exists"), "{second}");
    // Nothing correct was replaced (the log restarted with the process).
    let log = emu.requests();
    assert!(
        !log.iter().any(|r| r.method == "DELETE"),
        "a connection was replaced: {second}"
    );
    assert!(creates_by_name(&log).values().all(|n| *n == 1));
    wd.run(&["plan", "-detailed-exitcode", "-no-color"])
        .assert_code(0);
    assert_holds_exactly(&emu.connections(PROJECT), 80);
    assert_eq!(state_list(&wd).len(), 80);
    eprintln!(
        "restart: first apply exit {:?}, re-apply converged",
        first.code()
    );
}

#[test]
fn a_422_problem_shows_each_violation_on_its_attribute_in_terraform() {
    let config = format!(
        r#"
terraform {{
  required_providers {{
    maia = {{ source = "matillion/maia" }}
  }}
}}
provider "maia" {{}}
resource "maia_connection" "sf" {{
  project_id               = "{PROJECT}"
  name                     = "salesforce-prod"
  platform_connection_type = "COMPONENT_BASIC"
  auth_type                = "OAUTH_CLIENT_CRED"
  auth_provider            = "salesforce"
  secrets_location {{
    type   = "AWS_SECRET_MANAGER"
    region = "eu-west-1"
  }}
  connection_properties {{
    secret_name = "sf-oauth"
    secret_key  = "client_secret"
  }}
}}
"#
    );
    for tf in terraform::all() {
        let emu = LiveEmulator::start();
        emu.set_faults(FaultConfig {
            status: Some(422),
            count: Some(1),
            problem: Some(json!({
                "type": "about:blank",
                "title": "Unprocessable Entity",
                "detail": "The connection breaks a project policy.",
                "violations": [
                    "connectionDetails.connectionProperties.secretName: rejected by policy",
                    "connectionDetails.secretsLocation.region: region not allowed"
                ]
            })),
            ..FaultConfig::default()
        });
        let mut wd = workdir(&tf, &emu.base_url());
        wd.write_config(&config);
        let out = wd.run(&["apply", "-auto-approve", "-no-color"]);
        out.assert_code(1)
            .assert_stderr_contains("Unprocessable Entity")
            .assert_stderr_contains("The connection breaks a project policy.");
        let blocks: Vec<&str> = out.stderr.split("Error: ").collect();
        let secret = blocks
            .iter()
            .find(|b| b.starts_with("Maia refused a value: rejected by policy"))
            .unwrap_or_else(|| panic!("{tf}: no secret_name diagnostic\n{out}"));
        assert!(
            secret.contains(r#"secret_name = "sf-oauth""#),
            "{tf}: the diagnostic does not point at secret_name:\n{secret}"
        );
        let region = blocks
            .iter()
            .find(|b| b.starts_with("Maia refused a value: region not allowed"))
            .unwrap_or_else(|| panic!("{tf}: no region diagnostic\n{out}"));
        assert!(
            region.contains(r#"region = "eu-west-1""#),
            "{tf}: the diagnostic does not point at region:\n{region}"
        );
        // Nothing the service refused is in state, and nothing was retried.
        assert!(state_names(&wd).is_empty(), "{tf}");
        assert!(emu.connections(PROJECT).is_empty());
        let posts = emu.requests().iter().filter(|r| r.method == "POST").count();
        assert_eq!(posts, 1, "{tf}: a 422 must not be retried");
    }
}
