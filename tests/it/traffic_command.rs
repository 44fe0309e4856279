//! `meshwalk traffic` end to end: finds the requester through ECS, drives real traffic, and
//! prints JSON lines ending with the summary object.

use meshwalk::cli::{RequesterArgs, TrafficArgs};
use meshwalk::commands::traffic::{self, ApiEndpoint};

use crate::dataplane_support::start_tutorial;

fn args() -> TrafficArgs {
    TrafficArgs {
        api: Default::default(),
        requester: RequesterArgs {
            cluster: "gophermesh".into(),
            service: "requester".into(),
            url: None,
            rps: 200.0,
        },
        duration: 1.0,
        json: true,
        headers: vec![],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_prints_json_lines_and_a_summary() {
    let t = start_tutorial().await;
    t.set_weights(50, 50).await;
    let mut out = Vec::new();
    let summary = traffic::run(
        args(),
        ApiEndpoint {
            url: Some(t.cloud.endpoint()),
            region: "us-east-1".into(),
        },
        &mut out,
    )
    .await
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    let last: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    for key in ["requests", "errors", "duration_s", "rps", "versions"] {
        assert!(last.get(key).is_some(), "summary lacks {key}: {last}");
    }
    for key in ["count", "share", "success", "p50_ms", "p95_ms", "p99_ms"] {
        assert!(
            last["versions"]["v1"].get(key).is_some(),
            "v1 lacks {key}: {last}"
        );
    }
    assert_eq!(last["requests"].as_u64(), Some(summary.requests));
    // Open loop at 200 req/s for 1 s.
    assert!(
        (170..=230).contains(&summary.requests),
        "{}",
        summary.requests
    );
    assert_eq!(summary.errors, 0);
    let v1 = summary.versions["v1"].count;
    let v2 = summary.versions["v2"].count;
    assert_eq!(v1 + v2, summary.requests);
    assert!(v1 > 50 && v2 > 50, "a 50/50 route: v1 {v1}, v2 {v2}");
}

#[tokio::test]
async fn traffic_without_an_endpoint_says_how_to_get_one() {
    let mut out = Vec::new();
    let err = traffic::run(
        args(),
        ApiEndpoint {
            url: None,
            region: "us-east-1".into(),
        },
        &mut out,
    )
    .await
    .unwrap_err();
    // A user's mistake: `meshwalk: …` and what to do, exit code 2.
    let said = meshwalk::user_error::for_people(&err).expect("a user error");
    assert!(
        said.starts_with("meshwalk: no endpoint")
            && said.contains("meshwalk serve")
            && said.contains("--url"),
        "{said}"
    );
}

/// Past `max_in_flight`, the generator sends nothing more and says so: those requests are
/// errors of their own kind, not answers without a version.
#[tokio::test]
async fn requests_past_the_in_flight_bound_are_counted_as_not_sent() {
    use meshwalk::load::traffic::{Traffic, TrafficConfig};
    // A server that takes connections and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let mut config = TrafficConfig::new(format!("http://{addr}/").parse().unwrap());
    config.rps = 200.0;
    config.duration = Some(std::time::Duration::from_millis(300));
    config.max_in_flight = 3;
    config.request_timeout = std::time::Duration::from_millis(500);
    let (tx, _rx) = tokio::sync::mpsc::channel(64);
    let summary = Traffic::start(config, tx).finished().await;
    silent.abort();
    assert!(summary.requests >= 40, "{summary:?}");
    assert_eq!(summary.errors, summary.requests, "nothing answered");
    assert_eq!(
        summary.not_sent,
        summary.requests - 3,
        "all but the three in flight were never sent: {summary:?}"
    );
    assert_eq!(summary.overflow, 0);
}

/// With `wait_when_full`, the generator waits for an answer instead: never more than
/// `max_in_flight` at once, nothing counted as not sent, and the requests it could not start in
/// time are simply not made (a step's sample on a busy host).
#[tokio::test]
async fn a_generator_that_waits_when_full_keeps_its_bound_and_fails_nothing() {
    use meshwalk::load::traffic::{Traffic, TrafficConfig};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    // A server that answers each request after 50 ms, counting those it holds at once.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (n, m) = (now.clone(), most.clone());
    let slow = tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let (n, m) = (n.clone(), m.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |_req| {
                    let (n, m) = (n.clone(), m.clone());
                    async move {
                        let held = n.fetch_add(1, Ordering::SeqCst) + 1;
                        m.fetch_max(held, Ordering::SeqCst);
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        n.fetch_sub(1, Ordering::SeqCst);
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(
                            http_body_util::Full::new(bytes::Bytes::from_static(b"ok")),
                        ))
                    }
                });
                let io = hyper_util::rt::TokioIo::new(socket);
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(io, service)
                    .await;
            });
        }
    });
    let mut config = TrafficConfig::new(format!("http://{addr}/").parse().unwrap());
    config.rps = 400.0;
    config.duration = Some(std::time::Duration::from_millis(500));
    config.max_in_flight = 4;
    config.wait_when_full = true;
    let (tx, _rx) = tokio::sync::mpsc::channel(64);
    let summary = Traffic::start(config, tx).finished().await;
    slow.abort();
    assert_eq!(summary.errors, 0, "{summary:?}");
    assert_eq!(summary.not_sent, 0, "{summary:?}");
    // 4 at a time, 50 ms each, for 500 ms: about 40, far from the 200 asked for.
    assert!((10..=60).contains(&summary.requests), "{summary:?}");
    assert!(most.load(Ordering::SeqCst) <= 4, "at most 4 at once");
}

#[tokio::test]
async fn a_header_that_is_not_name_colon_value_is_refused() {
    let mut args = args();
    args.headers = vec!["no colon here".into()];
    let endpoint = ApiEndpoint {
        url: None,
        region: "us-east-1".into(),
    };
    let mut out = Vec::new();
    let err = traffic::run(args, endpoint, &mut out).await.unwrap_err();
    assert!(err.to_string().contains("--header"), "{err}");
}
