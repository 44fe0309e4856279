//! Cloud Map through aws-sdk-servicediscovery (JSON 1.1) against the embedded cloud: every
//! served operation, and every error the model gives them. Services and instances come from the
//! in-process API, as ECS Service Connect will create them.

use std::collections::BTreeMap;

use aws_sdk_servicediscovery::Client;
use aws_sdk_servicediscovery::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_servicediscovery::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_servicediscovery::error::BoxError;
use aws_sdk_servicediscovery::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_servicediscovery::operation::create_http_namespace::CreateHttpNamespaceError;
use aws_sdk_servicediscovery::types::*;
use meshwalk::api::target::endpoint_config;
use meshwalk::emulator::cloudmap::store::{HealthStatus as Health, InstanceRegistration};

use crate::support::{TestCloud, start};

const REGION: &str = "us-east-1";

fn client(cloud: &TestCloud) -> Client {
    client_in(cloud, REGION)
}

fn client_in(cloud: &TestCloud, region: &str) -> Client {
    let sdk = endpoint_config(&cloud.running.endpoint(), region);
    let config = aws_sdk_servicediscovery::config::Builder::from(&sdk)
        .interceptor(NoHostPrefix)
        .build();
    Client::from_conf(config)
}

/// DiscoverInstances' model gives it the host prefix `data-` (AWS serves it from
/// `data-servicediscovery.REGION.amazonaws.com`), which the Rust SDK puts before any endpoint,
/// a custom one too: `data-127.0.0.1` resolves nowhere. The embedded cloud serves every
/// operation on one endpoint, so the prefix is taken off again before the request leaves.
#[derive(Debug)]
struct NoHostPrefix;

impl Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let request = context.request_mut();
        let uri = request.uri().replace("://data-", "://");
        request.set_uri(uri)?;
        Ok(())
    }
}

/// The code and message of a failed call.
fn failure<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(
    result: Result<impl std::fmt::Debug, SdkError<E, R>>,
) -> (String, String) {
    let err = result.expect_err("the call fails");
    let service = err.as_service_error().unwrap_or_else(|| panic!("{err:?}"));
    (
        service.code().unwrap_or_default().to_string(),
        service.message().unwrap_or_default().to_string(),
    )
}

async fn create_namespace(sd: &Client, name: &str) -> String {
    let op = sd
        .create_http_namespace()
        .name(name)
        .send()
        .await
        .unwrap()
        .operation_id()
        .unwrap()
        .to_string();
    let operation = sd.get_operation().operation_id(op).send().await.unwrap();
    operation.operation().unwrap().targets().unwrap()[&OperationTargetType::Namespace].clone()
}

fn task(id: &str, ip: &str, version: &str) -> InstanceRegistration {
    InstanceRegistration {
        instance_id: id.to_string(),
        attributes: BTreeMap::from([
            ("AWS_INSTANCE_IPV4".to_string(), ip.to_string()),
            ("AWS_INSTANCE_PORT".to_string(), "9080".to_string()),
            ("ECS_CLUSTER_NAME".to_string(), "gophermesh".to_string()),
            ("version".to_string(), version.to_string()),
        ]),
        health: Health::Healthy,
    }
}

#[tokio::test]
async fn cloudmap_namespace_lifecycle_through_the_sdk() {
    let cloud = start().await;
    let sd = client(&cloud);

    let created = sd
        .create_http_namespace()
        .name("gophers.local")
        .description("the tutorial's namespace")
        .creator_request_id("req-1")
        .tags(
            Tag::builder()
                .key("meshwalk")
                .value("walkthrough")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let op_id = created.operation_id().unwrap().to_string();

    let operation = sd
        .get_operation()
        .operation_id(&op_id)
        .send()
        .await
        .unwrap();
    let operation = operation.operation().unwrap();
    assert_eq!(operation.id(), Some(op_id.as_str()));
    assert_eq!(operation.r#type(), Some(&OperationType::CreateNamespace));
    assert_eq!(operation.status(), Some(&OperationStatus::Success));
    assert_eq!(operation.owner_account(), Some("000000000000"));
    assert!(operation.create_date().unwrap().secs() > 1_700_000_000);
    assert!(operation.update_date().is_some());
    let ns_id = operation.targets().unwrap()[&OperationTargetType::Namespace].clone();
    assert!(ns_id.starts_with("ns-") && ns_id.len() == 19, "{ns_id}");
    assert!(
        ns_id[3..]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );

    let namespace = sd.get_namespace().id(&ns_id).send().await.unwrap();
    let namespace = namespace.namespace().unwrap();
    assert_eq!(namespace.name(), Some("gophers.local"));
    assert_eq!(
        namespace.arn(),
        Some(format!("arn:aws:servicediscovery:us-east-1:000000000000:namespace/{ns_id}").as_str())
    );
    assert_eq!(namespace.r#type(), Some(&NamespaceType::Http));
    assert_eq!(namespace.description(), Some("the tutorial's namespace"));
    assert_eq!(namespace.creator_request_id(), Some("req-1"));
    assert_eq!(namespace.service_count(), Some(0));
    assert_eq!(namespace.resource_owner(), Some("000000000000"));
    assert_eq!(
        namespace
            .properties()
            .and_then(|p| p.http_properties())
            .and_then(|h| h.http_name()),
        Some("gophers.local")
    );
    assert!(namespace.create_date().is_some());
    // The ARN names it too.
    let by_arn = sd
        .get_namespace()
        .id(namespace.arn().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(by_arn.namespace().unwrap().id(), Some(ns_id.as_str()));

    // CreatorRequestId: a retry gets the first operation; anyone else gets the existing id.
    let retry = sd
        .create_http_namespace()
        .name("gophers.local")
        .creator_request_id("req-1")
        .send()
        .await
        .unwrap();
    assert_eq!(retry.operation_id(), Some(op_id.as_str()));
    let err = sd
        .create_http_namespace()
        .name("gophers.local")
        .creator_request_id("req-2")
        .send()
        .await
        .expect_err("the name is taken");
    match err.into_service_error() {
        CreateHttpNamespaceError::NamespaceAlreadyExists(e) => {
            assert_eq!(e.namespace_id(), Some(ns_id.as_str()));
            assert_eq!(e.creator_request_id(), Some("req-1"));
            assert!(e.message().unwrap().contains("already exists"), "{e:?}");
        }
        other => panic!("{other:?}"),
    }

    let delete = sd.delete_namespace().id(&ns_id).send().await.unwrap();
    let deleted = sd
        .get_operation()
        .operation_id(delete.operation_id().unwrap())
        .send()
        .await
        .unwrap();
    let deleted = deleted.operation().unwrap();
    assert_eq!(deleted.r#type(), Some(&OperationType::DeleteNamespace));
    assert_eq!(deleted.status(), Some(&OperationStatus::Success));
    assert_eq!(
        deleted.targets().unwrap()[&OperationTargetType::Namespace],
        ns_id
    );
    let (code, message) = failure(sd.get_namespace().id(&ns_id).send().await);
    assert_eq!(code, "NamespaceNotFound");
    assert_eq!(
        message,
        format!("No namespace exists with the specified ID: {ns_id}")
    );
    let (code, _) = failure(sd.delete_namespace().id(&ns_id).send().await);
    assert_eq!(code, "NamespaceNotFound");
}

#[tokio::test]
async fn cloudmap_list_namespaces_filters_and_pages() {
    let cloud = start().await;
    let sd = client(&cloud);
    for name in ["alpha.local", "beta.local", "alpine.local"] {
        create_namespace(&sd, name).await;
    }
    let filtered = |name: NamespaceFilterName, condition: FilterCondition, value: &str| {
        NamespaceFilter::builder()
            .name(name)
            .condition(condition)
            .values(value)
            .build()
            .unwrap()
    };
    let names =
        |out: &aws_sdk_servicediscovery::operation::list_namespaces::ListNamespacesOutput| {
            let mut names: Vec<String> = out
                .namespaces()
                .iter()
                .map(|n| n.name().unwrap().to_string())
                .collect();
            names.sort();
            names
        };

    let all = sd.list_namespaces().send().await.unwrap();
    assert_eq!(names(&all), ["alpha.local", "alpine.local", "beta.local"]);
    assert!(all.next_token().is_none());
    assert!(
        all.namespaces()
            .iter()
            .all(|n| n.service_count() == Some(0))
    );

    let eq = sd
        .list_namespaces()
        .filters(filtered(
            NamespaceFilterName::Name,
            FilterCondition::Eq,
            "beta.local",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(names(&eq), ["beta.local"]);
    let prefix = sd
        .list_namespaces()
        .filters(filtered(
            NamespaceFilterName::HttpName,
            FilterCondition::BeginsWith,
            "alp",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(names(&prefix), ["alpha.local", "alpine.local"]);
    let by_type = sd
        .list_namespaces()
        .filters(filtered(
            NamespaceFilterName::Type,
            FilterCondition::Eq,
            "HTTP",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(by_type.namespaces().len(), 3);
    let dns = sd
        .list_namespaces()
        .filters(filtered(
            NamespaceFilterName::Type,
            FilterCondition::Eq,
            "DNS_PRIVATE",
        ))
        .send()
        .await
        .unwrap();
    assert!(dns.namespaces().is_empty());

    // Pages of one, each token leading on, every namespace once.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = sd
            .list_namespaces()
            .max_results(1)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        assert!(page.namespaces().len() <= 1);
        seen.extend(
            page.namespaces()
                .iter()
                .map(|n| n.id().unwrap().to_string()),
        );
        token = page.next_token().map(str::to_string);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 3);
    seen.dedup();
    assert_eq!(seen.len(), 3);

    // Conditions the filter does not support, and tokens that are none.
    let (code, _) = failure(
        sd.list_namespaces()
            .filters(filtered(
                NamespaceFilterName::Name,
                FilterCondition::Between,
                "a",
            ))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    let (code, _) = failure(
        sd.list_namespaces()
            .filters(
                NamespaceFilter::builder()
                    .name(NamespaceFilterName::Name)
                    .values("a")
                    .values("b")
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    let (code, message) = failure(sd.list_namespaces().next_token("bogus").send().await);
    assert_eq!(code, "InvalidInput", "{message}");
    let (code, message) = failure(sd.list_namespaces().max_results(0).send().await);
    assert_eq!(code, "InvalidInput");
    assert!(
        message.contains("Value at 'MaxResults' failed to satisfy constraint"),
        "{message}"
    );
}

#[tokio::test]
async fn cloudmap_services_and_instances_through_the_sdk() {
    let cloud = start().await;
    let sd = client(&cloud);
    let cm = &cloud.running.cloud.cloudmap;
    let here = cloud.running.cloud.scope(REGION);
    let ns = cm.ensure_http_namespace(&here, "gophers.local").unwrap();
    let other_ns = create_namespace(&sd, "other.local").await;
    let distributor = cm.create_service(&here, &ns, "distributor", true).unwrap();
    let requester = cm.create_service(&here, &ns, "requester", false).unwrap();
    cm.create_service(&here, &other_ns, "elsewhere", false)
        .unwrap();
    cm.register_instance(&here, &distributor, task("t-1", "10.0.0.1", "v1"))
        .unwrap();
    cm.register_instance(&here, &distributor, task("t-2", "10.0.0.2", "v2"))
        .unwrap();
    let mut sick = task("t-3", "10.0.0.3", "v2");
    sick.health = Health::Unhealthy;
    cm.register_instance(&here, &distributor, sick).unwrap();

    // ListServices, with and without the namespace filter.
    let all = sd.list_services().send().await.unwrap();
    assert_eq!(all.services().len(), 3);
    let in_ns = sd
        .list_services()
        .filters(
            ServiceFilter::builder()
                .name(ServiceFilterName::NamespaceId)
                .values(&ns)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = in_ns.services().iter().filter_map(|s| s.name()).collect();
    names.sort();
    assert_eq!(names, ["distributor", "requester"]);
    let (code, _) = failure(
        sd.list_services()
            .filters(
                ServiceFilter::builder()
                    .name(ServiceFilterName::NamespaceId)
                    .condition(FilterCondition::BeginsWith)
                    .values(&ns)
                    .build()
                    .unwrap(),
            )
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");

    // GetService.
    let service = sd.get_service().id(&distributor).send().await.unwrap();
    let service = service.service().unwrap();
    assert!(distributor.starts_with("srv-") && distributor.len() == 20);
    assert_eq!(service.name(), Some("distributor"));
    assert_eq!(service.namespace_id(), Some(ns.as_str()));
    assert_eq!(service.instance_count(), Some(3));
    assert_eq!(service.r#type(), Some(&ServiceType::Http));
    assert_eq!(
        service.arn(),
        Some(
            format!("arn:aws:servicediscovery:us-east-1:000000000000:service/{distributor}")
                .as_str()
        )
    );
    assert!(service.health_check_custom_config().is_some());

    // ListInstances, a page at a time.
    let first = sd
        .list_instances()
        .service_id(&distributor)
        .max_results(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.instances().len(), 2);
    assert_eq!(first.instances()[0].id(), Some("t-1"));
    assert_eq!(
        first.instances()[0].attributes().unwrap()["AWS_INSTANCE_IPV4"],
        "10.0.0.1"
    );
    let rest = sd
        .list_instances()
        .service_id(&distributor)
        .next_token(first.next_token().expect("a next page"))
        .send()
        .await
        .unwrap();
    assert_eq!(rest.instances().len(), 1);
    assert_eq!(rest.instances()[0].id(), Some("t-3"));
    assert!(rest.next_token().is_none());

    // DiscoverInstances: healthy ones by default, filters on attributes, revision.
    let discover = || {
        sd.discover_instances()
            .namespace_name("gophers.local")
            .service_name("distributor")
    };
    let healthy = discover().send().await.unwrap();
    let ids =
        |out: &aws_sdk_servicediscovery::operation::discover_instances::DiscoverInstancesOutput| {
            out.instances()
                .iter()
                .map(|i| i.instance_id().unwrap().to_string())
                .collect::<Vec<_>>()
        };
    assert_eq!(ids(&healthy), ["t-1", "t-2"]);
    assert_eq!(healthy.instances_revision(), Some(3));
    assert_eq!(
        healthy.instances()[0].namespace_name(),
        Some("gophers.local")
    );
    assert_eq!(healthy.instances()[0].service_name(), Some("distributor"));
    assert_eq!(
        healthy.instances()[0].health_status(),
        Some(&HealthStatus::Healthy)
    );
    let all = discover()
        .health_status(HealthStatusFilter::All)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&all), ["t-1", "t-2", "t-3"]);
    let unhealthy = discover()
        .health_status(HealthStatusFilter::Unhealthy)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&unhealthy), ["t-3"]);
    let v2 = discover()
        .query_parameters("version", "v2")
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&v2), ["t-2"]);
    let preferred = discover()
        .optional_parameters("AWS_INSTANCE_IPV4", "10.0.0.2")
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&preferred), ["t-2"]);
    let ignored = discover()
        .optional_parameters("version", "v9")
        .send()
        .await
        .unwrap();
    assert_eq!(
        ids(&ignored),
        ["t-1", "t-2"],
        "an unmatched optional filter is ignored"
    );
    let one = discover().max_results(1).send().await.unwrap();
    assert_eq!(ids(&one), ["t-1"]);
    // Without a health check the filter does not apply.
    cm.register_instance(&here, &requester, task("r-1", "10.0.1.1", "v1"))
        .unwrap();
    let requesters = sd
        .discover_instances()
        .namespace_name("gophers.local")
        .service_name("requester")
        .health_status(HealthStatusFilter::Unhealthy)
        .send()
        .await
        .unwrap();
    assert_eq!(ids(&requesters), ["r-1"]);

    // Deletes are refused while something is inside, then go through.
    let (code, message) = failure(sd.delete_namespace().id(&ns).send().await);
    assert_eq!(code, "ResourceInUse");
    assert!(message.contains("2 services"), "{message}");
    let (code, message) = failure(sd.delete_service().id(&distributor).send().await);
    assert_eq!(code, "ResourceInUse");
    assert!(message.contains("3 registered instances"), "{message}");
    for t in ["t-1", "t-2", "t-3"] {
        cm.deregister_instance(&here, &distributor, t).unwrap();
    }
    let after = discover().send().await.unwrap();
    assert!(after.instances().is_empty());
    assert_eq!(after.instances_revision(), Some(6));
    sd.delete_service().id(&distributor).send().await.unwrap();
    let (code, _) = failure(sd.get_service().id(&distributor).send().await);
    assert_eq!(code, "ServiceNotFound");
    let (code, _) = failure(sd.delete_service().id(&distributor).send().await);
    assert_eq!(code, "ServiceNotFound");
    let (code, _) = failure(sd.list_instances().service_id(&distributor).send().await);
    assert_eq!(code, "ServiceNotFound");
    let (code, _) = failure(discover().send().await);
    assert_eq!(code, "ServiceNotFound");
    let (code, _) = failure(
        sd.discover_instances()
            .namespace_name("nowhere.local")
            .service_name("distributor")
            .send()
            .await,
    );
    assert_eq!(code, "NamespaceNotFound");
    let (code, message) = failure(
        sd.discover_instances()
            .namespace_name("gophers.local")
            .service_name("-distributor")
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    assert!(message.contains("at 'ServiceName'"), "{message}");
}

#[tokio::test]
async fn cloudmap_errors_and_quotas_through_the_sdk() {
    let cloud = start().await;
    let sd = client(&cloud);

    let (code, message) = failure(sd.get_operation().operation_id("nope").send().await);
    assert_eq!(code, "OperationNotFound");
    assert_eq!(message, "No operation exists with the specified ID: nope");
    let (code, _) = failure(sd.get_service().id("srv-0000000000000000").send().await);
    assert_eq!(code, "ServiceNotFound");

    // The model's constraints, and the look-ahead of the name pattern.
    let (code, message) = failure(sd.create_http_namespace().name("arn:aws:x").send().await);
    assert_eq!(code, "InvalidInput");
    assert!(message.contains("(?!arn:)"), "{message}");
    let (code, message) = failure(
        sd.create_http_namespace()
            .name("x")
            .description("d".repeat(1025))
            .send()
            .await,
    );
    assert_eq!(code, "InvalidInput");
    assert!(
        message.contains("Value at 'Description' failed to satisfy constraint: Member must have length less than or equal to 1024"),
        "{message}"
    );

    // 50 tags at most.
    let tags: Vec<Tag> = (0..51)
        .map(|i| {
            Tag::builder()
                .key(format!("k{i}"))
                .value("v")
                .build()
                .unwrap()
        })
        .collect();
    let (code, _) = failure(
        sd.create_http_namespace()
            .name("tagged.local")
            .set_tags(Some(tags))
            .send()
            .await,
    );
    assert_eq!(code, "TooManyTagsException");

    // 50 namespaces per Region, then ResourceLimitExceeded; another Region has its own.
    for i in 0..50 {
        sd.create_http_namespace()
            .name(format!("ns{i}.local"))
            .send()
            .await
            .unwrap();
    }
    let (code, message) = failure(
        sd.create_http_namespace()
            .name("one-more.local")
            .send()
            .await,
    );
    assert_eq!(code, "ResourceLimitExceeded");
    assert!(message.contains("50 namespaces per Region"), "{message}");
    let west = client_in(&cloud, "us-west-2");
    west.create_http_namespace()
        .name("one-more.local")
        .send()
        .await
        .unwrap();
    assert_eq!(
        west.list_namespaces()
            .send()
            .await
            .unwrap()
            .namespaces()
            .len(),
        1
    );
}
