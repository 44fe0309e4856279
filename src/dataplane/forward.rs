//! The forwarding core of both proxies: the sidecars' egress (chapter 1, App Mesh) and the
//! Service Connect proxies (chapter 2). Each request takes the same path through it:
//!
//! 1. the account's rate limit admits it (or Envoy's 429);
//! 2. its authority is read from `Host` (or its URI);
//! 3. a [`Picker`] chooses where it goes (the mesh's routes; the alias's service and revision),
//!    or answers why it goes nowhere;
//! 4. its body is kept whole, so that a retry can resend it;
//! 5. it is sent to the endpoint of each attempt within the choice's time limits, and what
//!    each attempt got is told to the choice (outlier detection watches it);
//! 6. a failure becomes Envoy's answer, in one shape ([`LocalReply`]).
//!
//! It is a plain hyper service: every request takes this one path, so there is no router, and
//! an upstream's answer is streamed back without boxing its body.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::request::Parts;
use axum::http::uri::{self, PathAndQuery};
use axum::http::{HeaderMap, Method, Request, Response, Uri, header};
use bytes::Bytes;
use http_body_util::{BodyExt, Either, Full, Limited};
use hyper::body::{Body as _, Incoming};
use hyper::service::service_fn;

use super::container::{Container, Threads};
use super::local_reply::LocalReply;
use super::workers;
use crate::emulator::caps::AccountRate;
use crate::http_client::full;

/// Requests with bigger bodies are refused (they are buffered so that a retry can resend them).
pub const MAX_BODY: usize = 4 << 20;

/// What a proxy answers with: the upstream's answer streamed through, or its own.
pub type ProxyBody = Either<Incoming, Full<Bytes>>;

/// Where an app addressed its request: `Host` (or the URI's authority) split into the name and
/// the port. Borrowed from the request: reading it allocates nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Authority<'a> {
    /// As the app wrote it, for the answers that name it.
    pub full: &'a str,
    pub host: &'a str,
    /// 80 when none is written (plain HTTP's); `None` when what is written is not a port.
    pub port: Option<u16>,
}

impl<'a> Authority<'a> {
    /// The request's `Host` header, or the authority of its URI when it has no readable one
    /// (an absolute-form request line).
    pub fn of(parts: &'a Parts) -> Authority<'a> {
        let full = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .or_else(|| parts.uri.authority().map(uri::Authority::as_str))
            .unwrap_or_default();
        Authority::parse(full)
    }

    pub fn parse(full: &'a str) -> Authority<'a> {
        // An IPv6 literal has colons of its own: its port, if any, follows the `]`.
        let split = match full.rfind(']') {
            Some(bracket) => full[bracket..]
                .find(':')
                .map(|colon| (&full[..bracket + colon], &full[bracket + colon + 1..])),
            None => full.rsplit_once(':'),
        };
        let (host, port) = match split {
            Some((host, port)) => (host, port.parse().ok()),
            None => (full, Some(80)),
        };
        Authority { full, host, port }
    }
}

/// What a picker sees of a request: its head only. It chooses before the body is read, as
/// Envoy routes on headers: a request that goes nowhere is answered at once.
pub struct Head<'a> {
    pub authority: Authority<'a>,
    pub parts: &'a Parts,
}

/// Chooses where a proxy's requests go: the App Mesh routes of a sidecar's virtual node
/// ([`super::sidecar`]), or the client aliases of a Service Connect proxy's namespace
/// ([`super::service_connect`]).
pub trait Picker: Send + Sync + 'static {
    /// A choice borrows the picker (its tables, its random numbers) for the request's time.
    type Choice<'p>: Choice
    where
        Self: 'p;

    /// Where the request goes, or the proxy's answer when it goes nowhere.
    fn pick<'p>(&'p self, head: &Head<'_>) -> Result<Self::Choice<'p>, LocalReply>;
}

/// Where one request goes, and how it is tried there.
pub trait Choice: Send {
    /// What an attempt holds while it runs (a connection of the host's pool, say); given back
    /// to [`Choice::record`] once the attempt is over.
    type Attempt: Send;

    /// The whole request's time limit, retries included.
    fn timeout(&self) -> Duration;

    /// How many attempts at most: 1 unless a retry policy says more.
    fn attempts(&self) -> u32 {
        1
    }

    /// Each attempt's own time limit to the answer's headers, if any.
    fn per_try_timeout(&self) -> Option<Duration> {
        None
    }

    /// The endpoint of the next attempt, or the proxy's answer when it cannot be tried (a
    /// full connection pool).
    fn endpoint(
        &mut self,
    ) -> impl Future<Output = Result<(uri::Authority, Self::Attempt), LocalReply>> + Send;

    /// Told what an attempt got, for those who watch the upstream (outlier detection).
    fn record(&mut self, _attempt: Self::Attempt, _outcome: &Outcome) {}

    /// Whether an attempt's outcome is tried again (when an attempt is left).
    fn retries(&self, _outcome: &Outcome) -> bool {
        false
    }

    /// Marks the answer (an upstream's or the proxy's own) once the request is over.
    fn stamp(&self, _headers: &mut HeaderMap, _started: Instant) {}
}

/// A proxy: its picker, and its account's rate limit.
pub struct Proxy<P> {
    pub picker: P,
    /// The account's requests per second, with accounts (see emulator/caps.rs).
    pub rate: Option<AccountRate>,
}

/// Binds a fresh loopback port and serves the proxy on it, on the data plane's workers.
pub async fn serve<P: Picker>(name: &str, proxy: Proxy<P>) -> std::io::Result<Container> {
    let proxy = Arc::new(proxy);
    let service = service_fn(move |request| {
        let proxy = proxy.clone();
        async move { Ok::<_, std::convert::Infallible>(proxy.forward(request).await) }
    });
    Container::serve_service(name, service, Threads::Workers).await
}

impl<P: Picker> Proxy<P> {
    pub async fn forward(&self, request: Request<Incoming>) -> Response<ProxyBody> {
        let started = Instant::now();
        if self.rate.as_ref().is_some_and(|r| !r.admit()) {
            return LocalReply::rate_limited().into_response();
        }
        let (parts, body) = request.into_parts();
        let head = Head {
            authority: Authority::of(&parts),
            parts: &parts,
        };
        let mut choice = match self.picker.pick(&head) {
            Ok(choice) => choice,
            Err(reply) => return reply.into_response(),
        };
        let Some(body) = whole_body(body).await else {
            return LocalReply::payload_too_large().into_response();
        };
        let limit = choice.timeout();
        let mut response = tokio::time::timeout(limit, attempts(&mut choice, parts, body))
            .await
            .unwrap_or_else(|_elapsed| LocalReply::timeout().into_response());
        choice.stamp(response.headers_mut(), started);
        response
    }
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

/// Sends the request to each attempt's endpoint until an answer is not retried or no attempt
/// is left; the last attempt's outcome is the answer.
async fn attempts<C: Choice>(choice: &mut C, mut parts: Parts, body: Bytes) -> Response<ProxyBody> {
    let attempts = choice.attempts().max(1);
    let per_try = choice.per_try_timeout();
    let mut attempt = 1;
    loop {
        let (authority, held) = match choice.endpoint().await {
            Ok(endpoint) => endpoint,
            Err(reply) => return reply.into_response(),
        };
        let Ok(uri) = upstream_uri(authority, parts.uri.path_and_query()) else {
            return LocalReply::bad_request_path().into_response();
        };
        let last = attempt == attempts;
        // Only the last attempt may take the request's headers; the others send copies.
        let headers = if last {
            std::mem::take(&mut parts.headers)
        } else {
            parts.headers.clone()
        };
        let outcome = send(&parts.method, uri, headers, &body, per_try).await;
        let again = !last && choice.retries(&outcome);
        choice.record(held, &outcome);
        if !again {
            return outcome.into_response();
        }
        attempt += 1;
    }
}

/// The request's URI at an upstream endpoint: its path and query kept, `/` when it has none
/// (an authority-form request line).
pub fn upstream_uri(
    authority: uri::Authority,
    path: Option<&PathAndQuery>,
) -> Result<Uri, LocalReply> {
    Uri::builder()
        .scheme("http")
        .authority(authority)
        .path_and_query(
            path.cloned()
                .unwrap_or_else(|| PathAndQuery::from_static("/")),
        )
        .build()
        .map_err(|_| LocalReply::bad_request_path())
}

/// What one attempt got.
#[derive(Debug)]
pub enum Outcome {
    /// The upstream's answer (its headers; the body streams on).
    Answered(Response<Incoming>),
    /// No connection, or one closed before the answer's headers.
    Failed,
    /// No answer's headers within the attempt's time limit.
    TimedOut,
}

impl Outcome {
    /// Whether the upstream failed the attempt: a 5xx answer, or none at all. What outlier
    /// detection counts.
    pub fn is_server_error(&self) -> bool {
        !matches!(self, Outcome::Answered(r) if !r.status().is_server_error())
    }

    /// The answer to the app: the upstream's, or Envoy's for a failure.
    pub fn into_response(self) -> Response<ProxyBody> {
        match self {
            Outcome::Answered(response) => response.map(Either::Left),
            Outcome::Failed => LocalReply::connect_failure().into_response(),
            Outcome::TimedOut => LocalReply::timeout().into_response(),
        }
    }
}

/// Sends one attempt of the request (its body buffered, so that a retry can resend it), with
/// the worker's own client: its pooled connections stay on this thread.
async fn send(
    method: &Method,
    uri: Uri,
    headers: HeaderMap,
    body: &Bytes,
    per_try: Option<Duration>,
) -> Outcome {
    let mut request = Request::new(full(body.clone()));
    *request.method_mut() = method.clone();
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    let sent = workers::client().request(request);
    let answered = match per_try {
        Some(limit) => match tokio::time::timeout(limit, sent).await {
            Ok(answered) => answered,
            Err(_elapsed) => return Outcome::TimedOut,
        },
        None => sent.await,
    };
    match answered {
        Ok(response) => Outcome::Answered(response),
        Err(_) => Outcome::Failed,
    }
}

#[cfg(test)]
#[path = "forward_tests.rs"]
mod tests;
