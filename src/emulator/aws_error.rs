//! AWS error responses in the protocol of the caller: App Mesh's REST-JSON (the status, the
//! `x-amzn-ErrorType` header, `{"message"}`), ECS's and Cloud Map's JSON 1.1 (`{"__type",
//! "message"}`, `application/x-amz-json-1.1`) or Cloud Map's Smithy RPC v2 CBOR (a CBOR map with
//! `__type` the error's absolute shape id, `application/cbor`, `smithy-protocol: rpc-v2-cbor`).
//! Every error the embedded cloud sends is built here, whatever layer decides it.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use super::cloudmap::{SHAPE_NAMESPACE, cbor};

/// The wire protocol a request speaks, which decides the shape of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// App Mesh: the operation is in the method and path.
    RestJson,
    /// ECS and Cloud Map: `POST /` naming the operation in `X-Amz-Target`.
    Json11,
    /// Cloud Map as botocore speaks it: `POST .../service/NAME/operation/OPERATION`.
    RpcV2Cbor,
    /// STS: `POST /` with a form body naming the `Action`; XML answers.
    AwsQuery,
}

impl Protocol {
    pub fn of(method: &Method, path: &str, headers: &HeaderMap) -> Protocol {
        if method == Method::POST && rpc_v2_operation(path).is_some() {
            Protocol::RpcV2Cbor
        } else if method == Method::POST && path == "/" && headers.contains_key(X_AMZ_TARGET) {
            Protocol::Json11
        } else if method == Method::POST && path == "/" && is_form(headers) {
            Protocol::AwsQuery
        } else {
            Protocol::RestJson
        }
    }
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.to_ascii_lowercase()
                .starts_with("application/x-www-form-urlencoded")
        })
}

/// The service and operation names of an RPC v2 path: its last four segments are
/// `service/NAME/operation/OPERATION`, whatever prefix comes before them (as the Smithy RPC v2
/// specification routes).
pub fn rpc_v2_operation(path: &str) -> Option<(&str, &str)> {
    let mut last = path.rsplit('/');
    let (operation, literal_operation, service, literal_service) =
        (last.next()?, last.next()?, last.next()?, last.next()?);
    (literal_service == "service"
        && literal_operation == "operation"
        && !service.is_empty()
        && !operation.is_empty())
    .then_some((service, operation))
}

pub const X_AMZ_TARGET: &str = "x-amz-target";
pub const JSON_11: &str = "application/x-amz-json-1.1";
pub const CBOR: &str = "application/cbor";
pub const SMITHY_PROTOCOL: &str = "smithy-protocol";
pub const RPC_V2_CBOR: &str = "rpc-v2-cbor";

/// An error in `protocol`'s shape.
pub fn error(
    protocol: Protocol,
    status: StatusCode,
    code: &'static str,
    message: &str,
) -> Response {
    let mut response = match protocol {
        Protocol::RpcV2Cbor => {
            let mut members = Map::new();
            members.insert("message".into(), Value::String(message.to_string()));
            return error_shape(protocol, status, code, members);
        }
        Protocol::RestJson => json(status, body(None, message)),
        Protocol::AwsQuery => return query_error(status, code, message),
        Protocol::Json11 => {
            let mut response = json(status, body(Some(code), message));
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_11));
            response
        }
    };
    // JSON 1.1 clients read `__type`; the header is what REST-JSON clients read, and costs a
    // JSON 1.1 client nothing.
    response
        .headers_mut()
        .insert(X_AMZN_ERROR_TYPE, HeaderValue::from_static(code));
    response
}

/// A modeled error with members of its own (`members` by wire name, its message among them):
/// in JSON 1.1 `__type` is the code, in RPC v2 CBOR the absolute shape id (and there is no
/// `x-amzn-ErrorType`, which that protocol says servers should not send); REST-JSON carries the
/// code in `x-amzn-ErrorType` only.
pub fn error_shape(
    protocol: Protocol,
    status: StatusCode,
    code: &str,
    mut members: Map<String, Value>,
) -> Response {
    if protocol == Protocol::AwsQuery {
        let message = members
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or_default();
        return query_error(status, code, message);
    }
    if protocol == Protocol::RpcV2Cbor {
        members.insert(
            "__type".into(),
            Value::String(format!("{SHAPE_NAMESPACE}#{code}")),
        );
        return rpc_v2_cbor(status, cbor::encode(&Value::Object(members)));
    }
    if protocol == Protocol::Json11 {
        members.insert("__type".into(), Value::String(code.to_string()));
    }
    let body = serde_json::to_vec(&Value::Object(members)).unwrap_or_default();
    let mut response = json(status, body);
    let headers = response.headers_mut();
    if protocol == Protocol::Json11 {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_11));
    }
    if let Ok(code) = HeaderValue::from_str(code) {
        headers.insert(X_AMZN_ERROR_TYPE, code);
    }
    response
}

/// A throttling error as each protocol's services send it (the SDKs back off and retry):
/// App Mesh's 429 TooManyRequestsException, ECS's and Cloud Map's ThrottlingException, STS's
/// Throttling.
pub fn throttled(protocol: Protocol, message: &str) -> Response {
    let (status, code) = match protocol {
        Protocol::RestJson => (StatusCode::TOO_MANY_REQUESTS, "TooManyRequestsException"),
        Protocol::Json11 | Protocol::RpcV2Cbor => (StatusCode::BAD_REQUEST, "ThrottlingException"),
        Protocol::AwsQuery => (StatusCode::BAD_REQUEST, "Throttling"),
    };
    error(protocol, status, code, message)
}

/// An AWS Query (XML) error: `<ErrorResponse><Error><Type>`, `<Code>`, `<Message>`.
fn query_error(status: StatusCode, code: &str, message: &str) -> Response {
    let kind = if status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    let id = uuid::Uuid::new_v4();
    xml(
        status,
        format!(
            "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{id}</RequestId>\n</ErrorResponse>\n",
            xml_escape(code),
            xml_escape(message)
        ),
    )
}

/// An XML answer (AWS Query) with a request id.
pub fn xml(status: StatusCode, body: String) -> Response {
    let mut response = json(status, body.into_bytes());
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    response
}

/// Text as XML character data.
pub fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// An RPC v2 CBOR answer: the body, `application/cbor`, `smithy-protocol: rpc-v2-cbor` and a
/// request id.
pub fn rpc_v2_cbor(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = json(status, body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CBOR));
    headers.insert(SMITHY_PROTOCOL, HeaderValue::from_static(RPC_V2_CBOR));
    response
}

/// A successful (or error) JSON answer with a request id, as every AWS answer has one.
pub fn json(status: StatusCode, body: Vec<u8>) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        headers.insert(X_AMZN_REQUEST_ID, id);
    }
    response
}

/// A whole HTTP/1.1 error response, for when no request could be read and so its protocol is
/// unknown (a malformed request line, a head too large). It carries the code both ways, in
/// `x-amzn-ErrorType` and in `__type`, so that a REST-JSON and a JSON 1.1 client both read it;
/// the connection closes after it.
pub fn raw_error(status: StatusCode, code: &str, message: &str) -> Vec<u8> {
    let body = serde_json::json!({ "__type": code, "message": message }).to_string();
    format!(
        "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\n{X_AMZN_ERROR_TYPE}: {code}\r\n\
         {X_AMZN_REQUEST_ID}: {}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        status.as_str(),
        status.canonical_reason().unwrap_or("Error"),
        uuid::Uuid::new_v4(),
        body.len(),
    )
    .into_bytes()
}

pub const X_AMZN_ERROR_TYPE: &str = "x-amzn-errortype";
pub const X_AMZN_REQUEST_ID: &str = "x-amzn-requestid";

fn body(code: Option<&str>, message: &str) -> Vec<u8> {
    let value = match code {
        Some(code) => serde_json::json!({ "__type": code, "message": message }),
        None => serde_json::json!({ "message": message }),
    };
    serde_json::to_vec(&value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_11_is_a_post_to_the_root_with_a_target() {
        let mut target = HeaderMap::new();
        target.insert(X_AMZ_TARGET, HeaderValue::from_static("x"));
        assert_eq!(Protocol::of(&Method::POST, "/", &target), Protocol::Json11);
        assert_eq!(Protocol::of(&Method::GET, "/", &target), Protocol::RestJson);
        assert_eq!(
            Protocol::of(&Method::POST, "/", &HeaderMap::new()),
            Protocol::RestJson
        );
    }

    #[test]
    fn rpc_v2_is_routed_by_the_last_four_segments() {
        let path = "/service/Route53AutoNaming_v20170314/operation/ListNamespaces";
        assert_eq!(
            Protocol::of(&Method::POST, path, &HeaderMap::new()),
            Protocol::RpcV2Cbor
        );
        assert_eq!(
            rpc_v2_operation(&format!("/v1{path}")),
            Some(("Route53AutoNaming_v20170314", "ListNamespaces"))
        );
        assert_eq!(rpc_v2_operation("/service/x/operation/"), None);
        assert_eq!(rpc_v2_operation("/operation/ListNamespaces"), None);
        assert_eq!(
            Protocol::of(&Method::GET, path, &HeaderMap::new()),
            Protocol::RestJson
        );
    }

    #[test]
    fn an_rpc_v2_error_is_cbor_with_the_absolute_shape_id() {
        let response = error(
            Protocol::RpcV2Cbor,
            StatusCode::NOT_FOUND,
            "NamespaceNotFound",
            "no",
        );
        assert_eq!(response.headers()[SMITHY_PROTOCOL], RPC_V2_CBOR);
        assert_eq!(response.headers()[header::CONTENT_TYPE], CBOR);
        assert!(response.headers().get(X_AMZN_ERROR_TYPE).is_none());
    }

    #[test]
    fn a_raw_error_is_one_complete_response() {
        let raw = String::from_utf8(raw_error(
            StatusCode::BAD_REQUEST,
            "BadRequestException",
            "no",
        ))
        .unwrap();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        assert!(
            head.contains("x-amzn-errortype: BadRequestException"),
            "{head}"
        );
        assert_eq!(body, r#"{"__type":"BadRequestException","message":"no"}"#);
    }
}
