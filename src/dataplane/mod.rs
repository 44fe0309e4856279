//! The embedded cloud's data plane: the container runtime that runs ECS tasks (the gopher
//! apps and their Envoy-like sidecars, the http-echo and curl stand-ins and their Service
//! Connect proxies, on 127.0.0.1), the one forwarding core of both proxies, the sidecars'
//! routing by the mesh's routes, their health checks, outlier detection and connection pools. The load generator
//! that drives traffic through it lives beside it, in `crate::load`.
//!
//! It reads the cloud's state only from the snapshot channel and reports what became of
//! tasks on the runtime channel: it never calls the API.

pub mod compiled;
pub mod container;
pub mod faults;
pub mod forward;
pub mod gopher;
pub mod health;
pub mod hosts;
pub mod images;
pub mod local_reply;
pub mod outlier;
pub mod pool;
pub mod public_images;
pub mod routing;
pub mod runtime;
pub mod service_connect;
pub mod sidecar;
pub mod test_traffic;
pub mod workers;

pub use runtime::{DataPlane, DataPlaneConfig};
