//! Unit tests of the in-process API (what ECS Service Connect will call) and of its visibility
//! through the wire handlers.

use std::collections::BTreeMap;

use crate::emulator::account_region::AccountRegion;

use serde_json::{Value, json};

use super::CloudMap;
use super::quotas::Quotas;
use super::store::{HealthStatus, InstanceRegistration};
use crate::model::servicediscovery::Request;

/// The account and Region every test works in.
fn here() -> AccountRegion {
    AccountRegion::new("000000000000", "us-east-1")
}

fn call(cloud_map: &CloudMap, operation: &str, input: Value) -> Result<Value, String> {
    let request = Request::decode(operation, input).map_err(|e| e.to_string())?;
    cloud_map
        .call(&here(), request)
        .map_err(|e| format!("{}: {}", e.code, e.message))
}

fn task(id: &str, ip: &str) -> InstanceRegistration {
    InstanceRegistration {
        instance_id: id.to_string(),
        attributes: BTreeMap::from([
            ("AWS_INSTANCE_IPV4".to_string(), ip.to_string()),
            ("AWS_INSTANCE_PORT".to_string(), "8080".to_string()),
            ("ECS_CLUSTER_NAME".to_string(), "gophermesh".to_string()),
        ]),
        health: HealthStatus::Healthy,
    }
}

#[test]
fn ensure_http_namespace_creates_once_and_is_listed() {
    let cm = CloudMap::new(Quotas::default(), Default::default());
    let id = cm.ensure_http_namespace(&here(), "gophers.local").unwrap();
    assert!(id.starts_with("ns-") && id.len() == 19, "{id}");
    assert!(
        id[3..]
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    );
    assert_eq!(
        cm.ensure_http_namespace(&here(), "gophers.local").unwrap(),
        id
    );
    let listed = call(&cm, "ListNamespaces", json!({})).unwrap();
    assert_eq!(listed["Namespaces"].as_array().unwrap().len(), 1);
    assert_eq!(listed["Namespaces"][0]["Id"], id.as_str());
    assert_eq!(
        listed["Namespaces"][0]["Arn"],
        format!("arn:aws:servicediscovery:us-east-1:000000000000:namespace/{id}")
    );
    // Regions are separate.
    let other = cm
        .ensure_http_namespace(
            &AccountRegion::new("000000000000", "eu-west-1"),
            "gophers.local",
        )
        .unwrap();
    assert_ne!(other, id);
}

#[test]
fn registered_instances_show_in_list_and_discover_instances() {
    let cm = CloudMap::new(Quotas::default(), Default::default());
    let ns = cm.ensure_http_namespace(&here(), "gophers.local").unwrap();
    let srv = cm
        .create_service(&here(), &ns, "distributor", true)
        .unwrap();
    assert!(srv.starts_with("srv-") && srv.len() == 20, "{srv}");
    cm.register_instance(&here(), &srv, task("task-1", "10.0.0.1"))
        .unwrap();
    let mut sick = task("task-2", "10.0.0.2");
    sick.health = HealthStatus::Unhealthy;
    cm.register_instance(&here(), &srv, sick).unwrap();

    let listed = call(&cm, "ListInstances", json!({"ServiceId": srv})).unwrap();
    let ids: Vec<&str> = listed["Instances"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["Id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["task-1", "task-2"]);
    assert_eq!(
        listed["Instances"][0]["Attributes"]["AWS_INSTANCE_IPV4"],
        "10.0.0.1"
    );

    let discovered = call(
        &cm,
        "DiscoverInstances",
        json!({"NamespaceName": "gophers.local", "ServiceName": "distributor"}),
    )
    .unwrap();
    assert_eq!(
        discovered["Instances"].as_array().unwrap().len(),
        1,
        "healthy only"
    );
    assert_eq!(discovered["Instances"][0]["InstanceId"], "task-1");
    assert_eq!(discovered["InstancesRevision"], 2);

    // The namespace counts its service, and the service its instances.
    let service = call(&cm, "GetService", json!({"Id": srv})).unwrap();
    assert_eq!(service["Service"]["InstanceCount"], 2);
    let namespace = call(&cm, "GetNamespace", json!({"Id": ns})).unwrap();
    assert_eq!(namespace["Namespace"]["ServiceCount"], 1);
}

#[test]
fn deregistering_frees_the_service_for_deletion() {
    let cm = CloudMap::new(Quotas::default(), Default::default());
    let ns = cm.ensure_http_namespace(&here(), "gophers.local").unwrap();
    let srv = cm.create_service(&here(), &ns, "requester", false).unwrap();
    cm.register_instance(&here(), &srv, task("t", "10.0.0.9"))
        .unwrap();
    let in_use = cm.delete_service(&here(), &srv).unwrap_err();
    assert_eq!(in_use.code, "ResourceInUse");
    let op = cm.deregister_instance(&here(), &srv, "t").unwrap();
    let operation = call(&cm, "GetOperation", json!({"OperationId": op})).unwrap();
    assert_eq!(operation["Operation"]["Type"], "DEREGISTER_INSTANCE");
    assert_eq!(operation["Operation"]["Targets"]["INSTANCE"], "t");
    assert_eq!(
        cm.deregister_instance(&here(), &srv, "t").unwrap_err().code,
        "InstanceNotFound"
    );
    cm.delete_service(&here(), &srv).unwrap();
    assert_eq!(
        call(&cm, "GetService", json!({"Id": srv})).unwrap_err(),
        format!("ServiceNotFound: No service exists with the specified ID: {srv}")
    );
}

#[test]
fn in_process_inputs_are_checked_and_bounded() {
    let quotas = Quotas {
        instances_per_service: 2,
        services_per_namespace: 1,
        ..Quotas::default()
    };
    let cm = CloudMap::new(quotas, Default::default());
    assert_eq!(
        cm.ensure_http_namespace(&here(), "arn:aws:x")
            .unwrap_err()
            .code,
        "InvalidInput"
    );
    let ns = cm.ensure_http_namespace(&here(), "gophers.local").unwrap();
    assert_eq!(
        cm.create_service(&here(), &ns, "-bad", false)
            .unwrap_err()
            .code,
        "InvalidInput"
    );
    assert_eq!(
        cm.create_service(&here(), "ns-missing", "x", false)
            .unwrap_err()
            .code,
        "NamespaceNotFound"
    );
    let srv = cm.create_service(&here(), &ns, "svc", false).unwrap();
    assert_eq!(
        cm.create_service(&here(), &ns, "svc", false)
            .unwrap_err()
            .code,
        "ServiceAlreadyExists"
    );
    assert_eq!(
        cm.create_service(&here(), &ns, "other", false)
            .unwrap_err()
            .code,
        "ResourceLimitExceeded"
    );
    cm.register_instance(&here(), &srv, task("a", "10.0.0.1"))
        .unwrap();
    cm.register_instance(&here(), &srv, task("b", "10.0.0.2"))
        .unwrap();
    // Re-registering an instance replaces it and is no new instance.
    cm.register_instance(&here(), &srv, task("b", "10.0.0.3"))
        .unwrap();
    assert_eq!(
        cm.register_instance(&here(), &srv, task("c", "10.0.0.4"))
            .unwrap_err()
            .code,
        "ResourceLimitExceeded"
    );
    let mut crowded = task("d", "10.0.0.5");
    crowded
        .attributes
        .extend((0..31).map(|i| (format!("custom{i}"), "x".to_string())));
    assert_eq!(
        cm.register_instance(&here(), &srv, crowded)
            .unwrap_err()
            .code,
        "InvalidInput"
    );
    let arn = call(&cm, "GetService", json!({"Id": srv})).unwrap()["Service"]["Arn"].clone();
    let by_arn = call(&cm, "ListInstances", json!({"ServiceId": arn})).unwrap();
    assert_eq!(
        by_arn["Instances"][1]["Attributes"]["AWS_INSTANCE_IPV4"],
        "10.0.0.3"
    );
}
