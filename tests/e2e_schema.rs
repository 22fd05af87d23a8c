//! Real Terraform 1.15.5 and 1.0.3 load the provider through dev_overrides,
//! and `terraform providers schema -json` shows its schema as declared.

mod support;

use support::terraform::{self, TfVersion};

const CONFIG: &str = r#"
terraform {
  required_providers {
    maia = { source = "matillion/maia" }
  }
}
"#;

#[test]
fn terraform_providers_schema_json_returns_the_provider_schema() {
    for tf in terraform::all() {
        let mut wd = tf.workdir();
        wd.write_config(CONFIG);
        let out = wd.run(&["providers", "schema", "-json"]);
        out.assert_success();
        let json: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{tf}: not JSON ({e}):\n{out}"));
        let maia = &json["provider_schemas"]["registry.terraform.io/matillion/maia"];
        let provider = &maia["provider"]["block"]["attributes"];
        for secret in ["token", "client_secret"] {
            assert_eq!(
                provider[secret]["sensitive"], true,
                "{tf}: provider.{secret} must be sensitive"
            );
        }
        for arg in [
            "region",
            "endpoint",
            "client_id",
            "token_url",
            "max_retries",
        ] {
            assert_eq!(provider[arg]["optional"], true, "{tf}: provider.{arg}");
        }
        let conn = &maia["resource_schemas"]["maia_connection"]["block"];
        for required in [
            "project_id",
            "name",
            "platform_connection_type",
            "auth_type",
        ] {
            assert_eq!(
                conn["attributes"][required]["required"], true,
                "{tf}: {required}"
            );
        }
        assert_eq!(conn["attributes"]["auth_provider"]["optional"], true);
        assert_eq!(conn["attributes"]["auth_provider"]["computed"], true);
        for computed in ["id", "created_by", "created_date"] {
            assert_eq!(
                conn["attributes"][computed]["computed"], true,
                "{tf}: {computed}"
            );
        }
        for block in ["secrets_location", "connection_properties"] {
            assert_eq!(
                conn["block_types"][block]["nesting_mode"], "list",
                "{tf}: {block}"
            );
            assert_eq!(conn["block_types"][block]["max_items"], 1, "{tf}: {block}");
        }
        assert_eq!(
            conn["block_types"]["secrets_location"]["block"]["attributes"]["type"]["required"],
            true
        );
        if tf.version() == TfVersion::V1_15_5 {
            let identity = &maia["resource_identity_schemas"]["maia_connection"]["attributes"];
            for attr in ["project_id", "name"] {
                assert_eq!(
                    identity[attr]["required_for_import"], true,
                    "{tf}: identity {attr}: {identity}"
                );
            }
        }
    }
}
