//! The resource types of the Maia provider.

pub mod attr;
pub mod connection;
