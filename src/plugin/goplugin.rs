//! go-plugin's side services, which Terraform talks to next to the provider
//! service: `plugin.GRPCController` (Shutdown), `plugin.GRPCStdio`
//! (StreamStdio), `plugin.GRPCBroker` (StartStream) and `grpc.health.v1.Health`
//! (with the `plugin` service SERVING).
//!
//! All long-lived streams here end when the server's shutdown token fires, so
//! a graceful shutdown is never held open by them.

use std::pin::Pin;

use futures::{Stream, StreamExt as _};
use tokio_util::sync::CancellationToken;
use tonic::{Request, Response, Status, Streaming};

use super::proto::goplugin::grpc_broker_server::{GrpcBroker, GrpcBrokerServer};
use super::proto::goplugin::grpc_controller_server::{GrpcController, GrpcControllerServer};
use super::proto::goplugin::grpc_stdio_server::{GrpcStdio, GrpcStdioServer};
use super::proto::goplugin::{ConnInfo, Empty, StdioData};
use super::proto::health::health_check_response::ServingStatus;
use super::proto::health::health_server::{Health, HealthServer};
use super::proto::health::{HealthCheckRequest, HealthCheckResponse};

/// The health service name go-plugin hosts check.
pub const PLUGIN_HEALTH_SERVICE: &str = "plugin";

/// A boxed response stream.
pub type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// A stream that yields nothing and ends when `token` is cancelled.
fn idle_until<T: Send + 'static>(token: CancellationToken) -> BoxStream<T> {
    Box::pin(
        futures::stream::once(token.cancelled_owned())
            .filter_map(|()| futures::future::ready(None)),
    )
}

/// What `GRPCController.Shutdown` does.
#[derive(Debug, Clone)]
pub enum ShutdownPolicy {
    /// Cancel `token` (the server then stops gracefully and the process exits).
    Exit(CancellationToken),
    /// Ignore the request (debug mode: the user ends the process with Ctrl-C).
    Ignore,
}

/// `plugin.GRPCController`.
#[derive(Debug, Clone)]
pub struct Controller {
    policy: ShutdownPolicy,
}

impl Controller {
    /// A controller applying `policy` to Shutdown.
    pub fn new(policy: ShutdownPolicy) -> Self {
        Self { policy }
    }

    /// The tonic service.
    pub fn into_service(self) -> GrpcControllerServer<Self> {
        GrpcControllerServer::new(self)
    }
}

#[tonic::async_trait]
impl GrpcController for Controller {
    async fn shutdown(&self, _request: Request<Empty>) -> Result<Response<Empty>, Status> {
        match &self.policy {
            ShutdownPolicy::Exit(token) => {
                tracing::debug!("GRPCController.Shutdown: stopping");
                // The response is in flight, so the graceful stop still delivers it.
                token.cancel();
            }
            ShutdownPolicy::Ignore => {
                tracing::info!("GRPCController.Shutdown ignored in debug mode");
            }
        }
        Ok(Response::new(Empty {}))
    }
}

/// `plugin.GRPCStdio`: this provider does not redirect its stdout/stderr, so
/// the stream stays open and empty until shutdown.
#[derive(Debug, Clone)]
pub struct Stdio {
    shutdown: CancellationToken,
}

impl Stdio {
    /// A stdio service whose streams end on `shutdown`.
    pub fn new(shutdown: CancellationToken) -> Self {
        Self { shutdown }
    }

    /// The tonic service.
    pub fn into_service(self) -> GrpcStdioServer<Self> {
        GrpcStdioServer::new(self)
    }
}

#[tonic::async_trait]
impl GrpcStdio for Stdio {
    type StreamStdioStream = BoxStream<StdioData>;

    async fn stream_stdio(
        &self,
        _request: Request<()>,
    ) -> Result<Response<Self::StreamStdioStream>, Status> {
        Ok(Response::new(idle_until(self.shutdown.clone())))
    }
}

/// `plugin.GRPCBroker`: the provider needs no brokered connections; the
/// stream is accepted, its messages are read and ignored, and nothing is sent.
#[derive(Debug, Clone)]
pub struct Broker {
    shutdown: CancellationToken,
}

impl Broker {
    /// A broker whose streams end on `shutdown`.
    pub fn new(shutdown: CancellationToken) -> Self {
        Self { shutdown }
    }

    /// The tonic service.
    pub fn into_service(self) -> GrpcBrokerServer<Self> {
        GrpcBrokerServer::new(self)
    }
}

#[tonic::async_trait]
impl GrpcBroker for Broker {
    type StartStreamStream = BoxStream<ConnInfo>;

    async fn start_stream(
        &self,
        request: Request<Streaming<ConnInfo>>,
    ) -> Result<Response<Self::StartStreamStream>, Status> {
        let mut inbound = request.into_inner();
        let done = self.shutdown.child_token();
        let reader_done = done.clone();
        // Drain what the host sends so its flow-control window never fills;
        // when it closes its side, close ours too.
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = reader_done.cancelled() => break,
                    msg = inbound.next() => match msg {
                        Some(Ok(info)) => tracing::trace!(
                            service_id = info.service_id,
                            "broker message ignored"
                        ),
                        Some(Err(_)) | None => break,
                    },
                }
            }
            reader_done.cancel();
        });
        Ok(Response::new(idle_until(done)))
    }
}

/// `grpc.health.v1.Health`: the server and the `plugin` service are SERVING
/// until shutdown; other names are unknown.
#[derive(Debug, Clone)]
pub struct HealthService {
    shutdown: CancellationToken,
}

impl HealthService {
    /// A health service whose Watch streams end on `shutdown`.
    pub fn new(shutdown: CancellationToken) -> Self {
        Self { shutdown }
    }

    /// The tonic service.
    pub fn into_service(self) -> HealthServer<Self> {
        HealthServer::new(self)
    }

    fn status(&self, service: &str) -> Option<ServingStatus> {
        if service.is_empty() || service == PLUGIN_HEALTH_SERVICE {
            Some(if self.shutdown.is_cancelled() {
                ServingStatus::NotServing
            } else {
                ServingStatus::Serving
            })
        } else {
            None
        }
    }
}

#[tonic::async_trait]
impl Health for HealthService {
    async fn check(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        let service = request.into_inner().service;
        match self.status(&service) {
            Some(s) => Ok(Response::new(HealthCheckResponse { status: s as i32 })),
            None => Err(Status::not_found(format!("unknown service {service:?}"))),
        }
    }

    type WatchStream = BoxStream<HealthCheckResponse>;

    async fn watch(
        &self,
        request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        let service = request.into_inner().service;
        let status = self
            .status(&service)
            .unwrap_or(ServingStatus::ServiceUnknown);
        let first = futures::stream::once(futures::future::ready(Ok(HealthCheckResponse {
            status: status as i32,
        })));
        Ok(Response::new(Box::pin(
            first.chain(idle_until(self.shutdown.clone())),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn health_reports_plugin_serving_and_unknown_not_found() {
        let token = CancellationToken::new();
        let h = HealthService::new(token.clone());
        for name in ["plugin", ""] {
            let r = h
                .check(Request::new(HealthCheckRequest {
                    service: name.into(),
                }))
                .await
                .unwrap();
            assert_eq!(r.into_inner().status, ServingStatus::Serving as i32);
        }
        let err = h
            .check(Request::new(HealthCheckRequest {
                service: "nope".into(),
            }))
            .await
            .unwrap_err();
        assert_eq!(err.code(), tonic::Code::NotFound);
        token.cancel();
        let r = h
            .check(Request::new(HealthCheckRequest {
                service: "plugin".into(),
            }))
            .await
            .unwrap();
        assert_eq!(r.into_inner().status, ServingStatus::NotServing as i32);
    }

    #[tokio::test]
    async fn health_watch_sends_status_then_ends_on_shutdown() {
        let token = CancellationToken::new();
        let h = HealthService::new(token.clone());
        let mut s = h
            .watch(Request::new(HealthCheckRequest {
                service: "plugin".into(),
            }))
            .await
            .unwrap()
            .into_inner();
        let first = s.next().await.unwrap().unwrap();
        assert_eq!(first.status, ServingStatus::Serving as i32);
        token.cancel();
        assert!(s.next().await.is_none());
    }

    #[tokio::test]
    async fn controller_shutdown_cancels_or_ignores() {
        let token = CancellationToken::new();
        Controller::new(ShutdownPolicy::Ignore)
            .shutdown(Request::new(Empty {}))
            .await
            .unwrap();
        assert!(!token.is_cancelled());
        Controller::new(ShutdownPolicy::Exit(token.clone()))
            .shutdown(Request::new(Empty {}))
            .await
            .unwrap();
        assert!(token.is_cancelled());
    }

    #[tokio::test]
    async fn stdio_stream_is_empty_and_ends_on_shutdown() {
        let token = CancellationToken::new();
        let mut s = Stdio::new(token.clone())
            .stream_stdio(Request::new(()))
            .await
            .unwrap()
            .into_inner();
        let pending = tokio::time::timeout(std::time::Duration::from_millis(20), s.next()).await;
        assert!(pending.is_err(), "stream must stay open");
        token.cancel();
        assert!(s.next().await.is_none());
    }
}
