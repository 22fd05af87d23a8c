//! Contract tests: literal JSON bodies written by hand from the OpenAPI seed
//! (and the neighbouring operations in `maia-api.md`) must decode into the
//! client's models, and the models must encode to exactly that JSON.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};
use terraform_provider_maia::api::models::{
    AuthType, Connection, ConnectionDetails, ConnectionPage, ConnectionProperties,
    CreateConnectionRequest, PlatformConnectionType, ProblemDetail, SecretsLocation,
    SecretsLocationType, UpdateConnectionRequest,
};

/// Decodes `literal`, checks it equals `expected`, and checks that encoding
/// `expected` yields exactly `literal`.
fn round_trip<T>(literal: &str, expected: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let decoded: T = serde_json::from_str(literal).expect("literal decodes");
    assert_eq!(&decoded, expected, "decoded model differs");
    let encoded = serde_json::to_value(expected).expect("model encodes");
    let literal_value: Value = serde_json::from_str(literal).expect("literal is JSON");
    assert_eq!(encoded, literal_value, "encoded JSON differs");
}

fn aws_details() -> ConnectionDetails {
    ConnectionDetails {
        connection_properties: Some(ConnectionProperties {
            secret_name: Some("some-secret-name".into()),
            secret_key: Some("password".into()),
            credential_secret_name: None,
        }),
        description: Some("Salesforce via AWS".into()),
        secrets_location: Some(SecretsLocation {
            r#type: Some(SecretsLocationType::AwsSecretManager),
            region: Some("eu-west-1".into()),
            vault_name: None,
            gcp_project_id: None,
        }),
    }
}

#[test]
fn update_request_full_matches_seed_names() {
    let literal = r#"{
        "authType": "OAUTH_CLIENT_CRED",
        "platformConnectionType": "COMPONENT_BASIC",
        "connectionDetails": {
            "connectionProperties": {"secretName": "some-secret-name", "secretKey": "password"},
            "description": "Salesforce via AWS",
            "secretsLocation": {"type": "AWS_SECRET_MANAGER", "region": "eu-west-1"}
        }
    }"#;
    let req = UpdateConnectionRequest {
        auth_type: AuthType::OauthClientCred,
        platform_connection_type: PlatformConnectionType::ComponentBasic,
        connection_details: Some(aws_details()),
    };
    round_trip(literal, &req);
}

#[test]
fn update_request_minimal_omits_details_rather_than_null() {
    let literal = r#"{"authType": "GENERIC_SECRET", "platformConnectionType": "COMPONENT_BASIC"}"#;
    let req = UpdateConnectionRequest {
        auth_type: AuthType::GenericSecret,
        platform_connection_type: PlatformConnectionType::ComponentBasic,
        connection_details: None,
    };
    round_trip(literal, &req);
    let text = serde_json::to_string(&req).expect("encodes");
    assert!(
        !text.contains("null"),
        "unset fields must be omitted: {text}"
    );
}

#[test]
fn update_request_missing_required_fields_is_rejected() {
    let err = serde_json::from_str::<UpdateConnectionRequest>(r#"{"authType": "GENERIC_SECRET"}"#)
        .unwrap_err();
    assert!(err.to_string().contains("platformConnectionType"), "{err}");
}

#[test]
fn create_request_cloud_platform_credentials() {
    let literal = r#"{
        "name": "aws-platform",
        "platformConnectionType": "CLOUD_PLATFORM_CREDENTIALS",
        "authProvider": "aws",
        "authType": "CLOUD_PROVIDER_SECRET",
        "connectionDetails": {
            "connectionProperties": {"credentialSecretName": "aws-platform-credentials"},
            "secretsLocation": {"type": "DEFAULT_SECRET_VAULT"}
        }
    }"#;
    let req = CreateConnectionRequest {
        name: "aws-platform".into(),
        platform_connection_type: PlatformConnectionType::CloudPlatformCredentials,
        auth_provider: "aws".into(),
        auth_type: AuthType::CloudProviderSecret,
        connection_details: Some(ConnectionDetails {
            connection_properties: Some(ConnectionProperties {
                credential_secret_name: Some("aws-platform-credentials".into()),
                ..ConnectionProperties::default()
            }),
            description: None,
            secrets_location: Some(SecretsLocation {
                r#type: Some(SecretsLocationType::DefaultSecretVault),
                ..SecretsLocation::default()
            }),
        }),
    };
    round_trip(literal, &req);
}

#[test]
fn create_request_without_details() {
    let literal = r#"{"name": "empty", "platformConnectionType": "COMPONENT_BASIC",
                     "authProvider": "NONE", "authType": "GENERIC_SECRET"}"#;
    let req = CreateConnectionRequest {
        name: "empty".into(),
        platform_connection_type: PlatformConnectionType::ComponentBasic,
        auth_provider: "NONE".into(),
        auth_type: AuthType::GenericSecret,
        connection_details: None,
    };
    round_trip(literal, &req);
}

#[test]
fn every_vault_location_shape() {
    let cases = [
        (
            r#"{"type": "AZURE_SECRET_MANAGER", "vaultName": "kv-prod"}"#,
            SecretsLocation {
                r#type: Some(SecretsLocationType::AzureSecretManager),
                vault_name: Some("kv-prod".into()),
                ..SecretsLocation::default()
            },
        ),
        (
            r#"{"type": "GCP_SECRET_MANAGER", "gcpProjectId": "my-gcp-project"}"#,
            SecretsLocation {
                r#type: Some(SecretsLocationType::GcpSecretManager),
                gcp_project_id: Some("my-gcp-project".into()),
                ..SecretsLocation::default()
            },
        ),
        (
            r#"{"type": "MATILLION_CUSTOMER_VAULT"}"#,
            SecretsLocation {
                r#type: Some(SecretsLocationType::MatillionCustomerVault),
                ..SecretsLocation::default()
            },
        ),
        (
            r#"{"type": "AWS_SECRET_MANAGER", "region": "us-east-1"}"#,
            SecretsLocation {
                r#type: Some(SecretsLocationType::AwsSecretManager),
                region: Some("us-east-1".into()),
                ..SecretsLocation::default()
            },
        ),
        (
            r#"{"type": "DEFAULT_SECRET_VAULT"}"#,
            SecretsLocation {
                r#type: Some(SecretsLocationType::DefaultSecretVault),
                ..SecretsLocation::default()
            },
        ),
        (r#"{}"#, SecretsLocation::default()),
    ];
    for (literal, expected) in cases {
        round_trip(literal, &expected);
    }
}

fn full_response() -> Connection {
    Connection {
        auth_provider: Some("salesforce".into()),
        auth_type: Some(AuthType::OauthClientCred),
        connection_details: Some(aws_details()),
        created_by: Some("jane@example.com".into()),
        created_date: Some("2025-03-04T10:15:30Z".into()),
        name: Some("my-secret".into()),
        platform_connection_type: Some(PlatformConnectionType::ComponentBasic),
        project_id: Some("550e8400-e29b-41d4-a716-446655440002".into()),
    }
}

const FULL_RESPONSE: &str = r#"{
    "authProvider": "salesforce",
    "authType": "OAUTH_CLIENT_CRED",
    "connectionDetails": {
        "connectionProperties": {"secretName": "some-secret-name", "secretKey": "password"},
        "description": "Salesforce via AWS",
        "secretsLocation": {"type": "AWS_SECRET_MANAGER", "region": "eu-west-1"}
    },
    "createdBy": "jane@example.com",
    "createdDate": "2025-03-04T10:15:30Z",
    "name": "my-secret",
    "platformConnectionType": "COMPONENT_BASIC",
    "projectId": "550e8400-e29b-41d4-a716-446655440002"
}"#;

#[test]
fn connection_response_full() {
    round_trip(FULL_RESPONSE, &full_response());
}

#[test]
fn connection_response_sparse_has_only_present_fields() {
    let literal = r#"{"name": "bare", "authType": "GENERIC_SECRET"}"#;
    let expected = Connection {
        name: Some("bare".into()),
        auth_type: Some(AuthType::GenericSecret),
        ..Connection::default()
    };
    round_trip(literal, &expected);
}

#[test]
fn connection_response_ignores_unknown_fields() {
    let literal = r#"{
        "name": "x", "id": 42, "lastModified": "2025-01-01T00:00:00Z",
        "connectionDetails": {"futureField": true,
            "connectionProperties": {"secretName": "s", "extra": [1, 2]},
            "secretsLocation": {"type": "AWS_SECRET_MANAGER", "arn": "zzz"}}
    }"#;
    let decoded: Connection = serde_json::from_str(literal).expect("decodes");
    assert_eq!(decoded.name.as_deref(), Some("x"));
    let details = decoded.connection_details.expect("details");
    assert_eq!(
        details.connection_properties.and_then(|p| p.secret_name),
        Some("s".into())
    );
    assert_eq!(
        details.secrets_location.and_then(|l| l.r#type),
        Some(SecretsLocationType::AwsSecretManager)
    );
}

#[test]
fn connection_response_keeps_unknown_enum_values() {
    let literal = r#"{"name": "n", "authType": "SAML_ASSERTION",
        "platformConnectionType": "SOMETHING_NEW",
        "connectionDetails": {"secretsLocation": {"type": "HASHICORP_VAULT"}}}"#;
    let expected = Connection {
        name: Some("n".into()),
        auth_type: Some(AuthType::Other("SAML_ASSERTION".into())),
        platform_connection_type: Some(PlatformConnectionType::Other("SOMETHING_NEW".into())),
        connection_details: Some(ConnectionDetails {
            secrets_location: Some(SecretsLocation {
                r#type: Some(SecretsLocationType::Other("HASHICORP_VAULT".into())),
                ..SecretsLocation::default()
            }),
            ..ConnectionDetails::default()
        }),
        ..Connection::default()
    };
    round_trip(literal, &expected);
}

#[test]
fn list_page_envelope_with_results() {
    let literal = format!(
        r#"{{"results": [{FULL_RESPONSE}, {{"name": "second"}}], "page": 0, "size": 2, "total": 5}}"#
    );
    let expected = ConnectionPage {
        results: vec![
            full_response(),
            Connection {
                name: Some("second".into()),
                ..Connection::default()
            },
        ],
        page: Some(0),
        size: Some(2),
        total: Some(5),
    };
    round_trip(&literal, &expected);
}

#[test]
fn list_page_envelope_lenient_variants() {
    let content: ConnectionPage =
        serde_json::from_str(r#"{"content": [{"name": "a"}], "totalElements": 1, "number": 0}"#)
            .expect("content envelope");
    assert_eq!(content.results.len(), 1);
    assert_eq!(content.total, Some(1));
    assert_eq!(content.page, Some(0));

    let bare: ConnectionPage =
        serde_json::from_str(r#"[{"name": "a"}, {"name": "b"}]"#).expect("bare array");
    assert_eq!(bare.results.len(), 2);
    assert_eq!(bare.total, None);

    let empty: ConnectionPage =
        serde_json::from_str(r#"{"page": 3, "size": 25, "total": 0}"#).expect("no items");
    assert!(empty.results.is_empty());
}

#[test]
fn problem_detail_every_field() {
    let literal = r#"{
        "type": "https://api.matillion.com/problems/validation",
        "title": "Unprocessable Entity",
        "status": 422,
        "detail": "Invalid combination",
        "instance": "/v1/projects/550e8400-e29b-41d4-a716-446655440002/connections",
        "violations": ["authType: OAUTH_CLIENT_CRED is not valid for authProvider NONE"]
    }"#;
    let expected = ProblemDetail {
        r#type: Some("https://api.matillion.com/problems/validation".into()),
        title: Some("Unprocessable Entity".into()),
        status: Some(422),
        detail: Some("Invalid combination".into()),
        instance: Some("/v1/projects/550e8400-e29b-41d4-a716-446655440002/connections".into()),
        violations: vec!["authType: OAUTH_CLIENT_CRED is not valid for authProvider NONE".into()],
    };
    round_trip(literal, &expected);
}

#[test]
fn problem_detail_each_documented_status_shape() {
    for (status, title) in [
        (400, "Bad Request"),
        (403, "Forbidden"),
        (404, "Not Found"),
        (409, "Conflict"),
        (422, "Unprocessable Entity"),
    ] {
        let literal = format!(r#"{{"title": "{title}", "status": {status}}}"#);
        let expected = ProblemDetail {
            title: Some(title.into()),
            status: Some(status),
            ..ProblemDetail::default()
        };
        round_trip(&literal, &expected);
    }
    let with_extra: ProblemDetail =
        serde_json::from_str(r#"{"title": "x", "timestamp": "2025-01-01", "errors": {}}"#)
            .expect("unknown problem fields ignored");
    assert_eq!(with_extra.title.as_deref(), Some("x"));
}

#[test]
fn enum_wire_values_match_seed_lists() {
    let wire = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        PlatformConnectionType::ALL
            .iter()
            .map(|v| v.as_str().to_string())
            .collect::<Vec<_>>(),
        wire(&["COMPONENT_BASIC", "CLOUD_PLATFORM_CREDENTIALS"])
    );
    assert_eq!(
        AuthType::ALL
            .iter()
            .map(|v| v.as_str().to_string())
            .collect::<Vec<_>>(),
        wire(&[
            "GENERIC_SECRET",
            "CLOUD_PROVIDER_SECRET",
            "OAUTH_USER_TOKENS",
            "OAUTH_AUTHORIZATION_CODE",
            "OAUTH_CLIENT_CRED",
            "COMPOSITE_TOKEN",
            "OAUTH_1_0_X_ADS",
        ])
    );
    assert_eq!(
        SecretsLocationType::ALL
            .iter()
            .map(|v| v.as_str().to_string())
            .collect::<Vec<_>>(),
        wire(&[
            "AWS_SECRET_MANAGER",
            "AZURE_SECRET_MANAGER",
            "GCP_SECRET_MANAGER",
            "MATILLION_CUSTOMER_VAULT",
            "DEFAULT_SECRET_VAULT",
        ])
    );
    for v in AuthType::ALL {
        assert_eq!(serde_json::to_value(v).expect("encodes"), json!(v.as_str()));
    }
    assert!(
        "oauth_client_cred".parse::<AuthType>().is_err(),
        "strict parse is case-sensitive"
    );
}

#[test]
fn problem_detail_violations_are_decoded_leniently() {
    let p: ProblemDetail = serde_json::from_str(
        r#"{"title": "Bad Request", "violations": [
            "plain text",
            {"field": "connectionDetails.connectionProperties.secretName", "message": "must not be blank"},
            {"message": "only a message"},
            {"code": 7}
        ]}"#,
    )
    .expect("decodes");
    assert_eq!(
        p.violations,
        vec![
            "plain text".to_string(),
            "connectionDetails.connectionProperties.secretName: must not be blank".to_string(),
            "only a message".to_string(),
            r#"{"code":7}"#.to_string(),
        ]
    );
    let p: ProblemDetail =
        serde_json::from_str(r#"{"violations": null}"#).expect("null violations");
    assert!(p.violations.is_empty());
    assert_eq!(serde_json::to_value(&p).expect("encodes"), json!({}));
}

#[test]
fn environment_override_request_and_response() {
    use terraform_provider_maia::api::models::{
        ConnectionOverrides, EnvironmentOverride, EnvironmentOverrideRequest, Page,
    };
    let literal = r#"{
        "environmentName": "prod",
        "connectionName": "orders-db",
        "authType": "GENERIC_SECRET",
        "connectionOverrides": {
            "secretsLocation": {"type": "AZURE_SECRET_MANAGER", "vaultName": "kv-prod"},
            "connectionProperties": {"secretName": "orders-db-prod", "secretKey": "pw"}
        }
    }"#;
    let overrides = ConnectionOverrides {
        secrets_location: Some(SecretsLocation {
            r#type: Some(SecretsLocationType::AzureSecretManager),
            vault_name: Some("kv-prod".into()),
            ..SecretsLocation::default()
        }),
        connection_properties: Some(ConnectionProperties {
            secret_name: Some("orders-db-prod".into()),
            secret_key: Some("pw".into()),
            credential_secret_name: None,
        }),
    };
    let request = EnvironmentOverrideRequest {
        environment_name: "prod".into(),
        connection_name: "orders-db".into(),
        auth_type: AuthType::GenericSecret,
        connection_overrides: Some(overrides.clone()),
    };
    round_trip(literal, &request);

    let minimal =
        r#"{"environmentName": "dev", "connectionName": "c", "authType": "GENERIC_SECRET"}"#;
    round_trip(
        minimal,
        &EnvironmentOverrideRequest {
            environment_name: "dev".into(),
            connection_name: "c".into(),
            auth_type: AuthType::GenericSecret,
            connection_overrides: None,
        },
    );

    let response = r#"{"results": [{
        "environmentName": "prod", "connectionName": "orders-db", "authType": "GENERIC_SECRET",
        "projectId": "550e8400-e29b-41d4-a716-446655440002",
        "connectionOverrides": {
            "secretsLocation": {"type": "AZURE_SECRET_MANAGER", "vaultName": "kv-prod"},
            "connectionProperties": {"secretName": "orders-db-prod", "secretKey": "pw"}
        },
        "lastModified": "ignored"
    }], "page": 0, "size": 25, "total": 1}"#;
    let page: Page<EnvironmentOverride> = serde_json::from_str(response).expect("decodes");
    assert_eq!(page.total, Some(1));
    assert_eq!(
        page.results,
        vec![EnvironmentOverride {
            environment_name: Some("prod".into()),
            connection_name: Some("orders-db".into()),
            auth_type: Some(AuthType::GenericSecret),
            connection_overrides: Some(overrides),
            project_id: Some("550e8400-e29b-41d4-a716-446655440002".into()),
        }]
    );
}
