//! AWS error responses in the protocol of the caller: App Mesh's REST-JSON (the status, the
//! `x-amzn-ErrorType` header, `{"message"}`) or ECS's JSON 1.1 (`{"__type", "message"}`,
//! `application/x-amz-json-1.1`). Every error the embedded cloud sends is built here, whatever
//! layer decides it.

use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The wire protocol a request speaks, which decides the shape of its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// App Mesh: the operation is in the method and path.
    RestJson,
    /// ECS: `POST /` naming the operation in `X-Amz-Target`.
    Json11,
}

impl Protocol {
    pub fn of(method: &Method, path: &str, headers: &HeaderMap) -> Protocol {
        if method == Method::POST && path == "/" && headers.contains_key(X_AMZ_TARGET) {
            Protocol::Json11
        } else {
            Protocol::RestJson
        }
    }
}

pub const X_AMZ_TARGET: &str = "x-amz-target";
pub const JSON_11: &str = "application/x-amz-json-1.1";

/// An error in `protocol`'s shape.
pub fn error(
    protocol: Protocol,
    status: StatusCode,
    code: &'static str,
    message: &str,
) -> Response {
    let mut response = match protocol {
        Protocol::RestJson => json(status, body(None, message)),
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
