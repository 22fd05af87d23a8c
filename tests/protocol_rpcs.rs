//! End-to-end tests of the `tfplugin6.Provider` service: the echo provider
//! served in-process by tonic on a unix socket, driven by the generated client.

#[path = "fixtures/echo_provider.rs"]
mod echo_provider;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use echo_provider::{EchoProvider, EchoThing, Seen, PANIC_TEXT};
use hyper_util::rt::TokioIo;
use terraform_provider_maia::plugin::cty::{json, msgpack, Type, Value};
use terraform_provider_maia::plugin::grpc::{ProviderService, StopHandle, INTERNAL_ERROR_SUMMARY};
use terraform_provider_maia::plugin::proto::tfplugin6 as pb;
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::oneshot;
use tokio_stream::wrappers::UnixListenerStream;
use tonic::transport::{Channel, Endpoint, Server, Uri};

use pb::provider_client::ProviderClient;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A running in-process plugin server and a client connected to it.
struct Harness {
    client: ProviderClient<Channel>,
    seen: Arc<std::sync::Mutex<Seen>>,
    stop: StopHandle,
    _shutdown: oneshot::Sender<()>,
    _dir: tempfile::TempDir,
}

async fn start() -> Result<Harness, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("plugin.sock");
    let listener = UnixListener::bind(&path)?;

    let provider = EchoProvider::default();
    let seen = provider.seen.clone();
    let service = ProviderService::new(Arc::new(provider));
    let stop = service.stop_handle();
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(
        Server::builder()
            .add_service(service.into_server())
            .serve_with_incoming_shutdown(UnixListenerStream::new(listener), async {
                let _ = rx.await;
            }),
    );

    let channel = Endpoint::try_from("http://localhost")?
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let path = path.clone();
            async move { Ok::<_, std::io::Error>(TokioIo::new(UnixStream::connect(path).await?)) }
        }))
        .await?;
    Ok(Harness {
        client: ProviderClient::new(channel),
        seen,
        stop,
        _shutdown: tx,
        _dir: dir,
    })
}

// ----- value helpers ---------------------------------------------------------

fn mp(v: &Value, ty: &Type) -> Option<pb::DynamicValue> {
    let bytes = msgpack::encode(v, ty).expect("test value encodes");
    Some(pb::DynamicValue {
        msgpack: bytes,
        json: Vec::new(),
    })
}

fn unmp(dv: Option<&pb::DynamicValue>, ty: &Type) -> Value {
    let dv = dv.expect("a dynamic value");
    assert!(!dv.msgpack.is_empty(), "answers are msgpack");
    msgpack::decode(&dv.msgpack, ty).expect("answer decodes")
}

fn provider_ty() -> Type {
    Type::Object(BTreeMap::from([
        ("endpoint".to_string(), Type::String),
        ("token".to_string(), Type::String),
    ]))
}

fn identity_ty() -> Type {
    Type::Object(BTreeMap::from([("id".to_string(), Type::String)]))
}

fn provider_config(endpoint: &str) -> Value {
    Value::object([
        ("endpoint", Value::string(endpoint)),
        ("token", Value::Null),
    ])
}

fn thing(id: Option<&str>, name: &str, value: Option<&str>, delay_ms: Option<i64>) -> Value {
    Value::object([
        ("id", id.map_or(Value::Null, Value::string)),
        ("name", Value::string(name)),
        ("value", value.map_or(Value::Null, Value::string)),
        (
            "delay_ms",
            delay_ms.map_or(Value::Null, |d| Value::Number(d.into())),
        ),
        ("secret", Value::Null),
    ])
}

fn with_secret(mut v: Value, secret: &str) -> Value {
    if let Value::Object(attrs) = &mut v {
        attrs.insert("secret".into(), Value::string(secret));
    }
    v
}

fn identity(id: &str) -> Option<pb::ResourceIdentityData> {
    Some(pb::ResourceIdentityData {
        identity_data: mp(&Value::object([("id", Value::string(id))]), &identity_ty()),
    })
}

fn errors(diags: &[pb::Diagnostic]) -> Vec<&pb::Diagnostic> {
    diags
        .iter()
        .filter(|d| d.severity == pb::diagnostic::Severity::Error as i32)
        .collect()
}

fn attr_path(d: &pb::Diagnostic) -> Vec<String> {
    use pb::attribute_path::step::Selector;
    d.attribute
        .iter()
        .flat_map(|p| p.steps.iter())
        .filter_map(|s| match &s.selector {
            Some(Selector::AttributeName(n)) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

fn assert_one_error_mentioning(diags: &[pb::Diagnostic], needle: &str) {
    let errs = errors(diags);
    assert_eq!(errs.len(), 1, "expected one error, got {diags:?}");
    let text = format!("{} {}", errs[0].summary, errs[0].detail);
    assert!(text.contains(needle), "{text:?} should mention {needle:?}");
}

async fn plan(
    h: &mut Harness,
    type_name: &str,
    ty: &Type,
    prior: &Value,
    proposed: &Value,
) -> Result<pb::plan_resource_change::Response, tonic::Status> {
    h.client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: type_name.into(),
            prior_state: mp(prior, ty),
            proposed_new_state: mp(proposed, ty),
            config: mp(proposed, ty),
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner())
}

async fn apply(
    h: &mut Harness,
    prior: &Value,
    planned: &Value,
) -> Result<pb::apply_resource_change::Response, tonic::Status> {
    let ty = EchoThing::ty();
    h.client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "echo_thing".into(),
            prior_state: mp(prior, &ty),
            planned_state: mp(planned, &ty),
            config: mp(planned, &ty),
            ..Default::default()
        })
        .await
        .map(|r| r.into_inner())
}

// ----- schema and provider-level RPCs ---------------------------------------

#[tokio::test]
async fn get_provider_schema_describes_provider_and_resources() -> TestResult {
    let mut h = start().await?;
    let s = h
        .client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await?
        .into_inner();
    assert!(s.diagnostics.is_empty(), "{:?}", s.diagnostics);

    let caps = s.server_capabilities.expect("capabilities");
    assert!(caps.plan_destroy);
    assert!(!caps.get_provider_schema_optional);

    let provider = s.provider.and_then(|p| p.block).expect("provider block");
    let token = provider
        .attributes
        .iter()
        .find(|a| a.name == "token")
        .expect("token attribute");
    assert!(token.sensitive && token.optional);
    assert_eq!(json::decode_type(&token.r#type)?, Type::String);

    let mut names: Vec<_> = s.resource_schemas.keys().cloned().collect();
    names.sort();
    assert_eq!(names, ["echo_panicky", "echo_thing"]);
    let thing = &s.resource_schemas["echo_thing"];
    assert_eq!(thing.version, 1);
    let block = thing.block.as_ref().expect("block");
    let delay = block
        .attributes
        .iter()
        .find(|a| a.name == "delay_ms")
        .expect("delay_ms");
    assert_eq!(json::decode_type(&delay.r#type)?, Type::Number);
    let id = block
        .attributes
        .iter()
        .find(|a| a.name == "id")
        .expect("id");
    assert!(id.computed && !id.optional && !id.required);
    assert!(s.data_source_schemas.is_empty());
    Ok(())
}

#[tokio::test]
async fn schemas_are_collected_once_and_cached() -> TestResult {
    let mut h = start().await?;
    for _ in 0..3 {
        h.client
            .get_provider_schema(pb::get_provider_schema::Request {})
            .await?;
        h.client.get_metadata(pb::get_metadata::Request {}).await?;
    }
    let seen = h.seen.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(seen.resources_calls, 1);
    assert_eq!(seen.schema_calls, 1);
    Ok(())
}

#[tokio::test]
async fn get_metadata_and_identity_schemas() -> TestResult {
    let mut h = start().await?;
    let m = h
        .client
        .get_metadata(pb::get_metadata::Request {})
        .await?
        .into_inner();
    let mut names: Vec<_> = m.resources.iter().map(|r| r.type_name.clone()).collect();
    names.sort();
    assert_eq!(names, ["echo_panicky", "echo_thing"]);
    assert!(m.server_capabilities.is_some_and(|c| c.plan_destroy));

    let ids = h
        .client
        .get_resource_identity_schemas(pb::get_resource_identity_schemas::Request {})
        .await?
        .into_inner();
    assert_eq!(
        ids.identity_schemas.len(),
        1,
        "only echo_thing has an identity"
    );
    let s = &ids.identity_schemas["echo_thing"];
    assert_eq!(s.identity_attributes.len(), 1);
    let a = &s.identity_attributes[0];
    assert_eq!(a.name, "id");
    assert!(a.required_for_import);
    assert_eq!(json::decode_type(&a.r#type)?, Type::String);
    Ok(())
}

#[tokio::test]
async fn validate_provider_config_reports_attribute_paths() -> TestResult {
    let mut h = start().await?;
    let bad = h
        .client
        .validate_provider_config(pb::validate_provider_config::Request {
            config: mp(&provider_config("bad"), &provider_ty()),
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&bad.diagnostics, "endpoint");
    assert_eq!(attr_path(&bad.diagnostics[0]), ["endpoint"]);

    let good = h
        .client
        .validate_provider_config(pb::validate_provider_config::Request {
            config: mp(&provider_config("https://x"), &provider_ty()),
        })
        .await?
        .into_inner();
    assert!(good.diagnostics.is_empty(), "{:?}", good.diagnostics);
    Ok(())
}

#[tokio::test]
async fn configure_provider_passes_config_and_terraform_version() -> TestResult {
    let mut h = start().await?;
    let r = h
        .client
        .configure_provider(pb::configure_provider::Request {
            terraform_version: "1.15.5".into(),
            config: mp(&provider_config("https://api.example"), &provider_ty()),
            client_capabilities: None,
        })
        .await?
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let seen = h.seen.lock().unwrap_or_else(|e| e.into_inner());
    assert_eq!(seen.terraform_version.as_deref(), Some("1.15.5"));
    assert_eq!(seen.endpoint.as_deref(), Some("https://api.example"));
    Ok(())
}

#[tokio::test]
async fn json_dynamic_values_are_accepted() -> TestResult {
    let mut h = start().await?;
    let r = h
        .client
        .validate_provider_config(pb::validate_provider_config::Request {
            config: Some(pb::DynamicValue {
                msgpack: Vec::new(),
                json: br#"{"endpoint":"bad","token":null}"#.to_vec(),
            }),
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, "endpoint");
    Ok(())
}

#[tokio::test]
async fn undecodable_dynamic_value_is_an_error_diagnostic() -> TestResult {
    let mut h = start().await?;
    let r = h
        .client
        .plan_resource_change(pb::plan_resource_change::Request {
            type_name: "echo_thing".into(),
            prior_state: Some(pb::DynamicValue {
                msgpack: vec![0xc1, 0xff, 0x00],
                json: Vec::new(),
            }),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, "prior_state");
    assert!(r.planned_state.is_none());
    // The server is still fine.
    h.client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await?;
    Ok(())
}

// ----- managed resource lifecycle -------------------------------------------

#[tokio::test]
async fn validate_resource_config_checks_the_resource() -> TestResult {
    let mut h = start().await?;
    let ty = EchoThing::ty();
    let bad = h
        .client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "echo_thing".into(),
            config: mp(&thing(None, "", None, None), &ty),
            client_capabilities: None,
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&bad.diagnostics, "name");
    assert_eq!(attr_path(&bad.diagnostics[0]), ["name"]);

    let good = h
        .client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "echo_thing".into(),
            config: mp(&thing(None, "a", Some("v"), None), &ty),
            client_capabilities: None,
        })
        .await?
        .into_inner();
    assert!(good.diagnostics.is_empty(), "{:?}", good.diagnostics);
    Ok(())
}

#[tokio::test]
async fn plan_create_update_and_destroy() -> TestResult {
    let mut h = start().await?;
    let ty = EchoThing::ty();

    // Create: id unknown until apply.
    let r = plan(
        &mut h,
        "echo_thing",
        &ty,
        &Value::Null,
        &thing(None, "a", None, None),
    )
    .await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let planned = unmp(r.planned_state.as_ref(), &ty);
    assert!(planned.get_attr("id").is_unknown());
    assert_eq!(planned.get_attr("name").as_str(), Some("a"));
    assert!(r.requires_replace.is_empty());

    // Rename: forces replacement of `name`.
    let prior = thing(Some("id-a"), "a", None, None);
    let r = plan(
        &mut h,
        "echo_thing",
        &ty,
        &prior,
        &thing(Some("id-a"), "b", None, None),
    )
    .await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.requires_replace.len(), 1);
    use pb::attribute_path::step::Selector;
    assert_eq!(
        r.requires_replace[0].steps[0].selector,
        Some(Selector::AttributeName("name".into()))
    );

    // In-place change keeps the id and plans an identity.
    let r = plan(
        &mut h,
        "echo_thing",
        &ty,
        &prior,
        &thing(Some("id-a"), "a", Some("v"), None),
    )
    .await?;
    let planned = unmp(r.planned_state.as_ref(), &ty);
    assert_eq!(planned.get_attr("id").as_str(), Some("id-a"));
    let ident = r
        .planned_identity
        .and_then(|i| i.identity_data)
        .expect("planned identity");
    assert_eq!(
        unmp(Some(&ident), &identity_ty()).get_attr("id").as_str(),
        Some("id-a")
    );

    // Destroy (plan_destroy): null in, null out.
    let r = plan(&mut h, "echo_thing", &ty, &prior, &Value::Null).await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert!(unmp(r.planned_state.as_ref(), &ty).is_null());
    Ok(())
}

#[tokio::test]
async fn apply_create_returns_state_private_and_identity() -> TestResult {
    let mut h = start().await?;
    let ty = EchoThing::ty();
    let planned = Value::object([
        ("id", Value::unknown()),
        ("name", Value::string("foo")),
        ("value", Value::string("bar")),
        ("delay_ms", Value::Null),
        ("secret", Value::Null),
    ]);
    let r = apply(&mut h, &Value::Null, &planned).await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let state = unmp(r.new_state.as_ref(), &ty);
    assert_eq!(state, thing(Some("id-foo"), "foo", Some("bar"), None));
    assert_eq!(r.private, b"echo-private");
    let ident = r
        .new_identity
        .and_then(|i| i.identity_data)
        .expect("identity");
    assert_eq!(
        unmp(Some(&ident), &identity_ty()),
        Value::object([("id", Value::string("id-foo"))])
    );

    // Destroy.
    let r = apply(&mut h, &state, &Value::Null).await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert!(unmp(r.new_state.as_ref(), &ty).is_null());
    Ok(())
}

#[tokio::test]
async fn read_refreshes_or_reports_gone() -> TestResult {
    let mut h = start().await?;
    let ty = EchoThing::ty();
    let current = thing(Some("id-a"), "a", Some("v"), None);
    let r = h
        .client
        .read_resource(pb::read_resource::Request {
            type_name: "echo_thing".into(),
            current_state: mp(&current, &ty),
            private: b"p".to_vec(),
            current_identity: identity("id-a"),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(unmp(r.new_state.as_ref(), &ty), current);
    assert_eq!(r.private, b"p");
    assert!(r.new_identity.is_some());

    let r = h
        .client
        .read_resource(pb::read_resource::Request {
            type_name: "echo_thing".into(),
            current_state: mp(&thing(Some("id-gone"), "gone", None, None), &ty),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert!(unmp(r.new_state.as_ref(), &ty).is_null());
    assert!(r.new_identity.is_none(), "no identity for a removed object");
    Ok(())
}

#[tokio::test]
async fn import_by_id_and_by_identity() -> TestResult {
    let mut h = start().await?;
    let ty = EchoThing::ty();
    let r = h
        .client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "echo_thing".into(),
            id: "id-x".into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(r.imported_resources.len(), 1);
    let imported = &r.imported_resources[0];
    assert_eq!(imported.type_name, "echo_thing");
    assert_eq!(
        unmp(imported.state.as_ref(), &ty),
        thing(Some("id-x"), "x", None, None)
    );

    let r = h
        .client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "echo_thing".into(),
            identity: identity("id-y"),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let imported = &r.imported_resources[0];
    assert_eq!(
        unmp(imported.state.as_ref(), &ty).get_attr("id").as_str(),
        Some("id-y")
    );
    let ident = imported
        .identity
        .as_ref()
        .and_then(|i| i.identity_data.as_ref());
    assert_eq!(
        unmp(ident, &identity_ty()).get_attr("id").as_str(),
        Some("id-y")
    );
    Ok(())
}

#[tokio::test]
async fn write_only_attributes_are_never_planned_or_stored() -> TestResult {
    let mut h = start().await?;
    let ty = EchoThing::ty();

    let schema = h
        .client
        .get_provider_schema(pb::get_provider_schema::Request {})
        .await?
        .into_inner();
    let block = schema.resource_schemas["echo_thing"]
        .block
        .clone()
        .expect("block");
    let secret = block
        .attributes
        .iter()
        .find(|a| a.name == "secret")
        .expect("secret attribute");
    assert!(secret.write_only && secret.sensitive);

    // Setting a write-only attribute needs a Terraform that says it can.
    let config = with_secret(thing(None, "w", None, None), "hunter2");
    let validate = |caps: Option<pb::ClientCapabilities>| pb::validate_resource_config::Request {
        type_name: "echo_thing".into(),
        config: mp(&config, &ty),
        client_capabilities: caps,
    };
    let old = h
        .client
        .validate_resource_config(validate(None))
        .await?
        .into_inner();
    assert_one_error_mentioning(&old.diagnostics, "Terraform 1.11");
    assert_eq!(attr_path(&old.diagnostics[0]), ["secret"]);
    let new = h
        .client
        .validate_resource_config(validate(Some(pb::ClientCapabilities {
            deferral_allowed: true,
            write_only_attributes_allowed: true,
        })))
        .await?
        .into_inner();
    assert!(new.diagnostics.is_empty(), "{:?}", new.diagnostics);

    // The fixture echoes the secret; the protocol layer nulls it.
    let r = plan(&mut h, "echo_thing", &ty, &Value::Null, &config).await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let planned = unmp(r.planned_state.as_ref(), &ty);
    assert!(planned.get_attr("secret").is_null());
    assert_eq!(planned.get_attr("name").as_str(), Some("w"));

    let r = apply(&mut h, &Value::Null, &config).await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let state = unmp(r.new_state.as_ref(), &ty);
    assert!(state.get_attr("secret").is_null());
    assert_eq!(state.get_attr("id").as_str(), Some("id-w"));

    let r = h
        .client
        .read_resource(pb::read_resource::Request {
            type_name: "echo_thing".into(),
            current_state: mp(&config, &ty),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert!(unmp(r.new_state.as_ref(), &ty).get_attr("secret").is_null());

    let r = h
        .client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "echo_thing".into(),
            id: "id-w".into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    let imported = unmp(r.imported_resources[0].state.as_ref(), &ty);
    assert!(imported.get_attr("secret").is_null());

    let r = upgrade(
        &mut h,
        "echo_thing",
        1,
        raw_json(r#"{"id":"id-w","name":"w","secret":"leaked"}"#),
    )
    .await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert!(unmp(r.upgraded_state.as_ref(), &ty)
        .get_attr("secret")
        .is_null());
    Ok(())
}

// ----- state and identity upgrades ------------------------------------------

async fn upgrade(
    h: &mut Harness,
    type_name: &str,
    version: i64,
    raw: pb::RawState,
) -> Result<pb::upgrade_resource_state::Response, tonic::Status> {
    h.client
        .upgrade_resource_state(pb::upgrade_resource_state::Request {
            type_name: type_name.into(),
            version,
            raw_state: Some(raw),
        })
        .await
        .map(|r| r.into_inner())
}

fn raw_json(s: &str) -> pb::RawState {
    pb::RawState {
        json: s.as_bytes().to_vec(),
        flatmap: Default::default(),
    }
}

#[tokio::test]
async fn upgrade_state_at_current_version_reencodes_as_msgpack() -> TestResult {
    let mut h = start().await?;
    let ty = EchoThing::ty();
    let r = upgrade(
        &mut h,
        "echo_thing",
        1,
        raw_json(r#"{"id":"id-a","name":"a","value":"v","delay_ms":5}"#),
    )
    .await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(
        unmp(r.upgraded_state.as_ref(), &ty),
        thing(Some("id-a"), "a", Some("v"), Some(5))
    );

    // Attributes the schema no longer has are dropped; missing ones are null.
    let r = upgrade(
        &mut h,
        "echo_thing",
        1,
        raw_json(r#"{"id":"id-a","name":"a","retired":true}"#),
    )
    .await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(
        unmp(r.upgraded_state.as_ref(), &ty),
        thing(Some("id-a"), "a", None, None)
    );
    Ok(())
}

#[tokio::test]
async fn upgrade_state_from_older_version_uses_the_resource() -> TestResult {
    let mut h = start().await?;
    let ty = EchoThing::ty();
    let r = upgrade(
        &mut h,
        "echo_thing",
        0,
        raw_json(r#"{"id":"id-old","title":"old"}"#),
    )
    .await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    assert_eq!(
        unmp(r.upgraded_state.as_ref(), &ty),
        thing(Some("id-old"), "old", None, None)
    );
    Ok(())
}

#[tokio::test]
async fn upgrade_state_rejects_newer_versions_flatmap_and_garbage() -> TestResult {
    let mut h = start().await?;
    let r = upgrade(&mut h, "echo_thing", 7, raw_json(r#"{"id":"x"}"#)).await?;
    assert_one_error_mentioning(&r.diagnostics, "newer");
    assert!(r.upgraded_state.is_none());

    let flat = pb::RawState {
        json: Vec::new(),
        flatmap: [("id".to_string(), "x".to_string())].into_iter().collect(),
    };
    let r = upgrade(&mut h, "echo_thing", 1, flat).await?;
    assert_one_error_mentioning(&r.diagnostics, "flatmap");

    let r = upgrade(&mut h, "echo_thing", 1, raw_json("{not json")).await?;
    assert_one_error_mentioning(&r.diagnostics, "raw_state");
    Ok(())
}

#[tokio::test]
async fn upgrade_identity_at_current_version() -> TestResult {
    let mut h = start().await?;
    let r = h
        .client
        .upgrade_resource_identity(pb::upgrade_resource_identity::Request {
            type_name: "echo_thing".into(),
            version: 0,
            raw_identity: Some(raw_json(r#"{"id":"id-z"}"#)),
        })
        .await?
        .into_inner();
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    let dv = r.upgraded_identity.and_then(|i| i.identity_data);
    assert_eq!(
        unmp(dv.as_ref(), &identity_ty()),
        Value::object([("id", Value::string("id-z"))])
    );

    let r = h
        .client
        .upgrade_resource_identity(pb::upgrade_resource_identity::Request {
            type_name: "echo_panicky".into(),
            version: 0,
            raw_identity: Some(raw_json(r#"{"id":"id-z"}"#)),
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, "echo_panicky");
    Ok(())
}

// ----- unknown names and unsupported RPCs -----------------------------------

#[tokio::test]
async fn unknown_resource_types_are_named_in_an_error() -> TestResult {
    let mut h = start().await?;
    let ty = EchoThing::ty();
    let v = thing(None, "a", None, None);
    let name = "echo_nope";

    let r = h
        .client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: name.into(),
            config: mp(&v, &ty),
            client_capabilities: None,
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, name);

    let r = plan(&mut h, name, &ty, &Value::Null, &v).await?;
    assert_one_error_mentioning(&r.diagnostics, name);

    let r = h
        .client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: name.into(),
            planned_state: mp(&v, &ty),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, name);

    let r = h
        .client
        .read_resource(pb::read_resource::Request {
            type_name: name.into(),
            current_state: mp(&v, &ty),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, name);

    let r = h
        .client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: name.into(),
            id: "x".into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, name);

    let r = upgrade(&mut h, name, 0, raw_json("{}")).await?;
    assert_one_error_mentioning(&r.diagnostics, name);
    Ok(())
}

#[tokio::test]
async fn unsupported_rpcs_answer_with_error_diagnostics() -> TestResult {
    let mut h = start().await?;
    let c = &mut h.client;

    let r = c
        .read_data_source(pb::read_data_source::Request {
            type_name: "echo_data".into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, "echo_data");

    let r = c
        .validate_data_resource_config(pb::validate_data_resource_config::Request {
            type_name: "echo_data".into(),
            config: None,
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, "data source");

    let r = c
        .move_resource_state(pb::move_resource_state::Request {
            source_type_name: "old_thing".into(),
            target_type_name: "echo_thing".into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, "old_thing");

    let r = c
        .open_ephemeral_resource(pb::open_ephemeral_resource::Request {
            type_name: "echo_eph".into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, "ephemeral");

    let r = c
        .validate_list_resource_config(pb::validate_list_resource_config::Request {
            type_name: "echo_list".into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, "echo_list");

    let mut events = c
        .list_resource(pb::list_resource::Request {
            type_name: "echo_list".into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    let first = events.message().await?.expect("one event");
    assert_one_error_mentioning(&first.diagnostic, "list resource");
    assert!(events.message().await?.is_none(), "stream ends");

    let r = c
        .plan_action(pb::plan_action::Request {
            action_type: "echo_act".into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, "echo_act");

    let mut events = c
        .invoke_action(pb::invoke_action::Request {
            action_type: "echo_act".into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    match events.message().await?.and_then(|e| e.r#type) {
        Some(pb::invoke_action::event::Type::Completed(done)) => {
            assert_one_error_mentioning(&done.diagnostics, "action")
        }
        other => panic!("expected a Completed event, got {other:?}"),
    }

    let r = c
        .generate_resource_config(pb::generate_resource_config::Request {
            type_name: "echo_thing".into(),
            state: None,
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, "echo_thing");

    let r = c
        .validate_state_store_config(pb::validate_state_store::Request {
            type_name: "echo_store".into(),
            config: None,
        })
        .await?
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, "state store");

    let f = c
        .get_functions(pb::get_functions::Request {})
        .await?
        .into_inner();
    assert!(f.functions.is_empty() && f.diagnostics.is_empty());

    let r = c
        .call_function(pb::call_function::Request {
            name: "echo_fn".into(),
            arguments: Vec::new(),
        })
        .await?
        .into_inner();
    assert!(r.error.is_some_and(|e| e.text.contains("echo_fn")));
    Ok(())
}

// ----- panics ----------------------------------------------------------------

fn assert_internal_error(diags: &[pb::Diagnostic]) {
    let errs = errors(diags);
    assert_eq!(errs.len(), 1, "{diags:?}");
    assert_eq!(errs[0].summary, INTERNAL_ERROR_SUMMARY);
    assert!(!errs[0].summary.contains(PANIC_TEXT));
    assert!(!errs[0].detail.contains(PANIC_TEXT), "{}", errs[0].detail);
    assert!(!errs[0].detail.contains("panicked at"));
}

#[tokio::test]
async fn panicking_resource_becomes_internal_error_and_server_keeps_serving() -> TestResult {
    let mut h = start().await?;
    let ty = Type::Object(BTreeMap::from([("name".to_string(), Type::String)]));
    let v = Value::object([("name", Value::string("p"))]);

    let r = h
        .client
        .validate_resource_config(pb::validate_resource_config::Request {
            type_name: "echo_panicky".into(),
            config: mp(&v, &ty),
            client_capabilities: None,
        })
        .await?
        .into_inner();
    assert_internal_error(&r.diagnostics);

    let r = plan(&mut h, "echo_panicky", &ty, &Value::Null, &v).await?;
    assert_internal_error(&r.diagnostics);

    let prior = mp(&v, &ty);
    let r = h
        .client
        .apply_resource_change(pb::apply_resource_change::Request {
            type_name: "echo_panicky".into(),
            prior_state: prior.clone(),
            planned_state: mp(&v, &ty),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_internal_error(&r.diagnostics);
    assert_eq!(
        r.new_state, prior,
        "a panicking apply keeps the prior state"
    );

    let r = h
        .client
        .read_resource(pb::read_resource::Request {
            type_name: "echo_panicky".into(),
            current_state: prior.clone(),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_internal_error(&r.diagnostics);
    assert_eq!(r.new_state, prior, "a panicking read keeps the state");

    let r = h
        .client
        .import_resource_state(pb::import_resource_state::Request {
            type_name: "echo_panicky".into(),
            id: "x".into(),
            ..Default::default()
        })
        .await?
        .into_inner();
    assert_internal_error(&r.diagnostics);

    let r = upgrade(&mut h, "echo_panicky", -1, raw_json(r#"{"name":"p"}"#)).await?;
    assert_internal_error(&r.diagnostics);

    // The next calls work.
    let r = plan(
        &mut h,
        "echo_thing",
        &EchoThing::ty(),
        &Value::Null,
        &thing(None, "after", None, None),
    )
    .await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    Ok(())
}

#[tokio::test]
async fn concurrent_calls_are_all_answered() -> TestResult {
    let h = start().await?;
    let ty = EchoThing::ty();
    let started = Instant::now();
    let mut calls = Vec::new();
    for i in 0..200 {
        let mut c = h.client.clone();
        let ty = ty.clone();
        calls.push(tokio::spawn(async move {
            let name = format!("n{i}");
            let v = thing(None, &name, None, None);
            let r = c
                .plan_resource_change(pb::plan_resource_change::Request {
                    type_name: "echo_thing".into(),
                    prior_state: mp(&Value::Null, &ty),
                    proposed_new_state: mp(&v, &ty),
                    config: mp(&v, &ty),
                    ..Default::default()
                })
                .await
                .map(|r| r.into_inner());
            (name, r)
        }));
    }
    for call in calls {
        let (name, r) = call.await?;
        let r = r?;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        let planned = unmp(r.planned_state.as_ref(), &ty);
        assert_eq!(planned.get_attr("name").as_str(), Some(name.as_str()));
    }
    eprintln!(
        "200 concurrent PlanResourceChange calls answered in {:?}",
        started.elapsed()
    );
    Ok(())
}

// ----- cancellation ----------------------------------------------------------

fn slow_planned() -> Value {
    thing(None, "slow", None, Some(30_000))
}

#[tokio::test]
async fn stop_provider_cancels_a_slow_apply_promptly() -> TestResult {
    let mut h = start().await?;
    let mut apply_client = h.client.clone();
    let ty = EchoThing::ty();
    let slow = tokio::spawn(async move {
        let r = apply_client
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: "echo_thing".into(),
                prior_state: mp(&Value::Null, &ty),
                planned_state: mp(&slow_planned(), &ty),
                config: mp(&slow_planned(), &ty),
                ..Default::default()
            })
            .await;
        (r, Instant::now())
    });
    tokio::time::sleep(Duration::from_millis(200)).await;

    let stop_started = Instant::now();
    let s = h
        .client
        .stop_provider(pb::stop_provider::Request {})
        .await?
        .into_inner();
    let stop_took = stop_started.elapsed();
    assert!(s.error.is_empty());
    assert!(
        stop_took < Duration::from_millis(500),
        "StopProvider took {stop_took:?}"
    );

    let (r, finished) = tokio::time::timeout(Duration::from_secs(1), slow).await??;
    let r = r?.into_inner();
    assert_one_error_mentioning(&r.diagnostics, "cancelled");
    let apply_after_stop = finished.duration_since(stop_started);
    assert!(apply_after_stop < Duration::from_secs(1));
    eprintln!("StopProvider answered in {stop_took:?}; the apply returned {apply_after_stop:?} after the stop");

    // A fresh token is installed: the next (quick) apply is not cancelled.
    let r = apply(&mut h, &Value::Null, &thing(None, "next", None, Some(20))).await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    Ok(())
}

#[tokio::test]
async fn stop_handle_cancels_in_flight_calls_like_stop_provider() -> TestResult {
    let mut h = start().await?;
    let mut apply_client = h.client.clone();
    let ty = EchoThing::ty();
    let slow = tokio::spawn(async move {
        apply_client
            .apply_resource_change(pb::apply_resource_change::Request {
                type_name: "echo_thing".into(),
                planned_state: mp(&slow_planned(), &ty),
                ..Default::default()
            })
            .await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    h.stop.stop();
    let r = tokio::time::timeout(Duration::from_secs(1), slow)
        .await???
        .into_inner();
    assert_one_error_mentioning(&r.diagnostics, "cancelled");

    let r = apply(&mut h, &Value::Null, &thing(None, "next", None, None)).await?;
    assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
    Ok(())
}
