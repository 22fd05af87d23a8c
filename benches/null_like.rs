//! A plugin for `scripts/bench`, not a benchmark of its own: our protocol layer
//! (`src/plugin`) serving `nulllike_resource`, a resource shaped like the Go
//! provider's `null_resource` (`id` computed, `triggers` an optional map of
//! strings, no API behind it).
//!
//! Planning 1,000 of these against 1,000 `null_resource` compares the two
//! plugin stacks on the same schema; `maia_connection` against `null_resource`
//! also includes the extra work Terraform does for a larger schema.
//!
//! Started without Terraform's handshake environment (as `cargo bench` and
//! `cargo test --all-targets` do) it prints a note and exits 0.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use terraform_provider_maia::plugin::cty::{Type, Value};
use terraform_provider_maia::plugin::schema::{Attribute, Block, Schema};
use terraform_provider_maia::plugin::traits::{
    ApplyRequest, ApplyResponse, CallContext, ConfigureRequest, ImportRequest, ImportResponse,
    PlanRequest, PlanResponse, Provider, ReadRequest, ReadResponse, Resource,
};
use terraform_provider_maia::plugin::{handshake, logging, server, Diagnostic, Diagnostics};

/// The resource type served.
const TYPE_NAME: &str = "nulllike_resource";

/// A provider with no configuration and one resource.
struct NullLikeProvider;

#[async_trait]
impl Provider for NullLikeProvider {
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block::default(),
        }
    }

    fn resources(&self) -> BTreeMap<String, Arc<dyn Resource>> {
        let mut m: BTreeMap<String, Arc<dyn Resource>> = BTreeMap::new();
        m.insert(TYPE_NAME.into(), Arc::new(NullLike::default()));
        m
    }

    async fn validate_config(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn configure(&self, _ctx: &CallContext, _req: ConfigureRequest) -> Diagnostics {
        Diagnostics::new()
    }
}

/// `nulllike_resource`: ids are a per-process counter.
#[derive(Default)]
struct NullLike {
    next_id: AtomicU64,
}

#[async_trait]
impl Resource for NullLike {
    fn schema(&self) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes: vec![
                    Attribute::new("id", Type::String).computed(),
                    Attribute::new("triggers", Type::Map(Box::new(Type::String))).optional(),
                ],
                ..Block::default()
            },
        }
    }

    async fn validate(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn plan(&self, _ctx: &CallContext, req: PlanRequest) -> PlanResponse {
        let mut planned = req.proposed_new_state;
        if let Value::Object(attrs) = &mut planned {
            if req.prior_state.is_null() {
                attrs.insert("id".into(), Value::unknown());
            }
        }
        PlanResponse {
            planned_state: planned,
            ..PlanResponse::default()
        }
    }

    async fn apply(&self, _ctx: &CallContext, req: ApplyRequest) -> ApplyResponse {
        let mut state = req.planned_state;
        if let Value::Object(attrs) = &mut state {
            if !attrs.get("id").is_some_and(Value::is_wholly_known) {
                let n = self.next_id.fetch_add(1, Ordering::Relaxed);
                attrs.insert("id".into(), Value::string(format!("nulllike-{n}")));
            }
        }
        ApplyResponse {
            new_state: state,
            ..ApplyResponse::default()
        }
    }

    async fn read(&self, _ctx: &CallContext, req: ReadRequest) -> ReadResponse {
        ReadResponse {
            new_state: req.current_state,
            private: req.private,
            new_identity: req.current_identity,
            diagnostics: Diagnostics::new(),
        }
    }

    async fn import(&self, _ctx: &CallContext, _req: ImportRequest) -> ImportResponse {
        ImportResponse {
            imported: Vec::new(),
            diagnostics: Diagnostic::error(
                "Import not supported",
                "nulllike_resource has no import.",
            )
            .into(),
        }
    }
}

fn main() -> ExitCode {
    if std::env::var_os(handshake::MAGIC_COOKIE_KEY).is_none() {
        println!("null_like: a Terraform plugin used by scripts/bench; nothing to run here.");
        return ExitCode::SUCCESS;
    }
    logging::init_from_env();
    server::install_panic_hook();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(server::serve(Arc::new(NullLikeProvider)))
}
