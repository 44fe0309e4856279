//! Cloud Map over Smithy RPC v2 CBOR, as botocore and the aws CLI speak it: raw HTTP requests
//! with bodies encoded by ciborium, the answers decoded and checked field by field (tag-1
//! timestamps, the smithy-protocol header, errors' `__type`).

use ciborium::value::Value as Cbor;

use crate::raw_http::{RawResponse, exchange, json11, rpc_v2_cbor};
use crate::support::start;

fn encode(pairs: &[(&str, Cbor)]) -> Vec<u8> {
    let map = Cbor::Map(
        pairs
            .iter()
            .map(|(k, v)| (Cbor::Text(k.to_string()), v.clone()))
            .collect(),
    );
    let mut out = Vec::new();
    ciborium::ser::into_writer(&map, &mut out).unwrap();
    out
}

fn text(s: &str) -> Cbor {
    Cbor::Text(s.to_string())
}

/// The response's CBOR body, after checking the protocol's headers.
fn decode(response: &RawResponse) -> Cbor {
    assert_eq!(
        response.header("smithy-protocol"),
        Some("rpc-v2-cbor"),
        "{response:?}"
    );
    assert_eq!(
        response.header("content-type"),
        Some("application/cbor"),
        "{response:?}"
    );
    assert!(response.header("x-amzn-requestid").is_some());
    ciborium::de::from_reader(response.body.as_slice()).expect("a CBOR body")
}

fn get<'a>(value: &'a Cbor, key: &str) -> &'a Cbor {
    let Cbor::Map(pairs) = value else {
        panic!("not a map: {value:?}")
    };
    pairs
        .iter()
        .find(|(k, _)| k == &Cbor::Text(key.to_string()))
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no {key} in {value:?}"))
}

fn as_text(value: &Cbor) -> &str {
    match value {
        Cbor::Text(s) => s,
        other => panic!("not text: {other:?}"),
    }
}

/// A tag-1 (epoch seconds) timestamp's value.
fn epoch_seconds(value: &Cbor) -> f64 {
    match value {
        Cbor::Tag(1, inner) => match inner.as_ref() {
            Cbor::Integer(i) => i128::from(*i) as f64,
            Cbor::Float(f) => *f,
            other => panic!("a timestamp of {other:?}"),
        },
        other => panic!("not a tag-1 timestamp: {other:?}"),
    }
}

#[tokio::test]
async fn cloudmap_cbor_round_trip() {
    let cloud = start().await;
    let addr = cloud.running.addr;
    let call = |operation: &'static str, body: Vec<u8>| async move {
        exchange(addr, &rpc_v2_cbor(operation, &body))
            .await
            .expect("an answer")
    };

    // CreateHttpNamespace.
    let created = call(
        "CreateHttpNamespace",
        encode(&[
            ("Name", text("cbor.local")),
            ("CreatorRequestId", text("cbor-1")),
            (
                "Tags",
                Cbor::Array(vec![Cbor::Map(vec![
                    (text("Key"), text("meshwalk")),
                    (text("Value"), text("walkthrough")),
                ])]),
            ),
        ]),
    )
    .await;
    assert_eq!(created.status, 200, "{created:?}");
    let operation_id = as_text(get(&decode(&created), "OperationId")).to_string();

    // GetOperation: its type, status, target and tag-1 dates.
    let operation = call(
        "GetOperation",
        encode(&[("OperationId", text(&operation_id))]),
    )
    .await;
    assert_eq!(operation.status, 200, "{operation:?}");
    let operation = decode(&operation);
    let operation = get(&operation, "Operation");
    assert_eq!(as_text(get(operation, "Type")), "CREATE_NAMESPACE");
    assert_eq!(as_text(get(operation, "Status")), "SUCCESS");
    let created_at = epoch_seconds(get(operation, "CreateDate"));
    assert!(created_at > 1_700_000_000.0, "{created_at}");
    assert!(epoch_seconds(get(operation, "UpdateDate")) >= created_at);
    let ns_id = as_text(get(get(operation, "Targets"), "NAMESPACE")).to_string();
    assert!(ns_id.starts_with("ns-"), "{ns_id}");

    // GetNamespace.
    let namespace = call("GetNamespace", encode(&[("Id", text(&ns_id))])).await;
    assert_eq!(namespace.status, 200, "{namespace:?}");
    let namespace = decode(&namespace);
    let namespace = get(&namespace, "Namespace");
    assert_eq!(as_text(get(namespace, "Name")), "cbor.local");
    assert_eq!(as_text(get(namespace, "Type")), "HTTP");
    assert_eq!(as_text(get(namespace, "CreatorRequestId")), "cbor-1");
    assert_eq!(get(namespace, "ServiceCount"), &Cbor::Integer(0.into()));
    assert_eq!(
        as_text(get(
            get(get(namespace, "Properties"), "HttpProperties"),
            "HttpName"
        )),
        "cbor.local"
    );
    assert_eq!(epoch_seconds(get(namespace, "CreateDate")), created_at);

    // ListNamespaces (an empty body is an empty input).
    let listed = call("ListNamespaces", Vec::new()).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    let listed = decode(&listed);
    let Cbor::Array(namespaces) = get(&listed, "Namespaces") else {
        panic!("{listed:?}")
    };
    assert_eq!(namespaces.len(), 1);
    assert_eq!(as_text(get(&namespaces[0], "Id")), ns_id);
    epoch_seconds(get(&namespaces[0], "CreateDate"));

    // A modeled error: NamespaceAlreadyExists with its members, the absolute shape id.
    let taken = call(
        "CreateHttpNamespace",
        encode(&[("Name", text("cbor.local"))]),
    )
    .await;
    assert_eq!(taken.status, 409, "{taken:?}");
    assert!(
        taken.header("x-amzn-errortype").is_none(),
        "RPC v2 servers should not send it"
    );
    let taken = decode(&taken);
    assert_eq!(
        as_text(get(&taken, "__type")),
        "com.amazonaws.servicediscovery#NamespaceAlreadyExists"
    );
    assert_eq!(as_text(get(&taken, "NamespaceId")), ns_id);
    assert_eq!(as_text(get(&taken, "CreatorRequestId")), "cbor-1");
    assert!(as_text(get(&taken, "Message")).contains("already exists"));

    // DeleteNamespace, then it is gone.
    let deleted = call("DeleteNamespace", encode(&[("Id", text(&ns_id))])).await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    let delete_op = as_text(get(&decode(&deleted), "OperationId")).to_string();
    assert_ne!(delete_op, operation_id);
    let gone = call("GetNamespace", encode(&[("Id", text(&ns_id))])).await;
    assert_eq!(gone.status, 404, "{gone:?}");
    assert_eq!(
        as_text(get(&decode(&gone), "__type")),
        "com.amazonaws.servicediscovery#NamespaceNotFound"
    );

    // Validation from the model's constraints, in CBOR too.
    let invalid = call(
        "ListNamespaces",
        encode(&[("MaxResults", Cbor::Integer(101.into()))]),
    )
    .await;
    assert_eq!(invalid.status, 400);
    let invalid = decode(&invalid);
    assert_eq!(
        as_text(get(&invalid, "__type")),
        "com.amazonaws.servicediscovery#InvalidInput"
    );
    assert!(as_text(get(&invalid, "Message")).contains("MaxResults"));
}

#[tokio::test]
async fn cloudmap_cbor_refusals_are_answered_in_cbor() {
    let cloud = start().await;
    let addr = cloud.running.addr;
    let refused =
        |request: Vec<u8>| async move { exchange(addr, &request).await.expect("an answer") };
    let error_type = |response: &RawResponse| as_text(get(&decode(response), "__type")).to_string();

    // Without the smithy-protocol header.
    let bare = String::from_utf8(rpc_v2_cbor("ListNamespaces", b""))
        .unwrap()
        .replace("Smithy-Protocol: rpc-v2-cbor\r\n", "");
    let response = refused(bare.into_bytes()).await;
    assert_eq!(response.status, 400);
    assert_eq!(
        error_type(&response),
        "com.amazonaws.servicediscovery#BadRequestException"
    );

    // With an X-Amz-Target besides (the specification says to reject it).
    let both = String::from_utf8(rpc_v2_cbor("ListNamespaces", b""))
        .unwrap()
        .replace(
            "Host: localhost\r\n",
            "Host: localhost\r\nX-Amz-Target: Route53AutoNaming_v20170314.ListNamespaces\r\n",
        );
    let response = refused(both.into_bytes()).await;
    assert_eq!(response.status, 400);
    assert_eq!(
        error_type(&response),
        "com.amazonaws.servicediscovery#BadRequestException"
    );

    // A body that is not CBOR's media type.
    let json_body = String::from_utf8(rpc_v2_cbor("ListNamespaces", b"{}"))
        .unwrap()
        .replace("application/cbor\r\nAccept", "application/json\r\nAccept");
    let response = refused(json_body.into_bytes()).await;
    assert_eq!(response.status, 415);
    assert_eq!(
        error_type(&response),
        "com.amazonaws.servicediscovery#UnsupportedMediaTypeException"
    );

    // A credential scope naming no region: refused before dispatch, still in CBOR.
    let fake_region = String::from_utf8(rpc_v2_cbor("ListNamespaces", b"")).unwrap().replace(
        "Host: localhost\r\n",
        "Host: localhost\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKID/20261126/fake-region-1/servicediscovery/aws4_request, SignedHeaders=host, Signature=abc\r\n",
    );
    let response = refused(fake_region.into_bytes()).await;
    assert_eq!(response.status, 403);
    assert_eq!(
        error_type(&response),
        "com.amazonaws.servicediscovery#InvalidSignatureException"
    );

    // A body larger than the endpoint takes (refused on its declared length).
    let huge = String::from_utf8(rpc_v2_cbor("ListNamespaces", b""))
        .unwrap()
        .replace("Content-Length: 0", "Content-Length: 3000000");
    let response = refused(huge.into_bytes()).await;
    assert_eq!(response.status, 413);
    assert_eq!(
        error_type(&response),
        "com.amazonaws.servicediscovery#RequestEntityTooLargeException"
    );

    // Bytes that are not CBOR, an unknown operation, another service's name.
    let response = refused(rpc_v2_cbor("ListNamespaces", &[0xff, 0x00])).await;
    assert_eq!(response.status, 400);
    assert_eq!(
        error_type(&response),
        "com.amazonaws.servicediscovery#SerializationException"
    );
    let response = refused(rpc_v2_cbor("RegisterInstance", b"")).await;
    assert_eq!(
        error_type(&response),
        "com.amazonaws.servicediscovery#UnknownOperationException"
    );
    let other = String::from_utf8(rpc_v2_cbor("ListNamespaces", b""))
        .unwrap()
        .replace("Route53AutoNaming_v20170314", "SomeOtherService");
    let response = refused(other.into_bytes()).await;
    assert_eq!(response.status, 404);
    // The absolute service shape id with '.' for '#' is the same service.
    let absolute = String::from_utf8(rpc_v2_cbor("ListNamespaces", b""))
        .unwrap()
        .replace(
            "/service/Route53AutoNaming_v20170314/",
            "/service/com.amazonaws.servicediscovery.Route53AutoNaming_v20170314/",
        );
    let response = refused(absolute.into_bytes()).await;
    assert_eq!(response.status, 200, "{response:?}");

    // ECS's X-Amz-Target is still ECS's, and Cloud Map's JSON 1.1 target is Cloud Map's.
    let ecs = refused(json11("ListClusters", "{}")).await;
    assert_eq!(ecs.status, 200, "{ecs:?}");
    assert!(ecs.json()["clusterArns"].is_array());
    let cloud_map = String::from_utf8(json11("ListNamespaces", "{}"))
        .unwrap()
        .replace(
            "AmazonEC2ContainerServiceV20141113.",
            "Route53AutoNaming_v20170314.",
        );
    let cloud_map = refused(cloud_map.into_bytes()).await;
    assert_eq!(cloud_map.status, 200, "{cloud_map:?}");
    assert_eq!(
        cloud_map.header("content-type"),
        Some("application/x-amz-json-1.1")
    );
    assert!(cloud_map.json()["Namespaces"].is_array());
}
