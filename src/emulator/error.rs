//! Errors the emulator reports to whoever starts it.

use std::path::PathBuf;

/// Failure to start or run the emulator.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// The listening socket could not be bound.
    #[error("cannot bind 127.0.0.1:{port}: {source}")]
    Bind {
        /// Requested port.
        port: u16,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// The state file exists but could not be read.
    #[error("cannot read state file {path}: {source}")]
    ReadState {
        /// The state file.
        path: PathBuf,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// The state file is not valid emulator state.
    #[error("state file {path} is not valid emulator state: {source}")]
    ParseState {
        /// The state file.
        path: PathBuf,
        /// Underlying JSON error.
        source: serde_json::Error,
    },
    /// The state file could not be written.
    #[error("cannot write state file {path}: {source}")]
    WriteState {
        /// The state file.
        path: PathBuf,
        /// Underlying I/O error.
        source: std::io::Error,
    },
    /// The state could not be serialized.
    #[error("cannot serialize state: {0}")]
    SerializeState(serde_json::Error),
    /// Invalid configuration (bad flag value, etc.).
    #[error("invalid configuration: {0}")]
    Config(String),
}
