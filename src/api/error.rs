//! The error type of every Maia client operation.

use std::time::Duration;

use super::models::ProblemDetail;

/// Maximum length of a response-body excerpt kept in an error.
pub const EXCERPT_LIMIT: usize = 200;

/// What can go wrong talking to the Maia API.
///
/// Messages never contain credentials or bearer tokens; body excerpts are
/// short and redacted.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The API answered with an error and a problem document.
    #[error("Maia API returned HTTP {status}{}", fmt_problem(Some(problem)))]
    Problem {
        /// HTTP status code.
        status: u16,
        /// The decoded `application/problem+json` body.
        problem: ProblemDetail,
    },
    /// The addressed object does not exist (HTTP 404).
    #[error("not found (HTTP 404){}", fmt_problem(problem.as_ref()))]
    NotFound {
        /// The problem document, when the server sent one.
        problem: Option<ProblemDetail>,
    },
    /// The credentials were rejected (HTTP 401, or the token endpoint refused them).
    #[error("the Maia API rejected the credentials (HTTP {status}){}; check the client id and secret, or the token", fmt_problem(problem.as_ref()))]
    Unauthorized {
        /// HTTP status code.
        status: u16,
        /// The problem document, when the server sent one.
        problem: Option<ProblemDetail>,
    },
    /// The credentials lack permission (HTTP 403).
    #[error("the Maia API denied permission (HTTP {status}){}", fmt_problem(problem.as_ref()))]
    Forbidden {
        /// HTTP status code.
        status: u16,
        /// The problem document, when the server sent one.
        problem: Option<ProblemDetail>,
    },
    /// The object already exists or the request conflicts with its state (HTTP 409).
    #[error("conflict (HTTP 409){}", fmt_problem(problem.as_ref()))]
    Conflict {
        /// The problem document, when the server sent one.
        problem: Option<ProblemDetail>,
    },
    /// The API kept answering HTTP 429 until the retry budget ran out.
    #[error("the Maia API is rate limiting requests (HTTP 429) after {attempts} attempts{}", fmt_retry_after(*retry_after))]
    RateLimited {
        /// Attempts made.
        attempts: u32,
        /// The last `Retry-After` the server asked for, if any.
        retry_after: Option<Duration>,
    },
    /// The request timed out (after retries, for retryable requests).
    #[error("request to the Maia API timed out after {attempts} attempt(s) (per-request timeout {timeout:?})")]
    Timeout {
        /// Attempts made.
        attempts: u32,
        /// The per-request timeout in force.
        timeout: Duration,
    },
    /// The server could not be reached or the connection failed.
    #[error("could not talk to the Maia API after {attempts} attempt(s): {message}")]
    Transport {
        /// Attempts made.
        attempts: u32,
        /// The failure with its causes, one line.
        message: String,
        /// The underlying HTTP client error.
        #[source]
        source: reqwest::Error,
    },
    /// The response body was not what the API documents (e.g. an HTML error page).
    #[error("Maia API returned HTTP {status} with a body that is not the expected JSON{}: {excerpt:?}", content_type.as_deref().map(|c| format!(" (content-type {c})")).unwrap_or_default())]
    Undecodable {
        /// HTTP status code.
        status: u16,
        /// The response content type, if any.
        content_type: Option<String>,
        /// A short, redacted excerpt of the body (at most 200 characters).
        excerpt: String,
    },
    /// The response body exceeded the size limit.
    #[error("Maia API response body exceeds the {limit}-byte limit")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The server answered with a redirect, which the client never follows.
    #[error("Maia API answered HTTP {status} redirecting to {}; redirects are not followed, check the endpoint URL", location.as_deref().unwrap_or("(no location)"))]
    Redirect {
        /// HTTP status code.
        status: u16,
        /// The `Location` header, if any.
        location: Option<String>,
    },
    /// The token endpoint refused to issue a token.
    #[error("the token endpoint refused to issue a token (HTTP {status}){}{}", error.as_deref().map(|e| format!(": {e}")).unwrap_or_default(), description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    TokenRejected {
        /// HTTP status code.
        status: u16,
        /// The OAuth `error` code, e.g. `invalid_client`.
        error: Option<String>,
        /// The OAuth `error_description`, shortened.
        description: Option<String>,
    },
    /// The operation was cancelled by the caller.
    #[error("the operation was cancelled")]
    Cancelled,
    /// An endpoint URL is not acceptable.
    #[error("invalid {what} {url:?}: {reason}")]
    InvalidEndpoint {
        /// Which setting, e.g. `base_url` or `token_url`.
        what: &'static str,
        /// The offending URL (shortened; redacted if it held credentials).
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// Invalid client configuration or arguments.
    #[error("invalid Maia client configuration: {message}")]
    Config {
        /// What is wrong.
        message: String,
    },
}

impl ApiError {
    /// The HTTP status behind this error, when there is one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Problem { status, .. }
            | ApiError::Unauthorized { status, .. }
            | ApiError::Forbidden { status, .. }
            | ApiError::Undecodable { status, .. }
            | ApiError::Redirect { status, .. }
            | ApiError::TokenRejected { status, .. } => Some(*status),
            ApiError::NotFound { .. } => Some(404),
            ApiError::Conflict { .. } => Some(409),
            ApiError::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The problem document behind this error, when the server sent one.
    pub fn problem(&self) -> Option<&ProblemDetail> {
        match self {
            ApiError::Problem { problem, .. } => Some(problem),
            ApiError::NotFound { problem }
            | ApiError::Conflict { problem }
            | ApiError::Unauthorized { problem, .. }
            | ApiError::Forbidden { problem, .. } => problem.as_ref(),
            _ => None,
        }
    }

    /// A short title for this kind of error (e.g. for a diagnostic's
    /// summary; the `Display` text is the detail).
    pub fn summary(&self) -> &'static str {
        match self {
            ApiError::Problem { .. } => "Maia API error",
            ApiError::NotFound { .. } => "Not found",
            ApiError::Unauthorized { .. } => "Authentication failed",
            ApiError::Forbidden { .. } => "Permission denied",
            ApiError::Conflict { .. } => "Conflict",
            ApiError::RateLimited { .. } => "Rate limited by the Maia API",
            ApiError::Timeout { .. } => "Maia API request timed out",
            ApiError::Transport { .. } => "Cannot reach the Maia API",
            ApiError::Undecodable { .. } => "Unexpected response from the Maia API",
            ApiError::BodyTooLarge { .. } => "Maia API response too large",
            ApiError::Redirect { .. } => "Unexpected redirect",
            ApiError::TokenRejected { .. } => "Authentication failed",
            ApiError::Cancelled => "Cancelled",
            ApiError::InvalidEndpoint { .. } => "Invalid endpoint",
            ApiError::Config { .. } => "Invalid client configuration",
        }
    }

    /// Whether this is a 404.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::NotFound { .. })
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        ApiError::Config {
            message: message.into(),
        }
    }
}

fn fmt_problem(problem: Option<&ProblemDetail>) -> String {
    match problem.map(ProblemDetail::summary) {
        Some(s) if !s.is_empty() => format!(": {s}"),
        _ => String::new(),
    }
}

fn fmt_retry_after(d: Option<Duration>) -> String {
    d.map(|d| format!(" (server asked to wait {}s)", d.as_secs()))
        .unwrap_or_default()
}

/// One line describing an error and its causes, without repeats.
pub(crate) fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = vec![err.to_string()];
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = e.source();
    }
    parts.join(": ")
}

/// A short, single-line excerpt of a body: HTML tags stripped, whitespace
/// collapsed, secrets redacted, at most [`EXCERPT_LIMIT`] characters.
pub(crate) fn excerpt(body: &[u8], secrets: &[&str]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]);
    let mut stripped = String::with_capacity(text.len().min(4096));
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => {
                in_tag = true;
                stripped.push(' ');
            }
            '>' if in_tag => in_tag = false,
            _ if in_tag => {}
            c if c.is_control() => stripped.push(' '),
            c => stripped.push(c),
        }
    }
    let collapsed = stripped.split_whitespace().collect::<Vec<_>>().join(" ");
    let redacted = super::secret::redact(&collapsed, secrets);
    if redacted.chars().count() > EXCERPT_LIMIT {
        let mut s: String = redacted.chars().take(EXCERPT_LIMIT - 1).collect();
        s.push('…');
        s
    } else {
        redacted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_strips_html_and_bounds_length() {
        let html = b"<html><head><title>502 Bad Gateway</title></head>\n<body><h1>502 Bad Gateway</h1><hr>nginx</body></html>";
        assert_eq!(excerpt(html, &[]), "502 Bad Gateway 502 Bad Gateway nginx");
        let long = vec![b'a'; 10_000];
        assert_eq!(excerpt(&long, &[]).chars().count(), EXCERPT_LIMIT);
        assert_eq!(
            excerpt(b"token abcdef leaked", &["abcdef"]),
            "token *** leaked"
        );
    }

    #[test]
    fn problem_errors_show_summary() {
        let e = ApiError::Problem {
            status: 422,
            problem: ProblemDetail {
                title: Some("Unprocessable Entity".into()),
                detail: Some("bad combination".into()),
                ..ProblemDetail::default()
            },
        };
        assert_eq!(
            e.to_string(),
            "Maia API returned HTTP 422: Unprocessable Entity: bad combination"
        );
        assert_eq!(e.status(), Some(422));
    }
}
