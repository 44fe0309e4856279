//! ECS deployments stage by stage through aws-sdk-ecs: the lifecycle stages of BLUE_GREEN,
//! CANARY, LINEAR and ROLLING in AWS's order (PENDING first), PAUSE lifecycle hooks answered by
//! ContinueServiceDeployment (CONTINUE, ROLLBACK) or their timeout, what CreateService refuses
//! (AWS_LAMBDA hooks, PAUSE at a traffic-shift stage, CANARY without a load balancer or Service
//! Connect), StopServiceDeployment ABORT, and the service events naming each deployment.
//!
//! Each stage lasts the cloud's stage time (90 API seconds here, 0.75 s at ×120), so a poll every
//! few milliseconds sees every one of them.

use aws_sdk_ecs::types::*;

use crate::ecs_support::{deploy, describe, load_balancer, register, stand_in_runtime};
use crate::support::*;

/// API seconds per stage, and the clock scale: 0.75 s of real time per stage.
const STAGE: f64 = 90.0;
const SCALE: f64 = 120.0;

async fn cloud() -> TestCloud {
    let mut config = test_config();
    config.clock_scale = SCALE;
    config.ecs_timings.stage = STAGE;
    let cloud = start_with(config).await;
    cloud
        .ecs
        .create_cluster()
        .cluster_name("c")
        .send()
        .await
        .unwrap();
    cloud
}

fn pause_at(stages: &[DeploymentLifecycleHookStage]) -> DeploymentLifecycleHook {
    DeploymentLifecycleHook::builder()
        .target_type(DeploymentLifecycleHookTargetType::Pause)
        .set_lifecycle_stages(Some(stages.to_vec()))
        .build()
}

fn strategy(
    strategy: DeploymentStrategy,
) -> aws_sdk_ecs::types::builders::DeploymentConfigurationBuilder {
    DeploymentConfiguration::builder().strategy(strategy)
}

async fn create(
    ecs: &aws_sdk_ecs::Client,
    td: &str,
    config: DeploymentConfiguration,
) -> Result<Service, (String, String)> {
    let answer = ecs
        .create_service()
        .cluster("c")
        .service_name("s")
        .task_definition(td)
        .desired_count(2)
        .load_balancers(load_balancer())
        .deployment_configuration(config)
        .send()
        .await;
    match answer {
        Ok(out) => Ok(out.service.unwrap()),
        Err(e) => Err(error_of::<(), _, _>(Err(e))),
    }
}

fn finished(d: &ServiceDeployment) -> bool {
    use ServiceDeploymentStatus::*;
    matches!(
        d.status(),
        Some(Successful | Stopped | RollbackSuccessful | RollbackFailed)
    )
}

/// Follows a deployment to its end, answering each PAUSE hook with `answer`: the statuses and
/// stages it went through, each once, in order, and the hooks it paused at (stage, detail).
struct Followed {
    statuses: Vec<String>,
    stages: Vec<String>,
    paused: Vec<(String, DeploymentLifecycleHookDetail)>,
    last: ServiceDeployment,
}

async fn follow(
    ecs: &aws_sdk_ecs::Client,
    arn: &str,
    answer: DeploymentLifecycleHookAction,
) -> Followed {
    let mut seen = Followed {
        statuses: vec![],
        stages: vec![],
        paused: vec![],
        last: describe(ecs, arn).await,
    };
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let d = describe(ecs, arn).await;
        let status = d.status().unwrap().as_str().to_string();
        if seen.statuses.last() != Some(&status) {
            seen.statuses.push(status);
        }
        if let Some(stage) = d.lifecycle_stage().map(|s| s.as_str().to_string())
            && seen.stages.last() != Some(&stage)
        {
            seen.stages.push(stage);
        }
        let waiting = d
            .lifecycle_hook_details()
            .iter()
            .find(|h| h.status() == Some(&DeploymentLifecycleHookStatus::AwaitingAction));
        if let Some(hook) = waiting {
            let stage = d.lifecycle_stage().unwrap().as_str().to_string();
            seen.paused.push((stage, hook.clone()));
            ecs.continue_service_deployment()
                .service_deployment_arn(arn)
                .hook_id(hook.hook_id().unwrap())
                .action(answer.clone())
                .send()
                .await
                .unwrap();
        }
        if finished(&d) {
            seen.last = d;
            return seen;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{arn} did not finish: {:?} {:?}",
            seen.statuses,
            seen.stages
        );
        tokio::time::sleep(std::time::Duration::from_millis(3)).await;
    }
}

const BLUE_GREEN_STAGES: [&str; 9] = [
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
];

/// A service on v1 with `config`, its first deployment done; then a deployment to v2, followed
/// to its end.
async fn second_deployment(
    config: DeploymentConfiguration,
    answer: DeploymentLifecycleHookAction,
) -> (TestCloud, String, Followed) {
    let cloud = cloud().await;
    let _runtime = stand_in_runtime(&cloud.running.cloud);
    let v1 = register(&cloud.ecs, "app:v1").await;
    let v2 = register(&cloud.ecs, "app:v2").await;
    let service = create(&cloud.ecs, &v1, config).await.unwrap();
    let first = service.current_service_deployment().unwrap().to_string();
    let initial = follow(&cloud.ecs, &first, answer.clone()).await;
    assert_eq!(initial.statuses, ["PENDING", "IN_PROGRESS", "SUCCESSFUL"]);
    assert_eq!(
        initial.stages,
        ["SCALE_UP", "CLEAN_UP"],
        "a first deployment has nothing to shift from"
    );
    let arn = deploy(&cloud.ecs, &v2).await;
    let followed = follow(&cloud.ecs, &arn, answer).await;
    drop(_runtime);
    (cloud, arn, followed)
}

#[tokio::test]
async fn blue_green_canary_and_linear_go_through_every_stage_in_aws_order() {
    let configs = [
        strategy(DeploymentStrategy::BlueGreen)
            .bake_time_in_minutes(1)
            .build(),
        strategy(DeploymentStrategy::Canary)
            .canary_configuration(
                CanaryConfiguration::builder()
                    .canary_percent(10.0)
                    .canary_bake_time_in_minutes(1)
                    .build(),
            )
            .build(),
        strategy(DeploymentStrategy::Linear)
            .linear_configuration(
                LinearConfiguration::builder()
                    .step_percent(50.0)
                    .step_bake_time_in_minutes(1)
                    .build(),
            )
            .build(),
    ];
    for config in configs {
        let (_cloud, _, followed) =
            second_deployment(config.clone(), DeploymentLifecycleHookAction::Continue).await;
        assert_eq!(
            followed.statuses,
            ["PENDING", "IN_PROGRESS", "SUCCESSFUL"],
            "{config:?}"
        );
        assert_eq!(followed.stages, BLUE_GREEN_STAGES, "{config:?}");
    }
}

#[tokio::test]
async fn a_rolling_deployment_scales_up_then_cleans_up() {
    let (_cloud, _, followed) = second_deployment(
        DeploymentConfiguration::builder().build(),
        DeploymentLifecycleHookAction::Continue,
    )
    .await;
    assert_eq!(followed.statuses, ["PENDING", "IN_PROGRESS", "SUCCESSFUL"]);
    assert_eq!(followed.stages, ["SCALE_UP", "CLEAN_UP"]);
}

fn blue_green_paused_after_test_traffic() -> DeploymentConfiguration {
    strategy(DeploymentStrategy::BlueGreen)
        .lifecycle_hooks(pause_at(&[
            DeploymentLifecycleHookStage::PostScaleUp,
            DeploymentLifecycleHookStage::PostTestTrafficShift,
        ]))
        .build()
}

#[tokio::test]
async fn pause_hooks_wait_for_continue_service_deployment() {
    let (cloud, arn, followed) = second_deployment(
        blue_green_paused_after_test_traffic(),
        DeploymentLifecycleHookAction::Continue,
    )
    .await;
    assert_eq!(followed.stages, BLUE_GREEN_STAGES);
    assert_eq!(followed.statuses.last().unwrap(), "SUCCESSFUL");
    let stages: Vec<&str> = followed.paused.iter().map(|(s, _)| s.as_str()).collect();
    assert_eq!(stages, ["POST_SCALE_UP", "POST_TEST_TRAFFIC_SHIFT"]);
    let (_, hook) = &followed.paused[0];
    assert!(
        hook.hook_id().unwrap().starts_with("ecs-pause-"),
        "{hook:?}"
    );
    assert_eq!(
        hook.target_type(),
        Some(&DeploymentLifecycleHookTargetType::Pause)
    );
    assert_eq!(hook.target_arn(), None);
    // The documented defaults: 1440 minutes, then ROLLBACK.
    assert_eq!(
        hook.timeout_action(),
        Some(&DeploymentLifecycleHookAction::Rollback)
    );
    let expires = hook.expires_at().unwrap().secs();
    let created = followed.last.created_at().unwrap().secs();
    assert!(
        (expires - created - 1440 * 60).abs() < 2 * 3600,
        "expires {expires}, created {created}"
    );

    // Answered once: again is refused; an unknown hook or deployment too.
    let again = cloud
        .ecs
        .continue_service_deployment()
        .service_deployment_arn(&arn)
        .hook_id(hook.hook_id().unwrap())
        .send()
        .await;
    let (code, _) = error_of(again);
    assert!(
        code == "ClientException" || code == "InvalidParameterException",
        "{code}"
    );
    let unknown = cloud
        .ecs
        .continue_service_deployment()
        .service_deployment_arn(format!("{arn}0"))
        .hook_id("ecs-pause-x")
        .send()
        .await;
    assert_eq!(error_of(unknown).0, "ServiceDeploymentNotFoundException");

    // The service's events name the deployment: started, paused, shifted, completed.
    let service = cloud
        .ecs
        .describe_services()
        .cluster("c")
        .services("s")
        .send()
        .await
        .unwrap()
        .services()[0]
        .clone();
    let target = service.deployments()[0].id().unwrap().to_string();
    let said: Vec<&str> = service
        .events()
        .iter()
        .filter_map(|e| e.message())
        .filter(|m| m.contains(&format!("(deployment {target})")))
        .collect();
    for expected in [
        "deployment started.",
        "paused at POST_SCALE_UP",
        "paused at POST_TEST_TRAFFIC_SHIFT",
        "shifted production traffic: 100%",
        "deployment completed.",
    ] {
        assert!(
            said.iter().any(|m| m.contains(expected)),
            "no event with {expected:?} for {target}: {said:#?}"
        );
    }
}

#[tokio::test]
async fn rollback_at_a_pause_hook_returns_to_blue_through_rollback_in_progress() {
    let (cloud, _, followed) = second_deployment(
        blue_green_paused_after_test_traffic(),
        DeploymentLifecycleHookAction::Rollback,
    )
    .await;
    assert_eq!(
        followed.statuses,
        [
            "PENDING",
            "IN_PROGRESS",
            "ROLLBACK_REQUESTED",
            "ROLLBACK_IN_PROGRESS",
            "ROLLBACK_SUCCESSFUL"
        ]
    );
    assert_eq!(followed.paused.len(), 1, "rolled back at the first pause");
    let d = &followed.last;
    assert!(
        d.status_reason()
            .unwrap()
            .contains("ContinueServiceDeployment"),
        "{d:?}"
    );
    let service = cloud
        .ecs
        .describe_services()
        .cluster("c")
        .services("s")
        .send()
        .await
        .unwrap()
        .services()[0]
        .clone();
    assert!(service.task_definition().unwrap().ends_with("web:1"));
    assert!(
        service
            .events()
            .iter()
            .filter_map(|e| e.message())
            .any(|m| m.contains("rolling back to (deployment ecs-svc/")),
        "{:#?}",
        service.events()
    );
}

#[tokio::test]
async fn a_pause_hook_takes_its_timeout_action() {
    let cloud = cloud().await;
    let _runtime = stand_in_runtime(&cloud.running.cloud);
    let v1 = register(&cloud.ecs, "app:v1").await;
    let v2 = register(&cloud.ecs, "app:v2").await;
    // One minute, then CONTINUE: 0.5 s at ×120.
    let hook = DeploymentLifecycleHook::builder()
        .target_type(DeploymentLifecycleHookTargetType::Pause)
        .lifecycle_stages(DeploymentLifecycleHookStage::PreScaleUp)
        .timeout_configuration(
            DeploymentLifecycleHookTimeoutConfiguration::builder()
                .timeout_in_minutes(1)
                .action(DeploymentLifecycleHookAction::Continue)
                .build(),
        )
        .build();
    let config = strategy(DeploymentStrategy::BlueGreen)
        .lifecycle_hooks(hook)
        .build();
    let first = create(&cloud.ecs, &v1, config).await.unwrap();
    let first = first.current_service_deployment().unwrap();
    follow(&cloud.ecs, first, DeploymentLifecycleHookAction::Continue).await;
    let arn = deploy(&cloud.ecs, &v2).await;
    let timed_out = eventually("the hook times out", || async {
        let d = describe(&cloud.ecs, &arn).await;
        d.lifecycle_hook_details()
            .iter()
            .any(|h| h.status() == Some(&DeploymentLifecycleHookStatus::TimedOut))
            .then_some(d)
    })
    .await;
    assert_eq!(
        timed_out.lifecycle_stage(),
        Some(&ServiceDeploymentLifecycleStage::PreScaleUp)
    );
    eventually("the deployment goes on", || async {
        let d = describe(&cloud.ecs, &arn).await;
        (d.status() == Some(&ServiceDeploymentStatus::Successful)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn hooks_and_strategies_are_refused_as_aws_documents() {
    let cloud = cloud().await;
    let v1 = register(&cloud.ecs, "app:v1").await;
    let lambda = DeploymentLifecycleHook::builder()
        .target_type(DeploymentLifecycleHookTargetType::AwsLambda)
        .hook_target_arn("arn:aws:lambda:us-east-1:000000000000:function:check")
        .role_arn("arn:aws:iam::000000000000:role/hooks")
        .lifecycle_stages(DeploymentLifecycleHookStage::PostScaleUp)
        .build();
    // AWS_LAMBDA is also the default target type.
    let default_target = DeploymentLifecycleHook::builder()
        .lifecycle_stages(DeploymentLifecycleHookStage::PostScaleUp)
        .build();
    for hook in [lambda, default_target] {
        let config = strategy(DeploymentStrategy::BlueGreen)
            .lifecycle_hooks(hook)
            .build();
        let (code, message) = create(&cloud.ecs, &v1, config).await.unwrap_err();
        assert_eq!(code, "UnsupportedFeatureException");
        assert!(message.contains("no Lambda"), "{message}");
    }
    let refused = [
        pause_at(&[DeploymentLifecycleHookStage::TestTrafficShift]),
        pause_at(&[DeploymentLifecycleHookStage::ProductionTrafficShift]),
        pause_at(&[]),
    ];
    for hook in refused {
        let config = strategy(DeploymentStrategy::BlueGreen)
            .lifecycle_hooks(hook.clone())
            .build();
        let (code, _) = create(&cloud.ecs, &v1, config).await.unwrap_err();
        assert_eq!(code, "InvalidParameterException", "{hook:?}");
    }
    let rolling_with_hook = DeploymentConfiguration::builder()
        .lifecycle_hooks(pause_at(&[DeploymentLifecycleHookStage::PostScaleUp]))
        .build();
    let (code, _) = create(&cloud.ecs, &v1, rolling_with_hook)
        .await
        .unwrap_err();
    assert_eq!(code, "InvalidParameterException");

    // CANARY needs a load balancer or Service Connect to shift traffic with; a headless
    // BLUE_GREEN service is allowed ("you can still use blue/green deployments").
    let canary = cloud
        .ecs
        .create_service()
        .cluster("c")
        .service_name("headless")
        .task_definition(&v1)
        .desired_count(1)
        .deployment_configuration(strategy(DeploymentStrategy::Canary).build())
        .send()
        .await;
    let (code, message) = error_of(canary);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("Service Connect"), "{message}");
    let headless = cloud
        .ecs
        .create_service()
        .cluster("c")
        .service_name("headless")
        .task_definition(&v1)
        .desired_count(1)
        .deployment_configuration(strategy(DeploymentStrategy::BlueGreen).build())
        .send()
        .await
        .unwrap()
        .service
        .unwrap();
    // Nor may an update make it CANARY.
    let to_canary = cloud
        .ecs
        .update_service()
        .cluster("c")
        .service("headless")
        .deployment_configuration(strategy(DeploymentStrategy::Canary).build())
        .send()
        .await;
    assert_eq!(error_of(to_canary).0, "InvalidParameterException");

    // ABORT: the API reference says "The valid values are ROLLBACK."
    let abort = cloud
        .ecs
        .stop_service_deployment()
        .service_deployment_arn(headless.current_service_deployment().unwrap())
        .stop_type(StopServiceDeploymentStopType::Abort)
        .send()
        .await;
    let (code, message) = error_of(abort);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("ROLLBACK"), "{message}");
}

#[tokio::test]
async fn stop_service_deployment_at_a_pause_rolls_back_and_the_hook_waits_no_more() {
    let cloud = cloud().await;
    let _runtime = stand_in_runtime(&cloud.running.cloud);
    let v1 = register(&cloud.ecs, "app:v1").await;
    let v2 = register(&cloud.ecs, "app:v2").await;
    let first = create(&cloud.ecs, &v1, blue_green_paused_after_test_traffic())
        .await
        .unwrap();
    let first = first.current_service_deployment().unwrap();
    follow(&cloud.ecs, first, DeploymentLifecycleHookAction::Continue).await;
    let arn = deploy(&cloud.ecs, &v2).await;
    eventually("the pause", || async {
        let d = describe(&cloud.ecs, &arn).await;
        d.lifecycle_hook_details()
            .iter()
            .any(|h| h.status() == Some(&DeploymentLifecycleHookStatus::AwaitingAction))
            .then_some(())
    })
    .await;
    cloud
        .ecs
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .unwrap();
    let d = describe(&cloud.ecs, &arn).await;
    assert_eq!(
        d.status(),
        Some(&ServiceDeploymentStatus::RollbackRequested)
    );
    assert_eq!(
        d.lifecycle_hook_details()[0].status(),
        Some(&DeploymentLifecycleHookStatus::Failed)
    );
    let late = cloud
        .ecs
        .continue_service_deployment()
        .service_deployment_arn(&arn)
        .hook_id(d.lifecycle_hook_details()[0].hook_id().unwrap())
        .send()
        .await;
    assert_eq!(error_of(late).0, "ClientException");
    eventually("the rollback", || async {
        let d = describe(&cloud.ecs, &arn).await;
        (d.status() == Some(&ServiceDeploymentStatus::RollbackSuccessful)).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_deployment_started_while_another_runs_reconciles_first() {
    let cloud = cloud().await;
    let _runtime = stand_in_runtime(&cloud.running.cloud);
    let v1 = register(&cloud.ecs, "app:v1").await;
    let v2 = register(&cloud.ecs, "app:v2").await;
    let config = strategy(DeploymentStrategy::BlueGreen).build();
    let first = create(&cloud.ecs, &v1, config).await.unwrap();
    // The first deployment still runs (PENDING for a stage time): two revisions are ACTIVE.
    let arn = deploy(&cloud.ecs, &v2).await;
    let superseded = describe(&cloud.ecs, first.current_service_deployment().unwrap()).await;
    assert_eq!(superseded.status(), Some(&ServiceDeploymentStatus::Stopped));
    let followed = follow(&cloud.ecs, &arn, DeploymentLifecycleHookAction::Continue).await;
    let mut expected = vec!["RECONCILE_SERVICE"];
    expected.extend(BLUE_GREEN_STAGES);
    assert_eq!(followed.stages, expected);
    assert_eq!(followed.statuses.last().unwrap(), "SUCCESSFUL");
}

#[tokio::test]
async fn pre_production_traffic_shift_hooks_pause_before_every_step_of_linear_and_canary() {
    let hook = pause_at(&[DeploymentLifecycleHookStage::PreProductionTrafficShift]);
    let linear = strategy(DeploymentStrategy::Linear)
        .linear_configuration(
            LinearConfiguration::builder()
                .step_percent(50.0)
                .step_bake_time_in_minutes(1)
                .build(),
        )
        .lifecycle_hooks(hook.clone())
        .build();
    let canary = strategy(DeploymentStrategy::Canary)
        .canary_configuration(
            CanaryConfiguration::builder()
                .canary_percent(10.0)
                .canary_bake_time_in_minutes(1)
                .build(),
        )
        .lifecycle_hooks(hook)
        .build();
    // Before 50% and before 100%; before the canary's 10% and before the rest.
    for config in [linear, canary] {
        let (_cloud, _, followed) =
            second_deployment(config.clone(), DeploymentLifecycleHookAction::Continue).await;
        let stages: Vec<&str> = followed.paused.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            stages,
            ["PRODUCTION_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"],
            "{config:?}"
        );
        assert_eq!(followed.stages, BLUE_GREEN_STAGES, "{config:?}");
        assert_eq!(followed.statuses.last().unwrap(), "SUCCESSFUL");
    }
}

#[tokio::test]
async fn the_circuit_breaker_monitors_rolling_and_blue_green_deployments_only() {
    let cloud = cloud().await;
    let v1 = register(&cloud.ecs, "app:v1").await;
    let breaker = DeploymentCircuitBreaker::builder()
        .enable(true)
        .rollback(true)
        .build();
    let cases = [
        (DeploymentStrategy::Rolling, "MONITORING"),
        (DeploymentStrategy::BlueGreen, "MONITORING"),
        (DeploymentStrategy::Canary, "DISABLED"),
        (DeploymentStrategy::Linear, "DISABLED"),
    ];
    for (i, (strategy_, expected)) in cases.into_iter().enumerate() {
        let service = cloud
            .ecs
            .create_service()
            .cluster("c")
            .service_name(format!("s{i}"))
            .task_definition(&v1)
            .desired_count(1)
            .load_balancers(load_balancer())
            .deployment_configuration(
                strategy(strategy_.clone())
                    .deployment_circuit_breaker(breaker.clone())
                    .build(),
            )
            .send()
            .await
            .unwrap()
            .service
            .unwrap();
        let d = describe(&cloud.ecs, service.current_service_deployment().unwrap()).await;
        let status = d.deployment_circuit_breaker().unwrap().status().unwrap();
        assert_eq!(status.as_str(), expected, "{strategy_:?}");
    }
}
