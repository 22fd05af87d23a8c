//! `maia_connection` through the provider traits against a live emulator:
//! the exact request bodies, drift, outside deletion, import, problem
//! diagnostics on attributes, and cancellation. (The same flows run through
//! real Terraform in the end-to-end tests.)

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use terraform_provider_maia::emulator::{self, EmulatorConfig, EmulatorHandle, FaultConfig};
use terraform_provider_maia::plugin::cty::Value;
use terraform_provider_maia::plugin::traits::{
    ApplyRequest, CallContext, ImportRequest, PlanRequest, ReadRequest, Resource,
};
use terraform_provider_maia::provider::MaiaProvider;

const PROJECT: &str = "550e8400-e29b-41d4-a716-446655440002";

struct Fixture {
    emulator: EmulatorHandle,
    resource: Arc<dyn Resource>,
    _provider: MaiaProvider,
}

async fn fixture() -> Fixture {
    let emulator = emulator::spawn(EmulatorConfig::default())
        .await
        .expect("emulator starts");
    let (provider, resource) = support::provider::configured_connection_resource(&[
        ("endpoint", Value::string(emulator.base_url())),
        ("token", Value::string(emulator::DEFAULT_TOKEN)),
        ("max_retries", Value::Number(1.into())),
    ])
    .await;
    Fixture {
        emulator,
        resource,
        _provider: provider,
    }
}

fn block(attrs: &[(&str, Value)]) -> Value {
    Value::List(vec![Value::object(attrs.iter().cloned())])
}

/// The configuration of a Salesforce connection, as Terraform would send it.
fn salesforce_config(description: Option<&str>) -> Value {
    Value::object([
        ("id", Value::Null),
        ("project_id", Value::string(PROJECT)),
        ("name", Value::string("salesforce-prod")),
        ("platform_connection_type", Value::string("COMPONENT_BASIC")),
        ("auth_type", Value::string("OAUTH_CLIENT_CRED")),
        ("auth_provider", Value::string("salesforce")),
        (
            "description",
            description.map_or(Value::Null, Value::string),
        ),
        ("created_by", Value::Null),
        ("created_date", Value::Null),
        (
            "secrets_location",
            block(&[
                ("type", Value::string("AWS_SECRET_MANAGER")),
                ("region", Value::string("eu-west-1")),
                ("vault_name", Value::Null),
                ("gcp_project_id", Value::Null),
            ]),
        ),
        (
            "connection_properties",
            block(&[
                ("secret_name", Value::string("sf-oauth")),
                ("secret_key", Value::Null),
                ("credential_secret_name", Value::Null),
            ]),
        ),
    ])
}

/// Proposed new state as Terraform builds it: config plus prior computed values.
fn proposed(config: &Value, prior: &Value) -> Value {
    let mut m = config.as_object().cloned().unwrap_or_default();
    for computed in ["id", "created_by", "created_date", "auth_provider"] {
        if m.get(computed).is_none_or(Value::is_null) {
            m.insert(computed.into(), prior.get_attr(computed).clone());
        }
    }
    Value::Object(m)
}

async fn plan_and_apply(
    f: &Fixture,
    prior: &Value,
    config: &Value,
) -> (Value, terraform_provider_maia::plugin::Diagnostics) {
    let ctx = CallContext::default();
    let plan = f
        .resource
        .plan(
            &ctx,
            PlanRequest {
                prior_state: prior.clone(),
                proposed_new_state: if config.is_null() {
                    Value::Null
                } else {
                    proposed(config, prior)
                },
                config: config.clone(),
                prior_private: vec![],
                prior_identity: None,
            },
        )
        .await;
    assert!(plan.diagnostics.is_empty(), "{:?}", plan.diagnostics);
    let applied = f
        .resource
        .apply(
            &ctx,
            ApplyRequest {
                prior_state: prior.clone(),
                planned_state: plan.planned_state.clone(),
                config: config.clone(),
                planned_private: vec![],
                planned_identity: None,
            },
        )
        .await;
    (applied.new_state, applied.diagnostics)
}

async fn read(f: &Fixture, state: &Value) -> Value {
    let r = f
        .resource
        .read(
            &CallContext::default(),
            ReadRequest {
                current_state: state.clone(),
                private: vec![],
                current_identity: None,
            },
        )
        .await;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    r.new_state
}

fn api_requests(f: &Fixture) -> Vec<(String, Option<String>, Option<serde_json::Value>)> {
    f.emulator
        .requests()
        .into_iter()
        .map(|r| (r.method, r.query, r.body))
        .collect()
}

#[tokio::test]
async fn create_posts_the_seed_shaped_body_and_records_server_fields() {
    let f = fixture().await;
    let (state, diags) = plan_and_apply(&f, &Value::Null, &salesforce_config(None)).await;
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(
        state.get_attr("id"),
        &Value::string(format!("{PROJECT}/salesforce-prod"))
    );
    assert!(state
        .get_attr("created_date")
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    let reqs = api_requests(&f);
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].0, "POST");
    assert_eq!(
        reqs[0].2,
        Some(json!({
            "name": "salesforce-prod",
            "platformConnectionType": "COMPONENT_BASIC",
            "authProvider": "salesforce",
            "authType": "OAUTH_CLIENT_CRED",
            "connectionDetails": {
                "secretsLocation": {"type": "AWS_SECRET_MANAGER", "region": "eu-west-1"},
                "connectionProperties": {"secretName": "sf-oauth"}
            }
        }))
    );
    // Reading it back gives exactly the applied state: no perpetual diff.
    assert_eq!(read(&f, &state).await, state);
}

#[tokio::test]
async fn update_puts_the_full_replacement_body_by_name() {
    let f = fixture().await;
    let (state, _) = plan_and_apply(&f, &Value::Null, &salesforce_config(Some("old"))).await;
    f.emulator.clear_requests();
    let mut config = salesforce_config(None);
    if let Value::Object(m) = &mut config {
        m.insert("secrets_location".into(), Value::List(vec![]));
    }
    let (new_state, diags) = plan_and_apply(&f, &state, &config).await;
    assert!(diags.is_empty(), "{diags:?}");
    let reqs = api_requests(&f);
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    assert_eq!(reqs[0].0, "PUT");
    assert_eq!(reqs[0].1.as_deref(), Some("connectionName=salesforce-prod"));
    assert_eq!(
        reqs[0].2,
        Some(json!({
            "authType": "OAUTH_CLIENT_CRED",
            "platformConnectionType": "COMPONENT_BASIC",
            "connectionDetails": {"connectionProperties": {"secretName": "sf-oauth"}}
        }))
    );
    assert_eq!(new_state.get_attr("description"), &Value::Null);
    assert_eq!(
        new_state.get_attr("created_date"),
        state.get_attr("created_date")
    );
    let stored = f.emulator.connections(PROJECT);
    assert_eq!(stored.len(), 1);
    assert!(
        stored[0]["connectionDetails"]
            .get("secretsLocation")
            .is_none(),
        "{stored:?}"
    );
}

#[tokio::test]
async fn refresh_detects_drift_and_outside_deletion() {
    let f = fixture().await;
    let (state, _) = plan_and_apply(&f, &Value::Null, &salesforce_config(None)).await;
    let http = reqwest::Client::new();
    let url = format!(
        "{}/v1/projects/{PROJECT}/connections?connectionName=salesforce-prod",
        f.emulator.base_url()
    );
    let resp = http
        .put(&url)
        .bearer_auth(emulator::DEFAULT_TOKEN)
        .json(
            &json!({"authType": "OAUTH_USER_TOKENS", "platformConnectionType": "COMPONENT_BASIC"}),
        )
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    let drifted = read(&f, &state).await;
    assert_eq!(
        drifted.get_attr("auth_type"),
        &Value::string("OAUTH_USER_TOKENS")
    );
    assert_eq!(
        drifted.get_attr("connection_properties"),
        &Value::List(vec![])
    );
    let resp = http
        .delete(&url)
        .bearer_auth(emulator::DEFAULT_TOKEN)
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success());
    assert!(read(&f, &state).await.is_null());
}

#[tokio::test]
async fn import_by_id_and_by_identity_then_read_fills_the_state() {
    let f = fixture().await;
    let (state, _) = plan_and_apply(&f, &Value::Null, &salesforce_config(Some("d"))).await;
    let ctx = CallContext::default();
    let by_id = f
        .resource
        .import(
            &ctx,
            ImportRequest {
                id: format!("{PROJECT}/salesforce-prod"),
                identity: None,
            },
        )
        .await;
    assert!(by_id.diagnostics.is_empty());
    assert_eq!(read(&f, &by_id.imported[0].state).await, state);
    let identity = Value::object([
        ("project_id", Value::string(PROJECT)),
        ("name", Value::string("salesforce-prod")),
    ]);
    let by_identity = f
        .resource
        .import(
            &ctx,
            ImportRequest {
                id: String::new(),
                identity: Some(identity.clone()),
            },
        )
        .await;
    assert_eq!(by_identity.imported[0].identity, Some(identity));
    assert_eq!(read(&f, &by_identity.imported[0].state).await, state);
    let bad = f
        .resource
        .import(
            &ctx,
            ImportRequest {
                id: "not-a-project/x".into(),
                identity: None,
            },
        )
        .await;
    assert!(bad.diagnostics.has_errors());
    assert!(bad.imported.is_empty());
}

#[tokio::test]
async fn service_violations_land_on_the_attribute_they_name() {
    let f = fixture().await;
    // A planned value that slipped past validation (as if computed at apply):
    // the service refuses it, and the diagnostic points at the attribute.
    let config = salesforce_config(None);
    let mut planned = config.clone();
    if let Value::Object(m) = &mut planned {
        m.insert(
            "id".into(),
            Value::string(format!("{PROJECT}/salesforce-prod")),
        );
        m.insert(
            "connection_properties".into(),
            block(&[
                ("secret_name", Value::string("")),
                ("secret_key", Value::Null),
                ("credential_secret_name", Value::Null),
            ]),
        );
    }
    let applied = f
        .resource
        .apply(
            &CallContext::default(),
            ApplyRequest {
                prior_state: Value::Null,
                planned_state: planned,
                config,
                planned_private: vec![],
                planned_identity: None,
            },
        )
        .await;
    assert!(applied.new_state.is_null());
    let paths: Vec<String> = applied
        .diagnostics
        .iter()
        .filter_map(|d| d.attribute.as_ref().map(|p| p.to_string()))
        .collect();
    assert!(
        paths.contains(&"connection_properties[0].secret_name".to_string()),
        "{:?}",
        applied.diagnostics
    );
}

#[tokio::test]
async fn update_of_a_connection_deleted_outside_says_so_and_drops_it() {
    let f = fixture().await;
    let (state, _) = plan_and_apply(&f, &Value::Null, &salesforce_config(None)).await;
    let url = format!(
        "{}/v1/projects/{PROJECT}/connections?connectionName=salesforce-prod",
        f.emulator.base_url()
    );
    reqwest::Client::new()
        .delete(&url)
        .bearer_auth(emulator::DEFAULT_TOKEN)
        .send()
        .await
        .unwrap();
    let (new_state, diags) = plan_and_apply(&f, &state, &salesforce_config(Some("changed"))).await;
    assert!(new_state.is_null());
    assert!(
        diags
            .iter()
            .any(|d| d.summary.contains("vanished outside Terraform")),
        "{diags:?}"
    );
}

#[tokio::test]
async fn cancellation_interrupts_a_slow_create_promptly() {
    let f = fixture().await;
    f.emulator.set_faults(FaultConfig {
        latency_ms: 5_000,
        ..FaultConfig::default()
    });
    let ctx = CallContext::default();
    let cancel = ctx.cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel.cancel();
    });
    let config = salesforce_config(None);
    let plan = f
        .resource
        .plan(
            &ctx,
            PlanRequest {
                prior_state: Value::Null,
                proposed_new_state: proposed(&config, &Value::Null),
                config: config.clone(),
                prior_private: vec![],
                prior_identity: None,
            },
        )
        .await;
    let started = Instant::now();
    let applied = f
        .resource
        .apply(
            &ctx,
            ApplyRequest {
                prior_state: Value::Null,
                planned_state: plan.planned_state,
                config,
                planned_private: vec![],
                planned_identity: None,
            },
        )
        .await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        applied
            .diagnostics
            .iter()
            .any(|d| d.summary == "Operation cancelled"),
        "{:?}",
        applied.diagnostics
    );
}

#[tokio::test]
async fn destroy_deletes_and_already_gone_is_success() {
    let f = fixture().await;
    let (state, _) = plan_and_apply(&f, &Value::Null, &salesforce_config(None)).await;
    let (gone, diags) = plan_and_apply(&f, &state, &Value::Null).await;
    assert!(gone.is_null() && diags.is_empty(), "{diags:?}");
    assert!(f.emulator.connections(PROJECT).is_empty());
    let (gone, diags) = plan_and_apply(&f, &state, &Value::Null).await;
    assert!(gone.is_null() && diags.is_empty(), "{diags:?}");
}
