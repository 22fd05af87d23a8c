//! [`MaiaClient`]: the connections operations over HTTP.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use http::{Method, StatusCode};
use serde::de::DeserializeOwned;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::auth::{AuthConfig, TokenSource};
use super::endpoint::validate_endpoint;
use super::error::{excerpt, ApiError};
use super::models::{
    Connection, CreateConnectionRequest, Page, PlatformConnectionType, ProblemDetail,
    UpdateConnectionRequest,
};
use super::retry::RetryPolicy;
use super::secret::Secret;
use super::transport::{Label, RawResponse, Retryability, Sent, Transport};

/// Default per-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default response body limit (4 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Default page size for list calls.
pub const DEFAULT_PAGE_SIZE: u32 = 100;
/// Safety stop for pagination.
const MAX_PAGES: u32 = 10_000;

/// Everything needed to build a [`MaiaClient`].
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// API base URL, e.g. `https://eu1.api.matillion.com/dpc`.
    pub base_url: String,
    /// How to authenticate.
    pub auth: AuthConfig,
    /// Per-request timeout (connect, send and whole response).
    pub timeout: Duration,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Terraform version for the `User-Agent`, when known.
    pub user_agent_terraform_version: Option<String>,
    /// Extra trusted CA certificates (PEM bundle), added to the platform roots.
    pub extra_ca_pem: Option<Vec<u8>>,
    /// Largest accepted response body.
    pub max_body_bytes: usize,
}

impl ClientConfig {
    /// A configuration with defaults for everything but the endpoint and auth.
    pub fn new(base_url: impl Into<String>, auth: AuthConfig) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            auth,
            timeout: DEFAULT_TIMEOUT,
            retry: RetryPolicy::default(),
            user_agent_terraform_version: None,
            extra_ca_pem: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }
}

/// Filters for [`MaiaClient::list_connections`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListFilter {
    /// Only these names (sent comma-separated as `connectionNames`).
    pub connection_names: Vec<String>,
    /// Only this `authProvider`.
    pub auth_provider: Option<String>,
    /// Only this `platformConnectionType`.
    pub platform_connection_type: Option<PlatformConnectionType>,
    /// Page size to request (default [`DEFAULT_PAGE_SIZE`]).
    pub page_size: Option<u32>,
}

/// Result of [`MaiaClient::delete_connection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteOutcome {
    /// The connection was deleted by this call.
    Deleted,
    /// There was no such connection (HTTP 404).
    AlreadyGone,
}

/// Regions with a documented (or widely used) Maia API endpoint.
pub const KNOWN_REGIONS: &[&str] = &["eu1", "us1", "au1"];

/// The API base URL of a region in [`KNOWN_REGIONS`]:
/// `https://{region}.api.matillion.com/dpc`.
pub fn region_base_url(region: &str) -> Option<String> {
    let region = region.trim().to_ascii_lowercase();
    KNOWN_REGIONS
        .contains(&region.as_str())
        .then(|| format!("https://{region}.api.matillion.com/dpc"))
}

/// The `User-Agent` the client sends.
pub fn user_agent(terraform_version: Option<&str>) -> String {
    let base = format!("terraform-provider-maia/{}", env!("CARGO_PKG_VERSION"));
    match terraform_version.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => format!("{base} (+terraform {v})"),
        None => base,
    }
}

struct Inner {
    base: Url,
    transport: Transport,
    auth: TokenSource,
    secrets: Vec<Secret>,
}

/// A client for the Maia connections API. Cheap to clone; clones share one
/// connection pool and one token cache.
#[derive(Clone)]
pub struct MaiaClient {
    inner: Arc<Inner>,
}

impl fmt::Debug for MaiaClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MaiaClient")
            .field("base_url", &self.inner.base.as_str())
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

/// Runs `fut` unless and until `cancel` fires.
pub(super) async fn cancellable<T>(
    cancel: &CancellationToken,
    fut: impl Future<Output = Result<T, ApiError>>,
) -> Result<T, ApiError> {
    if cancel.is_cancelled() {
        return Err(ApiError::Cancelled);
    }
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(ApiError::Cancelled),
        r = fut => r,
    }
}

pub(super) fn non_empty<'a>(what: &str, value: &'a str) -> Result<&'a str, ApiError> {
    if value.is_empty() {
        Err(ApiError::config(format!("{what} must not be empty")))
    } else {
        Ok(value)
    }
}

impl MaiaClient {
    /// Builds a client: validates endpoints, loads extra CAs, sets up the pool.
    pub fn new(config: ClientConfig) -> Result<Self, ApiError> {
        let base = validate_endpoint(&config.base_url, "base_url")?;
        let auth = TokenSource::new(&config.auth)?;
        if config.timeout.is_zero() {
            return Err(ApiError::config("timeout must be greater than zero"));
        }
        let mut builder = reqwest::Client::builder()
            .user_agent(user_agent(config.user_agent_terraform_version.as_deref()))
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(30)))
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_keepalive(Duration::from_secs(30))
            .redirect(reqwest::redirect::Policy::none());
        if let Some(pem) = &config.extra_ca_pem {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                ApiError::config(format!("extra CA certificates are not valid PEM: {e}"))
            })?;
            if certs.is_empty() {
                return Err(ApiError::config(
                    "extra CA certificates: no certificate found in the PEM data",
                ));
            }
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| ApiError::config(format!("cannot build the HTTP client: {e}")))?;
        let secrets = auth.configured_secrets();
        Ok(MaiaClient {
            inner: Arc::new(Inner {
                base,
                transport: Transport {
                    http,
                    policy: config.retry,
                    timeout: config.timeout,
                    max_body: config.max_body_bytes.max(1024),
                },
                auth,
                secrets,
            }),
        })
    }

    /// The validated base URL.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// How many OAuth token requests this client (and its clones) made.
    pub fn token_requests(&self) -> u64 {
        self.inner.auth.fetch_count()
    }

    /// `POST /v1/projects/{projectId}/connections`. If the POST had to be
    /// retried after a dropped connection and the server then says 409, the
    /// connection created by the earlier attempt is read back and returned.
    pub async fn create_connection(
        &self,
        project_id: &str,
        request: &CreateConnectionRequest,
        cancel: &CancellationToken,
    ) -> Result<Connection, ApiError> {
        cancellable(cancel, async {
            non_empty("connection name", &request.name)?;
            let url = self.connections_url(project_id)?;
            let body = serde_json::to_vec(request)
                .map_err(|e| ApiError::config(format!("cannot encode request: {e}")))?;
            let sent = self
                .call(Method::POST, url, Some(body), Retryability::Unsafe)
                .await?;
            let status = sent.response.status;
            if status.is_success() {
                if sent.response.body.iter().all(u8::is_ascii_whitespace) {
                    return self
                        .find_connection(project_id, &request.name)
                        .await?
                        .ok_or_else(|| self.undecodable(&sent.response));
                }
                return self
                    .decode_or_read_back(&sent.response, project_id, &request.name)
                    .await;
            }
            if status == StatusCode::CONFLICT && sent.maybe_applied_earlier {
                tracing::debug!(
                    name = %request.name,
                    "409 after a retried create; reading the connection back"
                );
                if let Some(found) = self.find_connection(project_id, &request.name).await? {
                    return Ok(found);
                }
            }
            Err(self.error_from(&sent.response))
        })
        .await
    }

    /// `GET /v1/projects/{projectId}/connections`, following every page.
    pub async fn list_connections(
        &self,
        project_id: &str,
        filter: &ListFilter,
        cancel: &CancellationToken,
    ) -> Result<Vec<Connection>, ApiError> {
        cancellable(cancel, self.list_all(project_id, filter)).await
    }

    /// Reads one connection by exact name (`GET ?connectionNames=NAME`);
    /// `None` if there is none.
    pub async fn get_connection(
        &self,
        project_id: &str,
        name: &str,
        cancel: &CancellationToken,
    ) -> Result<Option<Connection>, ApiError> {
        cancellable(cancel, self.find_connection(project_id, name)).await
    }

    /// `PUT /v1/projects/{projectId}/connections?connectionName=NAME`: full
    /// replacement of the details. A missing connection is
    /// [`ApiError::NotFound`].
    pub async fn update_connection(
        &self,
        project_id: &str,
        name: &str,
        request: &UpdateConnectionRequest,
        cancel: &CancellationToken,
    ) -> Result<Connection, ApiError> {
        cancellable(cancel, async {
            let mut url = self.connections_url(project_id)?;
            url.query_pairs_mut()
                .append_pair("connectionName", non_empty("connection name", name)?);
            let body = serde_json::to_vec(request)
                .map_err(|e| ApiError::config(format!("cannot encode request: {e}")))?;
            let sent = self
                .call(Method::PUT, url, Some(body), Retryability::Idempotent)
                .await?;
            if sent.response.status.is_success() {
                if sent.response.body.iter().all(u8::is_ascii_whitespace) {
                    return self
                        .find_connection(project_id, name)
                        .await?
                        .ok_or_else(|| self.undecodable(&sent.response));
                }
                return self
                    .decode_or_read_back(&sent.response, project_id, name)
                    .await;
            }
            Err(self.error_from(&sent.response))
        })
        .await
    }

    /// `DELETE /v1/projects/{projectId}/connections?connectionName=NAME`;
    /// a 404 is [`DeleteOutcome::AlreadyGone`].
    pub async fn delete_connection(
        &self,
        project_id: &str,
        name: &str,
        cancel: &CancellationToken,
    ) -> Result<DeleteOutcome, ApiError> {
        cancellable(cancel, async {
            let mut url = self.connections_url(project_id)?;
            url.query_pairs_mut()
                .append_pair("connectionName", non_empty("connection name", name)?);
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

    pub(super) async fn find_connection(
        &self,
        project_id: &str,
        name: &str,
    ) -> Result<Option<Connection>, ApiError> {
        non_empty("connection name", name)?;
        // `connectionNames` is comma-separated: a name containing a comma
        // cannot be filtered for, so list everything and match locally.
        let filter = ListFilter {
            connection_names: if name.contains(',') {
                Vec::new()
            } else {
                vec![name.to_owned()]
            },
            ..ListFilter::default()
        };
        let all = self.list_all(project_id, &filter).await?;
        // An item without its (required) name could be the one asked for:
        // "not there" cannot be concluded from such a listing.
        if let Some(nameless) = all.iter().find(|c| c.name.is_none()) {
            let shown = serde_json::to_vec(nameless).unwrap_or_default();
            return Err(ApiError::Undecodable {
                status: 200,
                content_type: None,
                excerpt: format!(
                    "a listed connection has no name: {}",
                    excerpt(&shown, &self.secrets())
                ),
            });
        }
        Ok(all.into_iter().find(|c| c.name.as_deref() == Some(name)))
    }

    /// Decodes the connection in a successful create/update response; when
    /// the body is broken, the change was still made, so the connection is
    /// read back instead (the decode error stands if that fails too).
    async fn decode_or_read_back(
        &self,
        resp: &RawResponse,
        project_id: &str,
        name: &str,
    ) -> Result<Connection, ApiError> {
        match self.decode(resp) {
            Ok(c) => Ok(c),
            Err(err) => {
                tracing::warn!(
                    name = %name,
                    status = resp.status.as_u16(),
                    "undecodable success response; reading the connection back"
                );
                match self.find_connection(project_id, name).await {
                    Ok(Some(found)) => Ok(found),
                    _ => Err(err),
                }
            }
        }
    }

    async fn list_all(
        &self,
        project_id: &str,
        filter: &ListFilter,
    ) -> Result<Vec<Connection>, ApiError> {
        let mut url = self.connections_url(project_id)?;
        {
            let mut q = url.query_pairs_mut();
            if !filter.connection_names.is_empty() {
                q.append_pair("connectionNames", &filter.connection_names.join(","));
            }
            if let Some(p) = &filter.auth_provider {
                q.append_pair("authProvider", p);
            }
            if let Some(t) = &filter.platform_connection_type {
                q.append_pair("platformConnectionType", t.as_str());
            }
        }
        self.collect_pages(url, filter.page_size, |c: &Connection| c.name.clone())
            .await
    }

    /// GETs `url` page after page (`page` from 0, `size`) and returns every
    /// item. Stops at an empty page, a page with nothing new (by `key`, or
    /// by the whole item when `key` gives `None`), once `total` items are
    /// collected, or after a short page when there is no `total`.
    pub(super) async fn collect_pages<T, K>(
        &self,
        url: Url,
        page_size: Option<u32>,
        key: K,
    ) -> Result<Vec<T>, ApiError>
    where
        T: DeserializeOwned + serde::Serialize,
        K: Fn(&T) -> Option<String>,
    {
        let requested_size = page_size.unwrap_or(DEFAULT_PAGE_SIZE).max(1);
        let mut out: Vec<T> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        let mut page: u32 = 0;
        loop {
            let mut page_url = url.clone();
            page_url
                .query_pairs_mut()
                .append_pair("page", &page.to_string())
                .append_pair("size", &requested_size.to_string());
            let sent = self
                .call(Method::GET, page_url, None, Retryability::Idempotent)
                .await?;
            if !sent.response.status.is_success() {
                return Err(self.error_from(&sent.response));
            }
            let body: Page<T> = self.decode(&sent.response)?;
            let count = body.results.len();
            let mut new = 0usize;
            for item in body.results {
                let k = match key(&item) {
                    Some(k) => format!("k:{k}"),
                    None => format!("j:{}", serde_json::to_string(&item).unwrap_or_default()),
                };
                if seen.insert(k) {
                    out.push(item);
                    new += 1;
                }
            }
            let page_size = body
                .size
                .filter(|s| *s > 0)
                .unwrap_or(requested_size as u64);
            let done = count == 0
                || new == 0
                || match body.total {
                    Some(total) => out.len() as u64 >= total,
                    None => (count as u64) < page_size,
                };
            if done {
                return Ok(out);
            }
            page += 1;
            if page >= MAX_PAGES {
                return Err(ApiError::config(format!(
                    "listing did not finish after {MAX_PAGES} pages"
                )));
            }
        }
    }

    pub(super) fn connections_url(&self, project_id: &str) -> Result<Url, ApiError> {
        non_empty("project id", project_id)?;
        let mut url = self.inner.base.clone();
        url.path_segments_mut()
            .map_err(|_| ApiError::config("base_url cannot carry a path"))?
            .pop_if_empty()
            .extend(["v1", "projects", project_id, "connections"]);
        Ok(url)
    }

    /// Sends with auth and retries; on a 401 with renewable credentials,
    /// renews the token once and retries once.
    pub(super) async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<Vec<u8>>,
        retry: Retryability,
    ) -> Result<Sent, ApiError> {
        let inner = &*self.inner;
        let label = Label {
            method: match method {
                Method::GET => "GET",
                Method::POST => "POST",
                Method::PUT => "PUT",
                Method::DELETE => "DELETE",
                _ => "OTHER",
            },
            path: match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_owned(),
            },
        };
        let build = |token: &Secret| {
            let mut rb = inner
                .transport
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(token.expose())
                .header(
                    http::header::ACCEPT,
                    "application/json, application/problem+json",
                );
            if let Some(b) = &body {
                rb = rb
                    .header(http::header::CONTENT_TYPE, "application/json")
                    .body(b.clone());
            }
            rb
        };
        let token = inner.auth.bearer(&inner.transport).await?;
        let sent = inner
            .transport
            .send(&label, retry, || build(&token))
            .await?;
        if sent.response.status != StatusCode::UNAUTHORIZED || !inner.auth.renewable() {
            return Ok(sent);
        }
        tracing::debug!(path = %label.path, "HTTP 401: renewing the token and retrying once");
        inner.auth.invalidate(&token).await;
        let token = inner.auth.bearer(&inner.transport).await?;
        let mut again = inner
            .transport
            .send(&label, retry, || build(&token))
            .await?;
        again.attempts += sent.attempts;
        again.maybe_applied_earlier |= sent.maybe_applied_earlier;
        Ok(again)
    }

    fn secrets(&self) -> Vec<&str> {
        self.inner.secrets.iter().map(Secret::expose).collect()
    }

    pub(super) fn undecodable(&self, resp: &RawResponse) -> ApiError {
        ApiError::Undecodable {
            status: resp.status.as_u16(),
            content_type: resp.content_type(),
            excerpt: excerpt(&resp.body, &self.secrets()),
        }
    }

    pub(super) fn decode<T: DeserializeOwned>(&self, resp: &RawResponse) -> Result<T, ApiError> {
        serde_json::from_slice(&resp.body).map_err(|_| self.undecodable(resp))
    }

    /// Maps a non-success response to an error.
    pub(super) fn error_from(&self, resp: &RawResponse) -> ApiError {
        let status = resp.status.as_u16();
        let problem = serde_json::from_slice::<serde_json::Value>(&resp.body)
            .ok()
            .filter(serde_json::Value::is_object)
            .and_then(|v| serde_json::from_value::<ProblemDetail>(v).ok())
            .map(|p| self.redact_problem(p));
        match (status, problem) {
            (401, problem) => ApiError::Unauthorized { status, problem },
            (403, problem) => ApiError::Forbidden { status, problem },
            (404, problem) => ApiError::NotFound { problem },
            (409, problem) => ApiError::Conflict { problem },
            (429, _) => ApiError::RateLimited {
                attempts: 1,
                retry_after: super::retry::parse_retry_after(&resp.headers),
            },
            (_, Some(problem)) => ApiError::Problem { status, problem },
            (_, None) => self.undecodable(resp),
        }
    }

    fn redact_problem(&self, mut p: ProblemDetail) -> ProblemDetail {
        let secrets = self.secrets();
        let fix = |s: &mut Option<String>| {
            if let Some(v) = s {
                *v = super::secret::redact(v, &secrets);
            }
        };
        fix(&mut p.title);
        fix(&mut p.detail);
        for v in &mut p.violations {
            *v = super::secret::redact(v, &secrets);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_urls_and_user_agent() {
        assert_eq!(
            region_base_url("EU1").as_deref(),
            Some("https://eu1.api.matillion.com/dpc")
        );
        assert_eq!(region_base_url("xx9"), None);
        let v = env!("CARGO_PKG_VERSION");
        assert_eq!(user_agent(None), format!("terraform-provider-maia/{v}"));
        assert_eq!(
            user_agent(Some("1.9.0")),
            format!("terraform-provider-maia/{v} (+terraform 1.9.0)")
        );
        assert_eq!(
            user_agent(Some(" ")),
            format!("terraform-provider-maia/{v}")
        );
    }
}
