//! A broken or hostile service: malformed JSON, HTML error pages, successes
//! missing required fields, truncated bodies, a 10 MB body, a problem with
//! 1,000 violations, a hung server, a redirect to another host. Each must be
//! a clear error (no panic, no hang past the request timeout), first at the
//! client level, then through the `maia_connection` resource in process,
//! where nothing the service did not confirm may reach the state.
//!
//! The server here is scripted at the byte level: each handler returns the
//! raw HTTP response (or nothing), so responses can be as broken as needed.

mod support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use terraform_provider_maia::api::{
    ApiError, AuthConfig, ClientConfig, ListFilter, MaiaClient, RetryPolicy, Secret,
};
use terraform_provider_maia::plugin::cty::Value;
use terraform_provider_maia::plugin::traits::{
    ApplyRequest, CallContext, PlanRequest, ReadRequest, Resource,
};
use terraform_provider_maia::plugin::Diagnostics;
use terraform_provider_maia::provider::MaiaProvider;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const PROJECT: &str = "550e8400-e29b-41d4-a716-446655440002";
const TOKEN: &str = "hostile-test-token-5521";
/// The per-request timeout every client here uses.
const TIMEOUT: Duration = Duration::from_secs(2);

// ------------------------------------------------------------ the server

/// What the scripted server does with one request.
enum Answer {
    /// Write these bytes (a whole response, possibly malformed), then keep
    /// the connection if `keep` else close it.
    Bytes { raw: Vec<u8>, keep: bool },
    /// Never answer (until the client gives up).
    Hang,
}

type Handler = dyn Fn(&str, &str) -> Answer + Send + Sync;

/// A local HTTP/1.1 server answering with whatever the handler scripts;
/// records `METHOD target` of every request.
struct Server {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Server {
    async fn start(
        ip: &str,
        handler: impl Fn(&str, &str) -> Answer + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind((ip, 0)).await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let seen2 = seen.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (handler, seen) = (handler.clone(), seen2.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, handler, seen).await;
                });
            }
        });
        Server {
            base: format!("http://{ip}:{port}"),
            seen,
        }
    }

    fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

async fn serve(
    stream: tokio::net::TcpStream,
    handler: Arc<Handler>,
    seen: Arc<Mutex<Vec<String>>>,
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
        let mut len = 0usize;
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
                if k.eq_ignore_ascii_case("content-length") {
                    len = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; len];
        reader.read_exact(&mut body).await?;
        seen.lock()
            .expect("lock")
            .push(format!("{method} {target}"));
        match handler(&method, &target) {
            Answer::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                return Ok(());
            }
            Answer::Bytes { raw, keep } => {
                let stream = reader.get_mut();
                stream.write_all(&raw).await?;
                stream.flush().await?;
                if !keep {
                    return Ok(());
                }
            }
        }
    }
}

/// A complete response with a correct Content-Length.
fn response(status: u16, content_type: &str, body: &[u8]) -> Answer {
    let mut raw = format!(
        "HTTP/1.1 {status} Whatever\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(body);
    Answer::Bytes { raw, keep: true }
}

fn json_response(status: u16, body: serde_json::Value) -> Answer {
    response(status, "application/json", body.to_string().as_bytes())
}

fn connection_json(name: &str) -> serde_json::Value {
    json!({
        "name": name, "projectId": PROJECT, "authProvider": "salesforce",
        "authType": "OAUTH_CLIENT_CRED", "platformConnectionType": "COMPONENT_BASIC",
        "createdBy": "someone", "createdDate": "2026-01-01T00:00:00Z",
        "connectionDetails": {
            "secretsLocation": {"type": "AWS_SECRET_MANAGER", "region": "eu-west-1"},
            "connectionProperties": {"secretName": "sf-oauth"}
        }
    })
}

fn page(items: Vec<serde_json::Value>) -> serde_json::Value {
    let total = items.len();
    json!({"results": items, "page": 0, "size": 100, "total": total})
}

const HTML: &str = "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n<body><h1>Internal Server Error</h1><p>The gateway exploded.</p></body></html>\n";

fn problem_with_violations(n: usize) -> serde_json::Value {
    let violations: Vec<String> = (0..n)
        .map(|i| format!("connectionDetails.connectionProperties.secretName: violation number {i}"))
        .collect();
    json!({"type": "about:blank", "title": "Bad Request", "status": 400,
           "detail": "Too many things are wrong.", "violations": violations})
}

// ------------------------------------------------------------ client level

fn client(server: &Server) -> MaiaClient {
    let mut cfg = ClientConfig::new(
        format!("{}/dpc", server.base),
        AuthConfig::Token(Secret::new(TOKEN)),
    );
    cfg.timeout = TIMEOUT;
    cfg.retry = RetryPolicy {
        max_retries: 2,
        max_elapsed: Duration::from_secs(10),
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
    };
    MaiaClient::new(cfg).expect("client builds")
}

/// Runs a list call and returns its error, failing if it took longer than
/// the retry budget allows.
async fn list_error(server: &Server) -> (ApiError, Duration) {
    let started = Instant::now();
    let result = tokio::time::timeout(
        Duration::from_secs(20),
        client(server).list_connections(PROJECT, &ListFilter::default(), &CancellationToken::new()),
    )
    .await
    .expect("the client hung");
    let elapsed = started.elapsed();
    match result {
        Ok(v) => panic!("a broken response was accepted: {v:?}"),
        Err(e) => {
            let text = e.to_string();
            assert!(!text.contains(TOKEN), "token in error: {text}");
            (e, elapsed)
        }
    }
}

#[tokio::test]
async fn malformed_json_is_undecodable_with_an_excerpt() {
    let server = Server::start("127.0.0.1", |_, _| {
        response(200, "application/json", br#"{"results": [{"name": "a", "#)
    })
    .await;
    let (err, _) = list_error(&server).await;
    match &err {
        ApiError::Undecodable {
            status: 200,
            excerpt,
            ..
        } => {
            assert!(excerpt.contains("results"), "{excerpt}")
        }
        other => panic!("expected Undecodable, got {other:?}"),
    }
    assert!(err.to_string().contains("not the expected JSON"), "{err}");
}

#[tokio::test]
async fn an_html_error_page_is_a_clear_error_without_markup() {
    let server = Server::start("127.0.0.1", |_, _| {
        response(500, "text/html; charset=utf-8", HTML.as_bytes())
    })
    .await;
    let (err, _) = list_error(&server).await;
    let text = err.to_string();
    assert!(
        text.contains("HTTP 500") && text.contains("text/html"),
        "{text}"
    );
    assert!(text.contains("Internal Server Error"), "{text}");
    assert_eq!(server.seen().len(), 1, "a 500 is not retried");
}

#[tokio::test]
async fn a_truncated_body_is_an_error_within_the_timeout() {
    let server = Server::start("127.0.0.1", |_, _| {
        let body = page(vec![connection_json("a")]).to_string();
        let mut raw = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len() + 500
        )
        .into_bytes();
        raw.extend_from_slice(&body.as_bytes()[..body.len() / 2]);
        Answer::Bytes { raw, keep: false }
    })
    .await;
    let (err, elapsed) = list_error(&server).await;
    assert!(
        matches!(err, ApiError::Transport { .. } | ApiError::Timeout { .. }),
        "{err:?}"
    );
    assert!(elapsed < TIMEOUT * 4, "{elapsed:?}");
    assert_eq!(server.seen().len(), 3, "a GET is retried twice");
}

#[tokio::test]
async fn a_ten_megabyte_body_is_refused_with_or_without_content_length() {
    let big = vec![b' '; 10 * 1024 * 1024];
    let sized = big.clone();
    let server = Server::start("127.0.0.1", move |_, _| {
        response(200, "application/json", &sized)
    })
    .await;
    let (err, _) = list_error(&server).await;
    assert!(matches!(err, ApiError::BodyTooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains("limit"), "{err}");

    let server = Server::start("127.0.0.1", move |_, _| {
        let mut raw =
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"
                .to_vec();
        raw.extend_from_slice(&big);
        Answer::Bytes { raw, keep: false }
    })
    .await;
    let (err, _) = list_error(&server).await;
    assert!(matches!(err, ApiError::BodyTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn a_problem_with_a_thousand_violations_is_decoded_whole() {
    let server = Server::start("127.0.0.1", |_, _| {
        response(
            400,
            "application/problem+json",
            problem_with_violations(1000).to_string().as_bytes(),
        )
    })
    .await;
    let (err, _) = list_error(&server).await;
    match &err {
        ApiError::Problem {
            status: 400,
            problem,
        } => {
            assert_eq!(problem.violations.len(), 1000)
        }
        other => panic!("expected Problem, got {other:?}"),
    }
}

#[tokio::test]
async fn a_hung_server_is_bounded_by_the_request_timeout() {
    let server = Server::start("127.0.0.1", |_, _| Answer::Hang).await;
    let (err, elapsed) = list_error(&server).await;
    assert!(matches!(err, ApiError::Timeout { .. }), "{err:?}");
    // Three attempts of at most TIMEOUT each, plus short backoffs.
    assert!(
        elapsed < TIMEOUT * 3 + Duration::from_secs(2),
        "{elapsed:?}"
    );
    assert!(elapsed >= TIMEOUT, "{elapsed:?}");
}

#[tokio::test]
async fn a_redirect_to_another_host_is_not_followed() {
    let other = Server::start("127.0.0.2", |_, _| json_response(200, page(vec![]))).await;
    let location = format!("{}/dpc/v1/projects/{PROJECT}/connections", other.base);
    let server = Server::start("127.0.0.1", move |_, _| {
        let raw = format!(
            "HTTP/1.1 307 Temporary Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
        )
        .into_bytes();
        Answer::Bytes { raw, keep: true }
    })
    .await;
    let (err, _) = list_error(&server).await;
    assert!(
        matches!(err, ApiError::Redirect { status: 307, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("127.0.0.2"), "{err}");
    assert!(
        other.seen().is_empty(),
        "the other host was contacted (with the token?)"
    );
}

#[tokio::test]
async fn a_success_whose_item_has_no_name_is_not_taken_for_absence() {
    let server = Server::start("127.0.0.1", |_, _| {
        json_response(200, page(vec![json!({"description": "who am I"})]))
    })
    .await;
    let err = client(&server)
        .get_connection(PROJECT, "salesforce-prod", &CancellationToken::new())
        .await
        .expect_err("a nameless item must not read as 'no such connection'");
    assert!(
        matches!(err, ApiError::Undecodable { status: 200, .. }),
        "{err:?}"
    );
}

// ------------------------------------------------------------ through the resource

struct Fixture {
    resource: Arc<dyn Resource>,
    _provider: MaiaProvider,
}

async fn resource_against(server: &Server) -> Fixture {
    let (provider, resource) = support::provider::configured_connection_resource(&[
        ("endpoint", Value::string(format!("{}/dpc", server.base))),
        ("token", Value::string(TOKEN)),
        ("max_retries", Value::Number(1.into())),
        ("request_timeout_seconds", Value::Number(2.into())),
    ])
    .await;
    Fixture {
        resource,
        _provider: provider,
    }
}

fn block(attrs: &[(&str, Value)]) -> Value {
    Value::List(vec![Value::object(attrs.iter().cloned())])
}

fn config() -> Value {
    Value::object([
        ("id", Value::Null),
        ("project_id", Value::string(PROJECT)),
        ("name", Value::string("salesforce-prod")),
        ("platform_connection_type", Value::string("COMPONENT_BASIC")),
        ("auth_type", Value::string("OAUTH_CLIENT_CRED")),
        ("auth_provider", Value::string("salesforce")),
        ("description", Value::Null),
        ("created_by", Value::Null),
        ("created_date", Value::Null),
        (
            "secrets_location",
            block(&[
                ("type", Value::string("AWS_SECRET_MANAGER")),
                ("region", Value::string("eu-west-1")),
                ("vault_name", Value::Null),
                ("gcp_project_id", Value::Null),
            ]),
        ),
        (
            "connection_properties",
            block(&[
                ("secret_name", Value::string("sf-oauth")),
                ("secret_key", Value::Null),
                ("credential_secret_name", Value::Null),
            ]),
        ),
    ])
}

/// Plans and applies a create of [`config`]; returns the new state and diagnostics.
async fn create(f: &Fixture) -> (Value, Diagnostics) {
    let ctx = CallContext::default();
    let plan = f
        .resource
        .plan(
            &ctx,
            PlanRequest {
                prior_state: Value::Null,
                proposed_new_state: config(),
                config: config(),
                prior_private: vec![],
                prior_identity: None,
            },
        )
        .await;
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    let applied = tokio::time::timeout(
        Duration::from_secs(20),
        f.resource.apply(
            &ctx,
            ApplyRequest {
                prior_state: Value::Null,
                planned_state: plan.planned_state,
                config: config(),
                planned_private: vec![],
                planned_identity: None,
            },
        ),
    )
    .await
    .expect("apply hung");
    (applied.new_state, applied.diagnostics)
}

/// A state as a previous apply recorded it.
fn recorded_state() -> Value {
    let mut m = config().as_object().cloned().unwrap_or_default();
    m.insert(
        "id".into(),
        Value::string(format!("{PROJECT}/salesforce-prod")),
    );
    m.insert("created_by".into(), Value::string("someone"));
    m.insert("created_date".into(), Value::string("2026-01-01T00:00:00Z"));
    Value::Object(m)
}

async fn refresh(f: &Fixture, state: &Value) -> (Value, Diagnostics) {
    let r = tokio::time::timeout(
        Duration::from_secs(20),
        f.resource.read(
            &CallContext::default(),
            ReadRequest {
                current_state: state.clone(),
                private: vec![],
                current_identity: None,
            },
        ),
    )
    .await
    .expect("read hung");
    (r.new_state, r.diagnostics)
}

/// One scripted answer, the same for every request.
type Scripted = dyn Fn() -> Answer + Send + Sync;

fn text_of(d: &Diagnostics) -> String {
    d.0.iter()
        .map(|d| format!("{}: {}", d.summary, d.detail))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn refresh_against_broken_responses_keeps_the_state_and_says_why() {
    let cases: Vec<(&str, Box<Scripted>, &str)> = vec![
        (
            "malformed JSON",
            Box::new(|| response(200, "application/json", b"{\"results\": [")),
            "not the expected JSON",
        ),
        (
            "HTML page",
            Box::new(|| response(502, "text/html", HTML.as_bytes())),
            "text/html",
        ),
        (
            "item missing required fields",
            Box::new(|| json_response(200, page(vec![json!({"name": "salesforce-prod"})]))),
            "Unexpected response",
        ),
        (
            "item without a name",
            Box::new(|| json_response(200, page(vec![json!({"authType": "GENERIC_SECRET"})]))),
            "not the expected JSON",
        ),
        (
            "10 MB body",
            Box::new(|| response(200, "application/json", &vec![b' '; 10 * 1024 * 1024])),
            "limit",
        ),
        (
            "redirect",
            Box::new(|| {
                Answer::Bytes {
                raw: b"HTTP/1.1 302 Found\r\nLocation: https://elsewhere.example/x\r\nContent-Length: 0\r\n\r\n".to_vec(),
                keep: true,
            }
            }),
            "redirect",
        ),
    ];
    for (what, answer, expect) in cases {
        let server = Server::start("127.0.0.1", move |_, _| answer()).await;
        let f = resource_against(&server).await;
        let prior = recorded_state();
        let (state, diags) = refresh(&f, &prior).await;
        assert!(diags.has_errors(), "{what}: no error diagnostic");
        let text = text_of(&diags);
        assert!(text.contains(expect), "{what}: {text}");
        assert!(!text.contains(TOKEN), "{what}: token in {text}");
        assert_eq!(
            state, prior,
            "{what}: the state changed without the service saying so"
        );
    }
}

#[tokio::test]
async fn a_create_refused_with_a_thousand_violations_gives_capped_diagnostics_and_no_state() {
    let server = Server::start("127.0.0.1", |method, _| match method {
        "POST" => response(
            400,
            "application/problem+json",
            problem_with_violations(1000).to_string().as_bytes(),
        ),
        _ => json_response(200, page(vec![])),
    })
    .await;
    let f = resource_against(&server).await;
    let (state, diags) = create(&f).await;
    assert!(state.is_null(), "{state:?}");
    // One summary, 20 violations on secret_name, one "more violations" line.
    assert_eq!(diags.0.len(), 22, "{}", text_of(&diags));
    let on_secret = diags
        .0
        .iter()
        .filter(|d| {
            d.attribute
                .as_ref()
                .is_some_and(|p| p.to_string() == "connection_properties[0].secret_name")
        })
        .count();
    assert_eq!(on_secret, 20);
    assert!(
        text_of(&diags).contains("980 more violations"),
        "{}",
        text_of(&diags)
    );
}

#[tokio::test]
async fn a_create_answered_with_garbage_records_only_what_a_read_back_confirms() {
    // The POST succeeds but its body is broken; the service does hold the
    // connection, as a read shows.
    let server = Server::start("127.0.0.1", |method, _| match method {
        "POST" => response(201, "application/json", b"{\"name\": \"salesforce-prod\", "),
        _ => json_response(200, page(vec![connection_json("salesforce-prod")])),
    })
    .await;
    let f = resource_against(&server).await;
    let (state, diags) = create(&f).await;
    assert!(!diags.has_errors(), "{}", text_of(&diags));
    assert_eq!(state.get_attr("created_by"), &Value::string("someone"));
    assert_eq!(
        state.get_attr("id"),
        &Value::string(format!("{PROJECT}/salesforce-prod"))
    );

    // When nothing confirms it (the read is broken too), no state is written.
    let server = Server::start("127.0.0.1", |method, _| match method {
        "POST" => response(201, "text/html", HTML.as_bytes()),
        _ => response(200, "text/html", HTML.as_bytes()),
    })
    .await;
    let f = resource_against(&server).await;
    let (state, diags) = create(&f).await;
    assert!(diags.has_errors());
    assert!(state.is_null(), "{state:?}");
    assert!(text_of(&diags).contains("text/html"), "{}", text_of(&diags));
}

#[tokio::test]
async fn a_create_against_a_hung_server_ends_within_the_timeout_with_no_state() {
    let server = Server::start("127.0.0.1", |_, _| Answer::Hang).await;
    let f = resource_against(&server).await;
    let started = Instant::now();
    let (state, diags) = create(&f).await;
    let elapsed = started.elapsed();
    assert!(diags.has_errors());
    assert!(state.is_null(), "{state:?}");
    assert!(text_of(&diags).contains("timed out"), "{}", text_of(&diags));
    // POST timeouts are not retried; the read-back has its own short deadline.
    assert!(elapsed < Duration::from_secs(8), "{elapsed:?}");
}
