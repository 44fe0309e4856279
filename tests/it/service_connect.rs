//! ECS Service Connect through aws-sdk-ecs and aws-sdk-servicediscovery against the embedded
//! cloud with its data plane: the cluster's default namespace, a service's configuration and
//! its errors, the Cloud Map namespace, services and instances ECS keeps, the proxy container,
//! real HTTP through a client alias, and a teardown that leaves nothing behind. The shapes
//! are chapter 2's (cluster gophers-sc, namespace gophers.sc, sc-distributor / sc-requester).

use aws_sdk_ecs::types::*;
use meshwalk::api::target::endpoint_config;
use meshwalk::dataplane::DataPlaneConfig;
use meshwalk::embedded::EmbeddedCloud;

use crate::dataplane_support::probe::Probe;
use crate::ecs_support::awsvpc;
pub use crate::support::within;
use crate::support::{error_of, test_config};

pub const CLUSTER: &str = "gophers-sc";
pub const NAMESPACE: &str = "gophers.sc";
pub const REGION: &str = "us-east-1";

pub struct Sc {
    pub cloud: EmbeddedCloud,
    pub ecs: aws_sdk_ecs::Client,
    pub sd: aws_sdk_servicediscovery::Client,
    pub http: Probe,
}

/// The embedded cloud (clock × `scale`) with cluster gophers-sc, whose Service Connect default
/// namespace gophers.sc ECS creates.
pub async fn start_sc(scale: f64) -> Sc {
    let mut config = test_config();
    config.clock_scale = scale;
    let cloud = EmbeddedCloud::start(
        config,
        "127.0.0.1:0".parse().unwrap(),
        DataPlaneConfig::default(),
    )
    .await
    .unwrap();
    let sdk = endpoint_config(&cloud.endpoint(), REGION);
    let sc = Sc {
        ecs: aws_sdk_ecs::Client::new(&sdk),
        sd: aws_sdk_servicediscovery::Client::new(&sdk),
        cloud,
        http: Probe::new(),
    };
    sc.ecs
        .create_cluster()
        .cluster_name(CLUSTER)
        .service_connect_defaults(
            ClusterServiceConnectDefaultsRequest::builder()
                .namespace(NAMESPACE)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    sc
}

/// sc-distributor: hashicorp/http-echo answering `text`, port mapping distributor-http.
pub async fn register_distributor(ecs: &aws_sdk_ecs::Client, text: &str, image: &str) -> String {
    ecs.register_task_definition()
        .family("sc-distributor")
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(
            ContainerDefinition::builder()
                .name("distributor")
                .image(image)
                .essential(true)
                .command(format!("-text={text}"))
                .command("-listen=:9080")
                .port_mappings(
                    PortMapping::builder()
                        .name("distributor-http")
                        .container_port(9080)
                        .protocol(TransportProtocol::Tcp)
                        .app_protocol(ApplicationProtocol::Http)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap()
        .task_definition_arn
        .unwrap()
}

/// sc-requester: curlimages/curl looping on `url`, port mapping requester-http.
pub async fn register_requester(ecs: &aws_sdk_ecs::Client, url: &str) -> String {
    ecs.register_task_definition()
        .family("sc-requester")
        .network_mode(NetworkMode::Awsvpc)
        .requires_compatibilities(Compatibility::Fargate)
        .cpu("256")
        .memory("512")
        .container_definitions(
            ContainerDefinition::builder()
                .name("requester")
                .image("curlimages/curl:8.10.1")
                .essential(true)
                .command("sh")
                .command("-c")
                .command(format!("while true; do curl -s {url}; sleep 1; done"))
                .port_mappings(
                    PortMapping::builder()
                        .name("requester-http")
                        .container_port(8080)
                        .app_protocol(ApplicationProtocol::Http)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .task_definition
        .unwrap()
        .task_definition_arn
        .unwrap()
}

/// sc-distributor's server configuration: portName distributor-http, discoveryName
/// distributor, client alias distributor:9080 (in the cluster's default namespace).
pub fn distributor_sc() -> ServiceConnectConfiguration {
    ServiceConnectConfiguration::builder()
        .enabled(true)
        .services(
            ServiceConnectService::builder()
                .port_name("distributor-http")
                .discovery_name("distributor")
                .client_aliases(
                    ServiceConnectClientAlias::builder()
                        .port(9080)
                        .dns_name("distributor")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .build()
}

/// A client-only configuration: `{"enabled": true}`.
pub fn client_only() -> ServiceConnectConfiguration {
    ServiceConnectConfiguration::builder().enabled(true).build()
}

pub async fn create_service(
    ecs: &aws_sdk_ecs::Client,
    name: &str,
    td: &str,
    desired: i32,
    sc: ServiceConnectConfiguration,
    deployment: Option<DeploymentConfiguration>,
) -> Service {
    ecs.create_service()
        .cluster(CLUSTER)
        .service_name(name)
        .task_definition(td)
        .desired_count(desired)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .service_connect_configuration(sc)
        .set_deployment_configuration(deployment)
        .send()
        .await
        .unwrap()
        .service
        .unwrap()
}

/// The RUNNING tasks of `service` once there are exactly `n` live ones, all RUNNING.
pub async fn running_tasks(ecs: &aws_sdk_ecs::Client, service: &str, n: usize) -> Vec<Task> {
    within(20, &format!("{service} running {n} tasks"), || async {
        let listed = ecs
            .list_tasks()
            .cluster(CLUSTER)
            .service_name(service)
            .desired_status(DesiredStatus::Running)
            .send()
            .await
            .unwrap();
        if listed.task_arns().len() != n {
            return None;
        }
        if n == 0 {
            return Some(vec![]);
        }
        let tasks = ecs
            .describe_tasks()
            .cluster(CLUSTER)
            .set_tasks(Some(listed.task_arns().to_vec()))
            .send()
            .await
            .unwrap();
        let tasks = tasks.tasks().to_vec();
        tasks
            .iter()
            .all(|t| t.last_status() == Some("RUNNING"))
            .then_some(tasks)
    })
    .await
}

/// The requester's URL as meshwalk's load generator finds it (DescribeTasks bindings).
pub async fn requester_url(ecs: &aws_sdk_ecs::Client) -> String {
    running_tasks(ecs, "sc-requester", 1).await;
    meshwalk::api::requester::find(ecs, CLUSTER, "sc-requester")
        .await
        .unwrap()
}

async fn namespace_id(sd: &aws_sdk_servicediscovery::Client, name: &str) -> Option<String> {
    let listed = sd.list_namespaces().send().await.unwrap();
    listed
        .namespaces()
        .iter()
        .find(|n| n.name() == Some(name))
        .and_then(|n| n.id().map(str::to_string))
}

#[tokio::test]
async fn a_cluster_default_namespace_is_created_in_cloud_map_and_update_cluster_changes_it() {
    let sc = start_sc(1.0).await;
    let cluster = sc
        .ecs
        .describe_clusters()
        .clusters(CLUSTER)
        .send()
        .await
        .unwrap()
        .clusters()[0]
        .clone();
    let arn = cluster
        .service_connect_defaults()
        .and_then(|d| d.namespace())
        .unwrap()
        .to_string();
    let id = namespace_id(&sc.sd, NAMESPACE).await.expect("listed");
    assert_eq!(
        arn,
        format!("arn:aws:servicediscovery:{REGION}:000000000000:namespace/{id}")
    );
    let namespace = sc.sd.get_namespace().id(&id).send().await.unwrap();
    assert_eq!(
        namespace.namespace().unwrap().r#type(),
        Some(&aws_sdk_servicediscovery::types::NamespaceType::Http)
    );

    // Another cluster naming the same namespace reuses it; a new name creates another.
    let defaults = |ns: &str| {
        ClusterServiceConnectDefaultsRequest::builder()
            .namespace(ns)
            .build()
            .unwrap()
    };
    let other = sc
        .ecs
        .create_cluster()
        .cluster_name("other")
        .service_connect_defaults(defaults(NAMESPACE))
        .send()
        .await
        .unwrap();
    assert_eq!(
        other
            .cluster()
            .and_then(|c| c.service_connect_defaults())
            .and_then(|d| d.namespace()),
        Some(arn.as_str())
    );
    let updated = sc
        .ecs
        .update_cluster()
        .cluster("other")
        .service_connect_defaults(defaults("other.sc"))
        .send()
        .await
        .unwrap();
    let other_id = namespace_id(&sc.sd, "other.sc").await.expect("created");
    assert!(
        updated
            .cluster()
            .and_then(|c| c.service_connect_defaults())
            .and_then(|d| d.namespace())
            .unwrap()
            .ends_with(&format!("namespace/{other_id}"))
    );
    let listed = sc.sd.list_namespaces().send().await.unwrap();
    assert_eq!(listed.namespaces().len(), 2, "{listed:?}");

    // An ARN must name a namespace that exists; an unknown cluster is not found.
    let missing = format!("arn:aws:servicediscovery:{REGION}:000000000000:namespace/ns-nope");
    let answer = sc
        .ecs
        .update_cluster()
        .cluster(CLUSTER)
        .service_connect_defaults(defaults(&missing))
        .send()
        .await;
    assert_eq!(error_of(answer).0, "NamespaceNotFoundException");
    let answer = sc
        .ecs
        .create_cluster()
        .cluster_name("third")
        .service_connect_defaults(defaults(&missing))
        .send()
        .await;
    assert_eq!(error_of(answer).0, "NamespaceNotFoundException");
    let answer = sc
        .ecs
        .update_cluster()
        .cluster("nope")
        .service_connect_defaults(defaults(NAMESPACE))
        .send()
        .await;
    assert_eq!(error_of(answer).0, "ClusterNotFoundException");
}

#[tokio::test]
async fn service_connect_configurations_are_checked_as_ecs_checks_them() {
    let sc = start_sc(1.0).await;
    let td = register_distributor(&sc.ecs, "v1", "hashicorp/http-echo:1.0").await;
    let attempt = |name: &str, config: ServiceConnectConfiguration| {
        sc.ecs
            .create_service()
            .cluster(CLUSTER)
            .service_name(name)
            .task_definition(&td)
            .desired_count(0)
            .launch_type(LaunchType::Fargate)
            .network_configuration(awsvpc())
            .service_connect_configuration(config)
            .send()
    };
    let server = |port_name: &str, discovery: &str| {
        ServiceConnectService::builder()
            .port_name(port_name)
            .discovery_name(discovery)
            .build()
            .unwrap()
    };
    let with = |services: Vec<ServiceConnectService>| {
        ServiceConnectConfiguration::builder()
            .enabled(true)
            .set_services(Some(services))
            .build()
    };

    let (code, message) = error_of(attempt("a", with(vec![server("http", "distributor")])).await);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("portName 'http'"), "{message}");

    let elsewhere = ServiceConnectConfiguration::builder()
        .enabled(true)
        .namespace("nope.sc")
        .build();
    let (code, message) = error_of(attempt("a", elsewhere).await);
    assert_eq!(code, "NamespaceNotFoundException");
    assert!(message.contains("nope.sc"), "{message}");

    let twice = with(vec![
        server("distributor-http", "distributor"),
        server("distributor-http", "distributor"),
    ]);
    let (code, message) = error_of(attempt("a", twice).await);
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("discoveryName 'distributor'"), "{message}");

    let (code, _) = error_of(attempt("a", with(vec![server("distributor-http", "-bad")])).await);
    assert_eq!(code, "InvalidParameterException");

    // A discovery name another service serves in the namespace is refused.
    attempt(
        "first",
        with(vec![server("distributor-http", "distributor")]),
    )
    .await
    .unwrap();
    let (code, message) = error_of(
        attempt(
            "second",
            with(vec![server("distributor-http", "distributor")]),
        )
        .await,
    );
    assert_eq!(code, "InvalidParameterException");
    assert!(message.contains("gophers-sc/first"), "{message}");

    // A cluster with no default namespace needs one in the configuration.
    sc.ecs
        .create_cluster()
        .cluster_name("bare")
        .send()
        .await
        .unwrap();
    let answer = sc
        .ecs
        .create_service()
        .cluster("bare")
        .service_name("a")
        .task_definition(&td)
        .desired_count(0)
        .launch_type(LaunchType::Fargate)
        .network_configuration(awsvpc())
        .service_connect_configuration(client_only())
        .send()
        .await;
    assert_eq!(error_of(answer).0, "InvalidParameterException");

    // Client only (no services) is valid, and so is a disabled configuration.
    let client = attempt("client", client_only()).await.unwrap();
    let deployment = &client.service().unwrap().deployments()[0];
    let config = deployment.service_connect_configuration().unwrap();
    assert!(config.enabled());
    assert!(
        config
            .namespace()
            .unwrap()
            .starts_with("arn:aws:servicediscovery:")
    );
    assert!(deployment.service_connect_resources().is_empty());
    let off = ServiceConnectConfiguration::builder()
        .enabled(false)
        .build();
    attempt("off", off).await.unwrap();

    // UpdateService checks a new configuration the same way.
    let answer = sc
        .ecs
        .update_service()
        .cluster(CLUSTER)
        .service("client")
        .service_connect_configuration(with(vec![server("nope", "x")]))
        .send()
        .await;
    assert_eq!(error_of(answer).0, "InvalidParameterException");
}

#[tokio::test]
async fn service_connect_services_register_in_cloud_map_answer_through_aliases_and_tear_down_to_nothing()
 {
    let sc = start_sc(1.0).await;
    let distributor = register_distributor(&sc.ecs, "v1", "hashicorp/http-echo:1.0").await;
    let requester = register_requester(&sc.ecs, "http://distributor:9080/").await;
    let created = create_service(
        &sc.ecs,
        "sc-distributor",
        &distributor,
        1,
        distributor_sc(),
        None,
    )
    .await;
    create_service(&sc.ecs, "sc-requester", &requester, 1, client_only(), None).await;

    // The deployment records the configuration (namespace as an ARN) and the Cloud Map
    // service ECS created; the service revision has the configuration too.
    let deployment = &created.deployments()[0];
    let config = deployment.service_connect_configuration().unwrap();
    let namespace_arn = config.namespace().unwrap().to_string();
    let ns = namespace_id(&sc.sd, NAMESPACE).await.unwrap();
    assert!(namespace_arn.ends_with(&ns), "{namespace_arn}");
    assert_eq!(config.services()[0].port_name(), "distributor-http");
    let resources = deployment.service_connect_resources();
    assert_eq!(resources.len(), 1);
    assert_eq!(resources[0].discovery_name(), Some("distributor"));
    let discovery_arn = resources[0].discovery_arn().unwrap().to_string();
    let revision_arn = sc
        .ecs
        .list_service_deployments()
        .cluster(CLUSTER)
        .service("sc-distributor")
        .send()
        .await
        .unwrap()
        .service_deployments()[0]
        .target_service_revision_arn()
        .unwrap()
        .to_string();
    let revisions = sc
        .ecs
        .describe_service_revisions()
        .service_revision_arns(&revision_arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        revisions.service_revisions()[0].service_connect_configuration(),
        Some(config)
    );

    let listed = sc
        .sd
        .list_services()
        .filters(
            aws_sdk_servicediscovery::types::ServiceFilter::builder()
                .name(aws_sdk_servicediscovery::types::ServiceFilterName::NamespaceId)
                .values(&ns)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let services = listed.services();
    assert_eq!(services.len(), 1, "{services:?}");
    assert_eq!(services[0].name(), Some("distributor"));
    assert_eq!(services[0].arn(), Some(discovery_arn.as_str()));
    let cloud_map_service = services[0].id().unwrap().to_string();

    // Each task shows the proxy container ECS adds, with no port binding of its own.
    let tasks = running_tasks(&sc.ecs, "sc-distributor", 1).await;
    let proxy = tasks[0]
        .containers()
        .iter()
        .find(|c| {
            c.name()
                .is_some_and(|n| n.starts_with("ecs-service-connect-"))
        })
        .expect("a proxy container");
    assert_eq!(
        proxy.image(),
        Some("ecs-service-connect-agent:interface-v1")
    );
    assert_eq!(proxy.last_status(), Some("RUNNING"));
    assert!(proxy.network_bindings().is_empty());
    let app_port = tasks[0]
        .containers()
        .iter()
        .find(|c| c.name() == Some("distributor"))
        .unwrap()
        .network_bindings()[0]
        .host_port()
        .unwrap();

    // Cloud Map lists the task as an instance at its app's address.
    let task_id = tasks[0].task_arn().unwrap().rsplit('/').next().unwrap();
    let instances = within(10, "the task's instance", || async {
        let listed = sc
            .sd
            .list_instances()
            .service_id(&cloud_map_service)
            .send()
            .await
            .unwrap();
        (!listed.instances().is_empty()).then(|| listed.instances().to_vec())
    })
    .await;
    assert_eq!(instances.len(), 1);
    assert_eq!(instances[0].id(), Some(task_id));
    let attributes = instances[0].attributes().unwrap();
    assert_eq!(attributes["AWS_INSTANCE_IPV4"], "127.0.0.1");
    assert_eq!(attributes["AWS_INSTANCE_PORT"], app_port.to_string());
    assert_eq!(attributes["ECS_SERVICE_NAME"], "sc-distributor");

    // Real HTTP: the requester (found as the load generator finds it, not at the proxy)
    // reaches distributor:9080 through its task's proxy.
    let url = requester_url(&sc.ecs).await;
    let (status, body) = sc.http.get(&url, None).await;
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(answer["distributor"]["version"], "v1");
    assert_eq!(answer["distributor"]["revision"], "sc-distributor:1");
    assert_eq!(answer["distributor"]["task"], task_id);
    assert_eq!(
        meshwalk::load::traffic::version_of(body.as_bytes()).as_deref(),
        Some("sc-distributor:1")
    );

    // Scaling up registers the new task; Cloud Map's namespace cannot go while it is used.
    sc.ecs
        .update_service()
        .cluster(CLUSTER)
        .service("sc-distributor")
        .desired_count(2)
        .send()
        .await
        .unwrap();
    running_tasks(&sc.ecs, "sc-distributor", 2).await;
    let count_instances = || async {
        sc.sd
            .list_instances()
            .service_id(&cloud_map_service)
            .send()
            .await
            .unwrap()
            .instances()
            .len()
    };
    within(10, "two instances", || async {
        (count_instances().await == 2).then_some(())
    })
    .await;
    let in_use = sc.sd.delete_namespace().id(&ns).send().await;
    assert_eq!(error_of(in_use).0, "ResourceInUse");

    // Teardown with ECS and Cloud Map calls only: nothing is left.
    for service in ["sc-requester", "sc-distributor"] {
        sc.ecs
            .delete_service()
            .cluster(CLUSTER)
            .service(service)
            .force(true)
            .send()
            .await
            .unwrap();
    }
    within(20, "the instances deregistered", || async {
        (count_instances().await == 0).then_some(())
    })
    .await;
    sc.sd
        .delete_service()
        .id(&cloud_map_service)
        .send()
        .await
        .unwrap();
    sc.sd.delete_namespace().id(&ns).send().await.unwrap();
    within(20, "the services gone", || async {
        let listed = sc
            .ecs
            .list_services()
            .cluster(CLUSTER)
            .send()
            .await
            .unwrap();
        listed.service_arns().is_empty().then_some(())
    })
    .await;
    sc.ecs
        .delete_cluster()
        .cluster(CLUSTER)
        .send()
        .await
        .unwrap();
    let namespaces = sc.sd.list_namespaces().send().await.unwrap();
    assert!(namespaces.namespaces().is_empty(), "{namespaces:?}");
    let services = sc.sd.list_services().send().await.unwrap();
    assert!(services.services().is_empty(), "{services:?}");
}

#[tokio::test]
async fn an_unknown_client_alias_is_a_503_that_says_so() {
    let sc = start_sc(1.0).await;
    let requester = register_requester(&sc.ecs, "http://nobody:9080/").await;
    create_service(&sc.ecs, "sc-requester", &requester, 1, client_only(), None).await;
    let url = requester_url(&sc.ecs).await;
    let (status, body) = sc.http.get(&url, None).await;
    assert_eq!(status, 503, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let said = answer["distributor"].as_str().unwrap();
    assert!(said.contains("no client alias nobody:9080"), "{said}");
    assert!(said.contains("namespace/ns-"), "{said}");
}

#[tokio::test]
async fn each_deployment_and_revision_keeps_its_own_service_connect_configuration() {
    let sc = start_sc(1.0).await;
    let v1 = register_distributor(&sc.ecs, "v1", "hashicorp/http-echo:1.0").await;
    create_service(&sc.ecs, "sc-distributor", &v1, 1, distributor_sc(), None).await;
    let alias = |dns: &str, port: i32| {
        ServiceConnectClientAlias::builder()
            .port(port)
            .dns_name(dns)
            .build()
            .unwrap()
    };
    let two_aliases = ServiceConnectConfiguration::builder()
        .enabled(true)
        .namespace(NAMESPACE)
        .services(
            ServiceConnectService::builder()
                .port_name("distributor-http")
                .discovery_name("distributor")
                .client_aliases(alias("distributor", 9080))
                .client_aliases(alias("gophers", 80))
                .build()
                .unwrap(),
        )
        .build();
    let update = |td: Option<&str>, config: Option<ServiceConnectConfiguration>| {
        sc.ecs
            .update_service()
            .cluster(CLUSTER)
            .service("sc-distributor")
            .set_task_definition(td.map(str::to_string))
            .set_service_connect_configuration(config)
            .send()
    };

    // A new configuration alone starts a deployment that carries it; the old one keeps its own.
    let updated = update(None, Some(two_aliases)).await.unwrap();
    let deployments = updated.service().unwrap().deployments();
    assert_eq!(deployments.len(), 2, "{deployments:?}");
    let aliases = |d: &Deployment| {
        d.service_connect_configuration().unwrap().services()[0]
            .client_aliases()
            .iter()
            .map(|a| format!("{}:{}", a.dns_name().unwrap(), a.port()))
            .collect::<Vec<_>>()
    };
    assert_eq!(deployments[0].status(), Some("PRIMARY"));
    assert_eq!(aliases(&deployments[0]), ["distributor:9080", "gophers:80"]);
    assert_eq!(aliases(&deployments[1]), ["distributor:9080"]);
    // The namespace given by name is recorded as its ARN; the Cloud Map service is the same.
    let recorded = deployments[0].service_connect_configuration().unwrap();
    assert!(
        recorded
            .namespace()
            .unwrap()
            .starts_with("arn:aws:servicediscovery:")
    );
    assert_eq!(
        deployments[0].service_connect_resources(),
        deployments[1].service_connect_resources()
    );

    // A new task definition alone keeps the service's configuration.
    let v2 = register_distributor(&sc.ecs, "v2", "hashicorp/http-echo:1.0").await;
    let updated = update(Some(&v2), None).await.unwrap();
    let newest = &updated.service().unwrap().deployments()[0];
    assert_eq!(newest.task_definition(), Some(v2.as_str()));
    assert_eq!(aliases(newest), ["distributor:9080", "gophers:80"]);

    // Each service revision has its deployment's configuration.
    let listed = sc
        .ecs
        .list_service_deployments()
        .cluster(CLUSTER)
        .service("sc-distributor")
        .send()
        .await
        .unwrap();
    let revision_arns: Vec<String> = listed
        .service_deployments()
        .iter()
        .filter_map(|d| d.target_service_revision_arn().map(str::to_string))
        .collect();
    assert_eq!(revision_arns.len(), 3, "{listed:?}");
    let revisions = sc
        .ecs
        .describe_service_revisions()
        .set_service_revision_arns(Some(revision_arns))
        .send()
        .await
        .unwrap();
    let mut alias_counts: Vec<usize> = revisions
        .service_revisions()
        .iter()
        .map(|r| {
            r.service_connect_configuration().unwrap().services()[0]
                .client_aliases()
                .len()
        })
        .collect();
    alias_counts.sort();
    assert_eq!(alias_counts, [1, 2, 2]);
}
