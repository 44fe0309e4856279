//! A running container: an HTTP/1.1 server on its own 127.0.0.1 port, stopped gracefully.

use std::error::Error as StdError;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::{Request, Response};
use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::Service;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::workers;
use crate::emulator::server::is_per_connection;

pub struct Container {
    pub name: String,
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

/// Where a container serves its connections.
#[derive(Clone, Copy, Debug)]
pub enum Threads {
    /// On the runtime that started it, as the apps are.
    Runtime,
    /// On the data plane's per-core workers, as the proxies are (the sidecars' egress, the
    /// Service Connect proxies; see [`workers`]): a proxy's requests then never cross threads.
    Workers,
}

impl Container {
    /// Binds a fresh loopback port and serves the axum `app` on it.
    pub async fn serve(name: &str, app: Router) -> std::io::Result<Container> {
        Container::serve_service(name, TowerToHyperService::new(app), Threads::Runtime).await
    }

    /// Binds a fresh loopback port and serves a hyper `service` on it: what a container that
    /// answers every request the same way (the proxies, see [`super::forward`]) uses, with no
    /// router and no boxed bodies in between. Its connections are served where `threads` says.
    pub async fn serve_service<S, B>(
        name: &str,
        service: S,
        threads: Threads,
    ) -> std::io::Result<Container>
    where
        S: Service<Request<Incoming>, Response = Response<B>> + Clone + Send + Sync + 'static,
        S::Future: Send + 'static,
        S::Error: Into<Box<dyn StdError + Send + Sync>>,
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn StdError + Send + Sync>>,
    {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let (shutdown, mut stopped) = oneshot::channel::<()>();
        // Serves each connection until `stopped`; then closes the idle ones and waits for the
        // requests in flight.
        let task = tokio::spawn(async move {
            let graceful = GracefulShutdown::new();
            loop {
                let tcp = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok((tcp, _peer)) => tcp,
                        Err(e) => {
                            // Out of file descriptors, say: let connections end before retrying.
                            if !is_per_connection(&e) {
                                tokio::time::sleep(Duration::from_millis(50)).await;
                            }
                            continue;
                        }
                    },
                    _ = &mut stopped => break,
                };
                // Small request/response exchanges: without TCP_NODELAY, Nagle's algorithm and
                // delayed ACKs would add tens of milliseconds to some of them.
                let _ = tcp.set_nodelay(true);
                let service = service.clone();
                let watcher = graceful.watcher();
                let serve = move |tcp| async move {
                    let connection =
                        http1::Builder::new().serve_connection(TokioIo::new(tcp), service);
                    // A client that goes away mid-request is its own business.
                    let _ = watcher.watch(connection).await;
                };
                match threads {
                    Threads::Runtime => drop(tokio::spawn(serve(tcp))),
                    Threads::Workers => workers::serve(tcp, serve),
                }
            }
            drop(listener);
            graceful.shutdown().await;
        });
        Ok(Container {
            name: name.to_string(),
            addr,
            shutdown: Some(shutdown),
            task,
        })
    }

    /// Stops accepting and lets requests in flight finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = (&mut self.task).await;
    }
}

impl Drop for Container {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpStream;

    use bytes::Bytes;
    use http_body_util::Full;
    use hyper::service::service_fn;

    use super::*;

    /// Sends a GET on `tcp` and returns the answer's body (the server says its length).
    fn get(tcp: &mut BufReader<TcpStream>) -> String {
        tcp.get_mut()
            .write_all(b"GET / HTTP/1.1\r\nHost: proxy\r\n\r\n")
            .unwrap();
        let mut length = 0;
        loop {
            let mut line = String::new();
            tcp.read_line(&mut line).expect("an answer in time");
            let line = line.trim_end().to_ascii_lowercase();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap();
            }
        }
        let mut body = vec![0; length];
        tcp.read_exact(&mut body).unwrap();
        String::from_utf8(body).unwrap()
    }

    /// A worker serves its connections on its own: the runtime that accepted one is not needed
    /// for its requests (nor woken by them), as it would be if the socket stayed registered
    /// with that runtime's event loop.
    #[test]
    fn a_workers_connection_is_served_without_the_runtime_that_accepted_it() {
        let accepting = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let service = service_fn(|_request| async {
            let thread = std::thread::current()
                .name()
                .unwrap_or_default()
                .to_string();
            Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from(thread))))
        });
        let container = accepting
            .block_on(Container::serve_service("proxy", service, Threads::Workers))
            .unwrap();
        let tcp = TcpStream::connect(container.addr).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut tcp = BufReader::new(tcp);
        // The accepting runtime runs while the first request is answered (it accepts the
        // connection then), and no longer after.
        let (first, mut tcp) = accepting.block_on(async move {
            tokio::task::spawn_blocking(move || (get(&mut tcp), tcp))
                .await
                .unwrap()
        });
        assert!(first.starts_with("meshwalk-worker-"), "{first}");
        assert_eq!(get(&mut tcp), first, "the same worker answers again");
    }
}
