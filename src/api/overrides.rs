//! Environment overrides of connections:
//! `/v1/projects/{projectId}/connections/environment-overrides`.
//!
//! Documented: `GET ?environmentName=`, `POST` (409 if it exists), `PUT`
//! (404 if absent), `DELETE ?environmentName=&connectionNames=`. The list
//! envelope and the `connectionNames` list filter are inferred.

use http::{Method, StatusCode};
use tokio_util::sync::CancellationToken;
use url::Url;

use super::client::{cancellable, non_empty, DeleteOutcome, MaiaClient};
use super::error::ApiError;
use super::models::{EnvironmentOverride, EnvironmentOverrideRequest};
use super::transport::Retryability;

/// Filters for [`MaiaClient::list_environment_overrides`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OverrideFilter {
    /// Only this environment (`environmentName`).
    pub environment_name: Option<String>,
    /// Only overrides of these connections (`connectionNames`, comma-separated).
    pub connection_names: Vec<String>,
    /// Page size to request.
    pub page_size: Option<u32>,
}

fn is_override(o: &EnvironmentOverride, environment: &str, connection: &str) -> bool {
    o.environment_name.as_deref() == Some(environment)
        && o.connection_name.as_deref() == Some(connection)
}

impl MaiaClient {
    fn overrides_url(&self, project_id: &str) -> Result<Url, ApiError> {
        let mut url = self.connections_url(project_id)?;
        url.path_segments_mut()
            .map_err(|_| ApiError::config("base_url cannot carry a path"))?
            .push("environment-overrides");
        Ok(url)
    }

    /// Every override matching `filter`, across all pages.
    pub async fn list_environment_overrides(
        &self,
        project_id: &str,
        filter: &OverrideFilter,
        cancel: &CancellationToken,
    ) -> Result<Vec<EnvironmentOverride>, ApiError> {
        cancellable(cancel, self.list_overrides(project_id, filter)).await
    }

    /// The override of `connection_name` in `environment_name`, if any.
    pub async fn get_environment_override(
        &self,
        project_id: &str,
        environment_name: &str,
        connection_name: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<EnvironmentOverride>, ApiError> {
        cancellable(
            cancel,
            self.find_override(project_id, environment_name, connection_name),
        )
        .await
    }

    /// `POST`: creates an override. A 409 after a retried POST (dropped
    /// connection) is settled by reading the override back.
    pub async fn create_environment_override(
        &self,
        project_id: &str,
        request: &EnvironmentOverrideRequest,
        cancel: &CancellationToken,
    ) -> Result<EnvironmentOverride, ApiError> {
        cancellable(cancel, async {
            self.write_override(project_id, request, Method::POST).await
        })
        .await
    }

    /// `PUT`: full replacement of an override; [`ApiError::NotFound`] if absent.
    pub async fn update_environment_override(
        &self,
        project_id: &str,
        request: &EnvironmentOverrideRequest,
        cancel: &CancellationToken,
    ) -> Result<EnvironmentOverride, ApiError> {
        cancellable(cancel, async {
            self.write_override(project_id, request, Method::PUT).await
        })
        .await
    }

    /// `DELETE ?environmentName=&connectionNames=`; 404 is
    /// [`DeleteOutcome::AlreadyGone`].
    pub async fn delete_environment_override(
        &self,
        project_id: &str,
        environment_name: &str,
        connection_name: &str,
        cancel: &CancellationToken,
    ) -> Result<DeleteOutcome, ApiError> {
        cancellable(cancel, async {
            non_empty("environment name", environment_name)?;
            non_empty("connection name", connection_name)?;
            if connection_name.contains(',') {
                return Err(ApiError::config(
                    "a connection name containing ',' cannot be addressed by connectionNames",
                ));
            }
            let mut url = self.overrides_url(project_id)?;
            url.query_pairs_mut()
                .append_pair("environmentName", environment_name)
                .append_pair("connectionNames", connection_name);
            let sent = self
                .call(Method::DELETE, url, None, Retryability::Idempotent)
                .await?;
            match sent.response.status {
                s if s.is_success() => Ok(DeleteOutcome::Deleted),
                StatusCode::NOT_FOUND => Ok(DeleteOutcome::AlreadyGone),
                _ => Err(self.error_from(&sent.response)),
            }
        })
        .await
    }

    async fn write_override(
        &self,
        project_id: &str,
        request: &EnvironmentOverrideRequest,
        method: Method,
    ) -> Result<EnvironmentOverride, ApiError> {
        non_empty("environment name", &request.environment_name)?;
        non_empty("connection name", &request.connection_name)?;
        let url = self.overrides_url(project_id)?;
        let body = serde_json::to_vec(request)
            .map_err(|e| ApiError::config(format!("cannot encode request: {e}")))?;
        let retry = if method == Method::POST {
            Retryability::Unsafe
        } else {
            Retryability::Idempotent
        };
        let is_post = method == Method::POST;
        let sent = self.call(method, url, Some(body), retry).await?;
        let status = sent.response.status;
        let read_back = || {
            self.find_override(
                project_id,
                &request.environment_name,
                &request.connection_name,
            )
        };
        if status.is_success() {
            if sent.response.body.iter().all(u8::is_ascii_whitespace) {
                return read_back()
                    .await?
                    .ok_or_else(|| self.undecodable(&sent.response));
            }
            return self.decode(&sent.response);
        }
        if is_post && status == StatusCode::CONFLICT && sent.maybe_applied_earlier {
            if let Some(found) = read_back().await? {
                return Ok(found);
            }
        }
        Err(self.error_from(&sent.response))
    }

    async fn list_overrides(
        &self,
        project_id: &str,
        filter: &OverrideFilter,
    ) -> Result<Vec<EnvironmentOverride>, ApiError> {
        let mut url = self.overrides_url(project_id)?;
        {
            let mut q = url.query_pairs_mut();
            if let Some(env) = &filter.environment_name {
                q.append_pair("environmentName", env);
            }
            if !filter.connection_names.is_empty() {
                q.append_pair("connectionNames", &filter.connection_names.join(","));
            }
        }
        self.collect_pages(url, filter.page_size, |o: &EnvironmentOverride| {
            match (&o.environment_name, &o.connection_name) {
                (Some(e), Some(c)) => Some(format!("{e}\u{0}{c}")),
                _ => None,
            }
        })
        .await
    }

    async fn find_override(
        &self,
        project_id: &str,
        environment_name: &str,
        connection_name: &str,
    ) -> Result<Option<EnvironmentOverride>, ApiError> {
        non_empty("environment name", environment_name)?;
        non_empty("connection name", connection_name)?;
        let filter = OverrideFilter {
            environment_name: Some(environment_name.to_owned()),
            connection_names: if connection_name.contains(',') {
                Vec::new()
            } else {
                vec![connection_name.to_owned()]
            },
            page_size: None,
        };
        let all = self.list_overrides(project_id, &filter).await?;
        Ok(all
            .into_iter()
            .find(|o| is_override(o, environment_name, connection_name)))
    }
}
