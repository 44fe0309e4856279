//! The Envoy-like sidecar of a task: its egress listener takes the app's outbound requests,
//! routes them by Host to a virtual service as the mesh says (routes, weighted targets,
//! retries, timeouts), and forwards them to a running task of the chosen virtual node.
//!
//! The routing table is compiled from the newest snapshot when a request finds it stale, so a
//! weight change applies to the very next request, with no restart and no dropped request.

use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::uri::PathAndQuery;
use axum::http::{
    HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, Uri, header,
};
use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::{Body as _, Incoming};
use hyper::service::service_fn;
use tokio::sync::OwnedSemaphorePermit;

use super::compiled::{Compiled, CompiledCache};
use super::container::{Container, Threads};
use super::hosts::{HostState, Hosts};
use super::pool::{OVERFLOW_BODY, Overflow, Pool};
use super::routing::{
    Destination, NodeId, RequestFacts, Retry, Routing, TaskEndpoint, Unroutable, Upstream,
};
use super::workers;
use crate::emulator::caps::AccountRate;
use crate::emulator::snapshot::CloudSnapshot;
use crate::http_client::full;

/// Requests with bigger bodies are refused (they are buffered so that a retry can resend them).
const MAX_BODY: usize = 4 << 20;
/// App Mesh's default per-request timeout.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

// Every answer carries these: named once here, not parsed from a string per request.
const X_MESHWALK_VIRTUAL_NODE: HeaderName = HeaderName::from_static("x-meshwalk-virtual-node");
const X_ENVOY_UPSTREAM_SERVICE_TIME: HeaderName =
    HeaderName::from_static("x-envoy-upstream-service-time");

/// The routing table of the newest snapshot, shared by all sidecars.
pub type RoutingCache = CompiledCache<Routing>;

impl Compiled for Routing {
    fn compile(snapshot: &CloudSnapshot) -> Routing {
        Routing::compile(snapshot)
    }

    fn generation(&self) -> u64 {
        self.generation
    }
}

pub struct Sidecar {
    pub node: NodeId,
    pub routing: Arc<RoutingCache>,
    pub rng: Mutex<fastrand::Rng>,
    pub hosts: Arc<Hosts>,
    /// The node's account's requests per second, with accounts (see emulator/caps.rs).
    pub rate: Option<AccountRate>,
}

/// What the egress answers with: the upstream's answer streamed through, or its own.
pub type EgressBody = Either<Incoming, Full<Bytes>>;

/// Serves the sidecar's egress listener. Every request takes the same path, so it is a plain
/// hyper service: no router, and the upstream's body is passed on without boxing it.
pub async fn serve_egress(name: &str, sidecar: Sidecar) -> std::io::Result<Container> {
    let sidecar = Arc::new(sidecar);
    let service = service_fn(move |request| {
        let sidecar = sidecar.clone();
        async move { Ok::<_, std::convert::Infallible>(route(sidecar, request).await) }
    });
    Container::serve_service(name, service, Threads::Workers).await
}

fn envoy_error(status: u16, body: String) -> Response<EgressBody> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let mut response = Response::new(Either::Right(Full::new(Bytes::from(body))));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    headers.insert("server", HeaderValue::from_static("envoy"));
    response
}

/// The request's body, whole (a retry resends it); `None` past [`MAX_BODY`] or when the app
/// went away while sending it.
async fn whole_body(body: Incoming) -> Option<Bytes> {
    // Most requests have none: no need to poll for it.
    if body.is_end_stream() {
        return Some(Bytes::new());
    }
    let collected = Limited::new(body, MAX_BODY).collect().await.ok()?;
    Some(collected.to_bytes())
}

async fn route(sc: Arc<Sidecar>, request: Request<Incoming>) -> Response<EgressBody> {
    let started = Instant::now();
    if sc.rate.as_ref().is_some_and(|r| !r.admit()) {
        // What Envoy's local rate limit answers.
        return envoy_error(429, "local_rate_limited".into());
    }
    let (parts, body) = request.into_parts();
    // Borrowed from the request: routing a request allocates nothing for its host.
    let authority = parts.uri.authority().map(|a| a.as_str());
    let host_header = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .or(authority)
        .unwrap_or_default();
    let host = host_header.split(':').next().unwrap_or_default();
    let Some(body) = whole_body(body).await else {
        return envoy_error(413, "payload too large".into());
    };
    let target = {
        let routing = sc.routing.current();
        let headers = &parts.headers;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let facts = RequestFacts {
            host,
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            header: &header,
        };
        let mut rng = sc.rng.lock();
        routing.route(&sc.node, &facts, &mut |total| rng.u32(0..total))
    };
    let target = match target {
        Ok(t) => t,
        Err(unroutable) => return unroutable_response(&unroutable),
    };
    let path = parts
        .uri
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    let deadline = target.timeout.unwrap_or(DEFAULT_TIMEOUT);
    let forwarded = tokio::time::timeout(deadline, forward(&sc, &target, parts, &path, body)).await;
    let mut response = match forwarded {
        Ok(response) => response,
        Err(_) => envoy_error(504, "upstream request timeout".into()),
    };
    let headers = response.headers_mut();
    headers.insert(X_MESHWALK_VIRTUAL_NODE, target.upstream.node_header.clone());
    let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    headers.insert(X_ENVOY_UPSTREAM_SERVICE_TIME, HeaderValue::from(millis));
    response
}

fn unroutable_response(unroutable: &Unroutable) -> Response<EgressBody> {
    envoy_error(unroutable.status(), unroutable.body())
}

/// Sends to an endpoint of the target node, retrying as the route's retryPolicy says. The
/// endpoint is drawn among the available ones (healthy, not ejected), another one than the
/// last attempt's if there is one (App Mesh configures Envoy's previous-hosts predicate).
async fn forward(
    sc: &Sidecar,
    target: &Destination,
    mut parts: axum::http::request::Parts,
    path: &PathAndQuery,
    body: Bytes,
) -> Response<EgressBody> {
    let attempts = 1 + target.retry.as_ref().map_or(0, |r| r.max_retries);
    let per_try = per_try_timeout(target);
    let upstream = &target.upstream;
    // Made only when an attempt is retried: most requests never need it.
    let mut last = None;
    let mut previous: Option<usize> = None;
    for attempt in 0..attempts {
        let index = pick_endpoint(sc, upstream, previous);
        previous = Some(index);
        let endpoint = &upstream.endpoints[index];
        let host = sc.hosts.get(
            endpoint.addr,
            &endpoint.task,
            &upstream.node,
            &sc.node.scope.account,
        );
        let Ok(uri) = endpoint_uri(endpoint, path) else {
            return envoy_error(400, "bad request path".into());
        };
        let _connection = match enter_pool(upstream, &host).await {
            Ok(permit) => permit,
            Err(overflowed) => return overflowed,
        };
        let last_attempt = attempt + 1 == attempts;
        // Only the last attempt may take the request's headers; the others send copies.
        let headers = if last_attempt {
            std::mem::take(&mut parts.headers)
        } else {
            parts.headers.clone()
        };
        let outcome = send(&parts.method, uri, headers, &body, per_try).await;
        record_outlier(sc, upstream, &host, &outcome);
        match judge(target.retry.as_ref(), outcome, last_attempt) {
            Attempt::Answer(response) => return response,
            Attempt::Retry(response) => last = Some(response),
        }
    }
    last.unwrap_or_else(|| envoy_error(503, "no healthy upstream".into()))
}

/// Each attempt's time limit: the retry policy's per-try timeout or the route's idle timeout,
/// the shorter when both are set.
fn per_try_timeout(target: &Destination) -> Option<Duration> {
    match (
        target.retry.as_ref().map(|r| r.per_try_timeout),
        target.idle,
    ) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn endpoint_uri(endpoint: &TaskEndpoint, path: &PathAndQuery) -> axum::http::Result<Uri> {
    Uri::builder()
        .scheme("http")
        .authority(endpoint.authority.clone())
        .path_and_query(path.clone())
        .build()
}

/// A connection of the host's pool when the upstream limits its connections; `Err` is the
/// answer when the pool and its queue are full.
async fn enter_pool(
    upstream: &Upstream,
    host: &HostState,
) -> Result<Option<OwnedSemaphorePermit>, Response<EgressBody>> {
    let Some(limits) = upstream.pool else {
        return Ok(None);
    };
    match Pool::of(host, limits).enter().await {
        Ok(permit) => Ok(Some(permit)),
        Err(Overflow) => {
            host.overflowed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Err(overflow())
        }
    }
}

/// What one attempt got: the upstream's answer or a connection error, or `Err` when the
/// per-try timeout passed first.
type Outcome = Result<Result<Response<Incoming>, hyper_util::client::legacy::Error>, ()>;

/// Sends one attempt of the request (its body buffered, so that a retry can resend it).
async fn send(
    method: &Method,
    uri: Uri,
    headers: HeaderMap,
    body: &Bytes,
    per_try: Option<Duration>,
) -> Outcome {
    let mut request = axum::http::Request::new(full(body.clone()));
    *request.method_mut() = method.clone();
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    let sent = workers::client().request(request);
    match per_try {
        Some(limit) => tokio::time::timeout(limit, sent)
            .await
            .map_err(|_elapsed| ()),
        None => Ok(sent.await),
    }
}

/// Tells the upstream's outlier detection whether the host answered with a server error (or
/// not at all).
fn record_outlier(sc: &Sidecar, upstream: &Upstream, host: &HostState, outcome: &Outcome) {
    let server_error = !matches!(outcome, Ok(Ok(r)) if !r.status().is_server_error());
    if let Some(policy) = &upstream.outlier {
        policy.record(&sc.hosts, host, server_error, || {
            let ejected = upstream
                .endpoints
                .iter()
                .filter(|e| {
                    sc.hosts.is_ejected(&sc.hosts.get(
                        e.addr,
                        &e.task,
                        &upstream.node,
                        &sc.node.scope.account,
                    ))
                })
                .count();
            (ejected, upstream.endpoints.len())
        });
    }
}

/// What to do after an attempt.
enum Attempt {
    /// Answer the app with this.
    Answer(Response<EgressBody>),
    /// Try again; this is the answer if no attempt is left.
    Retry(Response<EgressBody>),
}

/// Whether the route's retry policy retries an attempt's outcome, and the answer it makes.
fn judge(retry: Option<&Retry>, outcome: Outcome, last_attempt: bool) -> Attempt {
    match outcome {
        Ok(Ok(response)) => {
            let status = response.status();
            if !last_attempt && retryable_status(retry, status) {
                return Attempt::Retry(envoy_error(status.as_u16(), String::new()));
            }
            Attempt::Answer(response.map(Either::Left))
        }
        Ok(Err(_connect)) => {
            let error = envoy_error(
                503,
                "upstream connect error or disconnect/reset before headers".into(),
            );
            if retry.is_some_and(|r| r.connection_error) {
                Attempt::Retry(error)
            } else {
                Attempt::Answer(error)
            }
        }
        Err(()) => {
            let timeout = envoy_error(504, "upstream request timeout".into());
            // Envoy retries a per-try timeout as a 504: only for server or gateway errors.
            if retryable_status(retry, StatusCode::GATEWAY_TIMEOUT) {
                Attempt::Retry(timeout)
            } else {
                Attempt::Answer(timeout)
            }
        }
    }
}

/// Envoy's answer when a connection pool and its queue are full.
fn overflow() -> Response<EgressBody> {
    let mut response = envoy_error(503, OVERFLOW_BODY.into());
    response
        .headers_mut()
        .insert("x-envoy-overloaded", HeaderValue::from_static("true"));
    response
}

/// The index of the endpoint for the next attempt. Draws among the available endpoints
/// (not the previous attempt's, when another is available); when fewer than half are
/// available, among all of them, as Envoy's panic threshold (50%) does.
fn pick_endpoint(sc: &Sidecar, upstream: &Upstream, previous: Option<usize>) -> usize {
    let endpoints = &upstream.endpoints;
    // One endpoint needs no draw (so the weighted choices use the same numbers each run).
    if endpoints.len() == 1 {
        return 0;
    }
    let available = |i: usize| {
        let e = &endpoints[i];
        sc.hosts.available(
            &sc.hosts
                .get(e.addr, &e.task, &upstream.node, &sc.node.scope.account),
        )
    };
    let mut usable: u64 = 0;
    for i in 0..endpoints.len().min(64) {
        if available(i) {
            usable |= 1 << i;
        }
    }
    if (usable.count_ones() as usize) * 2 < endpoints.len().min(64) {
        usable = u64::MAX >> (64 - endpoints.len().min(64));
    }
    if let Some(p) = previous.filter(|p| *p < 64)
        && (usable & !(1 << p)) != 0
    {
        usable &= !(1 << p);
    }
    let n = usable.count_ones();
    let mut draw = {
        let mut rng = sc.rng.lock();
        rng.u32(0..n)
    };
    for i in 0..64 {
        if usable & (1 << i) != 0 {
            if draw == 0 {
                return i;
            }
            draw -= 1;
        }
    }
    0
}

fn retryable_status(retry: Option<&Retry>, status: StatusCode) -> bool {
    let Some(retry) = retry else { return false };
    let code = status.as_u16();
    (retry.server_error && status.is_server_error())
        || (retry.gateway_error && matches!(code, 502..=504))
}
