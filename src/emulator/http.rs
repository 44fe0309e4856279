//! Routing of the embedded cloud's endpoint: REST-JSON paths `/v20190125/...` go to App Mesh;
//! `POST /` with `X-Amz-Target: AmazonEC2ContainerServiceV20141113.*` goes to ECS, with
//! `X-Amz-Target: Route53AutoNaming_v20170314.*` to Cloud Map, as does RPC v2 CBOR's
//! `POST /service/Route53AutoNaming_v20170314/operation/*`.
//!
//! A REST-JSON input is spread over the URI, the query string and the body; it is merged into
//! one JSON object keyed by member name and decoded into the operation's generated input type.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

use super::Cloud;
use super::account_region::AccountRegion;
use super::admission;
use super::appmesh::error::AppMeshError;
use super::aws_error::{self, JSON_11, Protocol, X_AMZ_TARGET, json};
use super::cloudmap::wire as cloudmap_wire;
use super::cross_account;
use super::ecs::error::EcsError;
use super::sts;
use crate::model::DecodeError;
use crate::model::appmesh::{OPERATIONS, Request as AppMeshRequest};
use crate::model::ecs::Request as EcsRequest;
use crate::model::protocol::{Location, Operation, ParamKind};

pub fn router(cloud: Arc<Cloud>) -> Router {
    Router::new().fallback(handle).with_state(cloud)
}

async fn handle(State(cloud): State<Arc<Cloud>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let protocol = Protocol::of(&parts.method, parts.uri.path(), &parts.headers);
    let target = parts.headers.get(X_AMZ_TARGET);
    let target = target.and_then(|t| t.to_str().ok()).unwrap_or_default();
    // The service the request is for, as its signature must name it.
    let service = match protocol {
        Protocol::RestJson => "appmesh",
        Protocol::RpcV2Cbor => "servicediscovery",
        Protocol::Json11 if target.starts_with(CLOUD_MAP_TARGET_PREFIX) => "servicediscovery",
        Protocol::Json11 => "ecs",
        Protocol::AwsQuery => "sts",
    };
    let checked = admission::caller(
        &parts,
        protocol,
        service,
        &cloud.accounts,
        &cloud.config.account_id,
        &cloud.config.region,
    )
    .and_then(|caller| {
        match protocol {
            Protocol::Json11 => admission::json11_content_type(&parts.headers)?,
            Protocol::RpcV2Cbor => admission::rpc_v2_cbor(&parts.headers)?,
            Protocol::RestJson | Protocol::AwsQuery => {}
        }
        Ok(caller)
    });
    let caller = match checked {
        Ok(caller) => caller,
        Err(refusal) => {
            // Answered before the body is read: the client still gets to send it.
            admission::linger(body);
            tracing::debug!(?refusal, "request refused");
            return refusal.respond(protocol);
        }
    };
    let admitted = async {
        let body = admission::body(body, &parts.headers, &cloud.config.http).await?;
        let scope = caller.verify(&parts, protocol, &body)?;
        Ok::<_, admission::Refusal>((scope, body))
    };
    let (scope, body) = match admitted.await {
        Ok(admitted) => admitted,
        Err(refusal) => {
            tracing::debug!(?refusal, "request refused");
            return refusal.respond(protocol);
        }
    };
    if let Some(rate) = &cloud.api_rate
        && !rate.admit(&scope.account)
    {
        let caps = &cloud.config.caps;
        return aws_error::throttled(
            protocol,
            &format!(
                "Rate exceeded: this account may make {} requests a second (bursts of {}) to the embedded cloud.",
                caps.api_per_second, caps.api_burst
            ),
        );
    }
    match protocol {
        Protocol::Json11 => match target.strip_prefix(CLOUD_MAP_TARGET_PREFIX) {
            Some(operation) => cloudmap_wire::json11(&cloud, &scope, operation, &body),
            None => ecs(&cloud, &scope, target, &body),
        },
        Protocol::RpcV2Cbor => cloudmap_wire::rpc_v2_cbor(&cloud, &scope, parts.uri.path(), &body),
        Protocol::AwsQuery => sts::handle(&cloud, &scope, &body),
        Protocol::RestJson => appmesh(
            &cloud,
            &scope,
            &parts.method,
            &parts.uri,
            &parts.headers,
            &body,
        ),
    }
}

/// An App Mesh call: REST-JSON, the operation named by the method and path.
fn appmesh(
    cloud: &Cloud,
    scope: &AccountRegion,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let Some((operation, labels)) = OPERATIONS
        .iter()
        .find_map(|op| Some((op, op.match_path(method.as_str(), uri.path())?)))
    else {
        return json_error(
            StatusCode::NOT_FOUND,
            "UnknownOperationException",
            &format!("No App Mesh operation is {method} {}.", uri.path()),
        );
    };
    if let Err(refusal) = admission::rest_json_content_type(headers, body) {
        return refusal.respond(Protocol::RestJson);
    }
    let input = match input_of(operation, &labels, uri.query(), headers, body) {
        Ok(input) => input,
        Err(e) => return appmesh_error(operation, &e),
    };
    if let Some(arn) = cross_account::foreign_arn(&input, &scope.account) {
        return cross_account::denied(
            Protocol::RestJson,
            "appmesh",
            operation.name,
            &cloud.accounts.principal(&scope.account).0,
            arn,
        );
    }
    let result = decode(operation, input).and_then(|request| cloud.appmesh.call(scope, request));
    match result {
        Ok(body) => json(
            StatusCode::from_u16(operation.status).unwrap_or(StatusCode::OK),
            body,
        ),
        Err(e) => appmesh_error(operation, &e),
    }
}

fn appmesh_error(operation: &Operation, e: &AppMeshError) -> Response {
    tracing::debug!(operation = operation.name, error = %e, "request failed");
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    json_error(status, e.code(), e.message())
}

/// The operation's input as one JSON object, merged from the path labels, query string,
/// headers and body.
fn input_of(
    operation: &Operation,
    labels: &[(&str, &str)],
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, AppMeshError> {
    let mut input = if body.iter().all(u8::is_ascii_whitespace) {
        Map::new()
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(bad("The request body must be a JSON object.")),
            Err(e) => return Err(bad(&format!("The request body is not valid JSON: {e}"))),
        }
    };
    let query: Vec<(String, String)> = query.map(parse_query).unwrap_or_default();
    for param in operation.params {
        let raw: Vec<String> = match param.location {
            Location::Uri => labels
                .iter()
                .filter(|(name, _)| *name == param.name)
                .map(|(_, v)| decode_component(v))
                .collect(),
            Location::Query => query
                .iter()
                .filter(|(k, _)| k == param.name)
                .map(|(_, v)| v.clone())
                .collect(),
            Location::Header => headers
                .get_all(param.name)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_string))
                .collect(),
        };
        let Some(first) = raw.first() else { continue };
        let value = match param.kind {
            ParamKind::String => Value::String(first.clone()),
            ParamKind::Integer => first.parse::<i64>().map(Value::from).map_err(|_| {
                bad(&format!(
                    "{}: '{first}' is not a valid integer.",
                    param.member
                ))
            })?,
            ParamKind::Boolean => Value::Bool(first == "true"),
            ParamKind::List => Value::Array(raw.into_iter().map(Value::String).collect()),
        };
        input.insert(param.member.to_string(), value);
    }
    Ok(Value::Object(input))
}

/// The operation's typed input, its model constraints checked.
fn decode(operation: &Operation, input: Value) -> Result<AppMeshRequest, AppMeshError> {
    let request = AppMeshRequest::decode(operation.name, input).map_err(|e| bad(&e.to_string()))?;
    let violations = request.violations();
    if !violations.is_empty() {
        return Err(bad(&violations.to_string()));
    }
    Ok(request)
}

/// An ECS call: JSON 1.1, the operation named by `X-Amz-Target`.
fn ecs(cloud: &Cloud, scope: &AccountRegion, target: &str, body: &[u8]) -> Response {
    let Some(operation) = target.strip_prefix(ECS_TARGET_PREFIX) else {
        return json11_error(&EcsError::unknown_operation(format!(
            "Unknown target {target}: this endpoint serves App Mesh, ECS and Cloud Map."
        )));
    };
    let input = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        match serde_json::from_slice::<Value>(body) {
            Ok(v) => v,
            Err(e) => {
                return json11_error(&EcsError::serialization(format!(
                    "The request body is not valid JSON: {e}"
                )));
            }
        }
    };
    if let Some(arn) = cross_account::foreign_arn(&input, &scope.account) {
        return cross_account::denied(
            Protocol::Json11,
            "ecs",
            operation,
            &cloud.accounts.principal(&scope.account).0,
            arn,
        );
    }
    let request = match EcsRequest::decode(operation, input) {
        Ok(r) => r,
        Err(DecodeError::UnknownOperation(op)) => {
            return json11_error(&EcsError::unknown_operation(format!(
                "ECS operation {op} is not implemented by the embedded cloud."
            )));
        }
        Err(e) => return json11_error(&EcsError::invalid_parameter(e.to_string())),
    };
    let violations = request.violations();
    if !violations.is_empty() {
        return json11_error(&EcsError::invalid_parameter(violations.to_string()));
    }
    match cloud.ecs.call(scope, request) {
        Ok(body) => {
            let mut response = json(StatusCode::OK, body);
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_11));
            response
        }
        Err(e) => {
            tracing::debug!(operation, error = %e, "request failed");
            json11_error(&e)
        }
    }
}

const ECS_TARGET_PREFIX: &str = "AmazonEC2ContainerServiceV20141113.";
const CLOUD_MAP_TARGET_PREFIX: &str = "Route53AutoNaming_v20170314.";

/// A JSON 1.1 error: `{"__type": ..., "message": ...}` (and the type in `x-amzn-ErrorType`).
fn json11_error(e: &EcsError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    aws_error::error(Protocol::Json11, status, e.code(), e.message())
}

fn bad(message: &str) -> AppMeshError {
    AppMeshError::BadRequest(message.to_string())
}

fn decode_component(raw: &str) -> String {
    percent_decode_str(raw).decode_utf8_lossy().into_owned()
}

/// The query string's pairs, names and values percent-decoded (`+` is a space).
fn parse_query(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

/// A REST-JSON error: the status, `x-amzn-ErrorType` and `{"message": ...}`.
fn json_error(status: StatusCode, code: &'static str, message: &str) -> Response {
    aws_error::error(Protocol::RestJson, status, code, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_decoded() {
        assert_eq!(
            parse_query("resourceArn=arn%3Aaws%3Aappmesh&limit=5&x"),
            [
                ("resourceArn".to_string(), "arn:aws:appmesh".to_string()),
                ("limit".to_string(), "5".to_string()),
                ("x".to_string(), String::new()),
            ]
        );
        // `+` is a space, `%2B` a plus, and an empty pair is skipped.
        assert_eq!(
            parse_query("nextToken=a+b%2Bc&&limit=%35"),
            [
                ("nextToken".to_string(), "a b+c".to_string()),
                ("limit".to_string(), "5".to_string()),
            ]
        );
    }
}
