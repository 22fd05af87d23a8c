//! A local, faithful emulator of the Maia connections API.
//!
//! Serves, on 127.0.0.1:
//! - `/dpc/v1/projects/{projectId}/connections`: create (`POST`), list
//!   (`GET`), update (`PUT ?connectionName=`, full replacement) and delete
//!   (`DELETE ?connectionName=`), validated against the OpenAPI seed (see
//!   [`validation`]), errors as problem+json (see [`problem`] for the
//!   violation format);
//! - `POST /oauth/dpc/token`: OAuth2 client credentials (see [`auth`]);
//! - `/_emulator/...`: admin routes (faults, request log, state dump, stats; see [`admin`]).
//!
//! Start one in-process with [`spawn`], or run the `maia-emulator` binary.
//! It shares no types with the client in `crate::api`.

pub mod admin;
pub mod app;
pub mod auth;
pub mod cli;
pub mod config;
pub mod error;
pub mod faults;
pub mod model;
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
