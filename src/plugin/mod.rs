//! The Terraform plugin protocol (version 6), generic: handshake, mTLS, gRPC
//! services, cty values and their codecs, schemas, diagnostics and logging.
//! Nothing in here knows about Maia.

pub mod cty;
pub mod diagnostics;
pub mod docgen;
pub mod goplugin;
pub mod grpc;
pub mod handshake;
pub mod logging;
pub mod proto;
pub mod schema;
pub mod server;
pub mod tls;
pub mod traits;

pub use diagnostics::{Diagnostic, Diagnostics, Severity};
