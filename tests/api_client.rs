//! `MaiaClient` against real local HTTP servers: the crate's emulator for
//! API behaviour, and a tiny scripted HTTP/1.1 server in this file for
//! shapes the emulator cannot produce (HTML error pages, HTTP-date
//! `Retry-After`, cross-host redirects, huge or slow bodies, a connection
//! dropped after the server acted).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use terraform_provider_maia::api::models::{
    AuthType, ConnectionDetails, ConnectionProperties, CreateConnectionRequest,
    PlatformConnectionType, SecretsLocation, SecretsLocationType, UpdateConnectionRequest,
};
use terraform_provider_maia::api::{
    ApiError, AuthConfig, ClientConfig, DeleteOutcome, ListFilter, MaiaClient, RetryPolicy, Secret,
};
use terraform_provider_maia::emulator::{self, EmulatorConfig, EmulatorHandle, FaultConfig};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const PROJECT: &str = "550e8400-e29b-41d4-a716-446655440002";

// ---------------------------------------------------------------- helpers

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        max_retries: 5,
        max_elapsed: Duration::from_secs(30),
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    }
}

fn basic_request(name: &str) -> CreateConnectionRequest {
    CreateConnectionRequest {
        name: name.into(),
        platform_connection_type: PlatformConnectionType::ComponentBasic,
        auth_provider: "NONE".into(),
        auth_type: AuthType::GenericSecret,
        connection_details: Some(ConnectionDetails {
            connection_properties: Some(ConnectionProperties {
                secret_name: Some("db-password".into()),
                secret_key: Some("password".into()),
                credential_secret_name: None,
            }),
            description: Some("test connection".into()),
            secrets_location: Some(SecretsLocation {
                r#type: Some(SecretsLocationType::AwsSecretManager),
                region: Some("eu-west-1".into()),
                ..SecretsLocation::default()
            }),
        }),
    }
}

async fn emulator() -> EmulatorHandle {
    emulator::spawn(EmulatorConfig::default())
        .await
        .expect("emulator starts")
}

fn oauth_client(emu: &EmulatorHandle) -> MaiaClient {
    let mut cfg = ClientConfig::new(
        emu.base_url(),
        AuthConfig::ClientCredentials {
            client_id: emulator::DEFAULT_CLIENT_ID.into(),
            client_secret: Secret::new(emulator::DEFAULT_CLIENT_SECRET),
            token_url: emu.token_url(),
            audience: "https://api.matillion.com".into(),
        },
    );
    cfg.retry = fast_retry();
    MaiaClient::new(cfg).expect("client builds")
}

/// A request as the scripted server saw it.
#[derive(Debug, Clone)]
struct SeenRequest {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl SeenRequest {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the scripted server does with one request.
enum Reply {
    Respond {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
        delay: Duration,
        /// Send no Content-Length and close after the body.
        close_delimited: bool,
    },
    /// Close the connection without answering.
    Drop,
}

fn json_reply(status: u16, body: serde_json::Value) -> Reply {
    Reply::Respond {
        status,
        headers: vec![("Content-Type", "application/json".into())],
        body: body.to_string().into_bytes(),
        delay: Duration::ZERO,
        close_delimited: false,
    }
}

fn raw_reply(status: u16, headers: Vec<(&'static str, String)>, body: impl Into<Vec<u8>>) -> Reply {
    Reply::Respond {
        status,
        headers,
        body: body.into(),
        delay: Duration::ZERO,
        close_delimited: false,
    }
}

type Handler = dyn Fn(&SeenRequest, usize) -> Reply + Send + Sync;

/// A scripted HTTP/1.1 server on 127.0.0.1 (keep-alive, Content-Length bodies).
struct Scripted {
    base: String,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
}

impl Scripted {
    async fn start(handler: impl Fn(&SeenRequest, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen: Arc<Mutex<Vec<SeenRequest>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let counter = Arc::new(AtomicUsize::new(0));
        let seen2 = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let handler = handler.clone();
                let seen = seen2.clone();
                let counter = counter.clone();
                tokio::spawn(async move {
                    let _ = serve(stream, handler, seen, counter).await;
                });
            }
        });
        Scripted {
            base: format!("http://127.0.0.1:{}", addr.port()),
            seen,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn seen(&self) -> Vec<SeenRequest> {
        self.seen.lock().expect("lock").clone()
    }

    fn count(&self, path_prefix: &str) -> usize {
        self.seen()
            .iter()
            .filter(|r| r.target.starts_with(path_prefix))
            .count()
    }
}

async fn serve<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(
    stream: S,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<SeenRequest>>>,
    counter: Arc<AtomicUsize>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or_default().to_string();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).await? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_string(), v.trim().to_string()));
            }
        }
        let len = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body).await?;
        let req = SeenRequest {
            method,
            target,
            headers,
            body,
        };
        seen.lock().expect("lock").push(req.clone());
        let index = counter.fetch_add(1, Ordering::SeqCst);
        match handler(&req, index) {
            Reply::Drop => return Ok(()),
            Reply::Respond {
                status,
                headers,
                body,
                delay,
                close_delimited,
            } => {
                if !delay.is_zero() {
                    tokio::time::sleep(delay).await;
                }
                let mut head = format!("HTTP/1.1 {status} Status\r\n");
                for (k, v) in &headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                if close_delimited {
                    head.push_str("Connection: close\r\n\r\n");
                } else {
                    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                }
                let stream = reader.get_mut();
                stream.write_all(head.as_bytes()).await?;
                stream.write_all(&body).await?;
                stream.flush().await?;
                if close_delimited {
                    return Ok(());
                }
            }
        }
    }
}

/// A scripted HTTPS server on 127.0.0.1 whose certificate is issued by a
/// fresh test CA; returns the server and the CA certificate (PEM).
async fn start_tls(
    handler: impl Fn(&SeenRequest, usize) -> Reply + Send + Sync + 'static,
) -> (Scripted, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("ca params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "maia test corporate CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().expect("ca key"))
        .expect("ca cert");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("leaf params")
        .signed_by(&leaf_key, &ca)
        .expect("leaf cert");
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let server_cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls_pki_types::PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .expect("server config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_cfg));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let seen: Arc<Mutex<Vec<SeenRequest>>> = Arc::default();
    let handler: Arc<Handler> = Arc::new(handler);
    let counter = Arc::new(AtomicUsize::new(0));
    let seen2 = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (acceptor, handler, seen, counter) = (
                acceptor.clone(),
                handler.clone(),
                seen2.clone(),
                counter.clone(),
            );
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(stream).await {
                    let _ = serve(tls, handler, seen, counter).await;
                }
            });
        }
    });
    let server = Scripted {
        base: format!("https://127.0.0.1:{}", addr.port()),
        seen,
    };
    (server, ca.pem())
}

fn token_client(server: &Scripted, retry: RetryPolicy) -> MaiaClient {
    let mut cfg = ClientConfig::new(
        server.url("/dpc"),
        AuthConfig::Token(Secret::new("static-token-value")),
    );
    cfg.retry = retry;
    MaiaClient::new(cfg).expect("client builds")
}

fn connection_json(name: &str) -> serde_json::Value {
    serde_json::json!({
        "name": name, "authProvider": "NONE", "authType": "GENERIC_SECRET",
        "platformConnectionType": "COMPONENT_BASIC", "projectId": PROJECT,
        "connectionDetails": {"connectionProperties": {"secretName": "db-password"}}
    })
}

fn page_json(names: &[&str]) -> serde_json::Value {
    let results: Vec<_> = names.iter().map(|n| connection_json(n)).collect();
    serde_json::json!({"results": results, "page": 0, "size": 100, "total": names.len()})
}

// ---------------------------------------------------------------- emulator

#[tokio::test]
async fn emulator_full_crud_cycle() {
    let emu = emulator().await;
    let client = oauth_client(&emu);
    let cancel = CancellationToken::new();

    let created = client
        .create_connection(PROJECT, &basic_request("orders-db"), &cancel)
        .await
        .expect("create");
    assert_eq!(created.name.as_deref(), Some("orders-db"));
    assert_eq!(created.auth_type, Some(AuthType::GenericSecret));

    let read = client
        .get_connection(PROJECT, "orders-db", &cancel)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        read.connection_details,
        basic_request("x").connection_details
    );

    let update = UpdateConnectionRequest {
        auth_type: AuthType::GenericSecret,
        platform_connection_type: PlatformConnectionType::ComponentBasic,
        connection_details: Some(ConnectionDetails {
            connection_properties: Some(ConnectionProperties {
                secret_name: Some("other-secret".into()),
                ..ConnectionProperties::default()
            }),
            ..ConnectionDetails::default()
        }),
    };
    let updated = client
        .update_connection(PROJECT, "orders-db", &update, &cancel)
        .await
        .expect("update");
    let details = updated.connection_details.expect("details");
    assert_eq!(
        details.connection_properties.and_then(|p| p.secret_name),
        Some("other-secret".into())
    );
    assert_eq!(
        details.description, None,
        "full replacement unsets description"
    );

    assert_eq!(
        client
            .delete_connection(PROJECT, "orders-db", &cancel)
            .await
            .expect("delete"),
        DeleteOutcome::Deleted
    );
    assert_eq!(
        client
            .delete_connection(PROJECT, "orders-db", &cancel)
            .await
            .expect("second delete"),
        DeleteOutcome::AlreadyGone
    );
    assert!(client
        .get_connection(PROJECT, "orders-db", &cancel)
        .await
        .expect("get after delete")
        .is_none());
    let err = client
        .update_connection(PROJECT, "orders-db", &update, &cancel)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
    assert_eq!(emu.token_requests(), 1, "one token for the whole session");
    assert_eq!(client.token_requests(), 1);
}

#[tokio::test]
async fn emulator_pagination_collects_every_page() {
    let emu = emulator().await;
    let client = oauth_client(&emu);
    let cancel = CancellationToken::new();
    for i in 0..7 {
        client
            .create_connection(PROJECT, &basic_request(&format!("conn-{i}")), &cancel)
            .await
            .expect("create");
    }
    emu.clear_requests();
    let all = client
        .list_connections(
            PROJECT,
            &ListFilter {
                page_size: Some(3),
                ..ListFilter::default()
            },
            &cancel,
        )
        .await
        .expect("list");
    let mut names: Vec<_> = all.iter().filter_map(|c| c.name.clone()).collect();
    names.sort();
    assert_eq!(
        names,
        (0..7).map(|i| format!("conn-{i}")).collect::<Vec<_>>()
    );
    let pages: Vec<_> = emu
        .requests()
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.query.clone().unwrap_or_default())
        .collect();
    assert_eq!(pages.len(), 3, "{pages:?}");
    assert!(pages[2].contains("page=2"), "{pages:?}");
}

#[tokio::test]
async fn emulator_fifty_concurrent_calls_share_one_token_request() {
    let emu = emulator().await;
    // Slow token endpoint so all 50 calls really wait for it together.
    emu.set_faults(FaultConfig {
        latency_ms: 200,
        apply_to_token: true,
        ..FaultConfig::default()
    });
    let client = oauth_client(&emu);
    let cancel = CancellationToken::new();
    let calls = (0..50).map(|i| {
        let client = client.clone();
        let cancel = cancel.clone();
        tokio::spawn(async move {
            client
                .get_connection(PROJECT, &format!("missing-{i}"), &cancel)
                .await
        })
    });
    for call in futures::future::join_all(calls).await {
        assert!(call.expect("task").expect("call").is_none());
    }
    assert_eq!(emu.token_requests(), 1);
    assert_eq!(emu.requests().len(), 50);
}

#[tokio::test]
async fn emulator_503_with_retry_after_is_retried_after_the_wait() {
    let emu = emulator().await;
    let client = oauth_client(&emu);
    let cancel = CancellationToken::new();
    // Token first, so the fault only hits the API call.
    client
        .get_connection(PROJECT, "warm-up", &cancel)
        .await
        .expect("warm-up");
    emu.clear_requests();
    emu.set_faults(FaultConfig {
        status: Some(503),
        count: Some(1),
        retry_after_secs: Some(1),
        ..FaultConfig::default()
    });
    let start = Instant::now();
    let found = client
        .get_connection(PROJECT, "nothing", &cancel)
        .await
        .expect("succeeds after retry");
    assert!(found.is_none());
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(950),
        "Retry-After honoured: {elapsed:?}"
    );
    let statuses: Vec<_> = emu.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![Some(503), Some(200)]);
}

#[tokio::test]
async fn emulator_429_exhausting_retries_is_rate_limited() {
    let emu = emulator().await;
    let client = oauth_client(&emu);
    let cancel = CancellationToken::new();
    client
        .get_connection(PROJECT, "warm-up", &cancel)
        .await
        .expect("warm-up");
    emu.clear_requests();
    emu.set_faults(FaultConfig {
        status: Some(429),
        retry_after_secs: Some(0),
        ..FaultConfig::default()
    });
    let err = client
        .create_connection(PROJECT, &basic_request("limited"), &cancel)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::RateLimited { attempts: 6, .. }),
        "POST is retried on 429 up to the budget: {err:?}"
    );
    assert_eq!(emu.requests().len(), 6);
}

#[tokio::test]
async fn emulator_post_retried_after_dropped_connection() {
    let emu = emulator().await;
    let client = oauth_client(&emu);
    let cancel = CancellationToken::new();
    client
        .get_connection(PROJECT, "warm-up", &cancel)
        .await
        .expect("warm-up");
    emu.clear_requests();
    emu.set_faults(FaultConfig {
        drop_count: Some(1),
        ..FaultConfig::default()
    });
    let created = client
        .create_connection(PROJECT, &basic_request("after-drop"), &cancel)
        .await
        .expect("create after drop");
    assert_eq!(created.name.as_deref(), Some("after-drop"));
    let statuses: Vec<_> = emu.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![None, Some(201)]);
}

#[tokio::test]
async fn emulator_plain_conflict_and_validation_errors_are_typed() {
    let emu = emulator().await;
    let client = oauth_client(&emu);
    let cancel = CancellationToken::new();
    client
        .create_connection(PROJECT, &basic_request("dup"), &cancel)
        .await
        .expect("first create");
    let err = client
        .create_connection(PROJECT, &basic_request("dup"), &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict { .. }), "{err:?}");

    let mut bad = basic_request("bad-combo");
    bad.auth_type = AuthType::CloudProviderSecret;
    let err = client
        .create_connection(PROJECT, &bad, &cancel)
        .await
        .unwrap_err();
    let status = err.status().expect("status");
    assert!(status == 400 || status == 422, "{err}");
    let problem = err.problem().expect("problem document");
    assert!(!problem.violations.is_empty(), "{problem:?}");
}

#[tokio::test]
async fn emulator_rejects_bad_static_token_without_retrying() {
    let emu = emulator().await;
    let mut cfg = ClientConfig::new(
        emu.base_url(),
        AuthConfig::Token(Secret::new("wrong-token")),
    );
    cfg.retry = fast_retry();
    let client = MaiaClient::new(cfg).expect("client");
    let err = client
        .get_connection(PROJECT, "x", &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
    assert!(!err.to_string().contains("wrong-token"));
    assert_eq!(emu.requests().len(), 1);
}

#[tokio::test]
async fn emulator_wrong_client_secret_is_token_rejected_and_redacted() {
    let emu = emulator().await;
    let mut cfg = ClientConfig::new(
        emu.base_url(),
        AuthConfig::ClientCredentials {
            client_id: emulator::DEFAULT_CLIENT_ID.into(),
            client_secret: Secret::new("definitely-wrong-secret"),
            token_url: emu.token_url(),
            audience: "https://api.matillion.com".into(),
        },
    );
    cfg.retry = fast_retry();
    let client = MaiaClient::new(cfg).expect("client");
    let err = client
        .get_connection(PROJECT, "x", &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::TokenRejected { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("definitely-wrong-secret"), "{text}");
}

#[tokio::test]
async fn emulator_environment_override_cycle() {
    use terraform_provider_maia::api::models::{ConnectionOverrides, EnvironmentOverrideRequest};
    use terraform_provider_maia::api::OverrideFilter;
    let emu = emulator().await;
    let client = oauth_client(&emu);
    let cancel = CancellationToken::new();
    client
        .create_connection(PROJECT, &basic_request("orders-db"), &cancel)
        .await
        .expect("parent");
    let request = |secret: &str| EnvironmentOverrideRequest {
        environment_name: "prod".into(),
        connection_name: "orders-db".into(),
        auth_type: AuthType::GenericSecret,
        connection_overrides: Some(ConnectionOverrides {
            secrets_location: Some(SecretsLocation {
                r#type: Some(SecretsLocationType::AwsSecretManager),
                region: Some("us-east-1".into()),
                ..SecretsLocation::default()
            }),
            connection_properties: Some(ConnectionProperties {
                secret_name: Some(secret.into()),
                ..ConnectionProperties::default()
            }),
        }),
    };
    let created = client
        .create_environment_override(PROJECT, &request("prod-secret"), &cancel)
        .await
        .expect("create override");
    assert_eq!(created.environment_name.as_deref(), Some("prod"));
    let err = client
        .create_environment_override(PROJECT, &request("prod-secret"), &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict { .. }), "{err:?}");

    let updated = client
        .update_environment_override(PROJECT, &request("prod-secret-2"), &cancel)
        .await
        .expect("update override");
    let props = updated
        .connection_overrides
        .and_then(|o| o.connection_properties)
        .and_then(|p| p.secret_name);
    assert_eq!(props.as_deref(), Some("prod-secret-2"));

    let got = client
        .get_environment_override(PROJECT, "prod", "orders-db", &cancel)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(got.connection_name.as_deref(), Some("orders-db"));
    assert!(client
        .get_environment_override(PROJECT, "dev", "orders-db", &cancel)
        .await
        .expect("get other env")
        .is_none());
    let listed = client
        .list_environment_overrides(
            PROJECT,
            &OverrideFilter {
                environment_name: Some("prod".into()),
                ..OverrideFilter::default()
            },
            &cancel,
        )
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);

    let mut mismatched = request("x");
    mismatched.environment_name = "test".into();
    mismatched.auth_type = AuthType::OauthClientCred;
    let err = client
        .create_environment_override(PROJECT, &mismatched, &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err.status(), Some(400) | Some(422)), "{err:?}");

    assert_eq!(
        client
            .delete_environment_override(PROJECT, "prod", "orders-db", &cancel)
            .await
            .expect("delete"),
        DeleteOutcome::Deleted
    );
    assert_eq!(
        client
            .delete_environment_override(PROJECT, "prod", "orders-db", &cancel)
            .await
            .expect("delete again"),
        DeleteOutcome::AlreadyGone
    );
    let err = client
        .update_environment_override(PROJECT, &request("y"), &cancel)
        .await
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
}

// ---------------------------------------------------------------- scripted

#[tokio::test]
async fn renews_token_once_after_401_and_succeeds() {
    let tokens = Arc::new(AtomicUsize::new(0));
    let t = tokens.clone();
    let server = Scripted::start(move |req, _| {
        if req.target.starts_with("/oauth") {
            let n = t.fetch_add(1, Ordering::SeqCst) + 1;
            return json_reply(
                200,
                serde_json::json!({"access_token": format!("tok-{n}"), "token_type": "Bearer", "expires_in": 1800}),
            );
        }
        if req.header("authorization") == Some("Bearer tok-1") {
            return json_reply(401, serde_json::json!({"title": "Unauthorized", "status": 401}));
        }
        json_reply(200, page_json(&["c1"]))
    })
    .await;
    let mut cfg = ClientConfig::new(
        server.url("/dpc"),
        AuthConfig::ClientCredentials {
            client_id: "cid".into(),
            client_secret: Secret::new("csecret-value"),
            token_url: server.url("/oauth/dpc/token"),
            audience: "https://api.matillion.com".into(),
        },
    );
    cfg.retry = fast_retry();
    let client = MaiaClient::new(cfg).expect("client");
    let found = client
        .get_connection(PROJECT, "c1", &CancellationToken::new())
        .await
        .expect("succeeds after renewal");
    assert!(found.is_some());
    assert_eq!(tokens.load(Ordering::SeqCst), 2, "exactly one renewal");
    assert_eq!(server.count("/dpc"), 2, "exactly one retry");

    let token_req = server
        .seen()
        .into_iter()
        .find(|r| r.target.starts_with("/oauth"))
        .expect("token request");
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&token_req.body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("grant_type"), Some("client_credentials"));
    assert_eq!(get("client_id"), Some("cid"));
    assert_eq!(get("client_secret"), Some("csecret-value"));
    assert_eq!(get("audience"), Some("https://api.matillion.com"));
    assert!(token_req
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")));
}

#[tokio::test]
async fn persistent_401_after_renewal_is_unauthorized() {
    let server = Scripted::start(|req, _| {
        if req.target.starts_with("/oauth") {
            return json_reply(
                200,
                serde_json::json!({"access_token": "t", "expires_in": 1800}),
            );
        }
        json_reply(
            401,
            serde_json::json!({"title": "Unauthorized", "detail": "token revoked"}),
        )
    })
    .await;
    let mut cfg = ClientConfig::new(
        server.url("/dpc"),
        AuthConfig::ClientCredentials {
            client_id: "cid".into(),
            client_secret: Secret::new("csecret"),
            token_url: server.url("/oauth/token"),
            audience: "aud".into(),
        },
    );
    cfg.retry = fast_retry();
    let client = MaiaClient::new(cfg).expect("client");
    let err = client
        .get_connection(PROJECT, "x", &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Unauthorized { .. }), "{err:?}");
    assert!(err.to_string().contains("token revoked"), "{err}");
    assert_eq!(server.count("/oauth"), 2);
    assert_eq!(server.count("/dpc"), 2);
}

#[tokio::test]
async fn post_dropped_after_server_acted_is_settled_by_read_back() {
    let server = Scripted::start(|req, index| match (req.method.as_str(), index) {
        // The server creates the connection, then the connection dies.
        ("POST", 0) => Reply::Drop,
        ("POST", _) => json_reply(
            409,
            serde_json::json!({"title": "Conflict", "status": 409, "detail": "already exists"}),
        ),
        ("GET", _) => json_reply(200, page_json(&["made-it"])),
        _ => json_reply(500, serde_json::json!({"title": "unexpected"})),
    })
    .await;
    let client = token_client(&server, fast_retry());
    let conn = client
        .create_connection(
            PROJECT,
            &basic_request("made-it"),
            &CancellationToken::new(),
        )
        .await
        .expect("settled by read-back");
    assert_eq!(conn.name.as_deref(), Some("made-it"));
    let methods: Vec<_> = server.seen().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, vec!["POST", "POST", "GET"]);
    let get = &server.seen()[2];
    assert!(
        get.target.contains("connectionNames=made-it"),
        "{}",
        get.target
    );
}

#[tokio::test]
async fn post_retried_after_503_settles_a_following_409_by_read_back() {
    // A gateway answered 503 although the backend created the connection.
    let server = Scripted::start(|req, index| match (req.method.as_str(), index) {
        ("POST", 0) => json_reply(
            503,
            serde_json::json!({"title": "Service Unavailable", "status": 503}),
        ),
        ("POST", _) => json_reply(
            409,
            serde_json::json!({"title": "Conflict", "status": 409, "detail": "already exists"}),
        ),
        ("GET", _) => json_reply(200, page_json(&["x"])),
        _ => json_reply(500, serde_json::json!({"title": "unexpected"})),
    })
    .await;
    let client = token_client(&server, fast_retry());
    let conn = client
        .create_connection(PROJECT, &basic_request("x"), &CancellationToken::new())
        .await
        .expect("settled by read-back");
    assert_eq!(conn.name.as_deref(), Some("x"));
    let methods: Vec<_> = server.seen().iter().map(|r| r.method.clone()).collect();
    assert_eq!(methods, vec!["POST", "POST", "GET"]);
}

#[tokio::test]
async fn post_conflict_without_an_earlier_attempt_is_an_error() {
    let server = Scripted::start(|_, _| {
        json_reply(
            409,
            serde_json::json!({"title": "Conflict", "status": 409, "detail": "already exists"}),
        )
    })
    .await;
    let client = token_client(&server, fast_retry());
    let err = client
        .create_connection(PROJECT, &basic_request("x"), &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Conflict { .. }), "{err:?}");
    assert_eq!(server.count("/dpc"), 1);
}

#[tokio::test]
async fn get_is_retried_on_dropped_connections_and_502() {
    let server = Scripted::start(|_, index| match index {
        0 => Reply::Drop,
        1 => json_reply(502, serde_json::json!({"title": "Bad Gateway"})),
        _ => json_reply(200, page_json(&["a"])),
    })
    .await;
    let client = token_client(&server, fast_retry());
    let got = client
        .get_connection(PROJECT, "a", &CancellationToken::new())
        .await
        .expect("third attempt succeeds");
    assert!(got.is_some());
    assert_eq!(server.count("/dpc"), 3);
}

#[tokio::test]
async fn retry_after_http_date_is_honoured() {
    let server = Scripted::start(|_, index| {
        if index == 0 {
            let when = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(2));
            raw_reply(429, vec![("Retry-After", when)], "slow down")
        } else {
            json_reply(200, page_json(&[]))
        }
    })
    .await;
    let client = token_client(&server, fast_retry());
    let start = Instant::now();
    client
        .list_connections(PROJECT, &ListFilter::default(), &CancellationToken::new())
        .await
        .expect("list after waiting");
    let elapsed = start.elapsed();
    // An HTTP date has 1 s resolution: "now + 2 s" means a wait in (1, 2] s.
    assert!(elapsed >= Duration::from_millis(900), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert_eq!(server.count("/dpc"), 2);
}

#[tokio::test]
async fn html_error_page_is_a_clear_error() {
    let html = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
    let server = Scripted::start(move |_, _| {
        raw_reply(502, vec![("Content-Type", "text/html".into())], html)
    })
    .await;
    let client = token_client(
        &server,
        RetryPolicy {
            max_retries: 1,
            ..fast_retry()
        },
    );
    let err = client
        .get_connection(PROJECT, "x", &CancellationToken::new())
        .await
        .unwrap_err();
    match &err {
        ApiError::Undecodable {
            status,
            excerpt,
            content_type,
        } => {
            assert_eq!(*status, 502);
            assert_eq!(content_type.as_deref(), Some("text/html"));
            assert!(excerpt.contains("502 Bad Gateway"), "{excerpt}");
            assert!(!excerpt.contains('<'), "{excerpt}");
            assert!(excerpt.chars().count() <= 200);
        }
        other => panic!("expected Undecodable, got {other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("HTTP 502") && text.contains("text/html"),
        "{text}"
    );
    assert_eq!(server.count("/dpc"), 2, "502 retried once");
}

#[tokio::test]
async fn redirect_to_another_host_is_an_error_not_followed() {
    let server = Scripted::start(|_, _| {
        raw_reply(
            302,
            vec![("Location", "https://evil.example.com/steal".into())],
            "",
        )
    })
    .await;
    let client = token_client(&server, fast_retry());
    let err = client
        .get_connection(PROJECT, "x", &CancellationToken::new())
        .await
        .unwrap_err();
    match &err {
        ApiError::Redirect { status, location } => {
            assert_eq!(*status, 302);
            assert_eq!(location.as_deref(), Some("https://evil.example.com/steal"));
        }
        other => panic!("expected Redirect, got {other:?}"),
    }
    assert_eq!(server.count("/"), 1);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let huge = vec![b' '; 5 * 1024 * 1024];
    let server = Scripted::start(move |_, _| {
        raw_reply(
            200,
            vec![("Content-Type", "application/json".into())],
            huge.clone(),
        )
    })
    .await;
    let client = token_client(&server, fast_retry());
    let err = client
        .list_connections(PROJECT, &ListFilter::default(), &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::BodyTooLarge { limit: 4194304 }),
        "{err:?}"
    );

    // Without Content-Length the limit is enforced while streaming.
    let server = Scripted::start(|_, _| Reply::Respond {
        status: 200,
        headers: vec![("Content-Type", "application/json".into())],
        body: vec![b'['; 8192],
        delay: Duration::ZERO,
        close_delimited: true,
    })
    .await;
    let mut cfg = ClientConfig::new(server.url("/dpc"), AuthConfig::Token(Secret::new("tok-x")));
    cfg.max_body_bytes = 4096;
    let client = MaiaClient::new(cfg).expect("client");
    let err = client
        .list_connections(PROJECT, &ListFilter::default(), &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::BodyTooLarge { limit: 4096 }),
        "{err:?}"
    );
}

#[tokio::test]
async fn slow_responses_time_out() {
    let server = Scripted::start(|_, _| Reply::Respond {
        status: 200,
        headers: vec![],
        body: b"[]".to_vec(),
        delay: Duration::from_secs(3),
        close_delimited: false,
    })
    .await;
    let mut cfg = ClientConfig::new(server.url("/dpc"), AuthConfig::Token(Secret::new("tok-x")));
    cfg.timeout = Duration::from_millis(200);
    cfg.retry = RetryPolicy {
        max_retries: 1,
        ..fast_retry()
    };
    let client = MaiaClient::new(cfg).expect("client");
    let start = Instant::now();
    let err = client
        .get_connection(PROJECT, "x", &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Timeout { attempts: 2, .. }),
        "{err:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test]
async fn cancellation_aborts_in_flight_request_and_backoff_promptly() {
    // In flight: the server would answer after 10 s.
    let server = Scripted::start(|_, _| Reply::Respond {
        status: 200,
        headers: vec![],
        body: b"[]".to_vec(),
        delay: Duration::from_secs(10),
        close_delimited: false,
    })
    .await;
    let client = token_client(&server, fast_retry());
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        c2.cancel();
    });
    let start = Instant::now();
    let err = client
        .get_connection(PROJECT, "x", &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Cancelled), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );

    // In a backoff sleep: the server asks for a 30 s wait.
    let server =
        Scripted::start(|_, _| raw_reply(429, vec![("Retry-After", "30".into())], "")).await;
    let client = token_client(
        &server,
        RetryPolicy {
            max_elapsed: Duration::from_secs(120),
            ..fast_retry()
        },
    );
    let cancel = CancellationToken::new();
    let c2 = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        c2.cancel();
    });
    let start = Instant::now();
    let err = client
        .delete_connection(PROJECT, "x", &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Cancelled), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.count("/dpc"), 1);

    // Already cancelled: nothing is sent.
    let before = server.count("/");
    let err = client
        .get_connection(PROJECT, "x", &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Cancelled));
    assert_eq!(server.count("/"), before);
}

#[tokio::test]
async fn pagination_uses_total_and_short_pages_and_stops_on_repeats() {
    // Server clamps the size to 2 and reports a total of 5.
    let server = Scripted::start(|req, _| {
        let q = req.target.split_once('?').map(|(_, q)| q).unwrap_or("");
        let page: usize = url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "page")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let all = ["a", "b", "c", "d", "e"];
        let slice: Vec<_> = all
            .iter()
            .skip(page * 2)
            .take(2)
            .map(|n| connection_json(n))
            .collect();
        json_reply(
            200,
            serde_json::json!({"results": slice, "page": page, "size": 2, "total": 5}),
        )
    })
    .await;
    let client = token_client(&server, fast_retry());
    let all = client
        .list_connections(PROJECT, &ListFilter::default(), &CancellationToken::new())
        .await
        .expect("list");
    assert_eq!(all.len(), 5);
    assert_eq!(server.count("/dpc"), 3);

    // Server that ignores `page` and always returns the same full page.
    let server = Scripted::start(|_, _| {
        let results: Vec<_> = (0..3).map(|i| connection_json(&format!("n{i}"))).collect();
        json_reply(200, serde_json::json!({"content": results}))
    })
    .await;
    let client = token_client(&server, fast_retry());
    let all = client
        .list_connections(
            PROJECT,
            &ListFilter {
                page_size: Some(3),
                ..ListFilter::default()
            },
            &CancellationToken::new(),
        )
        .await
        .expect("list");
    assert_eq!(all.len(), 3);
    assert_eq!(
        server.count("/dpc"),
        2,
        "stops when a page brings nothing new"
    );
}

#[tokio::test]
async fn request_shape_user_agent_and_query_encoding() {
    let server = Scripted::start(|req, _| match req.method.as_str() {
        "PUT" => json_reply(200, connection_json("a b&c=d")),
        "DELETE" => raw_reply(204, vec![], ""),
        _ => json_reply(200, page_json(&["a b&c=d", "a b&c=dx"])),
    })
    .await;
    let mut cfg = ClientConfig::new(
        format!("{}/", server.url("/dpc")),
        AuthConfig::Token(Secret::new("static-token-value")),
    );
    cfg.user_agent_terraform_version = Some("1.9.5".into());
    let client = MaiaClient::new(cfg).expect("client");
    let cancel = CancellationToken::new();
    let name = "a b&c=d";
    let got = client
        .get_connection(PROJECT, name, &cancel)
        .await
        .expect("get")
        .expect("exact match");
    assert_eq!(got.name.as_deref(), Some(name));
    let update = UpdateConnectionRequest {
        auth_type: AuthType::GenericSecret,
        platform_connection_type: PlatformConnectionType::ComponentBasic,
        connection_details: None,
    };
    client
        .update_connection(PROJECT, name, &update, &cancel)
        .await
        .expect("update");
    assert_eq!(
        client
            .delete_connection(PROJECT, name, &cancel)
            .await
            .expect("delete"),
        DeleteOutcome::Deleted
    );

    let seen = server.seen();
    let path = format!("/dpc/v1/projects/{PROJECT}/connections");
    for r in &seen {
        assert!(r.target.starts_with(&path), "{}", r.target);
        assert_eq!(r.header("authorization"), Some("Bearer static-token-value"));
        assert_eq!(
            r.header("user-agent"),
            Some(
                format!(
                    "terraform-provider-maia/{} (+terraform 1.9.5)",
                    env!("CARGO_PKG_VERSION")
                )
                .as_str()
            )
        );
    }
    let query = |r: &SeenRequest| -> Vec<(String, String)> {
        let q = r.target.split_once('?').map(|(_, q)| q).unwrap_or("");
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    assert!(query(&seen[0]).contains(&("connectionNames".into(), name.into())));
    assert_eq!(seen[1].method, "PUT");
    assert_eq!(
        query(&seen[1]),
        vec![("connectionName".to_string(), name.to_string())]
    );
    assert_eq!(seen[1].header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_slice(&seen[1].body).expect("json body");
    assert_eq!(
        body,
        serde_json::json!({"authType": "GENERIC_SECRET", "platformConnectionType": "COMPONENT_BASIC"})
    );
    assert_eq!(seen[2].method, "DELETE");
    assert_eq!(
        query(&seen[2]),
        vec![("connectionName".to_string(), name.to_string())]
    );
}

#[tokio::test]
async fn connection_refused_is_a_transport_error_after_retries() {
    // Bind then drop to get a port nobody listens on.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        l.local_addr().expect("addr").port()
    };
    let mut cfg = ClientConfig::new(
        format!("http://127.0.0.1:{port}/dpc"),
        AuthConfig::Token(Secret::new("tok-x")),
    );
    cfg.retry = RetryPolicy {
        max_retries: 2,
        ..fast_retry()
    };
    let client = MaiaClient::new(cfg).expect("client");
    let err = client
        .create_connection(PROJECT, &basic_request("x"), &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Transport { attempts: 3, .. }),
        "POST retried on connect errors: {err:?}"
    );
}

#[tokio::test]
async fn https_with_extra_ca_is_trusted_and_without_it_is_refused() {
    let (server, ca_pem) = start_tls(|_, _| json_reply(200, page_json(&["tls-conn"]))).await;
    let mut cfg = ClientConfig::new(server.url("/dpc"), AuthConfig::Token(Secret::new("tok-x")));
    cfg.extra_ca_pem = Some(ca_pem.into_bytes());
    let client = MaiaClient::new(cfg).expect("client");
    let got = client
        .get_connection(PROJECT, "tls-conn", &CancellationToken::new())
        .await
        .expect("TLS call with the extra CA");
    assert!(got.is_some());

    let mut cfg = ClientConfig::new(server.url("/dpc"), AuthConfig::Token(Secret::new("tok-x")));
    cfg.retry = fast_retry();
    let client = MaiaClient::new(cfg).expect("client");
    let err = client
        .get_connection(PROJECT, "tls-conn", &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Transport { attempts: 1, .. }),
        "certificate failures are not retried: {err:?}"
    );
    assert!(
        err.to_string().to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(
        server.count("/dpc"),
        1,
        "the untrusted attempt never got a request through"
    );
}

#[tokio::test]
async fn token_is_renewed_shortly_before_expiry() {
    let tokens = Arc::new(AtomicUsize::new(0));
    let t = tokens.clone();
    let server = Scripted::start(move |req, _| {
        if req.target.starts_with("/oauth") {
            let n = t.fetch_add(1, Ordering::SeqCst) + 1;
            // 2 s lifetime: the client renews once 1 s (half) is left.
            return json_reply(
                200,
                serde_json::json!({"access_token": format!("tok-{n}"), "expires_in": 2}),
            );
        }
        json_reply(200, page_json(&[]))
    })
    .await;
    let mut cfg = ClientConfig::new(
        server.url("/dpc"),
        AuthConfig::ClientCredentials {
            client_id: "cid".into(),
            client_secret: Secret::new("csecret"),
            token_url: server.url("/oauth/token"),
            audience: "aud".into(),
        },
    );
    cfg.retry = fast_retry();
    let client = MaiaClient::new(cfg).expect("client");
    let cancel = CancellationToken::new();
    client
        .get_connection(PROJECT, "a", &cancel)
        .await
        .expect("first");
    client
        .get_connection(PROJECT, "a", &cancel)
        .await
        .expect("cached");
    assert_eq!(tokens.load(Ordering::SeqCst), 1);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    client
        .get_connection(PROJECT, "a", &cancel)
        .await
        .expect("renewed");
    assert_eq!(
        tokens.load(Ordering::SeqCst),
        2,
        "renewed before expiry, without a 401"
    );
    let auths: Vec<_> = server
        .seen()
        .iter()
        .filter(|r| r.target.starts_with("/dpc"))
        .filter_map(|r| r.header("authorization").map(str::to_string))
        .collect();
    assert_eq!(auths, vec!["Bearer tok-1", "Bearer tok-1", "Bearer tok-2"]);
}

#[tokio::test]
async fn concurrent_waiters_share_one_token_rejection() {
    let server = Scripted::start(|req, _| {
        if req.target.starts_with("/oauth") {
            return Reply::Respond {
                status: 401,
                headers: vec![("Content-Type", "application/json".into())],
                body:
                    br#"{"error": "invalid_client", "error_description": "Bad client credentials"}"#
                        .to_vec(),
                delay: Duration::from_millis(200),
                close_delimited: false,
            };
        }
        json_reply(200, page_json(&[]))
    })
    .await;
    let mut cfg = ClientConfig::new(
        server.url("/dpc"),
        AuthConfig::ClientCredentials {
            client_id: "cid".into(),
            client_secret: Secret::new("wrong-secret"),
            token_url: server.url("/oauth/token"),
            audience: "aud".into(),
        },
    );
    cfg.retry = fast_retry();
    let client = MaiaClient::new(cfg).expect("client");
    let calls = (0..20).map(|_| {
        let client = client.clone();
        tokio::spawn(async move {
            client
                .list_connections(PROJECT, &ListFilter::default(), &CancellationToken::new())
                .await
        })
    });
    for call in futures::future::join_all(calls).await {
        let err = call.expect("task").unwrap_err();
        match &err {
            ApiError::TokenRejected { status, error, .. } => {
                assert_eq!(*status, 401);
                assert_eq!(error.as_deref(), Some("invalid_client"));
            }
            other => panic!("expected TokenRejected, got {other:?}"),
        }
        assert!(err.to_string().contains("Bad client credentials"), "{err}");
    }
    assert_eq!(
        server.count("/oauth"),
        1,
        "one token request for 20 waiters"
    );
    assert_eq!(server.count("/dpc"), 0);

    // A later call tries again (the refusal is not cached forever).
    let _ = client
        .list_connections(PROJECT, &ListFilter::default(), &CancellationToken::new())
        .await
        .unwrap_err();
    assert_eq!(server.count("/oauth"), 2);
}

#[tokio::test]
async fn token_endpoint_503_is_retried() {
    let server = Scripted::start(|req, index| {
        if req.target.starts_with("/oauth") {
            if index == 0 {
                return raw_reply(503, vec![("Retry-After", "0".into())], "busy");
            }
            return json_reply(
                200,
                serde_json::json!({"access_token": "tok", "expires_in": 1800}),
            );
        }
        json_reply(200, page_json(&[]))
    })
    .await;
    let mut cfg = ClientConfig::new(
        server.url("/dpc"),
        AuthConfig::ClientCredentials {
            client_id: "cid".into(),
            client_secret: Secret::new("csecret"),
            token_url: server.url("/oauth/token"),
            audience: "aud".into(),
        },
    );
    cfg.retry = fast_retry();
    let client = MaiaClient::new(cfg).expect("client");
    client
        .list_connections(PROJECT, &ListFilter::default(), &CancellationToken::new())
        .await
        .expect("list");
    assert_eq!(server.count("/oauth"), 2);
}

#[tokio::test]
async fn success_with_unexpected_body_is_undecodable() {
    let server =
        Scripted::start(|_, _| json_reply(200, serde_json::json!({"results": "nope"}))).await;
    let client = token_client(&server, fast_retry());
    let err = client
        .list_connections(PROJECT, &ListFilter::default(), &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Undecodable { status: 200, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn names_with_commas_are_matched_from_an_unfiltered_list() {
    let server = Scripted::start(|_, _| json_reply(200, page_json(&["a", "a,b", "b"]))).await;
    let client = token_client(&server, fast_retry());
    let got = client
        .get_connection(PROJECT, "a,b", &CancellationToken::new())
        .await
        .expect("get")
        .expect("found");
    assert_eq!(got.name.as_deref(), Some("a,b"));
    let target = &server.seen()[0].target;
    assert!(!target.contains("connectionNames"), "{target}");
}

#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn debug_logs_show_requests_but_never_credentials() {
    let logs = LogBuffer::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    // Global (this is the only test that installs a subscriber): a scoped
    // one races with callsite-interest caching on other test threads. It
    // also captures the logs of every test running meanwhile.
    tracing::subscriber::set_global_default(subscriber).expect("first subscriber");

    let server = Scripted::start(|req, _| {
        if req.target.starts_with("/oauth") {
            return json_reply(
                200,
                serde_json::json!({"access_token": "issued-token-abc123", "expires_in": 1800}),
            );
        }
        if req.method == "POST" {
            return json_reply(
                422,
                serde_json::json!({"title": "Unprocessable", "violations": ["x"]}),
            );
        }
        json_reply(200, page_json(&["a"]))
    })
    .await;
    let mut cfg = ClientConfig::new(
        server.url("/dpc"),
        AuthConfig::ClientCredentials {
            client_id: "cid".into(),
            client_secret: Secret::new("client-secret-xyz789"),
            token_url: server.url("/oauth/token"),
            audience: "aud".into(),
        },
    );
    cfg.retry = fast_retry();
    let client = MaiaClient::new(cfg).expect("client");
    let cancel = CancellationToken::new();
    client
        .get_connection(PROJECT, "a", &cancel)
        .await
        .expect("get");
    let err = client
        .create_connection(PROJECT, &basic_request("b"), &cancel)
        .await
        .unwrap_err();
    assert!(
        matches!(err, ApiError::Problem { status: 422, .. }),
        "{err:?}"
    );

    let text = String::from_utf8(logs.0.lock().expect("lock").clone()).expect("utf8");
    assert!(text.contains("maia api response"), "{text}");
    assert!(
        text.contains("method=\"GET\"") && text.contains("status=200"),
        "{text}"
    );
    assert!(
        text.contains("method=\"POST\"") && text.contains("status=422"),
        "{text}"
    );
    for secret in [
        "issued-token-abc123",
        "client-secret-xyz789",
        "Bearer",
        "db-password",
    ] {
        assert!(!text.contains(secret), "{secret} leaked into logs:\n{text}");
    }
}

// ---------------------------------------------------------------- config

#[test]
fn non_loopback_http_endpoints_are_refused() {
    let token = || AuthConfig::Token(Secret::new("tok-x"));
    for bad in [
        "http://eu1.api.matillion.com/dpc",
        "http://192.168.1.10/dpc",
        "http://localhost.example.com/dpc",
    ] {
        let err = MaiaClient::new(ClientConfig::new(bad, token())).unwrap_err();
        assert!(
            matches!(
                err,
                ApiError::InvalidEndpoint {
                    what: "base_url",
                    ..
                }
            ),
            "{bad}: {err:?}"
        );
    }
    for ok in [
        "https://eu1.api.matillion.com/dpc",
        "http://127.0.0.1:1/dpc",
        "http://[::1]:1/dpc",
        "http://localhost:1/dpc",
    ] {
        assert!(
            MaiaClient::new(ClientConfig::new(ok, token())).is_ok(),
            "{ok}"
        );
    }
    let mut creds = AuthConfig::client_credentials("id", "secret");
    if let AuthConfig::ClientCredentials { token_url, .. } = &mut creds {
        *token_url = "http://id.core.matillion.com/oauth/dpc/token".into();
    }
    let err = MaiaClient::new(ClientConfig::new(
        "https://eu1.api.matillion.com/dpc",
        creds,
    ))
    .unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::InvalidEndpoint {
                what: "token_url",
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn debug_output_redacts_secrets() {
    let cfg = ClientConfig::new(
        "https://eu1.api.matillion.com/dpc",
        AuthConfig::client_credentials("visible-client-id", "top-secret-client-secret"),
    );
    let dbg = format!("{cfg:?}");
    assert!(!dbg.contains("top-secret-client-secret"), "{dbg}");
    let client = MaiaClient::new(cfg).expect("client");
    let dbg = format!("{client:?}");
    assert!(!dbg.contains("top-secret-client-secret"), "{dbg}");
    assert!(dbg.contains("eu1.api.matillion.com"), "{dbg}");

    let token_cfg = ClientConfig::new(
        "https://eu1.api.matillion.com/dpc",
        AuthConfig::Token(Secret::new("eyJhbGciOiJSUzI1NiJ9.payload.sig")),
    );
    let dbg = format!(
        "{token_cfg:?} {:?}",
        MaiaClient::new(token_cfg.clone()).expect("client")
    );
    assert!(!dbg.contains("eyJhbGciOiJSUzI1NiJ9"), "{dbg}");
}

#[test]
fn invalid_extra_ca_is_a_config_error() {
    let mut cfg = ClientConfig::new(
        "https://eu1.api.matillion.com/dpc",
        AuthConfig::Token(Secret::new("tok-x")),
    );
    cfg.extra_ca_pem = Some(b"not a certificate".to_vec());
    assert!(matches!(MaiaClient::new(cfg), Err(ApiError::Config { .. })));
}
