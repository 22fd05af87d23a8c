//! Shared helpers for the integration tests.
pub mod plugin_client;
