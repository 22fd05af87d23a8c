//! Bearer-token checks on API routes and the OAuth client-credentials endpoint.
//!
//! Accepted tokens: the configured static tokens (never expire, recorded as
//! `static_token_user`) and tokens issued by `POST /oauth/dpc/token` (valid
//! for `token_ttl`, recorded as their client id). Tokens in
//! `forbidden_tokens` authenticate but are refused with 403.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::json;

use super::config::EmulatorConfig;
use super::problem::Problem;
use super::store::{IssuedToken, Store};

/// Who is calling, as far as `createdBy` is concerned.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    /// Recorded as `createdBy`.
    pub user: String,
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn unauthorized(detail: &str) -> Problem {
    Problem::new(StatusCode::UNAUTHORIZED, detail)
}

/// Adds the `WWW-Authenticate: Bearer` challenge to a 401 response.
pub fn with_challenge(mut resp: Response) -> Response {
    if resp.status() == StatusCode::UNAUTHORIZED {
        resp.headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    resp
}

/// Checks the `Authorization` header of an API request.
pub fn authenticate(
    headers: &HeaderMap,
    cfg: &EmulatorConfig,
    store: &Store,
) -> Result<Principal, Problem> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized(
            "Full authentication is required: missing Authorization header",
        ));
    };
    let value = value
        .to_str()
        .map_err(|_| unauthorized("Malformed Authorization header"))?;
    let token = match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            token.trim()
        }
        _ => {
            return Err(unauthorized(
                "Malformed Authorization header: expected \"Bearer <token>\"",
            ))
        }
    };
    if cfg.forbidden_tokens.iter().any(|t| t == token) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Access denied: the token does not grant access to this resource",
        ));
    }
    if cfg.tokens.iter().any(|t| t == token) {
        return Ok(Principal {
            user: cfg.static_token_user.clone(),
        });
    }
    match store.read(|s| s.tokens.get(token).cloned()) {
        Some(issued) if issued.expires_at_ms > now_ms() => Ok(Principal {
            user: issued.client_id,
        }),
        Some(_) => Err(unauthorized("The access token has expired")),
        None => Err(unauthorized("Invalid access token")),
    }
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    (
        status,
        axum::Json(json!({"error": error, "error_description": description})),
    )
        .into_response()
}

/// Credentials from HTTP Basic auth (client_secret_basic), if present.
fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// Handles `POST /oauth/dpc/token` (form-encoded client credentials).
pub fn issue_token(
    headers: &HeaderMap,
    body: &[u8],
    cfg: &EmulatorConfig,
    store: &Store,
) -> Response {
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Content-Type must be application/x-www-form-urlencoded",
        );
    }
    let mut grant_type = None;
    let mut client_id = None;
    let mut client_secret = None;
    for (k, v) in url::form_urlencoded::parse(body) {
        match k.as_ref() {
            "grant_type" => grant_type = Some(v.into_owned()),
            "client_id" => client_id = Some(v.into_owned()),
            "client_secret" => client_secret = Some(v.into_owned()),
            _ => {}
        }
    }
    match grant_type.as_deref() {
        Some("client_credentials") => {}
        None => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is required",
            )
        }
        Some(other) => {
            return oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("grant_type {other:?} is not supported; use client_credentials"),
            )
        }
    }
    let (id, secret) = match (client_id, client_secret, basic_credentials(headers)) {
        (Some(id), Some(secret), _) => (id, secret),
        (_, _, Some(basic)) => basic,
        _ => {
            return oauth_error(
                StatusCode::UNAUTHORIZED,
                "invalid_client",
                "client_id and client_secret are required",
            )
        }
    };
    if id != cfg.client_id || secret != cfg.client_secret {
        return oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Unauthorized: bad client credentials",
        );
    }
    let now = now_ms();
    store.prune_tokens(now);
    let token = format!("emu.{}", uuid::Uuid::new_v4().simple());
    let ttl_ms = i64::try_from(cfg.token_ttl.as_millis()).unwrap_or(i64::MAX);
    let record = IssuedToken {
        client_id: id,
        expires_at_ms: now.saturating_add(ttl_ms),
    };
    let saved = store.mutate(|s| {
        s.tokens.insert(token.clone(), record);
        Ok(())
    });
    if let Err(problem) = saved {
        return problem.into_response();
    }
    let mut resp = axum::Json(json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": cfg.token_ttl.as_secs(),
    }))
    .into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}
