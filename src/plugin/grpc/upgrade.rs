//! State and identity upgrades: `UpgradeResourceState` and
//! `UpgradeResourceIdentity`.

use super::dynamic::{self, diag, DynamicValueError};
use super::guard;
use super::service::ProviderService;
use crate::plugin::diagnostics::{Diagnostic, Diagnostics};
use crate::plugin::proto::tfplugin6 as pb;

impl ProviderService {
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
        let upgraded_state =
            dynamic::encode(&entry.storable(&value), &entry.ty, "upgraded_state").map_err(diag)?;
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
