//! One typed call to the target, with its raw HTTP exchange.

use super::calls_appmesh;
use super::calls_ecs;
use super::calls_servicediscovery;
use super::capture::{Capture, Exchange};
use super::error::CallError;
use super::target::Target;
use crate::model::{appmesh, ecs, servicediscovery};

/// A typed request for one of the services the walkthrough calls.
// The variants are large (request enums of whole service models); boxing one would not help.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum CallRequest {
    AppMesh(appmesh::Request),
    Ecs(ecs::Request),
    ServiceDiscovery(servicediscovery::Request),
}

/// Sends `request` to the target; returns the outcome and what went over the wire.
pub async fn send(target: &Target, request: CallRequest) -> (Result<(), CallError>, Exchange) {
    let capture = Capture::default();
    let result = match request {
        CallRequest::AppMesh(r) => calls_appmesh::send(&target.appmesh, r, &capture).await,
        CallRequest::Ecs(r) => calls_ecs::send(&target.ecs, r, &capture).await,
        CallRequest::ServiceDiscovery(r) => {
            calls_servicediscovery::send(&target.servicediscovery, r, &capture).await
        }
    };
    (result, capture.exchange())
}

/// Sends and returns the output as the aws CLI shows it (see [`output_json`]).
pub async fn send_json(
    target: &Target,
    request: CallRequest,
) -> Result<serde_json::Value, CallError> {
    let (result, exchange) = send(target, request.clone()).await;
    result?;
    output_json(&request, &exchange.response_body)
        .ok_or_else(|| CallError::Transport("the response is not JSON".into()))
}

/// A response body as the operation's output shape: a REST-JSON payload (App Mesh's
/// `{"meshName": ...}`) goes back under its member (`{"mesh": {...}}`), as the aws CLI and the
/// SDKs present it.
pub fn output_json(request: &CallRequest, body: &str) -> Option<serde_json::Value> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let payload = match request {
        CallRequest::AppMesh(r) => r.action().binding().payload,
        CallRequest::Ecs(_) | CallRequest::ServiceDiscovery(_) => None,
    };
    Some(match payload {
        Some(member) => serde_json::json!({ member: value }),
        None => value,
    })
}

impl CallRequest {
    pub fn operation_name(&self) -> &'static str {
        match self {
            CallRequest::AppMesh(r) => r.operation_name(),
            CallRequest::Ecs(r) => r.operation_name(),
            CallRequest::ServiceDiscovery(r) => r.operation_name(),
        }
    }
}
