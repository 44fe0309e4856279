//! The forwarding core: how it reads a request's authority, builds the upstream URI, maps an
//! attempt's outcome to an answer, and drives a choice's attempts and time limits. The last
//! through a real proxy on the workers, with a picker that has no routing of its own.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use axum::Router;
use axum::http::{HeaderValue, StatusCode};
use tokio::net::TcpListener;

use super::*;
use crate::emulator::caps::PerAccountRate;
use crate::http_client::http_client;

fn head(host: Option<&str>, uri: &str) -> Parts {
    let mut request = Request::builder().uri(uri);
    if let Some(host) = host {
        request = request.header(header::HOST, host);
    }
    request.body(()).unwrap().into_parts().0
}

#[test]
fn the_authority_is_the_host_header_split_at_its_port() {
    let parts = head(Some("distributor.gophers.local:9080"), "/");
    let authority = Authority::of(&parts);
    assert_eq!(authority.full, "distributor.gophers.local:9080");
    assert_eq!(authority.host, "distributor.gophers.local");
    assert_eq!(authority.port, Some(9080));
    // The header wins over an absolute-form request line's authority.
    let parts = head(Some("distributor:9080"), "http://elsewhere:1234/path");
    assert_eq!(Authority::of(&parts).host, "distributor");
}

#[test]
fn without_a_host_header_the_authority_is_the_uris() {
    let parts = head(None, "http://distributor:9080/path");
    assert_eq!(Authority::of(&parts).full, "distributor:9080");
    let parts = head(None, "/path");
    assert_eq!(Authority::of(&parts), Authority::parse(""));
}

#[test]
fn a_missing_port_is_80_and_one_that_is_not_a_number_is_none() {
    assert_eq!(Authority::parse("distributor").port, Some(80));
    assert_eq!(Authority::parse("distributor").host, "distributor");
    assert_eq!(Authority::parse("distributor:http").port, None);
    assert_eq!(Authority::parse("distributor:http").host, "distributor");
    assert_eq!(Authority::parse("distributor:99999").port, None);
}

#[test]
fn an_ipv6_literal_keeps_its_colons() {
    let with_port = Authority::parse("[::1]:9080");
    assert_eq!((with_port.host, with_port.port), ("[::1]", Some(9080)));
    let without = Authority::parse("[::1]");
    assert_eq!((without.host, without.port), ("[::1]", Some(80)));
}

#[test]
fn the_upstream_uri_keeps_the_path_and_query_at_the_endpoint() {
    let endpoint = uri::Authority::from_static("127.0.0.1:4000");
    let path = PathAndQuery::from_static("/color?shade=dark");
    let uri = upstream_uri(endpoint.clone(), Some(&path)).unwrap();
    assert_eq!(uri.to_string(), "http://127.0.0.1:4000/color?shade=dark");
    // An authority-form request line has no path: the root's.
    let uri = upstream_uri(endpoint, None).unwrap();
    assert_eq!(uri.to_string(), "http://127.0.0.1:4000/");
}

#[test]
fn a_failed_attempt_is_envoys_503_and_a_timed_out_one_its_504() {
    let failed = Outcome::Failed;
    assert!(failed.is_server_error());
    let response = failed.into_response();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["server"], "envoy");
    let timed_out = Outcome::TimedOut;
    assert!(timed_out.is_server_error());
    assert_eq!(
        timed_out.into_response().status(),
        StatusCode::GATEWAY_TIMEOUT
    );
}

/// A picker with no routing: every request goes to its endpoints in turn, except those for
/// `nowhere`, which it refuses.
struct Fixed {
    endpoints: Vec<SocketAddr>,
    attempts: u32,
    retry: bool,
    timeout: Duration,
    per_try: Option<Duration>,
    /// Attempts recorded, and of them the failed ones, since the picker was made.
    recorded: Arc<AtomicU32>,
    failed: Arc<AtomicU32>,
}

impl Fixed {
    fn to(endpoints: Vec<SocketAddr>) -> Fixed {
        Fixed {
            endpoints,
            attempts: 1,
            retry: false,
            timeout: Duration::from_secs(5),
            per_try: None,
            recorded: Arc::default(),
            failed: Arc::default(),
        }
    }
}

struct FixedChoice<'p> {
    picker: &'p Fixed,
    next: usize,
    recorded: u32,
}

impl Picker for Fixed {
    type Choice<'p> = FixedChoice<'p>;

    fn pick<'p>(&'p self, head: &Head<'_>) -> Result<FixedChoice<'p>, LocalReply> {
        if head.authority.host == "nowhere" {
            return Err(LocalReply::new(StatusCode::NOT_FOUND, "no route"));
        }
        Ok(FixedChoice {
            picker: self,
            next: 0,
            recorded: 0,
        })
    }
}

impl Choice for FixedChoice<'_> {
    type Attempt = ();

    fn timeout(&self) -> Duration {
        self.picker.timeout
    }

    fn attempts(&self) -> u32 {
        self.picker.attempts
    }

    fn per_try_timeout(&self) -> Option<Duration> {
        self.picker.per_try
    }

    async fn endpoint(&mut self) -> Result<(uri::Authority, ()), LocalReply> {
        let endpoints = &self.picker.endpoints;
        let addr = endpoints[self.next % endpoints.len()];
        self.next += 1;
        Ok((addr.to_string().parse().unwrap(), ()))
    }

    fn record(&mut self, _attempt: (), outcome: &Outcome) {
        self.recorded += 1;
        self.picker.recorded.fetch_add(1, Ordering::Relaxed);
        if outcome.is_server_error() {
            self.picker.failed.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn retries(&self, outcome: &Outcome) -> bool {
        self.picker.retry && outcome.is_server_error()
    }

    fn stamp(&self, headers: &mut HeaderMap, _started: Instant) {
        headers.insert("x-attempts", HeaderValue::from(self.recorded));
    }
}

/// An address where nothing listens: connecting to it is refused.
async fn refused() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// An address that accepts connections and never answers on them.
async fn silent() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut open = vec![];
        while let Ok((tcp, _)) = listener.accept().await {
            open.push(tcp);
        }
    });
    addr
}

/// An app that answers with what it received: method, Host, path and query, body.
async fn echo() -> Container {
    let app = Router::new().fallback(|request: axum::extract::Request| async move {
        let (parts, body) = request.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX).await.unwrap();
        let host = parts.headers[header::HOST].to_str().unwrap().to_string();
        format!(
            "{} {host} {} {}",
            parts.method,
            parts.uri,
            String::from_utf8_lossy(&body)
        )
    });
    Container::serve("echo", app).await.unwrap()
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

/// Sends a request through the proxy, as an app would, with `host` as its Host header.
async fn through(proxy: &Container, method: Method, host: &str, path: &str, body: &str) -> Answer {
    let request = Request::builder()
        .method(method)
        .uri(format!("http://{}{path}", proxy.addr))
        .header(header::HOST, host)
        .body(full(body.to_string()))
        .unwrap();
    let response = http_client().request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
    }
}

async fn serve_fixed(picker: Fixed) -> Container {
    let proxy = Proxy { picker, rate: None };
    serve("proxy", proxy).await.unwrap()
}

#[tokio::test]
async fn a_request_reaches_the_endpoint_with_its_method_host_path_and_body() {
    let app = echo().await;
    let proxy = serve_fixed(Fixed::to(vec![app.addr])).await;
    let answer = through(&proxy, Method::PUT, "svc:9080", "/a/b?c=d", "hello").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.body, "PUT svc:9080 /a/b?c=d hello");
    assert_eq!(answer.headers["x-attempts"], "1");
}

#[tokio::test]
async fn a_request_that_goes_nowhere_gets_the_pickers_answer_unstamped() {
    let proxy = serve_fixed(Fixed::to(vec![refused().await])).await;
    let answer = through(&proxy, Method::GET, "nowhere", "/", "").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.body, "no route");
    assert_eq!(answer.headers["server"], "envoy");
    assert!(!answer.headers.contains_key("x-attempts"));
}

#[tokio::test]
async fn a_body_over_the_limit_is_refused_with_a_413() {
    let app = echo().await;
    let proxy = serve_fixed(Fixed::to(vec![app.addr])).await;
    let big = "x".repeat(MAX_BODY + 1);
    let answer = through(&proxy, Method::POST, "svc", "/", &big).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.body, "payload too large");
}

#[tokio::test]
async fn failed_attempts_are_retried_while_the_choice_says_so() {
    let app = echo().await;
    let dead = refused().await;
    let picker = Fixed {
        attempts: 3,
        retry: true,
        ..Fixed::to(vec![dead, dead, app.addr])
    };
    let failed = picker.failed.clone();
    let proxy = serve_fixed(picker).await;
    let answer = through(&proxy, Method::GET, "svc", "/", "").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.headers["x-attempts"], "3");
    assert_eq!(failed.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn the_last_attempts_failure_is_the_answer() {
    let dead = refused().await;
    let picker = Fixed {
        attempts: 2,
        retry: true,
        ..Fixed::to(vec![dead])
    };
    let recorded = picker.recorded.clone();
    let proxy = serve_fixed(picker).await;
    let answer = through(&proxy, Method::GET, "svc", "/", "").await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        answer.body,
        "upstream connect error or disconnect/reset before headers"
    );
    assert_eq!(answer.headers["x-attempts"], "2");
    assert_eq!(recorded.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn a_choice_that_does_not_retry_is_tried_once() {
    let dead = refused().await;
    let picker = Fixed {
        attempts: 3,
        retry: false,
        ..Fixed::to(vec![dead])
    };
    let recorded = picker.recorded.clone();
    let proxy = serve_fixed(picker).await;
    let answer = through(&proxy, Method::GET, "svc", "/", "").await;
    assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(recorded.load(Ordering::Relaxed), 1);
}

#[tokio::test]
async fn a_silent_upstream_is_a_stamped_504_at_the_requests_time_limit() {
    let picker = Fixed {
        timeout: Duration::from_millis(100),
        ..Fixed::to(vec![silent().await])
    };
    let recorded = picker.recorded.clone();
    let proxy = serve_fixed(picker).await;
    let answer = through(&proxy, Method::GET, "svc", "/", "").await;
    assert_eq!(answer.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(answer.body, "upstream request timeout");
    // The attempt was cut short, not over: nothing to record, and the stamp says so.
    assert_eq!(answer.headers["x-attempts"], "0");
    assert_eq!(recorded.load(Ordering::Relaxed), 0);
}

#[tokio::test]
async fn each_attempt_times_out_on_its_own_within_the_requests_limit() {
    let picker = Fixed {
        attempts: 2,
        retry: true,
        per_try: Some(Duration::from_millis(50)),
        ..Fixed::to(vec![silent().await])
    };
    let failed = picker.failed.clone();
    let proxy = serve_fixed(picker).await;
    let answer = through(&proxy, Method::GET, "svc", "/", "").await;
    assert_eq!(answer.status, StatusCode::GATEWAY_TIMEOUT);
    assert_eq!(answer.headers["x-attempts"], "2");
    assert_eq!(failed.load(Ordering::Relaxed), 2);
}

#[tokio::test]
async fn the_accounts_rate_limit_answers_before_the_picker() {
    let app = echo().await;
    let proxy = Proxy {
        picker: Fixed::to(vec![app.addr]),
        rate: Some(Arc::new(PerAccountRate::new(1, 1)).for_account("111111111111")),
    };
    let proxy = serve("proxy", proxy).await.unwrap();
    let first = through(&proxy, Method::GET, "svc", "/", "").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let second = through(&proxy, Method::GET, "nowhere", "/", "").await;
    assert_eq!(second.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(second.body, "local_rate_limited");
}
