//! Turning Maia API errors into Terraform diagnostics: RFC 7807 problem
//! details become a summary and detail, each violation its own diagnostic on
//! the attribute it names.

use crate::api::error::ApiError;
use crate::api::models::ProblemDetail;
use crate::plugin::cty::AttributePath;
use crate::plugin::{Diagnostic, Diagnostics};

/// What the provider was doing when the error happened.
#[derive(Debug, Clone, Copy)]
pub struct Operation<'a> {
    /// A verb phrase: "create", "update", "read", "delete".
    pub verb: &'a str,
    /// What was acted on, e.g. `connection "x" in project P`.
    pub object: &'a str,
    /// Which credentials were used (never their value).
    pub credentials_used: &'a str,
}

/// Most violations reported one by one; the rest are summarised.
pub const MAX_VIOLATION_DIAGNOSTICS: usize = 20;

fn problem_detail_text(status: Option<u16>, p: &ProblemDetail) -> String {
    let mut lines = Vec::new();
    if let Some(d) = p.detail.as_deref().filter(|d| !d.trim().is_empty()) {
        lines.push(d.trim().to_string());
    }
    let status = p.status.map(|s| s as u16).or(status);
    if let Some(s) = status {
        lines.push(format!("HTTP status: {s}"));
    }
    if let Some(i) = p.instance.as_deref().filter(|i| !i.is_empty()) {
        lines.push(format!("Instance: {i}"));
    }
    if let Some(t) = p
        .r#type
        .as_deref()
        .filter(|t| !t.is_empty() && *t != "about:blank")
    {
        lines.push(format!("Type: {t}"));
    }
    lines.join("\n")
}

/// Converts `err` into diagnostics. `field_path` maps a violation string to
/// the attribute it names and the message (see the resource's violations module).
pub fn from_api_error(
    err: &ApiError,
    op: Operation<'_>,
    field_path: &dyn Fn(&str) -> (Option<AttributePath>, String),
) -> Diagnostics {
    let mut diags = Diagnostics::new();
    let fallback_summary = format!("Could not {} {}", op.verb, op.object);
    match err {
        ApiError::Unauthorized { status, problem } | ApiError::Forbidden { status, problem } => {
            let (summary, what) = if *status == 403 {
                (
                    "Maia denied permission",
                    "are valid but lack permission for this project or operation",
                )
            } else {
                ("Maia rejected the credentials", "were rejected")
            };
            let mut detail = format!(
                "Could not {} {}: the credentials used, {}, {} (HTTP {status}).",
                op.verb, op.object, op.credentials_used, what
            );
            if let Some(p) = problem {
                let extra = problem_detail_text(None, p);
                if !extra.is_empty() {
                    detail.push_str("\n\n");
                    detail.push_str(&extra);
                }
            }
            diags.push(Diagnostic::error(summary, detail));
        }
        ApiError::TokenRejected { .. } => {
            diags.push(Diagnostic::error(
                "Maia rejected the credentials",
                format!(
                    "Could not {} {}: {err}. The credentials used were {}.",
                    op.verb, op.object, op.credentials_used
                ),
            ));
        }
        ApiError::Cancelled => {
            diags.push(Diagnostic::error(
                "Operation cancelled",
                format!(
                    "Terraform was interrupted while the provider was trying to {} {}.",
                    op.verb, op.object
                ),
            ));
        }
        _ => match err.problem() {
            Some(p) => {
                let summary = p
                    .title
                    .as_deref()
                    .filter(|t| !t.trim().is_empty())
                    .map(|t| format!("{fallback_summary}: {}", t.trim()))
                    .unwrap_or_else(|| fallback_summary.clone());
                diags.push(Diagnostic::error(
                    summary,
                    problem_detail_text(err.status(), p),
                ));
                for v in p.violations.iter().take(MAX_VIOLATION_DIAGNOSTICS) {
                    let (path, message) = field_path(v);
                    let d = Diagnostic::error(
                        format!("Maia refused a value: {message}"),
                        format!("Violation reported by the Maia API: {v}"),
                    );
                    diags.push(match path {
                        Some(path) => d.at(path),
                        None => d,
                    });
                }
                if p.violations.len() > MAX_VIOLATION_DIAGNOSTICS {
                    diags.push(Diagnostic::error(
                        format!("{} more violations", p.violations.len() - MAX_VIOLATION_DIAGNOSTICS),
                        "The Maia API reported more violations than are shown; fix the ones above and apply again.",
                    ));
                }
            }
            None => diags.push(Diagnostic::error(fallback_summary, err.to_string())),
        },
    }
    diags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op() -> Operation<'static> {
        Operation {
            verb: "update",
            object: "connection \"c\"",
            credentials_used: "the bearer token from MAIA_TOKEN",
        }
    }

    fn no_paths(v: &str) -> (Option<AttributePath>, String) {
        match v.split_once(':') {
            Some(("name", m)) => (Some(AttributePath::attr("name")), m.trim().to_string()),
            _ => (None, v.to_string()),
        }
    }

    #[test]
    fn a_problem_becomes_a_summary_plus_one_diagnostic_per_violation() {
        let err = ApiError::Problem {
            status: 422,
            problem: ProblemDetail {
                title: Some("Unprocessable Entity".into()),
                detail: Some("invalid".into()),
                status: Some(422),
                instance: Some("/v1/projects/p/connections".into()),
                violations: vec!["name: too long".into(), "other thing".into()],
                ..ProblemDetail::default()
            },
        };
        let d = from_api_error(&err, op(), &no_paths);
        assert_eq!(d.0.len(), 3);
        assert_eq!(
            d.0[0].summary,
            "Could not update connection \"c\": Unprocessable Entity"
        );
        assert!(d.0[0].detail.contains("HTTP status: 422"));
        assert!(d.0[0]
            .detail
            .contains("Instance: /v1/projects/p/connections"));
        assert_eq!(d.0[1].attribute, Some(AttributePath::attr("name")));
        assert_eq!(d.0[2].attribute, None);
    }

    #[test]
    fn a_thousand_violations_are_capped() {
        let err = ApiError::Problem {
            status: 400,
            problem: ProblemDetail {
                violations: (0..1000).map(|i| format!("v{i}")).collect(),
                ..ProblemDetail::default()
            },
        };
        let d = from_api_error(&err, op(), &no_paths);
        assert_eq!(d.0.len(), 1 + MAX_VIOLATION_DIAGNOSTICS + 1);
    }

    #[test]
    fn unauthorized_names_the_credentials_not_their_value() {
        let err = ApiError::Unauthorized {
            status: 401,
            problem: None,
        };
        let d = from_api_error(&err, op(), &no_paths);
        assert_eq!(d.0[0].summary, "Maia rejected the credentials");
        assert!(d.0[0].detail.contains("MAIA_TOKEN"));
    }
}
