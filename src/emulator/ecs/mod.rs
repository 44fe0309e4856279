//! The embedded cloud's ECS control plane (API version 2014-11-13, JSON 1.1), whose services
//! really run tasks through a runtime (see runtime.rs).
//!
//! Implemented: CreateCluster, DescribeClusters, ListClusters, DeleteCluster;
//! RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
//! ListTaskDefinitionFamilies, DeregisterTaskDefinition; CreateService, UpdateService,
//! DescribeServices, ListServices, DeleteService; RunTask, StopTask, ListTasks, DescribeTasks;
//! TagResource, UntagResource, ListTagsForResource; ListServiceDeployments,
//! DescribeServiceDeployments, StopServiceDeployment, ContinueServiceDeployment,
//! DescribeServiceRevisions (deployments/: ROLLING, BLUE_GREEN, CANARY and LINEAR strategies,
//! PAUSE lifecycle hooks, rollback, the circuit breaker); UpdateCluster; Service
//! Connect (service_connect.rs: namespaces, Cloud Map services and instances, the proxy
//! container).
//!
//! Not implemented: AWS_LAMBDA lifecycle hooks (refused: no Lambda), alarms, container
//! instances, capacity providers, task sets, load balancers and service registries (accepted
//! and echoed, but nothing is registered), DAEMON services (rejected), placement (every task lands on the one local host), task overrides
//! (accepted, not applied), IAM (roles are recorded, never assumed). Any other ECS operation
//! answers UnknownOperationException.

pub mod clusters;
pub mod deployments;
pub mod error;
pub mod quotas;
pub mod runtime;
pub mod scheduler;
pub mod service_connect;
pub mod service_deployments;
pub mod services;
pub mod status;
pub mod store;
pub mod tags;
pub mod task_definitions;
pub mod tasks;
pub mod validate;

use parking_lot::Mutex;
use std::collections::BTreeSet;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use futures_util::FutureExt;

use tokio::sync::{Notify, mpsc};

use crate::model::OutputBody;
use crate::model::ecs::{Action, ReadOrWrite, ReadRequest, Request, WriteRequest};

use super::Cloud;
use super::account_region::{AccountRegion, forget_account};
use super::aws_error::{self, Protocol};
use super::clock::Clock;
use super::cloudmap::CloudMap;
use super::dispatch::{Service, ServiceError};
use super::plane::{Idempotency, Plane};
use error::{EcsError, Result};
use runtime::RuntimeEvent;
use store::{Ctx, EcsState, Timings};

/// The ECS service: typed requests in, response bodies out; a scheduler task keeps services
/// at their desired counts.
pub struct Ecs {
    timings: Timings,
    task_cap: Option<usize>,
    clock: Clock,
    /// Where Service Connect's namespaces, services and instances live.
    cloudmap: Arc<CloudMap>,
    /// The Cloud Map instances ECS registered for running tasks (see service_connect.rs).
    registered: Mutex<service_connect::Registered>,
    plane: Plane<EcsState>,
    wake: Notify,
    /// Why the scheduler last panicked, until the next ECS call has said so.
    scheduler_fault: Mutex<Option<String>>,
    #[cfg(test)]
    panic_next_pass: std::sync::atomic::AtomicBool,
}

/// The most runtime reports applied in one scheduler pass (one copy of the state).
const REPORTS_PER_PASS: usize = 1024;

impl Ecs {
    pub fn new(
        timings: Timings,
        clock: Clock,
        cloudmap: Arc<CloudMap>,
        publish: impl Fn(Arc<EcsState>) + Send + Sync + 'static,
    ) -> Ecs {
        Ecs {
            timings,
            task_cap: None,
            clock,
            cloudmap,
            registered: Mutex::new(Default::default()),
            plane: Plane::new(publish),
            wake: Notify::new(),
            scheduler_fault: Mutex::new(None),
            #[cfg(test)]
            panic_next_pass: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Caps the tasks each account may have live at once in a Region.
    pub fn with_task_cap(mut self, cap: usize) -> Ecs {
        self.task_cap = Some(cap);
        self
    }

    pub fn state(&self) -> Arc<EcsState> {
        self.plane.state()
    }

    fn ctx(&self, scope: &AccountRegion) -> Ctx {
        Ctx {
            account: scope.account.clone(),
            region: scope.region.clone(),
            now: self.clock.now(),
            timings: self.timings,
            task_cap: self.task_cap,
        }
    }

    /// Runs one request of `scope`'s account in its Region and returns the response body.
    pub fn call(&self, scope: &AccountRegion, request: Request) -> Result<Vec<u8>> {
        if let Some(why) = self.take_scheduler_fault() {
            return Err(EcsError::server(format!(
                "The ECS scheduler failed ({why}) and was restarted; this request was not applied. Retry it."
            )));
        }
        let cx = self.ctx(scope);
        let request = match request.into_read_or_write() {
            ReadOrWrite::Read(request) => return read(&cx, &self.state(), request),
            ReadOrWrite::Write(request) => request,
        };
        let action = request.action();
        let idempotency = request
            .client_token()
            .map(|token| {
                validate::client_token(token, client_token_max(action))?;
                Ok::<_, EcsError>(Idempotency::new(scope, action.name(), token, &request))
            })
            .transpose()?;
        let body = self.plane.change(
            idempotency,
            |state| write(&cx, &self.cloudmap, state, request),
            |_| {
                EcsError::invalid_parameter(
                    "The clientToken was already used with different parameters.",
                )
            },
        )?;
        self.sync_service_connect([scope]);
        self.wake.notify_one();
        Ok(body)
    }

    /// Deletes everything `account` has, in every Region: its tasks leave the state, so the
    /// runtime stops them.
    pub fn forget_account(&self, account: &str) {
        let forgotten = self.plane.update(|state| {
            let gone = forget_account(&mut state.scopes, account);
            (gone, gone)
        });
        if forgotten {
            let mut registered = self.registered.lock();
            registered.retain(|scope, _| scope.account != account);
        }
        self.wake.notify_one();
    }

    /// Registers and deregisters the Cloud Map instances of Service Connect tasks in the
    /// scopes a change touched (one sync at a time, on the newest state): a write costs what
    /// its own account and Region hold, not what the whole cloud does.
    fn sync_service_connect<'a>(&self, scopes: impl IntoIterator<Item = &'a AccountRegion>) {
        let mut registered = self.registered.lock();
        let state = self.state();
        for scope in scopes {
            service_connect::sync_instances(&self.cloudmap, &state, scope, &mut registered);
        }
    }

    /// One scheduler pass after applying `reports` (what the runtime said since the last
    /// pass); returns when the next timed transition is due. One copy of the state per pass,
    /// however many reports it applies.
    pub fn reconcile(&self, reports: Vec<RuntimeEvent>) -> Option<f64> {
        #[cfg(test)]
        if self
            .panic_next_pass
            .swap(false, std::sync::atomic::Ordering::SeqCst)
        {
            panic!("a planted scheduler bug");
        }
        // The scheduler's own context: each scope it works in fills in the account and Region.
        let cx = Ctx {
            account: String::new(),
            region: String::new(),
            now: self.clock.now(),
            timings: self.timings,
            task_cap: self.task_cap,
        };
        let (changed, due) = self.plane.update(|state| {
            let mut changed = BTreeSet::new();
            for report in reports {
                if let Some(scope) = scheduler::apply(&cx, state, report) {
                    changed.insert(scope);
                }
            }
            let due = scheduler::reconcile(&cx, state, &mut changed);
            (!changed.is_empty(), (changed, due))
        });
        self.sync_service_connect(&changed);
        due
    }

    /// The scheduler: runs a pass after every change, every batch of runtime reports and
    /// whenever a timed transition is due; sleeps otherwise (no polling while idle).
    async fn run_scheduler(&self, events: &mut mpsc::UnboundedReceiver<RuntimeEvent>) {
        let mut reports = Vec::new();
        loop {
            let due = self.reconcile(std::mem::take(&mut reports));
            let wait = due.map_or(Duration::from_secs(3600), |at| self.clock.real_until(at));
            tokio::select! {
                () = self.wake.notified() => {}
                // Paused, resumed or rescaled: the deadlines are reckoned anew.
                () = self.clock.changed() => {}
                event = events.recv() => match event {
                    Some(event) => {
                        reports.push(event);
                        while reports.len() < REPORTS_PER_PASS {
                            match events.try_recv() {
                                Ok(event) => reports.push(event),
                                Err(_) => break,
                            }
                        }
                    }
                    None => return,
                },
                () = tokio::time::sleep(wait) => {}
            }
        }
    }

    /// Runs the scheduler until the runtime's channel closes. A panic in a pass is logged,
    /// answered to the next ECS call as a ServerException, and the scheduler restarts (its
    /// state is whole: a pass changes a copy that is swapped in only at the end).
    pub async fn run_supervised_scheduler(
        &self,
        mut events: mpsc::UnboundedReceiver<RuntimeEvent>,
    ) {
        loop {
            let run = AssertUnwindSafe(self.run_scheduler(&mut events));
            match run.catch_unwind().await {
                Ok(()) => return,
                Err(panic) => {
                    let why = panic
                        .downcast_ref::<&str>()
                        .map(|s| s.to_string())
                        .or_else(|| panic.downcast_ref::<String>().cloned())
                        .unwrap_or_else(|| "a panic".into());
                    tracing::error!("the ECS scheduler panicked ({why}); restarting it");
                    *self.scheduler_fault.lock() = Some(why);
                    // A pass that panics every time must not spin a core.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    fn take_scheduler_fault(&self) -> Option<String> {
        self.scheduler_fault.lock().take()
    }
}

/// ECS in the pipeline (dispatch.rs): its output the JSON body its plane remembers.
impl Service for Ecs {
    type Action = Action;
    type Output = Vec<u8>;
    type Error = EcsError;
    const TITLE: &'static str = "ECS";
    const IAM_PREFIX: &'static str = "ecs";

    fn of(cloud: &Cloud) -> &Ecs {
        &cloud.ecs
    }

    fn invalid_input(message: String) -> EcsError {
        EcsError::invalid_parameter(message)
    }

    fn call(&self, scope: &AccountRegion, request: Request) -> Result<Vec<u8>> {
        Ecs::call(self, scope, request)
    }
}

/// `{"__type": ..., "message": ...}`, 400 (500 for ServerException).
impl ServiceError for EcsError {
    fn respond(&self, protocol: Protocol) -> Response {
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::BAD_REQUEST);
        aws_error::error(protocol, status, self.code(), self.message())
    }
}

/// The longest client token an action takes: the model leaves the length to each member's
/// documentation, which says up to 36 characters for CreateService and up to 64 for RunTask,
/// the other action with one.
fn client_token_max(action: Action) -> usize {
    if action == Action::CreateService {
        36
    } else {
        64
    }
}

fn body(output: &impl OutputBody) -> Result<Vec<u8>> {
    output
        .body()
        .map_err(|e| EcsError::server(format!("could not encode the response: {e}")))
}

/// Every read, with no catch-all: one the model adds does not compile until it has a handler.
fn read(cx: &Ctx, s: &EcsState, request: ReadRequest) -> Result<Vec<u8>> {
    use ReadRequest::*;
    match request {
        DescribeClusters(i) => body(&clusters::describe_clusters(cx, s, i)?),
        ListClusters(i) => body(&clusters::list_clusters(cx, s, i)?),
        DescribeTaskDefinition(i) => body(&task_definitions::describe_task_definition(cx, s, i)?),
        ListTaskDefinitions(i) => body(&task_definitions::list_task_definitions(cx, s, i)?),
        ListTaskDefinitionFamilies(i) => {
            body(&task_definitions::list_task_definition_families(cx, s, i)?)
        }
        DescribeServices(i) => body(&services::describe_services(cx, s, i)?),
        ListServices(i) => body(&services::list_services(cx, s, i)?),
        DescribeTasks(i) => body(&tasks::describe_tasks(cx, s, i)?),
        ListTasks(i) => body(&tasks::list_tasks(cx, s, i)?),
        ListTagsForResource(i) => body(&tags::list_tags_for_resource(cx, s, i)?),
        ListServiceDeployments(i) => {
            body(&service_deployments::list_service_deployments(cx, s, i)?)
        }
        DescribeServiceDeployments(i) => body(&service_deployments::describe_service_deployments(
            cx, s, i,
        )?),
        DescribeServiceRevisions(i) => {
            body(&service_deployments::describe_service_revisions(cx, s, i)?)
        }
    }
}

/// Every write, with no catch-all, as `read`.
fn write(
    cx: &Ctx,
    cloudmap: &CloudMap,
    s: &mut EcsState,
    request: WriteRequest,
) -> Result<Vec<u8>> {
    use WriteRequest::*;
    match request {
        CreateCluster(i) => body(&clusters::create_cluster(cx, cloudmap, s, i)?),
        UpdateCluster(i) => body(&clusters::update_cluster(cx, cloudmap, s, i)?),
        DeleteCluster(i) => body(&clusters::delete_cluster(cx, s, i)?),
        RegisterTaskDefinition(i) => body(&task_definitions::register_task_definition(cx, s, i)?),
        DeregisterTaskDefinition(i) => {
            body(&task_definitions::deregister_task_definition(cx, s, i)?)
        }
        CreateService(i) => body(&services::create_service(cx, cloudmap, s, i)?),
        UpdateService(i) => body(&services::update_service(cx, cloudmap, s, i)?),
        DeleteService(i) => body(&services::delete_service(cx, s, i)?),
        RunTask(i) => body(&tasks::run_task(cx, s, i)?),
        StopTask(i) => body(&tasks::stop_task(cx, s, i)?),
        TagResource(i) => body(&tags::tag_resource(cx, s, i)?),
        UntagResource(i) => body(&tags::untag_resource(cx, s, i)?),
        StopServiceDeployment(i) => {
            let (out, order) = service_deployments::stop_service_deployment(cx, s, i)?;
            if let Some(order) = order {
                deployments::roll_back(cx, s.region_mut(cx), &order);
            }
            body(&out)
        }
        ContinueServiceDeployment(i) => {
            let (out, order) = service_deployments::continue_service_deployment(cx, s, i)?;
            if let Some(order) = order {
                deployments::roll_back(cx, s.region_mut(cx), &order);
            }
            body(&out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use status::TaskStatus;

    fn call(ecs: &Ecs, operation: &str, input: serde_json::Value) -> Result<Vec<u8>> {
        let scope = AccountRegion::new("000000000000", "us-east-1");
        ecs.call(&scope, Request::decode(operation, input).unwrap())
    }

    #[tokio::test]
    async fn a_scheduler_panic_is_told_to_the_next_call_and_the_scheduler_restarts() {
        let timings = Timings {
            provisioning: 0.0,
            restart_backoff: 0.0,
            stage: 0.0,
        };
        let ecs = Arc::new(Ecs::new(
            timings,
            Clock::default(),
            Arc::new(CloudMap::new(
                crate::emulator::cloudmap::quotas::Quotas::default(),
                Clock::default(),
            )),
            |_| {},
        ));
        let (reports, events) = mpsc::unbounded_channel();
        ecs.panic_next_pass
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let scheduler = tokio::spawn({
            let ecs = ecs.clone();
            async move { ecs.run_supervised_scheduler(events).await }
        });
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while ecs.scheduler_fault.lock().is_none() {
            assert!(tokio::time::Instant::now() < deadline, "the panic is seen");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        let told = call(&ecs, "ListClusters", json!({})).unwrap_err();
        assert_eq!(told.code(), "ServerException");
        assert!(told.message().contains("a planted scheduler bug"), "{told}");
        // Said once; then ECS works, and the restarted scheduler starts a service's task.
        call(&ecs, "CreateCluster", json!({"clusterName": "c"})).unwrap();
        call(
            &ecs,
            "RegisterTaskDefinition",
            json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "i", "memory": 64}]}),
        )
        .unwrap();
        call(
            &ecs,
            "CreateService",
            json!({"cluster": "c", "serviceName": "s", "taskDefinition": "f", "desiredCount": 1}),
        )
        .unwrap();
        while !ecs.state().scopes.values().any(|r| {
            r.tasks
                .values()
                .any(|t| t.last_status() == Some(TaskStatus::Pending))
        }) {
            assert!(tokio::time::Instant::now() < deadline, "a task is started");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop(reports);
        tokio::time::timeout(Duration::from_secs(5), scheduler)
            .await
            .expect("the scheduler ends when the runtime's channel closes")
            .unwrap();
    }
}
