//! Service Connect traffic over real HTTP during ECS deployments: requests through the
//! curl-requester's built-in app, its task's proxy and the alias distributor:9080 land on
//! http-echo revisions as the deployment's traffic shift says. CANARY splits by its percent
//! during the bake (within a binomial bound), then all on the new revision; a rollback, or the
//! circuit breaker on a revision whose tasks cannot start, keeps everything on the old one.
//! BLUE_GREEN paused after its test traffic shift sends requests carrying the alias's test
//! header to green and the others to blue; CONTINUE moves all to green, ROLLBACK keeps blue.

use std::collections::BTreeMap;

use aws_sdk_ecs::types::*;
use futures_util::StreamExt;

use crate::service_connect::*;
use crate::support::{ACCOUNT, AccountRegion};

const V1: &str = "sc-distributor:1";
const V2: &str = "sc-distributor:2";

fn canary(percent: f64, canary_bake: i32, bake: i32) -> DeploymentConfiguration {
    DeploymentConfiguration::builder()
        .strategy(DeploymentStrategy::Canary)
        .canary_configuration(
            CanaryConfiguration::builder()
                .canary_percent(percent)
                .canary_bake_time_in_minutes(canary_bake)
                .build(),
        )
        .bake_time_in_minutes(bake)
        .build()
}

/// The shift ECS says now for sc-distributor: (task definition ARN, percent).
fn shift(sc: &Sc) -> Vec<(String, f64)> {
    sc.cloud.control.cloud.ecs.state().traffic_shift(
        &AccountRegion::new(ACCOUNT, REGION),
        CLUSTER,
        "sc-distributor",
    )
}

async fn wait_deployment(
    sc: &Sc,
    arn: &str,
    status: ServiceDeploymentStatus,
    secs: u64,
) -> ServiceDeployment {
    within(secs, &format!("{arn} {status}"), || async {
        let d = sc
            .ecs
            .describe_service_deployments()
            .service_deployment_arns(arn)
            .send()
            .await
            .unwrap()
            .service_deployments()[0]
            .clone();
        (d.status() == Some(&status)).then_some(d)
    })
    .await
}

async fn current_deployment(sc: &Sc) -> String {
    sc.ecs
        .describe_services()
        .cluster(CLUSTER)
        .services("sc-distributor")
        .send()
        .await
        .unwrap()
        .services()[0]
        .current_service_deployment()
        .unwrap()
        .to_string()
}

async fn deploy(sc: &Sc, td: &str) -> String {
    sc.ecs
        .update_service()
        .cluster(CLUSTER)
        .service("sc-distributor")
        .task_definition(td)
        .send()
        .await
        .unwrap()
        .service
        .unwrap()
        .current_service_deployment
        .unwrap()
}

/// `n` requests to the requester (16 in flight): how many answers each revision gave. Every
/// answer must be a 200 from a known revision.
async fn sample(sc: &Sc, url: &str, n: usize) -> BTreeMap<String, usize> {
    sample_with(sc, url, n, None).await
}

/// `sample`, each request carrying `header` (NAME, VALUE) if given.
async fn sample_with(
    sc: &Sc,
    url: &str,
    n: usize,
    header: Option<(&str, &str)>,
) -> BTreeMap<String, usize> {
    let answers: Vec<(u16, String)> = futures_util::stream::iter(0..n)
        .map(|_| async move {
            match header {
                Some((name, value)) => sc.http.get_with(url, name, value).await,
                None => sc.http.get(url, None).await,
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    let mut counts = BTreeMap::new();
    for (status, body) in answers {
        assert_eq!(status, 200, "{body}");
        let revision = meshwalk::load::traffic::version_of(body.as_bytes())
            .unwrap_or_else(|| panic!("no revision in {body}"));
        assert!(revision == V1 || revision == V2, "{body}");
        *counts.entry(revision).or_default() += 1;
    }
    counts
}

/// sc-distributor (v1, 2 tasks, `deployment`) and sc-requester, both running; the
/// requester's URL and v1's ARN.
async fn chapter_two(sc: &Sc, deployment: DeploymentConfiguration) -> (String, String) {
    let v1 = register_distributor(&sc.ecs, "v1", "hashicorp/http-echo:1.0").await;
    let requester = register_requester(&sc.ecs, "http://distributor:9080/").await;
    create_service(
        &sc.ecs,
        "sc-distributor",
        &v1,
        2,
        distributor_sc(),
        Some(deployment),
    )
    .await;
    create_service(&sc.ecs, "sc-requester", &requester, 1, client_only(), None).await;
    let first = current_deployment(sc).await;
    wait_deployment(sc, &first, ServiceDeploymentStatus::Successful, 20).await;
    running_tasks(&sc.ecs, "sc-distributor", 2).await;
    (requester_url(&sc.ecs).await, v1)
}

#[tokio::test]
async fn a_canary_splits_service_connect_traffic_by_its_percent_then_moves_it_all() {
    // ×60: the 10-minute canary bake lasts 10 s (time enough to sample), the 1-minute bake 1 s.
    let sc = start_sc(60.0).await;
    let (url, v1) = chapter_two(&sc, canary(20.0, 10, 1)).await;
    assert_eq!(
        sample(&sc, &url, 50).await,
        BTreeMap::from([(V1.into(), 50)])
    );

    let v2 = register_distributor(&sc.ecs, "v2", "hashicorp/http-echo:1.0").await;
    let arn = deploy(&sc, &v2).await;
    within(20, "the canary's 20%", || async {
        (shift(&sc) == vec![(v2.clone(), 20.0), (v1.clone(), 80.0)]).then_some(())
    })
    .await;
    const N: usize = 1000;
    let counts = sample(&sc, &url, N).await;
    assert_eq!(
        shift(&sc),
        vec![(v2.clone(), 20.0), (v1.clone(), 80.0)],
        "the canary bake ended while sampling: the sample does not measure 20%"
    );
    let on_v2 = counts.get(V2).copied().unwrap_or(0) as f64;
    let (p, n) = (0.2, N as f64);
    let four_sigma = 4.0 * (n * p * (1.0 - p)).sqrt();
    assert!(
        (on_v2 - n * p).abs() <= four_sigma,
        "{on_v2} of {N} on v2, expected {} ± {four_sigma:.0}: {counts:?}",
        n * p
    );

    wait_deployment(&sc, &arn, ServiceDeploymentStatus::Successful, 30).await;
    assert_eq!(shift(&sc), vec![(v2.clone(), 100.0)]);
    assert_eq!(
        sample(&sc, &url, 200).await,
        BTreeMap::from([(V2.into(), 200)])
    );
}

#[tokio::test]
async fn a_rolled_back_canary_sends_all_service_connect_traffic_back_to_the_old_revision() {
    // A canary bake of a day: the deployment stays at 20% until it is stopped.
    let sc = start_sc(60.0).await;
    let (url, v1) = chapter_two(&sc, canary(20.0, 1440, 0)).await;
    let v2 = register_distributor(&sc.ecs, "v2", "hashicorp/http-echo:1.0").await;
    let arn = deploy(&sc, &v2).await;
    within(20, "the canary's 20%", || async {
        (shift(&sc).first() == Some(&(v2.clone(), 20.0))).then_some(())
    })
    .await;
    let during = sample(&sc, &url, 300).await;
    assert!(during.get(V2).copied().unwrap_or(0) > 0, "{during:?}");

    sc.ecs
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .unwrap();
    // The very next requests, while v2's tasks still drain, and after the rollback.
    assert_eq!(
        sample(&sc, &url, 300).await,
        BTreeMap::from([(V1.into(), 300)])
    );
    wait_deployment(&sc, &arn, ServiceDeploymentStatus::RollbackSuccessful, 30).await;
    assert_eq!(shift(&sc), vec![(v1.clone(), 100.0)]);
    assert_eq!(
        sample(&sc, &url, 200).await,
        BTreeMap::from([(V1.into(), 200)])
    );
}

#[tokio::test]
async fn the_circuit_breaker_rolls_back_an_unpullable_revision_and_traffic_stays_on_the_old_one() {
    let sc = start_sc(1.0).await;
    let breaker = DeploymentConfiguration::builder()
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(true)
                .rollback(true)
                .build(),
        )
        .build();
    let (url, v1) = chapter_two(&sc, breaker).await;
    let broken = register_distributor(&sc.ecs, "v2", "registry.invalid/unpullable:v2").await;
    let arn = deploy(&sc, &broken).await;
    // While v2's tasks fail to start, and after the breaker rolled it back.
    assert_eq!(
        sample(&sc, &url, 200).await,
        BTreeMap::from([(V1.into(), 200)])
    );
    let d = wait_deployment(&sc, &arn, ServiceDeploymentStatus::RollbackSuccessful, 30).await;
    assert!(
        d.status_reason().unwrap().contains("circuit breaker"),
        "{d:?}"
    );
    let stopped = sc
        .ecs
        .list_tasks()
        .cluster(CLUSTER)
        .service_name("sc-distributor")
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
        .unwrap();
    let tasks = sc
        .ecs
        .describe_tasks()
        .cluster(CLUSTER)
        .set_tasks(Some(stopped.task_arns().to_vec()))
        .send()
        .await
        .unwrap();
    assert!(
        tasks.tasks().iter().any(|t| t
            .stopped_reason()
            .is_some_and(|r| r.starts_with("CannotPullContainerError"))),
        "{tasks:?}"
    );
    assert_eq!(shift(&sc), vec![(v1.clone(), 100.0)]);
    assert_eq!(
        sample(&sc, &url, 200).await,
        BTreeMap::from([(V1.into(), 200)])
    );
}

/// sc-distributor's Service Connect with a test traffic rule on its alias: `x-test: green`.
fn distributor_sc_with_test_rule() -> ServiceConnectConfiguration {
    let mut config = distributor_sc();
    let service = &mut config.services.as_mut().unwrap()[0];
    let alias = &mut service.client_aliases.as_mut().unwrap()[0];
    alias.test_traffic_rules = Some(
        ServiceConnectTestTrafficRules::builder()
            .header(
                ServiceConnectTestTrafficHeaderRules::builder()
                    .name("x-test")
                    .value(
                        ServiceConnectTestTrafficHeaderMatchRules::builder()
                            .exact("green")
                            .build()
                            .unwrap(),
                    )
                    .build()
                    .unwrap(),
            )
            .build(),
    );
    config
}

/// BLUE_GREEN, paused by a PAUSE hook after the test traffic shift.
fn blue_green_paused() -> DeploymentConfiguration {
    DeploymentConfiguration::builder()
        .strategy(DeploymentStrategy::BlueGreen)
        .lifecycle_hooks(
            DeploymentLifecycleHook::builder()
                .target_type(DeploymentLifecycleHookTargetType::Pause)
                .lifecycle_stages(DeploymentLifecycleHookStage::PostTestTrafficShift)
                .build(),
        )
        .build()
}

/// Deploys `td` with the test rule; waits for the pause after the test traffic shift and
/// returns the deployment and the paused hook's id.
async fn deploy_to_test_pause(sc: &Sc, td: &str) -> (String, String) {
    let arn = sc
        .ecs
        .update_service()
        .cluster(CLUSTER)
        .service("sc-distributor")
        .task_definition(td)
        .service_connect_configuration(distributor_sc_with_test_rule())
        .send()
        .await
        .unwrap()
        .service
        .unwrap()
        .current_service_deployment
        .unwrap();
    let hook = within(30, "the pause after the test traffic shift", || async {
        let d = sc
            .ecs
            .describe_service_deployments()
            .service_deployment_arns(&arn)
            .send()
            .await
            .unwrap()
            .service_deployments()[0]
            .clone();
        let paused = d.lifecycle_stage()
            == Some(&ServiceDeploymentLifecycleStage::PostTestTrafficShift)
            && d.lifecycle_hook_details()
                .iter()
                .any(|h| h.status() == Some(&DeploymentLifecycleHookStatus::AwaitingAction));
        paused.then(|| d.lifecycle_hook_details()[0].hook_id().unwrap().to_string())
    })
    .await;
    (arn, hook)
}

async fn answer(sc: &Sc, arn: &str, hook: &str, action: DeploymentLifecycleHookAction) {
    sc.ecs
        .continue_service_deployment()
        .service_deployment_arn(arn)
        .hook_id(hook)
        .action(action)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn blue_green_test_traffic_with_the_header_reaches_green_while_production_stays_blue() {
    let sc = start_sc(60.0).await;
    let (url, v1) = chapter_two(&sc, blue_green_paused()).await;
    let v2 = register_distributor(&sc.ecs, "v2", "hashicorp/http-echo:1.0").await;
    let (arn, hook) = deploy_to_test_pause(&sc, &v2).await;
    let test = Some(("x-test", "green"));
    // Paused: the header picks green, every other request stays on blue (a wrong value too).
    assert_eq!(
        sample_with(&sc, &url, 100, test).await,
        BTreeMap::from([(V2.into(), 100)])
    );
    assert_eq!(
        sample(&sc, &url, 100).await,
        BTreeMap::from([(V1.into(), 100)])
    );
    assert_eq!(
        sample_with(&sc, &url, 50, Some(("x-test", "blue"))).await,
        BTreeMap::from([(V1.into(), 50)])
    );
    assert_eq!(shift(&sc), vec![(v2.clone(), 0.0), (v1.clone(), 100.0)]);

    // CONTINUE: production moves to green at once.
    answer(&sc, &arn, &hook, DeploymentLifecycleHookAction::Continue).await;
    wait_deployment(&sc, &arn, ServiceDeploymentStatus::Successful, 60).await;
    assert_eq!(
        sample(&sc, &url, 100).await,
        BTreeMap::from([(V2.into(), 100)])
    );
    assert_eq!(
        sample_with(&sc, &url, 50, test).await,
        BTreeMap::from([(V2.into(), 50)])
    );

    // Back to v1 as green, and ROLLBACK at the pause: everything stays on v2, the blue one.
    let (arn, hook) = deploy_to_test_pause(&sc, &v1).await;
    assert_eq!(
        sample_with(&sc, &url, 50, test).await,
        BTreeMap::from([(V1.into(), 50)])
    );
    answer(&sc, &arn, &hook, DeploymentLifecycleHookAction::Rollback).await;
    assert_eq!(
        sample_with(&sc, &url, 100, test).await,
        BTreeMap::from([(V2.into(), 100)]),
        "the very next requests, header or not, are blue's"
    );
    wait_deployment(&sc, &arn, ServiceDeploymentStatus::RollbackSuccessful, 60).await;
    assert_eq!(
        sample(&sc, &url, 100).await,
        BTreeMap::from([(V2.into(), 100)])
    );
}
