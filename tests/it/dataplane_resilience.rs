//! Real HTTP through the sidecars with the virtual node's resilience settings: active health
//! checks take a failing task out of the set and bring it back, consecutive 5xx eject a task
//! (never more than maxEjectionPercent of the node), a connection pool answers overflow 503s,
//! a retry after a dropped connection goes to another task; a RunTask container override
//! breaks exactly one task.

use aws_sdk_appmesh::types::{
    Duration as AmDuration, DurationUnit, HealthCheckPolicy, HttpRetryPolicy, OutlierDetection,
    PortProtocol, TcpRetryPolicyEvent, VirtualNodeConnectionPool, VirtualNodeHttpConnectionPool,
};
use aws_sdk_appmesh::types::{Listener, VirtualNodeSpec};
use aws_sdk_ecs::types::{ContainerOverride, KeyValuePair, LaunchType, TaskOverride};
use meshwalk::dataplane::faults::Fault;
use meshwalk::dataplane::hosts::HostView;

use crate::dataplane_support::*;
use crate::ecs_support::awsvpc;
use crate::support::{eventually, node_spec};

fn ms(value: i64) -> AmDuration {
    AmDuration::builder()
        .unit(DurationUnit::Ms)
        .value(value)
        .build()
}

/// Sets distributorV2's listener to the tutorial's, changed by `change`.
async fn set_v2_listener(t: &Tutorial, change: impl FnOnce(&mut Listener)) {
    let mut spec: VirtualNodeSpec = node_spec("distributor-v2.gophers.local", &[]);
    let listener = &mut spec.listeners.as_mut().unwrap()[0];
    change(listener);
    t.appmesh
        .update_virtual_node()
        .mesh_name("gophermesh")
        .virtual_node_name("distributorV2")
        .spec(spec)
        .send()
        .await
        .unwrap();
}

/// Starts one more distributor v2 task with RunTask (with these environment overrides of its
/// app container); returns its task id once it runs.
async fn run_v2_task(t: &Tutorial, env: &[(&str, &str)]) -> String {
    let mut run = t
        .ecs
        .run_task()
        .cluster("gophermesh")
        .task_definition("gopher-distributor:2")
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc());
    if !env.is_empty() {
        let mut o = ContainerOverride::builder().name("distributor");
        for (name, value) in env {
            o = o.environment(KeyValuePair::builder().name(*name).value(*value).build());
        }
        run = run.overrides(
            TaskOverride::builder()
                .container_overrides(o.build())
                .build(),
        );
    }
    let ran = run.send().await.unwrap();
    let task = &ran.tasks()[0];
    let arn = task.task_arn().unwrap().to_string();
    // ECS echoes the overrides it was given.
    let echoed = task.overrides().map_or(0, |o| {
        o.container_overrides()
            .iter()
            .map(|c| c.environment().len())
            .sum::<usize>()
    });
    assert_eq!(echoed, env.len());
    eventually("the RunTask task running", || async {
        let d = t
            .ecs
            .describe_tasks()
            .cluster("gophermesh")
            .tasks(&arn)
            .send()
            .await
            .unwrap();
        (d.tasks()[0].last_status() == Some("RUNNING")).then_some(())
    })
    .await;
    arn.rsplit('/').next().unwrap().to_string()
}

fn v2_hosts(t: &Tutorial) -> Vec<HostView> {
    t.cloud
        .hosts()
        .view()
        .into_iter()
        .filter(|h| h.node == "distributorV2")
        .collect()
}

/// The task that answered each of `n` sequential requests through the requester.
async fn answers(t: &Tutorial, url: &str, n: usize) -> Vec<(u16, Option<String>)> {
    let mut out = Vec::new();
    for _ in 0..n {
        let (status, body) = t.http.get(url, None).await;
        out.push((status, version_and_task(&body).1));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dataplane_a_task_failing_its_health_check_leaves_the_set_and_rejoins() {
    let t = start_tutorial().await;
    let url = t.requester_url().await;
    t.set_weights(0, 100).await;
    let sick = run_v2_task(&t, &[]).await;
    set_v2_listener(&t, |l| {
        l.health_check = Some(
            HealthCheckPolicy::builder()
                .protocol(PortProtocol::Http)
                .path("/ping")
                .interval_millis(5000)
                .timeout_millis(2000)
                .healthy_threshold(2)
                .unhealthy_threshold(2)
                .build()
                .unwrap(),
        );
    })
    .await;
    t.cloud.faults().set_task(
        &sick,
        Some(Fault {
            error_rate: 1.0,
            ..Fault::NONE
        }),
    );
    eventually("the broken task marked unhealthy", || async {
        v2_hosts(&t)
            .iter()
            .any(|h| h.task == sick && !h.healthy)
            .then_some(())
    })
    .await;
    // No retry policy: every answer is 200 only because the sick task is out of the set.
    for (status, task) in answers(&t, &url, 40).await {
        assert_eq!(status, 200);
        assert_ne!(task.as_deref(), Some(sick.as_str()));
    }
    t.cloud.faults().set_task(&sick, None);
    eventually("the mended task healthy again", || async {
        v2_hosts(&t)
            .iter()
            .any(|h| h.task == sick && h.healthy)
            .then_some(())
    })
    .await;
    let back = answers(&t, &url, 40).await;
    assert!(
        back.iter()
            .any(|(_, task)| task.as_deref() == Some(sick.as_str())),
        "the task takes traffic again: {back:?}"
    );
    let events: Vec<String> = t
        .cloud
        .hosts()
        .events()
        .into_iter()
        .map(|e| e.what)
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e.contains("unhealthy after 2 failed health checks")),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e.contains("healthy again after 2 passed")),
        "{events:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dataplane_consecutive_server_errors_eject_a_task_within_max_ejection_percent() {
    let t = start_tutorial().await;
    let url = t.requester_url().await;
    t.set_weights(0, 100).await;
    set_v2_listener(&t, |l| {
        l.outlier_detection = Some(
            OutlierDetection::builder()
                .max_server_errors(3)
                .interval(ms(10_000))
                .base_ejection_duration(ms(30_000))
                .max_ejection_percent(50)
                .build()
                .unwrap(),
        );
    })
    .await;
    // A real API call breaks exactly one task: RunTask's container environment override.
    let broken = run_v2_task(&t, &[("FAULT_ERROR_RATE", "1")]).await;
    let seen = answers(&t, &url, 30).await;
    let failed = seen.iter().filter(|(s, _)| *s != 200).count();
    assert_eq!(failed, 3, "three 5xx, then the task is ejected: {seen:?}");
    let ejected: Vec<HostView> = v2_hosts(&t)
        .into_iter()
        .filter(|h| h.ejected_for.is_some())
        .collect();
    assert_eq!(ejected.len(), 1);
    assert_eq!(ejected[0].task, broken);
    let events = t.cloud.hosts().events();
    assert!(
        events.iter().any(
            |e| e.task == broken && e.what.contains("ejected for 30 s after 3 consecutive 5xx")
        ),
        "{events:?}"
    );
    // The ejection ends (30 s / SPEEDUP) and the task is tried again.
    eventually("the ejection over", || async {
        v2_hosts(&t)
            .iter()
            .all(|h| h.ejected_for.is_none())
            .then_some(())
    })
    .await;
    // Now every v2 task fails: no more than half of the node is ever ejected.
    t.cloud.faults().set(
        "v2",
        Some(Fault {
            error_rate: 1.0,
            ..Fault::NONE
        }),
    );
    for _ in 0..30 {
        t.http.get(&url, None).await;
        let out = v2_hosts(&t)
            .iter()
            .filter(|h| h.ejected_for.is_some())
            .count();
        assert!(out <= 1, "{:?}", v2_hosts(&t));
    }
    let again = v2_hosts(&t).into_iter().find(|h| h.task == broken).unwrap();
    assert!(again.times_ejected >= 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dataplane_a_connection_pool_answers_overflow_under_a_burst() {
    let t = start_tutorial().await;
    let url = t.requester_url().await;
    t.set_weights(0, 100).await;
    set_v2_listener(&t, |l| {
        l.connection_pool = Some(VirtualNodeConnectionPool::Http(
            VirtualNodeHttpConnectionPool::builder()
                .max_connections(2)
                .max_pending_requests(1)
                .build()
                .unwrap(),
        ));
    })
    .await;
    t.cloud.faults().set(
        "v2",
        Some(Fault {
            delay: std::time::Duration::from_millis(300),
            ..Fault::NONE
        }),
    );
    let burst: Vec<_> = (0..12)
        .map(|_| {
            let http = t.http.clone();
            let url = url.clone();
            tokio::spawn(async move { http.get(&url, None).await })
        })
        .collect();
    let (mut ok, mut overflow) = (0, 0);
    for call in burst {
        let (status, body) = call.await.unwrap();
        match status {
            200 => ok += 1,
            503 if body.contains("reset reason: overflow") => overflow += 1,
            other => panic!("{other}: {body}"),
        }
    }
    assert!(
        ok >= 3,
        "two connections and one queued request are served: {ok}"
    );
    assert!(overflow >= 1, "the rest overflow: {overflow}");
    assert_eq!(ok + overflow, 12);
    // The data plane counts them on the host, for the UI's events line.
    let counted: u64 = t
        .cloud
        .hosts()
        .view()
        .iter()
        .filter(|h| h.node == "distributorV2")
        .map(|h| h.overflowed)
        .sum();
    assert_eq!(counted, overflow as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dataplane_a_retry_after_a_dropped_connection_goes_to_another_task() {
    let t = start_tutorial().await;
    let url = t.requester_url().await;
    t.set_weights(0, 100).await;
    let crashing = run_v2_task(&t, &[("FAULT_RESET_RATE", "1")]).await;
    // Without tcpRetryEvents, a dropped connection is the caller's 503.
    let seen = answers(&t, &url, 20).await;
    assert!(seen.iter().any(|(s, _)| *s == 503), "{seen:?}");
    let mut spec = retrying_route(0, 100, 1);
    let route = spec.http_route.as_mut().unwrap();
    route.retry_policy = Some(
        HttpRetryPolicy::builder()
            .max_retries(1)
            .per_retry_timeout(ms(2000))
            .tcp_retry_events(TcpRetryPolicyEvent::ConnectionError)
            .build()
            .unwrap(),
    );
    t.set_route(spec).await;
    for (status, task) in answers(&t, &url, 40).await {
        assert_eq!(status, 200);
        assert_ne!(task.as_deref(), Some(crashing.as_str()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dataplane_per_retry_and_idle_timeouts_bound_a_slow_task() {
    let t = start_tutorial().await;
    let url = t.requester_url().await;
    t.set_weights(0, 100).await;
    let slow = run_v2_task(&t, &[("FAULT_DELAY_MS", "3000")]).await;
    // A per-retry timeout on a gateway-error policy: the slow task's attempt is given up
    // and retried on the other task.
    let mut spec = retrying_route(0, 100, 1);
    let route = spec.http_route.as_mut().unwrap();
    route.retry_policy = Some(
        HttpRetryPolicy::builder()
            .max_retries(1)
            .per_retry_timeout(ms(150))
            .http_retry_events("gateway-error")
            .build()
            .unwrap(),
    );
    t.set_route(spec.clone()).await;
    for (status, task) in answers(&t, &url, 20).await {
        assert_eq!(status, 200);
        assert_ne!(task.as_deref(), Some(slow.as_str()));
    }
    // No retries, an idle timeout: the slow task's requests end in 504 without waiting 3 s.
    let route = spec.http_route.as_mut().unwrap();
    route.retry_policy = None;
    route.timeout = Some(
        aws_sdk_appmesh::types::HttpTimeout::builder()
            .idle(ms(150))
            .build(),
    );
    t.set_route(spec).await;
    let started = std::time::Instant::now();
    let seen = answers(&t, &url, 10).await;
    assert!(seen.iter().all(|(s, _)| [200, 504].contains(s)), "{seen:?}");
    assert!(seen.iter().any(|(s, _)| *s == 504), "{seen:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
}
