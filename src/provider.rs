//! The Maia provider: configuration schema and the resources it serves.
//! (Skeleton: the provider work fills this in.)

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;

use crate::plugin::cty::Value;
use crate::plugin::schema::Schema;
use crate::plugin::traits::{CallContext, ConfigureRequest, Provider, Resource};
use crate::plugin::Diagnostics;

/// The `maia` provider.
#[derive(Debug, Default)]
pub struct MaiaProvider {}

impl MaiaProvider {
    /// A new, unconfigured provider.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Provider for MaiaProvider {
    fn schema(&self) -> Schema {
        Schema::default()
    }

    fn resources(&self) -> BTreeMap<String, Arc<dyn Resource>> {
        BTreeMap::new()
    }

    async fn validate_config(&self, _config: &Value) -> Diagnostics {
        Diagnostics::new()
    }

    async fn configure(&self, _ctx: &CallContext, _req: ConfigureRequest) -> Diagnostics {
        Diagnostics::new()
    }
}

pub mod config;
