//! A running container: an HTTP server on its own 127.0.0.1 port, stopped gracefully.

use std::net::SocketAddr;

use axum::Router;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub struct Container {
    pub name: String,
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Container {
    /// Binds a fresh loopback port and serves `app` on it.
    pub async fn serve(name: &str, app: Router) -> std::io::Result<Container> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        // Small request/response exchanges: without TCP_NODELAY, Nagle's algorithm and
        // delayed ACKs would add tens of milliseconds to some of them.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
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
