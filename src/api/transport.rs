//! One HTTP exchange with a bounded body, and the retry loop around it.

use std::time::{Duration, Instant};

use http::{HeaderMap, StatusCode};

use super::error::{error_chain, ApiError};
use super::retry::{is_retryable_status, parse_retry_after, RetryPolicy};

/// A complete response: status, headers and the (size-bounded) body.
#[derive(Debug)]
pub(crate) struct RawResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The `Content-Type` header, if readable.
    pub fn content_type(&self) -> Option<String> {
        self.headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(100).collect())
    }
}

/// The final response of a request after retries.
#[derive(Debug)]
pub(crate) struct Sent {
    pub response: RawResponse,
    /// Attempts made.
    pub attempts: u32,
    /// An earlier attempt of a non-idempotent request may have reached the
    /// server (its connection dropped before any response).
    pub maybe_applied_earlier: bool,
}

/// Whether a request may be repeated freely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retryability {
    /// GET, PUT, DELETE, and token requests.
    Idempotent,
    /// POST: retried when the server cannot have acted on it, or when the
    /// caller settles a possible earlier success (`maybe_applied_earlier`).
    Unsafe,
}

/// Method and path of a request, for logs.
#[derive(Debug, Clone)]
pub(crate) struct Label {
    pub method: &'static str,
    pub path: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// The connection could not be established: the server saw nothing.
    NotSent,
    /// The connection failed after the request may have been sent.
    Dropped,
    /// The request or response timed out.
    Timeout,
    /// Reading the response body failed.
    Body,
    /// Not worth retrying (a TLS failure, a request that could not be built).
    Fatal,
}

/// Whether a TLS failure (bad certificate, handshake refusal) is behind `e`:
/// retrying cannot help.
fn is_tls_failure(e: &reqwest::Error) -> bool {
    // `io::Error::source` skips the wrapped error itself, so look inside
    // (possibly nested) io errors with `get_ref` as well as along `source`.
    fn check(err: &(dyn std::error::Error + 'static), depth: u32) -> bool {
        if depth > 16 {
            return false;
        }
        if err.downcast_ref::<rustls::Error>().is_some() {
            return true;
        }
        if let Some(inner) = err
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            let inner: &(dyn std::error::Error + 'static) = inner;
            if check(inner, depth + 1) {
                return true;
            }
        }
        err.source().is_some_and(|s| check(s, depth + 1))
    }
    check(e, 0)
}

fn classify(e: &reqwest::Error) -> Failure {
    if is_tls_failure(e) {
        Failure::Fatal
    } else if e.is_connect() {
        Failure::NotSent
    } else if e.is_timeout() {
        Failure::Timeout
    } else if e.is_body() || e.is_decode() {
        Failure::Body
    } else if e.is_request() {
        Failure::Dropped
    } else {
        Failure::Fatal
    }
}

enum AttemptError {
    Http(reqwest::Error),
    Fatal(ApiError),
}

/// The pooled HTTP client plus the limits applied to every exchange.
#[derive(Debug)]
pub(crate) struct Transport {
    pub http: reqwest::Client,
    pub policy: RetryPolicy,
    pub timeout: Duration,
    pub max_body: usize,
}

impl Transport {
    /// Sends the request built by `build` (called once per attempt),
    /// retrying as the policy and `retry` allow. Returns the final
    /// response whatever its status, except: redirects become
    /// [`ApiError::Redirect`], exhausted 429s [`ApiError::RateLimited`].
    pub async fn send<F>(
        &self,
        label: &Label,
        retry: Retryability,
        build: F,
    ) -> Result<Sent, ApiError>
    where
        F: Fn() -> reqwest::RequestBuilder,
    {
        let start = Instant::now();
        let mut attempts: u32 = 0;
        let mut maybe_applied = false;
        loop {
            attempts += 1;
            match self.once(build()).await {
                Ok(response) => {
                    let status = response.status;
                    tracing::debug!(
                        method = label.method,
                        path = %label.path,
                        attempt = attempts,
                        status = status.as_u16(),
                        elapsed_ms = start.elapsed().as_millis() as u64,
                        "maia api response"
                    );
                    if status.is_redirection() {
                        return Err(ApiError::Redirect {
                            status: status.as_u16(),
                            location: response
                                .headers
                                .get(http::header::LOCATION)
                                .and_then(|v| v.to_str().ok())
                                .map(|s| s.chars().take(200).collect()),
                        });
                    }
                    // A POST is retried on every retryable status too: a
                    // 429 was certainly not acted on, and after a 502/503/504
                    // (which a gateway may send after the backend acted) the
                    // create settles a following 409 by reading back.
                    let may_retry = is_retryable_status(status);
                    if may_retry {
                        if retry == Retryability::Unsafe && status != StatusCode::TOO_MANY_REQUESTS
                        {
                            maybe_applied = true;
                        }
                        let retry_after = parse_retry_after(&response.headers);
                        if let Some(delay) =
                            self.policy
                                .next_delay(attempts, start.elapsed(), retry_after)
                        {
                            tracing::debug!(
                                method = label.method,
                                path = %label.path,
                                attempt = attempts,
                                delay_ms = delay.as_millis() as u64,
                                "retrying after HTTP {}",
                                status.as_u16()
                            );
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                        if status == StatusCode::TOO_MANY_REQUESTS {
                            return Err(ApiError::RateLimited {
                                attempts,
                                retry_after,
                            });
                        }
                    }
                    return Ok(Sent {
                        response,
                        attempts,
                        maybe_applied_earlier: maybe_applied,
                    });
                }
                Err(AttemptError::Fatal(e)) => return Err(e),
                Err(AttemptError::Http(e)) => {
                    let failure = classify(&e);
                    tracing::debug!(
                        method = label.method,
                        path = %label.path,
                        attempt = attempts,
                        failure = ?failure,
                        "maia api request failed"
                    );
                    let may_retry = match (retry, failure) {
                        (_, Failure::Fatal) => false,
                        (Retryability::Idempotent, _) => true,
                        (Retryability::Unsafe, Failure::NotSent | Failure::Dropped) => true,
                        (Retryability::Unsafe, _) => false,
                    };
                    if may_retry {
                        if let Some(delay) = self.policy.next_delay(attempts, start.elapsed(), None)
                        {
                            if failure == Failure::Dropped {
                                maybe_applied = true;
                            }
                            tokio::time::sleep(delay).await;
                            continue;
                        }
                    }
                    if e.is_timeout() {
                        return Err(ApiError::Timeout {
                            attempts,
                            timeout: self.timeout,
                        });
                    }
                    return Err(ApiError::Transport {
                        attempts,
                        message: error_chain(&e),
                        source: e,
                    });
                }
            }
        }
    }

    async fn once(&self, request: reqwest::RequestBuilder) -> Result<RawResponse, AttemptError> {
        let mut response = request.send().await.map_err(AttemptError::Http)?;
        let status = response.status();
        let headers = response.headers().clone();
        let too_large = || {
            AttemptError::Fatal(ApiError::BodyTooLarge {
                limit: self.max_body,
            })
        };
        if response
            .content_length()
            .is_some_and(|len| len > self.max_body as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(AttemptError::Http)? {
            if body.len() + chunk.len() > self.max_body {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status,
            headers,
            body,
        })
    }
}
