//! Credentials and bearer tokens: a static token, or OAuth2 client
//! credentials with a shared, single-flight token cache.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Deserialize;
use url::Url;

use super::error::{excerpt, ApiError};
use super::secret::Secret;
use super::transport::{Label, Retryability, Transport};

/// The default OAuth2 token endpoint.
pub const DEFAULT_TOKEN_URL: &str = "https://id.core.matillion.com/oauth/dpc/token";
/// The default OAuth2 audience.
pub const DEFAULT_AUDIENCE: &str = "https://api.matillion.com";
/// Tokens are renewed this long before they expire (at most half their lifetime).
pub const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(60);
/// Lifetime assumed when the token response has no `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(300);

/// How the client authenticates. `Debug` output never shows secrets.
#[derive(Debug, Clone)]
pub enum AuthConfig {
    /// A ready bearer token (cannot be renewed).
    Token(Secret),
    /// OAuth2 client credentials; tokens are fetched and renewed as needed.
    ClientCredentials {
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: Secret,
        /// Token endpoint, normally [`DEFAULT_TOKEN_URL`].
        token_url: String,
        /// Audience, normally [`DEFAULT_AUDIENCE`].
        audience: String,
    },
}

impl AuthConfig {
    /// Client credentials with the default token URL and audience.
    pub fn client_credentials(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Self {
        AuthConfig::ClientCredentials {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            token_url: DEFAULT_TOKEN_URL.to_owned(),
            audience: DEFAULT_AUDIENCE.to_owned(),
        }
    }
}

#[derive(Debug)]
struct CachedToken {
    token: Secret,
    renew_at: Instant,
}

#[derive(Debug)]
pub(crate) struct OAuth {
    client_id: String,
    client_secret: Secret,
    token_url: Url,
    audience: String,
    cache: tokio::sync::Mutex<TokenState>,
    /// Completed fetches (bumped under the lock when a fetch ends).
    generation: AtomicU64,
    fetches: AtomicU64,
}

/// A refusal by the token endpoint, shared with callers that were already
/// waiting for that fetch (so N waiters cause one request, not N).
#[derive(Debug, Clone)]
struct Rejection {
    generation: u64,
    status: u16,
    error: Option<String>,
    description: Option<String>,
}

#[derive(Debug, Default)]
struct TokenState {
    token: Option<CachedToken>,
    rejection: Option<Rejection>,
}

/// Supplies bearer tokens for API calls.
#[derive(Debug)]
pub(crate) enum TokenSource {
    Static(Secret),
    OAuth(Box<OAuth>),
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct OAuthError {
    error: Option<String>,
    error_description: Option<String>,
}

impl TokenSource {
    /// Builds the source, validating the token URL.
    pub fn new(config: &AuthConfig) -> Result<Self, ApiError> {
        match config {
            AuthConfig::Token(t) => {
                if t.expose().trim().is_empty() {
                    return Err(ApiError::config("the API token is empty"));
                }
                Ok(TokenSource::Static(t.clone()))
            }
            AuthConfig::ClientCredentials {
                client_id,
                client_secret,
                token_url,
                audience,
            } => {
                if client_id.trim().is_empty() {
                    return Err(ApiError::config("the client id is empty"));
                }
                if client_secret.expose().is_empty() {
                    return Err(ApiError::config("the client secret is empty"));
                }
                let token_url = super::endpoint::validate_endpoint(token_url, "token_url")?;
                Ok(TokenSource::OAuth(Box::new(OAuth {
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                    token_url,
                    audience: audience.clone(),
                    cache: tokio::sync::Mutex::new(TokenState::default()),
                    generation: AtomicU64::new(0),
                    fetches: AtomicU64::new(0),
                })))
            }
        }
    }

    /// Whether a rejected token can be replaced by a fresh one.
    pub fn renewable(&self) -> bool {
        matches!(self, TokenSource::OAuth(_))
    }

    /// Token requests made so far (0 for a static token).
    pub fn fetch_count(&self) -> u64 {
        match self {
            TokenSource::Static(_) => 0,
            TokenSource::OAuth(o) => o.fetches.load(Ordering::Relaxed),
        }
    }

    /// The configured secrets, for redacting excerpts.
    pub fn configured_secrets(&self) -> Vec<Secret> {
        match self {
            TokenSource::Static(t) => vec![t.clone()],
            TokenSource::OAuth(o) => vec![o.client_secret.clone()],
        }
    }

    /// A valid bearer token: cached, or fetched once however many callers
    /// wait for it at the same time.
    pub async fn bearer(&self, transport: &Transport) -> Result<Secret, ApiError> {
        let oauth = match self {
            TokenSource::Static(t) => return Ok(t.clone()),
            TokenSource::OAuth(o) => o,
        };
        let waited_since = oauth.generation.load(Ordering::SeqCst);
        let mut state = oauth.cache.lock().await;
        if let Some(cached) = state.token.as_ref() {
            if Instant::now() < cached.renew_at {
                return Ok(cached.token.clone());
            }
        }
        if let Some(r) = &state.rejection {
            if r.generation > waited_since {
                return Err(ApiError::TokenRejected {
                    status: r.status,
                    error: r.error.clone(),
                    description: r.description.clone(),
                });
            }
        }
        let result = oauth.fetch(transport).await;
        let generation = oauth.generation.fetch_add(1, Ordering::SeqCst) + 1;
        match result {
            Ok(fresh) => {
                let token = fresh.token.clone();
                state.token = Some(fresh);
                state.rejection = None;
                Ok(token)
            }
            Err(e) => {
                if let ApiError::TokenRejected {
                    status,
                    error,
                    description,
                } = &e
                {
                    state.rejection = Some(Rejection {
                        generation,
                        status: *status,
                        error: error.clone(),
                        description: description.clone(),
                    });
                }
                Err(e)
            }
        }
    }

    /// Drops `used` from the cache if it is still the cached token (a newer
    /// token fetched meanwhile by another caller is kept).
    pub async fn invalidate(&self, used: &Secret) {
        if let TokenSource::OAuth(o) = self {
            let mut state = o.cache.lock().await;
            if state.token.as_ref().is_some_and(|c| &c.token == used) {
                state.token = None;
            }
        }
    }
}

impl OAuth {
    async fn fetch(&self, transport: &Transport) -> Result<CachedToken, ApiError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let label = Label {
            method: "POST",
            path: self.token_url.path().to_owned(),
        };
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose()),
            ("audience", self.audience.as_str()),
        ];
        let sent = transport
            .send(&label, Retryability::Idempotent, || {
                transport
                    .http
                    .post(self.token_url.clone())
                    .header(http::header::ACCEPT, "application/json")
                    .form(&form)
            })
            .await?;
        let resp = sent.response;
        let status = resp.status.as_u16();
        let secrets = [self.client_secret.expose(), self.client_id.as_str()];
        if !resp.status.is_success() {
            let parsed = serde_json::from_slice::<OAuthError>(&resp.body).ok();
            let shorten = |s: String| excerpt(s.as_bytes(), &secrets);
            return Err(match parsed {
                Some(OAuthError {
                    error,
                    error_description,
                }) if error.is_some() || matches!(status, 400 | 401 | 403) => {
                    ApiError::TokenRejected {
                        status,
                        error: error.map(shorten),
                        description: error_description.map(shorten),
                    }
                }
                _ if matches!(status, 400 | 401 | 403) => ApiError::TokenRejected {
                    status,
                    error: None,
                    description: Some(excerpt(&resp.body, &secrets)).filter(|s| !s.is_empty()),
                },
                _ => ApiError::Undecodable {
                    status,
                    content_type: resp.content_type(),
                    excerpt: excerpt(&resp.body, &secrets),
                },
            });
        }
        let undecodable = || ApiError::Undecodable {
            status,
            content_type: resp.content_type(),
            // Never echo a success body: it holds the token.
            excerpt: "(token response without a usable access_token)".into(),
        };
        let parsed: TokenResponse =
            serde_json::from_slice(&resp.body).map_err(|_| undecodable())?;
        let token = parsed
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(undecodable)?;
        let lifetime = parsed
            .expires_in
            .and_then(|v| match v {
                serde_json::Value::Number(n) => n.as_f64(),
                serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
                _ => None,
            })
            .filter(|s| s.is_finite() && *s > 0.0)
            .map(|s| Duration::from_secs_f64(s.min(86_400.0 * 365.0)))
            .unwrap_or(DEFAULT_LIFETIME);
        let margin = RENEW_BEFORE_EXPIRY.min(lifetime / 2);
        tracing::debug!(lifetime_s = lifetime.as_secs(), "obtained a Maia API token");
        Ok(CachedToken {
            token: Secret::new(token),
            renew_at: Instant::now() + (lifetime - margin),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let a = AuthConfig::client_credentials("my-client", "s3cr3t-value");
        let dbg = format!("{a:?}");
        assert!(!dbg.contains("s3cr3t-value"), "{dbg}");
        assert!(dbg.contains(DEFAULT_TOKEN_URL));
        let t = AuthConfig::Token(Secret::new("eyJhbGciOi.token"));
        assert!(!format!("{t:?}").contains("eyJhbGciOi"));
    }

    #[test]
    fn empty_credentials_are_config_errors() {
        assert!(matches!(
            TokenSource::new(&AuthConfig::Token(Secret::new(" "))),
            Err(ApiError::Config { .. })
        ));
        assert!(matches!(
            TokenSource::new(&AuthConfig::client_credentials("", "x")),
            Err(ApiError::Config { .. })
        ));
        let mut bad = AuthConfig::client_credentials("id", "secret");
        if let AuthConfig::ClientCredentials { token_url, .. } = &mut bad {
            *token_url = "http://id.example.com/token".into();
        }
        assert!(matches!(
            TokenSource::new(&bad),
            Err(ApiError::InvalidEndpoint {
                what: "token_url",
                ..
            })
        ));
    }
}
