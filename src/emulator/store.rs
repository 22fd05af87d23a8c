//! In-memory state (connections per project, issued tokens), optionally
//! persisted after every mutation.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use super::error::EmulatorError;
use super::model::{StoredConnection, StoredOverride};
use super::persistence;
use super::problem::Problem;

/// A token issued by the OAuth endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IssuedToken {
    /// Client the token was issued to (recorded as `createdBy`).
    pub client_id: String,
    /// Expiry, milliseconds since the Unix epoch.
    pub expires_at_ms: i64,
}

/// Everything the emulator remembers; this is the state file's content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Project id → connection name → connection.
    #[serde(default)]
    pub projects: BTreeMap<String, BTreeMap<String, StoredConnection>>,
    /// Project id → environment name → connection name → override.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub overrides: BTreeMap<String, BTreeMap<String, BTreeMap<String, StoredOverride>>>,
    /// Issued token → its record.
    #[serde(default)]
    pub tokens: BTreeMap<String, IssuedToken>,
}

/// The shared state plus where to persist it.
#[derive(Debug)]
pub struct Store {
    state: Mutex<State>,
    file: Option<PathBuf>,
}

impl Store {
    /// Loads the state file (if any) and keeps its path for saving.
    pub fn open(file: Option<PathBuf>) -> Result<Self, EmulatorError> {
        let state = match &file {
            Some(path) => persistence::load(path)?,
            None => State::default(),
        };
        Ok(Store {
            state: Mutex::new(state),
            file,
        })
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads the state.
    pub fn read<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        f(&self.lock())
    }

    /// Applies a mutation. With a state file the mutation is applied to a
    /// copy, saved, and only then committed (a failed save leaves the state
    /// unchanged and answers 500); without one it is applied in place.
    /// `f` must return `Err` before changing anything.
    pub fn mutate<R>(
        &self,
        f: impl FnOnce(&mut State) -> Result<R, Problem>,
    ) -> Result<R, Problem> {
        let mut guard = self.lock();
        let Some(path) = &self.file else {
            // Nothing can fail after `f`: mutate in place (`f` only
            // mutates once it has decided to succeed).
            return f(&mut guard);
        };
        let mut next = guard.clone();
        let result = f(&mut next)?;
        persistence::save(path, &next)
            .map_err(|e| Problem::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        *guard = next;
        Ok(result)
    }

    /// Drops expired tokens (called when issuing), persisting if anything changed.
    pub fn prune_tokens(&self, now_ms: i64) {
        let any_expired = self.read(|s| s.tokens.values().any(|t| t.expires_at_ms <= now_ms));
        if any_expired {
            let _ = self.mutate(|s| {
                s.tokens.retain(|_, t| t.expires_at_ms > now_ms);
                Ok(())
            });
        }
    }
}
