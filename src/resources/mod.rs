//! The resource types of the Maia provider.

pub mod connection;
