//! The one HTTP client shape meshwalk uses for plain HTTP (the gopher apps, the sidecars, their
//! health checks, and the load generator): pooled keep-alive connections, bodies buffered so
//! that a retry can resend them.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

pub fn http_client() -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(Duration::from_secs(2)));
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        .build(connector)
}

pub fn full(body: impl Into<Bytes>) -> Full<Bytes> {
    Full::new(body.into())
}
