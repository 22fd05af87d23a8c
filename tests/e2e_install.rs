//! Installing for real use: `scripts/install` puts the provider in the local
//! filesystem-mirror layout, and `terraform init` finds it there with no
//! dev_overrides; `scripts/release` produces the registry artefacts.

mod support;

use std::path::Path;
use std::process::Command;

use support::emulator::LiveEmulator;
use support::terraform::{self, provider_binary};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

fn run_script(name: &str, envs: &[(&str, &Path)]) -> String {
    let mut cmd = Command::new("bash");
    cmd.arg(repo().join("scripts").join(name))
        .current_dir(repo())
        .env("MAIA_PROVIDER_BINARY", provider_binary());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run scripts/{name}: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "scripts/{name} failed:\n{text}");
    text
}

#[test]
fn the_installed_mirror_build_is_found_by_terraform_init_without_dev_overrides() {
    let plugins = tempfile::tempdir().expect("temp dir");
    run_script("install", &[("MAIA_PLUGINS_DIR", plugins.path())]);
    let installed = plugins.path().join(format!(
        "registry.terraform.io/matillion/maia/{}/linux_amd64/terraform-provider-maia_v{}",
        version(),
        version()
    ));
    assert!(installed.is_file(), "{} not installed", installed.display());

    let emu = LiveEmulator::start();
    for tf in terraform::all() {
        let wd = tf.workdir();
        // A CLI configuration with no dev_overrides at all: only the mirror.
        let cli = wd.path().join("mirror.tfrc");
        std::fs::write(
            &cli,
            format!(
                "provider_installation {{\n  filesystem_mirror {{\n    path = \"{}\"\n  }}\n}}\n",
                plugins.path().display()
            ),
        )
        .expect("write CLI config");
        std::fs::write(
            wd.path().join("main.tf"),
            format!(
                "terraform {{\n  required_providers {{\n    maia = {{\n      source  = \"matillion/maia\"\n      version = \"{}\"\n    }}\n  }}\n}}\nprovider \"maia\" {{}}\nresource \"maia_connection\" \"c\" {{\n  project_id               = \"550e8400-e29b-41d4-a716-446655440002\"\n  name                     = \"mirror\"\n  platform_connection_type = \"COMPONENT_BASIC\"\n  auth_type                = \"GENERIC_SECRET\"\n}}\n",
                version()
            ),
        )
        .expect("write config");
        let run = |args: &[&str]| {
            let out = Command::new(tf.bin())
                .args(args)
                .current_dir(wd.path())
                .env("TF_CLI_CONFIG_FILE", &cli)
                .env("TF_IN_AUTOMATION", "1")
                .env("CHECKPOINT_DISABLE", "1")
                .env("TMPDIR", wd.path())
                .env("MAIA_ENDPOINT", emu.base_url())
                .env("MAIA_TOKEN", "maia-emulator-token")
                .env_remove("TF_LOG")
                .output()
                .unwrap_or_else(|e| panic!("cannot run {tf}: {e}"));
            let text = format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            (out.status.code(), text)
        };
        let (code, text) = run(&["init", "-no-color"]);
        assert_eq!(code, Some(0), "{tf} init:\n{text}");
        assert!(
            text.contains(&format!("matillion/maia v{}", version())),
            "{tf} init:\n{text}"
        );
        assert!(
            !text.contains("dev_overrides") && !text.contains("development overrides"),
            "{tf}:\n{text}"
        );
        let (code, text) = run(&["apply", "-auto-approve", "-no-color"]);
        assert_eq!(code, Some(0), "{tf} apply:\n{text}");
        let (code, text) = run(&["destroy", "-auto-approve", "-no-color"]);
        assert_eq!(code, Some(0), "{tf} destroy:\n{text}");
    }
}

#[test]
fn release_produces_the_zip_checksums_and_protocol_6_manifest() {
    let dist = tempfile::tempdir().expect("temp dir");
    run_script("release", &[("MAIA_DIST_DIR", dist.path())]);
    let name = format!("terraform-provider-maia_{}", version());
    let zip = dist.path().join(format!("{name}_linux_amd64.zip"));
    let sums = std::fs::read_to_string(dist.path().join(format!("{name}_SHA256SUMS")))
        .expect("SHA256SUMS written");
    assert!(
        sums.contains(&format!("{name}_linux_amd64.zip"))
            && sums.contains(&format!("{name}_manifest.json")),
        "{sums}"
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dist.path().join(format!("{name}_manifest.json")))
            .expect("manifest"),
    )
    .expect("manifest is JSON");
    assert_eq!(
        manifest["metadata"]["protocol_versions"],
        serde_json::json!(["6.0"])
    );
    // The zip holds exactly the versioned, executable binary.
    let check = Command::new("python3")
        .args([
            "-c",
            "import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); i=z.infolist(); print(len(i), i[0].filename, oct(i[0].external_attr >> 16))",
        ])
        .arg(&zip)
        .output()
        .expect("python3 runs");
    let listing = String::from_utf8_lossy(&check.stdout);
    assert_eq!(
        listing.trim(),
        format!("1 terraform-provider-maia_v{} 0o100755", version())
    );
    let verify = Command::new("sha256sum")
        .args(["-c", &format!("{name}_SHA256SUMS")])
        .current_dir(dist.path())
        .output()
        .expect("sha256sum");
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}
