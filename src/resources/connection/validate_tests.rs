//! The validation rules, one case per rule: each invalid configuration gives an
//! error on exactly the attribute at fault; unknown values pass.

use super::*;
use crate::plugin::cty::Value;

const PROJECT: &str = "550e8400-e29b-41d4-a716-446655440002";

fn block(attrs: &[(&str, Value)]) -> Value {
    Value::List(vec![Value::object(attrs.iter().cloned())])
}

/// A valid COMPONENT_BASIC / salesforce config, modified by `edit`.
fn config(edit: impl FnOnce(&mut std::collections::BTreeMap<String, Value>)) -> Value {
    let mut m = std::collections::BTreeMap::new();
    m.insert(PROJECT_ID.into(), Value::string(PROJECT));
    m.insert(NAME.into(), Value::string("salesforce-prod"));
    m.insert(
        PLATFORM_CONNECTION_TYPE.into(),
        Value::string("COMPONENT_BASIC"),
    );
    m.insert(AUTH_TYPE.into(), Value::string("OAUTH_CLIENT_CRED"));
    m.insert(AUTH_PROVIDER.into(), Value::string("salesforce"));
    m.insert(DESCRIPTION.into(), Value::Null);
    m.insert(
        SECRETS_LOCATION.into(),
        block(&[
            (TYPE, Value::string("AWS_SECRET_MANAGER")),
            (REGION, Value::string("eu-west-1")),
            (VAULT_NAME, Value::Null),
            (GCP_PROJECT_ID, Value::Null),
        ]),
    );
    m.insert(
        CONNECTION_PROPERTIES.into(),
        block(&[
            (SECRET_NAME, Value::string("sf-oauth")),
            (SECRET_KEY, Value::Null),
            (CREDENTIAL_SECRET_NAME, Value::Null),
        ]),
    );
    edit(&mut m);
    Value::Object(m)
}

fn set_in_block(
    m: &mut std::collections::BTreeMap<String, Value>,
    blk: &str,
    name: &str,
    v: Value,
) {
    if let Some(Value::List(items)) = m.get_mut(blk) {
        if let Some(Value::Object(o)) = items.first_mut() {
            o.insert(name.into(), v);
        }
    }
}

fn error_paths(v: &Value) -> Vec<String> {
    validate(v)
        .iter()
        .map(|d| {
            d.attribute
                .as_ref()
                .map(|p| p.to_string())
                .unwrap_or_default()
        })
        .collect()
}

#[test]
fn a_valid_configuration_has_no_diagnostics() {
    assert!(validate(&config(|_| {})).is_empty());
}

#[test]
fn each_invalid_value_is_reported_on_its_attribute() {
    type Edit = Box<dyn FnOnce(&mut std::collections::BTreeMap<String, Value>)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "uppercase uuid",
            Box::new(|m| {
                m.insert(PROJECT_ID.into(), Value::string(PROJECT.to_uppercase()));
            }),
            "project_id",
        ),
        (
            "not a uuid",
            Box::new(|m| {
                m.insert(PROJECT_ID.into(), Value::string("project-1"));
            }),
            "project_id",
        ),
        (
            "empty name",
            Box::new(|m| {
                m.insert(NAME.into(), Value::string(""));
            }),
            "name",
        ),
        (
            "long name",
            Box::new(|m| {
                m.insert(NAME.into(), Value::string("n".repeat(256)));
            }),
            "name",
        ),
        (
            "newline in name",
            Box::new(|m| {
                m.insert(NAME.into(), Value::string("a\nb"));
            }),
            "name",
        ),
        (
            "long description",
            Box::new(|m| {
                m.insert(DESCRIPTION.into(), Value::string("d".repeat(5000)));
            }),
            "description",
        ),
        (
            "bad pct",
            Box::new(|m| {
                m.insert(PLATFORM_CONNECTION_TYPE.into(), Value::string("COMPONENT"));
            }),
            "platform_connection_type",
        ),
        (
            "bad auth type",
            Box::new(|m| {
                m.insert(AUTH_TYPE.into(), Value::string("oauth_client_cred"));
            }),
            "auth_type",
        ),
        (
            "cloud auth on component",
            Box::new(|m| {
                m.insert(AUTH_TYPE.into(), Value::string("CLOUD_PROVIDER_SECRET"));
            }),
            "auth_type",
        ),
        (
            "NONE with oauth",
            Box::new(|m| {
                m.insert(AUTH_PROVIDER.into(), Value::string("NONE"));
            }),
            "auth_provider",
        ),
        (
            "omitted provider with oauth",
            Box::new(|m| {
                m.insert(AUTH_PROVIDER.into(), Value::Null);
            }),
            "auth_provider",
        ),
        (
            "empty provider",
            Box::new(|m| {
                m.insert(AUTH_PROVIDER.into(), Value::string(""));
            }),
            "auth_provider",
        ),
        (
            "generic secret with connector",
            Box::new(|m| {
                m.insert(AUTH_TYPE.into(), Value::string("GENERIC_SECRET"));
            }),
            "auth_provider",
        ),
        (
            "composite token not netsuite",
            Box::new(|m| {
                m.insert(AUTH_TYPE.into(), Value::string("COMPOSITE_TOKEN"));
            }),
            "auth_provider",
        ),
        (
            "x-ads type not x-ads",
            Box::new(|m| {
                m.insert(AUTH_TYPE.into(), Value::string("OAUTH_1_0_X_ADS"));
            }),
            "auth_provider",
        ),
        (
            "bad vault type",
            Box::new(|m| set_in_block(m, SECRETS_LOCATION, TYPE, Value::string("AWS"))),
            "secrets_location[0].type",
        ),
        (
            "vault name on aws",
            Box::new(|m| set_in_block(m, SECRETS_LOCATION, VAULT_NAME, Value::string("v"))),
            "secrets_location[0].vault_name",
        ),
        (
            "gcp project on aws",
            Box::new(|m| set_in_block(m, SECRETS_LOCATION, GCP_PROJECT_ID, Value::string("g"))),
            "secrets_location[0].gcp_project_id",
        ),
        (
            "empty region",
            Box::new(|m| set_in_block(m, SECRETS_LOCATION, REGION, Value::string(""))),
            "secrets_location[0].region",
        ),
        (
            "empty secret name",
            Box::new(|m| set_in_block(m, CONNECTION_PROPERTIES, SECRET_NAME, Value::string(""))),
            "connection_properties[0].secret_name",
        ),
        (
            "missing secret name",
            Box::new(|m| set_in_block(m, CONNECTION_PROPERTIES, SECRET_NAME, Value::Null)),
            "connection_properties[0].secret_name",
        ),
        (
            "credential secret on component",
            Box::new(|m| {
                set_in_block(
                    m,
                    CONNECTION_PROPERTIES,
                    CREDENTIAL_SECRET_NAME,
                    Value::string("c"),
                )
            }),
            "connection_properties[0].credential_secret_name",
        ),
        (
            "long secret key",
            Box::new(|m| {
                set_in_block(
                    m,
                    CONNECTION_PROPERTIES,
                    SECRET_KEY,
                    Value::string("k".repeat(2000)),
                )
            }),
            "connection_properties[0].secret_key",
        ),
    ];
    for (what, edit, expected) in cases {
        let v = config(edit);
        assert_eq!(error_paths(&v), vec![expected.to_string()], "case: {what}");
    }
}

#[test]
fn region_belongs_only_to_aws() {
    let v = config(|m| {
        set_in_block(
            m,
            SECRETS_LOCATION,
            TYPE,
            Value::string("AZURE_SECRET_MANAGER"),
        )
    });
    assert_eq!(
        error_paths(&v),
        vec!["secrets_location[0].region".to_string()]
    );
}

#[test]
fn cloud_credentials_need_a_cloud_provider_and_credential_secret() {
    let cloud = |provider: Value, props: Value| {
        config(|m| {
            m.insert(
                PLATFORM_CONNECTION_TYPE.into(),
                Value::string("CLOUD_PLATFORM_CREDENTIALS"),
            );
            m.insert(AUTH_TYPE.into(), Value::string("CLOUD_PROVIDER_SECRET"));
            m.insert(AUTH_PROVIDER.into(), provider);
            m.insert(CONNECTION_PROPERTIES.into(), props);
        })
    };
    let good_props = block(&[
        (SECRET_NAME, Value::Null),
        (SECRET_KEY, Value::Null),
        (CREDENTIAL_SECRET_NAME, Value::string("aws-creds")),
    ]);
    assert!(validate(&cloud(Value::string("aws"), good_props.clone())).is_empty());
    assert_eq!(
        error_paths(&cloud(Value::string("salesforce"), good_props.clone())),
        vec!["auth_provider"]
    );
    assert_eq!(
        error_paths(&cloud(Value::Null, good_props)),
        vec!["auth_provider"]
    );
    let wrong_props = block(&[
        (SECRET_NAME, Value::string("s")),
        (SECRET_KEY, Value::Null),
        (CREDENTIAL_SECRET_NAME, Value::Null),
    ]);
    assert_eq!(
        error_paths(&cloud(Value::string("gcp"), wrong_props)),
        vec![
            "connection_properties[0].credential_secret_name",
            "connection_properties[0].secret_name"
        ]
    );
}

#[test]
fn generic_secret_may_omit_auth_provider() {
    let v = config(|m| {
        m.insert(AUTH_TYPE.into(), Value::string("GENERIC_SECRET"));
        m.insert(AUTH_PROVIDER.into(), Value::Null);
    });
    assert!(validate(&v).is_empty());
}

#[test]
fn unknown_values_pass_validation() {
    let v = config(|m| {
        m.insert(PROJECT_ID.into(), Value::unknown());
        m.insert(AUTH_TYPE.into(), Value::unknown());
        m.insert(AUTH_PROVIDER.into(), Value::unknown());
        m.insert(SECRETS_LOCATION.into(), Value::unknown());
        set_in_block(m, CONNECTION_PROPERTIES, SECRET_NAME, Value::unknown());
    });
    assert!(validate(&v).is_empty(), "{:?}", validate(&v));
}

#[test]
fn combinations_table_matches_the_documentation() {
    assert!(provider_rule("COMPONENT_BASIC", "GENERIC_SECRET").accepts("NONE"));
    assert!(provider_rule("COMPONENT_BASIC", "OAUTH_USER_TOKENS").accepts("salesforce"));
    assert!(!provider_rule("COMPONENT_BASIC", "OAUTH_USER_TOKENS").accepts("NONE"));
    assert!(provider_rule("COMPONENT_BASIC", "COMPOSITE_TOKEN").accepts("netsuite"));
    assert!(provider_rule("COMPONENT_BASIC", "OAUTH_1_0_X_ADS").accepts("x-ads"));
    for cloud in ["aws", "gcp", "azure"] {
        assert!(
            provider_rule("CLOUD_PLATFORM_CREDENTIALS", "CLOUD_PROVIDER_SECRET").accepts(cloud)
        );
    }
    assert!(!provider_rule("CLOUD_PLATFORM_CREDENTIALS", "GENERIC_SECRET").accepts("NONE"));
}

#[test]
fn netsuite_and_x_ads_keep_to_their_own_auth_types() {
    let rule = provider_rule("COMPONENT_BASIC", "OAUTH_CLIENT_CRED");
    assert!(!rule.accepts("netsuite"));
    assert!(!rule.accepts("x-ads"));
    assert!(rule.accepts("hubspot"));
}
