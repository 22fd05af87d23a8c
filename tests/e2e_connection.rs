//! `maia_connection` end to end: real Terraform 1.15.5 and 1.0.3, the built
//! provider through dev_overrides, and the emulator as Maia. Every request
//! body the provider sends is checked in the emulator's request log.

mod support;

use serde_json::json;
use support::emulator::LiveEmulator;
use support::terraform::{self, Terraform, TfVersion, Workdir};
use terraform_provider_maia::emulator::FaultConfig;

const PROJECT: &str = "550e8400-e29b-41d4-a716-446655440002";

const PROVIDER: &str = r#"
terraform {
  required_providers {
    maia = { source = "matillion/maia" }
  }
}
provider "maia" {}
"#;

fn salesforce(description: &str, name: &str) -> String {
    format!(
        r#"{PROVIDER}
resource "maia_connection" "sf" {{
  project_id               = "{PROJECT}"
  name                     = "{name}"
  platform_connection_type = "COMPONENT_BASIC"
  auth_type                = "OAUTH_CLIENT_CRED"
  auth_provider            = "salesforce"
  {description}

  secrets_location {{
    type   = "AWS_SECRET_MANAGER"
    region = "eu-west-1"
  }}
  connection_properties {{
    secret_name = "sf-oauth"
    secret_key  = "client_secret"
  }}
}}

resource "maia_connection" "generic" {{
  project_id               = "{PROJECT}"
  name                     = "warehouse"
  platform_connection_type = "COMPONENT_BASIC"
  auth_type                = "GENERIC_SECRET"
  connection_properties {{
    secret_name = "warehouse"
  }}
}}
"#
    )
}

fn workdir(tf: &Terraform, emu: &LiveEmulator) -> Workdir {
    let mut wd = tf.workdir();
    wd.env("MAIA_ENDPOINT", &emu.base_url())
        .env("MAIA_TOKEN", "maia-emulator-token");
    wd
}

fn methods(emu: &LiveEmulator) -> Vec<String> {
    emu.requests().iter().map(|r| r.method.clone()).collect()
}

#[test]
fn create_then_no_diff_then_in_place_update_then_replace_then_destroy() {
    for tf in terraform::all() {
        let emu = LiveEmulator::start();
        let mut wd = workdir(&tf, &emu);
        wd.write_config(&salesforce(r#"description = "v1""#, "salesforce-prod"));
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_success();
        assert_eq!(emu.connections(PROJECT).len(), 2, "{tf}");
        let posts: Vec<_> = emu
            .requests()
            .into_iter()
            .filter(|r| r.method == "POST")
            .collect();
        let generic = posts
            .iter()
            .find(|r| r.body.as_ref().is_some_and(|b| b["name"] == "warehouse"))
            .expect("generic POST");
        assert_eq!(
            generic.body,
            Some(json!({
                "name": "warehouse",
                "platformConnectionType": "COMPONENT_BASIC",
                "authProvider": "NONE",
                "authType": "GENERIC_SECRET",
                "connectionDetails": {"connectionProperties": {"secretName": "warehouse"}}
            })),
            "{tf}"
        );

        // A second plan is empty.
        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_code(0);

        // In place: the description goes, so the full replacement omits it.
        emu.clear_requests();
        wd.write_config(&salesforce("", "salesforce-prod"));
        let plan = wd.run(&["plan", "-detailed-exitcode", "-no-color"]);
        plan.assert_code(2)
            .assert_stdout_contains("1 to change, 0 to destroy");
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_success();
        let puts: Vec<_> = emu
            .requests()
            .into_iter()
            .filter(|r| r.method == "PUT")
            .collect();
        assert_eq!(puts.len(), 1, "{tf}: {:?}", emu.requests());
        assert_eq!(
            puts[0].query.as_deref(),
            Some("connectionName=salesforce-prod")
        );
        assert_eq!(
            puts[0].body,
            Some(json!({
                "authType": "OAUTH_CLIENT_CRED",
                "platformConnectionType": "COMPONENT_BASIC",
                "connectionDetails": {
                    "secretsLocation": {"type": "AWS_SECRET_MANAGER", "region": "eu-west-1"},
                    "connectionProperties": {"secretName": "sf-oauth", "secretKey": "client_secret"}
                }
            })),
            "{tf}"
        );
        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_code(0);

        // A new name replaces the connection.
        emu.clear_requests();
        wd.write_config(&salesforce("", "salesforce-renamed"));
        wd.run(&["plan", "-no-color"])
            .assert_success()
            .assert_stdout_contains("must be replaced");
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_success();
        let m = methods(&emu);
        assert!(
            m.contains(&"DELETE".to_string()) && m.contains(&"POST".to_string()),
            "{tf}: {m:?}"
        );
        let names: Vec<String> = emu
            .connections(PROJECT)
            .iter()
            .map(|c| c["name"].as_str().unwrap_or_default().to_string())
            .collect();
        assert!(
            names.contains(&"salesforce-renamed".to_string())
                && !names.contains(&"salesforce-prod".to_string()),
            "{names:?}"
        );

        wd.run(&["destroy", "-auto-approve", "-no-color"])
            .assert_success();
        assert!(emu.connections(PROJECT).is_empty(), "{tf}");
    }
}

#[test]
fn refresh_shows_drift_as_an_update_and_recreates_what_was_deleted_outside() {
    for tf in terraform::all() {
        let emu = LiveEmulator::start();
        let mut wd = workdir(&tf, &emu);
        wd.write_config(&salesforce("", "salesforce-prod"));
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_success();
        let status = emu.outside_change(
            reqwest::Method::PUT,
            &format!("/v1/projects/{PROJECT}/connections?connectionName=salesforce-prod"),
            Some(json!({"authType": "OAUTH_USER_TOKENS", "platformConnectionType": "COMPONENT_BASIC"})),
        );
        assert_eq!(status, 200);
        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_code(2)
            .assert_stdout_contains("1 to change, 0 to destroy");
        let status = emu.outside_change(
            reqwest::Method::DELETE,
            &format!("/v1/projects/{PROJECT}/connections?connectionName=warehouse"),
            None,
        );
        assert!((200..300).contains(&status));
        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_code(2)
            .assert_stdout_contains("1 to add, 1 to change, 0 to destroy");
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_success();
        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_code(0);
    }
}

#[test]
fn invalid_configurations_fail_at_plan_with_no_http_request() {
    // (replace this, with this, expected summary, expected source line shown)
    let cases: &[(&str, &str, &str, &str)] = &[
        (PROJECT, "not-a-uuid", "Invalid project_id", "not-a-uuid"),
        (
            r#""OAUTH_CLIENT_CRED""#,
            r#""OAUTH""#,
            "Invalid auth_type",
            r#""OAUTH""#,
        ),
        (
            r#"secret_name = "sf-oauth""#,
            r#"secret_name = """#,
            "Empty secret_name",
            r#"secret_name = """#,
        ),
        (
            r#"region = "eu-west-1""#,
            r#"vault_name = "v""#,
            "vault_name does not belong here",
            r#"vault_name = "v""#,
        ),
        (
            r#"auth_provider            = "salesforce""#,
            r#"auth_provider = "NONE""#,
            "auth_provider does not fit auth_type",
            r#"auth_provider = "NONE""#,
        ),
    ];
    for tf in terraform::all() {
        let emu = LiveEmulator::start();
        for (from, to, summary, line) in cases {
            let mut wd = workdir(&tf, &emu);
            let config = salesforce("", "x");
            assert!(
                config.contains(from),
                "case {summary}: {from} not in the base config"
            );
            wd.write_config(&config.replacen(from, to, 1));
            wd.run(&["plan", "-no-color"])
                .assert_code(1)
                .assert_stderr_contains(summary)
                .assert_stderr_contains(line);
        }
        assert!(emu.requests().is_empty(), "{tf}: {:?}", emu.requests());
        assert_eq!(emu.token_requests(), 0);
    }
}

#[test]
fn transient_429_and_503_are_retried_through_to_success() {
    for tf in terraform::all() {
        let emu = LiveEmulator::start();
        emu.set_faults(FaultConfig {
            status: Some(503),
            count: Some(2),
            retry_after_secs: Some(1),
            ..FaultConfig::default()
        });
        let mut wd = workdir(&tf, &emu);
        wd.write_config(&salesforce("", "salesforce-prod"));
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_success();
        emu.set_faults(FaultConfig {
            status: Some(429),
            count: Some(2),
            retry_after_secs: Some(1),
            ..FaultConfig::default()
        });
        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_code(0);
        let statuses: Vec<Option<u16>> = emu.requests().iter().map(|r| r.status).collect();
        assert!(
            statuses.contains(&Some(503)) && statuses.contains(&Some(429)),
            "{statuses:?}"
        );
        assert_eq!(emu.connections(PROJECT).len(), 2);
    }
}

#[test]
fn import_by_cli_and_the_state_then_plans_clean() {
    for tf in terraform::all() {
        let emu = LiveEmulator::start();
        let mut wd = workdir(&tf, &emu);
        wd.write_config(&salesforce("", "salesforce-prod"));
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_success();
        std::fs::remove_file(wd.path().join("terraform.tfstate")).expect("state file exists");
        wd.run(&[
            "import",
            "-no-color",
            "maia_connection.sf",
            &format!("{PROJECT}/salesforce-prod"),
        ])
        .assert_success();
        wd.run(&[
            "import",
            "-no-color",
            "maia_connection.generic",
            &format!("{PROJECT}/warehouse"),
        ])
        .assert_success();
        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_code(0);
        wd.run(&["import", "-no-color", "maia_connection.sf", "bad-id"])
            .assert_code(1);
    }
}

#[test]
fn import_blocks_identity_and_generated_configuration_on_current_terraform() {
    let tf = Terraform::get(TfVersion::V1_15_5);
    let emu = LiveEmulator::start();
    let mut seed = workdir(&tf, &emu);
    seed.write_config(&salesforce(r#"description = "d""#, "salesforce-prod"));
    seed.run(&["apply", "-auto-approve", "-no-color"])
        .assert_success();

    // An import block by ID plus one by identity, generating the configuration.
    let mut wd = workdir(&tf, &emu);
    wd.write_config(&format!(
        r#"{PROVIDER}
import {{
  to = maia_connection.sf
  id = "{PROJECT}/salesforce-prod"
}}
import {{
  to = maia_connection.generic
  identity = {{
    project_id = "{PROJECT}"
    name       = "warehouse"
  }}
}}
"#
    ));
    wd.run(&["plan", "-no-color", "-generate-config-out=generated.tf"])
        .assert_success();
    let generated = wd.read_file("generated.tf");
    assert!(
        generated.contains(r#"auth_provider            = "salesforce""#)
            || generated.contains("salesforce"),
        "{generated}"
    );
    wd.run(&["apply", "-auto-approve", "-no-color"])
        .assert_success()
        .assert_stdout_contains("2 imported");
    wd.run(&["plan", "-detailed-exitcode", "-no-color"])
        .assert_code(0);
}
