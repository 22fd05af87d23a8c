//! Configuration of one emulator instance.

use std::path::PathBuf;
use std::time::Duration;

use super::faults::FaultConfig;

/// The static bearer token accepted by default.
pub const DEFAULT_TOKEN: &str = "maia-emulator-token";
/// The OAuth client id accepted by default.
pub const DEFAULT_CLIENT_ID: &str = "emulator-client";
/// The OAuth client secret accepted by default.
pub const DEFAULT_CLIENT_SECRET: &str = "emulator-secret";
/// Lifetime of issued tokens by default (30 minutes, as the real service).
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(1800);
/// Largest request body accepted (bytes); larger bodies get 413.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Everything that shapes one emulator instance. Build with `Default` and
/// override fields: `EmulatorConfig { port: 0, ..Default::default() }`.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    /// TCP port on 127.0.0.1; 0 picks a free port.
    pub port: u16,
    /// JSON file the state is loaded from at start and written to
    /// (atomically) after every mutation; `None` keeps state in memory only.
    pub state_file: Option<PathBuf>,
    /// Static bearer tokens accepted on API routes; they never expire.
    pub tokens: Vec<String>,
    /// Bearer tokens that authenticate but are refused with 403.
    pub forbidden_tokens: Vec<String>,
    /// Client id accepted by the OAuth token endpoint.
    pub client_id: String,
    /// Client secret accepted by the OAuth token endpoint.
    pub client_secret: String,
    /// Lifetime of tokens issued by the token endpoint.
    pub token_ttl: Duration,
    /// Faults injected from the start (change later with `set_faults` or the admin route).
    pub faults: FaultConfig,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// `createdBy` recorded for connections created with a static token
    /// (issued tokens record their client id).
    pub static_token_user: String,
    /// Serve HTTPS instead of HTTP with this certificate chain and private
    /// key, both PEM: `(cert_pem, key_pem)`. URLs then start with `https://`.
    pub tls: Option<(String, String)>,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        EmulatorConfig {
            port: 0,
            state_file: None,
            tokens: vec![DEFAULT_TOKEN.to_string()],
            forbidden_tokens: Vec::new(),
            client_id: DEFAULT_CLIENT_ID.to_string(),
            client_secret: DEFAULT_CLIENT_SECRET.to_string(),
            token_ttl: DEFAULT_TOKEN_TTL,
            faults: FaultConfig::default(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            static_token_user: "emulator-user".to_string(),
            tls: None,
        }
    }
}
