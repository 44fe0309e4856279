//! The one HTTP client shape meshwalk uses for plain HTTP (the gopher apps, the sidecars, their
//! health checks, and the load generator): pooled keep-alive connections, bodies buffered so
//! that a retry can resend them.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

pub type HttpClient = Client<HttpConnector, Full<Bytes>>;

/// Idle keep-alive connections kept per host, beyond which a connection is closed once its
/// response is read: enough for the data plane's usual concurrency to reuse, few enough that a
/// burst does not stay.
const MAX_IDLE_PER_HOST: usize = 4;

pub fn http_client() -> HttpClient {
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    connector.set_connect_timeout(Some(Duration::from_secs(2)));
    Client::builder(TokioExecutor::new())
        .pool_idle_timeout(Duration::from_secs(30))
        // Without a timer the pool drops an idle connection only when a request to its host
        // finds it: a burst (a room of attendees starting their traffic at once) left
        // thousands open for good, each costing a file descriptor and buffers at both ends.
        .pool_timer(TokioTimer::new())
        .pool_max_idle_per_host(MAX_IDLE_PER_HOST)
        .build(connector)
}

pub fn full(body: impl Into<Bytes>) -> Full<Bytes> {
    Full::new(body.into())
}
