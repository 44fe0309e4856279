//! What a request must satisfy before any operation sees it: a credential scope naming a real
//! region, a Content-Type its protocol reads, a body of bounded size that arrives in bounded
//! time. A refusal is answered as an AWS error in the caller's protocol.

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use bytes::BytesMut;
use http_body_util::BodyExt;

use std::time::SystemTime;

use axum::http::request::Parts;

use super::account_region::AccountRegion;
use super::accounts::Accounts;
use super::aws_error::{self, CBOR, JSON_11, Protocol, RPC_V2_CBOR, SMITHY_PROTOCOL, X_AMZ_TARGET};
use super::regions::is_aws_region;
use super::server::HttpLimits;
use super::sigv4::{self, Authorization, Received, Rejection, signing_region};

#[derive(Debug)]
pub struct Refusal {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl Refusal {
    pub fn respond(&self, protocol: Protocol) -> Response {
        aws_error::error(protocol, self.status, self.code, &self.message)
    }
}

/// The region of the request: its credential scope's, or `default` when it is not signed.
/// AWS refuses a scope naming a region that does not exist with this code, status and message.
pub fn region<'a>(headers: &'a HeaderMap, default: &'a str) -> Result<&'a str, Refusal> {
    match signing_region(headers) {
        None => Ok(default),
        Some(region) if is_aws_region(region) => Ok(region),
        Some(region) => Err(Refusal {
            status: StatusCode::FORBIDDEN,
            code: "InvalidSignatureException",
            message: format!("Credential should be scoped to a valid region, not '{region}'. "),
        }),
    }
}

/// Who is calling, as far as the headers tell before the body is read: the account (its key,
/// when accounts are verified) and the Region, and what is left to check with the body.
pub struct Caller {
    pub scope: AccountRegion,
    /// With verified accounts: the signing secret and the request's time.
    pending: Option<(String, SystemTime)>,
}

/// Identifies the caller. An open cloud takes any request, in `default_account`; a verified
/// one wants a SigV4 signature by one of its keys, scoped to a real Region and to the service
/// the request is for, dated within 15 minutes. Refusals are AWS's codes and messages, with
/// the status each protocol's services answer them with (REST-JSON 403, the others 400).
pub fn caller(
    parts: &Parts,
    protocol: Protocol,
    service: &str,
    accounts: &Accounts,
    default_account: &str,
    default_region: &str,
) -> Result<Caller, Refusal> {
    let headers = &parts.headers;
    if !accounts.is_verified() {
        let region = region(headers, default_region)?;
        return Ok(Caller {
            scope: AccountRegion::new(default_account, region),
            pending: None,
        });
    }
    let refuse = |r: Rejection| auth_refusal(protocol, r);
    let Some(auth) = Authorization::of(headers) else {
        return Err(refuse(Rejection {
            code: "MissingAuthenticationTokenException",
            message: "Missing Authentication Token".into(),
        }));
    };
    let auth = auth.map_err(refuse)?;
    let Some(account) = accounts.by_access_key(auth.access_key_id) else {
        return Err(refuse(Rejection {
            code: "UnrecognizedClientException",
            message: "The security token included in the request is invalid.".into(),
        }));
    };
    if !is_aws_region(auth.region) {
        return Err(refuse(Rejection {
            code: "InvalidSignatureException",
            message: format!(
                "Credential should be scoped to a valid region, not '{}'. ",
                auth.region
            ),
        }));
    }
    if auth.service != service {
        return Err(refuse(Rejection {
            code: "InvalidSignatureException",
            message: format!("Credential should be scoped to correct service: '{service}'. "),
        }));
    }
    let received = received(parts, &[]);
    let at = sigv4::check_headers(&auth, &received).map_err(refuse)?;
    Ok(Caller {
        scope: AccountRegion::new(account.account_id, auth.region),
        pending: Some((account.secret_access_key, at)),
    })
}

impl Caller {
    /// Finishes identifying the caller with the whole body: checks the signature itself.
    pub fn verify(
        self,
        parts: &Parts,
        protocol: Protocol,
        body: &[u8],
    ) -> Result<AccountRegion, Refusal> {
        if let Some((secret, at)) = &self.pending {
            let headers = &parts.headers;
            // Parsed before, in `caller`: it is there and well-formed.
            let auth = match Authorization::of(headers) {
                Some(Ok(auth)) => auth,
                Some(Err(r)) => return Err(auth_refusal(protocol, r)),
                None => {
                    return Err(auth_refusal(
                        protocol,
                        Rejection {
                            code: "MissingAuthenticationTokenException",
                            message: "Missing Authentication Token".into(),
                        },
                    ));
                }
            };
            sigv4::verify(&auth, &received(parts, body), *at, secret)
                .map_err(|r| auth_refusal(protocol, r))?;
        }
        Ok(self.scope)
    }
}

fn received<'a>(parts: &'a Parts, body: &'a [u8]) -> Received<'a> {
    Received {
        method: &parts.method,
        uri: &parts.uri,
        headers: &parts.headers,
        body,
        now: SystemTime::now(),
    }
}

fn auth_refusal(protocol: Protocol, rejection: Rejection) -> Refusal {
    Refusal {
        status: match protocol {
            Protocol::RestJson | Protocol::AwsQuery => StatusCode::FORBIDDEN,
            Protocol::Json11 | Protocol::RpcV2Cbor => StatusCode::BAD_REQUEST,
        },
        code: match protocol {
            Protocol::AwsQuery => query_code(rejection.code),
            _ => rejection.code,
        },
        message: rejection.message,
    }
}

/// The AWS Query services' (STS's) names for the same refusals, as their Common Errors list
/// them.
fn query_code(code: &'static str) -> &'static str {
    match code {
        "UnrecognizedClientException" => "InvalidClientTokenId",
        "InvalidSignatureException" => "SignatureDoesNotMatch",
        "MissingAuthenticationTokenException" => "MissingAuthenticationToken",
        "IncompleteSignatureException" => "IncompleteSignature",
        other => other,
    }
}

/// JSON 1.1 requests are routed by their Content-Type: AWS answers 404 to one that names
/// another protocol (or none). `application/json` is read as JSON 1.1 too, as AWS does.
pub fn json11_content_type(headers: &HeaderMap) -> Result<(), Refusal> {
    let media = media_type(headers);
    if matches!(media.as_deref(), Some(JSON_11 | "application/json")) {
        return Ok(());
    }
    Err(Refusal {
        status: StatusCode::NOT_FOUND,
        code: "UnknownOperationException",
        message: format!(
            "A request naming its operation in X-Amz-Target must be sent as {JSON_11}, not {}.",
            media.as_deref().unwrap_or("without a Content-Type")
        ),
    })
}

/// An RPC v2 CBOR request must say so (`smithy-protocol: rpc-v2-cbor`), must not name an
/// operation in `X-Amz-Target` too (the specification requires servers to reject that), and
/// must send its body as `application/cbor` (415 otherwise, as Smithy servers answer).
pub fn rpc_v2_cbor(headers: &HeaderMap) -> Result<(), Refusal> {
    let refuse = |message: String| Refusal {
        status: StatusCode::BAD_REQUEST,
        code: "BadRequestException",
        message,
    };
    let declared = headers
        .get(SMITHY_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if declared != RPC_V2_CBOR {
        return Err(refuse(format!(
            "An RPC v2 CBOR request must carry the header {SMITHY_PROTOCOL}: {RPC_V2_CBOR}."
        )));
    }
    if headers.contains_key(X_AMZ_TARGET) || headers.contains_key("x-amzn-target") {
        return Err(refuse(
            "An RPC v2 CBOR request must not carry X-Amz-Target or X-Amzn-Target.".into(),
        ));
    }
    let media = media_type(headers);
    let bodiless = headers
        .get(header::CONTENT_LENGTH)
        .is_some_and(|v| v.as_bytes() == b"0");
    if media.as_deref() == Some(CBOR) || (media.is_none() && bodiless) {
        return Ok(());
    }
    Err(Refusal {
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        code: "UnsupportedMediaTypeException",
        message: format!(
            "The request body must be sent as {CBOR}, not {}.",
            media.as_deref().unwrap_or("without a Content-Type")
        ),
    })
}

/// A REST-JSON request with a body must say it is `application/json`, as Smithy's REST-JSON
/// servers require (415 UnsupportedMediaTypeException). A bodiless one may say anything.
pub fn rest_json_content_type(headers: &HeaderMap, body: &[u8]) -> Result<(), Refusal> {
    let media = media_type(headers);
    if body.iter().all(u8::is_ascii_whitespace) || media.as_deref() == Some("application/json") {
        return Ok(());
    }
    Err(Refusal {
        status: StatusCode::UNSUPPORTED_MEDIA_TYPE,
        code: "UnsupportedMediaTypeException",
        message: format!(
            "The request body must be sent as application/json, not {}.",
            media.as_deref().unwrap_or("without a Content-Type")
        ),
    })
}

/// The media type of the Content-Type header, lowercased, without parameters (`; charset=`).
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let media = value.split(';').next().unwrap_or_default().trim();
    Some(media.to_ascii_lowercase())
}

/// After refusing a body as too large, the rest of it is read and thrown away, up to this
/// many bytes or for this long, before the connection may close (as nginx's lingering close
/// does): a client that writes its whole body before it reads the answer (Python's
/// http.client, and so the aws CLI) then reads the 413 instead of a broken pipe.
pub const LINGER_BYTES: u64 = 16 << 20;
pub const LINGER_TIME: Duration = Duration::from_secs(10);

/// The whole body, if it is no larger than the limit and arrives within the body timeout.
pub async fn body(
    mut body: Body,
    headers: &HeaderMap,
    limits: &HttpLimits,
) -> Result<Bytes, Refusal> {
    let too_large = || Refusal {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "RequestEntityTooLargeException",
        message: format!(
            "The request body is larger than the {} bytes this endpoint accepts.",
            limits.max_body_bytes
        ),
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limits.max_body_bytes as u64) {
        linger(body);
        return Err(too_large());
    }
    let read = collect_at_most(&mut body, limits.max_body_bytes);
    match tokio::time::timeout(limits.request_body_timeout, read).await {
        Ok(Ok(Some(collected))) => Ok(collected),
        Ok(Ok(None)) => {
            linger(body);
            Err(too_large())
        }
        Ok(Err(e)) => Err(Refusal {
            status: StatusCode::BAD_REQUEST,
            code: "BadRequestException",
            message: format!("The request body could not be read: {e}"),
        }),
        Err(_) => Err(Refusal {
            status: StatusCode::REQUEST_TIMEOUT,
            code: "RequestTimeoutException",
            message: format!(
                "The request body did not arrive within {}.",
                seconds(limits.request_body_timeout)
            ),
        }),
    }
}

/// The body's bytes, or `None` as soon as they pass `max`.
async fn collect_at_most(body: &mut Body, max: usize) -> Result<Option<Bytes>, axum::Error> {
    let mut collected = BytesMut::new();
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            if collected.len() + data.len() > max {
                return Ok(None);
            }
            collected.extend_from_slice(&data);
        }
    }
    Ok(Some(collected.freeze()))
}

/// Reads the rest of a refused body in the background and discards it, within the linger
/// bounds; the connection is served meanwhile (the answer goes out at once).
pub fn linger(mut body: Body) {
    tokio::spawn(async move {
        let mut seen = 0u64;
        let drain = async {
            while let Some(Ok(frame)) = body.frame().await {
                if let Ok(data) = frame.into_data() {
                    seen += data.len() as u64;
                    if seen > LINGER_BYTES {
                        break;
                    }
                }
            }
        };
        let _ = tokio::time::timeout(LINGER_TIME, drain).await;
        // Dropping the body now makes the server close the connection if any is left.
    });
}

fn seconds(d: Duration) -> String {
    format!("{} s", d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_content_type(value: &'static str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(value));
        headers
    }

    #[test]
    fn media_types_are_compared_without_parameters_or_case() {
        assert!(json11_content_type(&with_content_type("application/x-amz-json-1.1")).is_ok());
        assert!(json11_content_type(&with_content_type("Application/JSON; charset=utf-8")).is_ok());
        assert!(json11_content_type(&with_content_type("application/x-amz-json-1.0")).is_err());
        assert!(json11_content_type(&HeaderMap::new()).is_err());
        let form = with_content_type("application/x-www-form-urlencoded");
        assert!(rest_json_content_type(&form, b"{}").is_err());
        assert!(rest_json_content_type(&form, b"").is_ok());
        assert!(rest_json_content_type(&HeaderMap::new(), b"{}").is_err());
    }
}
