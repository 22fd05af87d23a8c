//! Answers for the parts of the protocol this provider layer does not offer
//! (data sources, ephemeral resources, list resources, actions, state
//! stores, functions, moves, config generation): a clear error diagnostic,
//! never a gRPC `Unimplemented`.

use crate::plugin::diagnostics::{Diagnostic, Diagnostics};
use crate::plugin::proto::tfplugin6 as pb;

use super::convert;

/// The kinds of provider feature this layer does not implement.
#[derive(Debug, Clone, Copy)]
pub enum Feature {
    /// Data sources.
    DataSource,
    /// Ephemeral resources.
    EphemeralResource,
    /// List resources (`terraform query`).
    ListResource,
    /// Actions.
    Action,
    /// Pluggable state storage.
    StateStore,
    /// Provider-defined functions.
    Function,
}

impl Feature {
    fn noun(self) -> &'static str {
        match self {
            Feature::DataSource => "data source",
            Feature::EphemeralResource => "ephemeral resource",
            Feature::ListResource => "list resource",
            Feature::Action => "action",
            Feature::StateStore => "state store",
            Feature::Function => "function",
        }
    }
}

/// "This provider has no {noun} named X" as an error diagnostic.
pub fn no_such(feature: Feature, name: &str) -> Diagnostic {
    let noun = feature.noun();
    Diagnostic::error(
        format!("Unknown {noun}"),
        format!("This provider has no {noun} named \"{name}\"; it does not offer any {noun}s."),
    )
}

/// [`no_such`] as protobuf diagnostics.
pub fn no_such_pb(feature: Feature, name: &str) -> Vec<pb::Diagnostic> {
    convert::diagnostics(&no_such(feature, name).into())
}

/// The answer to `MoveResourceState`.
pub fn move_resource_state(req: &pb::move_resource_state::Request) -> Vec<pb::Diagnostic> {
    let d = Diagnostic::error(
        "Moving resource state is not supported",
        format!(
            "This provider cannot move state from \"{}\" (provider {}) into \"{}\". Remove the `moved` block and import the object into the new address instead.",
            req.source_type_name, req.source_provider_address, req.target_type_name
        ),
    );
    convert::diagnostics(&Diagnostics::from(d))
}

/// The answer to `GenerateResourceConfig`.
pub fn generate_resource_config(type_name: &str) -> Vec<pb::Diagnostic> {
    let d = Diagnostic::error(
        "Configuration generation is not supported",
        format!(
            "This provider cannot generate configuration for \"{type_name}\" from its state; write the configuration by hand."
        ),
    );
    convert::diagnostics(&Diagnostics::from(d))
}
