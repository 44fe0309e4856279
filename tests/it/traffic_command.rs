//! `meshwalk traffic` end to end: finds the requester through ECS, drives real traffic, and
//! prints JSON lines ending with the summary object.

use meshwalk::cli::{RequesterArgs, TrafficArgs};
use meshwalk::commands::traffic::{self, ApiEndpoint};

use crate::dataplane_support::start_tutorial;

fn args() -> TrafficArgs {
    TrafficArgs {
        requester: RequesterArgs {
            cluster: "gophermesh".into(),
            service: "requester".into(),
            url: None,
            rps: 200.0,
        },
        duration: 1.0,
        json: true,
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
