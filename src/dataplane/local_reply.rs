//! What a proxy answers by itself, when no upstream answer comes through: Envoy calls these
//! local replies. Both proxies (the sidecars, the Service Connect proxies) answer in one shape,
//! Envoy's: the status, a plain-text body in Envoy's words, and `server: envoy`, so that an
//! app (and the load generator) tells a proxy's refusal from an upstream's answer the same way
//! in both chapters.

use axum::http::{HeaderName, HeaderValue, Response, StatusCode, header};
use bytes::Bytes;
use http_body_util::{Either, Full};

use super::forward::ProxyBody;
use crate::envoy::OVERFLOW_BODY;

const X_ENVOY_OVERLOADED: HeaderName = HeaderName::from_static("x-envoy-overloaded");

/// One answer of the proxy's own. Envoy's fixed words are static: making one allocates only
/// when its body says something about the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalReply {
    pub status: StatusCode,
    pub body: Bytes,
    /// Envoy marks an answer of its circuit breaker so, and the load generator counts it.
    pub overloaded: bool,
}

impl LocalReply {
    pub fn new(status: StatusCode, body: impl Into<Bytes>) -> LocalReply {
        LocalReply {
            status,
            body: body.into(),
            overloaded: false,
        }
    }

    /// Envoy's local rate limit turned the request away.
    pub fn rate_limited() -> LocalReply {
        LocalReply::new(StatusCode::TOO_MANY_REQUESTS, "local_rate_limited")
    }

    /// The request's body is bigger than the proxy keeps (it keeps it whole to resend it).
    pub fn payload_too_large() -> LocalReply {
        LocalReply::new(StatusCode::PAYLOAD_TOO_LARGE, "payload too large")
    }

    /// The request's path cannot be sent on.
    pub fn bad_request_path() -> LocalReply {
        LocalReply::new(StatusCode::BAD_REQUEST, "bad request path")
    }

    /// The upstream refused the connection, or closed it before its answer's headers.
    pub fn connect_failure() -> LocalReply {
        LocalReply::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "upstream connect error or disconnect/reset before headers",
        )
    }

    /// No answer's headers within the route's (or the attempt's) time limit.
    pub fn timeout() -> LocalReply {
        LocalReply::new(StatusCode::GATEWAY_TIMEOUT, "upstream request timeout")
    }

    /// A connection pool and its queue were full.
    pub fn overflow() -> LocalReply {
        LocalReply {
            overloaded: true,
            ..LocalReply::new(StatusCode::SERVICE_UNAVAILABLE, OVERFLOW_BODY)
        }
    }

    pub fn into_response(self) -> Response<ProxyBody> {
        let mut response = Response::new(Either::Right(Full::new(self.body)));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        headers.insert(header::SERVER, HeaderValue::from_static("envoy"));
        if self.overloaded {
            headers.insert(X_ENVOY_OVERLOADED, HeaderValue::from_static("true"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    async fn answered(reply: LocalReply) -> (StatusCode, Vec<(String, String)>, String) {
        let response = reply.into_response();
        let status = response.status();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string()))
            .collect();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, headers, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_local_reply_is_plain_text_from_envoy() {
        let (status, headers, body) = answered(LocalReply::timeout()).await;
        assert_eq!(status, StatusCode::GATEWAY_TIMEOUT);
        assert_eq!(body, "upstream request timeout");
        assert_eq!(
            headers,
            [
                ("content-type".into(), "text/plain; charset=utf-8".into()),
                ("server".into(), "envoy".into()),
            ]
        );
    }

    #[tokio::test]
    async fn only_the_circuit_breakers_reply_says_it_is_overloaded() {
        let (status, headers, body) = answered(LocalReply::overflow()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body, OVERFLOW_BODY);
        assert!(headers.contains(&("x-envoy-overloaded".into(), "true".into())));
        let (status, headers, _) = answered(LocalReply::connect_failure()).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(!headers.iter().any(|(n, _)| n == "x-envoy-overloaded"));
    }
}
