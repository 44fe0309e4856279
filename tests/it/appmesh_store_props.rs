//! Random operation sequences against the App Mesh store: it never panics, a failed call
//! changes nothing, and no route, provider or gateway route ever points at something missing.

use meshwalk::emulator::account_region::AccountRegion;
use meshwalk::emulator::appmesh::AppMesh;
use meshwalk::emulator::appmesh::store::{AppMeshState, Limits};
use meshwalk::emulator::appmesh::validate::{gateway_route_target, route_targets};
use meshwalk::model::appmesh::Request;
use proptest::prelude::*;
use serde_json::{Value, json};

const MESHES: [&str; 2] = ["m0", "m1"];
const NODES: [&str; 3] = ["n0", "n1", "n2"];
const ROUTERS: [&str; 2] = ["r0", "r1"];
const ROUTES: [&str; 2] = ["x0", "x1"];
const SERVICES: [&str; 2] = ["s0", "s1"];

fn name(pool: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    proptest::sample::select(pool)
}

fn targets() -> impl Strategy<Value = Value> {
    proptest::collection::vec((name(&NODES), 0..=60i32), 1..4).prop_map(|ts| {
        Value::Array(
            ts.into_iter()
                .map(|(n, w)| json!({"virtualNode": n, "weight": w}))
                .collect(),
        )
    })
}

fn provider() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({})),
        name(&NODES).prop_map(|n| json!({"provider": {"virtualNode": {"virtualNodeName": n}}})),
        name(&ROUTERS)
            .prop_map(|r| json!({"provider": {"virtualRouter": {"virtualRouterName": r}}})),
    ]
}

/// (operation, input) pairs over small name pools, so that references collide often.
fn operation() -> impl Strategy<Value = (&'static str, Value)> {
    let m = || name(&MESHES);
    prop_oneof![
        m().prop_map(|m| ("CreateMesh", json!({"meshName": m}))),
        m().prop_map(|m| ("DeleteMesh", json!({"meshName": m}))),
        (m(), name(&NODES)).prop_map(|(m, n)| ("CreateVirtualNode", json!({"meshName": m, "virtualNodeName": n, "spec": {}}))),
        (m(), name(&NODES)).prop_map(|(m, n)| ("DeleteVirtualNode", json!({"meshName": m, "virtualNodeName": n}))),
        (m(), name(&ROUTERS), prop_oneof![Just("http"), Just("tcp")]).prop_map(|(m, r, p)| ("CreateVirtualRouter", json!({
            "meshName": m, "virtualRouterName": r,
            "spec": {"listeners": [{"portMapping": {"port": 9080, "protocol": p}}]}}))),
        (m(), name(&ROUTERS)).prop_map(|(m, r)| ("DeleteVirtualRouter", json!({"meshName": m, "virtualRouterName": r}))),
        (m(), name(&ROUTERS), name(&ROUTES), targets(), any::<bool>()).prop_map(|(m, r, x, t, create)| (
            if create { "CreateRoute" } else { "UpdateRoute" },
            json!({"meshName": m, "virtualRouterName": r, "routeName": x,
                   "spec": {"httpRoute": {"match": {"prefix": "/"}, "action": {"weightedTargets": t}}}}))),
        (m(), name(&ROUTERS), name(&ROUTES)).prop_map(|(m, r, x)| ("DeleteRoute", json!({"meshName": m, "virtualRouterName": r, "routeName": x}))),
        (m(), name(&SERVICES), provider(), any::<bool>()).prop_map(|(m, s, spec, create)| (
            if create { "CreateVirtualService" } else { "UpdateVirtualService" },
            json!({"meshName": m, "virtualServiceName": s, "spec": spec}))),
        (m(), name(&SERVICES)).prop_map(|(m, s)| ("DeleteVirtualService", json!({"meshName": m, "virtualServiceName": s}))),
        m().prop_map(|m| ("CreateVirtualGateway", json!({"meshName": m, "virtualGatewayName": "g",
            "spec": {"listeners": [{"portMapping": {"port": 8080, "protocol": "http"}}]}}))),
        m().prop_map(|m| ("DeleteVirtualGateway", json!({"meshName": m, "virtualGatewayName": "g"}))),
        (m(), name(&SERVICES)).prop_map(|(m, s)| ("CreateGatewayRoute", json!({"meshName": m, "virtualGatewayName": "g", "gatewayRouteName": "gr",
            "spec": {"httpRoute": {"match": {"prefix": "/"}, "action": {"target": {"virtualService": {"virtualServiceName": s}}}}}}))),
        m().prop_map(|m| ("DeleteGatewayRoute", json!({"meshName": m, "virtualGatewayName": "g", "gatewayRouteName": "gr"}))),
    ]
}

/// Every reference the store holds resolves (node backends aside: they may dangle by design).
fn dangling_references(state: &AppMeshState) -> Vec<String> {
    let mut found = Vec::new();
    for (mesh_name, mesh) in state.scopes.values().flat_map(|r| r.meshes.iter()) {
        for ((router, route), entry) in &mesh.routes {
            if !mesh.virtual_routers.contains_key(router) {
                found.push(format!(
                    "{mesh_name}: route {route} of missing router {router}"
                ));
            }
            for t in route_targets(&entry.spec) {
                if !mesh.virtual_nodes.contains_key(&t.virtual_node) {
                    found.push(format!(
                        "{mesh_name}: route {route} targets missing {}",
                        t.virtual_node
                    ));
                }
            }
        }
        for (service, entry) in &mesh.virtual_services {
            let Some(p) = &entry.spec.provider else {
                continue;
            };
            if let Some(n) = &p.virtual_node
                && !mesh.virtual_nodes.contains_key(&n.virtual_node_name)
            {
                found.push(format!(
                    "{mesh_name}: service {service} provided by missing node"
                ));
            }
            if let Some(r) = &p.virtual_router
                && !mesh.virtual_routers.contains_key(&r.virtual_router_name)
            {
                found.push(format!(
                    "{mesh_name}: service {service} provided by missing router"
                ));
            }
        }
        for ((gateway, route), entry) in &mesh.gateway_routes {
            if !mesh.virtual_gateways.contains_key(gateway) {
                found.push(format!(
                    "{mesh_name}: gateway route {route} of missing gateway"
                ));
            }
            if gateway_route_target(&entry.spec)
                .is_some_and(|s| !mesh.virtual_services.contains_key(s))
            {
                found.push(format!(
                    "{mesh_name}: gateway route {route} targets a missing service"
                ));
            }
        }
    }
    found
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_sequences_keep_the_store_consistent(ops in proptest::collection::vec(operation(), 1..60)) {
        let app = AppMesh::new(Limits::default(), Default::default(), |_| {});
        let scope = AccountRegion::new("000000000000", "us-east-1");
        for (op, input) in ops {
            let request = Request::decode(op, input).expect("generated inputs decode");
            prop_assert!(request.violations().is_empty(), "{op}: {}", request.violations());
            let before = app.state();
            match app.call(&scope, request) {
                Ok(body) => {
                    prop_assert!(serde_json::from_slice::<Value>(&body).is_ok());
                }
                Err(_) => prop_assert_eq!(&*before, &*app.state(), "{} failed but changed the state", op),
            }
            let dangling = dangling_references(&app.state());
            prop_assert!(dangling.is_empty(), "after {}: {:?}", op, dangling);
        }
    }
}

/// What a response says, without what differs from run to run (uids, timestamps).
fn outcome(result: Result<Vec<u8>, meshwalk::emulator::appmesh::error::AppMeshError>) -> String {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(members) => {
                for volatile in ["uid", "createdAt", "lastUpdatedAt"] {
                    members.remove(volatile);
                }
                members.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    match result {
        Ok(body) => {
            let mut value: Value = serde_json::from_slice(&body).unwrap();
            strip(&mut value);
            value.to_string()
        }
        Err(e) => e.code().to_string(),
    }
}

/// An account's App Mesh state in a Region, as lines, without uids and timestamps.
fn shape(state: &AppMeshState, scope: &AccountRegion) -> Vec<String> {
    let Some(region) = state.scopes.get(scope) else {
        return vec![];
    };
    let mut lines = Vec::new();
    for (name, mesh) in &region.meshes {
        let e = &mesh.mesh;
        lines.push(format!(
            "mesh {name} {:?} {:?} v{}",
            e.spec, e.tags, e.metadata.version
        ));
        for (n, e) in &mesh.virtual_nodes {
            lines.push(format!(
                "node {n} {:?} {:?} v{}",
                e.spec, e.tags, e.metadata.version
            ));
        }
        for (n, e) in &mesh.virtual_routers {
            lines.push(format!("router {n} {:?} v{}", e.spec, e.metadata.version));
        }
        for (n, e) in &mesh.routes {
            lines.push(format!("route {n:?} {:?} v{}", e.spec, e.metadata.version));
        }
        for (n, e) in &mesh.virtual_services {
            lines.push(format!("service {n} {:?} v{}", e.spec, e.metadata.version));
        }
        for (n, e) in &mesh.virtual_gateways {
            lines.push(format!("gateway {n} {:?} v{}", e.spec, e.metadata.version));
        }
        for (n, e) in &mesh.gateway_routes {
            lines.push(format!(
                "gateway route {n:?} {:?} v{}",
                e.spec, e.metadata.version
            ));
        }
    }
    lines
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Two accounts using the same names at once: each account's answers and final state are
    /// what they would be if it were alone in the cloud.
    #[test]
    fn interleaved_accounts_each_end_as_if_alone(
        ops in proptest::collection::vec((any::<bool>(), operation()), 1..80)
    ) {
        let scopes = [
            AccountRegion::new("111111111111", "us-east-1"),
            AccountRegion::new("222222222222", "us-east-1"),
        ];
        let shared = AppMesh::new(Limits::default(), Default::default(), |_| {});
        let alone = [
            AppMesh::new(Limits::default(), Default::default(), |_| {}),
            AppMesh::new(Limits::default(), Default::default(), |_| {}),
        ];
        for (second, (op, input)) in ops {
            let who = usize::from(second);
            let decode = || Request::decode(op, input.clone()).expect("generated inputs decode");
            let together = outcome(shared.call(&scopes[who], decode()));
            let by_itself = outcome(alone[who].call(&scopes[who], decode()));
            prop_assert_eq!(together, by_itself, "{} by account {}", op, who);
        }
        for who in 0..2 {
            prop_assert_eq!(
                shape(&shared.state(), &scopes[who]),
                shape(&alone[who].state(), &scopes[who])
            );
        }
    }
}
