//! Admin routes under `/_emulator` (no auth, not logged):
//! - `GET|POST|DELETE /_emulator/faults`: read, set (JSON [`FaultConfig`]), clear faults.
//! - `GET|DELETE /_emulator/requests`: the API request log, or clear it.
//! - `GET|DELETE /_emulator/connections`: all connections `{projectId: [connection...]}`, or wipe them (and their overrides).
//! - `GET /_emulator/stats`: `{token_requests, connections_opened, requests}`
//!   (`requests` = API requests since start, not reset by clearing the log).
//! - `GET /_emulator/health`: `{"status":"ok"}`.

use std::sync::atomic::Ordering;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Map, Value};

use super::app::AppState;
use super::faults::FaultConfig;
use super::model::StoredConnection;
use super::problem::Problem;

/// `GET /_emulator/faults`.
pub async fn get_faults(State(app): State<AppState>) -> Response {
    Json(app.faults.get()).into_response()
}

/// `POST /_emulator/faults`: replaces the faults.
pub async fn set_faults(State(app): State<AppState>, body: Bytes) -> Response {
    let config: FaultConfig = match serde_json::from_slice(&body) {
        Ok(c) => c,
        Err(e) => {
            return Problem::new(StatusCode::BAD_REQUEST, format!("Invalid FaultConfig: {e}"))
                .at("/_emulator/faults")
                .into_response()
        }
    };
    if let Err(msg) = config.validate() {
        return Problem::new(StatusCode::BAD_REQUEST, "Invalid FaultConfig")
            .with_violations(vec![msg])
            .at("/_emulator/faults")
            .into_response();
    }
    app.faults.set(config.clone());
    Json(config).into_response()
}

/// `DELETE /_emulator/faults`.
pub async fn clear_faults(State(app): State<AppState>) -> Response {
    app.faults.set(FaultConfig::default());
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_emulator/requests`.
pub async fn get_requests(State(app): State<AppState>) -> Response {
    Json(app.log.entries()).into_response()
}

/// `DELETE /_emulator/requests`.
pub async fn clear_requests(State(app): State<AppState>) -> Response {
    app.log.clear();
    StatusCode::NO_CONTENT.into_response()
}

/// `GET /_emulator/connections`.
pub async fn get_connections(State(app): State<AppState>) -> Response {
    let dump: Map<String, Value> = app.store.read(|s| {
        s.projects
            .iter()
            .map(|(pid, conns)| {
                let list = conns.values().map(StoredConnection::to_response).collect();
                (pid.clone(), Value::Array(list))
            })
            .collect()
    });
    Json(Value::Object(dump)).into_response()
}

/// `DELETE /_emulator/connections`: forgets every connection (persisted).
pub async fn clear_connections(State(app): State<AppState>) -> Response {
    match app.store.mutate(|s| {
        s.projects.clear();
        s.overrides.clear();
        Ok(())
    }) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(p) => p.into_response(),
    }
}

/// `GET /_emulator/stats`.
pub async fn stats(State(app): State<AppState>) -> Response {
    Json(json!({
        "token_requests": app.token_requests.load(Ordering::Relaxed),
        "connections_opened": app.connections_opened.load(Ordering::Relaxed),
        "requests": app.log.total(),
    }))
    .into_response()
}

/// `GET /_emulator/health`.
pub async fn health() -> Response {
    Json(json!({"status": "ok"})).into_response()
}
