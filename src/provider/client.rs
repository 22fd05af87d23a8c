//! Building the API client from the resolved provider configuration.

use crate::api::auth::AuthConfig;
use crate::api::client::{ClientConfig, MaiaClient};
use crate::api::retry::RetryPolicy;
use crate::api::secret::Secret;
use crate::plugin::cty::AttributePath;
use crate::plugin::{Diagnostic, Diagnostics};

use super::config::{names, ResolvedAuth, ResolvedConfig};

/// Builds the pooled client for `resolved`.
pub fn build(
    resolved: &ResolvedConfig,
    terraform_version: &str,
) -> Result<MaiaClient, Diagnostics> {
    let extra_ca_pem = match &resolved.ca_cert_file {
        None => None,
        Some(path) => Some(std::fs::read(path).map_err(|e| {
            Diagnostics::from(
                Diagnostic::error(
                    "Cannot read ca_cert_file",
                    format!("Reading \"{path}\" failed: {e}."),
                )
                .at(AttributePath::attr(names::CA_CERT_FILE)),
            )
        })?),
    };
    let auth = match &resolved.auth {
        ResolvedAuth::Token(t) => AuthConfig::Token(Secret::new(t.clone())),
        ResolvedAuth::ClientCredentials {
            client_id,
            client_secret,
            token_url,
        } => AuthConfig::ClientCredentials {
            client_id: client_id.clone(),
            client_secret: Secret::new(client_secret.clone()),
            token_url: token_url.clone(),
            audience: crate::api::auth::DEFAULT_AUDIENCE.to_string(),
        },
    };
    let retry = RetryPolicy {
        max_retries: resolved.max_retries,
        ..RetryPolicy::default()
    };
    let config = ClientConfig {
        timeout: resolved.request_timeout,
        retry,
        user_agent_terraform_version: Some(terraform_version.to_string()).filter(|v| !v.is_empty()),
        extra_ca_pem,
        ..ClientConfig::new(resolved.base_url.clone(), auth)
    };
    MaiaClient::new(config).map_err(|e| {
        Diagnostics::from(Diagnostic::error(
            "Cannot configure the Maia API client",
            e.to_string(),
        ))
    })
}
