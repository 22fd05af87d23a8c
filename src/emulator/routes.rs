//! Handlers of `/dpc/v1/projects/{projectId}/connections`: create, list,
//! update (full replacement) and delete.
//!
//! Order of checks on every call: authentication (401/403), `projectId`
//! pattern (400), query parameters (400), content type (415), existence
//! (404/409), body validation (400/422).

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::app::AppState;
use super::auth::{self, Principal};
use super::model::StoredConnection;
use super::problem::Problem;
use super::validation::{self, PLATFORM_TYPES};

/// Default page size of the list call.
pub const DEFAULT_PAGE_SIZE: usize = 25;
/// Largest page size of the list call.
pub const MAX_PAGE_SIZE: usize = 100;

/// The `projectId` path segment, percent-decoded; an undecodable segment
/// is a 400 problem (pattern checks happen after authentication).
pub struct ProjectId(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ProjectId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<String>::from_request_parts(parts, state).await {
            Ok(Path(id)) => Ok(ProjectId(id)),
            Err(e) => Err(
                Problem::new(StatusCode::BAD_REQUEST, "Invalid path parameter")
                    .with_violations(vec![format!("projectId: {e}")])
                    .at(parts.uri.path())
                    .into_response(),
            ),
        }
    }
}

pub(super) fn finish(uri: &Uri, result: Result<Response, Problem>) -> Response {
    match result {
        Ok(resp) => resp,
        Err(problem) => auth::with_challenge(problem.at(uri.path()).into_response()),
    }
}

pub(super) fn bad_param(violation: String) -> Problem {
    Problem::new(StatusCode::BAD_REQUEST, "Invalid request parameter")
        .with_violations(vec![violation])
}

/// Auth, then projectId.
pub(super) fn admit(
    app: &AppState,
    headers: &HeaderMap,
    project_id: &str,
) -> Result<Principal, Problem> {
    let principal = auth::authenticate(headers, &app.config, &app.store)?;
    validation::validate_project_id(project_id)?;
    Ok(principal)
}

pub(super) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// One page of `matching` in the list envelope `{results, page, size, total}`.
pub(crate) fn page_response(matching: Vec<Value>, page: usize, size: usize) -> Response {
    let total = matching.len();
    let results: Vec<Value> = matching
        .into_iter()
        .skip(page.saturating_mul(size))
        .take(size)
        .collect();
    Json(json!({"results": results, "page": page, "size": size, "total": total})).into_response()
}

fn connection_name_param(raw: Option<&str>) -> Result<String, Problem> {
    let pairs = query_pairs(raw);
    match pairs.iter().find(|(k, _)| k == "connectionName") {
        Some((_, v)) if !v.is_empty() => Ok(v.clone()),
        Some(_) => Err(bad_param("connectionName: must not be empty".into())),
        None => Err(bad_param("connectionName: is required".into())),
    }
}

pub(super) fn require_json(headers: &HeaderMap) -> Result<(), Problem> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        Ok(())
    } else {
        Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type {ct:?} is not supported; use application/json"),
        ))
    }
}

pub(super) fn not_found(project_id: &str, name: &str) -> Problem {
    Problem::new(
        StatusCode::NOT_FOUND,
        format!("Connection {name:?} not found in project {project_id}"),
    )
}

/// `POST`: create a connection (201; 409 if the name exists).
pub async fn create(
    State(app): State<AppState>,
    ProjectId(project_id): ProjectId,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| {
        let principal = admit(&app, &headers, &project_id)?;
        require_json(&headers)?;
        let input = validation::validate_create(&body)?;
        let conn = StoredConnection {
            name: input.name,
            project_id: project_id.clone(),
            platform_connection_type: input.platform_connection_type,
            auth_provider: input.auth_provider,
            auth_type: input.auth_type,
            connection_details: input.connection_details,
            created_by: principal.user,
            created_date: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        };
        let created = app.store.mutate(|state| {
            let project = state.projects.entry(project_id.clone()).or_default();
            if project.contains_key(&conn.name) {
                return Err(Problem::new(
                    StatusCode::CONFLICT,
                    format!(
                        "Connection {:?} already exists in project {project_id}",
                        conn.name
                    ),
                )
                .with_violations(vec![
                    "name: a connection with this name already exists".into(),
                ]));
            }
            project.insert(conn.name.clone(), conn.clone());
            Ok(conn.to_response())
        })?;
        Ok((StatusCode::CREATED, Json(created)).into_response())
    })();
    finish(&uri, result)
}

/// `GET`: list connections with optional filters and paging.
pub async fn list(
    State(app): State<AppState>,
    ProjectId(project_id): ProjectId,
    uri: Uri,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        admit(&app, &headers, &project_id)?;
        let mut names: Option<Vec<String>> = None;
        let mut provider = None;
        let mut platform = None;
        let mut page = 0usize;
        let mut size = DEFAULT_PAGE_SIZE;
        for (k, v) in query_pairs(raw.as_deref()) {
            match k.as_str() {
                "connectionNames" => {
                    let list = names.get_or_insert_with(Vec::new);
                    list.extend(
                        v.split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(String::from),
                    );
                }
                "authProvider" => provider = Some(v),
                "platformConnectionType" => {
                    if !PLATFORM_TYPES.contains(&v.as_str()) {
                        return Err(bad_param(format!(
                            "platformConnectionType: invalid value {v:?}; must be one of {}",
                            PLATFORM_TYPES.join(", ")
                        )));
                    }
                    platform = Some(v);
                }
                "page" => {
                    page = v.parse().map_err(|_| {
                        bad_param(format!("page: must be a non-negative integer, got {v:?}"))
                    })?;
                }
                "size" => {
                    size = match v.parse::<usize>() {
                        Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
                        _ => {
                            return Err(bad_param(format!(
                                "size: must be an integer between 1 and {MAX_PAGE_SIZE}, got {v:?}"
                            )))
                        }
                    };
                }
                _ => {}
            }
        }
        let matching: Vec<Value> = app.store.read(|state| {
            state
                .projects
                .get(&project_id)
                .map(|p| {
                    p.values()
                        .filter(|c| names.as_ref().is_none_or(|n| n.contains(&c.name)))
                        .filter(|c| provider.as_ref().is_none_or(|p| *p == c.auth_provider))
                        .filter(|c| {
                            platform
                                .as_ref()
                                .is_none_or(|p| *p == c.platform_connection_type)
                        })
                        .map(StoredConnection::to_response)
                        .collect()
                })
                .unwrap_or_default()
        });
        Ok(page_response(matching, page, size))
    })();
    finish(&uri, result)
}

/// `PUT ?connectionName=`: full replacement (omitted fields are unset).
pub async fn update(
    State(app): State<AppState>,
    ProjectId(project_id): ProjectId,
    uri: Uri,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let result = (|| {
        admit(&app, &headers, &project_id)?;
        let name = connection_name_param(raw.as_deref())?;
        require_json(&headers)?;
        let stored_provider = app
            .store
            .read(|s| {
                s.projects
                    .get(&project_id)
                    .and_then(|p| p.get(&name))
                    .map(|c| c.auth_provider.clone())
            })
            .ok_or_else(|| not_found(&project_id, &name))?;
        let input = validation::validate_update(&body, &stored_provider)?;
        let updated = app.store.mutate(|state| {
            let conn = state
                .projects
                .get_mut(&project_id)
                .and_then(|p| p.get_mut(&name))
                .ok_or_else(|| not_found(&project_id, &name))?;
            if conn.auth_provider != stored_provider {
                return Err(Problem::new(
                    StatusCode::CONFLICT,
                    "Connection changed concurrently",
                ));
            }
            conn.platform_connection_type = input.platform_connection_type;
            conn.auth_type = input.auth_type;
            conn.connection_details = input.connection_details;
            Ok(conn.to_response())
        })?;
        Ok(Json(updated).into_response())
    })();
    finish(&uri, result)
}

/// `DELETE ?connectionName=`: 204, or 404 if absent.
pub async fn delete(
    State(app): State<AppState>,
    ProjectId(project_id): ProjectId,
    uri: Uri,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let result = (|| {
        admit(&app, &headers, &project_id)?;
        let name = connection_name_param(raw.as_deref())?;
        app.store.mutate(|state| {
            let project = state
                .projects
                .get_mut(&project_id)
                .ok_or_else(|| not_found(&project_id, &name))?;
            project
                .remove(&name)
                .ok_or_else(|| not_found(&project_id, &name))?;
            if project.is_empty() {
                state.projects.remove(&project_id);
            }
            if let Some(envs) = state.overrides.get_mut(&project_id) {
                for conns in envs.values_mut() {
                    conns.remove(&name);
                }
                envs.retain(|_, conns| !conns.is_empty());
                if envs.is_empty() {
                    state.overrides.remove(&project_id);
                }
            }
            Ok(())
        })?;
        Ok(StatusCode::NO_CONTENT.into_response())
    })();
    finish(&uri, result)
}
