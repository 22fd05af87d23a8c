//! Contract tests of the Maia emulator: literal JSON bodies written from the
//! OpenAPI seed, sent over real HTTP to an in-process emulator, with
//! literal expected responses.

use std::time::Duration;

use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};
use terraform_provider_maia::emulator::{self, EmulatorConfig, EmulatorHandle, FaultConfig};

const PID: &str = "550e8400-e29b-41d4-a716-446655440002";
const TOKEN: &str = "maia-emulator-token";

async fn start_with(config: EmulatorConfig) -> (EmulatorHandle, Client) {
    let handle = emulator::spawn(config)
        .await
        .unwrap_or_else(|e| panic!("spawn: {e}"));
    (handle, Client::new())
}

async fn start() -> (EmulatorHandle, Client) {
    start_with(EmulatorConfig {
        forbidden_tokens: vec!["forbidden-token".into()],
        ..Default::default()
    })
    .await
}

fn url(h: &EmulatorHandle, pid: &str) -> String {
    format!("{}/v1/projects/{pid}/connections", h.base_url())
}

async fn body(resp: Response) -> Value {
    resp.json()
        .await
        .unwrap_or_else(|e| panic!("json body: {e}"))
}

/// Checks createdDate is RFC 3339 and removes it, so the rest compares literally.
fn without_date(mut v: Value) -> Value {
    if let Some(obj) = v.as_object_mut() {
        let date = obj
            .remove("createdDate")
            .unwrap_or_else(|| panic!("no createdDate in {obj:?}"));
        let text = date.as_str().unwrap_or_default();
        assert!(
            chrono::DateTime::parse_from_rfc3339(text).is_ok(),
            "createdDate {text:?} is not RFC 3339"
        );
    }
    v
}

async fn post(c: &Client, h: &EmulatorHandle, body: Value) -> Response {
    c.post(url(h, PID))
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"))
}

async fn put(c: &Client, h: &EmulatorHandle, name: &str, body: Value) -> Response {
    c.put(url(h, PID))
        .query(&[("connectionName", name)])
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("PUT: {e}"))
}

async fn list(c: &Client, h: &EmulatorHandle, query: &[(&str, &str)]) -> Response {
    c.get(url(h, PID))
        .query(query)
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"))
}

fn basic_salesforce() -> Value {
    json!({
        "name": "salesforce-prod",
        "platformConnectionType": "COMPONENT_BASIC",
        "authProvider": "salesforce",
        "authType": "OAUTH_CLIENT_CRED",
        "connectionDetails": {
            "description": "Salesforce production",
            "secretsLocation": {"type": "AWS_SECRET_MANAGER", "region": "eu-west-1"},
            "connectionProperties": {"secretName": "sf-secret", "secretKey": "password"}
        }
    })
}

/// Asserts a problem+json response with the status and a violation starting with `prefix`.
async fn assert_problem(resp: Response, status: StatusCode, prefix: Option<&str>) -> Value {
    assert_eq!(resp.status(), status);
    let ct = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(ct, "application/problem+json");
    let b = body(resp).await;
    assert_eq!(b["status"], json!(status.as_u16()));
    for key in ["type", "title", "detail", "instance"] {
        assert!(b[key].is_string(), "problem lacks {key}: {b}");
    }
    let violations = b["violations"].as_array().cloned().unwrap_or_default();
    if let Some(prefix) = prefix {
        assert!(
            violations
                .iter()
                .any(|v| v.as_str().is_some_and(|s| s.starts_with(prefix))),
            "no violation starting with {prefix:?} in {violations:?}"
        );
    }
    b
}

#[tokio::test]
async fn create_returns_201_with_the_connection() {
    let (h, c) = start().await;
    let resp = post(&c, &h, basic_salesforce()).await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    assert_eq!(
        without_date(body(resp).await),
        json!({
            "name": "salesforce-prod",
            "projectId": PID,
            "platformConnectionType": "COMPONENT_BASIC",
            "authProvider": "salesforce",
            "authType": "OAUTH_CLIENT_CRED",
            "connectionDetails": {
                "description": "Salesforce production",
                "secretsLocation": {"type": "AWS_SECRET_MANAGER", "region": "eu-west-1"},
                "connectionProperties": {"secretName": "sf-secret", "secretKey": "password"}
            },
            "createdBy": "emulator-user"
        })
    );
    assert_eq!(h.connections(PID).len(), 1);
    h.shutdown().await;
}

#[tokio::test]
async fn create_without_details_omits_them_and_never_answers_null() {
    let (h, c) = start().await;
    let resp = post(
        &c,
        &h,
        json!({"name": "aws-creds", "platformConnectionType": "CLOUD_PLATFORM_CREDENTIALS",
               "authProvider": "aws", "authType": "CLOUD_PROVIDER_SECRET", "connectionDetails": null}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);
    let text = resp.text().await.unwrap_or_default();
    assert!(!text.contains("null"), "null in {text}");
    let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert_eq!(
        without_date(v),
        json!({"name": "aws-creds", "projectId": PID, "platformConnectionType": "CLOUD_PLATFORM_CREDENTIALS",
               "authProvider": "aws", "authType": "CLOUD_PROVIDER_SECRET", "createdBy": "emulator-user"})
    );
    h.shutdown().await;
}

#[tokio::test]
async fn update_is_full_replacement_unsetting_omitted_fields() {
    let (h, c) = start().await;
    assert_eq!(
        post(&c, &h, basic_salesforce()).await.status(),
        StatusCode::CREATED
    );
    let created_date = h.connections(PID)[0]["createdDate"].clone();
    // The seed's UpdateConnectionRequest: no description, no secretKey, GCP vault.
    let resp = put(
        &c,
        &h,
        "salesforce-prod",
        json!({
            "platformConnectionType": "COMPONENT_BASIC",
            "authType": "OAUTH_USER_TOKENS",
            "connectionDetails": {
                "secretsLocation": {"type": "GCP_SECRET_MANAGER", "gcpProjectId": "my-gcp"},
                "connectionProperties": {"secretName": "sf-secret-2"}
            }
        }),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let updated = body(resp).await;
    assert_eq!(
        updated["createdDate"], created_date,
        "createdDate must survive updates"
    );
    let expected = json!({
        "name": "salesforce-prod",
        "projectId": PID,
        "platformConnectionType": "COMPONENT_BASIC",
        "authProvider": "salesforce",
        "authType": "OAUTH_USER_TOKENS",
        "connectionDetails": {
            "secretsLocation": {"type": "GCP_SECRET_MANAGER", "gcpProjectId": "my-gcp"},
            "connectionProperties": {"secretName": "sf-secret-2"}
        },
        "createdBy": "emulator-user"
    });
    assert_eq!(without_date(updated), expected);
    // Omitting connectionDetails entirely unsets them.
    let resp = put(
        &c,
        &h,
        "salesforce-prod",
        json!({"platformConnectionType": "COMPONENT_BASIC", "authType": "OAUTH_AUTHORIZATION_CODE"}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let listed = body(list(&c, &h, &[("connectionNames", "salesforce-prod")]).await).await;
    assert_eq!(
        without_date(listed["results"][0].clone()),
        json!({"name": "salesforce-prod", "projectId": PID, "platformConnectionType": "COMPONENT_BASIC",
               "authProvider": "salesforce", "authType": "OAUTH_AUTHORIZATION_CODE", "createdBy": "emulator-user"})
    );
    h.shutdown().await;
}

#[tokio::test]
async fn list_filters_and_pages() {
    let (h, c) = start().await;
    for (name, provider, auth) in [
        ("a-none", "NONE", "GENERIC_SECRET"),
        ("b-sf", "salesforce", "OAUTH_CLIENT_CRED"),
        ("c-ns", "netsuite", "COMPOSITE_TOKEN"),
    ] {
        let resp = post(
            &c,
            &h,
            json!({"name": name, "platformConnectionType": "COMPONENT_BASIC", "authProvider": provider,
                   "authType": auth, "connectionDetails": {"connectionProperties": {"secretName": "s"}}}),
        )
        .await;
        assert_eq!(resp.status(), StatusCode::CREATED);
    }
    let resp = post(
        &c,
        &h,
        json!({"name": "d-gcp", "platformConnectionType": "CLOUD_PLATFORM_CREDENTIALS", "authProvider": "gcp",
               "authType": "CLOUD_PROVIDER_SECRET",
               "connectionDetails": {"connectionProperties": {"credentialSecretName": "gcp-creds"}}}),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::CREATED);

    let names = |v: &Value| -> Vec<String> {
        v["results"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|c| c["name"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    };
    let all = body(list(&c, &h, &[]).await).await;
    assert_eq!(names(&all), ["a-none", "b-sf", "c-ns", "d-gcp"]);
    assert_eq!(
        (
            all["page"].clone(),
            all["size"].clone(),
            all["total"].clone()
        ),
        (json!(0), json!(25), json!(4))
    );

    let by_name = body(list(&c, &h, &[("connectionNames", "c-ns,a-none,missing")]).await).await;
    assert_eq!(names(&by_name), ["a-none", "c-ns"]);
    let by_provider = body(list(&c, &h, &[("authProvider", "salesforce")]).await).await;
    assert_eq!(names(&by_provider), ["b-sf"]);
    let by_type = body(
        list(
            &c,
            &h,
            &[("platformConnectionType", "CLOUD_PLATFORM_CREDENTIALS")],
        )
        .await,
    )
    .await;
    assert_eq!(names(&by_type), ["d-gcp"]);
    let page1 = body(list(&c, &h, &[("page", "1"), ("size", "3")]).await).await;
    assert_eq!(names(&page1), ["d-gcp"]);
    assert_eq!(
        (
            page1["page"].clone(),
            page1["size"].clone(),
            page1["total"].clone()
        ),
        (json!(1), json!(3), json!(4))
    );

    assert_problem(
        list(&c, &h, &[("size", "101")]).await,
        StatusCode::BAD_REQUEST,
        Some("size: "),
    )
    .await;
    assert_problem(
        list(&c, &h, &[("page", "-1")]).await,
        StatusCode::BAD_REQUEST,
        Some("page: "),
    )
    .await;
    assert_problem(
        list(&c, &h, &[("platformConnectionType", "BASIC")]).await,
        StatusCode::BAD_REQUEST,
        Some("platformConnectionType: "),
    )
    .await;
    // Another project is empty.
    let other = c
        .get(url(&h, "00000000-0000-0000-0000-000000000000"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"));
    assert_eq!(
        body(other).await,
        json!({"results": [], "page": 0, "size": 25, "total": 0})
    );
    h.shutdown().await;
}

#[tokio::test]
async fn delete_returns_204_then_404() {
    let (h, c) = start().await;
    assert_eq!(
        post(&c, &h, basic_salesforce()).await.status(),
        StatusCode::CREATED
    );
    let del = || {
        c.delete(url(&h, PID))
            .query(&[("connectionName", "salesforce-prod")])
            .bearer_auth(TOKEN)
            .send()
    };
    let first = del().await.unwrap_or_else(|e| panic!("DELETE: {e}"));
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    assert!(h.connections(PID).is_empty());
    let second = del().await.unwrap_or_else(|e| panic!("DELETE: {e}"));
    assert_problem(second, StatusCode::NOT_FOUND, None).await;
    h.shutdown().await;
}

#[tokio::test]
async fn update_of_absent_connection_is_404() {
    let (h, c) = start().await;
    let resp = put(
        &c,
        &h,
        "nope",
        json!({"platformConnectionType": "COMPONENT_BASIC", "authType": "GENERIC_SECRET"}),
    )
    .await;
    let b = assert_problem(resp, StatusCode::NOT_FOUND, None).await;
    assert!(
        b["detail"].as_str().unwrap_or_default().contains("nope"),
        "{b}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn missing_connection_name_parameter_is_400() {
    let (h, c) = start().await;
    let resp = c
        .delete(url(&h, PID))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DELETE: {e}"));
    assert_problem(
        resp,
        StatusCode::BAD_REQUEST,
        Some("connectionName: is required"),
    )
    .await;
    h.shutdown().await;
}

#[tokio::test]
async fn duplicate_create_is_409() {
    let (h, c) = start().await;
    assert_eq!(
        post(&c, &h, basic_salesforce()).await.status(),
        StatusCode::CREATED
    );
    let resp = post(&c, &h, basic_salesforce()).await;
    assert_problem(resp, StatusCode::CONFLICT, Some("name: ")).await;
    assert_eq!(h.connections(PID).len(), 1);
    h.shutdown().await;
}

#[tokio::test]
async fn unknown_field_is_400_naming_the_field() {
    let (h, c) = start().await;
    let mut b = basic_salesforce();
    b["connectionDetails"]["connectionProperties"]["secretNmae"] = json!("typo");
    b["autType"] = json!("GENERIC_SECRET");
    let resp = post(&c, &h, b).await;
    let problem = assert_problem(
        resp,
        StatusCode::BAD_REQUEST,
        Some("connectionDetails.connectionProperties.secretNmae: unknown field"),
    )
    .await;
    let violations = problem["violations"].to_string();
    assert!(
        violations.contains("autType: unknown field"),
        "{violations}"
    );
    // Update body has no `name` or `authProvider`.
    assert_eq!(
        post(&c, &h, basic_salesforce()).await.status(),
        StatusCode::CREATED
    );
    let resp = put(
        &c,
        &h,
        "salesforce-prod",
        json!({"authProvider": "salesforce", "platformConnectionType": "COMPONENT_BASIC", "authType": "OAUTH_CLIENT_CRED"}),
    )
    .await;
    assert_problem(
        resp,
        StatusCode::BAD_REQUEST,
        Some("authProvider: unknown field"),
    )
    .await;
    h.shutdown().await;
}

#[tokio::test]
async fn malformed_json_and_wrong_content_type_are_rejected() {
    let (h, c) = start().await;
    let resp = c
        .post(url(&h, PID))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_problem(resp, StatusCode::BAD_REQUEST, None).await;
    let resp = c
        .post(url(&h, PID))
        .bearer_auth(TOKEN)
        .header("content-type", "text/plain")
        .body(basic_salesforce().to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_problem(resp, StatusCode::UNSUPPORTED_MEDIA_TYPE, None).await;
    h.shutdown().await;
}

#[tokio::test]
async fn field_rules_name_the_field() {
    let (h, c) = start().await;
    let cases = [
        (
            json!({"name": "x", "platformConnectionType": "COMPONENT_BASIC", "authProvider": "NONE", "authType": "GENERIC_SECRET",
                   "connectionDetails": {"connectionProperties": {"secretName": ""}}}),
            "connectionDetails.connectionProperties.secretName: must not be empty",
        ),
        (
            json!({"name": "x", "platformConnectionType": "COMPONENT_BASIC", "authProvider": "NONE", "authType": "GENERIC_SECRET",
                   "connectionDetails": {"connectionProperties": {"secretKey": "k"}}}),
            "connectionDetails.connectionProperties.secretName: is required",
        ),
        (
            json!({"name": "x", "platformConnectionType": "CLOUD_PLATFORM_CREDENTIALS", "authProvider": "aws", "authType": "CLOUD_PROVIDER_SECRET",
                   "connectionDetails": {"connectionProperties": {"secretName": "s"}}}),
            "connectionDetails.connectionProperties.secretName: not allowed for platformConnectionType CLOUD_PLATFORM_CREDENTIALS",
        ),
        (
            json!({"name": "x", "platformConnectionType": "CLOUD_PLATFORM_CREDENTIALS", "authProvider": "aws", "authType": "CLOUD_PROVIDER_SECRET",
                   "connectionDetails": {"connectionProperties": {}}}),
            "connectionDetails.connectionProperties.credentialSecretName: is required",
        ),
        (
            json!({"name": "x", "platformConnectionType": "COMPONENT_BASIC", "authProvider": "NONE", "authType": "GENERIC_SECRET",
                   "connectionDetails": {"secretsLocation": {"type": "AZURE_SECRET_MANAGER", "region": "eu"}}}),
            "connectionDetails.secretsLocation.region: only allowed when type is AWS_SECRET_MANAGER",
        ),
        (
            json!({"name": "x", "platformConnectionType": "COMPONENT_BASIC", "authProvider": "NONE", "authType": "GENERIC_SECRET",
                   "connectionDetails": {"secretsLocation": {"type": "AWS_SECRET_MANAGER", "vaultName": "v"}}}),
            "connectionDetails.secretsLocation.vaultName: only allowed when type is AZURE_SECRET_MANAGER",
        ),
        (
            json!({"name": "x", "platformConnectionType": "COMPONENT_BASIC", "authProvider": "NONE", "authType": "GENERIC_SECRET",
                   "connectionDetails": {"secretsLocation": {"type": "AZURE_SECRET_MANAGER", "gcpProjectId": "p"}}}),
            "connectionDetails.secretsLocation.gcpProjectId: only allowed when type is GCP_SECRET_MANAGER",
        ),
        (
            json!({"name": "x", "platformConnectionType": "COMPONENT_BASIC", "authProvider": "NONE", "authType": "GENERIC_SECRET",
                   "connectionDetails": {"secretsLocation": {"type": "VAULT"}}}),
            "connectionDetails.secretsLocation.type: invalid value",
        ),
        (
            json!({"name": "x", "platformConnectionType": "COMPONENT_BASIC", "authProvider": "NONE", "authType": "PASSWORD"}),
            "authType: invalid value \"PASSWORD\"",
        ),
        (
            json!({"platformConnectionType": "COMPONENT_BASIC", "authProvider": "NONE", "authType": "GENERIC_SECRET"}),
            "name: is required",
        ),
        (
            json!({"name": "  ", "platformConnectionType": "COMPONENT_BASIC", "authProvider": "NONE", "authType": "GENERIC_SECRET"}),
            "name: must not be blank",
        ),
        (
            json!({"name": "n".repeat(256), "platformConnectionType": "COMPONENT_BASIC", "authProvider": "NONE", "authType": "GENERIC_SECRET"}),
            "name: size must be between 1 and 255",
        ),
        (
            json!({"name": "x", "authProvider": "NONE", "authType": "GENERIC_SECRET"}),
            "platformConnectionType: is required",
        ),
        (
            json!({"name": "x", "platformConnectionType": "COMPONENT_BASIC", "authProvider": "NONE", "authType": "GENERIC_SECRET",
                   "connectionDetails": "oops"}),
            "connectionDetails: must be an object",
        ),
    ];
    for (req, violation) in cases {
        let resp = post(&c, &h, req.clone()).await;
        assert_problem(resp, StatusCode::BAD_REQUEST, Some(violation)).await;
    }
    let ok = json!({"name": "n".repeat(255), "platformConnectionType": "COMPONENT_BASIC", "authProvider": "NONE", "authType": "GENERIC_SECRET"});
    assert_eq!(post(&c, &h, ok).await.status(), StatusCode::CREATED);
    assert_eq!(
        h.connections(PID).len(),
        1,
        "rejected bodies must not be stored"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn invalid_combination_is_422() {
    let (h, c) = start().await;
    let resp = post(
        &c,
        &h,
        json!({"name": "x", "platformConnectionType": "COMPONENT_BASIC", "authProvider": "salesforce", "authType": "GENERIC_SECRET"}),
    )
    .await;
    assert_problem(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("authType: GENERIC_SECRET is not valid"),
    )
    .await;
    let resp = post(
        &c,
        &h,
        json!({"name": "x", "platformConnectionType": "CLOUD_PLATFORM_CREDENTIALS", "authProvider": "snowflake", "authType": "CLOUD_PROVIDER_SECRET"}),
    )
    .await;
    assert_problem(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("authProvider: "),
    )
    .await;
    // Update: the stored authProvider (salesforce) fixes the valid authTypes.
    assert_eq!(
        post(&c, &h, basic_salesforce()).await.status(),
        StatusCode::CREATED
    );
    let resp = put(
        &c,
        &h,
        "salesforce-prod",
        json!({"platformConnectionType": "COMPONENT_BASIC", "authType": "GENERIC_SECRET"}),
    )
    .await;
    assert_problem(resp, StatusCode::UNPROCESSABLE_ENTITY, Some("authType: ")).await;
    let resp = put(
        &c,
        &h,
        "salesforce-prod",
        json!({"platformConnectionType": "CLOUD_PLATFORM_CREDENTIALS", "authType": "CLOUD_PROVIDER_SECRET"}),
    )
    .await;
    assert_problem(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("platformConnectionType: "),
    )
    .await;
    assert_eq!(
        h.connections(PID)[0]["authType"],
        json!("OAUTH_CLIENT_CRED")
    );
    h.shutdown().await;
}

#[tokio::test]
async fn bad_project_id_is_400() {
    let (h, c) = start().await;
    let resp = c
        .get(url(&h, "not-a-uuid"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"));
    assert_problem(resp, StatusCode::BAD_REQUEST, Some("projectId: must match")).await;
    let resp = c
        .post(url(&h, "550E8400-E29B-41D4-A716-446655440002"))
        .bearer_auth(TOKEN)
        .json(&basic_salesforce())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_problem(resp, StatusCode::BAD_REQUEST, Some("projectId: ")).await;
    let resp = c
        .get(url(&h, "%FF"))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"));
    assert_problem(resp, StatusCode::BAD_REQUEST, Some("projectId: ")).await;
    h.shutdown().await;
}

#[tokio::test]
async fn token_route_faults_only_with_apply_to_token() {
    let (h, c) = start().await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "emulator-client"),
        ("client_secret", "emulator-secret"),
    ];
    h.set_faults(FaultConfig {
        status: Some(500),
        count: Some(1),
        apply_to_token: true,
        ..Default::default()
    });
    let first = c
        .post(h.token_url())
        .form(&form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("token: {e}"));
    assert_eq!(first.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let second = c
        .post(h.token_url())
        .form(&form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("token: {e}"));
    assert_eq!(second.status(), StatusCode::OK);
    assert_eq!(h.token_requests(), 2);
    assert!(
        h.requests().is_empty(),
        "token requests are not in the API log"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn auth_failures_are_401_and_403() {
    let (h, c) = start().await;
    let no_token = c
        .get(url(&h, PID))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"));
    assert_eq!(
        no_token
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    assert_problem(no_token, StatusCode::UNAUTHORIZED, None).await;
    let malformed = c
        .get(url(&h, PID))
        .header("authorization", "Token abc")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"));
    assert_problem(malformed, StatusCode::UNAUTHORIZED, None).await;
    let bad = c
        .get(url(&h, PID))
        .bearer_auth("wrong-token")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"));
    assert_problem(bad, StatusCode::UNAUTHORIZED, None).await;
    let forbidden = c
        .post(url(&h, PID))
        .bearer_auth("forbidden-token")
        .json(&basic_salesforce())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_problem(forbidden, StatusCode::FORBIDDEN, None).await;
    assert!(h.connections(PID).is_empty());
    h.shutdown().await;
}

#[tokio::test]
async fn token_endpoint_issues_expiring_tokens() {
    let (h, c) = start_with(EmulatorConfig {
        token_ttl: Duration::from_secs(1),
        ..Default::default()
    })
    .await;
    let form = [
        ("grant_type", "client_credentials"),
        ("client_id", "emulator-client"),
        ("client_secret", "emulator-secret"),
        ("audience", "https://api.matillion.com"),
    ];
    let resp = c
        .post(h.token_url())
        .form(&form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("token: {e}"));
    assert_eq!(resp.status(), StatusCode::OK);
    let tok = body(resp).await;
    assert_eq!(tok["token_type"], json!("Bearer"));
    assert_eq!(tok["expires_in"], json!(1));
    let access = tok["access_token"].as_str().unwrap_or_default().to_string();
    assert!(!access.is_empty());

    let created = c
        .post(url(&h, PID))
        .bearer_auth(&access)
        .json(&basic_salesforce())
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(body(created).await["createdBy"], json!("emulator-client"));

    let wrong = c
        .post(h.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "emulator-client"),
            ("client_secret", "nope"),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("token: {e}"));
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(body(wrong).await["error"], json!("invalid_client"));
    let grant = c
        .post(h.token_url())
        .form(&[("grant_type", "password")])
        .send()
        .await
        .unwrap_or_else(|e| panic!("token: {e}"));
    assert_eq!(grant.status(), StatusCode::BAD_REQUEST);
    assert_eq!(h.token_requests(), 3);

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let expired = c
        .get(url(&h, PID))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"));
    let b = assert_problem(expired, StatusCode::UNAUTHORIZED, None).await;
    assert!(
        b["detail"].as_str().unwrap_or_default().contains("expired"),
        "{b}"
    );
    h.shutdown().await;
}

#[tokio::test]
async fn request_log_records_redacted_requests() {
    let (h, c) = start().await;
    assert_eq!(
        post(&c, &h, basic_salesforce()).await.status(),
        StatusCode::CREATED
    );
    let _ = c.get(url(&h, PID)).query(&[("size", "5")]).send().await;
    let log = h.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "POST");
    assert_eq!(log[0].path, format!("/dpc/v1/projects/{PID}/connections"));
    assert_eq!(log[0].body, Some(basic_salesforce()));
    assert_eq!(log[0].status, Some(201));
    assert_eq!(log[0].authorization.as_deref(), Some("Bearer ***"));
    assert_eq!(log[1].query.as_deref(), Some("size=5"));
    assert_eq!(log[1].status, Some(401));
    assert_eq!(log[1].authorization, None);

    let admin = body(
        c.get(format!("{}/requests", h.admin_url()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("admin: {e}")),
    )
    .await;
    assert_eq!(admin[0]["authorization"], json!("Bearer ***"));
    assert!(
        !admin.to_string().contains(TOKEN),
        "token leaked into the log"
    );
    let cleared = c
        .delete(format!("{}/requests", h.admin_url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("admin: {e}"));
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert!(h.requests().is_empty(), "admin calls must not be logged");
    let stats = body(
        c.get(format!("{}/stats", h.admin_url()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("admin: {e}")),
    )
    .await;
    assert_eq!(stats["requests"], json!(2));
    assert_eq!(stats["token_requests"], json!(0));
    let dump = body(
        c.get(format!("{}/connections", h.admin_url()))
            .send()
            .await
            .unwrap_or_else(|e| panic!("admin: {e}")),
    )
    .await;
    assert_eq!(dump[PID][0]["name"], json!("salesforce-prod"));
    h.shutdown().await;
}

#[tokio::test]
async fn injected_status_faults_hit_the_next_n_requests_with_retry_after() {
    let (h, c) = start().await;
    h.set_faults(FaultConfig {
        status: Some(503),
        count: Some(2),
        retry_after_secs: Some(7),
        ..Default::default()
    });
    for _ in 0..2 {
        let resp = list(&c, &h, &[]).await;
        assert_eq!(
            resp.headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok()),
            Some("7")
        );
        assert_problem(resp, StatusCode::SERVICE_UNAVAILABLE, None).await;
    }
    assert_eq!(list(&c, &h, &[]).await.status(), StatusCode::OK);
    // Admin endpoint: 429 for every request until cleared.
    let set = c
        .post(format!("{}/faults", h.admin_url()))
        .json(&json!({"status": 429, "retry_after_secs": 1}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("admin: {e}"));
    assert_eq!(set.status(), StatusCode::OK);
    assert_eq!(
        list(&c, &h, &[]).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        list(&c, &h, &[]).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // The token route is exempt unless apply_to_token.
    let tok = c
        .post(h.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "emulator-client"),
            ("client_secret", "emulator-secret"),
        ])
        .send()
        .await
        .unwrap_or_else(|e| panic!("token: {e}"));
    assert_eq!(tok.status(), StatusCode::OK);
    let cleared = c
        .delete(format!("{}/faults", h.admin_url()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("admin: {e}"));
    assert_eq!(cleared.status(), StatusCode::NO_CONTENT);
    assert_eq!(list(&c, &h, &[]).await.status(), StatusCode::OK);
    let bad = c
        .post(format!("{}/faults", h.admin_url()))
        .json(&json!({"statuss": 500}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("admin: {e}"));
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    h.shutdown().await;
}

#[tokio::test]
async fn drop_fault_closes_the_connection_without_response() {
    let (h, c) = start().await;
    h.set_faults(FaultConfig {
        drop_count: Some(1),
        ..Default::default()
    });
    let dropped = c.get(url(&h, PID)).bearer_auth(TOKEN).send().await;
    assert!(
        dropped.is_err(),
        "expected a transport error, got {dropped:?}"
    );
    assert_eq!(list(&c, &h, &[]).await.status(), StatusCode::OK);
    let log = h.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].status, None);
    assert_eq!(log[1].status, Some(200));
    h.shutdown().await;
}

#[tokio::test]
async fn latency_fault_delays_responses() {
    let (h, c) = start().await;
    h.set_faults(FaultConfig {
        latency_ms: 150,
        ..Default::default()
    });
    let t = std::time::Instant::now();
    assert_eq!(list(&c, &h, &[]).await.status(), StatusCode::OK);
    assert!(
        t.elapsed() >= Duration::from_millis(150),
        "{:?}",
        t.elapsed()
    );
    h.shutdown().await;
}

#[tokio::test]
async fn keep_alive_reuses_one_tcp_connection() {
    let (h, c) = start().await;
    for _ in 0..10 {
        assert_eq!(list(&c, &h, &[]).await.status(), StatusCode::OK);
    }
    assert_eq!(h.connections_opened(), 1);
    let fresh = Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap_or_else(|e| panic!("client: {e}"));
    for _ in 0..3 {
        assert_eq!(list(&fresh, &h, &[]).await.status(), StatusCode::OK);
    }
    assert_eq!(h.connections_opened(), 4);
    h.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problems() {
    let (h, c) = start().await;
    let resp = c
        .get(format!("{}/v1/nothing", h.base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"));
    assert_problem(resp, StatusCode::NOT_FOUND, None).await;
    let resp = c
        .patch(url(&h, PID))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("PATCH: {e}"));
    assert_problem(resp, StatusCode::METHOD_NOT_ALLOWED, None).await;
    h.shutdown().await;
}

#[tokio::test]
async fn state_file_survives_restart_in_process() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let state = dir.path().join("state.json");
    let cfg = || EmulatorConfig {
        state_file: Some(state.clone()),
        ..Default::default()
    };
    let (h, c) = start_with(cfg()).await;
    assert_eq!(
        post(&c, &h, basic_salesforce()).await.status(),
        StatusCode::CREATED
    );
    let before = h.connections(PID);
    h.shutdown().await;
    let (h2, _) = start_with(cfg()).await;
    assert_eq!(h2.connections(PID), before);
    h2.shutdown().await;
}

fn overrides_url(h: &EmulatorHandle) -> String {
    format!(
        "{}/v1/projects/{PID}/connections/environment-overrides",
        h.base_url()
    )
}

#[tokio::test]
async fn environment_overrides_lifecycle() {
    let (h, c) = start().await;
    assert_eq!(
        post(&c, &h, basic_salesforce()).await.status(),
        StatusCode::CREATED
    );
    let ov = json!({
        "environmentName": "prod",
        "connectionName": "salesforce-prod",
        "authType": "OAUTH_CLIENT_CRED",
        "connectionOverrides": {
            "secretsLocation": {"type": "AZURE_SECRET_MANAGER", "vaultName": "prod-vault"},
            "connectionProperties": {"secretName": "sf-prod"}
        }
    });
    let send = |method: reqwest::Method, body: Value| {
        c.request(method, overrides_url(&h))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
    };
    let created = send(reqwest::Method::POST, ov.clone())
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_eq!(created.status(), StatusCode::CREATED);
    let mut expected = ov.clone();
    expected["projectId"] = json!(PID);
    assert_eq!(body(created).await, expected);
    let dup = send(reqwest::Method::POST, ov.clone())
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_problem(dup, StatusCode::CONFLICT, None).await;

    let mut wrong_auth = ov.clone();
    wrong_auth["environmentName"] = json!("dev");
    wrong_auth["authType"] = json!("OAUTH_USER_TOKENS");
    let resp = send(reqwest::Method::POST, wrong_auth)
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_problem(
        resp,
        StatusCode::UNPROCESSABLE_ENTITY,
        Some("authType: must match"),
    )
    .await;
    let mut no_parent = ov.clone();
    no_parent["connectionName"] = json!("ghost");
    let resp = send(reqwest::Method::POST, no_parent)
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_problem(resp, StatusCode::NOT_FOUND, None).await;
    let mut misplaced = ov.clone();
    misplaced["connectionOverrides"]["connectionProperties"] = json!({"credentialSecretName": "x"});
    let resp = send(reqwest::Method::POST, misplaced)
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_problem(
        resp,
        StatusCode::BAD_REQUEST,
        Some("connectionOverrides.connectionProperties.credentialSecretName: not allowed"),
    )
    .await;

    // Full replacement: dropping connectionOverrides unsets them.
    let replaced = send(
        reqwest::Method::PUT,
        json!({"environmentName": "prod", "connectionName": "salesforce-prod", "authType": "OAUTH_CLIENT_CRED"}),
    )
    .await
    .unwrap_or_else(|e| panic!("PUT: {e}"));
    assert_eq!(replaced.status(), StatusCode::OK);
    assert_eq!(
        body(replaced).await,
        json!({"environmentName": "prod", "connectionName": "salesforce-prod", "projectId": PID, "authType": "OAUTH_CLIENT_CRED"})
    );
    let absent = send(
        reqwest::Method::PUT,
        json!({"environmentName": "qa", "connectionName": "salesforce-prod", "authType": "OAUTH_CLIENT_CRED"}),
    )
    .await
    .unwrap_or_else(|e| panic!("PUT: {e}"));
    assert_problem(absent, StatusCode::NOT_FOUND, None).await;

    let listed = c
        .get(overrides_url(&h))
        .query(&[("environmentName", "prod")])
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"));
    let listed = body(listed).await;
    assert_eq!(listed["total"], json!(1));
    assert_eq!(
        listed["results"][0]["connectionName"],
        json!("salesforce-prod")
    );

    let del = |env: &'static str, names: &'static str| {
        c.delete(overrides_url(&h))
            .query(&[("environmentName", env), ("connectionNames", names)])
            .bearer_auth(TOKEN)
            .send()
    };
    let missing = del("prod", "salesforce-prod,ghost")
        .await
        .unwrap_or_else(|e| panic!("DELETE: {e}"));
    assert_problem(missing, StatusCode::NOT_FOUND, None).await;
    let ok = del("prod", "salesforce-prod")
        .await
        .unwrap_or_else(|e| panic!("DELETE: {e}"));
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    let again = del("prod", "salesforce-prod")
        .await
        .unwrap_or_else(|e| panic!("DELETE: {e}"));
    assert_problem(again, StatusCode::NOT_FOUND, None).await;
    h.shutdown().await;
}

#[tokio::test]
async fn deleting_a_connection_deletes_its_overrides() {
    let (h, c) = start().await;
    assert_eq!(
        post(&c, &h, basic_salesforce()).await.status(),
        StatusCode::CREATED
    );
    let created = c
        .post(overrides_url(&h))
        .bearer_auth(TOKEN)
        .json(&json!({"environmentName": "prod", "connectionName": "salesforce-prod", "authType": "OAUTH_CLIENT_CRED"}))
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST: {e}"));
    assert_eq!(created.status(), StatusCode::CREATED);
    let del = c
        .delete(url(&h, PID))
        .query(&[("connectionName", "salesforce-prod")])
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DELETE: {e}"));
    assert_eq!(del.status(), StatusCode::NO_CONTENT);
    let listed = c
        .get(overrides_url(&h))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET: {e}"));
    assert_eq!(
        body(listed).await,
        json!({"results": [], "page": 0, "size": 25, "total": 0})
    );
    h.shutdown().await;
}

#[tokio::test]
async fn fail_rate_hits_about_that_fraction_of_requests() {
    let (h, c) = start().await;
    h.set_faults(FaultConfig {
        status: Some(500),
        rate: Some(0.5),
        ..Default::default()
    });
    let mut failed = 0;
    for _ in 0..200 {
        if list(&c, &h, &[]).await.status() == StatusCode::INTERNAL_SERVER_ERROR {
            failed += 1;
        }
    }
    // Binomial(200, 0.5): 60..=140 is beyond 5 standard deviations.
    assert!((60..=140).contains(&failed), "{failed} of 200 failed");
    h.set_faults(FaultConfig {
        latency_ms: 20,
        latency_jitter_ms: 30,
        ..Default::default()
    });
    for _ in 0..5 {
        let t = std::time::Instant::now();
        assert_eq!(list(&c, &h, &[]).await.status(), StatusCode::OK);
        let ms = t.elapsed().as_millis();
        assert!(ms >= 20, "{ms} ms");
    }
    h.shutdown().await;
}
