//! Drives the built provider binary the way Terraform does: handshake
//! environment, handshake line, AutoMTLS over the unix socket, go-plugin side
//! services, and the process lifecycle.

mod support;

use std::process::Command;
use std::time::Duration;

use futures::StreamExt as _;
use support::plugin_client::{terraform_command, ClientCert, PluginProcess, SpawnOptions};
use terraform_provider_maia::plugin::proto::goplugin::grpc_broker_client::GrpcBrokerClient;
use terraform_provider_maia::plugin::proto::goplugin::grpc_controller_client::GrpcControllerClient;
use terraform_provider_maia::plugin::proto::goplugin::grpc_stdio_client::GrpcStdioClient;
use terraform_provider_maia::plugin::proto::goplugin::{ConnInfo, Empty};
use terraform_provider_maia::plugin::proto::health::health_check_response::ServingStatus;
use terraform_provider_maia::plugin::proto::health::health_client::HealthClient;
use terraform_provider_maia::plugin::proto::health::HealthCheckRequest;

use support::plugin_client::provider_bin;

fn opts(env: &[(&str, &str)], remove: &[&str], args: &[&str]) -> SpawnOptions {
    SpawnOptions {
        env: env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        remove: remove.iter().map(|s| (*s).to_owned()).collect(),
        args: args.iter().map(|s| (*s).to_owned()).collect(),
    }
}

async fn health(channel: tonic::transport::Channel) -> Result<i32, tonic::Status> {
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: "plugin".into(),
        })
        .await
        .map(|r| r.into_inner().status)
}

/// Connect-or-call: a refused TLS client may fail at connect (TLS 1.2 style)
/// or at the first call (TLS 1.3 client auth is checked after the client's
/// Finished); either way no call may succeed.
async fn health_with(plugin: &PluginProcess, cert: Option<&ClientCert>) -> Result<i32, String> {
    let channel = plugin.channel_as(cert).await.map_err(|e| e.to_string())?;
    health(channel).await.map_err(|e| e.to_string())
}

fn wait_gone(path: &std::path::Path, timeout: Duration) -> bool {
    let deadline = std::time::Instant::now() + timeout;
    while path.exists() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    true
}

#[test]
fn handshake_line_announces_unix_socket_protocol_6_and_server_cert() {
    let plugin = PluginProcess::spawn(&provider_bin(), &[]);
    let parts: Vec<&str> = plugin.handshake_raw.split('|').collect();
    assert_eq!(parts.len(), 6, "{}", plugin.handshake_raw);
    assert_eq!(&parts[..3], &["1", "6", "unix"]);
    assert_eq!(parts[4], "grpc");
    assert!(!parts[5].ends_with('='), "base64 must be unpadded");
    let der = plugin
        .handshake
        .server_cert_der
        .as_ref()
        .expect("server cert");
    assert!(der.len() > 100);
    let sock = plugin.socket_path().expect("unix socket");
    assert!(sock.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = plugin.socket_dir().unwrap();
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "socket dir must be private");
    }
}

#[test]
fn server_cert_is_fresh_per_start() {
    let a = PluginProcess::spawn(&provider_bin(), &[]);
    let b = PluginProcess::spawn(&provider_bin(), &[]);
    assert_ne!(a.handshake.server_cert_der, b.handshake.server_cert_der);
    assert_ne!(a.socket_path(), b.socket_path());
}

#[tokio::test]
async fn health_check_over_mtls_reports_plugin_serving() {
    let plugin = PluginProcess::spawn(&provider_bin(), &[]);
    let channel = plugin
        .channel()
        .await
        .expect("connect with the pinned cert");
    assert_eq!(
        health(channel).await.unwrap(),
        ServingStatus::Serving as i32
    );
}

#[tokio::test]
async fn client_without_certificate_is_refused() {
    let plugin = PluginProcess::spawn(&provider_bin(), &[]);
    let r = health_with(&plugin, None).await;
    assert!(r.is_err(), "a client with no certificate got {r:?}");
    // And the server survives the refused handshake.
    assert_eq!(
        health_with(&plugin, plugin.client_cert.as_ref()).await,
        Ok(ServingStatus::Serving as i32)
    );
}

#[tokio::test]
async fn client_with_another_certificate_is_refused() {
    let plugin = PluginProcess::spawn(&provider_bin(), &[]);
    let stranger = ClientCert::generate();
    let r = health_with(&plugin, Some(&stranger)).await;
    assert!(r.is_err(), "a foreign certificate got {r:?}");
    assert_eq!(
        health_with(&plugin, plugin.client_cert.as_ref()).await,
        Ok(ServingStatus::Serving as i32)
    );
}

#[tokio::test]
async fn plaintext_client_is_refused_when_tls_is_on() {
    let plugin = PluginProcess::spawn(&provider_bin(), &[]);
    let plain = clone_without_tls(&plugin);
    let r = health_with(&plain, None).await;
    assert!(r.is_err(), "plaintext h2 got {r:?}");
}

/// A view of `plugin` whose handshake announced no certificate (so the client
/// speaks plaintext to a TLS server).
fn clone_without_tls(plugin: &PluginProcess) -> PluginProcess {
    let mut hs = plugin.handshake.clone();
    hs.server_cert_der = None;
    PluginProcess::view(hs)
}

#[tokio::test]
async fn no_client_cert_env_means_plaintext() {
    let plugin =
        PluginProcess::spawn_with(&provider_bin(), opts(&[], &["PLUGIN_CLIENT_CERT"], &[]));
    assert!(
        plugin.handshake_raw.ends_with("|grpc|"),
        "{}",
        plugin.handshake_raw
    );
    assert_eq!(plugin.handshake.server_cert_der, None);
    let channel = plugin.channel().await.unwrap();
    assert_eq!(
        health(channel).await.unwrap(),
        ServingStatus::Serving as i32
    );
}

#[test]
fn missing_cookie_exits_1_with_human_message() {
    let out = terraform_command(
        &provider_bin(),
        None,
        &opts(&[], &["TF_PLUGIN_MAGIC_COOKIE"], &[]),
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("This binary is a plugin"), "{err}");
    assert!(err.contains("not meant to be executed directly"), "{err}");
}

#[test]
fn wrong_cookie_exits_1_with_human_message() {
    let out = terraform_command(
        &provider_bin(),
        None,
        &opts(&[("TF_PLUGIN_MAGIC_COOKIE", "nope")], &[], &[]),
    )
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("This binary is a plugin"));
}

#[test]
fn only_protocol_5_offered_is_refused_clearly() {
    let cert = ClientCert::generate();
    let out = terraform_command(
        &provider_bin(),
        Some(&cert),
        &opts(&[("PLUGIN_PROTOCOL_VERSIONS", "5")], &[], &[]),
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(out.stdout.is_empty(), "no handshake line may be printed");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("protocol 6"), "{err}");
    assert!(err.contains("\"5\""), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controller_shutdown_exits_0_and_removes_socket_dir() {
    let mut plugin = PluginProcess::spawn(&provider_bin(), &[]);
    let dir = plugin.socket_dir().unwrap();
    let channel = plugin.channel().await.unwrap();
    // Long-lived streams Terraform opens must not hold the shutdown up.
    let _stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .unwrap();
    GrpcControllerClient::new(channel)
        .shutdown(Empty {})
        .await
        .expect("Shutdown answers");
    let status = tokio::task::block_in_place(|| plugin.wait_timeout(Duration::from_secs(10)))
        .expect("exits after Shutdown");
    assert_eq!(status.code(), Some(0));
    assert!(!dir.exists(), "socket dir {dir:?} left behind");
}

#[test]
fn sigterm_exits_and_removes_socket_dir() {
    let mut plugin = PluginProcess::spawn(&provider_bin(), &[]);
    let dir = plugin.socket_dir().unwrap();
    plugin.signal("TERM");
    let status = plugin
        .wait_timeout(Duration::from_secs(10))
        .expect("exits on SIGTERM");
    assert_eq!(status.code(), Some(0));
    assert!(!dir.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_sigint_keeps_serving_second_stops() {
    let mut plugin = PluginProcess::spawn(&provider_bin(), &[]);
    let dir = plugin.socket_dir().unwrap();
    plugin.signal("INT");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        health_with(&plugin, plugin.client_cert.as_ref()).await,
        Ok(ServingStatus::Serving as i32),
        "a single Ctrl-C must leave the plugin answering Terraform"
    );
    plugin.signal("INT");
    let status = tokio::task::block_in_place(|| plugin.wait_timeout(Duration::from_secs(10)))
        .expect("exits on the second SIGINT");
    assert_eq!(status.code(), Some(0));
    assert!(!dir.exists());
}

#[test]
fn parent_death_stops_the_plugin() {
    // sh starts the plugin in the background and waits; killing sh hard
    // orphans the plugin, which must notice and exit.
    let cert = ClientCert::generate();
    let mut cmd = terraform_command("sh", Some(&cert), &SpawnOptions::default());
    cmd.arg("-c")
        .arg("\"$0\" & echo $! >&2; wait")
        .arg(provider_bin());
    let mut sh = cmd.spawn().unwrap();
    let mut stderr = std::io::BufReader::new(sh.stderr.take().unwrap());
    let mut pid = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut pid).unwrap();
    let pid: u32 = pid.trim().parse().unwrap();
    let mut stdout = std::io::BufReader::new(sh.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
    let hs = terraform_provider_maia::plugin::handshake::parse_handshake_line(&line).unwrap();
    let terraform_provider_maia::plugin::handshake::ListenAddr::Unix(sock) = hs.addr else {
        panic!("expected unix socket");
    };
    let dir = sock.parent().unwrap().to_path_buf();
    assert!(dir.exists());
    sh.kill().unwrap();
    sh.wait().unwrap();
    let gone = wait_gone(&dir, Duration::from_secs(10));
    let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
    if !gone || alive {
        // Do not leave the orphan behind when the assertion fails.
        let _ = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status();
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(gone, "orphaned plugin kept its socket");
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        !std::path::Path::new(&format!("/proc/{pid}/exe")).exists(),
        "orphaned plugin {pid} kept running"
    );
}

#[tokio::test]
async fn stdio_and_broker_streams_are_accepted_and_idle() {
    let plugin = PluginProcess::spawn(&provider_bin(), &[]);
    let channel = plugin.channel().await.unwrap();
    let mut stdio = GrpcStdioClient::new(channel.clone())
        .stream_stdio(())
        .await
        .unwrap()
        .into_inner();
    let idle = tokio::time::timeout(Duration::from_millis(200), stdio.next()).await;
    assert!(idle.is_err(), "stdio stream must stay open and empty");

    let (tx, rx) = tokio::sync::mpsc::channel::<ConnInfo>(4);
    let mut broker = GrpcBrokerClient::new(channel.clone())
        .start_stream(tokio_stream::wrappers::ReceiverStream::new(rx))
        .await
        .unwrap()
        .into_inner();
    tx.send(ConnInfo {
        service_id: 1,
        network: "unix".into(),
        address: "/nowhere".into(),
        knock: None,
    })
    .await
    .unwrap();
    let idle = tokio::time::timeout(Duration::from_millis(200), broker.next()).await;
    assert!(idle.is_err(), "broker must accept and idle");
    // Still healthy with both streams open.
    assert_eq!(
        health(channel).await.unwrap(),
        ServingStatus::Serving as i32
    );
}

#[test]
fn tcp_fallback_within_port_range() {
    // A socket parent that does not exist makes unix sockets impossible.
    let plugin = PluginProcess::spawn(
        &provider_bin(),
        &[
            ("PLUGIN_UNIX_SOCKET_DIR", "/nonexistent/dir/for/sockets"),
            ("PLUGIN_MIN_PORT", "21000"),
            ("PLUGIN_MAX_PORT", "21999"),
        ],
    );
    match &plugin.handshake.addr {
        terraform_provider_maia::plugin::handshake::ListenAddr::Tcp(a) => {
            assert!(a.ip().is_loopback());
            assert!((21000..=21999).contains(&a.port()), "{a}");
        }
        other => panic!("expected tcp, got {other:?}"),
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let status = rt.block_on(health_with(&plugin, plugin.client_cert.as_ref()));
    assert_eq!(status, Ok(ServingStatus::Serving as i32));
}

#[test]
fn silent_stderr_by_default_and_hclog_json_with_tf_log() {
    let quiet = PluginProcess::spawn(&provider_bin(), &[]);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(quiet.stderr(), "");
    drop(quiet);

    let mut loud = PluginProcess::spawn(&provider_bin(), &[("TF_LOG_PROVIDER", "DEBUG")]);
    loud.signal("TERM");
    loud.wait_timeout(Duration::from_secs(10)).expect("exits");
    std::thread::sleep(Duration::from_millis(100));
    let err = loud.stderr();
    let lines: Vec<serde_json::Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect();
    assert!(!lines.is_empty());
    for l in &lines {
        assert!(
            ["trace", "debug", "info", "warn", "error"].contains(&l["@level"].as_str().unwrap())
        );
        assert!(l["@message"].is_string());
        assert_eq!(l["@module"], "provider.terraform-provider-maia");
        let ts = l["@timestamp"].as_str().unwrap();
        assert_eq!(ts.len(), 27, "{ts}");
    }
    assert!(lines.iter().any(|l| l["@message"] == "plugin serving"));
}

#[test]
fn version_and_help_work_without_cookie() {
    let v = Command::new(provider_bin())
        .arg("--version")
        .output()
        .unwrap();
    assert!(v.status.success());
    let v = String::from_utf8_lossy(&v.stdout);
    assert!(v.contains(env!("CARGO_PKG_VERSION")), "{v}");
    assert!(v.contains("protocol 6"), "{v}");

    let h = Command::new(provider_bin()).arg("--help").output().unwrap();
    assert!(h.status.success());
    let h = String::from_utf8_lossy(&h.stdout);
    assert!(h.contains("--debug") && h.contains("--version"), "{h}");

    let bad = Command::new(provider_bin())
        .arg("--frobnicate")
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[tokio::test]
async fn debug_mode_prints_reattach_line_and_serves_plaintext() {
    let mut child = Command::new(provider_bin())
        .arg("--debug")
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .env_remove("PLUGIN_CLIENT_CERT")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let stdout = child.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut r = std::io::BufReader::new(stdout);
        let mut line = String::new();
        let mut found = String::new();
        while std::io::BufRead::read_line(&mut r, &mut line).unwrap_or(0) > 0 {
            if line.contains("TF_REATTACH_PROVIDERS=") {
                found = line.clone();
            }
            if line.contains("Ctrl-C") {
                break;
            }
            line.clear();
        }
        found
    })
    .await
    .unwrap();
    let json = line
        .trim()
        .strip_prefix("TF_REATTACH_PROVIDERS='")
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or_else(|| panic!("bad reattach line {line:?}"));
    let v: serde_json::Value = serde_json::from_str(json).unwrap();
    let p = &v["registry.terraform.io/matillion/maia"];
    assert_eq!(p["Protocol"], "grpc");
    assert_eq!(p["ProtocolVersion"], 6);
    assert_eq!(p["Pid"], pid);
    assert_eq!(p["Test"], true);
    assert_eq!(p["Addr"]["Network"], "unix");
    let sock = std::path::PathBuf::from(p["Addr"]["String"].as_str().unwrap());

    // Serves plaintext on that socket; Shutdown does not end a debug session.
    let hs = terraform_provider_maia::plugin::handshake::HandshakeLine {
        core_version: 1,
        app_version: 6,
        addr: terraform_provider_maia::plugin::handshake::ListenAddr::Unix(sock.clone()),
        protocol: "grpc".into(),
        server_cert_der: None,
    };
    let view = PluginProcess::view(hs);
    let channel = view.channel().await.unwrap();
    GrpcControllerClient::new(channel.clone())
        .shutdown(Empty {})
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        health(channel).await.unwrap(),
        ServingStatus::Serving as i32
    );
    drop(view);

    // Ctrl-C ends it and cleans up.
    let status = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(exit.code(), Some(0));
    assert!(!sock.parent().unwrap().exists());
}

#[tokio::test]
async fn provider_service_answers_get_provider_schema_over_mtls() {
    use terraform_provider_maia::plugin::proto::tfplugin6::provider_client::ProviderClient;
    use terraform_provider_maia::plugin::proto::tfplugin6::{get_provider_schema, stop_provider};

    let plugin = PluginProcess::spawn(&provider_bin(), &[]);
    let channel = plugin.channel().await.unwrap();
    let mut client = ProviderClient::new(channel);
    let schema = client
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .expect("GetProviderSchema answers")
        .into_inner();
    assert!(schema.provider.is_some(), "provider schema present");
    assert!(
        schema.diagnostics.is_empty(),
        "unexpected diagnostics: {:?}",
        schema.diagnostics
    );
    let stop = client
        .stop_provider(stop_provider::Request {})
        .await
        .expect("StopProvider answers")
        .into_inner();
    assert_eq!(stop.error, "");
    // StopProvider is not Shutdown: the plugin keeps serving.
    assert!(client
        .get_provider_schema(get_provider_schema::Request {})
        .await
        .is_ok());
}

#[tokio::test]
async fn provider_service_is_refused_to_a_foreign_certificate() {
    use terraform_provider_maia::plugin::proto::tfplugin6::get_provider_schema;
    use terraform_provider_maia::plugin::proto::tfplugin6::provider_client::ProviderClient;

    let plugin = PluginProcess::spawn(&provider_bin(), &[]);
    let stranger = ClientCert::generate();
    let refused = match plugin.channel_as(Some(&stranger)).await {
        Err(_) => true,
        Ok(channel) => ProviderClient::new(channel)
            .get_provider_schema(get_provider_schema::Request {})
            .await
            .is_err(),
    };
    assert!(
        refused,
        "a foreign certificate reached the provider service"
    );
}
