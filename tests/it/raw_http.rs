//! A raw HTTP/1.1 client over TCP, for requests no SDK would send (malformed, truncated, slow)
//! and for reading exactly what the embedded cloud answers.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Bounds every read of a test: a server that neither answers nor closes fails the test.
pub const READ_DEADLINE: Duration = Duration::from_secs(10);

#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "body is not JSON ({e}): {:?} in {self:?}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }
}

/// Sends `bytes` on a new connection and reads one response.
pub async fn exchange(addr: SocketAddr, bytes: &[u8]) -> Option<RawResponse> {
    let mut tcp = TcpStream::connect(addr).await.expect("connects");
    // The server may answer and close before all of a bad request is written.
    let _ = tcp.write_all(bytes).await;
    let bodiless = bytes.starts_with(b"HEAD ");
    tokio::time::timeout(READ_DEADLINE, read(&mut tcp, bodiless))
        .await
        .expect("the server answers or closes within the deadline")
}

/// One response from `tcp`, or None if the connection closes (or resets) before a whole
/// response head arrives.
pub async fn read_response(tcp: &mut TcpStream) -> Option<RawResponse> {
    tokio::time::timeout(READ_DEADLINE, read(tcp, false))
        .await
        .expect("the server answers or closes within the deadline")
}

/// A response to a HEAD request has a Content-Length but no body (`bodiless`).
async fn read(tcp: &mut TcpStream, bodiless: bool) -> Option<RawResponse> {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0u8; 4096];
        match tcp.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .filter(|_| !bodiless)
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        match tcp.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    body.truncate(length);
    Some(RawResponse {
        status,
        headers,
        body,
    })
}

/// Whether the server closes `tcp` (EOF or reset) within the read deadline, without answering.
pub async fn closed_without_answer(tcp: &mut TcpStream) -> bool {
    let mut chunk = [0u8; 256];
    matches!(
        tokio::time::timeout(READ_DEADLINE, tcp.read(&mut chunk)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// An App Mesh (REST-JSON) request.
pub fn rest_json(method: &str, path: &str, body: &str) -> Vec<u8> {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// An ECS (JSON 1.1) request.
pub fn json11(operation: &str, body: &str) -> Vec<u8> {
    json11_to("AmazonEC2ContainerServiceV20141113", operation, body)
}

/// A JSON 1.1 request to the service whose targets start `target_prefix`.
pub fn json11_to(target_prefix: &str, operation: &str, body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.1\r\n\
         X-Amz-Target: {target_prefix}.{operation}\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Fails unless `response` is an AWS error of `code` in the REST-JSON shape.
pub fn assert_rest_json_error(response: &RawResponse, code: &str) {
    assert_eq!(
        response.header("x-amzn-errortype"),
        Some(code),
        "{response:?}"
    );
    assert!(
        response.header("x-amzn-requestid").is_some(),
        "{response:?}"
    );
    assert!(
        response.json()["message"].is_string(),
        "no message: {response:?}"
    );
}

/// Fails unless `response` is an AWS error of `code` in the JSON 1.1 shape.
pub fn assert_json11_error(response: &RawResponse, code: &str) {
    assert_eq!(
        response.header("content-type"),
        Some("application/x-amz-json-1.1"),
        "{response:?}"
    );
    let body = response.json();
    assert_eq!(body["__type"], code, "{response:?}");
    assert!(body["message"].is_string(), "no message: {response:?}");
}

/// A Cloud Map (Smithy RPC v2 CBOR) request with a CBOR body, as botocore sends it.
pub fn rpc_v2_cbor(operation: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST /service/Route53AutoNaming_v20170314/operation/{operation} HTTP/1.1\r\n\
         Host: localhost\r\nContent-Type: application/cbor\r\nAccept: application/cbor\r\n\
         Smithy-Protocol: rpc-v2-cbor\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}
