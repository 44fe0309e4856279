//! The data plane's worker threads: one event loop per core, as Envoy and nginx run theirs.
//!
//! Each connection to a proxy (a sidecar's egress, a Service Connect proxy) is served from
//! start to end on one worker, and the proxy sends its upstream requests with that worker's
//! own connection pool ([`client`]). A request then never crosses threads: no work stealing,
//! no wake-ups of another thread, no shared pool lock. On a multi-threaded runtime, the
//! connection, the pooled upstream connection and the timer each woke whichever thread was
//! free; measured on 2 cores, alternating builds, the workers gave the sidecar a median 4–9%
//! more requests per second.
//! The apps stay on the runtime that started them: measured, they served fewer requests per
//! second on the workers.

use std::future::Future;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::runtime::{Builder, Handle};

use crate::http_client::{HttpClient, http_client};

struct Workers {
    handles: Vec<Handle>,
    next: AtomicUsize,
}

/// The workers, started on first use: as many as the machine has cores (Envoy's default
/// `--concurrency`). They live as long as the process.
fn workers() -> &'static Workers {
    static WORKERS: OnceLock<Workers> = OnceLock::new();
    WORKERS.get_or_init(|| {
        let count = std::thread::available_parallelism().map_or(1, usize::from);
        let handles = (0..count).map(start_worker).collect();
        Workers {
            handles,
            next: AtomicUsize::new(0),
        }
    })
}

fn start_worker(index: usize) -> Handle {
    let runtime = Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for a data-plane worker");
    let handle = runtime.handle().clone();
    handle.spawn(keep_a_timer_pending());
    std::thread::Builder::new()
        .name(format!("meshwalk-worker-{index}"))
        .spawn(move || runtime.block_on(std::future::pending::<()>()))
        .expect("a data-plane worker thread");
    handle
}

/// Wakes the worker every [`TIMER_KEEPER_PERIOD`], and nothing else.
///
/// Why: each sidecar request starts a timer (its route's timeout, 15 s by default). When a
/// worker goes to sleep with no timer pending, tokio notes "no wake-up planned", and the next
/// timer started must then wake the worker's event loop through its eventfd, although the
/// worker itself is the one starting it: one needless `write` syscall and one needless return
/// from `epoll_wait` for about every third request (measured with `perf`). With this timer
/// always pending, a wake-up is always planned at most this far ahead, and timers set later
/// than that need none.
async fn keep_a_timer_pending() {
    loop {
        tokio::time::sleep(TIMER_KEEPER_PERIOD).await;
    }
}

/// Shorter than App Mesh's default route timeout (15 s), so the usual timer needs no wake-up;
/// long enough that an idle worker costs nothing measurable.
const TIMER_KEEPER_PERIOD: std::time::Duration = std::time::Duration::from_secs(10);

/// Serves the accepted connection `tcp` on the next worker, in turn, with `serve`.
///
/// The socket is registered with the worker's own event loop, not the one that accepted it:
/// a socket stays with the reactor it was registered with, so a socket accepted on the main
/// runtime and then served on a worker has each of its readiness events found by the main
/// runtime's threads, which must then wake the worker through its eventfd. Measured with
/// `perf`, that was a `write` syscall and a context switch on another thread for about every
/// request through a sidecar.
pub fn serve<F, Fut>(tcp: tokio::net::TcpStream, serve: F)
where
    F: FnOnce(tokio::net::TcpStream) -> Fut + Send + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    // Still in non-blocking mode: tokio left it so when it was registered.
    let Ok(tcp) = tcp.into_std() else { return };
    spawn(async move {
        // Only fails when the worker's runtime has no I/O driver, which it always has.
        if let Ok(tcp) = tokio::net::TcpStream::from_std(tcp) {
            serve(tcp).await;
        }
    });
}

/// Runs `future` on the next worker, in turn.
fn spawn<F>(future: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let workers = workers();
    let index = workers.next.fetch_add(1, Ordering::Relaxed) % workers.handles.len();
    workers.handles[index].spawn(future);
}

thread_local! {
    static CLIENT: HttpClient = http_client();
}

/// The calling thread's HTTP client: its pooled connections are served by this thread, so a
/// worker's requests stay on the worker.
pub fn client() -> HttpClient {
    CLIENT.with(HttpClient::clone)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// The name of the thread that ran a future given to [`spawn`].
    async fn thread_of_a_spawned_future() -> String {
        let (tx, rx) = tokio::sync::oneshot::channel();
        spawn(async move {
            let name = std::thread::current().name().map(str::to_string);
            let _ = tx.send(name.unwrap_or_default());
        });
        rx.await.expect("the worker ran the future")
    }

    #[tokio::test]
    async fn connections_are_served_on_every_worker_in_turn() {
        let count = workers().handles.len();
        let mut threads = BTreeSet::new();
        // More turns than workers: another test's connections may take some turns meanwhile.
        for _ in 0..8 * count {
            threads.insert(thread_of_a_spawned_future().await);
        }
        let expected: BTreeSet<String> =
            (0..count).map(|i| format!("meshwalk-worker-{i}")).collect();
        assert_eq!(threads, expected);
    }
}
