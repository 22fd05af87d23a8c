//! [`ProviderService`]: the state shared by all RPCs (the provider, cached
//! schemas and implied types, the stop handle) and the provider-level RPCs.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::convert;
use super::dynamic::{self, diag};
use super::guard;
use super::stop::StopHandle;
use super::write_only;
use crate::plugin::cty::Type;
use crate::plugin::diagnostics::{Diagnostic, Diagnostics};
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::schema::{IdentitySchema, Schema};
use crate::plugin::traits::{CallContext, ConfigureRequest, Provider, Resource};

/// Largest message accepted or sent, matching what Terraform allows (256 MiB).
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// One resource type, with its schemas and implied types computed once.
pub(super) struct ResourceEntry {
    pub(super) resource: Arc<dyn Resource>,
    pub(super) schema: Schema,
    pub(super) ty: Type,
    pub(super) identity: Option<(IdentitySchema, Type)>,
    /// Whether the schema has write-only attributes (nulled in every state).
    pub(super) write_only: bool,
}

/// The `tfplugin6.Provider` gRPC service over a [`Provider`] implementation.
///
/// Build it with [`ProviderService::new`], keep a [`StopHandle`] for SIGINT
/// with [`ProviderService::stop_handle`], and register
/// [`ProviderService::into_server`] with a tonic router.
pub struct ProviderService {
    pub(super) provider: Arc<dyn Provider>,
    pub(super) provider_type: Type,
    pub(super) resources: BTreeMap<String, ResourceEntry>,
    /// The GetProviderSchema answer, built once.
    pub(super) schema_response: pb::get_provider_schema::Response,
    pub(super) stop: StopHandle,
}

impl ProviderService {
    /// Wraps `provider`: collects its resource types once and caches every
    /// schema. A panic in a schema method is contained and reported on
    /// `GetProviderSchema` (the panicking resource type is left out).
    pub fn new(provider: Arc<dyn Provider>) -> Self {
        let mut startup = Diagnostics::new();
        let provider_schema =
            guard::call_sync("GetProviderSchema", "the provider", || provider.schema())
                .unwrap_or_else(|d| {
                    startup.push(d);
                    Schema::default()
                });
        let declared =
            guard::call_sync("GetProviderSchema", "the provider", || provider.resources())
                .unwrap_or_else(|d| {
                    startup.push(d);
                    BTreeMap::new()
                });

        let mut resources = BTreeMap::new();
        for (name, resource) in declared {
            let schemas = guard::call_sync("GetProviderSchema", &name, || {
                (resource.schema(), resource.identity_schema())
            });
            match schemas {
                Ok((schema, identity)) => {
                    let ty = schema.block.implied_type();
                    let write_only = write_only::has_write_only(&schema.block);
                    let identity = identity.map(|s| {
                        let t = s.implied_type();
                        (s, t)
                    });
                    resources.insert(
                        name,
                        ResourceEntry {
                            resource,
                            schema,
                            ty,
                            identity,
                            write_only,
                        },
                    );
                }
                Err(d) => startup.push(d),
            }
        }

        let schema_response = pb::get_provider_schema::Response {
            provider: Some(convert::schema(&provider_schema)),
            resource_schemas: resources
                .iter()
                .map(|(n, e)| (n.clone(), convert::schema(&e.schema)))
                .collect(),
            diagnostics: convert::diagnostics(&startup),
            server_capabilities: Some(server_capabilities()),
            ..Default::default()
        };

        Self {
            provider,
            provider_type: provider_schema.block.implied_type(),
            resources,
            schema_response,
            stop: StopHandle::default(),
        }
    }

    /// A handle whose [`StopHandle::stop`] cancels every in-flight call, as
    /// `StopProvider` does. The transport layer calls it on SIGINT.
    pub fn stop_handle(&self) -> StopHandle {
        self.stop.clone()
    }

    /// The tonic service to add to a router, with Terraform's 256 MiB
    /// message size limits in both directions.
    pub fn into_server(self) -> pb::provider_server::ProviderServer<Self> {
        pb::provider_server::ProviderServer::new(self)
            .max_decoding_message_size(MAX_MESSAGE_SIZE)
            .max_encoding_message_size(MAX_MESSAGE_SIZE)
    }

    /// The context for a call starting now.
    pub(super) fn ctx(&self) -> CallContext {
        CallContext {
            cancel: self.stop.token(),
        }
    }

    /// The resource type named `type_name`, or a diagnostic naming it.
    pub(super) fn resource(&self, type_name: &str) -> Result<&ResourceEntry, Diagnostic> {
        self.resources.get(type_name).ok_or_else(|| {
            let known: Vec<&str> = self.resources.keys().map(String::as_str).collect();
            let known = if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            };
            Diagnostic::error(
                "Unknown resource type",
                format!(
                    "This provider has no resource type named \"{type_name}\". Its resource types are: {known}."
                ),
            )
        })
    }

    // ----- provider-level RPCs -------------------------------------------

    pub(super) fn get_metadata(&self) -> pb::get_metadata::Response {
        pb::get_metadata::Response {
            server_capabilities: Some(server_capabilities()),
            diagnostics: self.schema_response.diagnostics.clone(),
            resources: self
                .resources
                .keys()
                .map(|n| pb::get_metadata::ResourceMetadata {
                    type_name: n.clone(),
                })
                .collect(),
            ..Default::default()
        }
    }

    pub(super) fn get_resource_identity_schemas(
        &self,
    ) -> pb::get_resource_identity_schemas::Response {
        pb::get_resource_identity_schemas::Response {
            identity_schemas: self
                .resources
                .iter()
                .filter_map(|(n, e)| {
                    e.identity
                        .as_ref()
                        .map(|(s, _)| (n.clone(), convert::identity_schema(s)))
                })
                .collect(),
            diagnostics: Vec::new(),
        }
    }

    pub(super) async fn validate_provider_config(
        &self,
        req: pb::validate_provider_config::Request,
    ) -> Result<Diagnostics, Diagnostics> {
        let config =
            dynamic::decode(req.config.as_ref(), &self.provider_type, "config").map_err(diag)?;
        let provider = &self.provider;
        Ok(guard::call(
            "ValidateProviderConfig",
            "the provider",
            provider.validate_config(&config),
        )
        .await?)
    }

    pub(super) async fn configure_provider(
        &self,
        req: pb::configure_provider::Request,
    ) -> Result<Diagnostics, Diagnostics> {
        let config =
            dynamic::decode(req.config.as_ref(), &self.provider_type, "config").map_err(diag)?;
        let ctx = self.ctx();
        let request = ConfigureRequest {
            config,
            terraform_version: req.terraform_version,
        };
        Ok(guard::call(
            "ConfigureProvider",
            "the provider",
            self.provider.configure(&ctx, request),
        )
        .await?)
    }
}

/// What this server tells Terraform about itself.
fn server_capabilities() -> pb::ServerCapabilities {
    pb::ServerCapabilities {
        plan_destroy: true,
        get_provider_schema_optional: false,
        move_resource_state: false,
        generate_resource_config: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::cty::Value;
    use crate::plugin::traits::{ApplyRequest, ImportRequest, PlanRequest, ReadRequest};
    use crate::plugin::traits::{ApplyResponse, ImportResponse, PlanResponse, ReadResponse};
    use async_trait::async_trait;

    /// A provider whose schema methods panic.
    struct Broken {
        resource_panics: bool,
    }

    struct BrokenResource;

    #[async_trait]
    impl Resource for BrokenResource {
        fn schema(&self) -> Schema {
            panic!("schema exploded")
        }
        async fn validate(&self, _: &Value) -> Diagnostics {
            Diagnostics::new()
        }
        async fn plan(&self, _: &CallContext, _: PlanRequest) -> PlanResponse {
            PlanResponse::default()
        }
        async fn apply(&self, _: &CallContext, _: ApplyRequest) -> ApplyResponse {
            ApplyResponse::default()
        }
        async fn read(&self, _: &CallContext, _: ReadRequest) -> ReadResponse {
            ReadResponse::default()
        }
        async fn import(&self, _: &CallContext, _: ImportRequest) -> ImportResponse {
            ImportResponse::default()
        }
    }

    #[async_trait]
    impl Provider for Broken {
        fn schema(&self) -> Schema {
            if self.resource_panics {
                Schema::default()
            } else {
                panic!("provider schema exploded")
            }
        }
        fn resources(&self) -> BTreeMap<String, Arc<dyn Resource>> {
            let mut m: BTreeMap<String, Arc<dyn Resource>> = BTreeMap::new();
            m.insert("broken_thing".into(), Arc::new(BrokenResource));
            m
        }
        async fn validate_config(&self, _: &Value) -> Diagnostics {
            Diagnostics::new()
        }
        async fn configure(&self, _: &CallContext, _: ConfigureRequest) -> Diagnostics {
            Diagnostics::new()
        }
    }

    #[test]
    fn panicking_provider_schema_is_reported_not_fatal() {
        let s = ProviderService::new(Arc::new(Broken {
            resource_panics: false,
        }));
        let d = &s.schema_response.diagnostics;
        assert!(d.iter().any(|d| d.summary == guard::INTERNAL_ERROR_SUMMARY));
        assert!(d.iter().all(|d| !d.detail.contains("exploded")));
    }

    #[test]
    fn panicking_resource_schema_leaves_the_type_out() {
        let s = ProviderService::new(Arc::new(Broken {
            resource_panics: true,
        }));
        assert!(s.resources.is_empty());
        assert!(s.schema_response.resource_schemas.is_empty());
        let d = &s.schema_response.diagnostics;
        assert_eq!(d.len(), 1);
        assert!(d[0].detail.contains("broken_thing"));
    }

    #[test]
    fn unknown_type_diagnostic_lists_known_types() {
        let s = ProviderService::new(Arc::new(Broken {
            resource_panics: true,
        }));
        let d = s
            .resource("nope")
            .err()
            .map(|d| d.detail)
            .unwrap_or_default();
        assert!(d.contains("\"nope\"") && d.contains("none"), "{d}");
    }
}
