//! The embedded cloud's control plane: an HTTP server on loopback that speaks the App Mesh
//! REST-JSON protocol (and, on the same endpoint, ECS's JSON 1.1 and Cloud Map's JSON 1.1 and
//! RPC v2 CBOR), so that the AWS SDKs and the aws CLI work against it unchanged.

pub mod account_region;
pub mod accounts;
mod admission;
pub mod appmesh;
pub mod arn;
pub mod aws_error;
pub mod call_log;
pub mod caps;
pub mod clock;
pub mod cloudmap;
pub mod cross_account;
mod dispatch;
pub mod ecs;
pub mod http;
mod hyper_errors;
mod json11;
pub mod plane;
pub mod regions;
mod rest_json;
pub mod server;
pub mod sigv4;
pub mod snapshot;
pub mod sts;

use parking_lot::Mutex;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use account_region::AccountRegion;
use accounts::{AccountError, Accounts, Credentials};
use appmesh::AppMesh;
use appmesh::store::Limits;
use caps::{AccountCaps, PerAccountRate};
use clock::Clock;
use cloudmap::CloudMap;
use cloudmap::quotas::Quotas;
use ecs::Ecs;
use ecs::runtime::{RuntimeEvent, RuntimeReporter};
use ecs::store::Timings;
use server::HttpLimits;
use snapshot::{CloudSnapshot, Publisher};

/// Who the embedded cloud is: its default region, its account (or its accounts), its bounds.
#[derive(Debug, Clone)]
pub struct CloudConfig {
    /// Used when a request carries no SigV4 credential scope.
    pub region: String,
    /// The one account of a cloud without `accounts`: every request acts in it.
    pub account_id: String,
    pub appmesh_limits: Limits,
    /// How long ECS task transitions take (zero in tests).
    pub ecs_timings: Timings,
    /// Timeouts and sizes of the HTTP front.
    pub http: HttpLimits,
    /// How many times faster than real time the cloud's clock runs ([`clock::MIN_SCALE`] to
    /// [`clock::MAX_SCALE`]; clamped); `Cloud::clock` is the clock itself.
    pub clock_scale: f64,
    /// `None`: one account (`account_id`), any credentials. `Some`: these accounts, and every
    /// request must be signed with one of their keys (more can be added while it runs).
    pub accounts: Option<Vec<Credentials>>,
    /// What each account may use when there are accounts (see caps.rs).
    pub caps: AccountCaps,
}

impl Default for CloudConfig {
    fn default() -> Self {
        CloudConfig {
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            appmesh_limits: Limits::default(),
            ecs_timings: Timings::default(),
            http: HttpLimits::default(),
            clock_scale: 1.0,
            accounts: None,
            caps: AccountCaps::default(),
        }
    }
}

/// The services of the control plane and the snapshot channel they publish on.
pub struct Cloud {
    pub config: CloudConfig,
    /// Who may call, and in which account each key acts.
    pub accounts: Accounts,
    /// Each account's API request rate, with accounts; `None` without.
    pub api_rate: Option<PerAccountRate>,
    /// The one clock App Mesh, ECS and Cloud Map read.
    pub clock: Clock,
    pub appmesh: AppMesh,
    pub ecs: Ecs,
    /// Cloud Map, with its documented default quotas (ECS Service Connect writes to it too).
    pub cloudmap: Arc<CloudMap>,
    /// Every answered call, for listeners (a classroom host).
    pub call_log: call_log::CallLog,
    publisher: Publisher,
    reporter: RuntimeReporter,
    /// Taken by the ECS scheduler when the cloud starts.
    runtime_events: Mutex<Option<mpsc::UnboundedReceiver<RuntimeEvent>>>,
}

impl Cloud {
    pub fn new(config: CloudConfig) -> Arc<Cloud> {
        let publisher = Publisher::new();
        let clock = Clock::new(config.clock_scale);
        let appmesh_publisher = publisher.clone();
        let appmesh = AppMesh::new(config.appmesh_limits, clock.clone(), move |s| {
            appmesh_publisher.publish_appmesh(s)
        });
        let cloudmap = Arc::new(CloudMap::new(Quotas::default(), clock.clone()));
        let ecs_publisher = publisher.clone();
        let mut ecs = Ecs::new(
            config.ecs_timings,
            clock.clone(),
            cloudmap.clone(),
            move |s| ecs_publisher.publish_ecs(s),
        );
        if config.accounts.is_some() {
            ecs = ecs.with_task_cap(config.caps.live_tasks);
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let accounts = match &config.accounts {
            Some(list) => Accounts::verified(list.clone()),
            None => Accounts::open(),
        };
        let api_rate = accounts
            .is_verified()
            .then(|| PerAccountRate::new(config.caps.api_per_second, config.caps.api_burst));
        Arc::new(Cloud {
            config,
            accounts,
            api_rate,
            clock,
            appmesh,
            ecs,
            cloudmap,
            call_log: call_log::CallLog::default(),
            publisher,
            reporter: RuntimeReporter::new(tx),
            runtime_events: Mutex::new(Some(rx)),
        })
    }

    /// The default account's `region`: where unsigned requests (and, without accounts, every
    /// request) act.
    pub fn scope(&self, region: &str) -> AccountRegion {
        AccountRegion::new(self.config.account_id.as_str(), region)
    }

    /// Adds an account while the cloud runs (a cloud started with accounts only): its key works
    /// at once.
    pub fn add_account(&self, name: &str) -> Result<Credentials, AccountError> {
        self.accounts.add(name)
    }

    /// Removes an account while the cloud runs: its key stops working at once, and everything
    /// it had in every plane is deleted (its tasks stop).
    pub fn remove_account(&self, name: &str) -> Result<Credentials, AccountError> {
        let removed = self.accounts.remove(name)?;
        self.empty_account(&removed.account_id);
        Ok(removed)
    }

    /// Deletes everything `account` has in every plane (its tasks stop); its keys keep
    /// working (a classroom host resetting an attendee's account).
    pub fn empty_account(&self, account: &str) {
        self.appmesh.forget_account(account);
        self.ecs.forget_account(account);
        self.cloudmap.forget_account(account);
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
    task: Option<JoinHandle<()>>,
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
        let limits = cloud.config.http;
        let events = cloud
            .runtime_events
            .lock()
            .take()
            .expect("a new cloud's runtime events are taken once, here");
        let scheduler_cloud = cloud.clone();
        let scheduler =
            tokio::spawn(async move { scheduler_cloud.ecs.run_supervised_scheduler(events).await });
        let task = tokio::spawn(server::serve(listener, app, limits, async {
            let _ = stopped.await;
        }));
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

    /// Stops accepting, gives requests in flight the shutdown grace period
    /// ([`HttpLimits::shutdown_grace`]) to finish, drops the connections left and returns.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.scheduler.abort();
        match self.task.take() {
            Some(task) => task.await.map_err(std::io::Error::other),
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
