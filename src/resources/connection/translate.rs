//! Translation between the Terraform-side [`ConnectionSpec`] and the Maia
//! request/response models of the seed.

use crate::api::models::{
    AuthType, Connection, ConnectionDetails, ConnectionProperties, CreateConnectionRequest,
    PlatformConnectionType, SecretsLocation, SecretsLocationType, UpdateConnectionRequest,
};

use super::model::{ConnectionPropertiesSpec, ConnectionSpec, SecretsLocationSpec, ServerFields};
use super::validate::NO_AUTH_PROVIDER;

/// A response the provider cannot turn into state.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Maia API answered with a connection that {0}")]
pub struct IncompleteResponse(pub String);

/// `connectionDetails`, or `None` when nothing in it is set.
fn details(spec: &ConnectionSpec) -> Option<ConnectionDetails> {
    let secrets_location = spec.secrets_location.as_ref().map(|s| SecretsLocation {
        r#type: Some(SecretsLocationType::from_wire(&s.r#type)),
        region: s.region.clone(),
        vault_name: s.vault_name.clone(),
        gcp_project_id: s.gcp_project_id.clone(),
    });
    let connection_properties = spec
        .connection_properties
        .as_ref()
        .map(|p| ConnectionProperties {
            secret_name: p.secret_name.clone(),
            secret_key: p.secret_key.clone(),
            credential_secret_name: p.credential_secret_name.clone(),
        });
    let d = ConnectionDetails {
        connection_properties,
        description: spec.description.clone(),
        secrets_location,
    };
    (d != ConnectionDetails::default()).then_some(d)
}

/// The POST body creating `spec`.
pub fn create_request(spec: &ConnectionSpec) -> CreateConnectionRequest {
    CreateConnectionRequest {
        name: spec.name.clone(),
        platform_connection_type: PlatformConnectionType::from_wire(&spec.platform_connection_type),
        auth_provider: spec.auth_provider.clone(),
        auth_type: AuthType::from_wire(&spec.auth_type),
        connection_details: details(spec),
    }
}

/// The PUT body replacing the connection with `spec`: exactly `authType`,
/// `platformConnectionType` and, when anything is set, `connectionDetails`
/// with only the set fields.
pub fn update_request(spec: &ConnectionSpec) -> UpdateConnectionRequest {
    UpdateConnectionRequest {
        auth_type: AuthType::from_wire(&spec.auth_type),
        platform_connection_type: PlatformConnectionType::from_wire(&spec.platform_connection_type),
        connection_details: details(spec),
    }
}

/// Reads a connection as Maia holds it. `project_id` and `name` are the ones
/// asked for; `auth_provider_fallback` is used when the response leaves
/// `authProvider` out.
pub fn spec_from_connection(
    conn: &Connection,
    project_id: &str,
    name: &str,
    auth_provider_fallback: Option<&str>,
) -> Result<(ConnectionSpec, ServerFields), IncompleteResponse> {
    let platform_connection_type = conn
        .platform_connection_type
        .as_ref()
        .map(|p| p.as_str().to_string())
        .ok_or_else(|| IncompleteResponse("has no platformConnectionType".into()))?;
    let auth_type = conn
        .auth_type
        .as_ref()
        .map(|a| a.as_str().to_string())
        .ok_or_else(|| IncompleteResponse("has no authType".into()))?;
    if let Some(n) = &conn.name {
        if n != name {
            return Err(IncompleteResponse(format!(
                "is named \"{n}\", not \"{name}\""
            )));
        }
    }
    let auth_provider = conn
        .auth_provider
        .clone()
        .or_else(|| auth_provider_fallback.map(str::to_string))
        .unwrap_or_else(|| NO_AUTH_PROVIDER.to_string());
    let details = conn.connection_details.clone().unwrap_or_default();
    let secrets_location = match details.secrets_location {
        None => None,
        Some(s) if s == SecretsLocation::default() => None,
        Some(s) => Some(SecretsLocationSpec {
            r#type: s
                .r#type
                .map(|t| t.as_str().to_string())
                .ok_or_else(|| IncompleteResponse("has a secretsLocation without a type".into()))?,
            region: s.region,
            vault_name: s.vault_name,
            gcp_project_id: s.gcp_project_id,
        }),
    };
    let connection_properties = match details.connection_properties {
        None => None,
        Some(p) if p == ConnectionProperties::default() => None,
        Some(p) => Some(ConnectionPropertiesSpec {
            secret_name: p.secret_name,
            secret_key: p.secret_key,
            credential_secret_name: p.credential_secret_name,
        }),
    };
    Ok((
        ConnectionSpec {
            project_id: project_id.to_string(),
            name: name.to_string(),
            platform_connection_type,
            auth_type,
            auth_provider,
            description: details.description,
            secrets_location,
            connection_properties,
        },
        ServerFields {
            created_by: conn.created_by.clone(),
            created_date: conn.created_date.clone(),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> ConnectionSpec {
        ConnectionSpec {
            project_id: "550e8400-e29b-41d4-a716-446655440002".into(),
            name: "salesforce-prod".into(),
            platform_connection_type: "COMPONENT_BASIC".into(),
            auth_type: "OAUTH_CLIENT_CRED".into(),
            auth_provider: "salesforce".into(),
            description: None,
            secrets_location: Some(SecretsLocationSpec {
                r#type: "AWS_SECRET_MANAGER".into(),
                region: Some("eu-west-1".into()),
                ..Default::default()
            }),
            connection_properties: Some(ConnectionPropertiesSpec {
                secret_name: Some("sf-oauth".into()),
                ..Default::default()
            }),
        }
    }

    #[test]
    fn update_body_carries_only_the_set_fields() {
        let body = serde_json::to_value(update_request(&spec())).unwrap();
        assert_eq!(
            body,
            json!({
                "authType": "OAUTH_CLIENT_CRED",
                "platformConnectionType": "COMPONENT_BASIC",
                "connectionDetails": {
                    "secretsLocation": {"type": "AWS_SECRET_MANAGER", "region": "eu-west-1"},
                    "connectionProperties": {"secretName": "sf-oauth"}
                }
            })
        );
    }

    #[test]
    fn update_body_without_details_has_no_connection_details() {
        let mut s = spec();
        s.secrets_location = None;
        s.connection_properties = None;
        let body = serde_json::to_value(update_request(&s)).unwrap();
        assert_eq!(
            body,
            json!({"authType": "OAUTH_CLIENT_CRED", "platformConnectionType": "COMPONENT_BASIC"})
        );
    }

    #[test]
    fn create_body_adds_name_and_auth_provider() {
        let body = serde_json::to_value(create_request(&spec())).unwrap();
        assert_eq!(body["name"], "salesforce-prod");
        assert_eq!(body["authProvider"], "salesforce");
        assert_eq!(
            body["connectionDetails"]["connectionProperties"],
            json!({"secretName": "sf-oauth"})
        );
    }

    #[test]
    fn a_response_round_trips_into_the_same_spec() {
        let conn: Connection = serde_json::from_value(json!({
            "name": "salesforce-prod",
            "projectId": "550e8400-e29b-41d4-a716-446655440002",
            "platformConnectionType": "COMPONENT_BASIC",
            "authProvider": "salesforce",
            "authType": "OAUTH_CLIENT_CRED",
            "connectionDetails": {
                "secretsLocation": {"type": "AWS_SECRET_MANAGER", "region": "eu-west-1"},
                "connectionProperties": {"secretName": "sf-oauth"}
            },
            "createdBy": "someone",
            "createdDate": "2026-12-04T10:00:00Z",
            "somethingNew": 1
        }))
        .unwrap();
        let (s, server) =
            spec_from_connection(&conn, &spec().project_id, "salesforce-prod", None).unwrap();
        assert_eq!(s, spec());
        assert_eq!(server.created_by.as_deref(), Some("someone"));
    }

    #[test]
    fn a_response_missing_required_fields_is_refused() {
        let conn: Connection = serde_json::from_value(json!({"name": "x"})).unwrap();
        assert!(spec_from_connection(&conn, "p", "x", None).is_err());
    }
}
