//! The Cloud Map registry of one account in one region: HTTP namespaces, their services, the
//! services' instances, and the record of the asynchronous operations that changed them.
//!
//! These functions are the in-process API as well as what the wire handlers call: ECS Service
//! Connect creates its namespace, services and instances through them, and whatever they create
//! shows through the wire operations (ListInstances, DiscoverInstances, ...).

use std::collections::{BTreeMap, VecDeque};

use super::error::{CloudMapError, Result};
use super::quotas::Quotas;

/// Who and where: the ARNs' account and region, and the time of the change.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub account: String,
    pub region: String,
    pub now: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Namespace {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub description: Option<String>,
    pub creator_request_id: Option<String>,
    pub create_date: f64,
    pub tags: Vec<(String, String)>,
    /// The CreateHttpNamespace operation that made it (a retry with the same CreatorRequestId
    /// gets it back).
    pub operation_id: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub id: String,
    pub arn: String,
    pub name: String,
    pub namespace_id: String,
    pub description: Option<String>,
    pub creator_request_id: Option<String>,
    pub create_date: f64,
    /// Whether the service has a custom health check (`HealthCheckCustomConfig`): only then
    /// does DiscoverInstances' HealthStatus filter apply, as AWS documents.
    pub custom_health_check: bool,
    pub instances: BTreeMap<String, Instance>,
    /// Bumped at every registration and deregistration (DiscoverInstances' InstancesRevision).
    pub revision: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    pub id: String,
    pub attributes: BTreeMap<String, String>,
    pub health: HealthStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthStatus {
    Healthy,
    Unhealthy,
    Unknown,
}

impl HealthStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            HealthStatus::Healthy => "HEALTHY",
            HealthStatus::Unhealthy => "UNHEALTHY",
            HealthStatus::Unknown => "UNKNOWN",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperationType {
    CreateNamespace,
    DeleteNamespace,
    RegisterInstance,
    DeregisterInstance,
}

impl OperationType {
    pub fn as_str(self) -> &'static str {
        match self {
            OperationType::CreateNamespace => "CREATE_NAMESPACE",
            OperationType::DeleteNamespace => "DELETE_NAMESPACE",
            OperationType::RegisterInstance => "REGISTER_INSTANCE",
            OperationType::DeregisterInstance => "DEREGISTER_INSTANCE",
        }
    }
}

/// An asynchronous operation. The embedded cloud applies every change at once, so each one is
/// recorded already SUCCESS (AWS shows SUBMITTED, then PENDING, for a while).
#[derive(Debug, Clone, PartialEq)]
pub struct OperationRecord {
    pub id: String,
    pub kind: OperationType,
    pub create_date: f64,
    pub update_date: f64,
    /// NAMESPACE / SERVICE / INSTANCE → id.
    pub targets: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct Registry {
    pub namespaces: BTreeMap<String, Namespace>,
    pub services: BTreeMap<String, Service>,
    pub operations: BTreeMap<String, OperationRecord>,
    /// Operation ids, oldest first, so the oldest are forgotten past the bound.
    operation_order: VecDeque<String>,
}

/// What a caller gives to register an instance.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceRegistration {
    pub instance_id: String,
    pub attributes: BTreeMap<String, String>,
    pub health: HealthStatus,
}

/// The clock of Cloud Map's timestamps: the one the rest of the emulator uses, called from here
/// only, so that it can be swapped (a test clock) in one place.
pub fn now() -> f64 {
    crate::emulator::clock::now_epoch_seconds()
}

/// `prefix` and 16 lowercase letters and digits, the form of Cloud Map's resource ids
/// (`ns-abcd1234efgh5678`, `srv-...`).
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", random_alnum(16))
}

/// An operation id in the form Cloud Map gives them: 32 lowercase letters and digits, `-`, 8 more.
fn new_operation_id() -> String {
    format!("{}-{}", random_alnum(32), random_alnum(8))
}

fn random_alnum(n: usize) -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    (0..n)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

fn arn(cx: &Ctx, resource: &str) -> String {
    format!(
        "arn:aws:servicediscovery:{}:{}:{resource}",
        cx.region, cx.account
    )
}

/// An id, or the ARN ending in `/id` (the model's `Id` members take either).
pub fn id_of(id_or_arn: &str) -> &str {
    if id_or_arn.starts_with("arn:") {
        id_or_arn.rsplit('/').next().unwrap_or(id_or_arn)
    } else {
        id_or_arn
    }
}

impl Registry {
    pub fn namespace(&self, id_or_arn: &str) -> Result<&Namespace> {
        self.namespaces
            .get(id_of(id_or_arn))
            .ok_or_else(|| CloudMapError::namespace_not_found(id_or_arn))
    }

    pub fn namespace_named(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.values().find(|n| n.name == name)
    }

    pub fn service(&self, id_or_arn: &str) -> Result<&Service> {
        self.services
            .get(id_of(id_or_arn))
            .ok_or_else(|| CloudMapError::service_not_found(id_or_arn))
    }

    fn service_mut(&mut self, id_or_arn: &str) -> Result<&mut Service> {
        self.services
            .get_mut(id_of(id_or_arn))
            .ok_or_else(|| CloudMapError::service_not_found(id_or_arn))
    }

    pub fn services_in(&self, namespace_id: &str) -> impl Iterator<Item = &Service> {
        self.services
            .values()
            .filter(move |s| s.namespace_id == namespace_id)
    }

    fn instances_in_namespace(&self, namespace_id: &str) -> usize {
        self.services_in(namespace_id)
            .map(|s| s.instances.len())
            .sum()
    }

    fn record(
        &mut self,
        cx: &Ctx,
        quotas: &Quotas,
        kind: OperationType,
        targets: &[(&str, &str)],
    ) -> String {
        let id = new_operation_id();
        self.operations.insert(
            id.clone(),
            OperationRecord {
                id: id.clone(),
                kind,
                create_date: cx.now,
                update_date: cx.now,
                targets: targets
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            },
        );
        self.operation_order.push_back(id.clone());
        while self.operation_order.len() > quotas.operations_kept {
            if let Some(old) = self.operation_order.pop_front() {
                self.operations.remove(&old);
            }
        }
        id
    }

    /// CreateHttpNamespace. A retry with the CreatorRequestId that created the namespace of this
    /// name gets the first operation back; any other create of a taken name is
    /// NamespaceAlreadyExists naming the namespace and its CreatorRequestId.
    pub fn create_http_namespace(
        &mut self,
        cx: &Ctx,
        quotas: &Quotas,
        name: &str,
        description: Option<&str>,
        creator_request_id: Option<&str>,
        tags: Vec<(String, String)>,
    ) -> Result<String> {
        check_namespace_name(name)?;
        if let Some(existing) = self.namespace_named(name) {
            if creator_request_id.is_some()
                && existing.creator_request_id.as_deref() == creator_request_id
            {
                return Ok(existing.operation_id.clone());
            }
            return Err(CloudMapError::namespace_already_exists(
                name,
                &existing.id,
                existing.creator_request_id.as_deref(),
            ));
        }
        if tags.len() > quotas.tags_per_resource {
            return Err(CloudMapError::too_many_tags(name));
        }
        if self.namespaces.len() >= quotas.namespaces_per_region {
            return Err(CloudMapError::resource_limit_exceeded(format!(
                "The resource can't be created because you've reached the quota on the number of resources: at most {} namespaces per Region.",
                quotas.namespaces_per_region
            )));
        }
        let id = new_id("ns-");
        let operation_id = self.record(
            cx,
            quotas,
            OperationType::CreateNamespace,
            &[("NAMESPACE", &id)],
        );
        self.namespaces.insert(
            id.clone(),
            Namespace {
                arn: arn(cx, &format!("namespace/{id}")),
                id,
                name: name.to_string(),
                description: description.map(str::to_string),
                creator_request_id: creator_request_id.map(str::to_string),
                create_date: cx.now,
                tags,
                operation_id: operation_id.clone(),
            },
        );
        Ok(operation_id)
    }

    /// The HTTP namespace called `name`, created if there is none (ECS Service Connect's
    /// default namespace). Returns its id.
    pub fn ensure_http_namespace(
        &mut self,
        cx: &Ctx,
        quotas: &Quotas,
        name: &str,
    ) -> Result<String> {
        if let Some(existing) = self.namespace_named(name) {
            return Ok(existing.id.clone());
        }
        self.create_http_namespace(cx, quotas, name, None, None, Vec::new())?;
        self.namespace_named(name)
            .map(|n| n.id.clone())
            .ok_or_else(|| CloudMapError::namespace_name_not_found(name))
    }

    /// DeleteNamespace: refused while the namespace has services, as AWS refuses it.
    pub fn delete_namespace(
        &mut self,
        cx: &Ctx,
        quotas: &Quotas,
        id_or_arn: &str,
    ) -> Result<String> {
        let id = self.namespace(id_or_arn)?.id.clone();
        let services = self.services_in(&id).count();
        if services > 0 {
            return Err(CloudMapError::resource_in_use(format!(
                "The specified resource can't be deleted because it contains other resources: namespace {id} still has {services} service{}.",
                if services == 1 { "" } else { "s" }
            )));
        }
        self.namespaces.remove(&id);
        Ok(self.record(
            cx,
            quotas,
            OperationType::DeleteNamespace,
            &[("NAMESPACE", &id)],
        ))
    }

    /// A service named `discovery_name` in the namespace (what ECS Service Connect creates for
    /// each of its `discoveryName`s). Returns its id.
    pub fn create_service(
        &mut self,
        cx: &Ctx,
        quotas: &Quotas,
        namespace_id_or_arn: &str,
        discovery_name: &str,
        custom_health_check: bool,
    ) -> Result<String> {
        let namespace_id = self.namespace(namespace_id_or_arn)?.id.clone();
        check_service_name(discovery_name, "discoveryName")?;
        if let Some(existing) = self
            .services_in(&namespace_id)
            .find(|s| s.name == discovery_name)
        {
            return Err(CloudMapError::service_already_exists(
                discovery_name,
                &existing.id,
                &existing.arn,
            ));
        }
        if self.services_in(&namespace_id).count() >= quotas.services_per_namespace {
            return Err(CloudMapError::resource_limit_exceeded(format!(
                "The resource can't be created because you've reached the quota on the number of resources: at most {} services per namespace.",
                quotas.services_per_namespace
            )));
        }
        let id = new_id("srv-");
        self.services.insert(
            id.clone(),
            Service {
                arn: arn(cx, &format!("service/{id}")),
                id: id.clone(),
                name: discovery_name.to_string(),
                namespace_id,
                description: None,
                creator_request_id: None,
                create_date: cx.now,
                custom_health_check,
                instances: BTreeMap::new(),
                revision: 0,
            },
        );
        Ok(id)
    }

    /// DeleteService: refused while the service has instances, as AWS refuses it.
    pub fn delete_service(&mut self, id_or_arn: &str) -> Result<()> {
        let service = self.service(id_or_arn)?;
        let count = service.instances.len();
        if count > 0 {
            return Err(CloudMapError::resource_in_use(format!(
                "The specified resource can't be deleted because it contains other resources: service {} still has {count} registered instance{}.",
                service.id,
                if count == 1 { "" } else { "s" }
            )));
        }
        let id = service.id.clone();
        self.services.remove(&id);
        Ok(())
    }

    /// RegisterInstance: creates or replaces (same id) an instance of the service. Returns the
    /// operation id.
    pub fn register_instance(
        &mut self,
        cx: &Ctx,
        quotas: &Quotas,
        service_id_or_arn: &str,
        registration: InstanceRegistration,
    ) -> Result<String> {
        check_instance(&registration, quotas)?;
        let service = self.service(service_id_or_arn)?;
        let (service_id, namespace_id) = (service.id.clone(), service.namespace_id.clone());
        let replacing = service.instances.contains_key(&registration.instance_id);
        if !replacing {
            if service.instances.len() >= quotas.instances_per_service {
                return Err(CloudMapError::resource_limit_exceeded(format!(
                    "The resource can't be created because you've reached the quota on the number of resources: at most {} instances per service.",
                    quotas.instances_per_service
                )));
            }
            if self.instances_in_namespace(&namespace_id) >= quotas.instances_per_namespace {
                return Err(CloudMapError::resource_limit_exceeded(format!(
                    "The resource can't be created because you've reached the quota on the number of resources: at most {} instances per namespace.",
                    quotas.instances_per_namespace
                )));
            }
        }
        let instance_id = registration.instance_id.clone();
        let service = self.service_mut(&service_id)?;
        service.instances.insert(
            instance_id.clone(),
            Instance {
                id: instance_id.clone(),
                attributes: registration.attributes,
                health: registration.health,
            },
        );
        service.revision += 1;
        Ok(self.record(
            cx,
            quotas,
            OperationType::RegisterInstance,
            &[("SERVICE", &service_id), ("INSTANCE", &instance_id)],
        ))
    }

    /// DeregisterInstance: InstanceNotFound if the service has no such instance.
    pub fn deregister_instance(
        &mut self,
        cx: &Ctx,
        quotas: &Quotas,
        service_id_or_arn: &str,
        instance_id: &str,
    ) -> Result<String> {
        let service = self.service_mut(service_id_or_arn)?;
        if service.instances.remove(instance_id).is_none() {
            return Err(CloudMapError::instance_not_found(instance_id));
        }
        service.revision += 1;
        let service_id = service.id.clone();
        Ok(self.record(
            cx,
            quotas,
            OperationType::DeregisterInstance,
            &[("SERVICE", &service_id), ("INSTANCE", instance_id)],
        ))
    }
}

/// An HTTP namespace name: 1 to 1,024 printable ASCII characters, not starting with `arn:`
/// (the model's pattern `^(?!arn:)[!-~]{1,1024}$`, whose look-ahead the regex engine of the
/// generated validation cannot compile, so it is checked here).
pub fn check_namespace_name(name: &str) -> Result<()> {
    let printable =
        !name.is_empty() && name.len() <= 1024 && name.bytes().all(|b| (b'!'..=b'~').contains(&b));
    if !printable || name.starts_with("arn:") {
        return Err(CloudMapError::invalid_input(format!(
            "1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!arn:)[!-~]{{1,1024}}$"
        )));
    }
    Ok(())
}

/// A service name: DNS labels of letters, digits, `-` and `_` (no `-` at either end), 1 to 63
/// characters each, joined by dots, 127 characters at most, or `.` alone (the model's
/// `ServiceName` pattern, whose look-ahead the generated validation cannot compile either).
/// `member` names the input member in the message.
pub fn check_service_name(name: &str, member: &str) -> Result<()> {
    let label_ok = |label: &str| {
        !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            && !label.starts_with('-')
            && !label.ends_with('-')
    };
    let valid = name == "." || (name.len() <= 127 && name.split('.').all(label_ok));
    if !valid {
        return Err(CloudMapError::invalid_input(format!(
            "1 validation error detected: Value '{name}' at '{member}' failed to satisfy constraint: Member must be DNS labels of letters, digits, '-' and '_' joined by dots, at most 127 characters."
        )));
    }
    Ok(())
}

/// An instance id (1 to 64 characters) and its attributes: at most 30 custom ones (Cloud Map's
/// quota; the `AWS_` attributes do not count), keys up to 255 and values up to 1,024 characters.
fn check_instance(registration: &InstanceRegistration, quotas: &Quotas) -> Result<()> {
    let id = &registration.instance_id;
    if id.is_empty() || id.len() > 64 {
        return Err(CloudMapError::invalid_input(format!(
            "1 validation error detected: Value '{id}' at 'instanceId' failed to satisfy constraint: Member must have length between 1 and 64"
        )));
    }
    let custom = registration
        .attributes
        .keys()
        .filter(|k| !k.starts_with("AWS_"))
        .count();
    if custom > quotas.custom_attributes_per_instance {
        return Err(CloudMapError::invalid_input(format!(
            "An instance can have at most {} custom attributes; {custom} were given.",
            quotas.custom_attributes_per_instance
        )));
    }
    for (key, value) in &registration.attributes {
        if key.is_empty() || key.len() > 255 || value.len() > 1024 {
            return Err(CloudMapError::invalid_input(format!(
                "Attribute '{key}': keys have 1 to 255 characters and values at most 1,024."
            )));
        }
    }
    Ok(())
}
