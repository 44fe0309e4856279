//! The Envoy-like sidecar of a task: its egress listener takes the app's outbound requests,
//! routes them by Host to a virtual service as the mesh says (routes, weighted targets,
//! retries, timeouts), and forwards them to a running task of the chosen virtual node. The
//! forwarding is the core's ([`super::forward`]); this is the App Mesh route picker it asks:
//! which virtual node, which of its tasks for each attempt, whether to retry, and what
//! outlier detection and the connection pools learn from each attempt.
//!
//! The routing table is compiled from the newest snapshot when a request finds it stale, so a
//! weight change applies to the very next request, with no restart and no dropped request.

use parking_lot::Mutex;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::uri::Authority;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use tokio::sync::OwnedSemaphorePermit;

use super::compiled::{Compiled, CompiledCache};
use super::container::Container;
use super::forward::{self, Choice, Head, Outcome, Picker, Proxy};
use super::hosts::{HostState, Hosts};
use super::local_reply::LocalReply;
use super::pool::{Overflow, Pool};
use super::routing::{Destination, NodeId, RequestFacts, Retry, Routing, Unroutable, Upstream};
use crate::emulator::caps::AccountRate;
use crate::emulator::snapshot::CloudSnapshot;

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
}

/// Serves the sidecar's egress listener, on the data plane's workers. `rate` is the node's
/// account's requests per second, with accounts (see emulator/caps.rs).
pub async fn serve_egress(
    name: &str,
    sidecar: Sidecar,
    rate: Option<AccountRate>,
) -> std::io::Result<Container> {
    forward::serve(
        name,
        Proxy {
            picker: sidecar,
            rate,
        },
    )
    .await
}

impl Picker for Sidecar {
    type Choice<'s> = RouteChoice<'s>;

    fn pick<'s>(&'s self, head: &Head<'_>) -> Result<RouteChoice<'s>, LocalReply> {
        let routing = self.routing.current();
        let headers = &head.parts.headers;
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let facts = RequestFacts {
            // Routes match the service's name only: the port is the listener's business.
            host: head.authority.host,
            method: head.parts.method.as_str(),
            path: head.parts.uri.path(),
            query: head.parts.uri.query(),
            header: &header,
        };
        let destination = {
            let mut rng = self.rng.lock();
            routing.route(&self.node, &facts, &mut |total| rng.u32(0..total))
        };
        match destination {
            Ok(target) => Ok(RouteChoice {
                sidecar: self,
                target,
                previous: None,
            }),
            Err(unroutable) => Err(unroutable_reply(&unroutable)),
        }
    }
}

fn unroutable_reply(unroutable: &Unroutable) -> LocalReply {
    let status =
        StatusCode::from_u16(unroutable.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    LocalReply::new(status, unroutable.body())
}

/// Where a route sent one request: a virtual node, with the route's retry policy and timeouts.
pub struct RouteChoice<'s> {
    sidecar: &'s Sidecar,
    target: Destination,
    /// The endpoint of the last attempt: a retry goes elsewhere if it can.
    previous: Option<usize>,
}

/// An attempt in flight: the host it went to, and its connection of the host's pool when the
/// upstream limits them (given back when the attempt is over).
pub struct HostAttempt {
    host: Arc<HostState>,
    _connection: Option<OwnedSemaphorePermit>,
}

impl Choice for RouteChoice<'_> {
    type Attempt = HostAttempt;

    fn timeout(&self) -> Duration {
        self.target.timeout.unwrap_or(DEFAULT_TIMEOUT)
    }

    fn attempts(&self) -> u32 {
        1 + self.target.retry.as_ref().map_or(0, |r| r.max_retries)
    }

    /// The retry policy's per-try timeout or the route's idle timeout, the shorter when both
    /// are set.
    fn per_try_timeout(&self) -> Option<Duration> {
        match (
            self.target.retry.as_ref().map(|r| r.per_try_timeout),
            self.target.idle,
        ) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// An endpoint drawn among the available ones (healthy, not ejected), another one than the
    /// last attempt's if there is one (App Mesh configures Envoy's previous-hosts predicate),
    /// once the host's connection pool lets the request in.
    async fn endpoint(&mut self) -> Result<(Authority, HostAttempt), LocalReply> {
        let upstream = &self.target.upstream;
        let index = pick_endpoint(self.sidecar, upstream, self.previous);
        self.previous = Some(index);
        let endpoint = &upstream.endpoints[index];
        let host = self.sidecar.hosts.get(
            endpoint.addr,
            &endpoint.task,
            &upstream.node,
            &self.sidecar.node.scope.account,
        );
        let connection = enter_pool(upstream, &host).await?;
        let attempt = HostAttempt {
            host,
            _connection: connection,
        };
        Ok((endpoint.authority.clone(), attempt))
    }

    /// Tells the upstream's outlier detection whether the host answered with a server error
    /// (or not at all).
    fn record(&mut self, attempt: HostAttempt, outcome: &Outcome) {
        let upstream = &self.target.upstream;
        let Some(policy) = &upstream.outlier else {
            return;
        };
        let sc = self.sidecar;
        policy.record(&sc.hosts, &attempt.host, outcome.is_server_error(), || {
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

    fn retries(&self, outcome: &Outcome) -> bool {
        let retry = self.target.retry.as_ref();
        match outcome {
            Outcome::Answered(response) => retryable_status(retry, response.status()),
            Outcome::Failed => retry.is_some_and(|r| r.connection_error),
            // Envoy retries a per-try timeout as a 504: only for server or gateway errors.
            Outcome::TimedOut => retryable_status(retry, StatusCode::GATEWAY_TIMEOUT),
        }
    }

    /// Which virtual node answered (the load generator splits traffic by it), and how long
    /// the request took, as Envoy says it.
    fn stamp(&self, headers: &mut HeaderMap, started: Instant) {
        headers.insert(
            X_MESHWALK_VIRTUAL_NODE,
            self.target.upstream.node_header.clone(),
        );
        let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        headers.insert(X_ENVOY_UPSTREAM_SERVICE_TIME, HeaderValue::from(millis));
    }
}

/// A connection of the host's pool when the upstream limits its connections; `Err` is the
/// answer when the pool and its queue are full.
async fn enter_pool(
    upstream: &Upstream,
    host: &HostState,
) -> Result<Option<OwnedSemaphorePermit>, LocalReply> {
    let Some(limits) = upstream.pool else {
        return Ok(None);
    };
    match Pool::of(host, limits).enter().await {
        Ok(permit) => Ok(Some(permit)),
        Err(Overflow) => {
            host.overflowed
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Err(LocalReply::overflow())
        }
    }
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

/// Whether the retry policy retries an answer with this status.
fn retryable_status(retry: Option<&Retry>, status: StatusCode) -> bool {
    let Some(retry) = retry else { return false };
    let code = status.as_u16();
    (retry.server_error && status.is_server_error())
        || (retry.gateway_error && matches!(code, 502..=504))
}
