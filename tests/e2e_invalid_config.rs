//! A table of invalid `maia_connection` configurations through real
//! Terraform: every rule of the provider's plan-time validation (and the
//! combinations table), Terraform's own schema checks (wrong types, too many
//! blocks, unknown blocks and arguments), values from locals and variables,
//! and unknown values next to invalid ones. Each case must give a plan-time
//! diagnostic whose source snippet shows the offending line, and the emulator
//! must see no request at all (API or token).
//!
//! All cases are resources of one configuration, so one `terraform plan`
//! checks them all: each case's diagnostic is found by its resource address.

mod support;

use support::emulator::LiveEmulator;
use support::terraform::{Output, Terraform, TfVersion};

const PROJECT: &str = "550e8400-e29b-41d4-a716-446655440002";

const HEADER: &str = r#"
terraform {
  required_providers {
    maia = { source = "matillion/maia" }
  }
}
provider "maia" {}

locals {
  bad_project = "550E8400-E29B-41D4-A716-446655440002"
}

# A valid connection whose computed attributes are unknown at plan time.
resource "maia_connection" "src" {
  project_id               = "550e8400-e29b-41d4-a716-446655440002"
  name                     = "source"
  platform_connection_type = "COMPONENT_BASIC"
  auth_type                = "GENERIC_SECRET"
  connection_properties {
    secret_name = "s"
  }
}
"#;

/// One invalid configuration: the resource body, the diagnostic summary
/// expected, and text the diagnostic's source snippet must show.
struct Case {
    body: String,
    summary: &'static str,
    snippet: String,
}

fn case(body: &str, summary: &'static str, snippet: &str) -> Case {
    Case {
        body: body.replace("PROJECT", PROJECT),
        summary,
        snippet: snippet.to_string(),
    }
}

const GENERIC: &str = r#"
  project_id = "PROJECT"
  name = "n"
  platform_connection_type = "COMPONENT_BASIC"
  auth_type = "GENERIC_SECRET"
"#;

const PROPS: &str = r#"
  connection_properties {
    secret_name = "s"
  }
"#;

fn generic(extra: &str) -> String {
    format!("{GENERIC}{extra}{PROPS}")
}

fn oauth(provider: &str, extra: &str) -> String {
    format!(
        r#"
  project_id = "PROJECT"
  name = "n"
  platform_connection_type = "COMPONENT_BASIC"
  auth_type = "OAUTH_CLIENT_CRED"
  auth_provider = {provider}
{extra}{PROPS}"#
    )
}

fn cloud(auth_type: &str, provider: &str, props: &str) -> String {
    format!(
        r#"
  project_id = "PROJECT"
  name = "n"
  platform_connection_type = "CLOUD_PLATFORM_CREDENTIALS"
  auth_type = "{auth_type}"
  auth_provider = "{provider}"
  connection_properties {{
{props}
  }}
"#
    )
}

fn with_type(auth_type: &str, provider: &str) -> String {
    format!(
        r#"
  project_id = "PROJECT"
  name = "n"
  platform_connection_type = "COMPONENT_BASIC"
  auth_type = "{auth_type}"
  auth_provider = "{provider}"
{PROPS}"#
    )
}

fn location(lines: &str) -> String {
    generic(&format!("  secrets_location {{\n{lines}\n  }}\n"))
}

fn cases() -> Vec<Case> {
    let long_name = "n".repeat(256);
    let long_description = "d".repeat(4097);
    let long_value = "v".repeat(1025);
    vec![
        // Attribute rules.
        case(&generic("").replace(r#"project_id = "PROJECT""#, r#"project_id = "not-a-uuid""#), "Invalid project_id", r#"project_id = "not-a-uuid""#),
        case(&generic("").replace(r#"name = "n""#, r#"name = """#), "Empty name", r#"name = """#),
        case(&generic("").replace(r#"name = "n""#, &format!(r#"name = "{long_name}""#)), "name is too long", &format!(r#"name = "{}"#, &long_name[..40])),
        case(&generic("").replace(r#"name = "n""#, r#"name = "two\nlines""#), "Invalid name", r#"name = "two\nlines""#),
        case(&generic(&format!("  description = \"{long_description}\"\n")), "description is too long", &format!(r#"description = "{}"#, &long_description[..40])),
        case(&generic("").replace(r#""COMPONENT_BASIC""#, r#""BASIC""#), "Invalid platform_connection_type", r#"platform_connection_type = "BASIC""#),
        case(&generic("").replace(r#""GENERIC_SECRET""#, r#""OAUTH""#), "Invalid auth_type", r#"auth_type = "OAUTH""#),
        case(&generic("  auth_provider = \"\"\n"), "Empty auth_provider", r#"auth_provider = """#),
        case(&oauth(&format!("\"{long_value}\""), ""), "auth_provider is too long", &format!(r#"auth_provider = "{}"#, &long_value[..40])),
        // The combinations table.
        case(&with_type("CLOUD_PROVIDER_SECRET", "aws"), "auth_type does not fit platform_connection_type", r#"auth_type = "CLOUD_PROVIDER_SECRET""#),
        case(&oauth("null", ""), "Missing auth_provider", "auth_provider = null"),
        case(&generic("  auth_provider = \"salesforce\"\n"), "auth_provider does not fit auth_type", r#"auth_provider = "salesforce""#),
        case(&with_type("COMPOSITE_TOKEN", "salesforce"), "auth_provider does not fit auth_type", r#"auth_provider = "salesforce""#),
        case(&with_type("OAUTH_1_0_X_ADS", "netsuite"), "auth_provider does not fit auth_type", r#"auth_provider = "netsuite""#),
        case(&with_type("OAUTH_USER_TOKENS", "NONE"), "auth_provider does not fit auth_type", r#"auth_provider = "NONE""#),
        case(&cloud("CLOUD_PROVIDER_SECRET", "salesforce", r#"    credential_secret_name = "c""#), "auth_provider does not fit auth_type", r#"auth_provider = "salesforce""#),
        case(&cloud("GENERIC_SECRET", "NONE", r#"    credential_secret_name = "c""#), "auth_type does not fit platform_connection_type", r#"auth_type = "GENERIC_SECRET""#),
        // secrets_location rules.
        case(&location(r#"    type = "VAULT""#), "Invalid secrets_location type", r#"type = "VAULT""#),
        case(&location("    type = \"AWS_SECRET_MANAGER\"\n    region = \"\""), "Empty region", r#"region = """#),
        case(&location(&format!("    type = \"AWS_SECRET_MANAGER\"\n    region = \"{long_value}\"")), "region is too long", &format!(r#"region = "{}"#, &long_value[..40])),
        case(&location("    type = \"AZURE_SECRET_MANAGER\"\n    region = \"eu-west-1\""), "region does not belong here", r#"region = "eu-west-1""#),
        case(&location("    type = \"AWS_SECRET_MANAGER\"\n    vault_name = \"kv\""), "vault_name does not belong here", r#"vault_name = "kv""#),
        case(&location("    type = \"AWS_SECRET_MANAGER\"\n    gcp_project_id = \"g\""), "gcp_project_id does not belong here", r#"gcp_project_id = "g""#),
        // connection_properties rules.
        case(&format!("{GENERIC}  connection_properties {{\n    secret_key = \"k\"\n  }}\n"), "Missing secret_name", "connection_properties {"),
        case(&generic("").replace(r#"secret_name = "s""#, "secret_name = \"s\"\n    credential_secret_name = \"c\""), "credential_secret_name does not belong here", r#"credential_secret_name = "c""#),
        case(&cloud("CLOUD_PROVIDER_SECRET", "aws", ""), "Missing credential_secret_name", "connection_properties {"),
        case(&cloud("CLOUD_PROVIDER_SECRET", "gcp", "    credential_secret_name = \"c\"\n    secret_name = \"s\""), "secret_name does not belong here", r#"secret_name = "s""#),
        case(&cloud("CLOUD_PROVIDER_SECRET", "azure", "    credential_secret_name = \"c\"\n    secret_key = \"k\""), "secret_key does not belong here", r#"secret_key = "k""#),
        case(&generic("").replace(r#"secret_name = "s""#, "secret_name = \"s\"\n    secret_key = \"\""), "Empty secret_key", r#"secret_key = """#),
        case(&generic("").replace(r#"secret_name = "s""#, r#"secret_name = "   ""#), "Empty secret_name", r#"secret_name = "   ""#),
        // Terraform's own schema checks.
        case(&generic("").replace(r#"name = "n""#, r#"name = ["a", "b"]"#), "Incorrect attribute value type", r#"name = ["a", "b"]"#),
        case(&location("    type = \"DEFAULT_SECRET_VAULT\"\n  }\n  secrets_location {\n    type = \"DEFAULT_SECRET_VAULT\""), "Too many secrets_location blocks", "secrets_location {"),
        case(&generic("  bogus {\n    x = 1\n  }\n"), "Unsupported block type", "bogus {"),
        case(&generic("  colour = \"red\"\n"), "Unsupported argument", r#"colour = "red""#),
        case(&generic("").replace(r#"project_id = "PROJECT""#, ""), "Missing required argument", r#"resource "maia_connection" "#),
        // Values from elsewhere, and unknown values next to invalid ones.
        case(&generic("").replace(r#"project_id = "PROJECT""#, "project_id = local.bad_project"), "Invalid project_id", "project_id = local.bad_project"),
        case(&generic("  description = maia_connection.src.created_by\n").replace(r#"name = "n""#, r#"name = """#), "Empty name", r#"name = """#),
        case(&generic("  auth_provider = maia_connection.src.created_by\n").replace(r#""GENERIC_SECRET""#, r#""OAUTH""#), "Invalid auth_type", r#"auth_type = "OAUTH""#),
        case(&location("    type = maia_connection.src.created_by\n    vault_name = \"\""), "Empty vault_name", r#"vault_name = """#),
        case(&with_type("CLOUD_PROVIDER_SECRET", "x").replace(r#"auth_provider = "x""#, "auth_provider = maia_connection.src.created_by"), "auth_type does not fit platform_connection_type", r#"auth_type = "CLOUD_PROVIDER_SECRET""#),
    ]
}

fn config_of(cases: &[Case]) -> String {
    let mut text = HEADER.to_string();
    for (i, c) in cases.iter().enumerate() {
        text.push_str(&format!(
            "\nresource \"maia_connection\" \"case_{i:02}\" {{{}}}\n",
            c.body
        ));
    }
    text
}

/// Terraform's diagnostics, one string per `Error:` block.
fn error_blocks(out: &Output) -> Vec<String> {
    out.stderr
        .split("Error: ")
        .skip(1)
        .map(str::to_string)
        .collect()
}

/// Panics unless every case has its own diagnostic with the right summary and snippet.
fn assert_each_case_diagnosed(tf: &Terraform, cases: &[Case], out: &Output) {
    out.assert_code(1);
    let blocks = error_blocks(out);
    let mut failures = Vec::new();
    for (i, c) in cases.iter().enumerate() {
        let resource = format!("in resource \"maia_connection\" \"case_{i:02}\":");
        let found = blocks
            .iter()
            .find(|b| b.starts_with(c.summary) && b.contains(&resource) && b.contains(&c.snippet));
        if found.is_none() {
            let mine: Vec<&String> = blocks.iter().filter(|b| b.contains(&resource)).collect();
            failures.push(format!(
                "case_{i:02}: expected {:?} showing {:?}; its diagnostics: {mine:#?}",
                c.summary, c.snippet
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{tf}: {} of {} cases not diagnosed as expected:\n{}\n\nfull output:\n{out}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

fn plan(tf: &Terraform, emu: &LiveEmulator, config: &str) -> Output {
    let mut wd = tf.workdir();
    wd.env("MAIA_ENDPOINT", &emu.base_url())
        .env("MAIA_TOKEN", "maia-emulator-token")
        .write_config(config);
    wd.run(&["plan", "-no-color"])
}

fn assert_no_requests(tf: &Terraform, emu: &LiveEmulator) {
    assert!(emu.requests().is_empty(), "{tf}: {:?}", emu.requests());
    assert_eq!(emu.token_requests(), 0, "{tf}");
}

#[test]
fn every_invalid_configuration_is_diagnosed_at_plan_on_its_line_with_no_request() {
    let tf = Terraform::get(TfVersion::V1_15_5);
    let emu = LiveEmulator::start();
    let cases = cases();
    assert!(cases.len() >= 25);
    let out = plan(&tf, &emu, &config_of(&cases));
    assert_each_case_diagnosed(&tf, &cases, &out);
    assert_no_requests(&tf, &emu);
}

#[test]
fn a_variable_value_is_validated_at_plan_on_its_line_with_no_request() {
    // Input variables are unknown while Terraform validates, so this rule
    // fires in the plan walk instead, after the provider is configured.
    for tf in [
        Terraform::get(TfVersion::V1_15_5),
        Terraform::get(TfVersion::V1_0_3),
    ] {
        let emu = LiveEmulator::start();
        let cases = vec![case(
            &generic("").replace(r#"name = "n""#, "name = var.connection_name"),
            "Empty name",
            "name = var.connection_name",
        )];
        let config = format!(
            "{}\nvariable \"connection_name\" {{\n  type    = string\n  default = \" \"\n}}\n",
            config_of(&cases)
        );
        let out = plan(&tf, &emu, &config);
        assert_each_case_diagnosed(&tf, &cases, &out);
        assert_no_requests(&tf, &emu);
    }
}

#[test]
fn the_provider_rules_are_diagnosed_the_same_on_terraform_1_0_3() {
    let tf = Terraform::get(TfVersion::V1_0_3);
    let emu = LiveEmulator::start();
    // The provider's own rules and the combinations table (the first 30
    // cases); Terraform's schema checks word their summaries differently
    // across versions.
    let cases: Vec<Case> = cases().into_iter().take(30).collect();
    let out = plan(&tf, &emu, &config_of(&cases));
    assert_each_case_diagnosed(&tf, &cases, &out);
    assert_no_requests(&tf, &emu);
}
