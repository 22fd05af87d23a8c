//! The Maia REST client. Knows nothing of Terraform.
//!
//! - [`models`]: request/response bodies with the API's exact JSON names.
//! - [`client`]: [`MaiaClient`], the connections operations.
//! - [`auth`]: static token or OAuth2 client credentials (cached, single-flight).
//! - [`retry`]: which failures are retried and how long to wait.
//! - [`error`]: the [`ApiError`] type.

pub mod auth;
pub mod client;
pub mod endpoint;
pub mod error;
pub mod models;
pub mod retry;
pub mod secret;
mod transport;

pub use auth::AuthConfig;
pub use client::{ClientConfig, DeleteOutcome, ListFilter, MaiaClient};
pub use error::ApiError;
pub use retry::RetryPolicy;
pub use secret::{Secret, SecretString};
