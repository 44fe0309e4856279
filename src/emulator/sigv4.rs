//! Server-side verification of AWS Signature Version 4, as AWS checks a request: the
//! signature is computed again from the request as it arrived (the canonical request built
//! from the client's own SignedHeaders, the body's SHA-256) and compared in constant time.
//!
//! The key derivation and the HMAC are aws-sigv4's (`generate_signing_key`,
//! `calculate_signature`), the crate the Rust SDK signs with, so both sides share one
//! implementation of the math; building the canonical request is the server's job (the crate
//! builds it from what a client is about to send, not from what a server received).

use std::time::{Duration, SystemTime};

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use axum::http::{HeaderMap, Method, Uri, header};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// How far a request's `X-Amz-Date` may be from the server's clock, either way (AWS: 15 min).
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(15 * 60);

const ALGORITHM: &str = "AWS4-HMAC-SHA256";
const AMZ_DATE: &str = "x-amz-date";
const CONTENT_SHA256: &str = "x-amz-content-sha256";
const SECURITY_TOKEN: &str = "x-amz-security-token";

/// RFC 3986's unreserved characters are the only ones SigV4 leaves unencoded.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');
/// …and in a path, the `/` between segments.
const PATH_UNRESERVED: &AsciiSet = &UNRESERVED.remove(b'/');

/// Why a request's signature was refused: an AWS error code and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    pub code: &'static str,
    pub message: String,
}

fn reject(code: &'static str, message: impl Into<String>) -> Rejection {
    Rejection {
        code,
        message: message.into(),
    }
}

/// What a well-formed `Authorization` header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization<'a> {
    pub access_key_id: &'a str,
    /// `YYYYMMDD`.
    pub date: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    pub signed_headers: Vec<&'a str>,
    pub signature: &'a str,
}

impl<'a> Authorization<'a> {
    /// The request's `Authorization` header: `None` if it has none (an unsigned request),
    /// a rejection if it is not a SigV4 one AWS would read.
    pub fn of(headers: &'a HeaderMap) -> Option<Result<Authorization<'a>, Rejection>> {
        let value = headers.get(axum::http::header::AUTHORIZATION)?;
        Some(
            value
                .to_str()
                .map_err(|_| incomplete("the Authorization header is not ASCII"))
                .and_then(Authorization::parse),
        )
    }

    pub fn parse(value: &'a str) -> Result<Authorization<'a>, Rejection> {
        let Some(rest) = value.strip_prefix(ALGORITHM) else {
            return Err(incomplete(format!(
                "Unsupported Authorization Type; only {ALGORITHM} is accepted"
            )));
        };
        let (mut credential, mut signed, mut signature) = (None, None, None);
        for part in rest.split(',') {
            let part = part.trim();
            if let Some(v) = part.strip_prefix("Credential=") {
                credential = Some(v);
            } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
                signed = Some(v);
            } else if let Some(v) = part.strip_prefix("Signature=") {
                signature = Some(v);
            }
        }
        let mut missing = Vec::new();
        for (name, found) in [
            ("Credential", credential),
            ("Signature", signature),
            ("SignedHeaders", signed),
        ] {
            if found.is_none_or(str::is_empty) {
                missing.push(format!("Authorization header requires '{name}' parameter."));
            }
        }
        let (Some(credential), Some(signed), Some(signature)) = (credential, signed, signature)
        else {
            return Err(incomplete(missing.join(" ")));
        };
        if !missing.is_empty() {
            return Err(incomplete(missing.join(" ")));
        }
        let fields: Vec<&str> = credential.split('/').collect();
        let [access_key_id, date, region, service, "aws4_request"] = fields[..] else {
            return Err(incomplete(format!(
                "Credential should be scoped to a valid date, region, service and 'aws4_request' terminator: '{credential}'."
            )));
        };
        Ok(Authorization {
            access_key_id,
            date,
            region,
            service,
            signed_headers: signed.split(';').collect(),
            signature,
        })
    }
}

fn incomplete(message: impl Into<String>) -> Rejection {
    reject("IncompleteSignatureException", message)
}

fn invalid_signature(message: impl Into<String>) -> Rejection {
    reject("InvalidSignatureException", message)
}

/// AWS's words for a signature that does not match.
pub const SIGNATURE_MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

/// The region of the request's SigV4 credential scope
/// (`Credential=AKID/20261126/us-east-1/appmesh/aws4_request`), if it is signed.
/// Read leniently, for a cloud that checks no signature: an unreadable header has none.
pub fn signing_region(headers: &HeaderMap) -> Option<&str> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let scope = auth.split("Credential=").nth(1)?;
    let scope = scope.split([',', ' ']).next()?;
    let region = scope.split('/').nth(2)?;
    (!region.is_empty()).then_some(region)
}

/// The request as it arrived, and when.
pub struct Received<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    pub now: SystemTime,
}

/// Checks what can be checked before the body is read: the headers that must be signed, the
/// date and its skew, and headers no valid request carries. Returns the request's time.
pub fn check_headers(auth: &Authorization, received: &Received) -> Result<SystemTime, Rejection> {
    for required in ["host", AMZ_DATE] {
        if !auth.signed_headers.contains(&required) {
            return Err(invalid_signature(format!(
                "'{required}' must be a 'SignedHeader' in the AWS Authorization."
            )));
        }
    }
    if !auth.signed_headers.windows(2).all(|pair| pair[0] < pair[1])
        || auth
            .signed_headers
            .iter()
            .any(|h| h.is_empty() || h.bytes().any(|b| b.is_ascii_uppercase()))
    {
        return Err(invalid_signature(
            "SignedHeaders must be lowercase header names, sorted and without repeats.",
        ));
    }
    // Every `x-amz-*` header is part of what the caller asks for: one left out of the
    // signature could have been added by anyone on the way.
    for name in received.headers.keys() {
        let name = name.as_str();
        if name.starts_with("x-amz-") && !auth.signed_headers.contains(&name) {
            return Err(invalid_signature(format!(
                "The header '{name}' is present but not among the SignedHeaders."
            )));
        }
    }
    if received.headers.contains_key(SECURITY_TOKEN) {
        // The embedded cloud issues long-term keys only: no session token is valid.
        return Err(reject(
            "UnrecognizedClientException",
            "The security token included in the request is invalid.",
        ));
    }
    let amz_date = received
        .headers
        .get(AMZ_DATE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            incomplete("Authorization header requires existence of a 'X-Amz-Date' header.")
        })?;
    let at = parse_amz_date(amz_date).ok_or_else(|| {
        incomplete(format!(
            "X-Amz-Date must be in the ISO8601 basic format YYYYMMDD'T'HHMMSS'Z', not '{amz_date}'."
        ))
    })?;
    if !amz_date.starts_with(auth.date) || auth.date.len() != 8 {
        return Err(invalid_signature(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{amz_date}'.",
            auth.date,
            &amz_date[..8]
        )));
    }
    let now = received.now;
    if at + MAX_CLOCK_SKEW < now {
        return Err(invalid_signature(format!(
            "Signature expired: {amz_date} is now earlier than {} ({} - 15 min.)",
            format_amz_date(now - MAX_CLOCK_SKEW),
            format_amz_date(now)
        )));
    }
    if at > now + MAX_CLOCK_SKEW {
        return Err(invalid_signature(format!(
            "Signature not yet current: {amz_date} is still later than {} ({} + 15 min.)",
            format_amz_date(now + MAX_CLOCK_SKEW),
            format_amz_date(now)
        )));
    }
    Ok(at)
}

/// Checks the signature itself against `secret`, with the whole body.
pub fn verify(
    auth: &Authorization,
    received: &Received,
    at: SystemTime,
    secret: &str,
) -> Result<(), Rejection> {
    let body_hash = hex::encode(Sha256::digest(received.body));
    if let Some(claimed) = received.headers.get(CONTENT_SHA256) {
        // Only S3 accepts an unsigned payload; elsewhere the header must be the body's hash.
        if claimed.as_bytes() != body_hash.as_bytes() {
            return Err(invalid_signature(
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ));
        }
    }
    let canonical = canonical_request(received, &auth.signed_headers, &body_hash)?;
    let scope = format!(
        "{}/{}/{}/aws4_request",
        auth.date, auth.region, auth.service
    );
    let string_to_sign = format!(
        "{ALGORITHM}\n{}\n{scope}\n{}",
        format_amz_date(at),
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let key = generate_signing_key(secret, at, auth.region, auth.service);
    let expected = calculate_signature(key, string_to_sign.as_bytes());
    if bool::from(expected.as_bytes().ct_eq(auth.signature.as_bytes())) {
        Ok(())
    } else {
        Err(invalid_signature(SIGNATURE_MISMATCH))
    }
}

/// The canonical request of SigV4 for every service but S3: the path encoded once more (it
/// arrives encoded), the query's pairs encoded and sorted, each signed header's values
/// trimmed and joined, the signed header names, and the body's hash.
pub fn canonical_request(
    received: &Received,
    signed_headers: &[&str],
    body_hash: &str,
) -> Result<String, Rejection> {
    let path = match received.uri.path() {
        "" => "/",
        path => path,
    };
    let canonical_uri = utf8_percent_encode(path, PATH_UNRESERVED).to_string();
    let mut out = format!(
        "{}\n{canonical_uri}\n{}\n",
        received.method.as_str(),
        canonical_query(received.uri.query().unwrap_or_default())
    );
    for name in signed_headers {
        let values: Vec<String> = received
            .headers
            .get_all(*name)
            .iter()
            .map(|v| {
                std::str::from_utf8(v.as_bytes())
                    .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
                    .map_err(|_| invalid_signature(format!("The header '{name}' is not UTF-8.")))
            })
            .collect::<Result<_, _>>()?;
        if values.is_empty() {
            return Err(invalid_signature(format!(
                "The signed header '{name}' is not in the request."
            )));
        }
        out.push_str(&format!("{name}:{}\n", values.join(",")));
    }
    out.push_str(&format!("\n{}\n{body_hash}", signed_headers.join(";")));
    Ok(out)
}

/// The query's pairs, each name and value decoded then encoded as SigV4 encodes them, sorted.
fn canonical_query(query: &str) -> String {
    let encode = |s: &str| {
        let decoded = percent_decode_str(s).decode_utf8_lossy();
        utf8_percent_encode(&decoded, UNRESERVED).to_string()
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (encode(k), encode(v))
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// `20261205T184300Z` → the instant, or `None` if it is not one.
pub fn parse_amz_date(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<&str> {
        let s = text.get(r)?;
        s.bytes().all(|c| c.is_ascii_digit()).then_some(s)
    };
    let rfc3339 = format!(
        "{}-{}-{}T{}:{}:{}Z",
        digits(0..4)?,
        digits(4..6)?,
        digits(6..8)?,
        digits(9..11)?,
        digits(11..13)?,
        digits(13..15)?
    );
    humantime::parse_rfc3339(&rfc3339).ok()
}

/// The instant as `X-Amz-Date` spells it.
pub fn format_amz_date(at: SystemTime) -> String {
    // `2026-12-05T18:43:00Z` → `20261205T184300Z`.
    humantime::format_rfc3339_seconds(at)
        .to_string()
        .replace(['-', ':'], "")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    /// AWS's own example (the SigV4 test suite's `get-vanilla-query-order-key-case`, and the
    /// "Create a signed AWS API request" page): the same key, date and request give AWS's
    /// published signature.
    #[test]
    fn aws_test_suite_requests_verify() {
        let secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
        let cases = [
            (
                "/",
                "",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            (
                "/",
                "Param2=value2&Param1=value1",
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
        ];
        for (path, query, signature) in cases {
            let mut headers = HeaderMap::new();
            headers.insert("host", HeaderValue::from_static("example.amazonaws.com"));
            headers.insert(AMZ_DATE, HeaderValue::from_static("20150830T123600Z"));
            let auth_text = format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature={signature}"
            );
            let auth = Authorization::parse(&auth_text).unwrap();
            let uri: Uri = if query.is_empty() {
                path.parse().unwrap()
            } else {
                format!("{path}?{query}").parse().unwrap()
            };
            let at = parse_amz_date("20150830T123600Z").unwrap();
            let received = Received {
                method: &Method::GET,
                uri: &uri,
                headers: &headers,
                body: b"",
                now: at + Duration::from_secs(60),
            };
            assert_eq!(check_headers(&auth, &received), Ok(at));
            assert_eq!(verify(&auth, &received, at, secret), Ok(()), "{query}");
            let wrong = verify(&auth, &received, at, "another secret").unwrap_err();
            assert_eq!(wrong.code, "InvalidSignatureException");
            assert_eq!(wrong.message, SIGNATURE_MISMATCH);
        }
    }

    #[test]
    fn region_comes_from_the_credential_scope() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKID/20261126/eu-west-1/appmesh/aws4_request, SignedHeaders=host, Signature=abc",
            ),
        );
        assert_eq!(signing_region(&headers), Some("eu-west-1"));
        assert_eq!(signing_region(&HeaderMap::new()), None);
    }

    #[test]
    fn dates_round_trip_and_nonsense_is_refused() {
        let at = parse_amz_date("20261205T184300Z").unwrap();
        assert_eq!(format_amz_date(at), "20261205T184300Z");
        for bad in [
            "2026-12-05T18:43:00Z",
            "20261205T1843Z",
            "2026120xT184300Z",
            "",
        ] {
            assert!(parse_amz_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn malformed_authorizations_say_what_is_missing() {
        let e = Authorization::parse(
            "AWS4-HMAC-SHA256 Credential=AKID/20261205/us-east-1/ecs/aws4_request",
        )
        .unwrap_err();
        assert_eq!(e.code, "IncompleteSignatureException");
        assert!(e.message.contains("'Signature'") && e.message.contains("'SignedHeaders'"));
        let e = Authorization::parse("Basic dXNlcjpwYXNz").unwrap_err();
        assert!(e.message.contains("Unsupported Authorization Type"));
        let e = Authorization::parse(
            "AWS4-HMAC-SHA256 Credential=AKID/us-east-1/ecs, SignedHeaders=host, Signature=00",
        )
        .unwrap_err();
        assert!(e.message.contains("Credential should be scoped"));
    }

    #[test]
    fn canonical_paths_are_encoded_again_and_queries_sorted() {
        assert_eq!(
            canonical_query("resourceArn=arn%3Aaws%3Aappmesh%3Aus-east-1&limit=5&b&a=x+y"),
            "a=x%2By&b=&limit=5&resourceArn=arn%3Aaws%3Aappmesh%3Aus-east-1"
        );
        let uri: Uri = "/v20190125/meshes/my%20mesh".parse().unwrap();
        let headers = HeaderMap::new();
        let received = Received {
            method: &Method::PUT,
            uri: &uri,
            headers: &headers,
            body: b"",
            now: SystemTime::UNIX_EPOCH,
        };
        let canonical = canonical_request(&received, &[], "e3b0").unwrap();
        assert!(
            canonical.starts_with("PUT\n/v20190125/meshes/my%2520mesh\n\n"),
            "{canonical}"
        );
    }
}
