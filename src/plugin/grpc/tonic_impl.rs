//! The generated `tfplugin6.Provider` service trait, implemented by
//! dispatching to [`ProviderService`]. Every RPC answers with a response
//! message; failures travel as diagnostics, never as gRPC errors.

use futures::stream;
use tonic::{Request, Response, Status, Streaming};

use super::convert;
use super::service::ProviderService;
use super::unsupported::{self, Feature};
use crate::plugin::diagnostics::Diagnostics;
use crate::plugin::proto::tfplugin6 as pb;
use pb::provider_server::Provider as ProviderRpc;

type Rpc<T> = Result<Response<T>, Status>;

/// A stream of a fixed list of messages.
pub type FixedStream<T> = stream::Iter<std::vec::IntoIter<Result<T, Status>>>;

fn fixed<T>(items: Vec<T>) -> Response<FixedStream<T>> {
    Response::new(stream::iter(items.into_iter().map(Ok).collect::<Vec<_>>()))
}

/// Diagnostics on either side of a result, as protobuf messages.
fn diags(r: Result<Diagnostics, Diagnostics>) -> Vec<pb::Diagnostic> {
    match r {
        Ok(d) | Err(d) => convert::diagnostics(&d),
    }
}

#[tonic::async_trait]
impl ProviderRpc for ProviderService {
    async fn get_metadata(
        &self,
        _: Request<pb::get_metadata::Request>,
    ) -> Rpc<pb::get_metadata::Response> {
        tracing::debug!(rpc = "GetMetadata");
        Ok(Response::new(ProviderService::get_metadata(self)))
    }

    async fn get_provider_schema(
        &self,
        _: Request<pb::get_provider_schema::Request>,
    ) -> Rpc<pb::get_provider_schema::Response> {
        tracing::debug!(rpc = "GetProviderSchema");
        Ok(Response::new(self.schema_response.clone()))
    }

    async fn validate_provider_config(
        &self,
        req: Request<pb::validate_provider_config::Request>,
    ) -> Rpc<pb::validate_provider_config::Response> {
        tracing::debug!(rpc = "ValidateProviderConfig");
        let r = ProviderService::validate_provider_config(self, req.into_inner()).await;
        Ok(Response::new(pb::validate_provider_config::Response {
            diagnostics: diags(r),
        }))
    }

    async fn validate_resource_config(
        &self,
        req: Request<pb::validate_resource_config::Request>,
    ) -> Rpc<pb::validate_resource_config::Response> {
        let req = req.into_inner();
        tracing::debug!(rpc = "ValidateResourceConfig", type_name = %req.type_name);
        let r = ProviderService::validate_resource_config(self, req).await;
        Ok(Response::new(pb::validate_resource_config::Response {
            diagnostics: diags(r),
        }))
    }

    async fn validate_data_resource_config(
        &self,
        req: Request<pb::validate_data_resource_config::Request>,
    ) -> Rpc<pb::validate_data_resource_config::Response> {
        Ok(Response::new(pb::validate_data_resource_config::Response {
            diagnostics: unsupported::no_such_pb(Feature::DataSource, &req.get_ref().type_name),
        }))
    }

    async fn upgrade_resource_state(
        &self,
        req: Request<pb::upgrade_resource_state::Request>,
    ) -> Rpc<pb::upgrade_resource_state::Response> {
        let req = req.into_inner();
        tracing::debug!(rpc = "UpgradeResourceState", type_name = %req.type_name, version = req.version);
        let resp = ProviderService::upgrade_resource_state(self, req).unwrap_or_else(|d| {
            pb::upgrade_resource_state::Response {
                upgraded_state: None,
                diagnostics: convert::diagnostics(&d),
            }
        });
        Ok(Response::new(resp))
    }

    async fn get_resource_identity_schemas(
        &self,
        _: Request<pb::get_resource_identity_schemas::Request>,
    ) -> Rpc<pb::get_resource_identity_schemas::Response> {
        tracing::debug!(rpc = "GetResourceIdentitySchemas");
        Ok(Response::new(
            ProviderService::get_resource_identity_schemas(self),
        ))
    }

    async fn upgrade_resource_identity(
        &self,
        req: Request<pb::upgrade_resource_identity::Request>,
    ) -> Rpc<pb::upgrade_resource_identity::Response> {
        let req = req.into_inner();
        tracing::debug!(rpc = "UpgradeResourceIdentity", type_name = %req.type_name, version = req.version);
        let resp = ProviderService::upgrade_resource_identity(self, req).unwrap_or_else(|d| {
            pb::upgrade_resource_identity::Response {
                upgraded_identity: None,
                diagnostics: convert::diagnostics(&d),
            }
        });
        Ok(Response::new(resp))
    }

    async fn configure_provider(
        &self,
        req: Request<pb::configure_provider::Request>,
    ) -> Rpc<pb::configure_provider::Response> {
        let req = req.into_inner();
        tracing::debug!(rpc = "ConfigureProvider", terraform_version = %req.terraform_version);
        let r = ProviderService::configure_provider(self, req).await;
        Ok(Response::new(pb::configure_provider::Response {
            diagnostics: diags(r),
        }))
    }

    async fn read_resource(
        &self,
        req: Request<pb::read_resource::Request>,
    ) -> Rpc<pb::read_resource::Response> {
        let req = req.into_inner();
        tracing::debug!(rpc = "ReadResource", type_name = %req.type_name);
        let resp = ProviderService::read_resource(self, req)
            .await
            .unwrap_or_else(|d| pb::read_resource::Response {
                diagnostics: convert::diagnostics(&d),
                ..Default::default()
            });
        Ok(Response::new(resp))
    }

    async fn plan_resource_change(
        &self,
        req: Request<pb::plan_resource_change::Request>,
    ) -> Rpc<pb::plan_resource_change::Response> {
        let req = req.into_inner();
        tracing::debug!(rpc = "PlanResourceChange", type_name = %req.type_name);
        let resp = ProviderService::plan_resource_change(self, req)
            .await
            .unwrap_or_else(|d| pb::plan_resource_change::Response {
                diagnostics: convert::diagnostics(&d),
                ..Default::default()
            });
        Ok(Response::new(resp))
    }

    async fn apply_resource_change(
        &self,
        req: Request<pb::apply_resource_change::Request>,
    ) -> Rpc<pb::apply_resource_change::Response> {
        let req = req.into_inner();
        tracing::debug!(rpc = "ApplyResourceChange", type_name = %req.type_name);
        let resp = ProviderService::apply_resource_change(self, req)
            .await
            .unwrap_or_else(|d| pb::apply_resource_change::Response {
                diagnostics: convert::diagnostics(&d),
                ..Default::default()
            });
        Ok(Response::new(resp))
    }

    async fn import_resource_state(
        &self,
        req: Request<pb::import_resource_state::Request>,
    ) -> Rpc<pb::import_resource_state::Response> {
        let req = req.into_inner();
        tracing::debug!(rpc = "ImportResourceState", type_name = %req.type_name);
        let resp = ProviderService::import_resource_state(self, req)
            .await
            .unwrap_or_else(|d| pb::import_resource_state::Response {
                diagnostics: convert::diagnostics(&d),
                ..Default::default()
            });
        Ok(Response::new(resp))
    }

    async fn move_resource_state(
        &self,
        req: Request<pb::move_resource_state::Request>,
    ) -> Rpc<pb::move_resource_state::Response> {
        Ok(Response::new(pb::move_resource_state::Response {
            diagnostics: unsupported::move_resource_state(req.get_ref()),
            ..Default::default()
        }))
    }

    async fn read_data_source(
        &self,
        req: Request<pb::read_data_source::Request>,
    ) -> Rpc<pb::read_data_source::Response> {
        Ok(Response::new(pb::read_data_source::Response {
            diagnostics: unsupported::no_such_pb(Feature::DataSource, &req.get_ref().type_name),
            ..Default::default()
        }))
    }

    async fn generate_resource_config(
        &self,
        req: Request<pb::generate_resource_config::Request>,
    ) -> Rpc<pb::generate_resource_config::Response> {
        Ok(Response::new(pb::generate_resource_config::Response {
            config: None,
            diagnostics: unsupported::generate_resource_config(&req.get_ref().type_name),
        }))
    }

    async fn validate_ephemeral_resource_config(
        &self,
        req: Request<pb::validate_ephemeral_resource_config::Request>,
    ) -> Rpc<pb::validate_ephemeral_resource_config::Response> {
        Ok(Response::new(
            pb::validate_ephemeral_resource_config::Response {
                diagnostics: unsupported::no_such_pb(
                    Feature::EphemeralResource,
                    &req.get_ref().type_name,
                ),
            },
        ))
    }

    async fn open_ephemeral_resource(
        &self,
        req: Request<pb::open_ephemeral_resource::Request>,
    ) -> Rpc<pb::open_ephemeral_resource::Response> {
        Ok(Response::new(pb::open_ephemeral_resource::Response {
            diagnostics: unsupported::no_such_pb(
                Feature::EphemeralResource,
                &req.get_ref().type_name,
            ),
            ..Default::default()
        }))
    }

    async fn renew_ephemeral_resource(
        &self,
        req: Request<pb::renew_ephemeral_resource::Request>,
    ) -> Rpc<pb::renew_ephemeral_resource::Response> {
        Ok(Response::new(pb::renew_ephemeral_resource::Response {
            diagnostics: unsupported::no_such_pb(
                Feature::EphemeralResource,
                &req.get_ref().type_name,
            ),
            ..Default::default()
        }))
    }

    async fn close_ephemeral_resource(
        &self,
        req: Request<pb::close_ephemeral_resource::Request>,
    ) -> Rpc<pb::close_ephemeral_resource::Response> {
        Ok(Response::new(pb::close_ephemeral_resource::Response {
            diagnostics: unsupported::no_such_pb(
                Feature::EphemeralResource,
                &req.get_ref().type_name,
            ),
        }))
    }

    type ListResourceStream = FixedStream<pb::list_resource::Event>;

    async fn list_resource(
        &self,
        req: Request<pb::list_resource::Request>,
    ) -> Rpc<Self::ListResourceStream> {
        Ok(fixed(vec![pb::list_resource::Event {
            diagnostic: unsupported::no_such_pb(Feature::ListResource, &req.get_ref().type_name),
            ..Default::default()
        }]))
    }

    async fn validate_list_resource_config(
        &self,
        req: Request<pb::validate_list_resource_config::Request>,
    ) -> Rpc<pb::validate_list_resource_config::Response> {
        Ok(Response::new(pb::validate_list_resource_config::Response {
            diagnostics: unsupported::no_such_pb(Feature::ListResource, &req.get_ref().type_name),
        }))
    }

    async fn get_functions(
        &self,
        _: Request<pb::get_functions::Request>,
    ) -> Rpc<pb::get_functions::Response> {
        Ok(Response::new(pb::get_functions::Response::default()))
    }

    async fn call_function(
        &self,
        req: Request<pb::call_function::Request>,
    ) -> Rpc<pb::call_function::Response> {
        let d = unsupported::no_such(Feature::Function, &req.get_ref().name);
        Ok(Response::new(pb::call_function::Response {
            result: None,
            error: Some(pb::FunctionError {
                text: d.detail,
                function_argument: None,
            }),
        }))
    }

    async fn validate_state_store_config(
        &self,
        req: Request<pb::validate_state_store::Request>,
    ) -> Rpc<pb::validate_state_store::Response> {
        Ok(Response::new(pb::validate_state_store::Response {
            diagnostics: unsupported::no_such_pb(Feature::StateStore, &req.get_ref().type_name),
        }))
    }

    async fn configure_state_store(
        &self,
        req: Request<pb::configure_state_store::Request>,
    ) -> Rpc<pb::configure_state_store::Response> {
        Ok(Response::new(pb::configure_state_store::Response {
            diagnostics: unsupported::no_such_pb(Feature::StateStore, &req.get_ref().type_name),
        }))
    }

    type ReadStateBytesStream = FixedStream<pb::read_state_bytes::Response>;

    async fn read_state_bytes(
        &self,
        req: Request<pb::read_state_bytes::Request>,
    ) -> Rpc<Self::ReadStateBytesStream> {
        Ok(fixed(vec![pb::read_state_bytes::Response {
            diagnostics: unsupported::no_such_pb(Feature::StateStore, &req.get_ref().type_name),
            ..Default::default()
        }]))
    }

    async fn write_state_bytes(
        &self,
        req: Request<Streaming<pb::write_state_bytes::RequestChunk>>,
    ) -> Rpc<pb::write_state_bytes::Response> {
        // The type name travels in the chunks; look at the first one only.
        let mut chunks = req.into_inner();
        let type_name = match chunks.message().await {
            Ok(Some(c)) => c.type_name,
            _ => String::new(),
        };
        Ok(Response::new(pb::write_state_bytes::Response {
            diagnostics: unsupported::no_such_pb(Feature::StateStore, &type_name),
        }))
    }

    async fn get_states(
        &self,
        req: Request<pb::get_states::Request>,
    ) -> Rpc<pb::get_states::Response> {
        Ok(Response::new(pb::get_states::Response {
            state_id: Vec::new(),
            diagnostics: unsupported::no_such_pb(Feature::StateStore, &req.get_ref().type_name),
        }))
    }

    async fn delete_state(
        &self,
        req: Request<pb::delete_state::Request>,
    ) -> Rpc<pb::delete_state::Response> {
        Ok(Response::new(pb::delete_state::Response {
            diagnostics: unsupported::no_such_pb(Feature::StateStore, &req.get_ref().type_name),
        }))
    }

    async fn plan_action(
        &self,
        req: Request<pb::plan_action::Request>,
    ) -> Rpc<pb::plan_action::Response> {
        Ok(Response::new(pb::plan_action::Response {
            diagnostics: unsupported::no_such_pb(Feature::Action, &req.get_ref().action_type),
            deferred: None,
        }))
    }

    type InvokeActionStream = FixedStream<pb::invoke_action::Event>;

    async fn invoke_action(
        &self,
        req: Request<pb::invoke_action::Request>,
    ) -> Rpc<Self::InvokeActionStream> {
        use pb::invoke_action::event::{Completed, Type};
        Ok(fixed(vec![pb::invoke_action::Event {
            r#type: Some(Type::Completed(Completed {
                diagnostics: unsupported::no_such_pb(Feature::Action, &req.get_ref().action_type),
            })),
        }]))
    }

    async fn validate_action_config(
        &self,
        req: Request<pb::validate_action_config::Request>,
    ) -> Rpc<pb::validate_action_config::Response> {
        Ok(Response::new(pb::validate_action_config::Response {
            diagnostics: unsupported::no_such_pb(Feature::Action, &req.get_ref().type_name),
        }))
    }

    async fn stop_provider(
        &self,
        _: Request<pb::stop_provider::Request>,
    ) -> Rpc<pb::stop_provider::Response> {
        tracing::debug!(rpc = "StopProvider");
        self.stop.stop();
        Ok(Response::new(pb::stop_provider::Response {
            error: String::new(),
        }))
    }
}
