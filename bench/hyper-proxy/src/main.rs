//! `hyper-proxy PORT UPSTREAM1 UPSTREAM2`: listens on 127.0.0.1:PORT and forwards each request
//! to UPSTREAM1 or UPSTREAM2 (host:port), 9 to 1 at random, on hyper's pooled keep-alive
//! client; the upstream's answer streams back as it is. Nothing else: no routing table, no
//! retries, no timeouts, no headers added, no request body buffered, which the meshwalk sidecar
//! all does. The same tokio runtime and hyper versions as meshwalk's.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

type Upstreams = Arc<[String; 2]>;

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [port, first, second] = args.as_slice() else {
        eprintln!("usage: hyper-proxy PORT UPSTREAM1 UPSTREAM2");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("PORT is a number");
    let upstreams: Upstreams = Arc::new([first.clone(), second.clone()]);
    let mut connector = HttpConnector::new();
    connector.set_nodelay(true);
    let client = Client::builder(TokioExecutor::new()).build(connector);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("the port is free");
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let (client, upstreams) = (client.clone(), upstreams.clone());
        let service =
            service_fn(move |request| forward(client.clone(), upstreams.clone(), request));
        tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(tcp), service));
    }
}

async fn forward(
    client: Client<HttpConnector, Incoming>,
    upstreams: Upstreams,
    request: Request<Incoming>,
) -> Result<Response<Either<Incoming, Full<Bytes>>>, Infallible> {
    let upstream = &upstreams[usize::from(fastrand::u32(0..10) == 0)];
    let (mut parts, body) = request.into_parts();
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = Uri::try_from(format!("http://{upstream}{path}")).expect("a valid URI");
    Ok(
        match client.request(Request::from_parts(parts, body)).await {
            Ok(response) => response.map(Either::Left),
            Err(_) => {
                let mut response = Response::new(Either::Right(Full::new(Bytes::from_static(
                    b"upstream error",
                ))));
                *response.status_mut() = StatusCode::BAD_GATEWAY;
                response
            }
        },
    )
}
