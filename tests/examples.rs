//! Every example in examples/ validates and plans without error against the
//! emulator, on both Terraform versions (import blocks on 1.15.5 only).

mod support;

use std::path::{Path, PathBuf};

use support::emulator::LiveEmulator;
use support::terraform::{self, Terraform, TfVersion, Workdir};

fn example(rel: &str) -> String {
    let p: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{} must exist: {e}", p.display()))
}

fn workdir(tf: &Terraform, emu: &LiveEmulator) -> Workdir {
    let mut wd = tf.workdir();
    wd.env("MAIA_ENDPOINT", &emu.base_url())
        .env("MAIA_TOKEN", "maia-emulator-token");
    wd
}

#[test]
fn provider_and_resource_examples_validate_and_plan() {
    for tf in terraform::all() {
        let emu = LiveEmulator::start();
        let mut wd = workdir(&tf, &emu);
        wd.write_file("provider.tf", &example("provider/provider.tf"));
        wd.write_file(
            "resource.tf",
            &example("resources/maia_connection/resource.tf"),
        );
        wd.run(&["validate", "-no-color"]).assert_success();
        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_code(2)
            .assert_stdout_contains("3 to add, 0 to change, 0 to destroy");
    }
}

#[test]
fn quickstart_validates_and_plans() {
    for tf in terraform::all() {
        let emu = LiveEmulator::start();
        let mut wd = workdir(&tf, &emu);
        wd.write_file("main.tf", &example("quickstart/main.tf"));
        wd.run(&["validate", "-no-color"]).assert_success();
        wd.run(&["plan", "-detailed-exitcode", "-no-color"])
            .assert_code(2);
    }
}

/// The `terraform import ...` lines of import.sh, as argument lists.
fn import_commands() -> Vec<Vec<String>> {
    example("resources/maia_connection/import.sh")
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("terraform import "))
        .map(|l| l.split_whitespace().skip(1).map(str::to_string).collect())
        .collect()
}

#[test]
fn import_sh_imports_an_existing_connection() {
    let commands = import_commands();
    assert!(
        !commands.is_empty(),
        "import.sh has no terraform import line"
    );
    for tf in terraform::all() {
        let emu = LiveEmulator::start();
        let mut wd = workdir(&tf, &emu);
        wd.write_file("provider.tf", &example("provider/provider.tf"));
        wd.write_file(
            "resource.tf",
            &example("resources/maia_connection/resource.tf"),
        );
        wd.run(&["apply", "-auto-approve", "-no-color"])
            .assert_success();
        std::fs::remove_file(wd.path().join("terraform.tfstate")).expect("state written by apply");
        for args in &commands {
            let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
            argv.insert(1, "-no-color");
            wd.run(&argv)
                .assert_success()
                .assert_stdout_contains("Import successful");
        }
    }
}

#[test]
fn import_block_example_plans_the_imports() {
    let tf = Terraform::get(TfVersion::V1_15_5);
    let emu = LiveEmulator::start();
    let mut wd = workdir(&tf, &emu);
    wd.write_file("provider.tf", &example("provider/provider.tf"));
    wd.write_file(
        "resource.tf",
        &example("resources/maia_connection/resource.tf"),
    );
    wd.run(&["apply", "-auto-approve", "-no-color"])
        .assert_success();
    std::fs::remove_file(wd.path().join("terraform.tfstate")).expect("state written by apply");
    wd.write_file(
        "import.tf",
        &example("resources/maia_connection/import-block.tf"),
    );
    wd.run(&["plan", "-no-color"])
        .assert_success()
        .assert_stdout_contains("2 to import");
}
