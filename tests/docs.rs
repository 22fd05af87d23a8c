//! docs/ is generated from the provider's own schema plus examples/; this test
//! fails when a checked-in page is stale. Regenerate with `make docs`
//! (`MAIA_UPDATE_DOCS=1 cargo test --test docs`).

use std::path::{Path, PathBuf};

use terraform_provider_maia::plugin::docgen::{code_section, render_page, Page};
use terraform_provider_maia::plugin::traits::Provider;
use terraform_provider_maia::provider::MaiaProvider;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example(rel: &str) -> String {
    let p = root().join("examples").join(rel);
    std::fs::read_to_string(&p)
        .unwrap_or_else(|e| panic!("example {} must exist: {e}", p.display()))
}

/// Every generated page: (path under docs/, contents).
fn pages() -> Vec<(String, String)> {
    let provider = MaiaProvider::new();
    let provider_schema = provider.schema();
    let mut out = vec![(
        "index.md".to_string(),
        render_page(&Page {
            page_title: "Provider: Maia",
            subcategory: None,
            heading: "Maia Provider",
            block: &provider_schema.block,
            before_schema: vec![
                code_section("Example Usage", "terraform", "", &example("provider/provider.tf")),
                "## Authentication\n\nSet `token` (or `MAIA_TOKEN`) to a bearer token, or `client_id` and `client_secret` (or `MAIA_CLIENT_ID`/`MAIA_CLIENT_SECRET`, falling back to `MATILLION_CLIENT_ID`/`MATILLION_CLIENT_SECRET`) to the client credentials of a Maia API credential; the provider then obtains and renews OAuth tokens itself. Arguments in the provider block win over the environment. Credentials are never logged or stored in state.".to_string(),
            ],
            after_schema: vec![],
        }),
    )];
    for (type_name, resource) in provider.resources() {
        let schema = resource.schema();
        let short = type_name.trim_start_matches("maia_");
        let title = format!("{type_name} Resource - terraform-provider-maia");
        let heading = format!("{type_name} (Resource)");
        let dir = format!("resources/{type_name}");
        let mut after = vec![];
        let import_sh = root().join("examples").join(&dir).join("import.sh");
        if import_sh.exists() {
            after.push(code_section(
                "Import",
                "shell",
                "Import is supported using the following syntax:",
                &example(&format!("{dir}/import.sh")),
            ));
        }
        let import_tf = root().join("examples").join(&dir).join("import-block.tf");
        if import_tf.exists() {
            after.push(code_section("Import with configuration", "terraform", "With Terraform 1.5 and later, an `import` block does the same; Terraform 1.12 and later can also import by resource identity (`project_id` and `name`):", &example(&format!("{dir}/import-block.tf"))));
        }
        out.push((
            format!("resources/{short}.md"),
            render_page(&Page {
                page_title: &title,
                subcategory: Some(""),
                heading: &heading,
                block: &schema.block,
                before_schema: vec![code_section(
                    "Example Usage",
                    "terraform",
                    "",
                    &example(&format!("{dir}/resource.tf")),
                )],
                after_schema: after,
            }),
        ));
    }
    out
}

fn docs_dir() -> PathBuf {
    root().join("docs")
}

fn write_all(pages: &[(String, String)]) {
    for (rel, content) in pages {
        let p = docs_dir().join(rel);
        std::fs::create_dir_all(p.parent().unwrap_or(Path::new("."))).expect("create docs dir");
        std::fs::write(&p, content).expect("write doc page");
    }
}

#[test]
fn docs_match_the_schema_and_examples() {
    let pages = pages();
    if std::env::var_os("MAIA_UPDATE_DOCS").is_some() {
        write_all(&pages);
    }
    let mut stale = vec![];
    for (rel, expected) in &pages {
        let actual = std::fs::read_to_string(docs_dir().join(rel)).unwrap_or_default();
        if &actual != expected {
            stale.push(rel.clone());
        }
    }
    assert!(
        stale.is_empty(),
        "stale docs (run `make docs` and commit): {stale:?}"
    );
}

#[test]
fn every_schema_attribute_is_described() {
    let provider = MaiaProvider::new();
    let mut missing = vec![];
    for a in provider.schema().block.attributes {
        if a.description.trim().is_empty() {
            missing.push(format!("provider.{}", a.name));
        }
    }
    for (t, r) in provider.resources() {
        let s = r.schema();
        for a in &s.block.attributes {
            if a.description.trim().is_empty() {
                missing.push(format!("{t}.{}", a.name));
            }
        }
        for b in &s.block.blocks {
            for a in &b.block.attributes {
                if a.description.trim().is_empty() {
                    missing.push(format!("{t}.{}.{}", b.type_name, a.name));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "attributes without descriptions: {missing:?}"
    );
}
