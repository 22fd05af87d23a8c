//! [`ProviderService`]: the state shared by all RPCs, and the logic of the
//! RPCs this layer supports (provider configuration and managed resources).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::convert;
use super::dynamic::{self, DynamicValueError};
use super::guard;
use super::stop::StopHandle;
use crate::plugin::cty::{Type, Value};
use crate::plugin::diagnostics::{Diagnostic, Diagnostics};
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::schema::{IdentitySchema, Schema};
use crate::plugin::traits::{
    ApplyRequest, CallContext, ConfigureRequest, ImportRequest, PlanRequest, Provider, ReadRequest,
    Resource,
};

/// Largest message accepted or sent, matching what Terraform allows (256 MiB).
pub const MAX_MESSAGE_SIZE: usize = 256 << 20;

/// One resource type, with its schemas and implied types computed once.
pub(super) struct ResourceEntry {
    pub(super) resource: Arc<dyn Resource>,
    pub(super) schema: Schema,
    pub(super) ty: Type,
    pub(super) identity: Option<(IdentitySchema, Type)>,
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

    // ----- managed resources ---------------------------------------------

    pub(super) async fn validate_resource_config(
        &self,
        req: pb::validate_resource_config::Request,
    ) -> Result<Diagnostics, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let config = dynamic::decode(req.config.as_ref(), &entry.ty, "config").map_err(diag)?;
        Ok(guard::call(
            "ValidateResourceConfig",
            &req.type_name,
            entry.resource.validate(&config),
        )
        .await?)
    }

    pub(super) async fn read_resource(
        &self,
        req: pb::read_resource::Request,
    ) -> Result<pb::read_resource::Response, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let current_state = dynamic::decode(req.current_state.as_ref(), &entry.ty, "current_state")
            .map_err(diag)?;
        let current_identity =
            decode_identity(entry, req.current_identity.as_ref(), "current_identity")?;
        let ctx = self.ctx();
        let call = entry.resource.read(
            &ctx,
            ReadRequest {
                current_state,
                private: req.private,
                current_identity,
            },
        );
        let out = match guard::call("ReadResource", &req.type_name, call).await {
            Ok(out) => out,
            // Keep the state Terraform has rather than suggesting it is gone.
            Err(d) => {
                return Ok(pb::read_resource::Response {
                    new_state: req.current_state,
                    new_identity: req.current_identity,
                    diagnostics: convert::diagnostics(&d.into()),
                    ..Default::default()
                })
            }
        };
        let mut diags = out.diagnostics;
        let new_state = encode_into(&out.new_state, &entry.ty, "new_state", &mut diags);
        let new_identity =
            encode_identity(entry, out.new_identity.as_ref(), "new_identity", &mut diags);
        Ok(pb::read_resource::Response {
            new_state,
            diagnostics: convert::diagnostics(&diags),
            private: out.private,
            deferred: None,
            new_identity,
        })
    }

    pub(super) async fn plan_resource_change(
        &self,
        req: pb::plan_resource_change::Request,
    ) -> Result<pb::plan_resource_change::Response, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let prior_state =
            dynamic::decode(req.prior_state.as_ref(), &entry.ty, "prior_state").map_err(diag)?;
        let proposed_new_state = dynamic::decode(
            req.proposed_new_state.as_ref(),
            &entry.ty,
            "proposed_new_state",
        )
        .map_err(diag)?;
        let config = dynamic::decode(req.config.as_ref(), &entry.ty, "config").map_err(diag)?;
        let prior_identity = decode_identity(entry, req.prior_identity.as_ref(), "prior_identity")?;
        let ctx = self.ctx();
        let call = entry.resource.plan(
            &ctx,
            PlanRequest {
                prior_state,
                proposed_new_state,
                config,
                prior_private: req.prior_private,
                prior_identity,
            },
        );
        let out = guard::call("PlanResourceChange", &req.type_name, call).await?;
        let mut diags = out.diagnostics;
        let planned_state = encode_into(&out.planned_state, &entry.ty, "planned_state", &mut diags);
        let planned_identity = encode_identity(
            entry,
            out.planned_identity.as_ref(),
            "planned_identity",
            &mut diags,
        );
        Ok(pb::plan_resource_change::Response {
            planned_state,
            requires_replace: out
                .requires_replace
                .iter()
                .map(convert::attribute_path)
                .collect(),
            planned_private: out.planned_private,
            diagnostics: convert::diagnostics(&diags),
            legacy_type_system: false,
            deferred: None,
            planned_identity,
        })
    }

    pub(super) async fn apply_resource_change(
        &self,
        req: pb::apply_resource_change::Request,
    ) -> Result<pb::apply_resource_change::Response, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let prior_state =
            dynamic::decode(req.prior_state.as_ref(), &entry.ty, "prior_state").map_err(diag)?;
        let planned_state = dynamic::decode(req.planned_state.as_ref(), &entry.ty, "planned_state")
            .map_err(diag)?;
        let config = dynamic::decode(req.config.as_ref(), &entry.ty, "config").map_err(diag)?;
        let planned_identity =
            decode_identity(entry, req.planned_identity.as_ref(), "planned_identity")?;
        let ctx = self.ctx();
        let call = entry.resource.apply(
            &ctx,
            ApplyRequest {
                prior_state,
                planned_state,
                config,
                planned_private: req.planned_private,
                planned_identity,
            },
        );
        let out = match guard::call("ApplyResourceChange", &req.type_name, call).await {
            Ok(out) => out,
            // What happened remotely is unknown: keep the prior state (null
            // for a create), which is what Terraform records on error anyway.
            Err(d) => {
                return Ok(pb::apply_resource_change::Response {
                    new_state: req.prior_state,
                    diagnostics: convert::diagnostics(&d.into()),
                    ..Default::default()
                })
            }
        };
        let mut diags = out.diagnostics;
        let new_state = encode_into(&out.new_state, &entry.ty, "new_state", &mut diags);
        let new_identity =
            encode_identity(entry, out.new_identity.as_ref(), "new_identity", &mut diags);
        Ok(pb::apply_resource_change::Response {
            new_state,
            private: out.private,
            diagnostics: convert::diagnostics(&diags),
            legacy_type_system: false,
            new_identity,
        })
    }

    pub(super) async fn import_resource_state(
        &self,
        req: pb::import_resource_state::Request,
    ) -> Result<pb::import_resource_state::Response, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let identity = decode_identity(entry, req.identity.as_ref(), "identity")?;
        if req.identity.is_some() && entry.identity.is_none() {
            return Err(Diagnostic::error(
                "Import by identity is not supported",
                format!(
                    "The resource type \"{}\" has no resource identity; import it by ID instead.",
                    req.type_name
                ),
            )
            .into());
        }
        let ctx = self.ctx();
        let call = entry.resource.import(
            &ctx,
            ImportRequest {
                id: req.id,
                identity,
            },
        );
        let out = guard::call("ImportResourceState", &req.type_name, call).await?;
        let mut diags = out.diagnostics;
        let imported_resources = out
            .imported
            .iter()
            .map(|r| pb::import_resource_state::ImportedResource {
                type_name: req.type_name.clone(),
                state: encode_into(&r.state, &entry.ty, "state", &mut diags),
                private: r.private.clone(),
                identity: encode_identity(entry, r.identity.as_ref(), "identity", &mut diags),
            })
            .collect();
        Ok(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: convert::diagnostics(&diags),
            deferred: None,
        })
    }

    pub(super) fn upgrade_resource_state(
        &self,
        req: pb::upgrade_resource_state::Request,
    ) -> Result<pb::upgrade_resource_state::Response, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let raw = req.raw_state.unwrap_or_default();
        if raw.json.is_empty() {
            let detail = if raw.flatmap.is_empty() {
                "Terraform sent no stored state to upgrade.".to_string()
            } else {
                "The stored state is in the legacy \"flatmap\" format written by Terraform versions before 0.12, which this provider cannot read. Upgrade the state with an intermediate Terraform version (0.12 to 0.15) first, or remove the object from state and import it again.".to_string()
            };
            return Err(Diagnostic::error("Unsupported state format", detail).into());
        }
        let current = entry.schema.version;
        let value = if req.version == current {
            dynamic::decode_raw_json(&raw.json, &entry.ty, "raw_state").map_err(diag)?
        } else if req.version > current {
            return Err(Diagnostic::error(
                "State written by a newer provider version",
                format!(
                    "The state of this \"{}\" object was written at schema version {}, but this provider version only knows versions up to {current}. Use the provider version that wrote the state, or a newer one.",
                    req.type_name, req.version
                ),
            )
            .into());
        } else {
            let json: serde_json::Value = serde_json::from_slice(&raw.json)
                .map_err(|source| DynamicValueError::NotJson {
                    field: "raw_state",
                    source,
                })
                .map_err(diag)?;
            let resource = &entry.resource;
            guard::call_sync("UpgradeResourceState", &req.type_name, || {
                resource.upgrade_state(req.version, json)
            })??
        };
        let upgraded_state = dynamic::encode(&value, &entry.ty, "upgraded_state").map_err(diag)?;
        Ok(pb::upgrade_resource_state::Response {
            upgraded_state: Some(upgraded_state),
            diagnostics: Vec::new(),
        })
    }

    pub(super) fn upgrade_resource_identity(
        &self,
        req: pb::upgrade_resource_identity::Request,
    ) -> Result<pb::upgrade_resource_identity::Response, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let Some((schema, ty)) = &entry.identity else {
            return Err(Diagnostic::error(
                "Resource identity is not supported",
                format!(
                    "The resource type \"{}\" has no resource identity, so there is no identity to upgrade.",
                    req.type_name
                ),
            )
            .into());
        };
        if req.version != schema.version {
            return Err(Diagnostic::error(
                "Unsupported identity version",
                format!(
                    "The identity of this \"{}\" object was written at identity version {}, but this provider version uses version {}. Use the provider version that wrote it.",
                    req.type_name, req.version, schema.version
                ),
            )
            .into());
        }
        let raw = req.raw_identity.unwrap_or_default();
        if raw.json.is_empty() {
            return Err(Diagnostic::error(
                "Unsupported identity format",
                "Terraform sent no stored identity in JSON form to upgrade.",
            )
            .into());
        }
        let value = dynamic::decode_raw_json(&raw.json, ty, "raw_identity").map_err(diag)?;
        let identity_data = dynamic::encode(&value, ty, "upgraded_identity").map_err(diag)?;
        Ok(pb::upgrade_resource_identity::Response {
            upgraded_identity: Some(pb::ResourceIdentityData {
                identity_data: Some(identity_data),
            }),
            diagnostics: Vec::new(),
        })
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

fn diag(e: DynamicValueError) -> Diagnostics {
    e.to_diagnostic().into()
}

/// Encodes a provider answer; on failure records a diagnostic and sends no value.
fn encode_into(
    value: &Value,
    ty: &Type,
    field: &'static str,
    diags: &mut Diagnostics,
) -> Option<pb::DynamicValue> {
    match dynamic::encode(value, ty, field) {
        Ok(dv) => Some(dv),
        Err(e) => {
            diags.push(e.to_diagnostic());
            None
        }
    }
}

/// Decodes identity data sent by Terraform. Resource types without an
/// identity schema ignore it; absent or empty data is `None`.
fn decode_identity(
    entry: &ResourceEntry,
    data: Option<&pb::ResourceIdentityData>,
    field: &'static str,
) -> Result<Option<Value>, Diagnostics> {
    let Some((_, ty)) = &entry.identity else {
        return Ok(None);
    };
    let dv = data.and_then(|d| d.identity_data.as_ref());
    if dynamic::is_empty(dv) {
        return Ok(None);
    }
    dynamic::decode(dv, ty, field).map(Some).map_err(diag)
}

/// Encodes identity data for Terraform; `None` (or null) sends none, as does
/// a resource type without an identity schema.
fn encode_identity(
    entry: &ResourceEntry,
    value: Option<&Value>,
    field: &'static str,
    diags: &mut Diagnostics,
) -> Option<pb::ResourceIdentityData> {
    let (_, ty) = entry.identity.as_ref()?;
    let value = value.filter(|v| !v.is_null())?;
    encode_into(value, ty, field, diags).map(|dv| pb::ResourceIdentityData {
        identity_data: Some(dv),
    })
}
