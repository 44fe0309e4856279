//! `hyper-proxy PORT UPSTREAM1 UPSTREAM2`: listens on 127.0.0.1:PORT and forwards each request
//! to UPSTREAM1 or UPSTREAM2 (host:port), 9 to 1 at random, on hyper's pooled keep-alive
//! client; the upstream's answer streams back as it is. Nothing else: no routing table, no
//! retries, no timeouts, no headers added, no request body buffered, which the meshwalk sidecar
//! all does. The same tokio and hyper versions as meshwalk's, and the same threading as its
//! proxies: each connection served on one of a current-thread runtime per core, in turn, with
//! that thread's own client.

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
use tokio::runtime::{Builder, Handle};

type Upstreams = Arc<[String; 2]>;
type HttpClient = Client<HttpConnector, Incoming>;

thread_local! {
    static CLIENT: HttpClient = {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Client::builder(TokioExecutor::new()).build(connector)
    };
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [port, first, second] = args.as_slice() else {
        eprintln!("usage: hyper-proxy PORT UPSTREAM1 UPSTREAM2");
        std::process::exit(2);
    };
    let port: u16 = port.parse().expect("PORT is a number");
    let upstreams: Upstreams = Arc::new([first.clone(), second.clone()]);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let workers: Vec<Handle> = (0..cores).map(|_| start_worker()).collect();
    let acceptor = Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    acceptor.block_on(async move {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .expect("the port is free");
        for turn in 0.. {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let _ = tcp.set_nodelay(true);
            let tcp = tcp.into_std().expect("a socket");
            let upstreams = upstreams.clone();
            workers[turn % workers.len()].spawn(async move {
                let tcp = tokio::net::TcpStream::from_std(tcp).expect("a socket");
                let client = CLIENT.with(HttpClient::clone);
                let service =
                    service_fn(move |request| forward(client.clone(), upstreams.clone(), request));
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(tcp), service)
                    .await;
            });
        }
    });
}

fn start_worker() -> Handle {
    let runtime = Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let handle = runtime.handle().clone();
    std::thread::spawn(move || runtime.block_on(std::future::pending::<()>()));
    handle
}

async fn forward(
    client: HttpClient,
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
