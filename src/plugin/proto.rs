//! Generated protobuf messages and gRPC services (see `build.rs` and `proto/`).
//!
//! Each module holds one protobuf package, with both server and client code.

/// `tfplugin6`: the Terraform plugin protocol, version 6 (through 6.10).
#[allow(
    missing_docs,
    clippy::all,
    clippy::pedantic,
    clippy::large_enum_variant,
    clippy::enum_variant_names
)]
pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

/// `plugin`: go-plugin's side services (controller, stdio, broker).
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod goplugin {
    tonic::include_proto!("plugin");
}

/// `grpc.health.v1`: the standard gRPC health service.
#[allow(missing_docs, clippy::all, clippy::pedantic)]
pub mod health {
    tonic::include_proto!("grpc.health.v1");
}
