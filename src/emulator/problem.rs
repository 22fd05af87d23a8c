//! RFC 9457 problem responses, as the Maia API sends them.
//!
//! Body (`application/problem+json`):
//! `{"type","title","status","detail","instance","violations":[...]}`.
//!
//! **Violation format.** Each violation is one string
//! `"<field path>: <message>"`, where the field path is the dotted JSON path
//! of the offending request field (`name`, `authType`,
//! `connectionDetails.connectionProperties.secretName`,
//! `connectionDetails.secretsLocation.region`, ...) or the name of the query
//! or path parameter (`projectId`, `connectionName`, `size`). Everything
//! before the first `": "` is the path, so a client (the Terraform provider)
//! can map it to an attribute; the rest is human-readable.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Media type of problem responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A problem response under construction.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// HTTP status.
    pub status: StatusCode,
    /// Human-readable explanation.
    pub detail: String,
    /// Request path the problem is about.
    pub instance: String,
    /// Field-level violations, each `"path: message"`.
    pub violations: Vec<String>,
    /// Seconds for a Retry-After header, if any.
    pub retry_after_secs: Option<u64>,
}

impl Problem {
    /// A problem with a status and detail and no violations.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Problem {
            status,
            detail: detail.into(),
            instance: String::new(),
            violations: Vec::new(),
            retry_after_secs: None,
        }
    }

    /// Adds field violations.
    pub fn with_violations(mut self, violations: Vec<String>) -> Self {
        self.violations = violations;
        self
    }

    /// Sets the `instance` (request path).
    pub fn at(mut self, instance: impl Into<String>) -> Self {
        self.instance = instance.into();
        self
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        json!({
            "type": "about:blank",
            "title": self.status.canonical_reason().unwrap_or("Error"),
            "status": self.status.as_u16(),
            "detail": self.detail,
            "instance": self.instance,
            "violations": self.violations,
        })
    }
}

impl Problem {
    /// A response with this problem's status and headers but `body` (a JSON
    /// object) as its content; `status` and `instance` are added to the body
    /// when it has none.
    pub fn with_body(self, mut body: serde_json::Value, instance: &str) -> Response {
        if let Some(obj) = body.as_object_mut() {
            obj.entry("status")
                .or_insert_with(|| json!(self.status.as_u16()));
            obj.entry("instance").or_insert_with(|| json!(instance));
        }
        let mut resp = (self.status, body.to_string()).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after_secs {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        let mut resp = (self.status, body).into_response();
        resp.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = self.retry_after_secs {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        resp
    }
}
