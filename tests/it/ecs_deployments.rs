//! ECS deployment strategies through aws-sdk-ecs against the embedded cloud: CANARY and LINEAR
//! traffic shifts and bake times on a scaled clock, StopServiceDeployment ROLLBACK, the
//! deployment circuit breaker, service revisions, and the clock scale's timestamps.

use aws_sdk_ecs::types::*;

use crate::ecs_support::{deploy, describe, load_balancer, register, stand_in_runtime};
use crate::support::AccountRegion;
use crate::support::*;

const REGION: &str = "us-east-1";

async fn cloud_at(scale: f64) -> TestCloud {
    let mut config = test_config();
    config.clock_scale = scale;
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

fn canary(percent: f64, minutes: i32, bake: i32) -> DeploymentConfiguration {
    DeploymentConfiguration::builder()
        .strategy(DeploymentStrategy::Canary)
        .canary_configuration(
            CanaryConfiguration::builder()
                .canary_percent(percent)
                .canary_bake_time_in_minutes(minutes)
                .build(),
        )
        .bake_time_in_minutes(bake)
        .build()
}

async fn create(ecs: &aws_sdk_ecs::Client, td: &str, config: DeploymentConfiguration) -> Service {
    ecs.create_service()
        .cluster("c")
        .service_name("s")
        .task_definition(td)
        .desired_count(2)
        .load_balancers(load_balancer())
        .deployment_configuration(config)
        .send()
        .await
        .unwrap()
        .service
        .unwrap()
}

async fn wait_status(
    ecs: &aws_sdk_ecs::Client,
    arn: &str,
    status: ServiceDeploymentStatus,
) -> ServiceDeployment {
    eventually(&format!("{arn} {status}"), || async {
        let d = describe(ecs, arn).await;
        (d.status() == Some(&status)).then_some(d)
    })
    .await
}

fn split(cloud: &TestCloud) -> Vec<(String, f64)> {
    cloud
        .running
        .cloud
        .ecs
        .state()
        .traffic_shift(&AccountRegion::new(ACCOUNT, REGION), "c", "s")
}

async fn live_tasks(ecs: &aws_sdk_ecs::Client) -> usize {
    ecs.list_tasks()
        .cluster("c")
        .service_name("s")
        .desired_status(DesiredStatus::Running)
        .send()
        .await
        .unwrap()
        .task_arns()
        .len()
}

#[tokio::test]
async fn a_canary_deployment_shifts_its_percent_bakes_then_succeeds_and_drains_the_old_tasks() {
    // ×60: the 2-minute canary bake passes in 2 s, the 1-minute bake in 1 s.
    let cloud = cloud_at(60.0).await;
    let _runtime = stand_in_runtime(&cloud.running.cloud);
    let v1 = register(&cloud.ecs, "app:v1").await;
    let v2 = register(&cloud.ecs, "app:v2").await;
    let service = create(&cloud.ecs, &v1, canary(10.0, 2, 1)).await;
    let first = service.current_service_deployment().unwrap().to_string();
    assert!(first.contains(":service-deployment/c/s/"), "{first}");
    let done = wait_status(&cloud.ecs, &first, ServiceDeploymentStatus::Successful).await;
    assert!(done.source_service_revisions().is_empty());
    assert_eq!(split(&cloud), vec![(v1.clone(), 100.0)]);

    let arn = deploy(&cloud.ecs, &v2).await;
    let shifting = eventually("the canary percent", || async {
        let d = describe(&cloud.ecs, &arn).await;
        (d.lifecycle_stage() == Some(&ServiceDeploymentLifecycleStage::ProductionTrafficShift))
            .then_some(d)
    })
    .await;
    assert_eq!(
        shifting.status(),
        Some(&ServiceDeploymentStatus::InProgress)
    );
    let target = shifting.target_service_revision().unwrap();
    assert_eq!(target.requested_production_traffic_weight(), Some(10.0));
    assert_eq!(
        shifting.source_service_revisions()[0].requested_production_traffic_weight(),
        Some(90.0)
    );
    assert_eq!(split(&cloud), vec![(v2.clone(), 10.0), (v1.clone(), 90.0)]);
    assert_eq!(
        live_tasks(&cloud.ecs).await,
        4,
        "both revisions run at full size"
    );

    eventually("the bake time at 100%", || async {
        let d = describe(&cloud.ecs, &arn).await;
        (d.lifecycle_stage() == Some(&ServiceDeploymentLifecycleStage::BakeTime)).then_some(())
    })
    .await;
    assert_eq!(split(&cloud)[0], (v2.clone(), 100.0));
    let done = wait_status(&cloud.ecs, &arn, ServiceDeploymentStatus::Successful).await;
    assert!(done.finished_at().is_some());
    assert_eq!(split(&cloud), vec![(v2.clone(), 100.0)]);
    eventually("the old tasks drained", || async {
        (live_tasks(&cloud.ecs).await == 2).then_some(())
    })
    .await;

    // The revisions it went between.
    let revisions = cloud
        .ecs
        .describe_service_revisions()
        .service_revision_arns(done.target_service_revision().unwrap().arn().unwrap())
        .service_revision_arns(done.source_service_revisions()[0].arn().unwrap())
        .send()
        .await
        .unwrap();
    let tds: Vec<&str> = revisions
        .service_revisions()
        .iter()
        .map(|r| r.task_definition().unwrap())
        .collect();
    assert_eq!(tds, vec![v2.as_str(), v1.as_str()]);
    assert!(
        revisions.service_revisions()[0]
            .service_revision_arn()
            .unwrap()
            .contains(":service-revision/c/s/")
    );

    // Both deployments, newest first; filtered by status.
    let listed = cloud
        .ecs
        .list_service_deployments()
        .cluster("c")
        .service("s")
        .send()
        .await
        .unwrap();
    let arns: Vec<&str> = listed
        .service_deployments()
        .iter()
        .map(|d| d.service_deployment_arn().unwrap())
        .collect();
    assert_eq!(arns, vec![arn.as_str(), first.as_str()]);
    let none = cloud
        .ecs
        .list_service_deployments()
        .cluster("c")
        .service("s")
        .status(ServiceDeploymentStatus::RollbackSuccessful)
        .send()
        .await
        .unwrap();
    assert!(none.service_deployments().is_empty());
}

#[tokio::test]
async fn a_linear_deployment_moves_its_step_every_step_bake_time() {
    let cloud = cloud_at(60.0).await;
    let _runtime = stand_in_runtime(&cloud.running.cloud);
    let v1 = register(&cloud.ecs, "app:v1").await;
    let v2 = register(&cloud.ecs, "app:v2").await;
    let linear = DeploymentConfiguration::builder()
        .strategy(DeploymentStrategy::Linear)
        .linear_configuration(
            LinearConfiguration::builder()
                .step_percent(50.0)
                .step_bake_time_in_minutes(1)
                .build(),
        )
        .build();
    let first = create(&cloud.ecs, &v1, linear).await;
    let first = first.current_service_deployment().unwrap().to_string();
    wait_status(&cloud.ecs, &first, ServiceDeploymentStatus::Successful).await;
    let arn = deploy(&cloud.ecs, &v2).await;
    let mut seen: Vec<f64> = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some((_, p)) = split(&cloud).first().cloned()
            && seen.last() != Some(&p)
        {
            seen.push(p);
        }
        let d = describe(&cloud.ecs, &arn).await;
        if d.status() == Some(&ServiceDeploymentStatus::Successful) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for the linear deployment: {seen:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(seen.contains(&50.0), "{seen:?}");
    assert_eq!(seen.last(), Some(&100.0), "{seen:?}");
    let d = describe(&cloud.ecs, &arn).await;
    let config = d.deployment_configuration().unwrap();
    assert_eq!(config.strategy(), Some(&DeploymentStrategy::Linear));
    assert_eq!(config.bake_time_in_minutes(), Some(0), "none given");
}

#[tokio::test]
async fn stop_service_deployment_rolls_back_to_the_old_revision() {
    let cloud = cloud_at(60.0).await;
    let _runtime = stand_in_runtime(&cloud.running.cloud);
    let v1 = register(&cloud.ecs, "app:v1").await;
    let v2 = register(&cloud.ecs, "app:v2").await;
    // A canary bake of a day: the deployment waits at 20% until stopped.
    let first = create(&cloud.ecs, &v1, canary(20.0, 1440, 0)).await;
    let first = first.current_service_deployment().unwrap().to_string();
    wait_status(&cloud.ecs, &first, ServiceDeploymentStatus::Successful).await;
    let arn = deploy(&cloud.ecs, &v2).await;
    eventually("the canary percent", || async {
        (split(&cloud).first() == Some(&(v2.clone(), 20.0))).then_some(())
    })
    .await;

    let stopped = cloud
        .ecs
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.service_deployment_arn(), Some(arn.as_str()));
    // All traffic back on the old revision at once (during the rollback and after it).
    assert_eq!(split(&cloud).last(), Some(&(v1.clone(), 100.0)));
    let d = wait_status(
        &cloud.ecs,
        &arn,
        ServiceDeploymentStatus::RollbackSuccessful,
    )
    .await;
    let rollback = d.rollback().unwrap();
    assert!(rollback.started_at().is_some());
    assert_eq!(
        rollback.service_revision_arn(),
        d.source_service_revisions()[0].arn()
    );
    assert_eq!(split(&cloud), vec![(v1.clone(), 100.0)]);
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
    assert_eq!(service.task_definition(), Some(v1.as_str()));
    eventually("only the old revision runs", || async {
        (live_tasks(&cloud.ecs).await == 2).then_some(())
    })
    .await;

    // Stopped once: a second stop conflicts; an unknown deployment is not found.
    let again = cloud
        .ecs
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .send()
        .await;
    assert_eq!(error_of(again).0, "ConflictException");
    let unknown = cloud
        .ecs
        .stop_service_deployment()
        .service_deployment_arn(format!("{arn}0"))
        .send()
        .await;
    assert_eq!(error_of(unknown).0, "ServiceDeploymentNotFoundException");
}

#[tokio::test]
async fn the_circuit_breaker_rolls_back_a_revision_whose_tasks_cannot_start() {
    let cloud = cloud_at(1.0).await;
    let _runtime = stand_in_runtime(&cloud.running.cloud);
    let v1 = register(&cloud.ecs, "app:v1").await;
    let broken = register(&cloud.ecs, "registry.invalid/unpullable:v2").await;
    let config = DeploymentConfiguration::builder()
        .deployment_circuit_breaker(
            DeploymentCircuitBreaker::builder()
                .enable(true)
                .rollback(true)
                .build(),
        )
        .build();
    let first = create(&cloud.ecs, &v1, config).await;
    let first = first.current_service_deployment().unwrap().to_string();
    wait_status(&cloud.ecs, &first, ServiceDeploymentStatus::Successful).await;
    let arn = deploy(&cloud.ecs, &broken).await;
    let d = wait_status(
        &cloud.ecs,
        &arn,
        ServiceDeploymentStatus::RollbackSuccessful,
    )
    .await;
    let breaker = d.deployment_circuit_breaker().unwrap();
    assert_eq!(
        breaker.status(),
        Some(&ServiceDeploymentRollbackMonitorsStatus::Triggered)
    );
    // ECS's threshold: half the desired count, at least 3 (at most 200).
    assert_eq!(breaker.threshold(), 3);
    assert!(breaker.failure_count() >= 3, "{breaker:?}");
    assert!(d.status_reason().unwrap().contains("circuit breaker"));
    assert_eq!(split(&cloud), vec![(v1.clone(), 100.0)]);
    // The service's events name the failed deployment, and what it rolled back to.
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
    let said: Vec<&str> = service
        .events()
        .iter()
        .filter_map(|e| e.message())
        .collect();
    assert!(
        said.iter()
            .any(|m| m.starts_with("(service s) (deployment ecs-svc/")
                && m.ends_with("deployment failed: tasks failed to start.")),
        "{said:#?}"
    );
    assert!(
        said.iter()
            .any(|m| m.contains("rolling back to (deployment ecs-svc/")),
        "{said:#?}"
    );
}

#[tokio::test]
async fn deployment_configurations_and_deployment_calls_are_checked() {
    let cloud = cloud_at(1.0).await;
    let v1 = register(&cloud.ecs, "app:v1").await;
    let invalid = [
        canary(0.05, 1, 0),
        canary(10.0, 1441, 0),
        DeploymentConfiguration::builder()
            .strategy(DeploymentStrategy::Linear)
            .linear_configuration(LinearConfiguration::builder().step_percent(2.0).build())
            .build(),
        DeploymentConfiguration::builder()
            .canary_configuration(CanaryConfiguration::builder().canary_percent(5.0).build())
            .build(),
    ];
    for config in invalid {
        let answer = cloud
            .ecs
            .create_service()
            .cluster("c")
            .service_name("s")
            .task_definition(&v1)
            .desired_count(1)
            .load_balancers(load_balancer())
            .deployment_configuration(config.clone())
            .send()
            .await;
        assert_eq!(
            error_of(answer).0,
            "InvalidParameterException",
            "{config:?}"
        );
    }
    // The documented defaults fill a CANARY configuration given without its numbers.
    let service = create(
        &cloud.ecs,
        &v1,
        DeploymentConfiguration::builder()
            .strategy(DeploymentStrategy::Canary)
            .build(),
    )
    .await;
    let canary = service
        .deployment_configuration()
        .unwrap()
        .canary_configuration()
        .unwrap();
    assert_eq!(
        (
            canary.canary_percent(),
            canary.canary_bake_time_in_minutes()
        ),
        (Some(5.0), Some(10))
    );

    let missing_service = cloud
        .ecs
        .list_service_deployments()
        .cluster("c")
        .service("nope")
        .send()
        .await;
    assert_eq!(error_of(missing_service).0, "ServiceNotFoundException");
    let missing_cluster = cloud
        .ecs
        .list_service_deployments()
        .cluster("nope")
        .service("s")
        .send()
        .await;
    assert_eq!(error_of(missing_cluster).0, "ClusterNotFoundException");
    let arn = "arn:aws:ecs:us-east-1:000000000000:service-deployment/c/s/1";
    let described = cloud
        .ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .unwrap();
    assert!(described.service_deployments().is_empty());
    assert_eq!(described.failures()[0].reason(), Some("MISSING"));
    let revisions = cloud
        .ecs
        .describe_service_revisions()
        .service_revision_arns("arn:aws:ecs:us-east-1:000000000000:service-revision/c/s/1")
        .send()
        .await
        .unwrap();
    assert_eq!(revisions.failures()[0].reason(), Some("MISSING"));
    let abort = cloud
        .ecs
        .stop_service_deployment()
        .service_deployment_arn(service.current_service_deployment().unwrap())
        .stop_type(StopServiceDeploymentStopType::Abort)
        .send()
        .await;
    assert_eq!(error_of(abort).0, "InvalidParameterException");
}

#[tokio::test]
async fn a_scaled_clock_keeps_timestamps_coherent_across_services() {
    let real_start = meshwalk::emulator::clock::now_epoch_seconds();
    let cloud = cloud_at(3600.0).await;
    assert_eq!(cloud.running.cloud.clock.scale(), 3600.0);
    let v1 = register(&cloud.ecs, "app:v1").await;
    let service = create(&cloud.ecs, &v1, DeploymentConfiguration::builder().build()).await;
    let created = service.created_at().unwrap().as_secs_f64();
    assert!(
        created >= real_start - 0.001,
        "never before the cloud started"
    );
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    // App Mesh reads the same clock: 0.1 s later is at least 6 minutes later for it.
    let mesh = cloud
        .appmesh
        .create_mesh()
        .mesh_name("m")
        .send()
        .await
        .unwrap()
        .mesh
        .unwrap();
    let mesh_created = mesh.metadata().unwrap().created_at().as_secs_f64();
    assert!(
        mesh_created >= created + 360.0,
        "{mesh_created} vs {created}"
    );
    let updated = cloud
        .ecs
        .update_service()
        .cluster("c")
        .service("s")
        .force_new_deployment(true)
        .send()
        .await
        .unwrap()
        .service
        .unwrap();
    let deployment = &updated.deployments()[0];
    let (c, u) = (
        deployment.created_at().unwrap().as_secs_f64(),
        deployment.updated_at().unwrap().as_secs_f64(),
    );
    assert!(c >= mesh_created && u >= c, "{c} {u}");
    assert!(updated.created_at().unwrap().as_secs_f64() < c);
}
