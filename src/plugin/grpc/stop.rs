//! Cancellation of in-flight calls (`StopProvider`, SIGINT).

use std::sync::{Arc, Mutex, MutexGuard};

use tokio_util::sync::CancellationToken;

/// Cancels every in-flight provider call, then lets new calls run again.
///
/// Cloneable and cheap; obtained from
/// [`ProviderService::stop_handle`](super::ProviderService::stop_handle).
#[derive(Debug, Clone, Default)]
pub struct StopHandle {
    current: Arc<Mutex<CancellationToken>>,
}

impl StopHandle {
    /// Cancels the token every in-flight call holds and installs a fresh one,
    /// so calls that start afterwards are not cancelled. Returns at once.
    pub fn stop(&self) {
        let mut current = self.lock();
        current.cancel();
        *current = CancellationToken::new();
    }

    /// The token to hand to a call starting now.
    pub fn token(&self) -> CancellationToken {
        self.lock().clone()
    }

    fn lock(&self) -> MutexGuard<'_, CancellationToken> {
        // Nothing can panic while the lock is held; recover anyway.
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_cancels_old_tokens_only() {
        let h = StopHandle::default();
        let before = h.token();
        h.clone().stop();
        assert!(before.is_cancelled());
        assert!(!h.token().is_cancelled());
    }
}
