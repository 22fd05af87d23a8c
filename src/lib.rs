//! terraform-provider-maia: a Terraform/OpenTofu provider for Matillion's Maia
//! (Data Productivity Cloud) API.
//!
//! Layers:
//! - [`plugin`]: the Terraform plugin protocol 6, generic.
//! - [`api`]: the Maia REST client; knows nothing of Terraform.
//! - [`provider`] and [`resources`]: where Terraform meets Maia.
//! - [`emulator`]: a local Maia API for offline use and tests.

pub mod api;
pub mod emulator;
pub mod plugin;
pub mod provider;
pub mod resources;
