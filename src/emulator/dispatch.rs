//! What every service of the control plane does with an admitted request, whatever wire it
//! came over: the operation known (or UnknownOperationException), another account's ARN
//! refused, the input decoded into its generated type and checked against the model, the
//! service called, and its output or error sent back in the caller's protocol.
//!
//! The wire modules only find the operation and the input's JSON: rest_json.rs (App Mesh,
//! from the method and path), json11.rs (ECS and Cloud Map, from `X-Amz-Target`) and
//! cloudmap/wire.rs (Cloud Map's RPC v2 CBOR, from the path). The known-operation check of the
//! protocols that name the operation is [`serve_by_name`] (REST-JSON finds its action by path
//! among the generated ones instead); the rest is [`serve`], the one pipeline for every
//! service.

use std::fmt;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use super::Cloud;
use super::account_region::AccountRegion;
use super::aws_error::{self, JSON_11, Protocol};
use super::call_log::ApiCall;
use super::cloudmap::cbor;
use super::cross_account;
use crate::model::{ModelAction, Validate, Violations};

/// A service of the control plane, as the pipeline drives it.
pub trait Service: Sized {
    /// The operations its generated model serves.
    type Action: ModelAction;
    /// What a successful call hands back.
    type Output: Output;
    type Error: ServiceError;
    /// How messages name the service.
    const TITLE: &'static str;
    /// IAM's prefix of the service's actions (`ecs` in `ecs:RunTask`).
    const IAM_PREFIX: &'static str;

    /// The service in `cloud`.
    fn of(cloud: &Cloud) -> &Self;
    /// The model's error for an input that does not decode or breaks the model's constraints.
    fn invalid_input(message: String) -> Self::Error;
    /// Runs one request in `scope`.
    fn call(
        &self,
        scope: &AccountRegion,
        request: RequestOf<Self>,
    ) -> Result<Self::Output, Self::Error>;
}

/// A service's generated request type.
pub type RequestOf<S> = <<S as Service>::Action as ModelAction>::Request;

/// A service's error, sent in the caller's protocol.
pub trait ServiceError: fmt::Display {
    fn respond(&self, protocol: Protocol) -> Response;
}

/// A successful call's output, sent in the caller's protocol with the operation's status.
pub trait Output {
    fn reply(self, protocol: Protocol, status: StatusCode) -> Response;
}

/// A body already encoded as JSON: App Mesh's and ECS's, whose planes remember it as it was
/// sent, for a retry with the same client token.
impl Output for Vec<u8> {
    fn reply(self, protocol: Protocol, status: StatusCode) -> Response {
        match protocol {
            Protocol::Json11 => json11(status, self),
            // RPC v2 CBOR is spoken by Cloud Map only, whose output is a value; this costs a
            // decoding of the text only if that ever changes.
            Protocol::RpcV2Cbor => serde_json::from_slice::<Value>(&self)
                .unwrap_or_default()
                .reply(protocol, status),
            Protocol::RestJson | Protocol::AwsQuery => aws_error::json(status, self),
        }
    }
}

/// An output value: Cloud Map's, encoded as JSON or CBOR as the caller speaks.
impl Output for Value {
    fn reply(self, protocol: Protocol, status: StatusCode) -> Response {
        match protocol {
            Protocol::RpcV2Cbor => aws_error::rpc_v2_cbor(status, cbor::encode(&self)),
            _ => serde_json::to_vec(&self)
                .unwrap_or_default()
                .reply(protocol, status),
        }
    }
}

fn json11(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = aws_error::json(status, body);
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_11));
    response
}

/// Answers the operation called `name` (JSON 1.1's and RPC v2 CBOR's way of naming it), its
/// input decoded from `body` by `decode` once the operation is known to be served: the one
/// known-operation check of the name-routed protocols.
pub fn serve_by_name<S: Service>(
    cloud: &Cloud,
    protocol: Protocol,
    scope: &AccountRegion,
    name: &str,
    body: &[u8],
    decode: fn(&[u8]) -> Result<Value, String>,
) -> Response {
    let Some(action) = S::Action::from_name(name) else {
        return aws_error::error(
            protocol,
            StatusCode::BAD_REQUEST,
            "UnknownOperationException",
            &format!(
                "{} operation {name} is not implemented by the embedded cloud.",
                S::TITLE
            ),
        );
    };
    match decode(body) {
        Ok(input) => serve::<S>(cloud, protocol, scope, action, input),
        Err(why) => aws_error::error(
            protocol,
            StatusCode::BAD_REQUEST,
            "SerializationException",
            &why,
        ),
    }
}

/// Answers `action` with `input` (the operation's members as a JSON object) in `scope`.
pub fn serve<S: Service>(
    cloud: &Cloud,
    protocol: Protocol,
    scope: &AccountRegion,
    action: S::Action,
    input: Value,
) -> Response {
    if let Some(arn) = cross_account::foreign_arn(&input, &scope.account) {
        return cross_account::denied(
            protocol,
            S::IAM_PREFIX,
            action.name(),
            &cloud.accounts.principal(&scope.account).0,
            arn,
        );
    }
    let answer = decode::<S>(action, input).and_then(|request| S::of(cloud).call(scope, request));
    match answer {
        Ok(output) => {
            cloud.call_log.record(|| ApiCall {
                account: scope.account.to_string(),
                operation: action.name(),
                error: None,
            });
            let status = StatusCode::from_u16(action.binding().status).unwrap_or(StatusCode::OK);
            output.reply(protocol, status)
        }
        Err(e) => {
            tracing::debug!(operation = action.name(), error = %e, "request failed");
            let response = e.respond(protocol);
            cloud.call_log.record(|| ApiCall {
                account: scope.account.to_string(),
                operation: action.name(),
                error: Some((error_code(&response), e.to_string())),
            });
            response
        }
    }
}

/// The error's code, as the response names it.
fn error_code(response: &Response) -> String {
    response
        .headers()
        .get(aws_error::X_AMZN_ERROR_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(':').next().unwrap_or(v).to_string())
        .unwrap_or_else(|| response.status().as_u16().to_string())
}

/// The typed request, its model constraints checked.
fn decode<S: Service>(action: S::Action, input: Value) -> Result<RequestOf<S>, S::Error> {
    let request = action
        .decode(input)
        .map_err(|e| S::invalid_input(e.to_string()))?;
    let mut violations = Violations::default();
    request.validate(&mut violations);
    if !violations.is_empty() {
        return Err(S::invalid_input(violations.to_string()));
    }
    Ok(request)
}
