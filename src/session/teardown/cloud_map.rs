//! Removing the Cloud Map namespace ECS created for a cluster's Service Connect defaults,
//! with the Cloud Map services in it: ECS deregisters its tasks' instances when it deletes its
//! services, but a namespace outlives the cluster that asked for it.

use std::time::{Duration, Instant};

use aws_sdk_servicediscovery::types::{
    NamespaceFilter, NamespaceFilterName, OperationStatus, ServiceFilter, ServiceFilterName,
};

use super::super::runner::Session;
use super::Deletion;
use crate::api::describe_error;

/// How long a Cloud Map service may keep instances that ECS is still deregistering, and how
/// long the namespace's deletion may take.
const PATIENCE: Duration = Duration::from_secs(60);

/// Deletes the namespace `name_or_arn` and every service in it; nothing when it is gone.
pub async fn delete_namespace(session: &Session, name_or_arn: &str) -> Vec<Deletion> {
    let client = &session.target.servicediscovery;
    let what = format!("Cloud Map namespace {name_or_arn}");
    let id = match find(client, name_or_arn).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            return vec![Deletion {
                what,
                result: Ok("already gone"),
            }];
        }
        Err(e) => {
            return vec![Deletion {
                what,
                result: Err(e),
            }];
        }
    };
    let mut done = Vec::new();
    match services_in(client, &id).await {
        Ok(services) => {
            for (service_id, name) in services {
                done.push(Deletion {
                    what: format!("Cloud Map service {name}"),
                    result: delete_service(client, &service_id).await,
                });
            }
        }
        Err(e) => done.push(Deletion {
            what: format!("Cloud Map services in {name_or_arn}"),
            result: Err(e),
        }),
    }
    done.push(Deletion {
        what,
        result: delete(client, &id).await,
    });
    done
}

/// The namespace's id, by ARN or by name.
async fn find(
    client: &aws_sdk_servicediscovery::Client,
    name_or_arn: &str,
) -> Result<Option<String>, String> {
    let mut pages = client
        .list_namespaces()
        .filters(
            NamespaceFilter::builder()
                .name(NamespaceFilterName::Type)
                .values("HTTP")
                .build()
                .map_err(|e| e.to_string())?,
        )
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("ListNamespaces: {}", describe_error(&e)))?;
        for n in page.namespaces() {
            if n.name() == Some(name_or_arn) || n.arn() == Some(name_or_arn) {
                return Ok(n.id().map(str::to_string));
            }
        }
    }
    Ok(None)
}

async fn services_in(
    client: &aws_sdk_servicediscovery::Client,
    namespace_id: &str,
) -> Result<Vec<(String, String)>, String> {
    let filter = ServiceFilter::builder()
        .name(ServiceFilterName::NamespaceId)
        .values(namespace_id)
        .build()
        .map_err(|e| e.to_string())?;
    let mut pages = client
        .list_services()
        .filters(filter)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| format!("ListServices: {}", describe_error(&e)))?;
        for s in page.services() {
            if let Some(id) = s.id() {
                out.push((id.to_string(), s.name().unwrap_or(id).to_string()));
            }
        }
    }
    Ok(out)
}

/// Deletes a Cloud Map service, waiting (bounded) while ECS still deregisters its instances.
async fn delete_service(
    client: &aws_sdk_servicediscovery::Client,
    id: &str,
) -> Result<&'static str, String> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        match client.delete_service().id(id).send().await {
            Ok(_) => return Ok("deleted"),
            Err(e) => {
                let e = e.into_service_error();
                if e.is_service_not_found() {
                    return Ok("already gone");
                }
                if !e.is_resource_in_use() || Instant::now() >= deadline {
                    return Err(describe_error(&e));
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Deletes the namespace and waits (bounded) for the operation to end.
async fn delete(
    client: &aws_sdk_servicediscovery::Client,
    id: &str,
) -> Result<&'static str, String> {
    let operation = match client.delete_namespace().id(id).send().await {
        Ok(out) => out.operation_id().map(str::to_string),
        Err(e) => {
            let e = e.into_service_error();
            if e.is_namespace_not_found() {
                return Ok("already gone");
            }
            return Err(describe_error(&e));
        }
    };
    let Some(operation) = operation else {
        return Ok("deleted");
    };
    let deadline = Instant::now() + PATIENCE;
    while Instant::now() < deadline {
        let out = client
            .get_operation()
            .operation_id(&operation)
            .send()
            .await
            .map_err(|e| format!("GetOperation: {}", describe_error(&e)))?;
        match out.operation().and_then(|o| o.status()) {
            Some(OperationStatus::Success) => return Ok("deleted"),
            Some(OperationStatus::Fail) => {
                let why = out
                    .operation()
                    .and_then(|o| o.error_message())
                    .unwrap_or("no reason given");
                return Err(format!("DeleteNamespace failed: {why}"));
            }
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    Err("the namespace is still being deleted after 60 s".into())
}
