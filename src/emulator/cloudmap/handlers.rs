//! The served Cloud Map operations: a typed request and the region's registry in, the output
//! shape (as a JSON value, which each wire protocol then encodes) out.

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::Value;

use super::error::{CloudMapError, Result};
use super::quotas::Quotas;
use super::store::{self, Ctx, Instance, Namespace, Registry, Service};
use crate::model::servicediscovery as m;

/// What List* return when MaxResults is not given (AWS documents 100 for each).
const DEFAULT_PAGE: usize = 100;

pub fn handle(
    cx: &Ctx,
    quotas: &Quotas,
    registry: &mut Registry,
    request: m::Request,
) -> Result<Value> {
    match request {
        m::Request::CreateHttpNamespace(r) => create_http_namespace(cx, quotas, registry, r),
        m::Request::GetNamespace(r) => output(m::GetNamespaceResponse {
            namespace: Some(namespace_view(cx, registry, registry.namespace(&r.id)?)),
        }),
        m::Request::ListNamespaces(r) => list_namespaces(cx, registry, r),
        m::Request::DeleteNamespace(r) => output(m::DeleteNamespaceResponse {
            operation_id: Some(registry.delete_namespace(cx, quotas, &r.id)?),
        }),
        m::Request::GetOperation(r) => get_operation(cx, registry, r),
        m::Request::ListServices(r) => list_services(cx, registry, r),
        m::Request::GetService(r) => output(m::GetServiceResponse {
            service: Some(service_view(cx, registry.service(&r.id)?)),
        }),
        m::Request::DeleteService(r) => {
            registry.delete_service(&r.id)?;
            output(m::DeleteServiceResponse {})
        }
        m::Request::ListInstances(r) => list_instances(cx, registry, r),
        m::Request::DiscoverInstances(r) => discover_instances(cx, registry, r),
    }
}

fn output(shape: impl Serialize) -> Result<Value> {
    serde_json::to_value(shape)
        .map_err(|e| CloudMapError::invalid_input(format!("The output could not be encoded: {e}")))
}

fn create_http_namespace(
    cx: &Ctx,
    quotas: &Quotas,
    registry: &mut Registry,
    r: m::CreateHttpNamespaceRequest,
) -> Result<Value> {
    let tags = r
        .tags
        .unwrap_or_default()
        .into_iter()
        .map(|t| (t.key, t.value))
        .collect();
    let operation_id = registry.create_http_namespace(
        cx,
        quotas,
        &r.name,
        r.description.as_deref(),
        r.creator_request_id.as_deref(),
        tags,
    )?;
    output(m::CreateHttpNamespaceResponse {
        operation_id: Some(operation_id),
    })
}

fn namespace_view(cx: &Ctx, registry: &Registry, n: &Namespace) -> m::Namespace {
    let summary = namespace_summary(cx, registry, n);
    m::Namespace {
        arn: summary.arn,
        create_date: summary.create_date,
        creator_request_id: n.creator_request_id.clone(),
        description: summary.description,
        id: summary.id,
        name: summary.name,
        properties: summary.properties,
        resource_owner: summary.resource_owner,
        service_count: summary.service_count,
        r#type: summary.r#type,
    }
}

fn namespace_summary(cx: &Ctx, registry: &Registry, n: &Namespace) -> m::NamespaceSummary {
    m::NamespaceSummary {
        arn: Some(n.arn.clone()),
        create_date: Some(n.create_date),
        description: n.description.clone(),
        id: Some(n.id.clone()),
        name: Some(n.name.clone()),
        properties: Some(m::NamespaceProperties {
            dns_properties: None,
            http_properties: Some(m::HttpProperties {
                http_name: Some(n.name.clone()),
            }),
        }),
        resource_owner: Some(cx.account.clone()),
        service_count: Some(count(registry.services_in(&n.id).count())),
        r#type: Some("HTTP".to_string()),
    }
}

fn service_view(cx: &Ctx, s: &Service) -> m::Service {
    m::Service {
        arn: Some(s.arn.clone()),
        create_date: Some(s.create_date),
        created_by_account: Some(cx.account.clone()),
        creator_request_id: s.creator_request_id.clone(),
        description: s.description.clone(),
        dns_config: None,
        health_check_config: None,
        health_check_custom_config: custom_health(s),
        id: Some(s.id.clone()),
        instance_count: Some(count(s.instances.len())),
        name: Some(s.name.clone()),
        namespace_id: Some(s.namespace_id.clone()),
        resource_owner: Some(cx.account.clone()),
        r#type: Some("HTTP".to_string()),
    }
}

fn service_summary(cx: &Ctx, s: &Service) -> m::ServiceSummary {
    m::ServiceSummary {
        arn: Some(s.arn.clone()),
        create_date: Some(s.create_date),
        created_by_account: Some(cx.account.clone()),
        description: s.description.clone(),
        dns_config: None,
        health_check_config: None,
        health_check_custom_config: custom_health(s),
        id: Some(s.id.clone()),
        instance_count: Some(count(s.instances.len())),
        name: Some(s.name.clone()),
        resource_owner: Some(cx.account.clone()),
        r#type: Some("HTTP".to_string()),
    }
}

fn custom_health(s: &Service) -> Option<m::HealthCheckCustomConfig> {
    s.custom_health_check.then_some(m::HealthCheckCustomConfig {
        failure_threshold: Some(1),
    })
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// One page of `items` (in id order) after the NextToken's id, and the token of the next page.
/// The token is the last id returned, encoded, so a page is stable while items come and go.
fn page<'a, T>(
    items: impl Iterator<Item = (&'a String, T)>,
    next_token: Option<&str>,
    max_results: Option<i32>,
    default: usize,
) -> Result<(Vec<T>, Option<String>)> {
    let after = next_token.map(decode_token).transpose()?;
    let max = max_results.map_or(default, |n| usize::try_from(n).unwrap_or(default));
    let mut rest = items.filter(|(id, _)| after.as_ref().is_none_or(|a| id.as_str() > a.as_str()));
    let mut taken = Vec::new();
    let mut last = None;
    for (id, item) in rest.by_ref().take(max) {
        last = Some(id.clone());
        taken.push(item);
    }
    let more = rest.next().is_some();
    Ok((taken, last.filter(|_| more).map(|id| encode_token(&id))))
}

fn encode_token(id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("after:{id}"))
}

fn decode_token(token: &str) -> Result<String> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|s| s.strip_prefix("after:").map(str::to_string))
        .ok_or_else(|| CloudMapError::invalid_input(format!("Invalid NextToken: {token}")))
}

/// ListNamespaces. As AWS documents, a page of MaxResults namespaces is taken first and then
/// filtered, so a page may hold fewer (even none) while NextToken says there are more.
fn list_namespaces(cx: &Ctx, registry: &Registry, r: m::ListNamespacesRequest) -> Result<Value> {
    let filters = r.filters.unwrap_or_default();
    for f in &filters {
        namespace_filter(f)?;
    }
    let (namespaces, next_token) = page(
        registry.namespaces.iter(),
        r.next_token.as_deref(),
        r.max_results,
        DEFAULT_PAGE,
    )?;
    let mut matching = Vec::new();
    for n in namespaces {
        let mut keep = true;
        for f in &filters {
            keep &= namespace_filter_matches(f, n)?;
        }
        if keep {
            matching.push(namespace_summary(cx, registry, n));
        }
    }
    output(m::ListNamespacesResponse {
        namespaces: Some(matching),
        next_token,
    })
}

/// A filter's condition and value; InvalidInput for a condition its name does not support (EQ
/// for all; BEGINS_WITH for TYPE, NAME and HTTP_NAME, as AWS documents) or the wrong number of
/// values (EQ and BEGINS_WITH take one).
fn namespace_filter(f: &m::NamespaceFilter) -> Result<(&str, &str)> {
    let condition = f.condition.as_deref().unwrap_or("EQ");
    let supported = match condition {
        "EQ" => true,
        "BEGINS_WITH" => f.name != "RESOURCE_OWNER",
        _ => false,
    };
    if !supported {
        return Err(CloudMapError::invalid_input(format!(
            "The condition {condition} is not supported for the namespace filter {}.",
            f.name
        )));
    }
    let [value] = f.values.as_slice() else {
        return Err(CloudMapError::invalid_input(format!(
            "The condition {condition} takes exactly one value; {} were given.",
            f.values.len()
        )));
    };
    Ok((condition, value))
}

fn namespace_filter_matches(f: &m::NamespaceFilter, n: &Namespace) -> Result<bool> {
    let (condition, value) = namespace_filter(f)?;
    let subject = match f.name.as_str() {
        "TYPE" => "HTTP",
        "NAME" | "HTTP_NAME" => n.name.as_str(),
        // Every namespace is the account's own: no sharing in the embedded cloud.
        _ => "SELF",
    };
    Ok(match condition {
        "EQ" => subject == value,
        _ => subject.starts_with(value),
    })
}

/// ListServices, filtered by NAMESPACE_ID or RESOURCE_OWNER (EQ, one value), after paging as
/// for namespaces.
fn list_services(cx: &Ctx, registry: &Registry, r: m::ListServicesRequest) -> Result<Value> {
    let filters = r.filters.unwrap_or_default();
    let mut wanted_namespace = None;
    let mut wanted_owner = None;
    for f in &filters {
        let condition = f.condition.as_deref().unwrap_or("EQ");
        if condition != "EQ" {
            return Err(CloudMapError::invalid_input(format!(
                "The condition {condition} is not supported for the service filter {}; use EQ.",
                f.name
            )));
        }
        let [value] = f.values.as_slice() else {
            return Err(CloudMapError::invalid_input(format!(
                "The condition EQ takes exactly one value; {} were given.",
                f.values.len()
            )));
        };
        match f.name.as_str() {
            "NAMESPACE_ID" => wanted_namespace = Some(store::id_of(value).to_string()),
            _ => wanted_owner = Some(value.clone()),
        }
    }
    let (services, next_token) = page(
        registry.services.iter(),
        r.next_token.as_deref(),
        r.max_results,
        DEFAULT_PAGE,
    )?;
    let services = services
        .into_iter()
        .filter(|s| {
            wanted_namespace
                .as_ref()
                .is_none_or(|ns| &s.namespace_id == ns)
        })
        .filter(|_| wanted_owner.as_deref().is_none_or(|o| o == "SELF"))
        .map(|s| service_summary(cx, s))
        .collect();
    output(m::ListServicesResponse {
        next_token,
        services: Some(services),
    })
}

fn get_operation(cx: &Ctx, registry: &Registry, r: m::GetOperationRequest) -> Result<Value> {
    let not_found = || CloudMapError::operation_not_found(&r.operation_id);
    if r.owner_account.as_ref().is_some_and(|a| *a != cx.account) {
        return Err(not_found());
    }
    let op = registry
        .operations
        .get(&r.operation_id)
        .ok_or_else(not_found)?;
    output(m::GetOperationResponse {
        operation: Some(m::Operation {
            create_date: Some(op.create_date),
            error_code: None,
            error_message: None,
            id: Some(op.id.clone()),
            owner_account: Some(cx.account.clone()),
            status: Some("SUCCESS".to_string()),
            targets: Some(op.targets.clone()),
            r#type: Some(op.kind.as_str().to_string()),
            update_date: Some(op.update_date),
        }),
    })
}

fn list_instances(cx: &Ctx, registry: &Registry, r: m::ListInstancesRequest) -> Result<Value> {
    let service = registry.service(&r.service_id)?;
    let (instances, next_token) = page(
        service.instances.iter(),
        r.next_token.as_deref(),
        r.max_results,
        DEFAULT_PAGE,
    )?;
    output(m::ListInstancesResponse {
        instances: Some(
            instances
                .into_iter()
                .map(|i| m::InstanceSummary {
                    attributes: Some(i.attributes.clone()),
                    created_by_account: Some(cx.account.clone()),
                    id: Some(i.id.clone()),
                })
                .collect(),
        ),
        next_token,
        resource_owner: Some(cx.account.clone()),
    })
}

/// DiscoverInstances: the instances of the namespace's service (by names) that pass the health
/// filter (only for services with a health check, as AWS documents), match every
/// QueryParameter, and match the OptionalParameters if any instance does.
fn discover_instances(
    cx: &Ctx,
    registry: &Registry,
    r: m::DiscoverInstancesRequest,
) -> Result<Value> {
    store::check_service_name(&r.service_name, "ServiceName")?;
    let namespace = registry
        .namespace_named(&r.namespace_name)
        .filter(|_| r.owner_account.as_ref().is_none_or(|a| *a == cx.account))
        .ok_or_else(|| CloudMapError::namespace_name_not_found(&r.namespace_name))?;
    let service = registry
        .services_in(&namespace.id)
        .find(|s| s.name == r.service_name)
        .ok_or_else(|| CloudMapError::service_name_not_found(&namespace.name, &r.service_name))?;
    let all: Vec<&Instance> = service.instances.values().collect();
    let by_health: Vec<&Instance> = if service.custom_health_check {
        let healthy: Vec<&Instance> = all
            .iter()
            .copied()
            .filter(|i| i.health == store::HealthStatus::Healthy)
            .collect();
        match r.health_status.as_deref().unwrap_or("HEALTHY") {
            "UNHEALTHY" => all
                .iter()
                .copied()
                .filter(|i| i.health == store::HealthStatus::Unhealthy)
                .collect(),
            "ALL" => all,
            "HEALTHY_OR_ELSE_ALL" if healthy.is_empty() => all,
            _ => healthy,
        }
    } else {
        all
    };
    let query = r.query_parameters.unwrap_or_default();
    let queried: Vec<&Instance> = by_health
        .into_iter()
        .filter(|i| matches_all(&i.attributes, &query))
        .collect();
    let optional = r.optional_parameters.unwrap_or_default();
    let preferred: Vec<&Instance> = queried
        .iter()
        .copied()
        .filter(|i| matches_all(&i.attributes, &optional))
        .collect();
    let chosen = if preferred.is_empty() {
        queried
    } else {
        preferred
    };
    let max = r
        .max_results
        .map_or(DEFAULT_PAGE, |n| usize::try_from(n).unwrap_or(DEFAULT_PAGE));
    let instances = chosen
        .into_iter()
        .take(max)
        .map(|i| m::HttpInstanceSummary {
            attributes: Some(i.attributes.clone()),
            health_status: Some(i.health.as_str().to_string()),
            instance_id: Some(i.id.clone()),
            namespace_name: Some(namespace.name.clone()),
            service_name: Some(service.name.clone()),
        })
        .collect();
    output(m::DiscoverInstancesResponse {
        instances: Some(instances),
        instances_revision: Some(service.revision),
    })
}

fn matches_all(attributes: &BTreeMap<String, String>, wanted: &BTreeMap<String, String>) -> bool {
    wanted.iter().all(|(k, v)| attributes.get(k) == Some(v))
}
