//! Tests of the `maia-emulator` binary as a separate process: startup line,
//! persistence across restarts, fault flags, admin faults, signals.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_maia-emulator");
const PID: &str = "0a1b2c3d-0000-4000-8000-00000000abcd";
const TOKEN: &str = "maia-emulator-token";

/// A running emulator process; killed on drop if still running.
struct Emu {
    child: Child,
    base_url: String,
}

impl Emu {
    fn start(args: &[&str]) -> Emu {
        let mut child = Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {BIN}: {e}"));
        let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = rx
            .recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("no first line from emulator: {e}"));
        let base_url = line.trim().to_string();
        Emu { child, base_url }
    }

    fn root(&self) -> &str {
        self.base_url.trim_end_matches("/dpc")
    }

    fn connections_url(&self) -> String {
        format!("{}/v1/projects/{PID}/connections", self.base_url)
    }

    fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap_or_else(|e| panic!("kill: {e}"));
        assert!(status.success(), "kill {sig} failed");
    }

    fn wait_exit(&mut self, timeout: Duration) -> ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => panic!("emulator did not exit within {timeout:?}"),
                Err(e) => panic!("wait: {e}"),
            }
        }
    }

    fn stop(mut self) -> ExitStatus {
        self.signal("-TERM");
        self.wait_exit(Duration::from_secs(10))
    }
}

impl Drop for Emu {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn connection(name: &str) -> Value {
    json!({
        "name": name,
        "platformConnectionType": "COMPONENT_BASIC",
        "authProvider": "NONE",
        "authType": "GENERIC_SECRET",
        "connectionDetails": {"connectionProperties": {"secretName": format!("{name}-secret")}}
    })
}

async fn create(c: &Client, emu: &Emu, name: &str) -> StatusCode {
    c.post(emu.connections_url())
        .bearer_auth(TOKEN)
        .json(&connection(name))
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"))
        .status()
}

async fn list(c: &Client, emu: &Emu) -> reqwest::Result<reqwest::Response> {
    c.get(emu.connections_url()).bearer_auth(TOKEN).send().await
}

async fn list_names(c: &Client, emu: &Emu) -> Vec<Value> {
    let resp = list(c, emu).await.unwrap_or_else(|e| panic!("GET: {e}"));
    assert_eq!(resp.status(), StatusCode::OK);
    let v: Value = resp.json().await.unwrap_or_else(|e| panic!("json: {e}"));
    v["results"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn port_zero_prints_base_url_on_first_line_and_serves() {
    let emu = Emu::start(&["--port", "0"]);
    let port = emu
        .base_url
        .strip_prefix("http://127.0.0.1:")
        .and_then(|r| r.strip_suffix("/dpc"))
        .and_then(|p| p.parse::<u16>().ok());
    assert!(
        port.is_some_and(|p| p > 0),
        "bad first line {:?}",
        emu.base_url
    );
    let c = Client::new();
    assert_eq!(create(&c, &emu, "one").await, StatusCode::CREATED);
    assert_eq!(list_names(&c, &emu).await.len(), 1);
    assert!(emu.stop().success());
}

#[tokio::test]
async fn state_file_restart_keeps_every_connection() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let state = dir.path().join("emu-state.json");
    let state_arg = state.to_string_lossy().into_owned();
    let c = Client::new();

    let emu = Emu::start(&["--port", "0", "--state", &state_arg]);
    for name in ["alpha", "beta", "gamma"] {
        assert_eq!(create(&c, &emu, name).await, StatusCode::CREATED);
    }
    let del = c
        .delete(emu.connections_url())
        .query(&[("connectionName", "beta")])
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DELETE: {e}"));
    assert_eq!(del.status(), StatusCode::NO_CONTENT);
    let before = list_names(&c, &emu).await;
    assert_eq!(before.len(), 2);
    assert!(emu.stop().success());
    assert!(Path::new(&state).exists());

    let emu = Emu::start(&["--port", "0", "--state", &state_arg]);
    assert_eq!(list_names(&c, &emu).await, before);
    // Still a working store: the restored names conflict, new ones do not.
    assert_eq!(create(&c, &emu, "alpha").await, StatusCode::CONFLICT);
    assert_eq!(create(&c, &emu, "beta").await, StatusCode::CREATED);
    // Killed without a signal: every mutation is already on disk.
    drop(emu);
    let emu = Emu::start(&["--port", "0", "--state", &state_arg]);
    assert_eq!(list_names(&c, &emu).await.len(), 3);
    assert!(emu.stop().success());
}

#[tokio::test]
async fn fail_flags_answer_503_for_the_next_n_requests_with_retry_after() {
    let emu = Emu::start(&[
        "--port",
        "0",
        "--fail-status",
        "503",
        "--fail-count",
        "2",
        "--retry-after",
        "2",
    ]);
    let c = Client::new();
    for _ in 0..2 {
        let resp = list(&c, &emu).await.unwrap_or_else(|e| panic!("GET: {e}"));
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(
            resp.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("2")
        );
    }
    let ok = list(&c, &emu).await.unwrap_or_else(|e| panic!("GET: {e}"));
    assert_eq!(ok.status(), StatusCode::OK);
    assert!(emu.stop().success());
}

#[tokio::test]
async fn admin_endpoint_sets_and_clears_faults() {
    let emu = Emu::start(&["--port", "0"]);
    let c = Client::new();
    let set = c
        .post(format!("{}/_emulator/faults", emu.root()))
        .json(&json!({"status": 500, "count": 1}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("admin: {e}"));
    assert_eq!(set.status(), StatusCode::OK);
    let failed = list(&c, &emu).await.unwrap_or_else(|e| panic!("GET: {e}"));
    assert_eq!(failed.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        list(&c, &emu).await.map(|r| r.status()).ok(),
        Some(StatusCode::OK)
    );
    let set = c
        .post(format!("{}/_emulator/faults", emu.root()))
        .json(&json!({"status": 502}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("admin: {e}"));
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(
        list(&c, &emu).await.map(|r| r.status()).ok(),
        Some(StatusCode::BAD_GATEWAY)
    );
    let cleared = c
        .delete(format!("{}/_emulator/faults", emu.root()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("admin: {e}"));
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        list(&c, &emu).await.map(|r| r.status()).ok(),
        Some(StatusCode::OK)
    );
    let stats: Value = c
        .get(format!("{}/_emulator/stats", emu.root()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("admin: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("json: {e}"));
    assert_eq!(stats["requests"], json!(4));
    assert!(emu.stop().success());
}

#[tokio::test]
async fn drop_flag_closes_connection_without_response() {
    let emu = Emu::start(&["--port", "0", "--drop-count", "1"]);
    let c = Client::new();
    let dropped = list(&c, &emu).await;
    assert!(
        dropped.is_err(),
        "expected transport error, got {dropped:?}"
    );
    assert_eq!(
        list(&c, &emu).await.map(|r| r.status()).ok(),
        Some(StatusCode::OK)
    );
    // drop_rate 1.0 via the admin route: every request dropped.
    let set = c
        .post(format!("{}/_emulator/faults", emu.root()))
        .json(&json!({"drop_rate": 1.0}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("admin: {e}"));
    assert_eq!(set.status(), StatusCode::OK);
    for _ in 0..3 {
        assert!(list(&c, &emu).await.is_err());
    }
    assert!(emu.stop().success());
}

#[tokio::test]
async fn sigterm_and_sigint_exit_zero() {
    let emu = Emu::start(&["--port", "0"]);
    assert!(emu.stop().success());
    let mut emu = Emu::start(&["--port", "0"]);
    emu.signal("-INT");
    let status = emu.wait_exit(Duration::from_secs(10));
    assert_eq!(status.code(), Some(0));
}

#[test]
fn help_exits_zero_and_bad_flags_exit_two() {
    let help = Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    assert!(help.status.success());
    let text = String::from_utf8_lossy(&help.stdout);
    for flag in [
        "--port",
        "--state",
        "--token",
        "--fail-status",
        "--drop-rate",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}");
    }
    let bad = Command::new(BIN)
        .arg("--no-such-flag")
        .output()
        .unwrap_or_else(|e| panic!("run: {e}"));
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test]
async fn custom_tokens_and_client_credentials_flags() {
    let emu = Emu::start(&[
        "--port",
        "0",
        "--token",
        "t1",
        "--client-id",
        "cid",
        "--client-secret",
        "csec",
        "--token-ttl",
        "60",
    ]);
    let c = Client::new();
    let default_token = list(&c, &emu).await.unwrap_or_else(|e| panic!("GET: {e}"));
    assert_eq!(default_token.status(), StatusCode::UNAUTHORIZED);
    let t1 = c
        .get(emu.connections_url())
        .bearer_auth("t1")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"));
    assert_eq!(t1.status(), StatusCode::OK);
    let tok: Value = c
        .post(format!("{}/oauth/dpc/token", emu.root()))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "cid"),
            ("client_secret", "csec"),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("token: {e}"))
        .json()
        .await
        .unwrap_or_else(|e| panic!("json: {e}"));
    assert_eq!(tok["expires_in"], json!(60));
    let issued = c
        .get(emu.connections_url())
        .bearer_auth(tok["access_token"].as_str().unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"));
    assert_eq!(issued.status(), StatusCode::OK);
    assert!(emu.stop().success());
}
