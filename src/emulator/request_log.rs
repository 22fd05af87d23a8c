//! The log of API requests the emulator received (admin routes and the
//! token route are not logged; token requests are counted separately).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One API request as received, with the status it got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRequest {
    /// HTTP method, e.g. `PUT`.
    pub method: String,
    /// Request path, e.g. `/dpc/v1/projects/.../connections`.
    pub path: String,
    /// Raw query string without `?`, if any.
    pub query: Option<String>,
    /// Body parsed as JSON; `None` when empty or not JSON.
    pub body: Option<Value>,
    /// Status answered; `None` when the connection was dropped by a fault.
    pub status: Option<u16>,
    /// Redacted Authorization header (`"Bearer ***"`), if present.
    pub authorization: Option<String>,
    /// The `Content-Type` header, if present.
    #[serde(default)]
    pub content_type: Option<String>,
    /// The `User-Agent` header, if present.
    #[serde(default)]
    pub user_agent: Option<String>,
}

/// Redacts an Authorization header value to its scheme: `"Bearer ***"`.
pub fn redact_authorization(value: &str) -> String {
    match value.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} ***"),
        None => "***".to_string(),
    }
}

/// Thread-safe append-only log plus a total counter that clearing does not reset.
#[derive(Debug, Default)]
pub struct RequestLog {
    entries: Mutex<Vec<LoggedRequest>>,
    total: AtomicU64,
}

impl RequestLog {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<LoggedRequest>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends one entry.
    pub fn push(&self, entry: LoggedRequest) {
        self.total.fetch_add(1, Ordering::Relaxed);
        self.lock().push(entry);
    }

    /// All entries since the last clear, oldest first.
    pub fn entries(&self) -> Vec<LoggedRequest> {
        self.lock().clone()
    }

    /// Forgets the entries (the total keeps counting).
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// API requests received since start.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_keeps_only_the_scheme() {
        assert_eq!(redact_authorization("Bearer abc.def"), "Bearer ***");
        assert_eq!(redact_authorization("secret"), "***");
    }
}
