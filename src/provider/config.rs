//! The provider block: its schema and how configuration plus environment
//! resolve into what the API client needs.

use std::time::Duration;

use crate::plugin::cty::{AttributePath, Type, Value};
use crate::plugin::schema::{Attribute, Block, Schema, StringKind};
use crate::plugin::{Diagnostic, Diagnostics};
use crate::resources::attr::{self, Attr};

/// Argument names of the provider block.
pub mod names {
    /// `region`
    pub const REGION: &str = "region";
    /// `endpoint`
    pub const ENDPOINT: &str = "endpoint";
    /// `token`
    pub const TOKEN: &str = "token";
    /// `client_id`
    pub const CLIENT_ID: &str = "client_id";
    /// `client_secret`
    pub const CLIENT_SECRET: &str = "client_secret";
    /// `token_url`
    pub const TOKEN_URL: &str = "token_url";
    /// `max_retries`
    pub const MAX_RETRIES: &str = "max_retries";
    /// `request_timeout_seconds`
    pub const REQUEST_TIMEOUT_SECONDS: &str = "request_timeout_seconds";
    /// `ca_cert_file`
    pub const CA_CERT_FILE: &str = "ca_cert_file";
}
use names::*;

/// The Maia regions and their API base URLs.
pub const REGIONS: &[(&str, &str)] = &[
    ("eu1", "https://eu1.api.matillion.com/dpc"),
    ("us1", "https://us1.api.matillion.com/dpc"),
    ("au1", "https://au1.api.matillion.com/dpc"),
];
/// The region used when none is configured.
pub const DEFAULT_REGION: &str = "eu1";
/// The OAuth token endpoint used when none is configured.
pub const DEFAULT_TOKEN_URL: &str = "https://id.core.matillion.com/oauth/dpc/token";
/// Retries after the first attempt, by default.
pub const DEFAULT_MAX_RETRIES: u32 = 5;
/// The most retries accepted.
pub const MAX_MAX_RETRIES: i64 = 20;
/// Per-request timeout, by default.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The environment variables the provider reads, by argument (first one wins).
pub const ENV_VARS: &[(&str, &[&str])] = &[
    (REGION, &["MAIA_REGION"]),
    (ENDPOINT, &["MAIA_ENDPOINT"]),
    (TOKEN, &["MAIA_TOKEN"]),
    (CLIENT_ID, &["MAIA_CLIENT_ID", "MATILLION_CLIENT_ID"]),
    (
        CLIENT_SECRET,
        &["MAIA_CLIENT_SECRET", "MATILLION_CLIENT_SECRET"],
    ),
    (TOKEN_URL, &["MAIA_TOKEN_URL"]),
    (MAX_RETRIES, &["MAIA_MAX_RETRIES"]),
    (REQUEST_TIMEOUT_SECONDS, &["MAIA_REQUEST_TIMEOUT_SECONDS"]),
    (CA_CERT_FILE, &["MAIA_CA_CERT_FILE"]),
];

fn env_names(arg: &str) -> &'static [&'static str] {
    ENV_VARS
        .iter()
        .find(|(a, _)| *a == arg)
        .map(|(_, e)| *e)
        .unwrap_or(&[])
}

fn described(name: &str, description: &str) -> Attribute {
    let envs = env_names(name);
    let suffix = if envs.is_empty() {
        String::new()
    } else {
        let list: Vec<String> = envs.iter().map(|e| format!("`{e}`")).collect();
        format!(" Environment: {}.", list.join(", then "))
    };
    Attribute::new(name, Type::String)
        .description(format!("{description}{suffix}"))
        .optional()
}

/// The provider configuration schema.
pub fn schema() -> Schema {
    let mut max_retries = described(MAX_RETRIES, "How many times a failed request (429, 502, 503, 504, connection failure) is retried, with exponential backoff. Default 5, at most 20.");
    max_retries.ty = Some(Type::Number);
    let mut timeout = described(
        REQUEST_TIMEOUT_SECONDS,
        "How long one HTTP request may take, in seconds. Default 30.",
    );
    timeout.ty = Some(Type::Number);
    Schema {
        version: 0,
        block: Block {
            description: "The Maia provider manages Matillion Data Productivity Cloud (Maia) project connections. Authenticate with a bearer `token`, or with OAuth client credentials (`client_id` and `client_secret`).".into(),
            description_kind: StringKind::Markdown,
            attributes: vec![
                described(REGION, "The Maia region: `eu1`, `us1` or `au1`, selecting `https://<region>.api.matillion.com/dpc`. Default `eu1`."),
                described(ENDPOINT, "The full API base URL including its path, e.g. `http://127.0.0.1:8080/dpc` for the local emulator. Overrides `region`. Must be `https://` except on loopback hosts."),
                described(TOKEN, "A bearer token (JWT) for the Maia API. Excludes `client_id`/`client_secret`.").sensitive(),
                described(CLIENT_ID, "The OAuth client ID of a Maia API credential. Used with `client_secret`."),
                described(CLIENT_SECRET, "The OAuth client secret of a Maia API credential. Used with `client_id`.").sensitive(),
                described(TOKEN_URL, "The OAuth token endpoint for client credentials. Default `https://id.core.matillion.com/oauth/dpc/token`."),
                max_retries,
                timeout,
                described(CA_CERT_FILE, "A PEM file of extra CA certificates to trust for the API (for corporate TLS proxies)."),
            ],
            ..Block::default()
        },
    }
}

/// How the provider authenticates, resolved.
#[derive(Clone, PartialEq, Eq)]
pub enum ResolvedAuth {
    /// A static bearer token.
    Token(String),
    /// OAuth client credentials.
    ClientCredentials {
        /// Client ID.
        client_id: String,
        /// Client secret.
        client_secret: String,
        /// Token endpoint.
        token_url: String,
    },
}

impl std::fmt::Debug for ResolvedAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ResolvedAuth::Token(_) => f.write_str("Token(***)"),
            ResolvedAuth::ClientCredentials {
                client_id,
                token_url,
                ..
            } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &"***")
                .field("token_url", token_url)
                .finish(),
        }
    }
}

/// The provider configuration after environment fallbacks and defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedConfig {
    /// API base URL (no trailing slash).
    pub base_url: String,
    /// Credentials.
    pub auth: ResolvedAuth,
    /// A sentence naming which credentials are in use (never their values),
    /// for 401/403 diagnostics.
    pub credentials_used: String,
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// Per-request timeout.
    pub request_timeout: Duration,
    /// Extra CA certificates file.
    pub ca_cert_file: Option<String>,
}

/// The outcome of resolving configuration.
#[derive(Debug)]
pub enum Resolution {
    /// Everything known and valid.
    Ready(ResolvedConfig),
    /// Some value is unknown at plan time; the provider stays unconfigured for now.
    Deferred,
}

/// A value from configuration, else from the environment; where it came from.
fn lookup(
    config: &Value,
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Attr<(String, String)> {
    match attr::string(config, name) {
        Attr::Known(v) => Attr::Known((v, format!("the provider argument `{name}`"))),
        Attr::Unknown => Attr::Unknown,
        Attr::Null => env_names(name)
            .iter()
            .find_map(|e| {
                env(e)
                    .filter(|v| !v.is_empty())
                    .map(|v| (v, format!("the environment variable {e}")))
            })
            .map_or(Attr::Null, Attr::Known),
    }
}

fn number_arg(
    config: &Value,
    name: &str,
    env: &dyn Fn(&str) -> Option<String>,
    range: std::ops::RangeInclusive<i64>,
    diags: &mut Diagnostics,
) -> Attr<i64> {
    let bad = |shown: String| {
        Diagnostic::error(
            format!("Invalid {name}"),
            format!(
                "{name} is {shown}; it must be a whole number from {} to {}.",
                range.start(),
                range.end()
            ),
        )
        .at(AttributePath::attr(name))
    };
    match config.get_attr(name) {
        Value::Null => {}
        Value::Number(n) => {
            return match n.to_i64().filter(|i| range.contains(i)) {
                Some(i) => Attr::Known(i),
                None => {
                    diags.push(bad(n.to_string()));
                    Attr::Null
                }
            }
        }
        _ => return Attr::Unknown,
    }
    for e in env_names(name) {
        if let Some(v) = env(e).filter(|v| !v.is_empty()) {
            return match v.trim().parse::<i64>().ok().filter(|i| range.contains(i)) {
                Some(i) => Attr::Known(i),
                None => {
                    diags.push(bad(format!("\"{v}\" (from {e})")));
                    Attr::Null
                }
            };
        }
    }
    Attr::Null
}

/// Whether `url`'s host is a loopback address or `localhost`.
pub fn is_loopback_url(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

fn check_url(value: &str, name: &str, source: &str) -> Result<String, Diagnostic> {
    let at = AttributePath::attr(name);
    let parsed = url::Url::parse(value).map_err(|e| {
        Diagnostic::error(
            format!("Invalid {name}"),
            format!("{name} \"{value}\" (from {source}) is not a URL: {e}."),
        )
        .at(at.clone())
    })?;
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback_url(&parsed) => {}
        "http" => {
            return Err(Diagnostic::error(
                format!("Insecure {name}"),
                format!("{name} \"{value}\" (from {source}) uses http:// on a host that is not loopback. Credentials would travel unencrypted: use https://. (http:// is accepted only for 127.0.0.1, ::1 and localhost, e.g. the local emulator.)"),
            )
            .at(at))
        }
        other => {
            return Err(Diagnostic::error(
                format!("Invalid {name}"),
                format!("{name} \"{value}\" (from {source}) has scheme \"{other}\"; use https://."),
            )
            .at(at))
        }
    }
    Ok(value.trim_end_matches('/').to_string())
}

/// Validates what can be validated of the provider block alone (no environment):
/// used by `ValidateProviderConfig`.
pub fn validate(config: &Value) -> Diagnostics {
    let no_env = |_: &str| None;
    let mut diags = Diagnostics::new();
    let _ = resolve_inner(config, &no_env, &mut diags, false);
    diags
}

/// Resolves configuration plus environment into a client configuration.
pub fn resolve(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Resolution, Diagnostics> {
    let mut diags = Diagnostics::new();
    let r = resolve_inner(config, env, &mut diags, true);
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(r)
}

fn resolve_inner(
    config: &Value,
    env: &dyn Fn(&str) -> Option<String>,
    diags: &mut Diagnostics,
    require_credentials: bool,
) -> Resolution {
    let mut deferred = false;

    let region = lookup(config, REGION, env);
    let region_url = match &region {
        Attr::Known((r, source)) => match REGIONS.iter().find(|(name, _)| name == r) {
            Some((_, url)) => Some(url.to_string()),
            None => {
                diags.push(
                    Diagnostic::error(
                        "Invalid region",
                        format!("region \"{r}\" (from {source}) is not a Maia region; use \"eu1\", \"us1\" or \"au1\", or set endpoint."),
                    )
                    .at(AttributePath::attr(REGION)),
                );
                None
            }
        },
        Attr::Unknown => {
            deferred = true;
            None
        }
        Attr::Null => REGIONS
            .iter()
            .find(|(n, _)| *n == DEFAULT_REGION)
            .map(|(_, u)| u.to_string()),
    };
    let base_url = match lookup(config, ENDPOINT, env) {
        Attr::Known((e, source)) => match check_url(&e, ENDPOINT, &source) {
            Ok(u) => Some(u),
            Err(d) => {
                diags.push(d);
                None
            }
        },
        Attr::Unknown => {
            deferred = true;
            None
        }
        Attr::Null => region_url,
    };

    let token = lookup(config, TOKEN, env);
    let client_id = lookup(config, CLIENT_ID, env);
    let client_secret = lookup(config, CLIENT_SECRET, env);
    let token_url = match lookup(config, TOKEN_URL, env) {
        Attr::Known((u, source)) => match check_url(&u, TOKEN_URL, &source) {
            Ok(u) => Some(u),
            Err(d) => {
                diags.push(d);
                None
            }
        },
        Attr::Unknown => {
            deferred = true;
            None
        }
        Attr::Null => Some(DEFAULT_TOKEN_URL.to_string()),
    };
    let max_retries = number_arg(config, MAX_RETRIES, env, 0..=MAX_MAX_RETRIES, diags);
    let timeout = number_arg(config, REQUEST_TIMEOUT_SECONDS, env, 1..=3600, diags);
    let ca_cert_file = lookup(config, CA_CERT_FILE, env);
    if [&token, &client_id, &client_secret, &ca_cert_file]
        .iter()
        .any(|a| a.is_unknown())
        || max_retries.is_unknown()
        || timeout.is_unknown()
    {
        deferred = true;
    }

    // Only the arguments set in the configuration itself can conflict; an
    // environment variable never overrides an explicit argument.
    let token_in_config = attr::string(config, TOKEN).is_set();
    let pair_in_config =
        attr::string(config, CLIENT_ID).is_set() || attr::string(config, CLIENT_SECRET).is_set();
    if token_in_config && pair_in_config {
        diags.push(
            Diagnostic::error(
                "Conflicting credentials",
                "Set either token, or client_id and client_secret, not both.",
            )
            .at(AttributePath::attr(TOKEN)),
        );
        return Resolution::Deferred;
    }

    let auth = match (&token, &client_id, &client_secret) {
        _ if deferred => None,
        (Attr::Known((t, source)), _, _) if token_in_config || !pair_in_config => Some((
            ResolvedAuth::Token(t.clone()),
            format!("the bearer token from {source}"),
        )),
        (_, Attr::Known((id, id_source)), Attr::Known((secret, _))) => Some((
            ResolvedAuth::ClientCredentials {
                client_id: id.clone(),
                client_secret: secret.clone(),
                token_url: token_url
                    .clone()
                    .unwrap_or_else(|| DEFAULT_TOKEN_URL.to_string()),
            },
            format!("the OAuth client credentials with client ID \"{id}\" (from {id_source})"),
        )),
        (_, Attr::Known(_), Attr::Null) => {
            diags.push(
                Diagnostic::error(
                    "Missing client_secret",
                    "client_id is set but client_secret is not. Set client_secret (or MAIA_CLIENT_SECRET / MATILLION_CLIENT_SECRET).",
                )
                .at(AttributePath::attr(CLIENT_SECRET)),
            );
            None
        }
        (_, Attr::Null, Attr::Known(_)) => {
            diags.push(
                Diagnostic::error(
                    "Missing client_id",
                    "client_secret is set but client_id is not. Set client_id (or MAIA_CLIENT_ID / MATILLION_CLIENT_ID).",
                )
                .at(AttributePath::attr(CLIENT_ID)),
            );
            None
        }
        _ => {
            if require_credentials {
                diags.push(Diagnostic::error(
                    "No Maia credentials",
                    "The maia provider needs credentials. Set token (or the environment variable MAIA_TOKEN) to a bearer token, or set client_id and client_secret (or MAIA_CLIENT_ID and MAIA_CLIENT_SECRET, or MATILLION_CLIENT_ID and MATILLION_CLIENT_SECRET) to an API credential's client credentials.",
                ));
            }
            None
        }
    };

    if deferred {
        return Resolution::Deferred;
    }
    match (base_url, auth) {
        (Some(base_url), Some((auth, credentials_used))) => Resolution::Ready(ResolvedConfig {
            base_url,
            auth,
            credentials_used,
            max_retries: max_retries
                .to_option()
                .map_or(DEFAULT_MAX_RETRIES, |v| v as u32),
            request_timeout: timeout
                .to_option()
                .map_or(DEFAULT_REQUEST_TIMEOUT, |s| Duration::from_secs(s as u64)),
            ca_cert_file: ca_cert_file.to_option().map(|(f, _)| f),
        }),
        _ => Resolution::Deferred,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, Value)]) -> Value {
        let mut m: std::collections::BTreeMap<String, Value> = ENV_VARS
            .iter()
            .map(|(n, _)| (n.to_string(), Value::Null))
            .collect();
        for (k, v) in pairs {
            m.insert(k.to_string(), v.clone());
        }
        Value::Object(m)
    }

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn ready(r: Result<Resolution, Diagnostics>) -> ResolvedConfig {
        match r {
            Ok(Resolution::Ready(c)) => c,
            other => panic!("expected a ready configuration, got {other:?}"),
        }
    }

    #[test]
    fn defaults_to_eu1_with_a_token_from_the_environment() {
        let c = ready(resolve(&cfg(&[]), &env(&[("MAIA_TOKEN", "t0k")])));
        assert_eq!(c.base_url, "https://eu1.api.matillion.com/dpc");
        assert_eq!(c.auth, ResolvedAuth::Token("t0k".into()));
        assert!(c.credentials_used.contains("MAIA_TOKEN"));
        assert!(!c.credentials_used.contains("t0k"));
        assert_eq!(c.max_retries, DEFAULT_MAX_RETRIES);
    }

    #[test]
    fn endpoint_overrides_region_and_loopback_http_is_accepted() {
        let c = ready(resolve(
            &cfg(&[
                (REGION, Value::string("us1")),
                (ENDPOINT, Value::string("http://127.0.0.1:9/dpc/")),
                (TOKEN, Value::string("x")),
            ]),
            &env(&[]),
        ));
        assert_eq!(c.base_url, "http://127.0.0.1:9/dpc");
    }

    #[test]
    fn non_loopback_http_is_refused_on_endpoint() {
        let err = resolve(
            &cfg(&[
                (ENDPOINT, Value::string("http://example.com/dpc")),
                (TOKEN, Value::string("x")),
            ]),
            &env(&[]),
        )
        .unwrap_err();
        assert_eq!(err.0[0].attribute, Some(AttributePath::attr(ENDPOINT)));
    }

    #[test]
    fn client_credentials_fall_back_to_matillion_variables() {
        let c = ready(resolve(
            &cfg(&[]),
            &env(&[
                ("MATILLION_CLIENT_ID", "id1"),
                ("MATILLION_CLIENT_SECRET", "s3cret"),
            ]),
        ));
        match &c.auth {
            ResolvedAuth::ClientCredentials {
                client_id,
                client_secret,
                token_url,
            } => {
                assert_eq!(client_id, "id1");
                assert_eq!(client_secret, "s3cret");
                assert_eq!(token_url, DEFAULT_TOKEN_URL);
            }
            other => panic!("{other:?}"),
        }
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn token_and_client_credentials_exclude_each_other() {
        let err = resolve(
            &cfg(&[(TOKEN, Value::string("t")), (CLIENT_ID, Value::string("i"))]),
            &env(&[]),
        )
        .unwrap_err();
        assert!(err.0[0].summary.contains("Conflicting"));
        assert!(validate(&cfg(&[
            (TOKEN, Value::string("t")),
            (CLIENT_SECRET, Value::string("s"))
        ]))
        .has_errors());
    }

    #[test]
    fn no_credentials_says_what_to_set() {
        let err = resolve(&cfg(&[]), &env(&[])).unwrap_err();
        assert!(err.0[0].detail.contains("MAIA_TOKEN"));
        assert!(err.0[0].detail.contains("MAIA_CLIENT_ID"));
        // ...but validation of the block alone does not require them (env may supply).
        assert!(validate(&cfg(&[])).is_empty());
    }

    #[test]
    fn unknown_values_defer_configuration() {
        assert!(matches!(
            resolve(&cfg(&[(TOKEN, Value::unknown())]), &env(&[])),
            Ok(Resolution::Deferred)
        ));
        assert!(validate(&cfg(&[(ENDPOINT, Value::unknown())])).is_empty());
    }

    #[test]
    fn invalid_region_and_retries_are_reported_on_their_arguments() {
        let d = validate(&cfg(&[
            (REGION, Value::string("eu2")),
            (MAX_RETRIES, Value::Number(100.into())),
        ]));
        let paths: Vec<String> = d
            .iter()
            .filter_map(|d| d.attribute.as_ref().map(|p| p.to_string()))
            .collect();
        assert_eq!(paths, vec!["region", "max_retries"]);
    }
}
