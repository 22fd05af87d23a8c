//! Proves the Terraform harness (`tests/support/terraform.rs`) against real Terraform 1.15.5 and
//! 1.0.3, using the Go null provider so that nothing here depends on our own provider.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::terraform::{self, group_alive, RunError, TfVersion};

const NULL_CONFIG: &str = r#"
terraform {
  required_providers {
    null = {
      source = "hashicorp/null"
    }
  }
}

resource "null_resource" "one" {
  triggers = {
    greeting = "hello"
  }
}
"#;

#[test]
fn every_terraform_reports_its_own_version() {
    for tf in terraform::all() {
        let out = tf.workdir().run(&["version"]);
        out.assert_success();
        let first = out.stdout.lines().next().unwrap_or_default();
        assert_eq!(
            first,
            format!("Terraform v{}", tf.version().as_str()),
            "\n{out}"
        );
    }
}

#[test]
#[should_panic(expected = "run `make test` (scripts/fetch-tools) first")]
fn a_missing_tool_variable_fails_the_test_with_a_hint() {
    terraform::required_path("MAIA_HARNESS_VARIABLE_NEVER_SET", "a tool");
}

#[test]
fn versions_are_listed_newest_first_and_map_to_their_env_vars() {
    let all = terraform::all();
    let versions: Vec<TfVersion> = all.iter().map(|t| t.version()).collect();
    assert_eq!(versions, vec![TfVersion::V1_15_5, TfVersion::V1_0_3]);
    for tf in &all {
        let from_env = std::env::var(tf.version().env_var()).unwrap_or_default();
        assert_eq!(Path::new(&from_env), tf.bin());
    }
}

#[test]
fn null_resource_plans_applies_and_then_has_no_changes_on_every_version() {
    for tf in terraform::all() {
        let mut wd = tf.workdir();
        wd.with_null_provider().write_config(NULL_CONFIG);

        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_code(2)
            .assert_stdout_contains("null_resource.one will be created");

        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_success()
            .assert_stdout_contains("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.");
        let state = wd.read_file("terraform.tfstate");
        assert!(
            state.contains("\"null_resource\""),
            "{tf}: state was {state}"
        );

        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_success()
            .assert_stdout_contains("No changes.");
    }
}

#[test]
fn chdir_runs_terraform_on_another_directory() {
    for tf in terraform::all() {
        let mut wd = tf.workdir();
        wd.with_null_provider()
            .write_file("sub/main.tf", NULL_CONFIG);
        wd.run(&["-chdir=sub", "plan", "-detailed-exitcode", "-no-color"])
            .assert_code(2)
            .assert_stdout_contains("null_resource.one will be created");
    }
}

#[test]
fn dev_override_warning_names_our_provider_and_the_cli_config_links_its_binary() {
    for tf in terraform::all() {
        let mut wd = tf.workdir();
        wd.with_null_provider().write_config(NULL_CONFIG);
        let out = wd.run(&["plan", "-no-color"]);
        out.assert_success();
        let all_output = format!("{}{}", out.stdout, out.stderr);
        assert!(
            all_output.contains("Provider development overrides are in effect")
                && all_output.contains("matillion/maia")
                && all_output.contains("hashicorp/null"),
            "{out}"
        );

        let config = std::fs::read_to_string(wd.cli_config_path()).unwrap_or_default();
        assert!(config.contains("\"matillion/maia\" = "), "{config}");
        let link = wd
            .cli_config_path()
            .with_file_name("plugins")
            .join("matillion-maia")
            .join("terraform-provider-maia");
        let target = std::fs::read_link(&link).unwrap_or_default();
        assert_eq!(target, terraform::provider_binary());
    }
}

#[test]
fn extra_environment_reaches_terraform() {
    for tf in terraform::all() {
        let mut wd = tf.workdir();
        wd.env("TF_VAR_greeting", "from-the-harness").write_config(
            r#"
variable "greeting" {
  type    = string
  default = "default"
}

output "greeting" {
  value = var.greeting
}
"#,
        );
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_success();
        wd.run(&["output", "-raw", "greeting"])
            .assert_success()
            .assert_stdout_contains("from-the-harness");
    }
}

#[test]
fn a_run_past_its_timeout_is_killed_with_its_whole_process_group() {
    let tf = terraform::Terraform::get(TfVersion::V1_15_5);
    let mut wd = tf.workdir();
    wd.with_null_provider()
        .timeout(Duration::from_secs(10))
        .write_config(
            r#"
resource "null_resource" "slow" {
  provisioner "local-exec" {
    command = "sleep 60"
  }
}
"#,
        );
    let started = Instant::now();
    match wd.try_run(&["apply", "-auto-approve", "-no-color"]) {
        Err(RunError::TimedOut { output, .. }) => {
            assert!(started.elapsed() < Duration::from_secs(30), "{output}");
            // The provisioner's `sleep` had started, so there was a grandchild to kill.
            assert!(
                output.stdout.contains("Provisioning with 'local-exec'"),
                "{output}"
            );
            assert!(
                !group_alive(output.pid),
                "processes of group {} outlived the timeout",
                output.pid
            );
        }
        Err(other) => panic!("expected a timeout, got: {other}"),
        Ok(out) => panic!("expected a timeout, but it finished:\n{out}"),
    }
}
