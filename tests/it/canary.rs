//! The canary autopilot end to end on the embedded cloud: real traffic through the requester
//! and the sidecars, real UpdateRoute calls, a promotion with a healthy canary and a rollback
//! with faults on.

use std::time::Duration;

use meshwalk::canary::Stage;
use meshwalk::cli::{CanaryArgs, RequesterArgs};
use meshwalk::commands::canary;
use meshwalk::commands::traffic::ApiEndpoint;
use meshwalk::dataplane::faults::Fault;
use serde_json::Value;

use crate::dataplane_support::{Tutorial, retrying_route, start_tutorial};
use crate::support::{route_targets, tutorial_route};

fn args(step: i32, max_weight: i32) -> CanaryArgs {
    CanaryArgs {
        api: Default::default(),
        mesh: "gophermesh".into(),
        router: "distributor".into(),
        route: "distributor-route".into(),
        primary: None,
        canary: None,
        step_weight: step,
        max_weight,
        interval: Duration::from_secs(1),
        min_success: 99.0,
        max_p99_ms: 1000.0,
        min_requests: 10,
        requester: RequesterArgs {
            cluster: "gophermesh".into(),
            service: "requester".into(),
            url: None,
            rps: 200.0,
        },
        json: true,
    }
}

async fn fly(t: &Tutorial, args: CanaryArgs) -> (Stage, Vec<Value>) {
    let endpoint = ApiEndpoint {
        url: Some(t.cloud.endpoint()),
        region: "us-east-1".into(),
    };
    let mut out = Vec::new();
    let stage = tokio::time::timeout(
        Duration::from_secs(60),
        canary::run(args, endpoint, &mut out),
    )
    .await
    .expect("the autopilot ends by itself")
    .unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (stage, lines)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_canary_is_promoted_step_by_step() {
    let t = start_tutorial().await;
    // A retry policy on the route must survive the autopilot's updates.
    t.set_route(retrying_route(100, 0, 2)).await;
    let (stage, lines) = fly(&t, args(20, 60)).await;
    assert_eq!(stage, Stage::Promoted, "{lines:#?}");
    let stages: Vec<(&str, i64)> = lines
        .iter()
        .map(|l| {
            (
                l["stage"].as_str().unwrap(),
                l["canary_weight"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        stages,
        [
            ("started", 20),
            ("advanced", 40),
            ("advanced", 60),
            ("promoted", 100)
        ],
        "{lines:#?}"
    );
    for line in &lines {
        // Each stage is one UpdateRoute that App Mesh accepted.
        assert_eq!(line["update_route_status"], 200, "{line}");
        assert_eq!(line["canary"], "distributorV2");
    }
    for line in &lines[1..] {
        // Every decision after the first stood on what the canary answered in its interval.
        let analysis = &line["analysis"];
        assert!(analysis["requests"].as_u64().unwrap() > 10, "{line}");
        assert_eq!(analysis["success_pct"], 100.0, "{line}");
    }
    assert_eq!(
        route_targets(&t.appmesh).await,
        [
            ("distributorV1".to_string(), 0),
            ("distributorV2".to_string(), 100)
        ]
    );
    let spec = tutorial_route(&t.appmesh).await;
    let retry = spec.http_route().unwrap().retry_policy().unwrap();
    assert_eq!(retry.max_retries(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_canary_is_rolled_back_with_the_failed_check_and_its_figures() {
    let t = start_tutorial().await;
    t.cloud.faults().set(
        "v2",
        Some(Fault {
            error_rate: 0.3,
            ..Fault::NONE
        }),
    );
    let (stage, lines) = fly(&t, args(20, 60)).await;
    assert_eq!(stage, Stage::RolledBack, "{lines:#?}");
    let last = lines.last().unwrap();
    assert_eq!(last["stage"], "rolled_back", "{lines:#?}");
    assert_eq!(last["canary_weight"], 0);
    assert_eq!(last["update_route_status"], 200);
    let breach = &last["breach"];
    assert_eq!(breach["check"], "success_rate", "{last}");
    assert_eq!(breach["min_pct"], 99.0);
    let observed = breach["observed_pct"].as_f64().unwrap();
    assert!((40.0..95.0).contains(&observed), "30% errors: {observed}");
    assert!(breach["requests"].as_u64().unwrap() > 10, "{last}");
    assert_eq!(
        route_targets(&t.appmesh).await,
        [
            ("distributorV1".to_string(), 100),
            ("distributorV2".to_string(), 0)
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_and_names_out_of_bounds_are_refused_before_anything_moves() {
    let t = start_tutorial().await;
    let before = route_targets(&t.appmesh).await;
    let endpoint = || ApiEndpoint {
        url: Some(t.cloud.endpoint()),
        region: "us-east-1".into(),
    };
    let mut bad = args(0, 50);
    let err = canary::run(bad.clone(), endpoint(), &mut Vec::new())
        .await
        .unwrap_err();
    let said = meshwalk::user_error::for_people(&err).expect("a user error");
    assert!(
        said.contains("step weight") && said.contains("--help"),
        "{said}"
    );
    bad.step_weight = 10;
    bad.canary = Some("distributorV3".into());
    let err = canary::run(bad, endpoint(), &mut Vec::new())
        .await
        .unwrap_err();
    assert!(
        meshwalk::user_error::for_people(&err)
            .is_some_and(|s| s.contains("distributorV3 is not a target") && s.contains("--primary")),
        "{err}"
    );
    let mut missing = args(10, 50);
    missing.route = "nope".into();
    let err = canary::run(missing, endpoint(), &mut Vec::new())
        .await
        .unwrap_err();
    let said = meshwalk::user_error::for_people(&err).expect("a user error");
    assert!(
        said.contains("NotFoundException") && said.contains("--route"),
        "{said}"
    );
    assert_eq!(route_targets(&t.appmesh).await, before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_over_too_few_requests_holds_the_weight_until_enough_came() {
    let t = start_tutorial().await;
    // 4 requests a second, half of them to the canary: no 1-second interval has 8.
    let mut few = args(50, 50);
    few.requester.rps = 4.0;
    few.min_requests = 8;
    let (stage, lines) = fly(&t, few).await;
    assert_eq!(stage, Stage::Promoted, "{lines:#?}");
    let stages: Vec<&str> = lines.iter().map(|l| l["stage"].as_str().unwrap()).collect();
    assert_eq!(stages.first(), Some(&"started"), "{lines:#?}");
    assert_eq!(stages.last(), Some(&"promoted"), "{lines:#?}");
    let held = &lines[1..lines.len() - 1];
    assert!(!held.is_empty(), "{lines:#?}");
    for line in held {
        assert_eq!(line["stage"], "held", "{line}");
        assert_eq!(line["canary_weight"], 50, "the weight stays: {line}");
        assert!(line["analysis"]["requests"].as_u64().unwrap() < 8, "{line}");
        assert!(line.get("update_route_status").is_none(), "no call: {line}");
    }
    let last = lines.last().unwrap();
    assert!(
        last["analysis"]["requests"].as_u64().unwrap() >= 8,
        "{last}"
    );
}
