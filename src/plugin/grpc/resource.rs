//! The managed-resource RPCs: validate, read, plan, apply and import, with
//! the value and identity plumbing they share.

use std::borrow::Cow;

use super::convert;
use super::dynamic::{self, diag};
use super::guard;
use super::service::{ProviderService, ResourceEntry};
use super::write_only;
use crate::plugin::cty::{Type, Value};
use crate::plugin::diagnostics::{Diagnostic, Diagnostics};
use crate::plugin::proto::tfplugin6 as pb;
use crate::plugin::traits::{ApplyRequest, ImportRequest, PlanRequest, ReadRequest};

impl ProviderService {
    pub(super) async fn validate_resource_config(
        &self,
        req: pb::validate_resource_config::Request,
    ) -> Result<Diagnostics, Diagnostics> {
        let entry = self.resource(&req.type_name)?;
        let config = dynamic::decode(req.config.as_ref(), &entry.ty, "config").map_err(diag)?;
        let write_only_allowed = req
            .client_capabilities
            .is_some_and(|c| c.write_only_attributes_allowed);
        if entry.write_only && !write_only_allowed {
            let refused: Diagnostics = Diagnostics(
                write_only::set_paths(&config, &entry.schema.block)
                    .into_iter()
                    .map(|p| {
                        Diagnostic::error(
                            "Write-only attribute not supported by this Terraform version",
                            format!(
                                "\"{p}\" is a write-only attribute: its value is used but never stored. Terraform 1.11 or later is needed to set it; upgrade Terraform or remove the argument."
                            ),
                        )
                        .at(p)
                    })
                    .collect(),
            );
            if refused.has_errors() {
                return Err(refused);
            }
        }
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
        let new_state = entry.encode_state(&out.new_state, "new_state", &mut diags);
        let new_identity = encode_identity(
            entry,
            &out.new_state,
            out.new_identity.as_ref(),
            "new_identity",
            &mut diags,
        );
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
        let planned_state = entry.encode_state(&out.planned_state, "planned_state", &mut diags);
        let planned_identity = encode_identity(
            entry,
            &out.planned_state,
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
                planned_private: req.planned_private.clone(),
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
                    private: req.planned_private,
                    diagnostics: convert::diagnostics(&d.into()),
                    ..Default::default()
                })
            }
        };
        let mut diags = out.diagnostics;
        let new_state = entry.encode_state(&out.new_state, "new_state", &mut diags);
        let new_identity = encode_identity(
            entry,
            &out.new_state,
            out.new_identity.as_ref(),
            "new_identity",
            &mut diags,
        );
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
                state: entry.encode_state(&r.state, "state", &mut diags),
                private: r.private.clone(),
                identity: encode_identity(
                    entry,
                    &r.state,
                    r.identity.as_ref(),
                    "identity",
                    &mut diags,
                ),
            })
            .collect();
        Ok(pb::import_resource_state::Response {
            imported_resources,
            diagnostics: convert::diagnostics(&diags),
            deferred: None,
        })
    }
}

impl ResourceEntry {
    /// `value` as Terraform may store it: write-only attributes null.
    pub(super) fn storable<'a>(&self, value: &'a Value) -> Cow<'a, Value> {
        if self.write_only {
            let mut v = value.clone();
            write_only::null_write_only(&mut v, &self.schema.block);
            Cow::Owned(v)
        } else {
            Cow::Borrowed(value)
        }
    }

    /// Encodes a state (or planned state) answer of this resource type, with
    /// write-only attributes nulled; on failure records a diagnostic.
    fn encode_state(
        &self,
        value: &Value,
        field: &'static str,
        diags: &mut Diagnostics,
    ) -> Option<pb::DynamicValue> {
        encode_into(&self.storable(value), &self.ty, field, diags)
    }
}

/// Encodes a provider answer; on failure records a diagnostic and sends no value.
pub(super) fn encode_into(
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
pub(super) fn decode_identity(
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

/// Encodes identity data for Terraform. Nothing is sent for `None` or a
/// null identity, for a null (removed or destroyed) object, or by a
/// resource type without an identity schema.
pub(super) fn encode_identity(
    entry: &ResourceEntry,
    state: &Value,
    value: Option<&Value>,
    field: &'static str,
    diags: &mut Diagnostics,
) -> Option<pb::ResourceIdentityData> {
    let (_, ty) = entry.identity.as_ref()?;
    if state.is_null() {
        return None;
    }
    let value = value.filter(|v| !v.is_null())?;
    encode_into(value, ty, field, diags).map(|dv| pb::ResourceIdentityData {
        identity_data: Some(dv),
    })
}
