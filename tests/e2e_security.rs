//! Security through real Terraform: credentials never leak into trace logs,
//! state or saved plans; they are `sensitive` in the schema; plain `http://`
//! is refused off loopback; the API's TLS certificate is verified, and
//! `ca_cert_file` / `MAIA_CA_CERT_FILE` adds a trusted CA.

mod support;

use std::path::Path;

use support::emulator::LiveEmulator;
use support::terraform::{Output, Terraform, TfVersion, Workdir};
use terraform_provider_maia::emulator::EmulatorConfig;

const PROJECT: &str = "550e8400-e29b-41d4-a716-446655440002";
const TOKEN: &str = "tok-7f3a9c1e5b2d4f6a8c0e-static";
const CLIENT_ID: &str = "ci-client-4471";
const CLIENT_SECRET: &str = "cs-91b2c3d4e5f60718-secret";

fn config(provider_args: &str, name: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    maia = {{ source = "matillion/maia" }}
  }}
}}
provider "maia" {{
  {provider_args}
}}
resource "maia_connection" "c" {{
  project_id               = "{PROJECT}"
  name                     = "{name}"
  platform_connection_type = "COMPONENT_BASIC"
  auth_type                = "OAUTH_CLIENT_CRED"
  auth_provider            = "salesforce"
  description              = "v1"
  connection_properties {{
    secret_name = "sf-oauth"
    secret_key  = "client_secret"
  }}
}}
"#
    )
}

/// Everything a run left behind that a credential must not appear in.
struct Evidence {
    places: Vec<(String, Vec<u8>)>,
}

impl Evidence {
    fn new() -> Self {
        Evidence { places: Vec::new() }
    }

    fn output(&mut self, out: &Output) {
        self.places.push((
            format!("{} stdout", out.command),
            out.stdout.clone().into_bytes(),
        ));
        self.places.push((
            format!("{} stderr", out.command),
            out.stderr.clone().into_bytes(),
        ));
    }

    fn file(&mut self, path: &Path) {
        let bytes =
            std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        self.places.push((path.display().to_string(), bytes));
    }

    /// Panics unless `text` occurs somewhere: a positive control showing the
    /// search finds what is there.
    fn assert_somewhere(&self, text: &str) {
        let needle = text.as_bytes();
        let hit = self
            .places
            .iter()
            .any(|(_, b)| b.windows(needle.len()).any(|w| w == needle));
        assert!(hit, "{text:?} found nowhere: the search is broken");
    }

    /// Panics if any of `secrets` occurs in any place (as bytes, so binary
    /// plan files are searched too).
    fn assert_free_of(&self, secrets: &[String]) {
        for (place, bytes) in &self.places {
            for s in secrets {
                let needle = s.as_bytes();
                assert!(!needle.is_empty());
                let hit = bytes.windows(needle.len()).any(|w| w == needle);
                assert!(!hit, "credential {s:?} leaked into {place}");
            }
        }
    }
}

/// apply, plan -out, show -json of the plan, plan, destroy, all with
/// `TF_LOG=trace` and `TF_LOG_PROVIDER=trace`; returns what to search.
fn full_cycle_with_trace(wd: &mut Workdir) -> Evidence {
    wd.tf_log("trace").env("TF_LOG_PROVIDER", "trace");
    let mut ev = Evidence::new();
    let apply = wd.run(&["apply", "-auto-approve", "-no-color"]);
    apply.assert_success();
    // The provider's own trace output really is in Terraform's log.
    apply.assert_stderr_contains("maia api response");
    ev.output(&apply);
    wd.write_config(&wd.read_file("main.tf").replace("\"v1\"", "\"v2\""));
    let plan = wd.run(&["plan", "-no-color", "-out=tfplan"]);
    plan.assert_success();
    ev.output(&plan);
    let show = wd.run(&["show", "-json", "-no-color", "tfplan"]);
    show.assert_success();
    assert!(show.stdout.contains("\"v2\""), "{show}");
    ev.output(&show);
    ev.file(&wd.path().join("tfplan"));
    let apply2 = wd.run(&["apply", "-auto-approve", "-no-color", "tfplan"]);
    apply2.assert_success();
    ev.output(&apply2);
    ev.file(&wd.path().join("terraform.tfstate"));
    let destroy = wd.run(&["destroy", "-auto-approve", "-no-color"]);
    destroy.assert_success();
    ev.output(&destroy);
    ev.file(&wd.path().join("terraform.tfstate"));
    ev.file(&wd.path().join("terraform.tfstate.backup"));
    ev
}

#[test]
fn a_static_token_appears_in_no_log_state_or_plan_file() {
    for tf in [
        Terraform::get(TfVersion::V1_15_5),
        Terraform::get(TfVersion::V1_0_3),
    ] {
        let emu = LiveEmulator::start_with(EmulatorConfig {
            tokens: vec![TOKEN.to_string()],
            ..EmulatorConfig::default()
        });
        let mut wd = tf.workdir();
        wd.env("MAIA_ENDPOINT", &emu.base_url())
            .env("MAIA_TOKEN", TOKEN)
            .write_config(&config("", "sf"));
        let ev = full_cycle_with_trace(&mut wd);
        ev.assert_somewhere("salesforce");
        ev.assert_free_of(&[TOKEN.to_string(), format!("Bearer {TOKEN}")]);
        assert!(!emu.requests().is_empty(), "{tf}: nothing was sent at all?");
    }
}

#[test]
fn client_credentials_and_issued_tokens_appear_in_no_log_state_or_plan_file() {
    let tf = Terraform::get(TfVersion::V1_15_5);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let state = dir.path().join("emulator.json");
    let emu = LiveEmulator::start_with(EmulatorConfig {
        client_id: CLIENT_ID.to_string(),
        client_secret: CLIENT_SECRET.to_string(),
        state_file: Some(state.clone()),
        ..EmulatorConfig::default()
    });
    let token_url = format!(
        "{}/oauth/dpc/token",
        emu.base_url().trim_end_matches("/dpc")
    );
    let mut wd = tf.workdir();
    wd.env("MAIA_ENDPOINT", &emu.base_url())
        .env("MAIA_CLIENT_ID", CLIENT_ID)
        .env("MAIA_CLIENT_SECRET", CLIENT_SECRET)
        .env("MAIA_TOKEN_URL", &token_url)
        .write_config(&config("", "sf"));
    let ev = full_cycle_with_trace(&mut wd);
    assert!(emu.token_requests() > 0, "client credentials were not used");

    // The access tokens the emulator issued (its state file keeps them).
    let dump: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&state).unwrap_or_else(|e| panic!("emulator state: {e}")),
    )
    .unwrap_or_else(|e| panic!("emulator state: {e}"));
    let issued: Vec<String> = dump["tokens"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    assert!(!issued.is_empty(), "no issued token found in {dump}");
    let basic = base64_of(&format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let mut secrets = vec![CLIENT_SECRET.to_string(), basic];
    for t in &issued {
        secrets.push(t.clone());
        secrets.push(format!("Bearer {t}"));
    }
    ev.assert_somewhere(CLIENT_ID);
    ev.assert_free_of(&secrets);
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}

#[test]
fn credentials_are_sensitive_in_the_provider_schema() {
    let tf = Terraform::get(TfVersion::V1_15_5);
    let mut wd = tf.workdir();
    wd.write_config(&config("", "sf"));
    let out = wd.run(&["providers", "schema", "-json"]);
    out.assert_success();
    let schema: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{out}"));
    let provider = schema["provider_schemas"]
        .as_object()
        .and_then(|m| m.iter().find(|(k, _)| k.ends_with("matillion/maia")))
        .map(|(_, v)| v["provider"]["block"]["attributes"].clone())
        .unwrap_or_else(|| panic!("no matillion/maia schema\n{out}"));
    for name in ["token", "client_secret"] {
        assert_eq!(
            provider[name]["sensitive"],
            serde_json::Value::Bool(true),
            "{name}: {}",
            provider[name]
        );
    }
    for name in ["endpoint", "client_id"] {
        assert_ne!(provider[name], serde_json::Value::Null, "{name} missing");
    }
}

#[test]
fn plain_http_off_loopback_is_refused_before_any_request() {
    for tf in [
        Terraform::get(TfVersion::V1_15_5),
        Terraform::get(TfVersion::V1_0_3),
    ] {
        // From the environment.
        let mut wd = tf.workdir();
        wd.env("MAIA_ENDPOINT", "http://203.0.113.10/dpc")
            .env("MAIA_TOKEN", TOKEN)
            .write_config(&config("", "sf"));
        let out = wd.run(&["plan", "-no-color"]);
        out.assert_code(1)
            .assert_stderr_contains("Insecure endpoint")
            .assert_stderr_contains("MAIA_ENDPOINT");
        assert!(out.elapsed.as_secs() < 30, "{out}");

        // From the provider block: the diagnostic points at the argument.
        let mut wd = tf.workdir();
        wd.env("MAIA_TOKEN", TOKEN)
            .write_config(&config(r#"endpoint = "http://maia.example.com/dpc""#, "sf"));
        let out = wd.run(&["plan", "-no-color"]);
        out.assert_code(1)
            .assert_stderr_contains("Insecure endpoint")
            .assert_stderr_contains(r#"endpoint = "http://maia.example.com/dpc""#);
        // Same for the token endpoint.
        let mut wd = tf.workdir();
        wd.env("MAIA_ENDPOINT", "https://127.0.0.1:9/dpc")
            .env("MAIA_CLIENT_ID", CLIENT_ID)
            .env("MAIA_CLIENT_SECRET", CLIENT_SECRET)
            .write_config(&config(
                r#"token_url = "http://id.example.com/oauth/dpc/token""#,
                "sf",
            ));
        wd.run(&["plan", "-no-color"])
            .assert_code(1)
            .assert_stderr_contains("Insecure token_url");
    }
}

/// A test CA and a certificate for 127.0.0.1 it issued: `(ca_pem, leaf_pem, leaf_key_pem)`.
fn test_pki(ca_name: &str) -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
    let mut ca_params =
        CertificateParams::new(Vec::<String>::new()).unwrap_or_else(|e| panic!("{e}"));
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, ca_name);
    let ca_key = KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
    let ca = CertifiedIssuer::self_signed(ca_params, ca_key).unwrap_or_else(|e| panic!("{e}"));
    let leaf_key = KeyPair::generate().unwrap_or_else(|e| panic!("{e}"));
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .unwrap_or_else(|e| panic!("{e}"))
        .signed_by(&leaf_key, &ca)
        .unwrap_or_else(|e| panic!("{e}"));
    (ca.pem(), leaf.pem(), leaf_key.serialize_pem())
}

#[test]
fn the_api_certificate_is_verified_and_ca_cert_file_adds_trust() {
    let (ca_pem, leaf_pem, key_pem) = test_pki("maia test CA");
    let (other_ca_pem, _, _) = test_pki("some other CA");
    let emu = LiveEmulator::start_with(EmulatorConfig {
        tls: Some((leaf_pem, key_pem)),
        ..EmulatorConfig::default()
    });
    assert!(emu.base_url().starts_with("https://127.0.0.1:"));
    for tf in [
        Terraform::get(TfVersion::V1_15_5),
        Terraform::get(TfVersion::V1_0_3),
    ] {
        let name = format!("tls-{}", tf.version().as_str());
        // Refused by default: the emulator's CA is not trusted.
        let mut wd = tf.workdir();
        wd.env("MAIA_ENDPOINT", &emu.base_url())
            .env("MAIA_TOKEN", "maia-emulator-token")
            .write_config(&config("", &name));
        let before = emu.requests().len();
        let out = wd.run(&["apply", "-auto-approve", "-no-color"]);
        out.assert_code(1);
        assert!(
            out.stderr.to_lowercase().contains("certificate"),
            "{tf}: the failure does not name the certificate\n{out}"
        );
        assert!(
            out.elapsed.as_secs() < 30,
            "{tf}: a TLS failure was retried at length\n{out}"
        );
        assert_eq!(emu.requests().len(), before, "{tf}: a request got through");

        // A CA file naming another CA does not help.
        wd.write_file("other-ca.pem", &other_ca_pem)
            .env("MAIA_CA_CERT_FILE", "other-ca.pem");
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_code(1);
        assert_eq!(emu.requests().len(), before, "{tf}");

        // Accepted with MAIA_CA_CERT_FILE naming the right CA.
        wd.write_file("ca.pem", &ca_pem)
            .env("MAIA_CA_CERT_FILE", "ca.pem");
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_success();
        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_code(0);
        assert!(emu
            .connections(PROJECT)
            .iter()
            .any(|c| c["name"] == name.as_str()));

        // And with the provider argument ca_cert_file.
        let mut wd = tf.workdir();
        let ca_path = wd.path().join("ca.pem");
        wd.write_file("ca.pem", &ca_pem)
            .env("MAIA_ENDPOINT", &emu.base_url())
            .env("MAIA_TOKEN", "maia-emulator-token")
            .write_config(&config(
                &format!("ca_cert_file = \"{}\"", ca_path.display()),
                &format!("{name}-arg"),
            ));
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_success();
    }
}
