//! The `tfplugin6.Provider` gRPC service, generic over the
//! [`traits`](super::traits) a provider implements.
//!
//! Requests are decoded into plain types (cty values typed by the cached
//! schemas), the provider is called with a [`CallContext`](super::traits::CallContext)
//! whose cancellation token [`StopHandle::stop`] (and `StopProvider`)
//! cancels, and the answers are encoded back. Nothing a client sends and
//! nothing the provider does (including panicking) turns into a gRPC error
//! or takes the server down: problems become diagnostics.
//!
//! ```ignore
//! let service = ProviderService::new(Arc::new(MyProvider::default()));
//! let stop = service.stop_handle(); // call stop.stop() on SIGINT
//! tonic::transport::Server::builder().add_service(service.into_server());
//! ```

mod convert;
mod dynamic;
mod guard;
mod resource;
mod service;
mod stop;
mod tonic_impl;
mod unsupported;
mod upgrade;
mod write_only;

pub use dynamic::DynamicValueError;
pub use guard::INTERNAL_ERROR_SUMMARY;
pub use service::{ProviderService, MAX_MESSAGE_SIZE};
pub use stop::StopHandle;
pub use tonic_impl::FixedStream;
