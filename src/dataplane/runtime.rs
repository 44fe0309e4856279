//! The container runtime of the embedded cloud: starts the containers of every task the ECS
//! snapshot says should run (PENDING, desired RUNNING), stops those it says should not, and
//! reports back with each container's 127.0.0.1 port.

use parking_lot::Mutex;
use std::collections::{HashMap, HashSet};
use std::hash::Hasher;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::Uri;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::container::Container;
use super::faults::{Fault, FaultSwitch};
use super::gopher::{self, Distributor, Requester};
use super::health;
use super::hosts::Hosts;
use super::images::{self, Image};
use super::public_images;
use super::routing::NodeId;
use super::service_connect::{self as sc, AliasCache};
use super::sidecar::{self, RoutingCache, Sidecar};
use crate::emulator::Cloud;
use crate::emulator::account_region::AccountRegion;
use crate::emulator::caps::PerAccountRate;
use crate::emulator::ecs::runtime::{PortBinding, RuntimeEvent, RuntimeReporter, StartedContainer};
use crate::emulator::ecs::service_connect as ecs_sc;
use crate::emulator::ecs::status::TaskStatus;
use crate::emulator::ecs::store::{EcsRegion, TaskRecord};
use crate::emulator::snapshot::CloudSnapshot;
use crate::envoy::EGRESS_PORT;
use crate::http_client::{HttpClient, http_client};
use crate::model::ecs::{ContainerDefinition, KeyValuePair, TaskDefinition};

/// Where the gopher apps listen, unless their port mappings say otherwise.
pub const APP_PORT: i32 = 9080;
const DEFAULT_DISTRIBUTOR_URL: &str = "http://distributor.gophers.local:9080/";

#[derive(Debug, Clone, Copy)]
pub struct DataPlaneConfig {
    /// Seeds every random choice (weighted targets, endpoints, injected faults), so that a
    /// run can be repeated.
    pub seed: u64,
    /// Divides the mesh's resilience intervals and durations (health check interval and
    /// timeout, ejection times): 1 in use, more in tests, which cannot wait App Mesh's
    /// minimum of 5 s between health checks.
    pub speedup: u32,
}

impl Default for DataPlaneConfig {
    fn default() -> Self {
        DataPlaneConfig {
            seed: 0x6d65_7368,
            speedup: 1,
        }
    }
}

/// The running data plane; dropping it stops every container.
pub struct DataPlane {
    faults: FaultSwitch,
    hosts: Arc<Hosts>,
    task: JoinHandle<()>,
    health: JoinHandle<()>,
}

impl DataPlane {
    pub fn start(cloud: &Arc<Cloud>, config: DataPlaneConfig) -> DataPlane {
        let faults = FaultSwitch::default();
        let hosts = Arc::new(Hosts::new(config.speedup));
        let shared = Arc::new(Shared {
            routing: Arc::new(RoutingCache::new(cloud.subscribe())),
            aliases: Arc::new(AliasCache::new(cloud.subscribe())),
            client: http_client(),
            faults: faults.clone(),
            hosts: hosts.clone(),
            seed: config.seed,
            rate: cloud.accounts.is_verified().then(|| {
                let per_second = cloud.config.caps.data_plane_per_second;
                Arc::new(PerAccountRate::new(per_second, per_second))
            }),
        });
        let health = tokio::spawn(health::run(
            cloud.subscribe(),
            hosts.clone(),
            shared.client.clone(),
        ));
        let task = tokio::spawn(run(cloud.subscribe(), cloud.runtime_reporter(), shared));
        DataPlane {
            faults,
            hosts,
            task,
            health,
        }
    }

    /// What the data plane knows about each upstream host (health, ejections) and the log of
    /// what resilience did; read-only.
    pub fn hosts(&self) -> Arc<Hosts> {
        self.hosts.clone()
    }

    /// The run-time fault switch (what the terminal UI's `f` key flips).
    pub fn faults(&self) -> FaultSwitch {
        self.faults.clone()
    }
}

impl Drop for DataPlane {
    fn drop(&mut self) {
        self.task.abort();
        self.health.abort();
    }
}

struct Shared {
    routing: Arc<RoutingCache>,
    aliases: Arc<AliasCache>,
    client: HttpClient,
    faults: FaultSwitch,
    hosts: Arc<Hosts>,
    seed: u64,
    /// Each account's data-plane requests per second, with accounts.
    rate: Option<Arc<PerAccountRate>>,
}

impl Shared {
    /// A random source for one container, seeded from the configuration and what the
    /// container is (not from start order, which varies): the same run draws the same numbers.
    fn rng(&self, what: &str) -> Mutex<fastrand::Rng> {
        // FNV-1a: a stable hash (std's hasher is randomly keyed per process).
        let mut hasher = fnv::FnvHasher::default();
        hasher.write(what.as_bytes());
        let hash = hasher.finish();
        Mutex::new(fastrand::Rng::with_seed(self.seed ^ hash))
    }
}

struct RunningTask {
    containers: Vec<Container>,
}

impl RunningTask {
    async fn stop(self) {
        for c in self.containers {
            c.stop().await;
        }
    }
}

async fn run(
    mut snapshots: watch::Receiver<CloudSnapshot>,
    reporter: RuntimeReporter,
    shared: Arc<Shared>,
) {
    let mut running: HashMap<String, RunningTask> = HashMap::new();
    let mut failed: HashSet<String> = HashSet::new();
    loop {
        let snapshot = snapshots.borrow_and_update().clone();
        let mut wanted = HashSet::new();
        for (scope, region) in &snapshot.ecs.scopes {
            for record in region.tasks.values() {
                let arn = record.task.task_arn.clone().unwrap_or_default();
                let should_run = record.desired_status() == Some(TaskStatus::Running)
                    && matches!(
                        record.last_status(),
                        Some(TaskStatus::Pending | TaskStatus::Running)
                    );
                if !should_run {
                    continue;
                }
                wanted.insert(arn.clone());
                if record.last_status() != Some(TaskStatus::Pending)
                    || running.contains_key(&arn)
                    || failed.contains(&arn)
                {
                    continue;
                }
                let td = region.task_definition_of(record);
                let Some(td) = td else { continue };
                match start_task(&shared, scope, region, record, td).await {
                    Ok((task, containers)) => {
                        running.insert(arn.clone(), task);
                        reporter.report(RuntimeEvent::Started {
                            task_arn: arn,
                            containers,
                        });
                    }
                    Err(reason) => {
                        tracing::info!(task = %arn, %reason, "task failed to start");
                        failed.insert(arn.clone());
                        reporter.report(RuntimeEvent::Failed {
                            task_arn: arn,
                            reason,
                        });
                    }
                }
            }
        }
        let unwanted: Vec<String> = running
            .keys()
            .filter(|a| !wanted.contains(*a))
            .cloned()
            .collect();
        for arn in unwanted {
            if let Some(task) = running.remove(&arn) {
                task.stop().await;
                reporter.report(RuntimeEvent::Stopped {
                    task_arn: arn,
                    exit_code: Some(0),
                    reason: None,
                });
            }
        }
        failed.retain(|a| wanted.contains(a));
        if snapshots.changed().await.is_err() {
            for (_, task) in running.drain() {
                task.stop().await;
            }
            return;
        }
    }
}

/// A container's environment: the task definition's, then the task's container overrides
/// (RunTask `overrides.containerOverrides[].environment`), which win.
fn environment(c: &ContainerDefinition, record: &TaskRecord) -> Vec<(String, String)> {
    let pairs = |kvs: Option<&Vec<KeyValuePair>>| -> Vec<(String, String)> {
        kvs.into_iter()
            .flatten()
            .filter_map(|kv| Some((kv.name.clone()?, kv.value.clone()?)))
            .collect()
    };
    let mut env = pairs(c.environment.as_ref());
    let overrides = record
        .task
        .overrides
        .as_ref()
        .and_then(|o| o.container_overrides.as_ref())
        .into_iter()
        .flatten()
        .filter(|o| o.name.is_some() && o.name == c.name);
    for o in overrides {
        for (name, value) in pairs(o.environment.as_ref()) {
            env.retain(|(n, _)| *n != name);
            env.push((name, value));
        }
    }
    env
}

fn env(env: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    env.iter().map(|(n, v)| (n.as_str(), v.as_str()))
}

fn env_value<'a>(e: &'a [(String, String)], name: &str) -> Option<&'a str> {
    env(e).find(|(n, _)| *n == name).map(|(_, v)| v)
}

/// Starts every container of a task: the sidecar and the Service Connect proxy first (the
/// apps need their addresses).
async fn start_task(
    shared: &Shared,
    scope: &AccountRegion,
    ecs: &EcsRegion,
    record: &TaskRecord,
    td: &TaskDefinition,
) -> Result<(RunningTask, Vec<StartedContainer>), String> {
    let task_id = record.id().to_string();
    let definitions: Vec<&ContainerDefinition> =
        td.container_definitions.iter().flatten().collect();
    let environments: Vec<Vec<(String, String)>> =
        definitions.iter().map(|c| environment(c, record)).collect();
    let kinds = classify_images(&definitions)?;
    let mut started = StartingTask {
        task: RunningTask {
            containers: Vec::new(),
        },
        reported: Vec::new(),
    };
    let service_connect =
        start_service_connect_proxy(shared, scope, ecs, record, &task_id, &mut started).await?;
    let mut egress = None;
    for ((c, kind), e) in definitions.iter().zip(&kinds).zip(&environments) {
        if *kind == Image::Envoy {
            let addr = start_sidecar(shared, scope, c, e, &mut started).await?;
            egress = egress.or(Some(addr));
        }
    }
    let apps = Apps {
        shared,
        account: &scope.account,
        task_id: &task_id,
        revision: format!(
            "{}:{}",
            td.family.as_deref().unwrap_or_default(),
            td.revision.unwrap_or_default()
        ),
        // A Service Connect task's apps send through its proxy, else through the mesh's sidecar.
        egress: service_connect.or(egress),
    };
    for ((c, kind), e) in definitions.iter().zip(&kinds).zip(&environments) {
        let Some(router) = apps.router(c, *kind, e)? else {
            continue;
        };
        start_app(c, router, &mut started).await?;
    }
    Ok((started.task, started.reported))
}

/// What each container image is, or the error of the first one that cannot be pulled.
fn classify_images(definitions: &[&ContainerDefinition]) -> Result<Vec<Image>, String> {
    let mut kinds = Vec::new();
    for c in definitions {
        let image = c.image.as_deref().unwrap_or_default();
        let name = c.name.as_deref().unwrap_or_default();
        kinds.push(images::classify(image).ok_or_else(|| images::cannot_pull(name, image))?);
    }
    Ok(kinds)
}

/// The containers of a task started so far, and what is reported of each.
struct StartingTask {
    task: RunningTask,
    reported: Vec<StartedContainer>,
}

impl StartingTask {
    fn add(&mut self, container: Container, name: String, bindings: Vec<PortBinding>) {
        self.reported.push(StartedContainer { name, bindings });
        self.task.containers.push(container);
    }
}

/// Starts the Service Connect proxy ECS added to the task (DescribeTasks shows it), if the
/// task has Service Connect: the apps' egress. It listens inside the task only, so it reports
/// no port binding. Returns its address.
async fn start_service_connect_proxy(
    shared: &Shared,
    scope: &AccountRegion,
    ecs: &EcsRegion,
    record: &TaskRecord,
    task_id: &str,
    started: &mut StartingTask,
) -> Result<Option<SocketAddr>, String> {
    let Some(namespace) = ecs_sc::of_task(ecs, record).and_then(|c| c.namespace.clone()) else {
        return Ok(None);
    };
    let name = record
        .task
        .containers
        .iter()
        .flatten()
        .find(|c| ecs_sc::is_proxy(c))
        .and_then(|c| c.name.clone())
        .unwrap_or_else(|| format!("{}proxy", ecs_sc::PROXY_CONTAINER_PREFIX));
    let picker = sc::AliasPicker {
        rng: shared.rng(&format!("service connect {namespace} {task_id}")),
        namespace,
        aliases: shared.aliases.clone(),
    };
    let rate = shared.rate.as_ref().map(|r| r.for_account(&scope.account));
    let container = sc::serve_proxy(&name, picker, rate)
        .await
        .map_err(|e| e.to_string())?;
    let addr = container.addr;
    started.add(container, name, vec![]);
    Ok(Some(addr))
}

/// Starts an Envoy container as the sidecar of its virtual node. Returns its egress address.
async fn start_sidecar(
    shared: &Shared,
    scope: &AccountRegion,
    c: &ContainerDefinition,
    e: &[(String, String)],
    started: &mut StartingTask,
) -> Result<SocketAddr, String> {
    let name = c.name.clone().unwrap_or_default();
    let Some(node) = NodeId::from_env(env(e), scope) else {
        return Err(format!(
            "Container {name} ({}) needs APPMESH_RESOURCE_ARN (a virtual node of the task's own account) or APPMESH_VIRTUAL_NODE_NAME to know its virtual node.",
            c.image.as_deref().unwrap_or_default()
        ));
    };
    let rng = shared.rng(&format!(
        "sidecar {}/{}/{}",
        node.scope.region, node.mesh, node.node
    ));
    let rate = shared
        .rate
        .as_ref()
        .map(|r| r.for_account(&node.scope.account));
    let sidecar = Sidecar {
        node,
        routing: shared.routing.clone(),
        rng,
        hosts: shared.hosts.clone(),
    };
    let container = sidecar::serve_egress(&name, sidecar, rate)
        .await
        .map_err(|e| e.to_string())?;
    let addr = container.addr;
    let bindings = vec![PortBinding {
        container_port: EGRESS_PORT,
        host_port: i32::from(addr.port()),
    }];
    started.add(container, name, bindings);
    Ok(addr)
}

/// Starts an app container, reporting its port mapping (or [`APP_PORT`]) bound to the port
/// it listens on.
async fn start_app(
    c: &ContainerDefinition,
    router: Router,
    started: &mut StartingTask,
) -> Result<(), String> {
    let name = c.name.clone().unwrap_or_default();
    let container = Container::serve(&name, router)
        .await
        .map_err(|e| e.to_string())?;
    let container_port = c
        .port_mappings
        .iter()
        .flatten()
        .find_map(|p| p.container_port)
        .unwrap_or(APP_PORT);
    let bindings = vec![PortBinding {
        container_port,
        host_port: i32::from(container.addr.port()),
    }];
    started.add(container, name, bindings);
    Ok(())
}

/// What the app containers of a task share.
struct Apps<'a> {
    shared: &'a Shared,
    /// The account the task runs in: its apps see that account's faults only.
    account: &'a str,
    task_id: &'a str,
    /// The task definition's `family:revision`.
    revision: String,
    /// Where the apps send their requests: the Service Connect proxy or the sidecar, if any.
    egress: Option<SocketAddr>,
}

impl Apps<'_> {
    /// What an app container serves; `None` for the sidecar (started before the apps).
    fn router(
        &self,
        c: &ContainerDefinition,
        kind: Image,
        e: &[(String, String)],
    ) -> Result<Option<Router>, String> {
        let router = match kind {
            Image::Envoy => return Ok(None),
            Image::Distributor => self.distributor(c, e),
            Image::Requester => self.requester(e)?,
            Image::HttpEcho => self.http_echo(c, e)?,
            Image::Curl => self.curl(c)?,
        };
        Ok(Some(router))
    }

    fn distributor(&self, c: &ContainerDefinition, e: &[(String, String)]) -> Router {
        let image = c.image.as_deref().unwrap_or_default();
        let version = env_value(e, "Tag")
            .or(images::split(image).1)
            .unwrap_or("latest")
            .to_string();
        let rng = self.shared.rng(&format!("distributor {version}"));
        gopher::distributor(Distributor {
            version,
            revision: None,
            task_id: self.task_id.to_string(),
            env_fault: Fault::from_env(env(e)),
            faults: self.shared.faults.for_account(self.account),
            rng,
        })
    }

    fn requester(&self, e: &[(String, String)]) -> Result<Router, String> {
        let url = env_value(e, "DISTRIBUTOR_URL").unwrap_or(DEFAULT_DISTRIBUTOR_URL);
        let distributor_url: Uri = url
            .parse()
            .map_err(|e| format!("DISTRIBUTOR_URL '{url}': {e}"))?;
        Ok(self.requester_of(distributor_url))
    }

    /// The public http-echo image, as a distributor answering its `-text` (the version).
    fn http_echo(&self, c: &ContainerDefinition, e: &[(String, String)]) -> Result<Router, String> {
        let name = c.name.as_deref().unwrap_or_default();
        let version = public_images::echo_text(c).ok_or_else(|| {
            format!(
                "Container {name} (http-echo) exited: http-echo needs a -text argument in its command (e.g. [\"-text=v1\", \"-listen=:9080\"])."
            )
        })?;
        let status = public_images::echo_status(c)
            .map_err(|why| format!("Container {name} (http-echo) exited: {why}."))?;
        // `-status-code=503` answers everything with 503: a fault on every request.
        let env_fault = match status {
            200..=299 => Fault::from_env(env(e)),
            _ => Some(Fault {
                error_rate: 1.0,
                error_status: status,
                ..Fault::NONE
            }),
        };
        let rng = self
            .shared
            .rng(&format!("http-echo {} {version}", self.revision));
        Ok(gopher::distributor(Distributor {
            version,
            revision: Some(self.revision.clone()),
            task_id: self.task_id.to_string(),
            env_fault,
            faults: self.shared.faults.for_account(self.account),
            rng,
        }))
    }

    /// The public curl image, as a requester calling the URL of its command.
    fn curl(&self, c: &ContainerDefinition) -> Result<Router, String> {
        let name = c.name.as_deref().unwrap_or_default();
        let url = public_images::first_url(c).ok_or_else(|| {
            format!(
                "Container {name} (curl) has no http:// URL in its command for the embedded cloud to call."
            )
        })?;
        let distributor_url: Uri = url
            .parse()
            .map_err(|e| format!("the URL '{url}' in {name}'s command: {e}"))?;
        Ok(self.requester_of(distributor_url))
    }

    fn requester_of(&self, distributor_url: Uri) -> Router {
        gopher::requester(Requester {
            task_id: self.task_id.to_string(),
            distributor_url,
            egress: self.egress,
            client: self.shared.client.clone(),
        })
    }
}
