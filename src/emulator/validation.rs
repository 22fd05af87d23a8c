//! Request validation, as the real service does it, against the seed's schema.
//!
//! Two levels, checked in order:
//! - **400 Bad Request**: the body is not a JSON object, a field is unknown
//!   or misspelled, a required field is missing or null, a value has the
//!   wrong JSON type or is not in its enum, a string is empty or too long,
//!   a connection property does not belong to the `platformConnectionType`,
//!   a vault field does not belong to `secretsLocation.type`.
//! - **422 Unprocessable Entity**: a well-formed body whose
//!   platformConnectionType × authProvider × authType combination is not in
//!   the documented table.
//!
//! Violations follow the format documented in [`super::problem`]:
//! `"<field path>: <message>"`. Optional fields given as JSON `null` are
//! treated as absent (and are not stored).

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::problem::Problem;

/// The seed's authType enum.
pub const AUTH_TYPES: &[&str] = &[
    "GENERIC_SECRET",
    "CLOUD_PROVIDER_SECRET",
    "OAUTH_USER_TOKENS",
    "OAUTH_AUTHORIZATION_CODE",
    "OAUTH_CLIENT_CRED",
    "COMPOSITE_TOKEN",
    "OAUTH_1_0_X_ADS",
];
/// The seed's platformConnectionType enum.
pub const PLATFORM_TYPES: &[&str] = &["COMPONENT_BASIC", "CLOUD_PLATFORM_CREDENTIALS"];
/// The seed's VaultLocation.type enum.
pub const VAULT_TYPES: &[&str] = &[
    "AWS_SECRET_MANAGER",
    "AZURE_SECRET_MANAGER",
    "GCP_SECRET_MANAGER",
    "MATILLION_CUSTOMER_VAULT",
    "DEFAULT_SECRET_VAULT",
];
/// Longest connection name accepted.
pub const MAX_NAME_LEN: usize = 255;

const PROJECT_ID_PATTERN: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$";

/// A validated create body.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateInput {
    /// Connection name.
    pub name: String,
    /// Platform connection type.
    pub platform_connection_type: String,
    /// Auth provider (fixed for the connection's life).
    pub auth_provider: String,
    /// Auth type.
    pub auth_type: String,
    /// Null-free connection details, if given.
    pub connection_details: Option<Map<String, Value>>,
}

/// A validated update (full replacement) body.
#[derive(Debug, Clone, PartialEq)]
pub struct UpdateInput {
    /// Platform connection type.
    pub platform_connection_type: String,
    /// Auth type.
    pub auth_type: String,
    /// Null-free connection details; `None` unsets them.
    pub connection_details: Option<Map<String, Value>>,
}

/// Checks the `projectId` path parameter against the seed's pattern.
pub fn validate_project_id(project_id: &str) -> Result<(), Problem> {
    let b = project_id.as_bytes();
    let ok = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_digit() || (b'a'..=b'f').contains(c),
        });
    if ok {
        Ok(())
    } else {
        Err(
            Problem::new(StatusCode::BAD_REQUEST, "Invalid path parameter").with_violations(vec![
                format!("projectId: must match \"{PROJECT_ID_PATTERN}\""),
            ]),
        )
    }
}

/// Parses the body as a JSON object (400 otherwise).
pub fn parse_object(body: &[u8]) -> Result<Map<String, Value>, Problem> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "Required request body is missing",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "Request body must be a JSON object",
        )),
        Err(e) => Err(Problem::new(
            StatusCode::BAD_REQUEST,
            format!("Malformed JSON request body: {e}"),
        )),
    }
}

/// Validates a create (`POST`) body.
pub fn validate_create(body: &[u8]) -> Result<CreateInput, Problem> {
    let obj = parse_object(body)?;
    let mut c = Checker::default();
    c.unknown_fields(
        &obj,
        "",
        &[
            "name",
            "platformConnectionType",
            "authProvider",
            "authType",
            "connectionDetails",
        ],
    );
    let name = c.name(&obj);
    let platform = c.enum_field(&obj, "platformConnectionType", PLATFORM_TYPES);
    let provider = c.nonempty_string(&obj, "authProvider", true);
    let auth_type = c.enum_field(&obj, "authType", AUTH_TYPES);
    let details = c.connection_details(&obj, platform.as_deref());
    c.bad_request()?;
    if let (Some(platform), Some(provider), Some(auth_type)) = (&platform, &provider, &auth_type) {
        c.combination(platform, provider, auth_type, "authProvider");
    }
    c.unprocessable()?;
    match (name, platform, provider, auth_type) {
        (Some(name), Some(platform), Some(provider), Some(auth_type)) => Ok(CreateInput {
            name,
            platform_connection_type: platform,
            auth_provider: provider,
            auth_type,
            connection_details: details,
        }),
        _ => Err(internal_gap()),
    }
}

/// Validates an update (`PUT`) body against the stored connection's authProvider.
pub fn validate_update(body: &[u8], stored_auth_provider: &str) -> Result<UpdateInput, Problem> {
    let obj = parse_object(body)?;
    let mut c = Checker::default();
    c.unknown_fields(
        &obj,
        "",
        &["authType", "connectionDetails", "platformConnectionType"],
    );
    let platform = c.enum_field(&obj, "platformConnectionType", PLATFORM_TYPES);
    let auth_type = c.enum_field(&obj, "authType", AUTH_TYPES);
    let details = c.connection_details(&obj, platform.as_deref());
    c.bad_request()?;
    if let (Some(platform), Some(auth_type)) = (&platform, &auth_type) {
        c.combination(
            platform,
            stored_auth_provider,
            auth_type,
            "platformConnectionType",
        );
    }
    c.unprocessable()?;
    match (platform, auth_type) {
        (Some(platform), Some(auth_type)) => Ok(UpdateInput {
            platform_connection_type: platform,
            auth_type,
            connection_details: details,
        }),
        _ => Err(internal_gap()),
    }
}

/// A validated environment-override body (`POST`/`PUT` of
/// `/connections/environment-overrides`).
#[derive(Debug, Clone, PartialEq)]
pub struct OverrideInput {
    /// Environment the override applies to.
    pub environment_name: String,
    /// Parent connection.
    pub connection_name: String,
    /// Must equal the parent connection's authType.
    pub auth_type: String,
    /// Null-free `connectionOverrides` (`secretsLocation`, `connectionProperties`), if given.
    pub connection_overrides: Option<Map<String, Value>>,
}

/// First pass over an override body: shape, required fields, enums (400).
/// Returns the input with `connectionOverrides` still raw, so the second
/// pass can check its properties against the parent's platform type.
pub fn parse_override(body: &[u8]) -> Result<(OverrideInput, Map<String, Value>), Problem> {
    let obj = parse_object(body)?;
    let mut c = Checker::default();
    c.unknown_fields(
        &obj,
        "",
        &[
            "environmentName",
            "connectionName",
            "authType",
            "connectionOverrides",
        ],
    );
    let env = c.nonempty_string(&obj, "environmentName", true);
    let conn = c.nonempty_string(&obj, "connectionName", true);
    let auth_type = c.enum_field(&obj, "authType", AUTH_TYPES);
    c.object(&obj, "connectionOverrides", "connectionOverrides");
    c.bad_request()?;
    match (env, conn, auth_type) {
        (Some(environment_name), Some(connection_name), Some(auth_type)) => Ok((
            OverrideInput {
                environment_name,
                connection_name,
                auth_type,
                connection_overrides: None,
            },
            obj,
        )),
        _ => Err(internal_gap()),
    }
}

/// Second pass: `connectionOverrides` against the parent's platform type
/// (400), and `authType` equal to the parent's (422).
pub fn finish_override(
    mut input: OverrideInput,
    raw: &Map<String, Value>,
    parent_platform: &str,
    parent_auth_type: &str,
) -> Result<OverrideInput, Problem> {
    let mut c = Checker::default();
    let path = "connectionOverrides";
    if let Some(overrides) = c.object(raw, path, path) {
        c.unknown_fields(
            overrides,
            path,
            &["connectionProperties", "secretsLocation"],
        );
        let mut out = Map::new();
        if let Some(loc) = c.secrets_location(overrides, path) {
            out.insert("secretsLocation".into(), Value::Object(loc));
        }
        if let Some(props) = c.connection_properties(overrides, Some(parent_platform), path) {
            out.insert("connectionProperties".into(), Value::Object(props));
        }
        input.connection_overrides = Some(out);
    }
    c.bad_request()?;
    if input.auth_type != parent_auth_type {
        c.unprocessable.push(format!(
            "authType: must match the connection's authType {parent_auth_type}, got {}",
            input.auth_type
        ));
    }
    c.unprocessable()?;
    Ok(input)
}

fn internal_gap() -> Problem {
    Problem::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "validation accepted an incomplete body",
    )
}

/// The authTypes valid for a platform type and provider, or why the
/// provider is not valid for the platform type.
pub fn allowed_auth_types(
    platform: &str,
    provider: &str,
) -> Result<&'static [&'static str], String> {
    match platform {
        "CLOUD_PLATFORM_CREDENTIALS" => match provider {
            "aws" | "gcp" | "azure" => Ok(&["CLOUD_PROVIDER_SECRET"]),
            _ => Err(format!(
                "authProvider {provider:?} is not valid for platformConnectionType \
                 CLOUD_PLATFORM_CREDENTIALS; must be one of aws, gcp, azure"
            )),
        },
        _ => Ok(match provider {
            "NONE" => &["GENERIC_SECRET"],
            "netsuite" => &["COMPOSITE_TOKEN"],
            "x-ads" => &["OAUTH_1_0_X_ADS"],
            _ => &[
                "OAUTH_CLIENT_CRED",
                "OAUTH_USER_TOKENS",
                "OAUTH_AUTHORIZATION_CODE",
            ],
        }),
    }
}

/// Collects violations at both levels.
#[derive(Default)]
struct Checker {
    bad: Vec<String>,
    unprocessable: Vec<String>,
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl Checker {
    fn bad_request(&self) -> Result<(), Problem> {
        if self.bad.is_empty() {
            Ok(())
        } else {
            Err(
                Problem::new(StatusCode::BAD_REQUEST, "Request validation failed")
                    .with_violations(self.bad.clone()),
            )
        }
    }

    fn unprocessable(&self) -> Result<(), Problem> {
        if self.unprocessable.is_empty() {
            Ok(())
        } else {
            Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "The request is well-formed but not valid for this connection",
            )
            .with_violations(self.unprocessable.clone()))
        }
    }

    fn unknown_fields(&mut self, obj: &Map<String, Value>, prefix: &str, allowed: &[&str]) {
        for key in obj.keys() {
            if !allowed.contains(&key.as_str()) {
                self.bad.push(format!(
                    "{}: unknown field; allowed fields are {}",
                    join(prefix, key),
                    allowed.join(", ")
                ));
            }
        }
    }

    /// A string field; `None` when absent/null (reported if required) or mistyped.
    fn string(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        path: &str,
        required: bool,
    ) -> Option<String> {
        match obj.get(key) {
            None | Some(Value::Null) => {
                if required {
                    self.bad.push(format!("{path}: is required"));
                }
                None
            }
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.bad.push(format!(
                    "{path}: must be a string, got {}",
                    json_type(other)
                ));
                None
            }
        }
    }

    fn nonempty_string(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        required: bool,
    ) -> Option<String> {
        let s = self.string(obj, key, key, required)?;
        if s.trim().is_empty() {
            self.bad.push(format!("{key}: must not be blank"));
            return None;
        }
        Some(s)
    }

    fn name(&mut self, obj: &Map<String, Value>) -> Option<String> {
        let s = self.nonempty_string(obj, "name", true)?;
        let len = s.chars().count();
        if len > MAX_NAME_LEN {
            self.bad.push(format!(
                "name: size must be between 1 and {MAX_NAME_LEN}, got {len}"
            ));
            return None;
        }
        if s.chars().any(char::is_control) {
            self.bad
                .push("name: must not contain control characters".to_string());
            return None;
        }
        Some(s)
    }

    fn enum_value(&mut self, value: String, path: &str, allowed: &[&str]) -> Option<String> {
        if allowed.contains(&value.as_str()) {
            Some(value)
        } else {
            self.bad.push(format!(
                "{path}: invalid value {value:?}; must be one of {}",
                allowed.join(", ")
            ));
            None
        }
    }

    fn enum_field(
        &mut self,
        obj: &Map<String, Value>,
        key: &str,
        allowed: &[&str],
    ) -> Option<String> {
        let s = self.string(obj, key, key, true)?;
        self.enum_value(s, key, allowed)
    }

    /// An optional object field; `None` when absent/null or mistyped.
    fn object<'a>(
        &mut self,
        obj: &'a Map<String, Value>,
        key: &str,
        path: &str,
    ) -> Option<&'a Map<String, Value>> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Object(m)) => Some(m),
            Some(other) => {
                self.bad.push(format!(
                    "{path}: must be an object, got {}",
                    json_type(other)
                ));
                None
            }
        }
    }

    fn connection_details(
        &mut self,
        obj: &Map<String, Value>,
        platform: Option<&str>,
    ) -> Option<Map<String, Value>> {
        let path = "connectionDetails";
        let details = self.object(obj, path, path)?;
        self.unknown_fields(
            details,
            path,
            &["connectionProperties", "description", "secretsLocation"],
        );
        let mut out = Map::new();
        if let Some(desc) = self.string(
            details,
            "description",
            "connectionDetails.description",
            false,
        ) {
            out.insert("description".into(), Value::String(desc));
        }
        if let Some(loc) = self.secrets_location(details, path) {
            out.insert("secretsLocation".into(), Value::Object(loc));
        }
        if let Some(props) = self.connection_properties(details, platform, path) {
            out.insert("connectionProperties".into(), Value::Object(props));
        }
        Some(out)
    }

    fn secrets_location(
        &mut self,
        details: &Map<String, Value>,
        prefix: &str,
    ) -> Option<Map<String, Value>> {
        let path = &join(prefix, "secretsLocation");
        let loc = self.object(details, "secretsLocation", path)?;
        self.unknown_fields(loc, path, &["type", "region", "vaultName", "gcpProjectId"]);
        let vault = self
            .string(loc, "type", &join(path, "type"), true)
            .and_then(|t| self.enum_value(t, &join(path, "type"), VAULT_TYPES));
        let mut out = Map::new();
        for (key, owner) in [
            ("region", "AWS_SECRET_MANAGER"),
            ("vaultName", "AZURE_SECRET_MANAGER"),
            ("gcpProjectId", "GCP_SECRET_MANAGER"),
        ] {
            let field_path = join(path, key);
            if let Some(v) = self.string(loc, key, &field_path, false) {
                match vault.as_deref() {
                    Some(t) if t != owner => self.bad.push(format!(
                        "{field_path}: only allowed when type is {owner}, not {t}"
                    )),
                    _ => {
                        out.insert(key.into(), Value::String(v));
                    }
                }
            }
        }
        let vault = vault?;
        out.insert("type".into(), Value::String(vault));
        Some(out)
    }

    fn connection_properties(
        &mut self,
        details: &Map<String, Value>,
        platform: Option<&str>,
        prefix: &str,
    ) -> Option<Map<String, Value>> {
        let path = &join(prefix, "connectionProperties");
        let props = self.object(details, "connectionProperties", path)?;
        let (own, required): (&[&str], &str) = match platform {
            Some("COMPONENT_BASIC") => (&["secretName", "secretKey"], "secretName"),
            Some("CLOUD_PLATFORM_CREDENTIALS") => {
                (&["credentialSecretName"], "credentialSecretName")
            }
            _ => {
                // Unknown platform type (already reported): check shapes only.
                self.unknown_fields(
                    props,
                    path,
                    &["secretName", "secretKey", "credentialSecretName"],
                );
                return None;
            }
        };
        let platform = platform.unwrap_or_default();
        for key in props.keys() {
            if own.contains(&key.as_str()) {
                continue;
            }
            let field_path = join(path, key);
            if ["secretName", "secretKey", "credentialSecretName"].contains(&key.as_str()) {
                self.bad.push(format!(
                    "{field_path}: not allowed for platformConnectionType {platform}; allowed fields are {}",
                    own.join(", ")
                ));
            } else {
                self.bad.push(format!(
                    "{field_path}: unknown field; allowed fields are {}",
                    own.join(", ")
                ));
            }
        }
        let mut out = Map::new();
        for key in own {
            let field_path = join(path, key);
            let is_required = *key == required;
            if let Some(v) = self.string(props, key, &field_path, is_required) {
                if is_required && v.is_empty() {
                    self.bad.push(format!("{field_path}: must not be empty"));
                    continue;
                }
                out.insert((*key).into(), Value::String(v));
            }
        }
        Some(out)
    }

    fn combination(
        &mut self,
        platform: &str,
        provider: &str,
        auth_type: &str,
        provider_path: &str,
    ) {
        match allowed_auth_types(platform, provider) {
            Err(msg) => self.unprocessable.push(format!("{provider_path}: {msg}")),
            Ok(allowed) if !allowed.contains(&auth_type) => self.unprocessable.push(format!(
                "authType: {auth_type} is not valid for platformConnectionType {platform} \
                 with authProvider {provider:?}; must be one of {}",
                allowed.join(", ")
            )),
            Ok(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create(body: &str) -> Result<CreateInput, Problem> {
        validate_create(body.as_bytes())
    }

    #[test]
    fn project_id_pattern() {
        assert!(validate_project_id("550e8400-e29b-41d4-a716-446655440002").is_ok());
        assert!(validate_project_id("550E8400-e29b-41d4-a716-446655440002").is_err());
        assert!(validate_project_id("550e8400e29b41d4a716446655440002").is_err());
        assert!(validate_project_id("not-a-uuid").is_err());
    }

    #[test]
    fn valid_create_is_normalised_without_nulls() {
        let input = create(
            r#"{"name":"c","platformConnectionType":"COMPONENT_BASIC","authProvider":"NONE",
                "authType":"GENERIC_SECRET","connectionDetails":{"description":null,
                "secretsLocation":{"type":"AWS_SECRET_MANAGER","region":"eu-west-1"},
                "connectionProperties":{"secretName":"s","secretKey":null}}}"#,
        )
        .map_err(|p| p.violations)
        .unwrap_or_else(|v| panic!("rejected: {v:?}"));
        let details = input.connection_details.unwrap_or_default();
        assert_eq!(
            Value::Object(details),
            serde_json::json!({"secretsLocation":{"type":"AWS_SECRET_MANAGER","region":"eu-west-1"},
                              "connectionProperties":{"secretName":"s"}})
        );
    }

    #[test]
    fn unknown_and_misplaced_fields_are_400_with_paths() {
        let err = create(
            r#"{"name":"c","platformConnectionType":"COMPONENT_BASIC","authProvider":"NONE",
                "authType":"GENERIC_SECRET","colour":"red","connectionDetails":{
                "secretsLocation":{"type":"AZURE_SECRET_MANAGER","region":"x"},
                "connectionProperties":{"secretName":"","credentialSecretName":"y"}}}"#,
        )
        .err()
        .unwrap_or_else(|| panic!("accepted"));
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        let starts = |p: &str| err.violations.iter().any(|v| v.starts_with(p));
        assert!(starts("colour: unknown field"), "{:?}", err.violations);
        assert!(starts(
            "connectionDetails.secretsLocation.region: only allowed"
        ));
        assert!(starts(
            "connectionDetails.connectionProperties.secretName: must not be empty"
        ));
        assert!(starts(
            "connectionDetails.connectionProperties.credentialSecretName: not allowed"
        ));
    }

    #[test]
    fn combinations_follow_the_table() {
        let body = |pct: &str, prov: &str, at: &str| {
            format!(
                r#"{{"name":"c","platformConnectionType":"{pct}","authProvider":"{prov}","authType":"{at}"}}"#
            )
        };
        for (pct, prov, at) in [
            ("COMPONENT_BASIC", "NONE", "GENERIC_SECRET"),
            ("COMPONENT_BASIC", "salesforce", "OAUTH_CLIENT_CRED"),
            ("COMPONENT_BASIC", "salesforce", "OAUTH_USER_TOKENS"),
            ("COMPONENT_BASIC", "salesforce", "OAUTH_AUTHORIZATION_CODE"),
            ("COMPONENT_BASIC", "netsuite", "COMPOSITE_TOKEN"),
            ("COMPONENT_BASIC", "x-ads", "OAUTH_1_0_X_ADS"),
            ("CLOUD_PLATFORM_CREDENTIALS", "aws", "CLOUD_PROVIDER_SECRET"),
            ("CLOUD_PLATFORM_CREDENTIALS", "gcp", "CLOUD_PROVIDER_SECRET"),
            (
                "CLOUD_PLATFORM_CREDENTIALS",
                "azure",
                "CLOUD_PROVIDER_SECRET",
            ),
        ] {
            assert!(create(&body(pct, prov, at)).is_ok(), "{pct} {prov} {at}");
        }
        for (pct, prov, at) in [
            ("COMPONENT_BASIC", "NONE", "OAUTH_CLIENT_CRED"),
            ("COMPONENT_BASIC", "salesforce", "GENERIC_SECRET"),
            ("COMPONENT_BASIC", "netsuite", "OAUTH_CLIENT_CRED"),
            ("COMPONENT_BASIC", "aws", "CLOUD_PROVIDER_SECRET"),
            (
                "CLOUD_PLATFORM_CREDENTIALS",
                "salesforce",
                "CLOUD_PROVIDER_SECRET",
            ),
            ("CLOUD_PLATFORM_CREDENTIALS", "aws", "GENERIC_SECRET"),
        ] {
            let err = create(&body(pct, prov, at)).err();
            assert_eq!(
                err.map(|p| p.status),
                Some(StatusCode::UNPROCESSABLE_ENTITY),
                "{pct} {prov} {at}"
            );
        }
    }

    #[test]
    fn update_checks_stored_provider_and_rejects_name() {
        let ok = validate_update(
            br#"{"platformConnectionType":"COMPONENT_BASIC","authType":"OAUTH_USER_TOKENS"}"#,
            "salesforce",
        );
        assert!(ok.is_ok());
        let bad = validate_update(
            br#"{"platformConnectionType":"COMPONENT_BASIC","authType":"GENERIC_SECRET"}"#,
            "salesforce",
        );
        assert_eq!(
            bad.err().map(|p| p.status),
            Some(StatusCode::UNPROCESSABLE_ENTITY)
        );
        let named = validate_update(
            br#"{"name":"x","platformConnectionType":"COMPONENT_BASIC","authType":"GENERIC_SECRET"}"#,
            "NONE",
        );
        let v = named.err().map(|p| p.violations).unwrap_or_default();
        assert!(
            v.iter().any(|s| s.starts_with("name: unknown field")),
            "{v:?}"
        );
    }

    #[test]
    fn required_fields_and_types() {
        let err = create(r#"{"name":"","authType":5}"#)
            .err()
            .map(|p| p.violations)
            .unwrap_or_default();
        for p in [
            "name: must not be blank",
            "platformConnectionType: is required",
            "authProvider: is required",
            "authType: must be a string",
        ] {
            assert!(err.iter().any(|v| v.starts_with(p)), "{p} in {err:?}");
        }
        let long = format!(
            r#"{{"name":"{}","platformConnectionType":"COMPONENT_BASIC","authProvider":"NONE","authType":"GENERIC_SECRET"}}"#,
            "a".repeat(256)
        );
        assert!(create(&long).is_err());
        assert!(create("[1]").is_err());
        assert!(create("{").is_err());
        assert!(create("").is_err());
    }
}
