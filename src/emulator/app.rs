//! The shared application state and the axum router with its front layer
//! (token counting, fault injection, request logging).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::admin;
use super::auth;
use super::config::EmulatorConfig;
use super::faults::{FaultAction, FaultInjector};
use super::overrides;
use super::problem::Problem;
use super::request_log::{redact_authorization, LoggedRequest, RequestLog};
use super::routes;
use super::store::Store;

/// Path of the connections collection (axum syntax).
pub const CONNECTIONS_PATH: &str = "/dpc/v1/projects/{project_id}/connections";
/// Path of the environment-overrides collection (axum syntax).
pub const OVERRIDES_PATH: &str = "/dpc/v1/projects/{project_id}/connections/environment-overrides";
/// Path of the OAuth token endpoint.
pub const TOKEN_PATH: &str = "/oauth/dpc/token";
/// Prefix of the admin routes.
pub const ADMIN_PREFIX: &str = "/_emulator";

/// Everything handlers share.
#[derive(Debug)]
pub struct Shared {
    /// The configuration the emulator was started with.
    pub config: EmulatorConfig,
    /// Connections and issued tokens.
    pub store: Store,
    /// Live fault configuration.
    pub faults: FaultInjector,
    /// API request log.
    pub log: RequestLog,
    /// Requests to the token endpoint (including failed and faulted ones).
    pub token_requests: AtomicU64,
    /// TCP connections accepted.
    pub connections_opened: AtomicU64,
}

impl Shared {
    /// Builds the shared state around an opened store.
    pub fn new(config: EmulatorConfig, store: Store) -> Self {
        let faults = FaultInjector::new(config.faults.clone());
        Shared {
            config,
            store,
            faults,
            log: RequestLog::default(),
            token_requests: AtomicU64::new(0),
            connections_opened: AtomicU64::new(0),
        }
    }
}

/// Handle type for axum state.
pub type AppState = Arc<Shared>;

/// Response extension asking the connection layer to close the TCP
/// connection without writing this response.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// Builds the complete router.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route(
            CONNECTIONS_PATH,
            get(routes::list)
                .post(routes::create)
                .put(routes::update)
                .delete(routes::delete),
        )
        .route(
            OVERRIDES_PATH,
            get(overrides::list)
                .post(overrides::create)
                .put(overrides::update)
                .delete(overrides::delete),
        )
        .route(TOKEN_PATH, post(token))
        .route(
            "/_emulator/faults",
            get(admin::get_faults)
                .post(admin::set_faults)
                .delete(admin::clear_faults),
        )
        .route(
            "/_emulator/requests",
            get(admin::get_requests).delete(admin::clear_requests),
        )
        .route(
            "/_emulator/connections",
            get(admin::get_connections).delete(admin::clear_connections),
        )
        .route("/_emulator/overrides", get(admin::get_overrides))
        .route("/_emulator/stats", get(admin::stats))
        .route("/_emulator/health", get(admin::health))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), front))
        .with_state(state)
}

async fn token(
    State(app): State<AppState>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    auth::issue_token(&headers, &body, &app.config, &app.store)
}

async fn not_found(uri: axum::http::Uri) -> Response {
    Problem::new(StatusCode::NOT_FOUND, format!("No endpoint {}", uri.path()))
        .at(uri.path())
        .into_response()
}

async fn method_not_allowed(method: Method, uri: axum::http::Uri) -> Response {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("Method {method} is not supported for {}", uri.path()),
    )
    .at(uri.path())
    .into_response()
}

fn header_text(headers: &axum::http::HeaderMap, name: axum::http::HeaderName) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

/// The front layer: admin routes pass straight through; the token route is
/// counted (and faulted if configured); everything else is faulted and logged.
async fn front(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    if path == ADMIN_PREFIX || path.starts_with("/_emulator/") {
        return next.run(req).await;
    }
    let is_token = path == TOKEN_PATH;
    if is_token {
        app.token_requests.fetch_add(1, Ordering::Relaxed);
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, app.config.max_body_bytes).await {
        Ok(b) => b,
        Err(_) => {
            return Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body too large")
                .at(path)
                .into_response()
        }
    };
    let entry = (!is_token).then(|| LoggedRequest {
        method: parts.method.to_string(),
        path: path.clone(),
        query: parts.uri.query().map(str::to_string),
        body: serde_json::from_slice(&bytes).ok(),
        status: None,
        authorization: parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .map(|v| redact_authorization(&String::from_utf8_lossy(v.as_bytes()))),
        content_type: header_text(&parts.headers, axum::http::header::CONTENT_TYPE),
        user_agent: header_text(&parts.headers, axum::http::header::USER_AGENT),
    });
    let faulted = !is_token || app.faults.applies_to_token();
    let (delay, delay_after) = if faulted {
        (app.faults.latency(), app.faults.latency_after_handling())
    } else {
        (std::time::Duration::ZERO, false)
    };
    let action = if faulted {
        if !delay.is_zero() && !delay_after {
            tokio::time::sleep(delay).await;
        }
        app.faults.decide()
    } else {
        FaultAction::Pass
    };
    let resp = match action {
        FaultAction::Pass => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        FaultAction::Drop => {
            if app.faults.drops_after_handling() {
                // Serve it (state changes stick), then lose the answer.
                let _served = next
                    .run(Request::from_parts(parts, Body::from(bytes)))
                    .await;
            }
            let mut resp = Response::new(Body::empty());
            resp.extensions_mut().insert(DropConnection);
            resp
        }
        FaultAction::Status {
            status,
            retry_after_secs,
            problem: body,
        } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            let mut problem = Problem::new(status, "Injected fault").at(path.clone());
            problem.retry_after_secs = retry_after_secs;
            match body {
                Some(body) => problem.with_body(body, &path),
                None => problem.into_response(),
            }
        }
    };
    if let Some(mut entry) = entry {
        if resp.extensions().get::<DropConnection>().is_none() {
            entry.status = Some(resp.status().as_u16());
        }
        app.log.push(entry);
    }
    if delay_after && !delay.is_zero() {
        // The request has been served (and logged); only its answer is slow.
        tokio::time::sleep(delay).await;
    }
    resp
}
