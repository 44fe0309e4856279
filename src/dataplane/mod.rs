//! The embedded cloud's data plane: the container runtime that runs ECS tasks (the gopher
//! apps and their Envoy-like sidecars on 127.0.0.1), the sidecars' routing by the mesh's
//! routes, and the traffic generator and its statistics.
//!
//! It reads the cloud's state only from the snapshot channel and reports what became of
//! tasks on the runtime channel: it never calls the API.

pub mod container;
pub mod faults;
pub mod gopher;
pub mod health;
pub mod hosts;
pub mod images;
pub mod outlier;
pub mod pool;
pub mod routing;
pub mod runtime;
pub mod sidecar;
pub mod stats;
pub mod traffic;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub use runtime::{DataPlane, DataPlaneConfig, EGRESS_PORT};

/// The HTTP client the apps, sidecars and traffic generator share the shape of: pooled
/// keep-alive connections, bodies buffered (so that a retry can resend them).
pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub fn http_client() -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(std::time::Duration::from_secs(2)));
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(std::time::Duration::from_secs(30))
        .build(connector)
}

pub fn full(body: impl Into<Bytes>) -> Full<Bytes> {
    Full::new(body.into())
}
