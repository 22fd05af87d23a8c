//! A local, faithful emulator of the Maia connections API.
//!
//! Serves, on 127.0.0.1:
//! - `/dpc/v1/projects/{projectId}/connections`: create (`POST`), list
//!   (`GET`), update (`PUT ?connectionName=`, full replacement) and delete
//!   (`DELETE ?connectionName=`), validated against the OpenAPI seed (see
//!   [`validation`]), errors as problem+json (see [`problem`] for the
//!   violation format);
//! - `/dpc/v1/projects/{projectId}/connections/environment-overrides`:
//!   environment overrides (see [`overrides`]);
//! - `POST /oauth/dpc/token`: OAuth2 client credentials (see [`auth`]);
//! - `/_emulator/...`: admin routes (faults, request log, state dump, stats; see [`admin`]).
//!
//! Start one in-process with [`spawn`], or run the `maia-emulator` binary.
//! It shares no types with the client in `crate::api`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), terraform_provider_maia::emulator::EmulatorError> {
//! use terraform_provider_maia::emulator::{spawn, EmulatorConfig, FaultConfig};
//! let emu = spawn(EmulatorConfig::default()).await?; // free port, in-memory state
//! let base = emu.base_url(); // http://127.0.0.1:PORT/dpc, token "maia-emulator-token"
//! emu.set_faults(FaultConfig { status: Some(429), count: Some(1), retry_after_secs: Some(1), ..Default::default() });
//! // ... drive the client against `base` / `emu.token_url()` ...
//! let sent = emu.requests(); // what the client really sent (Authorization redacted)
//! emu.shutdown().await;
//! # let _ = (base, sent); Ok(()) }
//! ```
//!
//! Behaviour worth knowing:
//! - Lists are sorted by connection name; `page` is 0-based, `size` 1..=100 (default 25).
//! - `PUT` replaces `platformConnectionType`, `authType` and `connectionDetails`
//!   entirely (omitted = unset); `name`, `authProvider`, `createdBy`,
//!   `createdDate` are kept. The update body rejects `name`/`authProvider` as unknown fields.
//! - POST/PUT need `Content-Type: application/json` (else 415).
//! - Responses never contain `null`; absent optional fields are omitted.
//! - The state file holds connections and issued tokens; it is rewritten
//!   (temp file + rename) before each mutating call is answered.

pub mod admin;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod faults;
pub mod model;
pub mod overrides;
pub mod persistence;
pub mod problem;
pub mod request_log;
pub mod routes;
pub mod server;
pub mod store;
pub mod validation;

pub use config::{EmulatorConfig, DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_TOKEN};
pub use error::EmulatorError;
pub use faults::FaultConfig;
pub use request_log::LoggedRequest;
pub use server::{spawn, EmulatorHandle};
