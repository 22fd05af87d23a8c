//! The Maia REST client. Knows nothing of Terraform.

pub mod auth;
pub mod client;
pub mod error;
pub mod models;
pub mod retry;
