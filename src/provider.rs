//! The Maia provider: its configuration, the API client it configures, and the
//! resources it serves.

pub mod client;
pub mod config;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;

use crate::api::client::MaiaClient;
use crate::plugin::cty::Value;
use crate::plugin::schema::Schema;
use crate::plugin::traits::{CallContext, ConfigureRequest, Provider, Resource};
use crate::plugin::{Diagnostic, Diagnostics};
use crate::resources::connection::{self, ConnectionResource};

use config::{Resolution, ResolvedConfig};

/// The configured API client, shared by every resource of one provider instance.
#[derive(Debug)]
pub struct Configured {
    /// The pooled client.
    pub client: MaiaClient,
    /// Which credentials are used (never their value), for diagnostics.
    pub credentials_used: String,
}

/// State shared between the provider and its resources.
#[derive(Debug, Default)]
pub struct ProviderData {
    configured: RwLock<Option<Arc<Configured>>>,
}

impl ProviderData {
    /// The configured client, or a diagnostic saying why there is none.
    pub fn configured(&self) -> Result<Arc<Configured>, Diagnostic> {
        let guard = self.configured.read().unwrap_or_else(|e| e.into_inner());
        guard.clone().ok_or_else(|| {
            Diagnostic::error(
                "Provider not configured",
                "The maia provider's configuration was not known when this resource needed the API (a value in the provider block depends on something not yet applied). Apply what it depends on first, e.g. with -target.",
            )
        })
    }

    fn set(&self, c: Configured) {
        let mut guard = self.configured.write().unwrap_or_else(|e| e.into_inner());
        *guard = Some(Arc::new(c));
    }
}

/// The `maia` provider.
#[derive(Debug, Default)]
pub struct MaiaProvider {
    data: Arc<ProviderData>,
}

impl MaiaProvider {
    /// A new, unconfigured provider.
    pub fn new() -> Self {
        Self::default()
    }
}

fn client_for(
    resolved: &ResolvedConfig,
    terraform_version: &str,
) -> Result<MaiaClient, Diagnostics> {
    crate::provider::client::build(resolved, terraform_version)
}

#[async_trait]
impl Provider for MaiaProvider {
    fn schema(&self) -> Schema {
        config::schema()
    }

    fn resources(&self) -> BTreeMap<String, Arc<dyn Resource>> {
        let mut m: BTreeMap<String, Arc<dyn Resource>> = BTreeMap::new();
        m.insert(
            connection::TYPE_NAME.to_string(),
            Arc::new(ConnectionResource::new(self.data.clone())),
        );
        m
    }

    async fn validate_config(&self, config: &Value) -> Diagnostics {
        config::validate(config)
    }

    async fn configure(&self, _ctx: &CallContext, req: ConfigureRequest) -> Diagnostics {
        let env = |name: &str| std::env::var(name).ok();
        match config::resolve(&req.config, &env) {
            Err(diags) => diags,
            Ok(Resolution::Deferred) => Diagnostics::new(),
            Ok(Resolution::Ready(resolved)) => {
                match client_for(&resolved, &req.terraform_version) {
                    Ok(client) => {
                        tracing::debug!(base_url = %resolved.base_url, credentials = %resolved.credentials_used, "configured Maia client");
                        self.data.set(Configured {
                            client,
                            credentials_used: resolved.credentials_used,
                        });
                        Diagnostics::new()
                    }
                    Err(diags) => diags,
                }
            }
        }
    }
}
