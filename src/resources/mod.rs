//! The resource types of the Maia provider.

pub mod api_diagnostics;
pub mod attr;
pub mod connection;
