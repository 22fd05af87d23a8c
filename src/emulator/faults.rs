//! Fault injection: error statuses, latency and dropped connections.
//!
//! A [`FaultConfig`] is set from the command line, from
//! [`EmulatorHandle::set_faults`](super::EmulatorHandle::set_faults) or with
//! `POST /_emulator/faults` (JSON body, every field optional):
//!
//! ```json
//! {"status": 503, "count": 2, "retry_after_secs": 1, "latency_ms": 50,
//!  "latency_jitter_ms": 20, "drop_rate": 0.1, "drop_count": 1, "apply_to_token": false,
//!  "statuses": [{"status": 503, "rate": 0.2}, {"status": 429, "rate": 0.1, "retry_after_secs": 1}],
//!  "problem": {"title": "Unprocessable Entity", "violations": ["name: taken"]}}
//! ```
//!
//! Per request the injector first sleeps `latency_ms` plus a random
//! `0..=latency_jitter_ms` (or, with `latency_after_handling`, sleeps after
//! serving, before answering), then decides to drop the TCP connection
//! (`drop_count` next requests, else with probability `drop_rate`; before
//! serving it, or after when `drop_after_handling`), then to
//! answer with `status` (the next `count` requests; else with probability
//! `rate`; with neither, every request), else to answer with one of
//! `statuses` (one random draw: entry *i* wins with probability `rate_i`,
//! so the rates should add up to at most 1). An injected status carries
//! `problem` as its JSON body when set (`status` and `instance` filled in
//! when absent), else a generic problem. Faults apply to API routes, and to
//! the token route when `apply_to_token` is true; never to admin routes.

use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One of several statuses injected at random ([`FaultConfig::statuses`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatusFault {
    /// HTTP status answered instead of the real response.
    pub status: u16,
    /// Fraction (0..=1) of requests answered with `status`.
    pub rate: f64,
    /// Add `Retry-After: N` to these responses (else the config's `retry_after_secs`).
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
}

/// What faults to inject. All fields are optional; the default injects nothing.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FaultConfig {
    /// HTTP status answered instead of the real response (e.g. 429, 500, 503).
    pub status: Option<u16>,
    /// Answer `status` for exactly the next N requests.
    pub count: Option<u64>,
    /// Answer `status` for this fraction (0..=1) of requests.
    pub rate: Option<f64>,
    /// Add `Retry-After: N` to injected status responses.
    pub retry_after_secs: Option<u64>,
    /// Fixed latency added to every affected request.
    pub latency_ms: u64,
    /// Random extra latency, uniform in `0..=latency_jitter_ms`.
    pub latency_jitter_ms: u64,
    /// Add the latency after the request is served instead of before: the
    /// change is made at once and only the answer is late (so a client that
    /// gives up waiting leaves the change made).
    pub latency_after_handling: bool,
    /// Close the TCP connection without a response for this fraction of requests.
    pub drop_rate: Option<f64>,
    /// Close the TCP connection without a response for the next N requests.
    pub drop_count: Option<u64>,
    /// Dropped requests are served first (a create is stored, a delete
    /// done) and only their response is lost, as when a connection breaks
    /// after the server acted. Default: dropped before serving.
    pub drop_after_handling: bool,
    /// Also apply faults to `POST /oauth/dpc/token`.
    pub apply_to_token: bool,
    /// Several statuses injected at random, each with its own rate; consulted
    /// when `status` did not fire.
    pub statuses: Vec<StatusFault>,
    /// JSON body (a problem document) of injected status responses, instead
    /// of the generic "Injected fault" problem.
    pub problem: Option<Value>,
}

impl FaultConfig {
    /// Checks ranges: statuses 100..=599, fractions within 0..=1.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(status) = self.status {
            if !(100..=599).contains(&status) {
                return Err(format!("status: {status} is not an HTTP status code"));
            }
        }
        for (name, value) in [("rate", self.rate), ("drop_rate", self.drop_rate)] {
            if let Some(v) = value {
                if !(0.0..=1.0).contains(&v) {
                    return Err(format!("{name}: {v} is not a fraction between 0 and 1"));
                }
            }
        }
        if self.status.is_none() && (self.count.is_some() || self.rate.is_some()) {
            return Err("count/rate: need a status to inject".to_string());
        }
        let mut total = 0.0;
        for (i, s) in self.statuses.iter().enumerate() {
            if !(100..=599).contains(&s.status) {
                return Err(format!(
                    "statuses[{i}].status: {} is not an HTTP status code",
                    s.status
                ));
            }
            if !(0.0..=1.0).contains(&s.rate) {
                return Err(format!(
                    "statuses[{i}].rate: {} is not a fraction between 0 and 1",
                    s.rate
                ));
            }
            total += s.rate;
        }
        if total > 1.0 + 1e-9 {
            return Err(format!(
                "statuses: the rates add up to {total}, more than 1"
            ));
        }
        if self.problem.as_ref().is_some_and(|p| !p.is_object()) {
            return Err("problem: must be a JSON object".to_string());
        }
        Ok(())
    }
}

/// The decision for one request.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultAction {
    /// Serve the request normally.
    Pass,
    /// Close the connection without answering.
    Drop,
    /// Answer with this status (and optional Retry-After seconds).
    Status {
        /// Status code to answer.
        status: u16,
        /// Value of the Retry-After header, if any.
        retry_after_secs: Option<u64>,
        /// The problem body to send, if configured.
        problem: Option<Value>,
    },
}

/// Live fault state: the configuration plus the remaining counts.
#[derive(Debug, Default)]
pub struct FaultInjector {
    inner: Mutex<FaultConfig>,
}

impl FaultInjector {
    /// Starts with the given faults.
    pub fn new(config: FaultConfig) -> Self {
        FaultInjector {
            inner: Mutex::new(config),
        }
    }

    /// Replaces the faults (counts restart).
    pub fn set(&self, config: FaultConfig) {
        *self.lock() = config;
    }

    /// The current faults, with counts as remaining now.
    pub fn get(&self) -> FaultConfig {
        self.lock().clone()
    }

    /// Whether faults apply to the token route.
    pub fn applies_to_token(&self) -> bool {
        self.lock().apply_to_token
    }

    /// Whether latency is added after serving rather than before.
    pub fn latency_after_handling(&self) -> bool {
        self.lock().latency_after_handling
    }

    /// Whether dropped requests are served before their connection is closed.
    pub fn drops_after_handling(&self) -> bool {
        self.lock().drop_after_handling
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FaultConfig> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Latency to add to the next request.
    pub fn latency(&self) -> Duration {
        let cfg = self.lock();
        let jitter = if cfg.latency_jitter_ms > 0 {
            rand::random_range(0..=cfg.latency_jitter_ms)
        } else {
            0
        };
        Duration::from_millis(cfg.latency_ms.saturating_add(jitter))
    }

    /// Decides (and consumes counts) for one request.
    pub fn decide(&self) -> FaultAction {
        let mut cfg = self.lock();
        if let Some(n) = cfg.drop_count {
            if n > 0 {
                cfg.drop_count = Some(n - 1);
                return FaultAction::Drop;
            }
        }
        if let Some(rate) = cfg.drop_rate {
            if rate > 0.0 && rand::random_bool(rate.min(1.0)) {
                return FaultAction::Drop;
            }
        }
        let problem = cfg.problem.clone();
        let Some(status) = cfg.status else {
            return Self::pick_status(&cfg, problem);
        };
        let retry_after_secs = cfg.retry_after_secs;
        let hit = match (cfg.count, cfg.rate) {
            (Some(n), _) if n > 0 => {
                cfg.count = Some(n - 1);
                true
            }
            (Some(_), _) => false,
            (None, Some(rate)) => rate > 0.0 && rand::random_bool(rate.min(1.0)),
            (None, None) => true,
        };
        if hit {
            FaultAction::Status {
                status,
                retry_after_secs,
                problem,
            }
        } else {
            Self::pick_status(&cfg, problem)
        }
    }

    /// One draw over `statuses`: entry *i* wins with probability `rate_i`.
    fn pick_status(cfg: &FaultConfig, problem: Option<Value>) -> FaultAction {
        if cfg.statuses.is_empty() {
            return FaultAction::Pass;
        }
        let draw: f64 = rand::random();
        let mut upto = 0.0;
        for s in &cfg.statuses {
            upto += s.rate;
            if draw < upto {
                return FaultAction::Status {
                    status: s.status,
                    retry_after_secs: s.retry_after_secs.or(cfg.retry_after_secs),
                    problem,
                };
            }
        }
        FaultAction::Pass
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_limits_status_faults_to_next_n_requests() {
        let inj = FaultInjector::new(FaultConfig {
            status: Some(503),
            count: Some(2),
            retry_after_secs: Some(3),
            ..Default::default()
        });
        let hit = FaultAction::Status {
            status: 503,
            retry_after_secs: Some(3),
            problem: None,
        };
        assert_eq!(inj.decide(), hit);
        assert_eq!(inj.decide(), hit);
        assert_eq!(inj.decide(), FaultAction::Pass);
    }

    #[test]
    fn drop_count_comes_before_status() {
        let inj = FaultInjector::new(FaultConfig {
            status: Some(500),
            drop_count: Some(1),
            ..Default::default()
        });
        assert_eq!(inj.decide(), FaultAction::Drop);
        assert!(matches!(
            inj.decide(),
            FaultAction::Status { status: 500, .. }
        ));
    }

    #[test]
    fn rate_zero_never_fires_and_one_always_fires() {
        let never = FaultInjector::new(FaultConfig {
            status: Some(500),
            rate: Some(0.0),
            ..Default::default()
        });
        let always = FaultInjector::new(FaultConfig {
            status: Some(500),
            rate: Some(1.0),
            ..Default::default()
        });
        for _ in 0..50 {
            assert_eq!(never.decide(), FaultAction::Pass);
            assert!(matches!(always.decide(), FaultAction::Status { .. }));
        }
    }

    #[test]
    fn several_statuses_fire_at_about_their_rates() {
        let inj = FaultInjector::new(FaultConfig {
            statuses: vec![
                StatusFault {
                    status: 503,
                    rate: 0.2,
                    retry_after_secs: None,
                },
                StatusFault {
                    status: 429,
                    rate: 0.1,
                    retry_after_secs: Some(1),
                },
            ],
            ..Default::default()
        });
        let (mut s503, mut s429, mut pass) = (0, 0, 0);
        for _ in 0..10_000 {
            match inj.decide() {
                FaultAction::Status {
                    status: 503,
                    retry_after_secs: None,
                    ..
                } => s503 += 1,
                FaultAction::Status {
                    status: 429,
                    retry_after_secs: Some(1),
                    ..
                } => s429 += 1,
                FaultAction::Pass => pass += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!((1700..2300).contains(&s503), "{s503}");
        assert!((800..1200).contains(&s429), "{s429}");
        assert!((6500..7500).contains(&pass), "{pass}");
    }

    #[test]
    fn injected_statuses_carry_the_configured_problem() {
        let problem =
            serde_json::json!({"title": "Unprocessable Entity", "violations": ["name: no"]});
        let inj = FaultInjector::new(FaultConfig {
            status: Some(422),
            count: Some(1),
            problem: Some(problem.clone()),
            ..Default::default()
        });
        assert_eq!(
            inj.decide(),
            FaultAction::Status {
                status: 422,
                retry_after_secs: None,
                problem: Some(problem)
            }
        );
        assert_eq!(inj.decide(), FaultAction::Pass);
    }

    #[test]
    fn validate_rejects_bad_ranges() {
        let too_much = FaultConfig {
            statuses: vec![
                StatusFault {
                    status: 503,
                    rate: 0.7,
                    retry_after_secs: None,
                },
                StatusFault {
                    status: 429,
                    rate: 0.7,
                    retry_after_secs: None,
                },
            ],
            ..Default::default()
        };
        assert!(too_much.validate().is_err());
        let not_object = FaultConfig {
            problem: Some(serde_json::json!([1])),
            ..Default::default()
        };
        assert!(not_object.validate().is_err());
        let bad = FaultConfig {
            rate: Some(1.5),
            status: Some(500),
            ..Default::default()
        };
        assert!(bad.validate().is_err());
        let no_status = FaultConfig {
            count: Some(1),
            ..Default::default()
        };
        assert!(no_status.validate().is_err());
        assert!(FaultConfig::default().validate().is_ok());
    }
}
