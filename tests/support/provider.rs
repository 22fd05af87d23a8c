//! The provider configured in-process, for tests that call resources through
//! the provider traits rather than through Terraform.

use std::sync::Arc;

use terraform_provider_maia::plugin::cty::Value;
use terraform_provider_maia::plugin::traits::{CallContext, ConfigureRequest, Provider, Resource};
use terraform_provider_maia::provider::MaiaProvider;

/// Configures a provider with the provider-block `config` (attribute name →
/// value) and returns it with its `maia_connection` resource.
pub async fn configured_connection_resource(
    config: &[(&str, Value)],
) -> (MaiaProvider, Arc<dyn Resource>) {
    let provider = MaiaProvider::new();
    let config = Value::object(config.iter().cloned());
    let diags = provider
        .configure(
            &CallContext::default(),
            ConfigureRequest {
                config,
                terraform_version: "1.15.5".into(),
            },
        )
        .await;
    assert!(diags.is_empty(), "configure: {diags:?}");
    let resource = provider
        .resources()
        .remove("maia_connection")
        .expect("maia_connection is served");
    (provider, resource)
}
