//! Handlers of `/dpc/v1/projects/{projectId}/connections/environment-overrides`
//! (shape inferred from the public reference; see maia-api.md):
//! - `GET [?environmentName=][&connectionNames=a,b][&page=&size=]` →
//!   `{"results":[override...],"page","size","total"}`, sorted by environment then connection;
//! - `POST` body `{environmentName, connectionName, authType, connectionOverrides:
//!   {secretsLocation, connectionProperties}}` → 201; 404 if the parent
//!   connection is absent, 409 if the override exists, 422 if `authType`
//!   differs from the parent's;
//! - `PUT` same body → 200, full replacement; 404 if absent;
//! - `DELETE ?environmentName=&connectionNames=a,b` → 204; 404 (and nothing
//!   deleted) if any is absent.
//!
//! Deleting a connection deletes its overrides.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{Map, Value};

use super::app::AppState;
use super::model::StoredOverride;
use super::problem::Problem;
use super::routes::{
    admit, bad_param, finish, not_found, page_response, query_pairs, require_json, ProjectId,
    DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE,
};
use super::store::State as Snapshot;
use super::validation::{self, OverrideInput};

fn override_not_found(env: &str, conn: &str) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        format!("No override of connection {conn:?} for environment {env:?}"),
    )
}

/// Validates a POST/PUT body fully, against the parent connection.
fn validated(state: &Snapshot, project_id: &str, body: &[u8]) -> Result<OverrideInput, Problem> {
    let (input, raw) = validation::parse_override(body)?;
    let parent = state
        .projects
        .get(project_id)
        .and_then(|p| p.get(&input.connection_name))
        .ok_or_else(|| not_found(project_id, &input.connection_name))?;
    let platform = parent.platform_connection_type.clone();
    let auth_type = parent.auth_type.clone();
    validation::finish_override(input, &raw, &platform, &auth_type)
}

fn stored(project_id: &str, input: OverrideInput) -> StoredOverride {
    StoredOverride {
        environment_name: input.environment_name,
        connection_name: input.connection_name,
        project_id: project_id.to_string(),
        auth_type: input.auth_type,
        connection_overrides: input.connection_overrides,
    }
}

/// `POST`: create an override.
pub async fn create(
    State(app): State<AppState>,
    ProjectId(project_id): ProjectId,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| {
        admit(&app, &headers, &project_id)?;
        require_json(&headers)?;
        let created = app.store.mutate(|state| {
            let input = validated(state, &project_id, &body)?;
            let record = stored(&project_id, input);
            let slot = state
                .overrides
                .entry(project_id.clone())
                .or_default()
                .entry(record.environment_name.clone())
                .or_default();
            if slot.contains_key(&record.connection_name) {
                return Err(Problem::new(
                    StatusCode::CONFLICT,
                    format!(
                        "Override of connection {:?} for environment {:?} already exists",
                        record.connection_name, record.environment_name
                    ),
                ));
            }
            slot.insert(record.connection_name.clone(), record.clone());
            Ok(record.to_response())
        })?;
        Ok((StatusCode::CREATED, Json(created)).into_response())
    })();
    finish(&uri, result)
}

/// `PUT`: replace an existing override.
pub async fn update(
    State(app): State<AppState>,
    ProjectId(project_id): ProjectId,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| {
        admit(&app, &headers, &project_id)?;
        require_json(&headers)?;
        let updated = app.store.mutate(|state| {
            let input = validated(state, &project_id, &body)?;
            let record = stored(&project_id, input);
            let existing = state
                .overrides
                .get_mut(&project_id)
                .and_then(|p| p.get_mut(&record.environment_name))
                .and_then(|e| e.get_mut(&record.connection_name))
                .ok_or_else(|| {
                    override_not_found(&record.environment_name, &record.connection_name)
                })?;
            *existing = record.clone();
            Ok(record.to_response())
        })?;
        Ok(Json(updated).into_response())
    })();
    finish(&uri, result)
}

/// `GET`: list overrides with optional filters.
pub async fn list(
    State(app): State<AppState>,
    ProjectId(project_id): ProjectId,
    uri: Uri,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        admit(&app, &headers, &project_id)?;
        let mut env = None;
        let mut names: Option<Vec<String>> = None;
        let mut page = 0usize;
        let mut size = DEFAULT_PAGE_SIZE;
        for (k, v) in query_pairs(raw.as_deref()) {
            match k.as_str() {
                "environmentName" => env = Some(v),
                "connectionNames" => names.get_or_insert_with(Vec::new).extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(String::from),
                ),
                "page" => {
                    page = v.parse().map_err(|_| {
                        bad_param(format!("page: must be a non-negative integer, got {v:?}"))
                    })?
                }
                "size" => {
                    size = match v.parse::<usize>() {
                        Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
                        _ => {
                            return Err(bad_param(format!(
                                "size: must be an integer between 1 and {MAX_PAGE_SIZE}, got {v:?}"
                            )))
                        }
                    }
                }
                _ => {}
            }
        }
        let matching: Vec<Value> = app.store.read(|s| {
            s.overrides
                .get(&project_id)
                .map(|p| {
                    p.iter()
                        .filter(|(e, _)| env.as_ref().is_none_or(|want| want == *e))
                        .flat_map(|(_, conns)| conns.values())
                        .filter(|o| {
                            names
                                .as_ref()
                                .is_none_or(|n| n.contains(&o.connection_name))
                        })
                        .map(StoredOverride::to_response)
                        .collect()
                })
                .unwrap_or_default()
        });
        Ok(page_response(matching, page, size))
    })();
    finish(&uri, result)
}

/// `DELETE ?environmentName=&connectionNames=`.
pub async fn delete(
    State(app): State<AppState>,
    ProjectId(project_id): ProjectId,
    uri: Uri,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        admit(&app, &headers, &project_id)?;
        let pairs: Map<String, Value> = query_pairs(raw.as_deref())
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        let env = match pairs.get("environmentName").and_then(Value::as_str) {
            Some(e) if !e.is_empty() => e.to_string(),
            _ => return Err(bad_param("environmentName: is required".into())),
        };
        let names: Vec<String> = pairs
            .get("connectionNames")
            .and_then(Value::as_str)
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        if names.is_empty() {
            return Err(bad_param("connectionNames: is required".into()));
        }
        app.store.mutate(|state| {
            let missing = names.iter().find(|n| {
                !state
                    .overrides
                    .get(&project_id)
                    .and_then(|p| p.get(&env))
                    .is_some_and(|e| e.contains_key(*n))
            });
            if let Some(n) = missing {
                return Err(override_not_found(&env, n));
            }
            if let Some(project) = state.overrides.get_mut(&project_id) {
                if let Some(e) = project.get_mut(&env) {
                    for n in &names {
                        e.remove(n);
                    }
                    if e.is_empty() {
                        project.remove(&env);
                    }
                }
                if project.is_empty() {
                    state.overrides.remove(&project_id);
                }
            }
            Ok(())
        })?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })();
    finish(&uri, result)
}
