//! Plan-time validation of a `maia_connection` configuration: every rule the
//! Maia API would enforce, reported on the offending attribute before any
//! HTTP call. Unknown values pass and are checked again at apply.

use crate::api::models::{AuthType, PlatformConnectionType, SecretsLocationType};
use crate::plugin::cty::{AttributePath, Value};
use crate::plugin::{Diagnostic, Diagnostics};
use crate::resources::attr::{self, Attr};

use super::schema::names::*;

/// The `auth_provider` of connections that have none.
pub const NO_AUTH_PROVIDER: &str = "NONE";

/// The seed's `projectId` pattern, checked by hand (lowercase hex UUID).
pub fn is_project_id(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    let lens = [8usize, 4, 4, 4, 12];
    groups.len() == 5
        && groups.iter().zip(lens).all(|(g, n)| {
            g.len() == n
                && g.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// The longest connection name accepted.
pub const MAX_NAME_LEN: usize = 255;
/// The longest description accepted.
pub const MAX_DESCRIPTION_LEN: usize = 4096;
/// The longest value of any other string attribute.
pub const MAX_VALUE_LEN: usize = 1024;

/// The known wire values of one of the API's enums.
fn wire_values<T: 'static>(
    all: &'static [T],
    as_str: fn(&'static T) -> &'static str,
) -> Vec<&'static str> {
    all.iter().map(as_str).collect()
}

/// `platformConnectionType` values, as the API client knows them.
pub fn platform_connection_types() -> Vec<&'static str> {
    wire_values(PlatformConnectionType::ALL, PlatformConnectionType::as_str)
}

/// `authType` values.
pub fn auth_types() -> Vec<&'static str> {
    wire_values(AuthType::ALL, AuthType::as_str)
}

/// `secretsLocation.type` values.
pub fn secrets_location_types() -> Vec<&'static str> {
    wire_values(SecretsLocationType::ALL, SecretsLocationType::as_str)
}

/// The cloud providers of `CLOUD_PLATFORM_CREDENTIALS` connections.
pub const CLOUD_PROVIDERS: &[&str] = &["aws", "gcp", "azure"];

/// Providers the combinations table ties to one auth type of their own.
pub const SPECIAL_PROVIDERS: &[&str] = &[NO_AUTH_PROVIDER, "netsuite", "x-ads"];

/// Which `auth_provider` values an (`platform_connection_type`, `auth_type`) pair accepts,
/// per the documented combinations table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderRule {
    /// Exactly one of these.
    OneOf(&'static [&'static str]),
    /// Any connector name other than those with their own auth type
    /// (`NONE`, `netsuite`, `x-ads`).
    AnyConnector,
    /// The auth type does not belong to the connection type at all.
    WrongConnectionType(&'static [&'static str]),
}

/// The combinations table of the Maia API.
pub fn provider_rule(platform_connection_type: &str, auth_type: &str) -> ProviderRule {
    const COMPONENT_AUTH_TYPES: &[&str] = &[
        "GENERIC_SECRET",
        "OAUTH_CLIENT_CRED",
        "OAUTH_USER_TOKENS",
        "OAUTH_AUTHORIZATION_CODE",
        "COMPOSITE_TOKEN",
        "OAUTH_1_0_X_ADS",
    ];
    match (platform_connection_type, auth_type) {
        ("COMPONENT_BASIC", "GENERIC_SECRET") => ProviderRule::OneOf(&["NONE"]),
        ("COMPONENT_BASIC", "COMPOSITE_TOKEN") => ProviderRule::OneOf(&["netsuite"]),
        ("COMPONENT_BASIC", "OAUTH_1_0_X_ADS") => ProviderRule::OneOf(&["x-ads"]),
        (
            "COMPONENT_BASIC",
            "OAUTH_CLIENT_CRED" | "OAUTH_USER_TOKENS" | "OAUTH_AUTHORIZATION_CODE",
        ) => ProviderRule::AnyConnector,
        ("COMPONENT_BASIC", _) => ProviderRule::WrongConnectionType(COMPONENT_AUTH_TYPES),
        ("CLOUD_PLATFORM_CREDENTIALS", "CLOUD_PROVIDER_SECRET") => {
            ProviderRule::OneOf(CLOUD_PROVIDERS)
        }
        _ => ProviderRule::WrongConnectionType(&["CLOUD_PROVIDER_SECRET"]),
    }
}

impl ProviderRule {
    /// Whether `provider` satisfies the rule.
    pub fn accepts(&self, provider: &str) -> bool {
        match self {
            ProviderRule::OneOf(list) => list.contains(&provider),
            ProviderRule::AnyConnector => {
                !provider.is_empty() && !SPECIAL_PROVIDERS.contains(&provider)
            }
            ProviderRule::WrongConnectionType(_) => false,
        }
    }

    /// A sentence naming what the rule accepts.
    pub fn describe(&self) -> String {
        match self {
            ProviderRule::OneOf(list) => format!("auth_provider must be {}", quote_list(list)),
            ProviderRule::AnyConnector => "auth_provider must name a connector, such as \"salesforce\" (not \"NONE\", \"netsuite\" or \"x-ads\", which have auth types of their own)".to_string(),
            ProviderRule::WrongConnectionType(_) => String::new(),
        }
    }
}

fn quote_list(list: &[&str]) -> String {
    let quoted: Vec<String> = list.iter().map(|s| format!("\"{s}\"")).collect();
    match quoted.len() {
        0 => String::new(),
        1 => quoted[0].clone(),
        n => format!("{} or {}", quoted[..n - 1].join(", "), quoted[n - 1]),
    }
}

fn path(name: &str) -> AttributePath {
    AttributePath::attr(name)
}

fn block_path(block: &str, name: &str) -> AttributePath {
    AttributePath::attr(block).then_index(0).then_attr(name)
}

fn check_enum(
    diags: &mut Diagnostics,
    value: &Attr<String>,
    allowed: &[&str],
    what: &str,
    at: AttributePath,
) {
    if let Attr::Known(v) = value {
        if !allowed.contains(&v.as_str()) {
            diags.push(
                Diagnostic::error(
                    format!("Invalid {what}"),
                    format!("{what} is \"{v}\"; it must be {}.", quote_list(allowed)),
                )
                .at(at),
            );
        }
    }
}

fn check_length(
    diags: &mut Diagnostics,
    value: &Attr<String>,
    what: &str,
    max: usize,
    at: AttributePath,
) {
    if let Attr::Known(v) = value {
        if v.chars().count() > max {
            diags.push(
                Diagnostic::error(
                    format!("{what} is too long"),
                    format!(
                        "{what} has {} characters; at most {max} are allowed.",
                        v.chars().count()
                    ),
                )
                .at(at),
            );
        }
    }
}

fn check_not_empty(diags: &mut Diagnostics, value: &Attr<String>, what: &str, at: AttributePath) {
    if let Attr::Known(v) = value {
        if v.trim().is_empty() {
            diags.push(
                Diagnostic::error(
                    format!("Empty {what}"),
                    format!("{what} must not be empty. Remove the attribute to leave it unset."),
                )
                .at(at),
            );
        }
    }
}

fn forbid(
    diags: &mut Diagnostics,
    value: &Attr<String>,
    name: &str,
    reason: &str,
    at: AttributePath,
) {
    if value.is_set() && !value.is_unknown() {
        diags.push(
            Diagnostic::error(
                format!("{name} does not belong here"),
                format!("{name} {reason}."),
            )
            .at(at),
        );
    }
}

/// Validates a (possibly partly unknown) `maia_connection` configuration.
pub fn validate(config: &Value) -> Diagnostics {
    let mut diags = Diagnostics::new();
    if config.as_object().is_none() {
        return diags;
    }

    let project_id = attr::string(config, PROJECT_ID);
    if let Attr::Known(p) = &project_id {
        if !is_project_id(p) {
            diags.push(
                Diagnostic::error(
                    "Invalid project_id",
                    format!("project_id is \"{p}\"; it must be a lowercase UUID such as 550e8400-e29b-41d4-a716-446655440002."),
                )
                .at(path(PROJECT_ID)),
            );
        }
    }

    let name = attr::string(config, NAME);
    check_not_empty(&mut diags, &name, NAME, path(NAME));
    check_length(&mut diags, &name, NAME, MAX_NAME_LEN, path(NAME));
    if let Attr::Known(n) = &name {
        if n.chars().any(char::is_control) {
            diags.push(
                Diagnostic::error(
                    "Invalid name",
                    "name must not contain control characters such as newlines.",
                )
                .at(path(NAME)),
            );
        }
    }

    let description = attr::string(config, DESCRIPTION);
    check_length(
        &mut diags,
        &description,
        DESCRIPTION,
        MAX_DESCRIPTION_LEN,
        path(DESCRIPTION),
    );

    let pct = attr::string(config, PLATFORM_CONNECTION_TYPE);
    check_enum(
        &mut diags,
        &pct,
        &platform_connection_types(),
        PLATFORM_CONNECTION_TYPE,
        path(PLATFORM_CONNECTION_TYPE),
    );
    let auth_type = attr::string(config, AUTH_TYPE);
    check_enum(
        &mut diags,
        &auth_type,
        &auth_types(),
        AUTH_TYPE,
        path(AUTH_TYPE),
    );
    let auth_provider = attr::string(config, AUTH_PROVIDER);
    check_not_empty(
        &mut diags,
        &auth_provider,
        AUTH_PROVIDER,
        path(AUTH_PROVIDER),
    );
    check_length(
        &mut diags,
        &auth_provider,
        AUTH_PROVIDER,
        MAX_VALUE_LEN,
        path(AUTH_PROVIDER),
    );

    let pct_known = pct
        .known()
        .filter(|v| platform_connection_types().contains(&v.as_str()));
    let auth_known = auth_type
        .known()
        .filter(|v| auth_types().contains(&v.as_str()));
    if let (Some(pct), Some(auth)) = (pct_known, auth_known) {
        validate_combination(&mut diags, pct, auth, &auth_provider);
    }

    validate_secrets_location(&mut diags, config);
    validate_connection_properties(&mut diags, config, pct_known.map(String::as_str));
    diags
}

fn validate_combination(diags: &mut Diagnostics, pct: &str, auth: &str, provider: &Attr<String>) {
    let rule = provider_rule(pct, auth);
    if let ProviderRule::WrongConnectionType(allowed) = rule {
        diags.push(
            Diagnostic::error(
                "auth_type does not fit platform_connection_type",
                format!(
                    "A {pct} connection cannot use auth_type \"{auth}\"; it accepts {}.",
                    quote_list(allowed)
                ),
            )
            .at(path(AUTH_TYPE)),
        );
        return;
    }
    match provider {
        Attr::Unknown => {}
        Attr::Null => {
            if !rule.accepts(NO_AUTH_PROVIDER) {
                diags.push(
                    Diagnostic::error(
                        "Missing auth_provider",
                        format!(
                            "auth_provider may be omitted (meaning \"NONE\") only with auth_type \"GENERIC_SECRET\". With auth_type \"{auth}\", {}.",
                            rule.describe()
                        ),
                    )
                    .at(path(AUTH_PROVIDER)),
                );
            }
        }
        Attr::Known(p) if p.trim().is_empty() => {}
        Attr::Known(p) => {
            if !rule.accepts(p) {
                diags.push(
                    Diagnostic::error(
                        "auth_provider does not fit auth_type",
                        format!(
                            "auth_provider is \"{p}\", which a {pct} connection with auth_type \"{auth}\" does not accept: {}.",
                            rule.describe()
                        ),
                    )
                    .at(path(AUTH_PROVIDER)),
                );
            }
        }
    }
}

fn validate_secrets_location(diags: &mut Diagnostics, config: &Value) {
    let block = match attr::single_block(config, SECRETS_LOCATION) {
        Attr::Known(b) => b,
        _ => return,
    };
    let at = |n: &str| block_path(SECRETS_LOCATION, n);
    let ty = attr::string(block, TYPE);
    check_enum(
        diags,
        &ty,
        &secrets_location_types(),
        "secrets_location type",
        at(TYPE),
    );
    let region = attr::string(block, REGION);
    let vault_name = attr::string(block, VAULT_NAME);
    let gcp_project_id = attr::string(block, GCP_PROJECT_ID);
    for (value, name) in [
        (&region, REGION),
        (&vault_name, VAULT_NAME),
        (&gcp_project_id, GCP_PROJECT_ID),
    ] {
        check_not_empty(diags, value, name, at(name));
        check_length(diags, value, name, MAX_VALUE_LEN, at(name));
    }
    let Some(ty) = ty
        .known()
        .filter(|t| secrets_location_types().contains(&t.as_str()))
    else {
        return;
    };
    if ty != "AWS_SECRET_MANAGER" {
        forbid(
            diags,
            &region,
            REGION,
            &format!("applies only to type \"AWS_SECRET_MANAGER\", not \"{ty}\""),
            at(REGION),
        );
    }
    if ty != "AZURE_SECRET_MANAGER" {
        forbid(
            diags,
            &vault_name,
            VAULT_NAME,
            &format!("applies only to type \"AZURE_SECRET_MANAGER\", not \"{ty}\""),
            at(VAULT_NAME),
        );
    }
    if ty != "GCP_SECRET_MANAGER" {
        forbid(
            diags,
            &gcp_project_id,
            GCP_PROJECT_ID,
            &format!("applies only to type \"GCP_SECRET_MANAGER\", not \"{ty}\""),
            at(GCP_PROJECT_ID),
        );
    }
}

fn validate_connection_properties(diags: &mut Diagnostics, config: &Value, pct: Option<&str>) {
    let block = match attr::single_block(config, CONNECTION_PROPERTIES) {
        Attr::Known(b) => b,
        _ => return,
    };
    let at = |n: &str| block_path(CONNECTION_PROPERTIES, n);
    let secret_name = attr::string(block, SECRET_NAME);
    let secret_key = attr::string(block, SECRET_KEY);
    let credential = attr::string(block, CREDENTIAL_SECRET_NAME);
    for (value, name) in [
        (&secret_name, SECRET_NAME),
        (&secret_key, SECRET_KEY),
        (&credential, CREDENTIAL_SECRET_NAME),
    ] {
        check_not_empty(diags, value, name, at(name));
        check_length(diags, value, name, MAX_VALUE_LEN, at(name));
    }
    match pct {
        Some("COMPONENT_BASIC") => {
            if matches!(secret_name, Attr::Null) {
                diags.push(
                    Diagnostic::error(
                        "Missing secret_name",
                        "A COMPONENT_BASIC connection's connection_properties must set secret_name, the name of the secret in the vault.",
                    )
                    .at(at(SECRET_NAME)),
                );
            }
            forbid(
                diags,
                &credential,
                CREDENTIAL_SECRET_NAME,
                "applies only to CLOUD_PLATFORM_CREDENTIALS connections",
                at(CREDENTIAL_SECRET_NAME),
            );
        }
        Some("CLOUD_PLATFORM_CREDENTIALS") => {
            if matches!(credential, Attr::Null) {
                diags.push(
                    Diagnostic::error(
                        "Missing credential_secret_name",
                        "A CLOUD_PLATFORM_CREDENTIALS connection's connection_properties must set credential_secret_name, the name of the secret holding the cloud credentials.",
                    )
                    .at(at(CREDENTIAL_SECRET_NAME)),
                );
            }
            forbid(
                diags,
                &secret_name,
                SECRET_NAME,
                "applies only to COMPONENT_BASIC connections",
                at(SECRET_NAME),
            );
            forbid(
                diags,
                &secret_key,
                SECRET_KEY,
                "applies only to COMPONENT_BASIC connections",
                at(SECRET_KEY),
            );
        }
        _ => {}
    }
}

#[cfg(test)]
#[path = "validate_tests.rs"]
mod tests;
