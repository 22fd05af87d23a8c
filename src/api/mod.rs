//! The Maia REST client. Knows nothing of Terraform.
//!
//! - [`models`]: request/response bodies with the API's exact JSON names.
//! - [`client`]: [`MaiaClient`], the connections operations.
//! - [`auth`]: static token or OAuth2 client credentials (cached, single-flight).
//! - [`overrides`]: environment overrides of connections.
//! - [`retry`]: which failures are retried and how long to wait.
//! - [`error`]: the [`ApiError`] type.
//! - [`endpoint`]: `https://` everywhere, `http://` only for loopback.
//! - [`secret`]: [`Secret`], a string with a redacted `Debug`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), terraform_provider_maia::api::ApiError> {
//! use terraform_provider_maia::api::{AuthConfig, ClientConfig, MaiaClient};
//! use tokio_util::sync::CancellationToken;
//!
//! let config = ClientConfig::new(
//!     "https://eu1.api.matillion.com/dpc",
//!     AuthConfig::client_credentials("my-client-id", "my-client-secret"),
//! );
//! let client = MaiaClient::new(config)?;
//! let cancel = CancellationToken::new();
//! let found = client
//!     .get_connection("550e8400-e29b-41d4-a716-446655440002", "my-conn", &cancel)
//!     .await?;
//! # let _ = found;
//! # Ok(())
//! # }
//! ```

// `ApiError` carries problem documents inline (as callers match on them);
// its size is irrelevant next to a network round trip.
#![allow(clippy::result_large_err)]

pub mod auth;
pub mod client;
pub mod endpoint;
pub mod error;
pub mod models;
pub mod overrides;
pub mod retry;
pub mod secret;
mod transport;

pub use auth::AuthConfig;
pub use client::{ClientConfig, DeleteOutcome, ListFilter, MaiaClient};
pub use error::ApiError;
pub use overrides::OverrideFilter;
pub use retry::RetryPolicy;
pub use secret::{Secret, SecretString};
