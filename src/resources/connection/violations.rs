//! Mapping the field paths Maia names in problem `violations` (JSON names of
//! the request schema) onto `maia_connection` attribute paths.

use crate::plugin::cty::AttributePath;

use super::schema::names::*;

/// The attribute a request-body field path corresponds to, if any.
///
/// Accepts `connectionDetails.connectionProperties.secretName`, the same with
/// a leading `$.` or `body.`, or `[0]`-style indices.
pub fn attribute_for_field(field: &str) -> Option<AttributePath> {
    let cleaned: String = field
        .trim()
        .trim_start_matches("$.")
        .trim_start_matches("body.")
        .trim_start_matches("request.")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let parts: Vec<&str> = cleaned
        .split(['.', '[', ']', '/'])
        .filter(|p| !p.is_empty() && !p.chars().all(|c| c.is_ascii_digit()))
        .collect();
    let top = |n: &str| Some(AttributePath::attr(n));
    let nested = |b: &str, n: Option<&str>| {
        let p = AttributePath::attr(b);
        Some(match n {
            Some(n) => p.then_index(0).then_attr(n),
            None => p,
        })
    };
    match parts.as_slice() {
        ["authType"] => top(AUTH_TYPE),
        ["platformConnectionType"] => top(PLATFORM_CONNECTION_TYPE),
        ["authProvider"] => top(AUTH_PROVIDER),
        ["name"] | ["connectionName"] => top(NAME),
        ["projectId"] => top(PROJECT_ID),
        ["connectionDetails", "description"] | ["description"] => top(DESCRIPTION),
        ["connectionDetails", "secretsLocation", rest @ ..] | ["secretsLocation", rest @ ..] => {
            match rest {
                [] => nested(SECRETS_LOCATION, None),
                ["type"] => nested(SECRETS_LOCATION, Some(TYPE)),
                ["region"] => nested(SECRETS_LOCATION, Some(REGION)),
                ["vaultName"] => nested(SECRETS_LOCATION, Some(VAULT_NAME)),
                ["gcpProjectId"] => nested(SECRETS_LOCATION, Some(GCP_PROJECT_ID)),
                _ => nested(SECRETS_LOCATION, None),
            }
        }
        ["connectionDetails", "connectionProperties", rest @ ..]
        | ["connectionProperties", rest @ ..] => match rest {
            [] => nested(CONNECTION_PROPERTIES, None),
            ["secretName"] => nested(CONNECTION_PROPERTIES, Some(SECRET_NAME)),
            ["secretKey"] => nested(CONNECTION_PROPERTIES, Some(SECRET_KEY)),
            ["credentialSecretName"] => nested(CONNECTION_PROPERTIES, Some(CREDENTIAL_SECRET_NAME)),
            _ => nested(CONNECTION_PROPERTIES, None),
        },
        _ => None,
    }
}

/// Splits a violation string into the field it names (if it names one it
/// recognises) and the message. Understands `field: message`, `field message`
/// and `field - message`.
pub fn split_violation(violation: &str) -> (Option<AttributePath>, String) {
    let v = violation.trim();
    if let Some((field, message)) = v.split_once(':') {
        if let Some(path) = attribute_for_field(field) {
            return (Some(path), message.trim().to_string());
        }
    }
    if let Some((field, message)) = v.split_once(char::is_whitespace) {
        if let Some(path) = attribute_for_field(field) {
            return (
                Some(path),
                message
                    .trim_start_matches(['-', ':', ' '])
                    .trim()
                    .to_string(),
            );
        }
    }
    (None, v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_nested_request_fields_to_block_attributes() {
        let p = attribute_for_field("connectionDetails.connectionProperties.secretName").unwrap();
        assert_eq!(p.to_string(), "connection_properties[0].secret_name");
        let p = attribute_for_field("connectionDetails.secretsLocation.vaultName").unwrap();
        assert_eq!(p.to_string(), "secrets_location[0].vault_name");
        assert_eq!(
            attribute_for_field("authType").unwrap().to_string(),
            "auth_type"
        );
        assert_eq!(
            attribute_for_field("$.connectionDetails.description")
                .unwrap()
                .to_string(),
            "description"
        );
        assert_eq!(attribute_for_field("somethingElse"), None);
    }

    #[test]
    fn splits_field_and_message() {
        let (p, m) =
            split_violation("connectionDetails.connectionProperties.secretName: must not be empty");
        assert_eq!(
            p.unwrap().to_string(),
            "connection_properties[0].secret_name"
        );
        assert_eq!(m, "must not be empty");
        let (p, m) = split_violation("authType must be one of X");
        assert_eq!(p.unwrap().to_string(), "auth_type");
        assert_eq!(m, "must be one of X");
        let (p, m) = split_violation("the request is odd");
        assert!(p.is_none());
        assert_eq!(m, "the request is odd");
    }
}
