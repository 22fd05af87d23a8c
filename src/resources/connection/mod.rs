//! `maia_connection`: one connection of a Maia project.
//!
//! Create is `POST /v1/projects/{projectId}/connections`, update is the seed's
//! `PUT ...?connectionName=` (full replacement), read is the list call filtered
//! by name, delete is `DELETE ...?connectionName=`.

pub mod import_id;
pub mod model;
pub mod plan;
pub mod schema;
pub mod translate;
pub mod validate;
pub mod violations;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use crate::api::error::ApiError;
use crate::api::models::Connection;
use crate::plugin::cty::{AttributePath, Value};
use crate::plugin::schema::{IdentitySchema, Schema};
use crate::plugin::traits::{
    ApplyRequest, ApplyResponse, CallContext, ImportRequest, ImportResponse, ImportedResource,
    PlanRequest, PlanResponse, ReadRequest, ReadResponse, Resource,
};
use crate::plugin::{Diagnostic, Diagnostics};
use crate::provider::{Configured, ProviderData};
use crate::resources::api_diagnostics::{from_api_error, Operation};
use crate::resources::attr;

use model::{ConnectionSpec, ServerFields};
use schema::names::*;

/// The Terraform type name.
pub const TYPE_NAME: &str = "maia_connection";

/// How long the provider spends confirming what the service holds after an
/// interrupted or failed create/update (so the state written is the truth).
const READ_BACK_TIMEOUT: Duration = Duration::from_secs(2);

/// The `maia_connection` resource.
#[derive(Debug, Clone)]
pub struct ConnectionResource {
    provider: Arc<ProviderData>,
}

impl ConnectionResource {
    /// A resource served with the provider's shared, configured client.
    pub fn new(provider: Arc<ProviderData>) -> Self {
        Self { provider }
    }
}

fn describe(project_id: &str, name: &str) -> String {
    format!("connection \"{name}\" in project {project_id}")
}

fn api_diags(
    err: &ApiError,
    verb: &str,
    project_id: &str,
    name: &str,
    client: &Configured,
) -> Diagnostics {
    let object = describe(project_id, name);
    from_api_error(
        err,
        Operation {
            verb,
            object: &object,
            credentials_used: &client.credentials_used,
        },
        &violations::split_violation,
    )
}

/// Whether the request may have reached the service although it failed.
fn outcome_is_uncertain(err: &ApiError) -> bool {
    matches!(
        err,
        ApiError::Cancelled | ApiError::Timeout { .. } | ApiError::Transport { .. }
    )
}

/// The state of a connection as returned by the service.
fn state_of(
    conn: &Connection,
    project_id: &str,
    name: &str,
    auth_provider_fallback: Option<&str>,
    server_fallback: &ServerFields,
) -> Result<Value, Diagnostic> {
    let (spec, mut server) =
        translate::spec_from_connection(conn, project_id, name, auth_provider_fallback).map_err(
            |e| {
                Diagnostic::error(
                    "Unexpected response from the Maia API",
                    format!(
                "{e}. Nothing was written to state for {} beyond what the service confirmed.",
                describe(project_id, name)
            ),
                )
            },
        )?;
    if server.created_by.is_none() {
        server.created_by = server_fallback.created_by.clone();
    }
    if server.created_date.is_none() {
        server.created_date = server_fallback.created_date.clone();
    }
    Ok(spec.to_state(&server))
}

impl ConnectionResource {
    /// After an uncertain failure: what does the service hold now? Uses its
    /// own short deadline, since the call's token may be cancelled.
    async fn read_back(
        &self,
        client: &Configured,
        spec: &ConnectionSpec,
        server: &ServerFields,
    ) -> Option<Value> {
        let token = CancellationToken::new();
        let child = token.clone();
        let read = client
            .client
            .get_connection(&spec.project_id, &spec.name, &child);
        match tokio::time::timeout(READ_BACK_TIMEOUT, read).await {
            Ok(Ok(Some(conn))) => state_of(
                &conn,
                &spec.project_id,
                &spec.name,
                Some(&spec.auth_provider),
                server,
            )
            .ok(),
            _ => None,
        }
    }

    async fn create(
        &self,
        ctx: &CallContext,
        client: &Configured,
        spec: ConnectionSpec,
    ) -> ApplyResponse {
        let body = translate::create_request(&spec);
        match client
            .client
            .create_connection(&spec.project_id, &body, &ctx.cancel)
            .await
        {
            Ok(conn) => self.applied(&conn, &spec, &ServerFields::default()),
            Err(err) => {
                let mut diagnostics = match &err {
                    ApiError::Conflict { .. } => Diagnostics::from(
                        Diagnostic::error(
                            "Connection already exists",
                            format!(
                                "{} already exists in Maia but is not managed by this configuration. Import it with\n  terraform import <address> {}/{}\nor choose another name.",
                                describe(&spec.project_id, &spec.name), spec.project_id, spec.name
                            ),
                        )
                        .at(AttributePath::attr(NAME)),
                    ),
                    _ => api_diags(&err, "create", &spec.project_id, &spec.name, client),
                };
                let new_state = if outcome_is_uncertain(&err) {
                    self.read_back(client, &spec, &ServerFields::default())
                        .await
                        .unwrap_or(Value::Null)
                } else {
                    Value::Null
                };
                // The service holds exactly what was asked for: the create
                // succeeded, its answer was lost (an interrupt, a timeout). An
                // error here would taint it and make the next apply replace a
                // correct connection, so it is reported as a warning.
                if !new_state.is_null()
                    && new_state == spec.to_state(&ServerFields::from_state(&new_state))
                {
                    return ApplyResponse {
                        new_identity: plan::identity_of(&new_state),
                        new_state,
                        diagnostics: Diagnostic::warning(
                            "Connection was created",
                            format!(
                                "The create of {} reached Maia, which confirmed it when read back, although the request itself failed ({err}). It is recorded in state.",
                                describe(&spec.project_id, &spec.name)
                            ),
                        )
                        .into(),
                        ..ApplyResponse::default()
                    };
                }
                if !new_state.is_null() {
                    diagnostics.push(Diagnostic::warning(
                        "Connection was created",
                        "The create request reached Maia before the failure; the connection is recorded in state.",
                    ));
                }
                ApplyResponse {
                    new_identity: plan::identity_of(&new_state),
                    new_state,
                    diagnostics,
                    ..ApplyResponse::default()
                }
            }
        }
    }

    async fn update(
        &self,
        ctx: &CallContext,
        client: &Configured,
        prior: &Value,
        spec: ConnectionSpec,
    ) -> ApplyResponse {
        let server = ServerFields::from_state(prior);
        let body = translate::update_request(&spec);
        match client.client.update_connection(&spec.project_id, &spec.name, &body, &ctx.cancel).await {
            Ok(conn) => self.applied(&conn, &spec, &server),
            Err(err) if err.is_not_found() => ApplyResponse {
                new_state: Value::Null,
                diagnostics: Diagnostic::error(
                    "Connection vanished outside Terraform",
                    format!(
                        "{} no longer exists in Maia: it was deleted outside Terraform. It has been removed from state; apply again to re-create it.",
                        describe(&spec.project_id, &spec.name)
                    ),
                )
                .into(),
                ..ApplyResponse::default()
            },
            Err(err) => {
                let diagnostics = api_diags(&err, "update", &spec.project_id, &spec.name, client);
                let new_state = if outcome_is_uncertain(&err) {
                    self.read_back(client, &spec, &server).await.unwrap_or_else(|| prior.clone())
                } else {
                    prior.clone()
                };
                ApplyResponse { new_identity: plan::identity_of(&new_state), new_state, diagnostics, ..ApplyResponse::default() }
            }
        }
    }

    fn applied(
        &self,
        conn: &Connection,
        spec: &ConnectionSpec,
        server: &ServerFields,
    ) -> ApplyResponse {
        match state_of(
            conn,
            &spec.project_id,
            &spec.name,
            Some(&spec.auth_provider),
            server,
        ) {
            Ok(new_state) => ApplyResponse {
                new_identity: plan::identity_of(&new_state),
                new_state,
                ..ApplyResponse::default()
            },
            Err(d) => {
                // The service confirmed the change but said too little to
                // build state from: record what was sent.
                let new_state = spec.to_state(server);
                ApplyResponse {
                    new_identity: plan::identity_of(&new_state),
                    new_state,
                    diagnostics: d.into(),
                    ..ApplyResponse::default()
                }
            }
        }
    }

    async fn delete(&self, ctx: &CallContext, client: &Configured, prior: &Value) -> ApplyResponse {
        let (Some(project_id), Some(name)) = (
            attr::string(prior, PROJECT_ID).to_option(),
            attr::string(prior, NAME).to_option(),
        ) else {
            return ApplyResponse::default();
        };
        match client
            .client
            .delete_connection(&project_id, &name, &ctx.cancel)
            .await
        {
            Ok(_) => ApplyResponse::default(),
            Err(err) => ApplyResponse {
                new_identity: plan::identity_of(prior),
                new_state: prior.clone(),
                diagnostics: api_diags(&err, "delete", &project_id, &name, client),
                ..ApplyResponse::default()
            },
        }
    }
}

#[async_trait]
impl Resource for ConnectionResource {
    fn schema(&self) -> Schema {
        schema::schema()
    }

    fn identity_schema(&self) -> Option<IdentitySchema> {
        Some(schema::identity_schema())
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        validate::validate(config)
    }

    async fn plan(&self, _ctx: &CallContext, req: PlanRequest) -> PlanResponse {
        plan::plan(&req)
    }

    async fn apply(&self, ctx: &CallContext, req: ApplyRequest) -> ApplyResponse {
        let client = match self.provider.configured() {
            Ok(c) => c,
            Err(d) => {
                return ApplyResponse {
                    new_state: req.prior_state,
                    diagnostics: d.into(),
                    ..ApplyResponse::default()
                };
            }
        };
        if req.planned_state.is_null() {
            return self.delete(ctx, &client, &req.prior_state).await;
        }
        // Values unknown at plan time are known now: check them again.
        let diags = validate::validate(&req.config);
        if diags.has_errors() {
            return ApplyResponse {
                new_state: req.prior_state,
                diagnostics: diags,
                ..ApplyResponse::default()
            };
        }
        let spec = match ConnectionSpec::from_value(&req.planned_state) {
            Ok(s) => s,
            Err(d) => {
                return ApplyResponse {
                    new_state: req.prior_state,
                    diagnostics: d.into(),
                    ..ApplyResponse::default()
                }
            }
        };
        if req.prior_state.is_null() {
            self.create(ctx, &client, spec).await
        } else {
            self.update(ctx, &client, &req.prior_state, spec).await
        }
    }

    async fn read(&self, ctx: &CallContext, req: ReadRequest) -> ReadResponse {
        let state = req.current_state;
        let (Some(project_id), Some(name)) = (
            attr::string(&state, PROJECT_ID).to_option(),
            attr::string(&state, NAME).to_option(),
        ) else {
            return ReadResponse {
                new_state: state,
                diagnostics: Diagnostic::error("Incomplete state", "The stored state of this connection has no project_id or name; remove it from state and import it again.").into(),
                ..ReadResponse::default()
            };
        };
        let client = match self.provider.configured() {
            Ok(c) => c,
            Err(d) => {
                return ReadResponse {
                    new_state: state,
                    diagnostics: d.into(),
                    ..ReadResponse::default()
                }
            }
        };
        match client
            .client
            .get_connection(&project_id, &name, &ctx.cancel)
            .await
        {
            Ok(None) => ReadResponse {
                private: req.private,
                ..ReadResponse::default()
            },
            Ok(Some(conn)) => {
                let fallback = attr::string(&state, AUTH_PROVIDER).to_option();
                match state_of(
                    &conn,
                    &project_id,
                    &name,
                    fallback.as_deref(),
                    &ServerFields::from_state(&state),
                ) {
                    Ok(new_state) => ReadResponse {
                        new_identity: plan::identity_of(&new_state),
                        new_state,
                        private: req.private,
                        ..ReadResponse::default()
                    },
                    Err(d) => ReadResponse {
                        new_state: state,
                        diagnostics: d.into(),
                        private: req.private,
                        ..ReadResponse::default()
                    },
                }
            }
            Err(err) => ReadResponse {
                new_identity: plan::identity_of(&state),
                new_state: state,
                private: req.private,
                diagnostics: api_diags(&err, "read", &project_id, &name, &client),
            },
        }
    }

    async fn import(&self, _ctx: &CallContext, req: ImportRequest) -> ImportResponse {
        let parsed = match &req.identity {
            Some(identity) if req.id.is_empty() => {
                match (attr::string(identity, PROJECT_ID).to_option(), attr::string(identity, NAME).to_option()) {
                    (Some(p), Some(n)) => import_id::parse(&format!("{p}/{n}")),
                    _ => {
                        return ImportResponse {
                            diagnostics: Diagnostic::error("Incomplete import identity", "Importing a maia_connection by identity needs both project_id and name.").into(),
                            ..ImportResponse::default()
                        }
                    }
                }
            }
            _ => import_id::parse(&req.id),
        };
        let (project_id, name) = match parsed {
            Ok(v) => v,
            Err(e) => {
                return ImportResponse {
                    diagnostics: Diagnostic::error(
                        "Invalid import ID",
                        format!("Cannot import a maia_connection: {e}."),
                    )
                    .into(),
                    ..ImportResponse::default()
                }
            }
        };
        let state = Value::object([
            (ID, Value::string(model::connection_id(&project_id, &name))),
            (PROJECT_ID, Value::string(&project_id)),
            (NAME, Value::string(&name)),
            (PLATFORM_CONNECTION_TYPE, Value::Null),
            (AUTH_TYPE, Value::Null),
            (AUTH_PROVIDER, Value::Null),
            (DESCRIPTION, Value::Null),
            (CREATED_BY, Value::Null),
            (CREATED_DATE, Value::Null),
            (SECRETS_LOCATION, Value::List(vec![])),
            (CONNECTION_PROPERTIES, Value::List(vec![])),
        ]);
        ImportResponse {
            imported: vec![ImportedResource {
                identity: plan::identity_of(&state),
                state,
                private: vec![],
            }],
            diagnostics: Diagnostics::new(),
        }
    }
}
