//! The embedded cloud's AWS Cloud Map (servicediscovery 2017-03-14), the subset ECS Service
//! Connect needs: HTTP namespaces, their services and instances.
//!
//! Served on the wire, in JSON 1.1 (`X-Amz-Target: Route53AutoNaming_v20170314.*`, what the
//! Rust SDK speaks) and Smithy RPC v2 CBOR (`/service/Route53AutoNaming_v20170314/operation/*`,
//! what botocore and the aws CLI speak): CreateHttpNamespace, GetNamespace, ListNamespaces,
//! DeleteNamespace, GetOperation, ListServices, GetService, DeleteService, ListInstances,
//! DiscoverInstances. Services and instances are created in-process (the `ensure_*`,
//! `create_service`, `register_instance` and `deregister_instance` methods), as ECS does when
//! a service uses Service Connect.
//!
//! Every change is applied at once; its operation is recorded SUCCESS straight away.

pub mod cbor;
pub mod error;
pub mod handlers;
pub mod quotas;
pub mod store;
pub mod wire;

use crate::emulator::clock::Clock;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use serde_json::Value;

use crate::model::servicediscovery::Request;
use error::Result;
use quotas::Quotas;
use store::{Ctx, InstanceRegistration, Registry};

/// The `X-Amz-Target` prefix and the RPC v2 service name: the service's Smithy shape name.
pub const SERVICE_NAME: &str = "Route53AutoNaming_v20170314";
/// The service shape's namespace, for RPC v2's absolute shape ids (`__type`).
pub const SHAPE_NAMESPACE: &str = "com.amazonaws.servicediscovery";

/// Cloud Map for one account: a registry per region.
pub struct CloudMap {
    account: String,
    quotas: Quotas,
    clock: Clock,
    regions: Mutex<HashMap<String, Registry>>,
}

impl CloudMap {
    pub fn new(account: impl Into<String>, quotas: Quotas, clock: Clock) -> CloudMap {
        CloudMap {
            account: account.into(),
            quotas,
            clock,
            regions: Mutex::new(HashMap::new()),
        }
    }

    fn ctx(&self, region: &str) -> Ctx {
        Ctx {
            account: self.account.clone(),
            region: region.to_string(),
            now: self.clock.now(),
        }
    }

    fn regions(&self) -> MutexGuard<'_, HashMap<String, Registry>> {
        // A panic while holding the lock leaves whole maps behind (every change is one insert
        // or remove), so the state is still usable.
        self.regions.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `f` on the region's registry.
    fn with_registry<T>(&self, region: &str, f: impl FnOnce(&Ctx, &mut Registry) -> T) -> T {
        let cx = self.ctx(region);
        let mut regions = self.regions();
        f(&cx, regions.entry(region.to_string()).or_default())
    }

    /// Runs one wire request in `region`; the output shape as a JSON value.
    pub fn call(&self, region: &str, request: Request) -> Result<Value> {
        self.with_registry(region, |cx, registry| {
            handlers::handle(cx, &self.quotas, registry, request)
        })
    }

    /// The id of the HTTP namespace called `name` in `region`, created if there is none.
    pub fn ensure_http_namespace(&self, region: &str, name: &str) -> Result<String> {
        self.with_registry(region, |cx, registry| {
            registry.ensure_http_namespace(cx, &self.quotas, name)
        })
    }

    /// Creates the service `discovery_name` in a namespace (id or ARN); returns its id.
    /// `custom_health_check` gives it a HealthCheckCustomConfig (ECS reports task health).
    pub fn create_service(
        &self,
        region: &str,
        namespace: &str,
        discovery_name: &str,
        custom_health_check: bool,
    ) -> Result<String> {
        self.with_registry(region, |cx, registry| {
            registry.create_service(
                cx,
                &self.quotas,
                namespace,
                discovery_name,
                custom_health_check,
            )
        })
    }

    /// Registers (or re-registers) an instance of a service (id or ARN); returns the operation
    /// id.
    pub fn register_instance(
        &self,
        region: &str,
        service: &str,
        registration: InstanceRegistration,
    ) -> Result<String> {
        self.with_registry(region, |cx, registry| {
            registry.register_instance(cx, &self.quotas, service, registration)
        })
    }

    /// Deregisters an instance; InstanceNotFound if the service has none of that id.
    pub fn deregister_instance(
        &self,
        region: &str,
        service: &str,
        instance_id: &str,
    ) -> Result<String> {
        self.with_registry(region, |cx, registry| {
            registry.deregister_instance(cx, &self.quotas, service, instance_id)
        })
    }

    /// The namespace a name, id or ARN names in `region`, if it exists.
    pub fn find_namespace(&self, region: &str, reference: &str) -> Option<store::Namespace> {
        self.with_registry(region, |_, registry| {
            registry
                .namespace(reference)
                .ok()
                .or_else(|| registry.namespace_named(reference))
                .cloned()
        })
    }

    /// The id and ARN of the service called `name` in a namespace (by id), if there is one.
    pub fn find_service(
        &self,
        region: &str,
        namespace_id: &str,
        name: &str,
    ) -> Option<(String, String)> {
        self.with_registry(region, |_, registry| {
            registry
                .services_in(namespace_id)
                .find(|s| s.name == name)
                .map(|s| (s.id.clone(), s.arn.clone()))
        })
    }

    /// Deletes a service; ResourceInUse while it has instances.
    pub fn delete_service(&self, region: &str, service: &str) -> Result<()> {
        self.with_registry(region, |_, registry| registry.delete_service(service))
    }
}

#[cfg(test)]
mod tests;
