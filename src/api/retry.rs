//! Retry policy: which failures are retried, and how long to wait.

use std::time::{Duration, SystemTime};

use http::{HeaderMap, StatusCode};
use rand::Rng;

/// How failed requests are retried.
///
/// Retried: HTTP 429 (honouring `Retry-After`), 502, 503, 504 and
/// connection failures. Idempotent requests (GET, PUT, DELETE) are retried
/// on all of those, and on timeouts. POST is retried only when the server
/// cannot have acted on it: a connection that could not be established, a
/// connection dropped before any response (a later 409 is then settled by
/// reading the connection back), or HTTP 429.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so at most `max_retries + 1` attempts).
    pub max_retries: u32,
    /// No retry starts once this much time has passed since the first attempt.
    pub max_elapsed: Duration,
    /// Backoff cap for the first retry; doubles on each retry.
    pub base_delay: Duration,
    /// Upper bound of a computed backoff (not of a server's `Retry-After`).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_retries: 5,
            max_elapsed: Duration::from_secs(120),
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            ..RetryPolicy::default()
        }
    }

    /// Exponential backoff with full jitter for retry number `retry`
    /// (1-based): uniform in `[0, min(max_delay, base_delay * 2^(retry-1))]`.
    pub fn backoff(&self, retry: u32) -> Duration {
        let exp = retry.saturating_sub(1).min(30);
        let cap = self
            .base_delay
            .saturating_mul(1u32 << exp)
            .min(self.max_delay);
        if cap.is_zero() {
            return Duration::ZERO;
        }
        let nanos = rand::rng().random_range(0..=cap.as_nanos().min(u64::MAX as u128) as u64);
        Duration::from_nanos(nanos)
    }

    /// The wait before retry number `retry` (1-based), or `None` when the
    /// budget (count or elapsed time) does not allow another attempt. A
    /// server `Retry-After` replaces the computed backoff.
    pub fn next_delay(
        &self,
        retry: u32,
        elapsed: Duration,
        retry_after: Option<Duration>,
    ) -> Option<Duration> {
        if retry > self.max_retries {
            return None;
        }
        let delay = retry_after.unwrap_or_else(|| self.backoff(retry));
        if elapsed.saturating_add(delay) > self.max_elapsed {
            return None;
        }
        Some(delay)
    }
}

/// Whether a response status is worth retrying at all (429, 502, 503, 504).
pub fn is_retryable_status(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

/// Parses `Retry-After`: delay-seconds or an HTTP date (a date in the past
/// means "now").
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let raw = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(raw).ok()?;
    Some(
        when.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn backoff_is_bounded_by_cap() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(350),
            ..RetryPolicy::default()
        };
        for _ in 0..200 {
            assert!(p.backoff(1) <= Duration::from_millis(100));
            assert!(p.backoff(2) <= Duration::from_millis(200));
            assert!(p.backoff(10) <= Duration::from_millis(350));
        }
    }

    #[test]
    fn budget_limits_retries() {
        let p = RetryPolicy {
            max_retries: 2,
            max_elapsed: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        assert!(p.next_delay(1, Duration::ZERO, None).is_some());
        assert!(p.next_delay(3, Duration::ZERO, None).is_none());
        assert_eq!(
            p.next_delay(1, Duration::ZERO, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert!(p
            .next_delay(1, Duration::from_secs(8), Some(Duration::from_secs(3)))
            .is_none());
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let mut h = HeaderMap::new();
        h.insert(http::header::RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(parse_retry_after(&h), Some(Duration::from_secs(7)));
        let future = SystemTime::now() + Duration::from_secs(30);
        let date = httpdate::fmt_http_date(future);
        h.insert(
            http::header::RETRY_AFTER,
            HeaderValue::from_str(&date).unwrap(),
        );
        let d = parse_retry_after(&h).unwrap();
        assert!(
            d > Duration::from_secs(27) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        h.insert(
            http::header::RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(parse_retry_after(&h), Some(Duration::ZERO));
        h.insert(http::header::RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(parse_retry_after(&h), None);
    }
}
