//! The JSON 1.1 wire, as ECS and Cloud Map speak it: `POST /`, the operation named by
//! `X-Amz-Target: PREFIX.Operation` (the prefix the service's model gives), the input the
//! JSON body. Both services share this prelude; the pipeline (dispatch.rs) does the rest.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use super::Cloud;
use super::account_region::AccountRegion;
use super::aws_error::{self, Protocol};
use super::cloudmap::CloudMap;
use super::dispatch::{self, Service};
use super::ecs::Ecs;
use crate::model::{ecs, servicediscovery};

const PROTOCOL: Protocol = Protocol::Json11;

/// The service a target names, as the request's signature must name it (ECS for any target
/// that names neither: it is answered as ECS's unknown target).
pub fn signing_name(target: &str) -> &'static str {
    match split(target).0 {
        servicediscovery::TARGET_PREFIX => CloudMap::IAM_PREFIX,
        _ => Ecs::IAM_PREFIX,
    }
}

/// A JSON 1.1 call to the operation `target` names.
pub fn serve(cloud: &Cloud, scope: &AccountRegion, target: &str, body: &[u8]) -> Response {
    let (prefix, operation) = split(target);
    match prefix {
        ecs::TARGET_PREFIX => {
            dispatch::serve_by_name::<Ecs>(cloud, PROTOCOL, scope, operation, body, input)
        }
        servicediscovery::TARGET_PREFIX => {
            dispatch::serve_by_name::<CloudMap>(cloud, PROTOCOL, scope, operation, body, input)
        }
        _ => aws_error::error(
            PROTOCOL,
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            &format!("Unknown target {target}: this endpoint serves App Mesh, ECS and Cloud Map."),
        ),
    }
}

/// `(PREFIX, Operation)` of `PREFIX.Operation`; no operation if there is no dot.
fn split(target: &str) -> (&str, &str) {
    target.split_once('.').unwrap_or((target, ""))
}

/// The input of a JSON 1.1 call: its body, or an empty input if it has none.
fn input(body: &[u8]) -> Result<Value, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Map::new()));
    }
    serde_json::from_slice(body).map_err(|e| format!("The request body is not valid JSON: {e}"))
}
