//! Real HTTP through the sidecars on loopback: the split follows the weights, a weight change
//! applies to the next request, retries hide injected 5xx, no endpoint is a 503, a stopped
//! task leaves the endpoint set, an unknown image fails the task as ECS does.

use std::collections::HashMap;

use aws_sdk_ecs::types::{Compatibility, ContainerDefinition, LaunchType, NetworkMode};
use axum::http::Method;
use meshwalk::dataplane::faults::Fault;

use crate::dataplane_support::*;
use crate::ecs_support::awsvpc;
use crate::support::eventually;

/// Runs the futures concurrently (each on its own task) and collects their outputs in order.
async fn concurrently<F>(futures: Vec<F>) -> Vec<F::Output>
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut out = Vec::with_capacity(handles.len());
    for handle in handles {
        out.push(handle.await.unwrap());
    }
    out
}

/// `n` requests through the requester, `concurrency` at a time: answers by version.
async fn drive(t: &Tutorial, n: usize, concurrency: usize) -> (HashMap<String, usize>, usize) {
    let url = t.requester_url().await;
    let mut versions = HashMap::new();
    let mut failures = 0;
    for chunk in (0..n).collect::<Vec<_>>().chunks(concurrency) {
        let calls = chunk
            .iter()
            .map(|_| {
                let http = t.http.clone();
                let url = url.clone();
                async move { http.get(&url, None).await }
            })
            .collect();
        for (status, body) in concurrently(calls).await {
            if status != 200 {
                failures += 1;
            }
            if let (Some(version), _) = version_and_task(&body) {
                *versions.entry(version).or_insert(0) += 1;
            }
        }
    }
    (versions, failures)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_split_follows_the_weights_within_statistical_bounds() {
    let t = start_tutorial().await;
    t.set_weights(70, 30).await;
    let n = 2000;
    let (versions, failures) = drive(&t, n, 16).await;
    assert_eq!(failures, 0);
    let observed = [
        versions.get("v1").copied().unwrap_or(0) as f64,
        versions.get("v2").copied().unwrap_or(0) as f64,
    ];
    assert_eq!(observed[0] + observed[1], n as f64);
    let expected = [0.7 * n as f64, 0.3 * n as f64];
    let chi_square: f64 = observed
        .iter()
        .zip(expected)
        .map(|(o, e)| (o - e).powi(2) / e)
        .sum();
    eprintln!("split {observed:?}, chi² = {chi_square:.3}");
    // 1 degree of freedom, 1% significance: 6.635.
    assert!(
        chi_square < 6.635,
        "observed {observed:?} vs expected {expected:?}: chi² = {chi_square:.2}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_weight_change_applies_to_the_next_request() {
    let t = start_tutorial().await;
    let url = t.requester_url().await;
    t.set_weights(100, 0).await;
    for _ in 0..20 {
        let (status, body) = t.http.get(&url, None).await;
        assert_eq!(
            (status, version_and_task(&body).0.as_deref()),
            (200, Some("v1")),
            "{body}"
        );
    }
    t.set_weights(0, 100).await;
    for i in 0..20 {
        let (status, body) = t.http.get(&url, None).await;
        assert_eq!(
            (status, version_and_task(&body).0.as_deref()),
            (200, Some("v2")),
            "request {i} after the change: {body}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_hide_injected_server_errors() {
    let t = start_tutorial().await;
    t.cloud.faults().set(
        "v2",
        Some(Fault {
            error_rate: 0.3,
            ..Fault::NONE
        }),
    );
    t.set_weights(0, 100).await;
    let (_, failures) = drive(&t, 300, 4).await;
    assert!(
        (45..=135).contains(&failures),
        "about 30% of 300 should fail without retries, got {failures}"
    );
    t.set_route(retrying_route(0, 100, 8)).await;
    let (versions, failures) = drive(&t, 300, 4).await;
    assert_eq!(failures, 0, "the retry policy hides the injected 503s");
    assert_eq!(versions.get("v2"), Some(&300));
    // Switched off, nothing fails even without retries.
    t.cloud.faults().set("v2", None);
    t.set_weights(0, 100).await;
    assert_eq!(drive(&t, 100, 4).await.1, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_endpoint_is_a_503_and_stopped_tasks_leave_the_endpoint_set() {
    let t = start_tutorial().await;
    let url = t.requester_url().await;
    t.set_weights(0, 100).await;
    t.ecs
        .update_service()
        .cluster("gophermesh")
        .service("distributor-v2")
        .desired_count(0)
        .send()
        .await
        .unwrap();
    t.wait_running("distributor-v2", 0).await;
    let (status, body) = t.http.get(&url, None).await;
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("no healthy upstream"), "{body}");

    t.set_weights(100, 0).await;
    t.ecs
        .update_service()
        .cluster("gophermesh")
        .service("distributor-v1")
        .desired_count(2)
        .send()
        .await
        .unwrap();
    let tasks = t.wait_running("distributor-v1", 2).await;
    let seen = eventually("both v1 tasks answering", || async {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..40 {
            let (_, body) = t.http.get(&url, None).await;
            seen.extend(version_and_task(&body).1);
        }
        (seen.len() == 2).then_some(seen)
    })
    .await;
    let stopped_id = tasks[0].rsplit('/').next().unwrap().to_string();
    assert!(seen.contains(&stopped_id));
    t.ecs
        .stop_task()
        .cluster("gophermesh")
        .task(&tasks[0])
        .send()
        .await
        .unwrap();
    for _ in 0..50 {
        let (status, body) = t.http.get(&url, None).await;
        assert_eq!(status, 200, "{body}");
        assert_ne!(
            version_and_task(&body).1.as_deref(),
            Some(stopped_id.as_str()),
            "a stopped task got a request"
        );
    }
}

/// A request body goes through the sidecar whole (it keeps it to resend on a retry), up to
/// 4 MiB; a bigger one is Envoy's 413, answered by the sidecar itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sidecar_forwards_request_bodies_and_refuses_oversized_ones() {
    let t = start_tutorial().await;
    let egress = t.host_port("requester", "envoy", 15001).await;
    let url = format!("http://127.0.0.1:{egress}/");
    let host = Some("distributor.gophers.local");
    let (status, headers, body) = t
        .http
        .send(Method::POST, &url, host, vec![b'x'; 64 << 10])
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        headers.contains_key("x-meshwalk-virtual-node"),
        "{headers:?}"
    );
    assert!(body.contains("\"version\""), "{body}");

    let (status, headers, body) = t
        .http
        .send(Method::POST, &url, host, vec![b'x'; (4 << 20) + 1])
        .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(headers["server"], "envoy");
    assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
    assert_eq!(body, "payload too large");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sidecar_egress_is_reachable_and_unknown_images_fail_like_ecs() {
    let t = start_tutorial().await;
    t.set_weights(0, 100).await;
    // The requester's sidecar egress listener is in DescribeTasks, and routes by Host.
    let egress = t.host_port("requester", "envoy", 15001).await;
    let (status, body) = t
        .http
        .get(
            &format!("http://127.0.0.1:{egress}/"),
            Some("distributor.gophers.local"),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["version"], "v2");
    let (status, body) = t
        .http
        .get(
            &format!("http://127.0.0.1:{egress}/"),
            Some("elsewhere.local"),
        )
        .await;
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("not a backend of virtual node requester"),
        "{body}"
    );

    // An image the embedded cloud does not know stops the task the way ECS reports a failed pull.
    t.ecs
        .register_task_definition()
        .family("web")
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(
            ContainerDefinition::builder()
                .name("web")
                .image("nginx:1.27")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let run = t
        .ecs
        .run_task()
        .cluster("gophermesh")
        .task_definition("web")
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
    let arn = run.tasks()[0].task_arn().unwrap().to_string();
    let task = eventually("the web task to stop", || async {
        let d = t
            .ecs
            .describe_tasks()
            .cluster("gophermesh")
            .tasks(&arn)
            .send()
            .await
            .unwrap();
        let task = d.tasks()[0].clone();
        (task.last_status() == Some("STOPPED")).then_some(task)
    })
    .await;
    let reason = task.stopped_reason().unwrap();
    assert!(
        reason.starts_with("CannotPullContainerError:")
            && reason.contains("nginx:1.27")
            && reason.contains("gopher-distributor"),
        "{reason}"
    );
    // A service of that image keeps trying (after a backoff); its deployment counts the failures.
    t.ecs
        .create_service()
        .cluster("gophermesh")
        .service_name("web")
        .task_definition("web")
        .desired_count(1)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
    eventually("two failed tasks in the deployment", || async {
        let d = t
            .ecs
            .describe_services()
            .cluster("gophermesh")
            .services("web")
            .send()
            .await
            .unwrap();
        (d.services()[0].deployments()[0].failed_tasks() >= 2).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fault_in_the_task_definitions_environment_fails_requests() {
    let t = start_tutorial().await;
    t.set_weights(0, 100).await;
    // Distributor v2, revision 3: the same app, told to fail every request with a 500.
    let current = t
        .ecs
        .describe_task_definition()
        .task_definition("gopher-distributor:2")
        .send()
        .await
        .unwrap();
    let td = current.task_definition().unwrap();
    let mut app = td.container_definitions()[0].clone();
    app.environment.get_or_insert_with(Vec::new).extend([
        aws_sdk_ecs::types::KeyValuePair::builder()
            .name("FAULT_ERROR_RATE")
            .value("1.0")
            .build(),
        aws_sdk_ecs::types::KeyValuePair::builder()
            .name("FAULT_ERROR_STATUS")
            .value("500")
            .build(),
    ]);
    t.ecs
        .register_task_definition()
        .family("gopher-distributor")
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .set_proxy_configuration(td.proxy_configuration().cloned())
        .container_definitions(app)
        .container_definitions(td.container_definitions()[1].clone())
        .send()
        .await
        .unwrap();
    t.ecs
        .update_service()
        .cluster("gophermesh")
        .service("distributor-v2")
        .task_definition("gopher-distributor:3")
        .send()
        .await
        .unwrap();
    let url = t.requester_url().await;
    let body = eventually("the faulty revision to answer", || async {
        let (status, body) = t.http.get(&url, None).await;
        (status == 500).then_some(body)
    })
    .await;
    assert!(
        body.contains("injected fault") && body.contains("\"v2\""),
        "{body}"
    );
}
