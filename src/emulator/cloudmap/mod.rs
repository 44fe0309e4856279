//! The embedded cloud's AWS Cloud Map (servicediscovery 2017-03-14), the subset ECS Service
//! Connect needs: HTTP namespaces, their services and instances.
//!
//! Served on the wire, in JSON 1.1 (`X-Amz-Target: Route53AutoNaming_v20170314.*`, what the
//! Rust SDK speaks: json11.rs) and Smithy RPC v2 CBOR
//! (`/service/Route53AutoNaming_v20170314/operation/*`, what botocore and the aws CLI speak:
//! wire.rs): CreateHttpNamespace, GetNamespace, ListNamespaces, DeleteNamespace, GetOperation,
//! ListServices, GetService, DeleteService, ListInstances, DiscoverInstances. Services and
//! instances are created in-process (the `ensure_*`, `create_service`, `register_instance` and
//! `deregister_instance` methods), as ECS does when a service uses Service Connect.
//!
//! Every change is applied at once; its operation is recorded SUCCESS straight away.

pub mod cbor;
pub mod error;
pub mod handlers;
pub mod quotas;
pub mod store;
pub mod wire;

use crate::emulator::clock::Clock;
use parking_lot::{Mutex, MutexGuard};
use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;

use crate::emulator::Cloud;
use crate::emulator::account_region::AccountRegion;
use crate::emulator::aws_error::{self, Protocol};
use crate::emulator::dispatch::{Service, ServiceError};
use crate::model::servicediscovery::{Action, Request};
use error::{CloudMapError, Result};
use quotas::Quotas;
use store::{Ctx, InstanceRegistration, Registry};

/// The `X-Amz-Target` prefix and the RPC v2 service name: the service's Smithy shape name.
pub const SERVICE_NAME: &str = "Route53AutoNaming_v20170314";
/// The service shape's namespace, for RPC v2's absolute shape ids (`__type`).
pub const SHAPE_NAMESPACE: &str = "com.amazonaws.servicediscovery";

/// Cloud Map: a registry per account and Region.
pub struct CloudMap {
    quotas: Quotas,
    clock: Clock,
    registries: Mutex<HashMap<AccountRegion, Registry>>,
}

impl CloudMap {
    pub fn new(quotas: Quotas, clock: Clock) -> CloudMap {
        CloudMap {
            quotas,
            clock,
            registries: Mutex::new(HashMap::new()),
        }
    }

    fn ctx(&self, scope: &AccountRegion) -> Ctx {
        Ctx {
            account: scope.account.clone(),
            region: scope.region.clone(),
            now: self.clock.now(),
        }
    }

    fn registries(&self) -> MutexGuard<'_, HashMap<AccountRegion, Registry>> {
        // A panic while holding the lock leaves whole maps behind (every change is one insert
        // or remove), so the state is still usable.
        self.registries.lock()
    }

    /// Deletes everything `account` has, in every Region.
    pub fn forget_account(&self, account: &str) {
        self.registries()
            .retain(|scope, _| scope.account != account);
    }

    /// Runs `f` on the registry of `scope`'s account in its Region.
    fn with_registry<T>(
        &self,
        scope: &AccountRegion,
        f: impl FnOnce(&Ctx, &mut Registry) -> T,
    ) -> T {
        let cx = self.ctx(scope);
        let mut registries = self.registries();
        f(&cx, registries.entry(scope.clone()).or_default())
    }

    /// Runs one wire request of `scope`'s account in its Region; the output shape as a JSON
    /// value.
    pub fn call(&self, scope: &AccountRegion, request: Request) -> Result<Value> {
        self.with_registry(scope, |cx, registry| {
            handlers::handle(cx, &self.quotas, registry, request)
        })
    }

    /// The id of the HTTP namespace called `name` in `scope`, created if there is none.
    pub fn ensure_http_namespace(&self, scope: &AccountRegion, name: &str) -> Result<String> {
        self.with_registry(scope, |cx, registry| {
            registry.ensure_http_namespace(cx, &self.quotas, name)
        })
    }

    /// Creates the service `discovery_name` in a namespace (id or ARN); returns its id.
    /// `custom_health_check` gives it a HealthCheckCustomConfig (ECS reports task health).
    pub fn create_service(
        &self,
        scope: &AccountRegion,
        namespace: &str,
        discovery_name: &str,
        custom_health_check: bool,
    ) -> Result<String> {
        self.with_registry(scope, |cx, registry| {
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
        scope: &AccountRegion,
        service: &str,
        registration: InstanceRegistration,
    ) -> Result<String> {
        self.with_registry(scope, |cx, registry| {
            registry.register_instance(cx, &self.quotas, service, registration)
        })
    }

    /// Deregisters an instance; InstanceNotFound if the service has none of that id.
    pub fn deregister_instance(
        &self,
        scope: &AccountRegion,
        service: &str,
        instance_id: &str,
    ) -> Result<String> {
        self.with_registry(scope, |cx, registry| {
            registry.deregister_instance(cx, &self.quotas, service, instance_id)
        })
    }

    /// The namespace a name, id or ARN names in `scope`, if it exists.
    pub fn find_namespace(
        &self,
        scope: &AccountRegion,
        reference: &str,
    ) -> Option<store::Namespace> {
        self.with_registry(scope, |_, registry| {
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
        scope: &AccountRegion,
        namespace_id: &str,
        name: &str,
    ) -> Option<(String, String)> {
        self.with_registry(scope, |_, registry| {
            registry
                .services_in(namespace_id)
                .find(|s| s.name == name)
                .map(|s| (s.id.clone(), s.arn.clone()))
        })
    }

    /// Deletes a service; ResourceInUse while it has instances.
    pub fn delete_service(&self, scope: &AccountRegion, service: &str) -> Result<()> {
        self.with_registry(scope, |_, registry| registry.delete_service(service))
    }
}

/// Cloud Map in the pipeline (dispatch.rs): its output a value, sent as JSON or CBOR as the
/// caller speaks.
impl Service for CloudMap {
    type Action = Action;
    type Output = Value;
    type Error = CloudMapError;
    const TITLE: &'static str = "Cloud Map";
    const IAM_PREFIX: &'static str = "servicediscovery";

    fn of(cloud: &Cloud) -> &CloudMap {
        &cloud.cloudmap
    }

    fn invalid_input(message: String) -> CloudMapError {
        CloudMapError::invalid_input(message)
    }

    fn call(&self, scope: &AccountRegion, request: Request) -> Result<Value> {
        CloudMap::call(self, scope, request)
    }
}

/// One of the model's errors: its members as the model names them (`Message`, and e.g.
/// NamespaceAlreadyExists' `NamespaceId`).
impl ServiceError for CloudMapError {
    fn respond(&self, protocol: Protocol) -> Response {
        let mut members = self.members.clone();
        members.insert("Message".into(), Value::String(self.message.clone()));
        let status = StatusCode::from_u16(self.status()).unwrap_or(StatusCode::BAD_REQUEST);
        aws_error::error_shape(protocol, status, self.code, members)
    }
}

#[cfg(test)]
mod tests;
