//! The embedded cloud's ECS control plane (API version 2014-11-13, JSON 1.1), whose services
//! really run tasks through a runtime (see runtime.rs).
//!
//! Implemented: CreateCluster, DescribeClusters, ListClusters, DeleteCluster;
//! RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
//! ListTaskDefinitionFamilies, DeregisterTaskDefinition; CreateService, UpdateService,
//! DescribeServices, ListServices, DeleteService; RunTask, StopTask, ListTasks, DescribeTasks;
//! TagResource, UntagResource, ListTagsForResource.
//!
//! Not implemented: container instances, capacity providers, task sets, service connect, load
//! balancers and service registries (accepted and echoed, but nothing is registered), DAEMON
//! services (rejected), placement (every task lands on the one local host), task overrides
//! (accepted, not applied), IAM (roles are recorded, never assumed). Any other ECS operation
//! answers UnknownOperationException.

pub mod clusters;
pub mod error;
pub mod runtime;
pub mod scheduler;
pub mod services;
pub mod store;
pub mod tags;
pub mod task_definitions;
pub mod tasks;
pub mod validate;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Notify, mpsc};

use crate::model::OutputBody;
use crate::model::ecs::Request;

use super::appmesh::store::now_epoch_seconds;
use super::plane::{Idempotency, Plane};
use error::{EcsError, Result};
use runtime::RuntimeEvent;
use store::{Ctx, EcsState, Timings};

/// The ECS service: typed requests in, response bodies out; a scheduler task keeps services
/// at their desired counts.
pub struct Ecs {
    account: String,
    default_region: String,
    timings: Timings,
    plane: Plane<EcsState>,
    wake: Notify,
}

impl Ecs {
    pub fn new(
        account: impl Into<String>,
        default_region: impl Into<String>,
        timings: Timings,
        publish: impl Fn(Arc<EcsState>) + Send + Sync + 'static,
    ) -> Ecs {
        Ecs {
            account: account.into(),
            default_region: default_region.into(),
            timings,
            plane: Plane::new(publish),
            wake: Notify::new(),
        }
    }

    pub fn state(&self) -> Arc<EcsState> {
        self.plane.state()
    }

    fn ctx(&self, region: &str) -> Ctx {
        Ctx {
            account: self.account.clone(),
            region: region.to_string(),
            now: now_epoch_seconds(),
            timings: self.timings,
        }
    }

    /// Runs one request in `region` and returns the response body.
    pub fn call(&self, region: &str, request: Request) -> Result<Vec<u8>> {
        let cx = self.ctx(region);
        let name = request.operation_name();
        if name.starts_with("Describe") || name.starts_with("List") {
            return read(&cx, &self.state(), request);
        }
        let idempotency = client_token(&request)
            .map(|(token, max)| {
                validate::client_token(token, max)?;
                Ok::<_, EcsError>(Idempotency::new(name, token, region, &request))
            })
            .transpose()?;
        let body = self.plane.change(
            idempotency,
            |state| write(&cx, state, request),
            |_| {
                EcsError::invalid_parameter(
                    "The clientToken was already used with different parameters.",
                )
            },
        )?;
        self.wake.notify_one();
        Ok(body)
    }

    /// One scheduler pass; returns when the next timed transition is due.
    pub fn reconcile(&self) -> Option<f64> {
        let cx = self.ctx(&self.default_region);
        self.plane.update(|state| scheduler::reconcile(&cx, state))
    }

    /// Applies what the runtime reports about a task.
    pub fn apply(&self, event: RuntimeEvent) {
        let cx = self.ctx(&self.default_region);
        self.plane
            .update(|state| (scheduler::apply(&cx, state, event), ()));
    }

    /// The scheduler: runs a pass after every change, every runtime report and whenever a
    /// timed transition is due; sleeps otherwise (no polling while idle).
    pub async fn run_scheduler(&self, mut events: mpsc::UnboundedReceiver<RuntimeEvent>) {
        loop {
            let due = self.reconcile();
            let wait = due.map_or(Duration::from_secs(3600), |at| {
                Duration::from_secs_f64((at - now_epoch_seconds()).max(0.0))
            });
            tokio::select! {
                () = self.wake.notified() => {}
                event = events.recv() => match event {
                    Some(event) => self.apply(event),
                    None => return,
                },
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}

/// The request's client token and the longest one its operation allows (ECS "Ensuring
/// idempotency": 36 characters for CreateService, 64 for RunTask).
fn client_token(request: &Request) -> Option<(&str, usize)> {
    match request {
        Request::CreateService(i) => i.client_token.as_deref().map(|t| (t, 36)),
        Request::RunTask(i) => i.client_token.as_deref().map(|t| (t, 64)),
        _ => None,
    }
}

fn body(output: &impl OutputBody) -> Result<Vec<u8>> {
    output
        .body()
        .map_err(|e| EcsError::server(format!("could not encode the response: {e}")))
}

fn read(cx: &Ctx, s: &EcsState, request: Request) -> Result<Vec<u8>> {
    use Request::*;
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
        other => Err(EcsError::server(format!(
            "{} is not a read",
            other.operation_name()
        ))),
    }
}

fn write(cx: &Ctx, s: &mut EcsState, request: Request) -> Result<Vec<u8>> {
    use Request::*;
    match request {
        CreateCluster(i) => body(&clusters::create_cluster(cx, s, i)?),
        DeleteCluster(i) => body(&clusters::delete_cluster(cx, s, i)?),
        RegisterTaskDefinition(i) => body(&task_definitions::register_task_definition(cx, s, i)?),
        DeregisterTaskDefinition(i) => {
            body(&task_definitions::deregister_task_definition(cx, s, i)?)
        }
        CreateService(i) => body(&services::create_service(cx, s, i)?),
        UpdateService(i) => body(&services::update_service(cx, s, i)?),
        DeleteService(i) => body(&services::delete_service(cx, s, i)?),
        RunTask(i) => body(&tasks::run_task(cx, s, i)?),
        StopTask(i) => body(&tasks::stop_task(cx, s, i)?),
        TagResource(i) => body(&tags::tag_resource(cx, s, i)?),
        UntagResource(i) => body(&tags::untag_resource(cx, s, i)?),
        other => Err(EcsError::server(format!(
            "{} is not a write",
            other.operation_name()
        ))),
    }
}
