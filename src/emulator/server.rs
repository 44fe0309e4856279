//! The HTTP/1.1 front of the embedded cloud: accepts connections up to a cap, serves each with
//! hyper under timeouts, and on shutdown stops accepting, lets requests in flight finish for a
//! grace period, then drops what is left. HTTP/2 (h2c) is not offered.

use std::future::Future;
use std::io;
use std::pin::pin;
use std::time::Duration;

use axum::Router;
use axum::response::Response;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::aws_error::{self, Protocol};
use super::hyper_errors::AwsShapedErrors;

/// The bounds of the front, where AWS documents none of its own.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    /// Connections served at once; one more is answered "too many requests" and closed.
    pub max_connections: usize,
    /// How long a connection may take to send a whole request head, counted from when it
    /// opens or its previous response was sent: it bounds idle keep-alive connections and
    /// trickled heads alike (hyper's header-read timer covers both). Closed silently after.
    pub request_head_timeout: Duration,
    /// How long the body of a request may take to arrive once its head has.
    pub request_body_timeout: Duration,
    pub max_body_bytes: usize,
    /// The request line and headers together (hyper's read buffer).
    pub max_head_bytes: usize,
    /// On shutdown, how long requests in flight get before their connections are dropped.
    pub shutdown_grace: Duration,
}

impl Default for HttpLimits {
    fn default() -> Self {
        HttpLimits {
            max_connections: 1024,
            request_head_timeout: Duration::from_secs(20),
            request_body_timeout: Duration::from_secs(30),
            max_body_bytes: 2 * 1024 * 1024,
            max_head_bytes: 64 * 1024,
            shutdown_grace: Duration::from_secs(4),
        }
    }
}

const READ_BUFFER_SLACK: usize = 16 * 1024;

/// Connections over the cap being answered at once; past that they are closed unanswered.
const MAX_REFUSALS: usize = 64;
/// How long a connection over the cap gets to send the request it is refused.
const REFUSAL_HEAD_TIMEOUT: Duration = Duration::from_secs(2);

/// Serves `app` on `listener` until `stop` resolves, then shuts down within
/// `limits.shutdown_grace`.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: HttpLimits,
    stop: impl Future<Output = ()>,
) {
    let (draining, drain) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut refusals = JoinSet::new();
    let mut stop = pin!(stop);
    loop {
        tokio::select! {
            biased;
            () = &mut stop => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            Some(_) = refusals.join_next(), if !refusals.is_empty() => {}
            accepted = listener.accept() => {
                let tcp = match accepted {
                    Ok((tcp, _)) => tcp,
                    Err(e) => {
                        tracing::debug!(error = %e, "accept failed");
                        // Out of file descriptors, say: let connections end before retrying.
                        if !is_per_connection(&e) {
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        continue;
                    }
                };
                let _ = tcp.set_nodelay(true);
                if connections.len() < limits.max_connections {
                    connections.spawn(serve_connection(tcp, app.clone(), limits, drain.clone()));
                } else if refusals.len() < MAX_REFUSALS {
                    refusals.spawn(refuse(tcp));
                }
            }
        }
    }
    drop(listener);
    let _ = draining.send(true);
    let drained = async {
        while connections.join_next().await.is_some() {}
        while refusals.join_next().await.is_some() {}
    };
    if tokio::time::timeout(limits.shutdown_grace, drained)
        .await
        .is_err()
    {
        tracing::debug!(
            left = connections.len(),
            "shutdown grace over: dropping connections"
        );
    }
    // Dropping the sets aborts whatever is left: a client cannot hold the shutdown.
}

/// Whether a failed accept concerns only that connection (the next accept may succeed now).
pub(crate) fn is_per_connection(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionRefused
    )
}

fn builder(head_timeout: Duration, max_head_bytes: usize) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(head_timeout)
        .max_header_size(max_head_bytes)
        // The read buffer must hold a whole head; beyond that it bounds the memory of a
        // connection whose body arrives faster than it is read.
        .max_buf_size(max_head_bytes + READ_BUFFER_SLACK);
    builder
}

async fn serve_connection(
    tcp: TcpStream,
    app: Router,
    limits: HttpLimits,
    mut drain: watch::Receiver<bool>,
) {
    let io = TokioIo::new(AwsShapedErrors::new(tcp));
    let builder = builder(limits.request_head_timeout, limits.max_head_bytes);
    let mut connection = pin!(builder.serve_connection(io, TowerToHyperService::new(app)));
    tokio::select! {
        result = connection.as_mut() => log_end(result),
        () = draining(&mut drain) => {
            // Finishes the request in flight, if any, then closes; the server's grace period
            // bounds how long that may take.
            connection.as_mut().graceful_shutdown();
            log_end(connection.await);
        }
    }
}

/// Resolves when the server starts shutting down.
async fn draining(drain: &mut watch::Receiver<bool>) {
    let _ = drain.wait_for(|draining| *draining).await;
}

/// Answers a connection over the cap with a throttling error in the protocol of its request
/// (SDKs back off and retry those), then closes it.
async fn refuse(tcp: TcpStream) {
    let io = TokioIo::new(AwsShapedErrors::new(tcp));
    let mut builder = builder(REFUSAL_HEAD_TIMEOUT, 8 * 1024);
    builder.keep_alive(false);
    let service = hyper::service::service_fn(
        |request: hyper::Request<hyper::body::Incoming>| async move {
            Ok::<_, std::convert::Infallible>(too_many_connections(&request))
        },
    );
    log_end(builder.serve_connection(io, service).await);
}

fn too_many_connections<B>(request: &hyper::Request<B>) -> Response {
    let protocol = Protocol::of(request.method(), request.uri().path(), request.headers());
    aws_error::throttled(
        protocol,
        "Too many connections to the embedded cloud; retry later.",
    )
}

fn log_end(result: hyper::Result<()>) {
    if let Err(e) = result {
        tracing::debug!(error = %e, "connection ended");
    }
}
