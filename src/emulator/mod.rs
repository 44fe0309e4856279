//! The embedded cloud's control plane: an HTTP server on loopback that speaks the App Mesh
//! REST-JSON protocol (and, on the same endpoint, ECS's JSON 1.1), so that the AWS SDKs and
//! the aws CLI work against it unchanged.

pub mod appmesh;
pub mod ecs;
pub mod http;
pub mod plane;
pub mod snapshot;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use appmesh::AppMesh;
use appmesh::store::Limits;
use ecs::Ecs;
use ecs::runtime::{RuntimeEvent, RuntimeReporter};
use ecs::store::Timings;
use snapshot::{CloudSnapshot, Publisher};

/// Who the embedded cloud is: its default region and its single account.
#[derive(Debug, Clone)]
pub struct CloudConfig {
    /// Used when a request carries no SigV4 credential scope.
    pub region: String,
    pub account_id: String,
    pub appmesh_limits: Limits,
    /// How long ECS task transitions take (zero in tests).
    pub ecs_timings: Timings,
}

impl Default for CloudConfig {
    fn default() -> Self {
        CloudConfig {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            appmesh_limits: Limits::default(),
            ecs_timings: Timings::default(),
        }
    }
}

/// The services of the control plane and the snapshot channel they publish on.
pub struct Cloud {
    pub config: CloudConfig,
    pub appmesh: AppMesh,
    pub ecs: Ecs,
    publisher: Publisher,
    reporter: RuntimeReporter,
    /// Taken by the ECS scheduler when the cloud starts.
    runtime_events: Mutex<Option<mpsc::UnboundedReceiver<RuntimeEvent>>>,
}

impl Cloud {
    pub fn new(config: CloudConfig) -> Arc<Cloud> {
        let publisher = Publisher::new();
        let appmesh_publisher = publisher.clone();
        let appmesh = AppMesh::new(config.account_id.clone(), config.appmesh_limits, move |s| {
            appmesh_publisher.publish_appmesh(s)
        });
        let ecs_publisher = publisher.clone();
        let ecs = Ecs::new(
            config.account_id.clone(),
            config.region.clone(),
            config.ecs_timings,
            move |s| ecs_publisher.publish_ecs(s),
        );
        let (tx, rx) = mpsc::unbounded_channel();
        Arc::new(Cloud {
            config,
            appmesh,
            ecs,
            publisher,
            reporter: RuntimeReporter::new(tx),
            runtime_events: Mutex::new(Some(rx)),
        })
    }

    /// Where a container runtime reports what became of the tasks it was asked to run.
    pub fn runtime_reporter(&self) -> RuntimeReporter {
        self.reporter.clone()
    }

    /// A receiver of state snapshots (the data plane's only view of the cloud).
    pub fn subscribe(&self) -> watch::Receiver<CloudSnapshot> {
        self.publisher.subscribe()
    }

    pub fn snapshot(&self) -> CloudSnapshot {
        self.publisher.current()
    }
}

/// A running embedded cloud: its endpoint, and a handle that stops it.
pub struct RunningCloud {
    pub addr: SocketAddr,
    pub cloud: Arc<Cloud>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
    scheduler: JoinHandle<()>,
}

impl RunningCloud {
    /// Binds `addr` (port 0 picks a free port) and serves until stopped or dropped.
    pub async fn start(config: CloudConfig, addr: SocketAddr) -> std::io::Result<RunningCloud> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let cloud = Cloud::new(config);
        let (shutdown, stopped) = oneshot::channel::<()>();
        let app = http::router(cloud.clone());
        let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
            let _ = tcp.set_nodelay(true);
        });
        let events = cloud
            .runtime_events
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .expect("a new cloud's runtime events are taken once, here");
        let scheduler_cloud = cloud.clone();
        let scheduler =
            tokio::spawn(async move { scheduler_cloud.ecs.run_supervised_scheduler(events).await });
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
        });
        Ok(RunningCloud {
            addr,
            cloud,
            shutdown: Some(shutdown),
            task: Some(task),
            scheduler,
        })
    }

    /// `http://ADDR`, what `--endpoint-url` / `AWS_ENDPOINT_URL` take.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting, lets requests in flight finish, and waits for the server to end.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.scheduler.abort();
        match self.task.take() {
            Some(task) => task.await.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            None => Ok(()),
        }
    }
}

impl Drop for RunningCloud {
    fn drop(&mut self) {
        self.scheduler.abort();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
