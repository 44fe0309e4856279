//! Cloud Map's two wire protocols over the same handlers: JSON 1.1 (the Rust SDK's) and Smithy
//! RPC v2 CBOR (botocore's and the aws CLI's). Each decodes its body into the operation's JSON
//! input, and encodes the output value or the error back in its own shape.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value};

use super::error::CloudMapError;
use super::{SERVICE_NAME, SHAPE_NAMESPACE, cbor};
use crate::emulator::Cloud;
use crate::emulator::account_region::AccountRegion;
use crate::emulator::aws_error::{self, JSON_11, Protocol, rpc_v2_operation};
use crate::emulator::cross_account;
use crate::model::DecodeError;
use crate::model::servicediscovery::Request;

/// A JSON 1.1 call: `operation` from `X-Amz-Target: Route53AutoNaming_v20170314.<operation>`.
pub fn json11(cloud: &Cloud, scope: &AccountRegion, operation: &str, body: &[u8]) -> Response {
    let input = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(value) => value,
            Err(e) => {
                return protocol_error(
                    Protocol::Json11,
                    StatusCode::BAD_REQUEST,
                    "SerializationException",
                    &format!("The request body is not valid JSON: {e}"),
                );
            }
        }
    };
    respond(Protocol::Json11, cloud, scope, operation, input)
}

/// An RPC v2 CBOR call to `path` (`.../service/Route53AutoNaming_v20170314/operation/<op>`).
pub fn rpc_v2_cbor(cloud: &Cloud, scope: &AccountRegion, path: &str, body: &[u8]) -> Response {
    let protocol = Protocol::RpcV2Cbor;
    let (service, operation) = rpc_v2_operation(path).unwrap_or_default();
    // The specification asks servers to take the service's absolute shape id too, `#` as `.`.
    let absolute = format!("{SHAPE_NAMESPACE}.{SERVICE_NAME}");
    if service != SERVICE_NAME && service != absolute {
        return protocol_error(
            protocol,
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            &format!("No service {service} here: RPC v2 CBOR serves {SERVICE_NAME} (Cloud Map)."),
        );
    }
    match cbor::decode(body) {
        Ok(input) => respond(protocol, cloud, scope, operation, input),
        Err(e) => protocol_error(
            protocol,
            StatusCode::BAD_REQUEST,
            "SerializationException",
            &format!("The request body is not valid CBOR: {e}"),
        ),
    }
}

fn respond(
    protocol: Protocol,
    cloud: &Cloud,
    scope: &AccountRegion,
    operation: &str,
    input: Value,
) -> Response {
    if let Some(arn) = cross_account::foreign_arn(&input, &scope.account) {
        return cross_account::denied(
            protocol,
            "servicediscovery",
            operation,
            &cloud.accounts.principal(&scope.account).0,
            arn,
        );
    }
    let request = match Request::decode(operation, input) {
        Ok(request) => request,
        Err(DecodeError::UnknownOperation(op)) => {
            return protocol_error(
                protocol,
                StatusCode::BAD_REQUEST,
                "UnknownOperationException",
                &format!("Cloud Map operation {op} is not implemented by the embedded cloud."),
            );
        }
        Err(e) => return modeled_error(protocol, &CloudMapError::invalid_input(e.to_string())),
    };
    let violations = request.violations();
    if !violations.is_empty() {
        return modeled_error(
            protocol,
            &CloudMapError::invalid_input(violations.to_string()),
        );
    }
    match cloud.cloudmap.call(scope, request) {
        Ok(output) => success(protocol, &output),
        Err(e) => {
            tracing::debug!(operation, error = %e, "request failed");
            modeled_error(protocol, &e)
        }
    }
}

fn success(protocol: Protocol, output: &Value) -> Response {
    match protocol {
        Protocol::RpcV2Cbor => aws_error::rpc_v2_cbor(StatusCode::OK, cbor::encode(output)),
        _ => {
            let body = serde_json::to_vec(output).unwrap_or_default();
            let mut response = aws_error::json(StatusCode::OK, body);
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_11));
            response
        }
    }
}

/// One of the model's errors: its members as the model names them (`Message`, and e.g.
/// NamespaceAlreadyExists' `NamespaceId`).
fn modeled_error(protocol: Protocol, e: &CloudMapError) -> Response {
    let mut members = e.members.clone();
    members.insert("Message".into(), Value::String(e.message.clone()));
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    aws_error::error_shape(protocol, status, e.code, members)
}

/// An error of the protocol rather than of the model (an unknown operation, a body that does
/// not decode).
fn protocol_error(protocol: Protocol, status: StatusCode, code: &str, message: &str) -> Response {
    let mut members = Map::new();
    members.insert("message".into(), Value::String(message.to_string()));
    aws_error::error_shape(protocol, status, code, members)
}
