//! The HTTP front under the reproducers of issue 12: made-up regions, silent and slow clients,
//! a client holding a half-sent request at shutdown, and everything hyper or a body limit
//! refuses, each answered as an AWS error. Loopback only, every wait bounded.

use std::time::Duration;

use aws_sdk_appmesh::error::ProvideErrorMetadata;
use meshwalk::api::target::endpoint_config;
use meshwalk::emulator::CloudConfig;
use meshwalk::emulator::server::HttpLimits;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use crate::raw_http::*;
use crate::support::*;

#[tokio::test]
async fn made_up_regions_are_refused_as_aws_refuses_them() {
    let cloud = start().await;
    let fake = appmesh_client(&cloud.running, "fake-region-1");
    let (code, message) = error_of(fake.create_mesh().mesh_name("m").send().await);
    assert_eq!(code, "InvalidSignatureException");
    assert_eq!(
        message.trim_end(),
        "Credential should be scoped to a valid region, not 'fake-region-1'."
    );

    let ecs =
        aws_sdk_ecs::Client::new(&endpoint_config(&cloud.running.endpoint(), "fake-region-2"));
    let err = ecs.list_clusters().send().await.unwrap_err();
    assert_eq!(err.code(), Some("InvalidSignatureException"), "{err:?}");

    // The quota cannot be bypassed: nothing was created, and real regions still work.
    let west = appmesh_client(&cloud.running, "eu-west-1");
    west.create_mesh().mesh_name("m").send().await.unwrap();
    let meshes = west.list_meshes().send().await.unwrap().meshes;
    assert_eq!(meshes.len(), 1);
}

#[tokio::test]
async fn what_hyper_refuses_is_an_aws_error() {
    let cloud = start().await;
    let addr = cloud.running.addr;

    let garbage = exchange(addr, b"\x16\x03\x01 not http at all\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(garbage.status, 400);
    assert_rest_json_error(&garbage, "BadRequestException");
    // The protocol is unknown: the code is in the body for JSON 1.1 clients as well.
    assert_eq!(garbage.json()["__type"], "BadRequestException");

    let bad_header = exchange(
        addr,
        b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(bad_header.status, 400);
    assert_rest_json_error(&bad_header, "BadRequestException");

    let huge = format!(
        "GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(100 * 1024)
    );
    let too_large = exchange(addr, huge.as_bytes()).await.unwrap();
    assert_eq!(too_large.status, 431);
    assert_rest_json_error(&too_large, "RequestHeaderFieldsTooLargeException");
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_in_the_callers_protocol() {
    let cloud = start().await;
    let addr = cloud.running.addr;
    let big = format!("{{\"meshName\":\"{}\"}}", "m".repeat(3 * 1024 * 1024));

    let declared = exchange(addr, &rest_json("PUT", "/v20190125/meshes", &big))
        .await
        .unwrap();
    assert_eq!(declared.status, 413);
    assert_rest_json_error(&declared, "RequestEntityTooLargeException");

    let ecs = exchange(addr, &json11("CreateCluster", &big))
        .await
        .unwrap();
    assert_eq!(ecs.status, 413);
    assert_json11_error(&ecs, "RequestEntityTooLargeException");

    // No Content-Length: the limit applies while the chunks arrive.
    let mut chunked =
        b"PUT /v20190125/meshes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
        Transfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    for chunk in big.as_bytes().chunks(64 * 1024) {
        chunked.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend_from_slice(chunk);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    let streamed = exchange(addr, &chunked).await.unwrap();
    assert_eq!(streamed.status, 413);
    assert_rest_json_error(&streamed, "RequestEntityTooLargeException");
}

/// Sends a 3 MiB App Mesh PUT the way a client that writes its whole body before it reads
/// does (Python's http.client, so the aws CLI), slower than the server answers: every write
/// must go through, then the answer is read.
async fn put_3_mib_then_read(addr: std::net::SocketAddr, declared: bool) -> RawResponse {
    let big = format!("{{\"meshName\":\"{}\"}}", "m".repeat(3 * 1024 * 1024));
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let framing = if declared {
        format!("Content-Length: {}", big.len())
    } else {
        "Transfer-Encoding: chunked".to_string()
    };
    let head = format!(
        "PUT /v20190125/meshes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n{framing}\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    for (i, chunk) in big.as_bytes().chunks(64 * 1024).enumerate() {
        if i == 1 {
            // As a slower client would: the answer is ready before the body is sent.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let written = if declared {
            tcp.write_all(chunk).await
        } else {
            let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
            framed.extend_from_slice(chunk);
            framed.extend_from_slice(b"\r\n");
            tcp.write_all(&framed).await
        };
        written.expect("the server keeps reading while the body arrives");
    }
    if !declared {
        tcp.write_all(b"0\r\n\r\n").await.unwrap();
    }
    read_response(&mut tcp).await.expect("an answer")
}

/// A refusal sent before the body is read, too large or unsigned, still reaches a client that
/// writes its whole body first: the server reads and discards the rest instead of closing.
#[tokio::test]
async fn a_refused_body_is_read_to_its_end_and_the_refusal_answered() {
    let cloud = start().await;
    for declared in [true, false] {
        let answer = put_3_mib_then_read(cloud.running.addr, declared).await;
        assert_eq!(answer.status, 413, "declared length: {declared}");
        assert_rest_json_error(&answer, "RequestEntityTooLargeException");
    }
    let room = crate::accounts::start_with_accounts(&crate::accounts::accounts(&["a"])).await;
    let answer = put_3_mib_then_read(room.addr, true).await;
    assert_eq!(answer.status, 403);
    assert_rest_json_error(&answer, "MissingAuthenticationTokenException");
}

#[tokio::test]
async fn content_types_are_checked_per_protocol() {
    let cloud = start().await;
    let addr = cloud.running.addr;
    let form = b"PUT /v20190125/meshes HTTP/1.1\r\nHost: x\r\n\
        Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 15\r\n\r\n{\"meshName\":\"m\"}";
    let response = exchange(addr, &form[..form.len() - 1]).await.unwrap();
    assert_eq!(response.status, 415);
    assert_rest_json_error(&response, "UnsupportedMediaTypeException");

    let plain = b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n\
        X-Amz-Target: AmazonEC2ContainerServiceV20141113.ListClusters\r\nContent-Length: 2\r\n\r\n{}";
    let response = exchange(addr, plain).await.unwrap();
    assert_eq!(response.status, 404);
    assert_json11_error(&response, "UnknownOperationException");

    // What the SDKs and the aws CLI send is accepted (bodiless calls need no Content-Type).
    let ok = exchange(addr, &json11("ListClusters", "{}")).await.unwrap();
    assert_eq!(ok.status, 200, "{ok:?}");
    let ok = exchange(addr, b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(ok.status, 200, "{ok:?}");
}

#[tokio::test]
async fn only_http_1_1_is_spoken() {
    let cloud = start().await;
    let mut h2 = TcpStream::connect(cloud.running.addr).await.unwrap();
    h2.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        .await
        .unwrap();
    assert!(
        closed_without_answer(&mut h2).await,
        "an HTTP/2 preface gets no HTTP/2 answer"
    );

    let upgrade =
        b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n\
        Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n";
    let response = exchange(cloud.running.addr, upgrade).await.unwrap();
    assert_eq!(response.status, 200, "no switch to h2c: {response:?}");
}

fn short_timeouts() -> CloudConfig {
    CloudConfig {
        http: HttpLimits {
            request_head_timeout: Duration::from_millis(300),
            request_body_timeout: Duration::from_millis(300),
            ..HttpLimits::default()
        },
        ..test_config()
    }
}

#[tokio::test]
async fn silent_and_slow_clients_are_cut_off() {
    let cloud = start_with(short_timeouts()).await;
    let addr = cloud.running.addr;

    let mut silent = TcpStream::connect(addr).await.unwrap();
    assert!(
        closed_without_answer(&mut silent).await,
        "silent connection"
    );

    let mut partial = TcpStream::connect(addr).await.unwrap();
    partial
        .write_all(b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    assert!(closed_without_answer(&mut partial).await, "partial head");

    // Idle after a response: the keep-alive connection is closed as well.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    idle.write_all(b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(read_response(&mut idle).await.unwrap().status, 200);
    assert!(closed_without_answer(&mut idle).await, "idle keep-alive");

    let mut trickle = TcpStream::connect(addr).await.unwrap();
    trickle
        .write_all(b"PUT /v20190125/meshes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"mesh")
        .await
        .unwrap();
    let response = read_response(&mut trickle).await.unwrap();
    assert_eq!(response.status, 408);
    assert_rest_json_error(&response, "RequestTimeoutException");
}

#[tokio::test]
async fn connections_over_the_cap_are_throttled_not_queued() {
    let config = CloudConfig {
        http: HttpLimits {
            max_connections: 2,
            ..HttpLimits::default()
        },
        ..test_config()
    };
    let cloud = start_with(config).await;
    let addr = cloud.running.addr;
    let held: Vec<TcpStream> = vec![
        TcpStream::connect(addr).await.unwrap(),
        TcpStream::connect(addr).await.unwrap(),
    ];

    let over = exchange(addr, b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(over.status, 429);
    assert_rest_json_error(&over, "TooManyRequestsException");
    let over = exchange(addr, &json11("ListClusters", "{}")).await.unwrap();
    assert_eq!(over.status, 400);
    assert_json11_error(&over, "ThrottlingException");

    drop(held);
    let answered = eventually("a slot to free up", || async {
        let r = exchange(addr, b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\n\r\n").await?;
        (r.status == 200).then_some(r)
    })
    .await;
    assert!(answered.header("x-amzn-requestid").is_some());
}

#[tokio::test]
async fn a_half_sent_request_does_not_hold_the_shutdown() {
    let cloud = start().await;
    let mut half = TcpStream::connect(cloud.running.addr).await.unwrap();
    half.write_all(b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // An answered request first, so the half-sent one is surely being read when stop comes.
    let ok = exchange(
        cloud.running.addr,
        b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(ok.status, 200);
    tokio::time::timeout(Duration::from_secs(6), cloud.running.stop())
        .await
        .expect("stop() finishes within 6 s")
        .unwrap();
    assert!(closed_without_answer(&mut half).await);
}

#[cfg(unix)]
#[tokio::test]
async fn meshwalk_serve_exits_on_sigterm_whatever_clients_do() {
    use tokio::io::{AsyncBufReadExt, BufReader};

    let state = tempfile::tempdir().unwrap();
    let mut serve = tokio::process::Command::new(env!("CARGO_BIN_EXE_meshwalk"))
        .args(["serve", "--port", "0"])
        .env("MESHWALK_STATE_DIR", state.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(serve.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(READ_DEADLINE, lines.next_line())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let addr: std::net::SocketAddr = first
        .split("http://")
        .nth(1)
        .unwrap_or_else(|| panic!("no endpoint in {first:?}"))
        .trim()
        .parse()
        .unwrap();

    let mut half = TcpStream::connect(addr).await.unwrap();
    half.write_all(b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let ok = exchange(addr, b"GET /v20190125/meshes HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(ok.status, 200);

    let pid = serve.id().unwrap().to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::time::timeout(Duration::from_secs(6), serve.wait())
        .await
        .expect("meshwalk serve exits within 6 s of SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
}
