//! The trait surface a provider implements. The gRPC layer
//! ([`super::grpc`]) decodes protocol messages into these plain types, calls the
//! traits, and encodes the answers; nothing here knows about protobuf.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::cty::{AttributePath, Value};
use super::diagnostics::Diagnostics;
use super::schema::{IdentitySchema, Schema};

/// Per-call context handed to every provider and resource call.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    /// Cancelled when Terraform calls `StopProvider` (Ctrl-C) or the process is
    /// shutting down. Long operations must watch it and return promptly.
    pub cancel: CancellationToken,
}

/// `ConfigureProvider` input.
#[derive(Debug, Clone)]
pub struct ConfigureRequest {
    /// The provider configuration, typed by the provider schema. May contain unknowns.
    pub config: Value,
    /// The Terraform version calling (e.g. `1.15.5`).
    pub terraform_version: String,
}

/// A provider: its configuration and its resource types.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider configuration schema.
    fn schema(&self) -> Schema;

    /// The resource types, by type name (e.g. `maia_connection`). Called once.
    fn resources(&self) -> BTreeMap<String, Arc<dyn Resource>>;

    /// Validates the provider configuration (may contain unknowns).
    async fn validate_config(&self, config: &Value) -> Diagnostics;

    /// Configures the provider before any resource call.
    async fn configure(&self, ctx: &CallContext, req: ConfigureRequest) -> Diagnostics;
}

/// `PlanResourceChange` input.
#[derive(Debug, Clone)]
pub struct PlanRequest {
    /// The state before the change; `Null` when creating.
    pub prior_state: Value,
    /// Terraform's proposed new state (config merged with prior computed values);
    /// `Null` when destroying.
    pub proposed_new_state: Value,
    /// The configuration; `Null` when destroying.
    pub config: Value,
    /// Opaque provider data from the prior state.
    pub prior_private: Vec<u8>,
    /// The prior identity, when the resource has an identity schema.
    pub prior_identity: Option<Value>,
}

/// `PlanResourceChange` output.
#[derive(Debug, Clone, Default)]
pub struct PlanResponse {
    /// The planned new state (unknowns where apply will decide).
    pub planned_state: Value,
    /// Attributes whose change forces replacement.
    pub requires_replace: Vec<AttributePath>,
    /// Opaque data handed to apply.
    pub planned_private: Vec<u8>,
    /// The planned identity.
    pub planned_identity: Option<Value>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

/// `ApplyResourceChange` input.
#[derive(Debug, Clone)]
pub struct ApplyRequest {
    /// The state before the change; `Null` when creating.
    pub prior_state: Value,
    /// The planned state; `Null` when destroying.
    pub planned_state: Value,
    /// The configuration; `Null` when destroying.
    pub config: Value,
    /// Opaque data from plan.
    pub planned_private: Vec<u8>,
    /// The planned identity.
    pub planned_identity: Option<Value>,
}

/// `ApplyResourceChange` output.
#[derive(Debug, Clone, Default)]
pub struct ApplyResponse {
    /// The new state; `Null` after a destroy. On error, what the service really holds.
    pub new_state: Value,
    /// Opaque data stored with the state.
    pub private: Vec<u8>,
    /// The new identity.
    pub new_identity: Option<Value>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

/// `ReadResource` input.
#[derive(Debug, Clone)]
pub struct ReadRequest {
    /// The state as Terraform has it.
    pub current_state: Value,
    /// Opaque data stored with the state.
    pub private: Vec<u8>,
    /// The identity as Terraform has it.
    pub current_identity: Option<Value>,
}

/// `ReadResource` output.
#[derive(Debug, Clone, Default)]
pub struct ReadResponse {
    /// The refreshed state; `Null` when the object no longer exists.
    pub new_state: Value,
    /// Opaque data.
    pub private: Vec<u8>,
    /// The refreshed identity.
    pub new_identity: Option<Value>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

/// `ImportResourceState` input: either an ID string or an identity.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    /// The import ID (`terraform import ADDR ID`); empty when importing by identity.
    pub id: String,
    /// The identity to import by (Terraform ≥ 1.12 `import { identity = ... }`).
    pub identity: Option<Value>,
}

/// One imported object.
#[derive(Debug, Clone, Default)]
pub struct ImportedResource {
    /// The state; Terraform then calls `ReadResource` on it.
    pub state: Value,
    /// Opaque data.
    pub private: Vec<u8>,
    /// The identity.
    pub identity: Option<Value>,
}

/// `ImportResourceState` output.
#[derive(Debug, Clone, Default)]
pub struct ImportResponse {
    /// The imported objects (usually one).
    pub imported: Vec<ImportedResource>,
    /// Problems.
    pub diagnostics: Diagnostics,
}

/// A managed resource type.
#[async_trait]
pub trait Resource: Send + Sync + 'static {
    /// The resource schema (its `version` is the current state version).
    fn schema(&self) -> Schema;

    /// The identity schema, if the resource supports resource identity.
    fn identity_schema(&self) -> Option<IdentitySchema> {
        None
    }

    /// Validates configuration (may contain unknowns). No network calls.
    async fn validate(&self, config: &Value) -> Diagnostics;

    /// Plans a change.
    async fn plan(&self, ctx: &CallContext, req: PlanRequest) -> PlanResponse;

    /// Applies a planned change.
    async fn apply(&self, ctx: &CallContext, req: ApplyRequest) -> ApplyResponse;

    /// Refreshes state from the remote system.
    async fn read(&self, ctx: &CallContext, req: ReadRequest) -> ReadResponse;

    /// Imports an existing object.
    async fn import(&self, ctx: &CallContext, req: ImportRequest) -> ImportResponse;

    /// Upgrades state stored at an older schema `version` (decoded from JSON
    /// without a type, as generic JSON) to the current schema. State at the
    /// current version never reaches here: the protocol layer re-encodes it.
    fn upgrade_state(&self, version: i64, _raw: serde_json::Value) -> Result<Value, Diagnostics> {
        Err(super::diagnostics::Diagnostic::error(
            "Unsupported state version",
            format!(
                "The state was written at schema version {version}, which this provider version cannot upgrade. Use the provider version that wrote it."
            ),
        )
        .into())
    }
}
