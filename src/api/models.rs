//! Typed request and response bodies of the Maia connections API.
//!
//! JSON names follow the OpenAPI seed exactly (camelCase properties,
//! SCREAMING_SNAKE_CASE enum values). Optional fields that are unset are
//! omitted from serialized JSON (never `null`), unknown response fields are
//! ignored, and enum values the client does not know yet are kept verbatim in
//! an `Other(String)` variant so a new server value is never fatal.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Error returned by the strict [`FromStr`] implementations of the API enums.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a valid {kind}; expected one of: {expected}")]
pub struct UnknownEnumValue {
    /// Name of the enum, e.g. `authType`.
    pub kind: &'static str,
    /// The rejected input.
    pub value: String,
    /// The accepted values, comma separated.
    pub expected: String,
}

/// Defines a string enum with known variants, an `Other(String)` fallback,
/// `as_str`, `ALL`, strict `FromStr`, `Display`, and lenient serde.
macro_rules! api_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $kind:literal {
            $( $(#[$vmeta:meta])* $variant:ident => $wire:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this client does not know (kept verbatim from a response).
            Other(String),
        }

        impl $name {
            /// Every known value, in the order the API documents them.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// The exact wire string of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Other(s) => s.as_str(),
                }
            }

            /// Whether this is one of the documented values (not `Other`).
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }

            /// The known wire strings, comma separated (for messages).
            pub fn expected_values() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }

            /// Lenient conversion: known strings map to their variant,
            /// anything else to `Other`.
            pub fn from_wire(s: &str) -> Self {
                match s {
                    $( $wire => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl FromStr for $name {
            type Err = UnknownEnumValue;

            /// Strict parse: only documented values are accepted.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match Self::from_wire(s) {
                    $name::Other(value) => Err(UnknownEnumValue {
                        kind: $kind,
                        value,
                        expected: Self::expected_values(),
                    }),
                    known => Ok(known),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Ok(Self::from_wire(&s))
            }
        }
    };
}

api_enum! {
    /// The kind of connection (`platformConnectionType`).
    PlatformConnectionType, "platformConnectionType" {
        /// Connect a component to a data source, API or SaaS application.
        ComponentBasic => "COMPONENT_BASIC",
        /// Give a project access to a cloud provider (AWS, Azure, GCP).
        CloudPlatformCredentials => "CLOUD_PLATFORM_CREDENTIALS",
    }
}

api_enum! {
    /// The kind of secret a connection references (`authType`).
    AuthType, "authType" {
        /// A generic secret.
        GenericSecret => "GENERIC_SECRET",
        /// Cloud provider credentials.
        CloudProviderSecret => "CLOUD_PROVIDER_SECRET",
        /// OAuth user tokens.
        OauthUserTokens => "OAUTH_USER_TOKENS",
        /// OAuth authorization code.
        OauthAuthorizationCode => "OAUTH_AUTHORIZATION_CODE",
        /// OAuth client credentials.
        OauthClientCred => "OAUTH_CLIENT_CRED",
        /// Composite token (NetSuite).
        CompositeToken => "COMPOSITE_TOKEN",
        /// OAuth 1.0 (X Ads).
        Oauth10XAds => "OAUTH_1_0_X_ADS",
    }
}

api_enum! {
    /// The vault that holds a connection's secrets (`secretsLocation.type`).
    SecretsLocationType, "secretsLocation.type" {
        /// AWS Secrets Manager (with `region`).
        AwsSecretManager => "AWS_SECRET_MANAGER",
        /// Azure Key Vault (with `vaultName`).
        AzureSecretManager => "AZURE_SECRET_MANAGER",
        /// GCP Secret Manager (with `gcpProjectId`).
        GcpSecretManager => "GCP_SECRET_MANAGER",
        /// Matillion-hosted vault.
        MatillionCustomerVault => "MATILLION_CUSTOMER_VAULT",
        /// The agent's default vault.
        DefaultSecretVault => "DEFAULT_SECRET_VAULT",
    }
}

/// Where a connection's secrets live (`secretsLocation`, the `VaultLocation`
/// family flattened into one struct).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretsLocation {
    /// The vault kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<SecretsLocationType>,
    /// AWS region (AWS_SECRET_MANAGER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Azure vault name (AZURE_SECRET_MANAGER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vault_name: Option<String>,
    /// GCP project id (GCP_SECRET_MANAGER).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gcp_project_id: Option<String>,
}

/// Connection properties (`connectionProperties`: the component-basic and
/// cloud-platform-credentials shapes flattened into one struct).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionProperties {
    /// Name of the secret in the vault (COMPONENT_BASIC; required there).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
    /// Optional key within the secret (COMPONENT_BASIC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// Name of the secret holding cloud credentials (CLOUD_PLATFORM_CREDENTIALS).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential_secret_name: Option<String>,
}

/// The details of a connection (`ConnectionDetails` in requests,
/// `ConnectionDetailsResponse` in responses; both have the same shape).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionDetails {
    /// Names of the secret(s) the connection uses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_properties: Option<ConnectionProperties>,
    /// Optional free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Vault location; absent means the agent's configured vault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets_location: Option<SecretsLocation>,
}

/// Body of `PUT /v1/projects/{projectId}/connections?connectionName=...`
/// (`UpdateConnectionRequest`): a full replacement; omitted fields are unset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateConnectionRequest {
    /// The kind of secret referenced (required).
    pub auth_type: AuthType,
    /// The connection kind (required).
    pub platform_connection_type: PlatformConnectionType,
    /// The new details; `None` unsets them all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_details: Option<ConnectionDetails>,
}

/// Body of `POST /v1/projects/{projectId}/connections`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateConnectionRequest {
    /// Connection name, unique within the project.
    pub name: String,
    /// The connection kind.
    pub platform_connection_type: PlatformConnectionType,
    /// The authentication provider, e.g. `NONE`, `salesforce`, `aws`.
    pub auth_provider: String,
    /// The kind of secret referenced.
    pub auth_type: AuthType,
    /// Details; `None` for an empty connection relying on environment overrides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_details: Option<ConnectionDetails>,
}

/// A connection as the API returns it (`ProjectConnectionResponse`).
///
/// Every field is optional so a sparse or evolving response still decodes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Connection {
    /// The authentication provider, e.g. `salesforce`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_provider: Option<String>,
    /// The kind of secret referenced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<AuthType>,
    /// The connection details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_details: Option<ConnectionDetails>,
    /// Who created the connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// When the connection was created (RFC 3339 date-time, kept verbatim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<String>,
    /// The connection name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The connection kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform_connection_type: Option<PlatformConnectionType>,
    /// The owning project's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
}

/// One page of a list call (`GET .../connections`,
/// `GET .../connections/environment-overrides`).
///
/// The envelope is not in the seed; decoding is lenient: the items may be
/// under `results`, `content`, `items` or `connections`, or the body may be a
/// bare array. `total` also accepts `totalElements`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// The items on this page.
    pub results: Vec<T>,
    /// The page index the server reports, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u64>,
    /// The page size the server reports, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The total number of matching items, if reported.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
}

impl<T> Default for Page<T> {
    fn default() -> Self {
        Page {
            results: Vec::new(),
            page: None,
            size: None,
            total: None,
        }
    }
}

/// One page of `GET /v1/projects/{projectId}/connections`.
pub type ConnectionPage = Page<Connection>;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageEnvelope<T> {
    #[serde(
        default = "Option::default",
        alias = "content",
        alias = "items",
        alias = "connections"
    )]
    results: Option<Vec<T>>,
    #[serde(default, alias = "number", alias = "pageNumber")]
    page: Option<u64>,
    #[serde(default, alias = "pageSize")]
    size: Option<u64>,
    #[serde(default, alias = "totalElements", alias = "totalCount")]
    total: Option<u64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum PageRepr<T> {
    Bare(Vec<T>),
    Envelope(PageEnvelope<T>),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match PageRepr::<T>::deserialize(deserializer)? {
            PageRepr::Bare(results) => Ok(Page {
                results,
                ..Page::default()
            }),
            PageRepr::Envelope(env) => Ok(Page {
                results: env.results.unwrap_or_default(),
                page: env.page,
                size: env.size,
                total: env.total,
            }),
        }
    }
}

/// The per-environment replacement of a connection's secret location and
/// properties (`connectionOverrides`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionOverrides {
    /// Vault location used in this environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secrets_location: Option<SecretsLocation>,
    /// Secret names used in this environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_properties: Option<ConnectionProperties>,
}

/// Body of `POST`/`PUT /v1/projects/{projectId}/connections/environment-overrides`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentOverrideRequest {
    /// The environment the override applies to.
    pub environment_name: String,
    /// The overridden connection.
    pub connection_name: String,
    /// Must equal the parent connection's `authType`.
    pub auth_type: AuthType,
    /// What is replaced in this environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_overrides: Option<ConnectionOverrides>,
}

/// An environment override as the API returns it (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvironmentOverride {
    /// The environment the override applies to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_name: Option<String>,
    /// The overridden connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_name: Option<String>,
    /// The parent connection's `authType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_type: Option<AuthType>,
    /// What is replaced in this environment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connection_overrides: Option<ConnectionOverrides>,
    /// The owning project's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
}

/// An RFC 7807/9457 problem document (`application/problem+json`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProblemDetail {
    /// A URI identifying the problem type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// Short human-readable summary.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The HTTP status the server reported in the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<i32>,
    /// Human-readable explanation of this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// A URI identifying this occurrence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// Validation messages, one per violated rule. Decoding is lenient:
    /// objects such as `{"field": "name", "message": "must not be blank"}`
    /// become `"name: must not be blank"`.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "lenient_violations"
    )]
    pub violations: Vec<String>,
}

fn lenient_violations<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    use serde_json::Value;
    Ok(match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.into_iter().map(violation_text).collect(),
        Some(other) => vec![violation_text(other)],
    })
}

fn violation_text(value: serde_json::Value) -> String {
    use serde_json::Value;
    match value {
        Value::String(s) => s,
        Value::Object(map) => {
            let pick = |keys: &[&str]| {
                keys.iter()
                    .find_map(|k| map.get(*k).and_then(Value::as_str))
                    .map(str::to_owned)
            };
            let field = pick(&["field", "propertyPath", "path", "name"]);
            let message = pick(&["message", "detail", "title", "reason"]);
            match (field, message) {
                (Some(f), Some(m)) => format!("{f}: {m}"),
                (None, Some(m)) => m,
                _ => Value::Object(map).to_string(),
            }
        }
        other => other.to_string(),
    }
}

/// Whether `id` matches the API's `projectId` pattern
/// `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`
/// (lower-case hex only).
pub fn is_valid_project_id(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups.iter().zip([8usize, 4, 4, 4, 12]).all(|(g, len)| {
            g.len() == len && g.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        })
}

impl ProblemDetail {
    /// A one-line summary: `title: detail (violations: a; b)`, skipping
    /// whatever is absent. Empty when the document carries no text.
    pub fn summary(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        if let Some(t) = self.title.as_deref().filter(|t| !t.is_empty()) {
            parts.push(t);
        }
        if let Some(d) = self.detail.as_deref().filter(|d| !d.is_empty()) {
            if Some(d) != self.title.as_deref() {
                parts.push(d);
            }
        }
        let mut out = parts.join(": ");
        if !self.violations.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str("(violations: ");
            out.push_str(&self.violations.join("; "));
            out.push(')');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_and_reject_unknown_strictly() {
        for v in AuthType::ALL {
            assert_eq!(v.as_str().parse::<AuthType>().as_ref(), Ok(v));
        }
        let err = "NOPE".parse::<AuthType>().unwrap_err();
        assert!(err.to_string().contains("GENERIC_SECRET"));
        assert_eq!(
            AuthType::from_wire("NEW_KIND"),
            AuthType::Other("NEW_KIND".into())
        );
    }

    #[test]
    fn project_id_pattern() {
        assert!(is_valid_project_id("550e8400-e29b-41d4-a716-446655440002"));
        assert!(!is_valid_project_id("550E8400-E29B-41D4-A716-446655440002"));
        assert!(!is_valid_project_id("550e8400e29b41d4a716446655440002"));
        assert!(!is_valid_project_id("550e8400-e29b-41d4-a716-44665544000"));
        assert!(!is_valid_project_id("550e8400-e29b-41d4-a716-44665544000g"));
        assert!(!is_valid_project_id(""));
    }

    #[test]
    fn problem_summary_joins_parts() {
        let p = ProblemDetail {
            title: Some("Bad Request".into()),
            detail: Some("name is blank".into()),
            violations: vec!["name: must not be blank".into()],
            ..ProblemDetail::default()
        };
        assert_eq!(
            p.summary(),
            "Bad Request: name is blank (violations: name: must not be blank)"
        );
        assert_eq!(ProblemDetail::default().summary(), "");
    }
}
