//! ECS through aws-sdk-ecs against the embedded cloud: task definition revisions, clusters,
//! the service lifecycle with a stand-in runtime, tasks and tags.

use aws_sdk_ecs::types::*;

use crate::ecs_support::*;
use crate::support::*;

async fn service(ecs: &aws_sdk_ecs::Client, name: &str) -> Service {
    let out = ecs
        .describe_services()
        .cluster("gophermesh")
        .services(name)
        .send()
        .await
        .unwrap();
    out.services()[0].clone()
}

/// Waits until the service runs exactly `n` tasks, all RUNNING, in one deployment.
async fn steady(ecs: &aws_sdk_ecs::Client, name: &str, n: i32) -> Service {
    eventually(&format!("{name} steady at {n}"), || async {
        let s = service(ecs, name).await;
        (s.running_count() == n && s.pending_count() == 0 && s.deployments().len() == 1)
            .then_some(s)
    })
    .await
}

async fn running_tasks(ecs: &aws_sdk_ecs::Client, name: &str) -> Vec<Task> {
    let arns = ecs
        .list_tasks()
        .cluster("gophermesh")
        .service_name(name)
        .send()
        .await
        .unwrap();
    if arns.task_arns().is_empty() {
        return vec![];
    }
    let mut describe = ecs.describe_tasks().cluster("gophermesh");
    for arn in arns.task_arns() {
        describe = describe.tasks(arn);
    }
    describe.send().await.unwrap().tasks().to_vec()
}

#[tokio::test]
async fn task_definitions_have_revisions_per_family() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    let tds = register_tutorial_task_definitions(ecs).await;
    let revisions: Vec<(&str, i32)> = tds
        .iter()
        .map(|t| (t.family().unwrap(), t.revision()))
        .collect();
    assert_eq!(
        revisions,
        [
            ("gopher-requester", 1),
            ("gopher-distributor", 1),
            ("gopher-distributor", 2)
        ]
    );
    assert_eq!(
        tds[2].task_definition_arn(),
        Some("arn:aws:ecs:us-east-1:000000000000:task-definition/gopher-distributor:2")
    );
    assert_eq!(tds[2].status(), Some(&TaskDefinitionStatus::Active));
    assert!(tds[2].compatibilities().contains(&Compatibility::Fargate));
    assert_eq!(tds[2].container_definitions()[0].essential(), Some(true));

    let latest = ecs
        .describe_task_definition()
        .task_definition("gopher-distributor")
        .send()
        .await
        .unwrap();
    assert_eq!(latest.task_definition().unwrap().revision(), 2);
    let first = ecs
        .describe_task_definition()
        .task_definition("gopher-distributor:1")
        .send()
        .await
        .unwrap();
    let tag = &first.task_definition().unwrap().container_definitions()[0].environment()[0];
    assert_eq!((tag.name(), tag.value()), (Some("Tag"), Some("v1")));
    let by_arn = ecs
        .describe_task_definition()
        .task_definition("arn:aws:ecs:us-east-1:000000000000:task-definition/gopher-requester:1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_arn.task_definition().unwrap().family(),
        Some("gopher-requester")
    );

    let listed = ecs
        .list_task_definitions()
        .family_prefix("gopher-distributor")
        .sort(SortOrder::Desc)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.task_definition_arns().len(), 2);
    assert!(listed.task_definition_arns()[0].ends_with("gopher-distributor:2"));
    let families = ecs
        .list_task_definition_families()
        .family_prefix("gopher-")
        .send()
        .await
        .unwrap();
    assert_eq!(
        families.families(),
        ["gopher-distributor", "gopher-requester"]
    );

    let gone = ecs
        .deregister_task_definition()
        .task_definition("gopher-distributor:2")
        .send()
        .await
        .unwrap();
    let gone = gone.task_definition().unwrap();
    assert_eq!(gone.status(), Some(&TaskDefinitionStatus::Inactive));
    assert!(gone.deregistered_at().is_some());
    let latest = ecs
        .describe_task_definition()
        .task_definition("gopher-distributor")
        .send()
        .await
        .unwrap();
    assert_eq!(
        latest.task_definition().unwrap().revision(),
        1,
        "the family alone means the latest ACTIVE revision"
    );
    let inactive = ecs
        .list_task_definitions()
        .status(TaskDefinitionStatus::Inactive)
        .send()
        .await
        .unwrap();
    assert_eq!(inactive.task_definition_arns().len(), 1);
    // A new registration still gets the next revision.
    let again = register_tutorial_task_definitions(ecs).await;
    assert_eq!(again[2].revision(), 4);
}

#[tokio::test]
async fn clusters_are_created_described_listed_and_deleted() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    let created = ecs
        .create_cluster()
        .cluster_name("gophermesh")
        .tags(Tag::builder().key("app").value("gophers").build())
        .send()
        .await
        .unwrap();
    let cluster = created.cluster().unwrap();
    assert_eq!(
        cluster.cluster_arn(),
        Some("arn:aws:ecs:us-east-1:000000000000:cluster/gophermesh")
    );
    assert_eq!(cluster.status(), Some("ACTIVE"));
    // CreateCluster is idempotent.
    ecs.create_cluster()
        .cluster_name("gophermesh")
        .send()
        .await
        .unwrap();
    let described = ecs
        .describe_clusters()
        .clusters("gophermesh")
        .clusters("nope")
        .include(ClusterField::Tags)
        .send()
        .await
        .unwrap();
    assert_eq!(described.clusters().len(), 1);
    assert_eq!(described.clusters()[0].tags()[0].value(), Some("gophers"));
    assert_eq!(described.failures()[0].reason(), Some("MISSING"));
    assert_eq!(
        described.failures()[0].arn(),
        Some("arn:aws:ecs:us-east-1:000000000000:cluster/nope")
    );
    let listed = ecs.list_clusters().send().await.unwrap();
    assert_eq!(
        listed.cluster_arns(),
        ["arn:aws:ecs:us-east-1:000000000000:cluster/gophermesh"]
    );
    let deleted = ecs
        .delete_cluster()
        .cluster("gophermesh")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.cluster().unwrap().status(), Some("INACTIVE"));
    let described = ecs
        .describe_clusters()
        .clusters("gophermesh")
        .send()
        .await
        .unwrap();
    assert_eq!(described.clusters()[0].status(), Some("INACTIVE"));
}

#[tokio::test]
async fn services_scale_roll_and_delete() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    let _runtime = stand_in_runtime(&cloud.running.cloud);
    ecs.create_cluster()
        .cluster_name("gophermesh")
        .send()
        .await
        .unwrap();
    register_tutorial_task_definitions(ecs).await;
    let created = ecs
        .create_service()
        .cluster("gophermesh")
        .service_name("distributor")
        .task_definition("gopher-distributor:1")
        .desired_count(2)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
    let s = created.service().unwrap();
    assert_eq!(
        s.service_arn(),
        Some("arn:aws:ecs:us-east-1:000000000000:service/gophermesh/distributor")
    );
    assert_eq!(s.status(), Some("ACTIVE"));
    assert_eq!(s.deployments()[0].status(), Some("PRIMARY"));

    // Tasks go through PROVISIONING → PENDING → RUNNING and report their bindings.
    let s = steady(ecs, "distributor", 2).await;
    assert!(s.events().iter().any(|e| {
        e.message()
            .unwrap_or_default()
            .contains("has started 2 tasks")
    }));
    let tasks = running_tasks(ecs, "distributor").await;
    assert_eq!(tasks.len(), 2);
    for t in &tasks {
        assert_eq!(t.last_status(), Some("RUNNING"));
        assert_eq!(t.group(), Some("service:distributor"));
        assert!(t.started_at().is_some());
        let app = t
            .containers()
            .iter()
            .find(|c| c.name() == Some("distributor"))
            .unwrap();
        let binding = &app.network_bindings()[0];
        assert_eq!(
            (binding.bind_ip(), binding.container_port()),
            (Some("127.0.0.1"), Some(9080))
        );
        assert!(binding.host_port().unwrap() > 41000);
    }

    // Scale up, then down: the extra tasks stop with a reason.
    ecs.update_service()
        .cluster("gophermesh")
        .service("distributor")
        .desired_count(3)
        .send()
        .await
        .unwrap();
    steady(ecs, "distributor", 3).await;
    ecs.update_service()
        .cluster("gophermesh")
        .service("distributor")
        .desired_count(1)
        .send()
        .await
        .unwrap();
    steady(ecs, "distributor", 1).await;
    let stopped = ecs
        .list_tasks()
        .cluster("gophermesh")
        .service_name("distributor")
        .desired_status(DesiredStatus::Stopped)
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.task_arns().len(), 2);
    let stopped = ecs
        .describe_tasks()
        .cluster("gophermesh")
        .tasks(&stopped.task_arns()[0])
        .send()
        .await
        .unwrap();
    let stopped = &stopped.tasks()[0];
    eventually("the stopped task to be STOPPED", || async {
        let t = ecs
            .describe_tasks()
            .cluster("gophermesh")
            .tasks(stopped.task_arn().unwrap())
            .send()
            .await
            .unwrap();
        (t.tasks()[0].last_status() == Some("STOPPED")).then_some(())
    })
    .await;
    assert!(
        stopped
            .stopped_reason()
            .unwrap()
            .starts_with("Scaling activity initiated by (deployment ecs-svc/")
    );

    // A new task definition rolls out: two deployments while it runs, then only the new one.
    let updated = ecs
        .update_service()
        .cluster("gophermesh")
        .service("distributor")
        .task_definition("gopher-distributor:2")
        .send()
        .await
        .unwrap();
    let deployments = updated.service().unwrap().deployments();
    assert_eq!(deployments.len(), 2);
    assert_eq!(deployments[0].status(), Some("PRIMARY"));
    assert!(
        deployments[0]
            .task_definition()
            .unwrap()
            .ends_with("gopher-distributor:2")
    );
    assert_eq!(deployments[1].status(), Some("ACTIVE"));
    let s = steady(ecs, "distributor", 1).await;
    assert!(
        s.task_definition()
            .unwrap()
            .ends_with("gopher-distributor:2")
    );
    assert_eq!(
        s.deployments()[0].rollout_state(),
        Some(&DeploymentRolloutState::Completed)
    );
    let tasks = running_tasks(ecs, "distributor").await;
    assert_eq!(tasks.len(), 1);
    assert!(
        tasks[0]
            .task_definition_arn()
            .unwrap()
            .ends_with("gopher-distributor:2")
    );

    // Delete: refused while scaled above 0, then DRAINING → INACTIVE with force.
    let (code, message) = error_of(
        ecs.delete_service()
            .cluster("gophermesh")
            .service("distributor")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("scaled above 0"), "{message}");
    let draining = ecs
        .delete_service()
        .cluster("gophermesh")
        .service("distributor")
        .force(true)
        .send()
        .await
        .unwrap();
    assert_eq!(draining.service().unwrap().status(), Some("DRAINING"));
    eventually("the service to become INACTIVE", || async {
        (service(ecs, "distributor").await.status() == Some("INACTIVE")).then_some(())
    })
    .await;
    assert!(
        ecs.list_services()
            .cluster("gophermesh")
            .send()
            .await
            .unwrap()
            .service_arns()
            .is_empty()
    );
    // The name can be used again once the service is INACTIVE.
    ecs.create_service()
        .cluster("gophermesh")
        .service_name("distributor")
        .task_definition("gopher-distributor")
        .desired_count(0)
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn run_task_stop_task_and_filters() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    let _runtime = stand_in_runtime(&cloud.running.cloud);
    ecs.create_cluster()
        .cluster_name("gophermesh")
        .send()
        .await
        .unwrap();
    register_tutorial_task_definitions(ecs).await;
    let run = ecs
        .run_task()
        .cluster("gophermesh")
        .task_definition("gopher-requester")
        .count(2)
        .started_by("workshop")
        .network_configuration(awsvpc())
        .send()
        .await
        .unwrap();
    assert_eq!(run.tasks().len(), 2);
    assert_eq!(run.tasks()[0].last_status(), Some("PROVISIONING"));
    let arn = run.tasks()[0].task_arn().unwrap().to_string();
    let id = arn.rsplit('/').next().unwrap().to_string();
    assert_eq!(id.len(), 32);
    eventually("both tasks RUNNING", || async {
        let d = ecs
            .describe_tasks()
            .cluster("gophermesh")
            .tasks(&arn)
            .tasks(run.tasks()[1].task_arn().unwrap())
            .send()
            .await
            .unwrap();
        d.tasks()
            .iter()
            .all(|t| t.last_status() == Some("RUNNING"))
            .then_some(())
    })
    .await;
    let by_family = ecs
        .list_tasks()
        .cluster("gophermesh")
        .family("gopher-requester")
        .send()
        .await
        .unwrap();
    assert_eq!(by_family.task_arns().len(), 2);
    let by_other = ecs
        .list_tasks()
        .cluster("gophermesh")
        .family("gopher-distributor")
        .send()
        .await
        .unwrap();
    assert!(by_other.task_arns().is_empty());
    let by_starter = ecs
        .list_tasks()
        .cluster("gophermesh")
        .started_by("workshop")
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(by_starter.task_arns().len(), 1);
    assert!(by_starter.next_token().is_some());

    let stopped = ecs
        .stop_task()
        .cluster("gophermesh")
        .task(&id)
        .reason("demo over")
        .send()
        .await
        .unwrap();
    assert_eq!(stopped.task().unwrap().desired_status(), Some("STOPPED"));
    let task = eventually("the task STOPPED", || async {
        let d = ecs
            .describe_tasks()
            .cluster("gophermesh")
            .tasks(&id)
            .send()
            .await
            .unwrap();
        let t = d.tasks()[0].clone();
        (t.last_status() == Some("STOPPED")).then_some(t)
    })
    .await;
    assert_eq!(task.stopped_reason(), Some("demo over"));
    assert_eq!(task.stop_code(), Some(&TaskStopCode::UserInitiated));
    assert!(
        task.containers()
            .iter()
            .all(|c| c.last_status() == Some("STOPPED") && c.network_bindings().is_empty())
    );
    let missing = ecs
        .describe_tasks()
        .cluster("gophermesh")
        .tasks("0123456789abcdef0123456789abcdef")
        .send()
        .await
        .unwrap();
    assert_eq!(missing.failures()[0].reason(), Some("MISSING"));
}

#[tokio::test]
async fn ecs_tags() {
    let cloud = start().await;
    let ecs = &cloud.ecs;
    ecs.create_cluster()
        .cluster_name("gophermesh")
        .send()
        .await
        .unwrap();
    let td = &register_tutorial_task_definitions(ecs).await[0];
    let td_arn = td.task_definition_arn().unwrap();
    for arn in [
        "arn:aws:ecs:us-east-1:000000000000:cluster/gophermesh",
        td_arn,
    ] {
        ecs.tag_resource()
            .resource_arn(arn)
            .tags(Tag::builder().key("workshop").value("day-1").build())
            .tags(Tag::builder().key("owner").value("gophers").build())
            .send()
            .await
            .unwrap();
        ecs.untag_resource()
            .resource_arn(arn)
            .tag_keys("owner")
            .send()
            .await
            .unwrap();
        let tags = ecs
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .unwrap();
        let pairs: Vec<(Option<&str>, Option<&str>)> =
            tags.tags().iter().map(|t| (t.key(), t.value())).collect();
        assert_eq!(pairs, [(Some("workshop"), Some("day-1"))], "{arn}");
    }
    let described = ecs
        .describe_task_definition()
        .task_definition(td_arn)
        .include(TaskDefinitionField::Tags)
        .send()
        .await
        .unwrap();
    assert_eq!(described.tags().len(), 1);
    let (code, _) = error_of(
        ecs.list_tags_for_resource()
            .resource_arn("arn:aws:ecs:us-east-1:000000000000:cluster/nope")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceNotFoundException");
}
