//! A bounded fuzz of the real HTTP front: a seeded generator sends valid App Mesh and ECS
//! requests, mutated ones (bodies, heads, paths, headers, nesting) and garbage over TCP to
//! 127.0.0.1, and checks every answer: never a 5xx, every error an AWS error in the shape of
//! the caller's protocol, and the server still serving real SDK calls at the end.
//!
//! `MESHWALK_FUZZ_SEED=N` replays a run; `MESHWALK_FUZZ_REQUESTS=N` changes its length.

use std::net::SocketAddr;
use std::time::Duration;

use fastrand::Rng;
use meshwalk::emulator::CloudConfig;
use meshwalk::emulator::server::HttpLimits;

use crate::raw_http::*;
use crate::support::*;

const DEFAULT_SEED: u64 = 0x6d65_7368_7761_6c6b;
const DEFAULT_REQUESTS: usize = 3000;
const WORKERS: usize = 8;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_front_survives_random_and_mutated_requests() {
    let seed = env_number("MESHWALK_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let total = env_number("MESHWALK_FUZZ_REQUESTS").map_or(DEFAULT_REQUESTS, |n| n as usize);
    let config = CloudConfig {
        // Short timeouts, so that truncated requests cost little time.
        http: HttpLimits {
            request_head_timeout: Duration::from_millis(300),
            request_body_timeout: Duration::from_millis(300),
            ..HttpLimits::default()
        },
        ..test_config()
    };
    let cloud = start_with(config).await;
    let addr = cloud.running.addr;
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..WORKERS {
        let count = total / WORKERS + usize::from(worker < total % WORKERS);
        workers.spawn(run_worker(addr, seed.wrapping_add(worker as u64), count));
    }
    let mut answered = 0;
    while let Some(result) = workers.join_next().await {
        answered += result.expect("a fuzz worker panicked (its message has the seed)");
    }
    assert!(
        answered > total / 2,
        "only {answered} of {total} requests were answered (seed {seed})"
    );

    // Still alive, for both protocols, through the real SDKs.
    cloud.appmesh.list_meshes().send().await.unwrap();
    cloud.ecs.list_clusters().send().await.unwrap();
}

fn env_number(name: &str) -> Option<u64> {
    std::env::var(name).ok()?.parse().ok()
}

/// Sends `count` generated requests, checks each answer; returns how many were answered.
async fn run_worker(addr: SocketAddr, seed: u64, count: usize) -> usize {
    let mut rng = Rng::with_seed(seed);
    let mut answered = 0;
    for i in 0..count {
        let case = generate(&mut rng);
        let response = exchange(addr, &case.bytes).await;
        let context = || {
            format!(
                "worker seed {seed}, request {i} ({:?}): {:?}",
                case.kind,
                String::from_utf8_lossy(&case.bytes[..case.bytes.len().min(600)])
            )
        };
        let Some(response) = response else {
            assert!(
                case.may_go_unanswered(),
                "closed without an answer: {}",
                context()
            );
            continue;
        };
        answered += 1;
        assert!(response.status < 500, "{} answered {response:?}", context());
        if response.status >= 400 {
            check_error_shape(&case, &response, &context);
        }
    }
    answered
}

fn check_error_shape(case: &Case, response: &RawResponse, context: &dyn Fn() -> String) {
    assert!(
        response.header("x-amzn-requestid").is_some(),
        "no request id: {response:?} for {}",
        context()
    );
    let code = response.header("x-amzn-errortype");
    assert!(
        code.is_some_and(|c| c.ends_with("Exception")),
        "no error type: {response:?} for {}",
        context()
    );
    if case.bytes.starts_with(b"HEAD ") {
        return; // No body in an answer to HEAD, by HTTP.
    }
    let body: serde_json::Value = serde_json::from_slice(&response.body).unwrap_or_else(|e| {
        panic!(
            "error body is not JSON ({e}): {response:?} for {}",
            context()
        )
    });
    assert!(
        body["message"].is_string(),
        "no message: {response:?} for {}",
        context()
    );
    // A request whose head was left whole keeps its protocol; its error must be in that shape.
    if case.kind.keeps_head() && case.protocol == Wire::Json11 {
        assert_eq!(
            response.header("content-type"),
            Some("application/x-amz-json-1.1"),
            "{response:?} for {}",
            context()
        );
        assert_eq!(
            body["__type"].as_str(),
            code,
            "{response:?} for {}",
            context()
        );
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wire {
    RestJson,
    Json11,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Valid,
    MutatedBody,
    DeepNesting,
    MutatedHead,
    OddPath,
    Garbage,
    Truncated,
}

impl Kind {
    fn keeps_head(self) -> bool {
        matches!(self, Kind::Valid | Kind::MutatedBody | Kind::DeepNesting)
    }
}

struct Case {
    kind: Kind,
    protocol: Wire,
    bytes: Vec<u8>,
}

impl Case {
    /// Only a request that never completes its head (or one hyper reads as the start of an
    /// HTTP/2 connection) is closed without an answer: by the head timeout.
    fn may_go_unanswered(&self) -> bool {
        let head_complete = self.bytes.windows(4).any(|w| w == b"\r\n\r\n");
        !head_complete || self.bytes.starts_with(b"PRI * HTTP/2.0")
    }
}

/// A valid request of either protocol: (method, path, headers, body).
struct Template {
    protocol: Wire,
    method: &'static str,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

fn template(rng: &mut Rng) -> Template {
    let mesh = format!("m{}", rng.u8(0..20));
    let appmesh = |method: &'static str, path: String, body: String| Template {
        protocol: Wire::RestJson,
        method,
        path,
        headers: vec![("Content-Type".into(), "application/json".into())],
        body,
    };
    let ecs = |operation: &str, body: String| Template {
        protocol: Wire::Json11,
        method: "POST",
        path: "/".into(),
        headers: vec![
            ("Content-Type".into(), "application/x-amz-json-1.1".into()),
            (
                "X-Amz-Target".into(),
                format!("AmazonEC2ContainerServiceV20141113.{operation}"),
            ),
        ],
        body,
    };
    match rng.u8(0..10) {
        0 => appmesh(
            "PUT",
            "/v20190125/meshes".into(),
            format!(r#"{{"meshName":"{mesh}","spec":{{"egressFilter":{{"type":"ALLOW_ALL"}}}}}}"#),
        ),
        1 => appmesh("GET", "/v20190125/meshes?limit=5".into(), String::new()),
        2 => appmesh("GET", format!("/v20190125/meshes/{mesh}"), String::new()),
        3 => appmesh(
            "PUT",
            format!("/v20190125/meshes/{mesh}/virtualNodes"),
            r#"{"virtualNodeName":"n","spec":{"listeners":[{"portMapping":{"port":9080,"protocol":"http"}}],"serviceDiscovery":{"dns":{"hostname":"n.local"}}}}"#.into(),
        ),
        4 => appmesh(
            "PUT",
            format!("/v20190125/meshes/{mesh}/virtualRouter/r/routes/x"),
            r#"{"spec":{"httpRoute":{"match":{"prefix":"/"},"action":{"weightedTargets":[{"virtualNode":"n","weight":100}]}}}}"#.into(),
        ),
        5 => appmesh("DELETE", format!("/v20190125/meshes/{mesh}"), String::new()),
        6 => ecs("CreateCluster", format!(r#"{{"clusterName":"{mesh}"}}"#)),
        7 => ecs("ListClusters", "{}".into()),
        8 => ecs(
            "RegisterTaskDefinition",
            r#"{"family":"f","containerDefinitions":[{"name":"c","image":"x/gopher-distributor","memory":128}]}"#.into(),
        ),
        _ => ecs(
            "DescribeServices",
            format!(r#"{{"cluster":"{mesh}","services":["s"]}}"#),
        ),
    }
}

fn render(t: &Template) -> Vec<u8> {
    let mut out = format!("{} {} HTTP/1.1\r\nHost: 127.0.0.1\r\n", t.method, t.path);
    for (name, value) in &t.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!("Content-Length: {}\r\n\r\n", t.body.len()));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(t.body.as_bytes());
    bytes
}

fn generate(rng: &mut Rng) -> Case {
    let mut t = template(rng);
    let kind = match rng.u8(0..100) {
        0..=14 => Kind::Valid,
        15..=44 => Kind::MutatedBody,
        45..=49 => Kind::DeepNesting,
        50..=74 => Kind::MutatedHead,
        75..=87 => Kind::OddPath,
        88..=98 => Kind::Garbage,
        _ => Kind::Truncated,
    };
    let protocol = if kind.keeps_head() {
        t.protocol
    } else {
        Wire::Unknown
    };
    let bytes = match kind {
        Kind::Valid => render(&t),
        Kind::MutatedBody => {
            let mut body = t.body.clone().into_bytes();
            for _ in 0..rng.usize(1..4) {
                mutate_bytes(rng, &mut body);
            }
            t.body = String::from_utf8_lossy(&body).into_owned();
            render(&t)
        }
        Kind::DeepNesting => {
            let depth = rng.usize(100..5000);
            let (open, close) = if rng.bool() {
                ("[", "]")
            } else {
                ("{\"a\":", "}")
            };
            t.body = format!("{}1{}", open.repeat(depth), close.repeat(depth));
            render(&t)
        }
        Kind::MutatedHead => {
            mutate_head(rng, &mut t);
            render(&t)
        }
        Kind::OddPath => {
            t.path = odd_path(rng);
            render(&t)
        }
        Kind::Garbage => {
            let mut bytes: Vec<u8> = (0..rng.usize(1..400)).map(|_| rng.u8(..)).collect();
            bytes.extend_from_slice(b"\r\n\r\n");
            bytes
        }
        Kind::Truncated => {
            let bytes = render(&t);
            let head_end = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0);
            bytes[..rng.usize(0..=head_end)].to_vec()
        }
    };
    Case {
        kind,
        protocol,
        bytes,
    }
}

fn mutate_bytes(rng: &mut Rng, bytes: &mut Vec<u8>) {
    if bytes.is_empty() {
        bytes.push(rng.u8(..));
        return;
    }
    let at = rng.usize(0..bytes.len());
    match rng.u8(0..5) {
        0 => bytes[at] = rng.u8(..),
        1 => {
            bytes.remove(at);
        }
        2 => bytes.insert(at, *b"{}[]\":,\\0-e".get(rng.usize(0..11)).unwrap_or(&b'x')),
        3 => bytes.truncate(at),
        _ => {
            // Duplicate a slice: repeated keys, doubled values.
            let end = rng.usize(at..=bytes.len().min(at + 40));
            let slice = bytes[at..end].to_vec();
            bytes.splice(at..at, slice);
        }
    }
}

fn mutate_head(rng: &mut Rng, t: &mut Template) {
    const METHODS: &[&str] = &[
        "GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "FOO",
    ];
    match rng.u8(0..7) {
        0 => t.method = METHODS[rng.usize(0..METHODS.len())],
        1 => {
            if !t.headers.is_empty() {
                t.headers.remove(rng.usize(0..t.headers.len()));
            }
        }
        2 => t.headers.push((
            "Content-Type".into(),
            ["text/plain", "application/x-amz-json-1.0", "", "application/json; charset=utf-8"]
                [rng.usize(0..4)]
            .into(),
        )),
        3 => t.headers.push((
            "X-Amz-Target".into(),
            format!("AmazonEC2ContainerServiceV20141113.{}", garbage_word(rng)),
        )),
        4 => t.headers.push((
            "Authorization".into(),
            format!(
                "AWS4-HMAC-SHA256 Credential=AK/20260101/{}/appmesh/aws4_request, SignedHeaders=host, Signature=0",
                ["us-east-1", "fake-region-3", "", "eu-west-1"][rng.usize(0..4)]
            ),
        )),
        5 => t.headers.push((garbage_word(rng), garbage_word(rng))),
        _ => t.headers.push(("Transfer-Encoding".into(), "gzip".into())),
    }
}

fn odd_path(rng: &mut Rng) -> String {
    match rng.u8(0..6) {
        0 => "/v20190125/meshes/%ZZ/virtualNodes".into(),
        1 => format!("/v20190125/meshes/{}", "a".repeat(rng.usize(1..4000))),
        2 => "/v20190125/meshes/../../etc/passwd".into(),
        3 => format!("/{}", garbage_word(rng)),
        4 => "/v20190125/meshes/m/virtualRouter/%00/routes?limit=-1&nextToken=%FF".into(),
        _ => "*".into(),
    }
}

fn garbage_word(rng: &mut Rng) -> String {
    (0..rng.usize(1..12)).map(|_| rng.alphanumeric()).collect()
}
