//! Shared helpers for the integration tests. Include with `mod support;`.
//!
//! Each integration test crate uses only part of this module, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod emulator;
pub mod plugin_client;
pub mod provider;
pub mod terraform;
