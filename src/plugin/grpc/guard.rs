//! Panic containment: a panic inside provider code becomes an error
//! diagnostic, and the plugin keeps serving.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;

use crate::plugin::diagnostics::Diagnostic;

/// The summary of every internal-error diagnostic.
pub const INTERNAL_ERROR_SUMMARY: &str = "The provider hit an internal error";

/// The diagnostic for a panic during `rpc` on `subject` (a type name or
/// "the provider"). It deliberately carries no panic text: that may hold
/// configuration values or secrets.
pub fn internal_error(rpc: &str, subject: &str) -> Diagnostic {
    Diagnostic::error(
        INTERNAL_ERROR_SUMMARY,
        format!(
            "The provider hit an internal error while handling {rpc} for {subject}. This is a bug in the provider, not in your configuration; please report it. The provider is still running, but this operation did not complete: if it was changing a remote object, check that object before retrying."
        ),
    )
}

/// Runs `fut`, turning a panic into [`internal_error`].
pub async fn call<F, T>(rpc: &'static str, subject: &str, fut: F) -> Result<T, Diagnostic>
where
    F: Future<Output = T>,
{
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(v) => Ok(v),
        Err(payload) => {
            forget_payload(payload);
            tracing::error!(
                rpc,
                subject,
                "provider code panicked; answered with an error diagnostic"
            );
            Err(internal_error(rpc, subject))
        }
    }
}

/// Runs `f`, turning a panic into [`internal_error`].
pub fn call_sync<T>(
    rpc: &'static str,
    subject: &str,
    f: impl FnOnce() -> T,
) -> Result<T, Diagnostic> {
    match std::panic::catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Ok(v),
        Err(payload) => {
            forget_payload(payload);
            tracing::error!(
                rpc,
                subject,
                "provider code panicked; answered with an error diagnostic"
            );
            Err(internal_error(rpc, subject))
        }
    }
}

/// Drops a panic payload without letting a panicking `Drop` escape.
fn forget_payload(payload: Box<dyn std::any::Any + Send>) {
    let _ = std::panic::catch_unwind(AssertUnwindSafe(move || drop(payload)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn async_panic_becomes_diagnostic_without_panic_text() {
        let r: Result<(), _> = call("ApplyResourceChange", "test_thing", async {
            panic!("secret-token-123");
        })
        .await;
        let d = r.expect_err("panic must be caught");
        assert_eq!(d.summary, INTERNAL_ERROR_SUMMARY);
        assert!(d.detail.contains("ApplyResourceChange"));
        assert!(d.detail.contains("test_thing"));
        assert!(!d.detail.contains("secret-token-123"));
    }

    #[test]
    fn sync_panic_becomes_diagnostic() {
        let r: Result<(), _> = call_sync("UpgradeResourceState", "x", || panic!("boom"));
        assert!(r.is_err());
        assert_eq!(call_sync("UpgradeResourceState", "x", || 5).ok(), Some(5));
    }
}
