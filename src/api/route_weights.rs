//! Reading and moving an App Mesh route's weights, as the weight keys and the canary autopilot
//! do: DescribeRoute for the route as it is, then UpdateRoute with the same spec and only the
//! weighted targets changed — a retry policy, a timeout or a match someone set stays as it was.

use serde_json::{Value, json};

use super::call::{CallRequest, send, send_json};
use super::capture::Exchange;
use super::error::CallError;
use super::target::Target;
use crate::model::appmesh;

/// Which route: its mesh, virtual router and name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteName {
    pub mesh: String,
    pub router: String,
    pub route: String,
}

/// A route's weighted targets in order: (virtual node, weight).
pub type WeightedTargets = Vec<(String, i32)>;

const TARGETS: &str = "/route/spec/httpRoute/action/weightedTargets";

/// The route's spec as it is now.
async fn describe(target: &Target, name: &RouteName) -> Result<Value, CallError> {
    let input = json!({
        "meshName": name.mesh,
        "virtualRouterName": name.router,
        "routeName": name.route,
    });
    let request = appmesh::Action::DescribeRoute
        .decode(input)
        .map_err(|e| CallError::input(&e.to_string()))?;
    send_json(target, CallRequest::AppMesh(request)).await
}

/// The route's weighted targets, in the order the route lists them.
pub async fn read(target: &Target, name: &RouteName) -> Result<WeightedTargets, CallError> {
    let route = describe(target, name).await?;
    targets_of(&route).ok_or_else(|| CallError::input("the route is not a weighted HTTP route"))
}

fn targets_of(route: &Value) -> Option<WeightedTargets> {
    let targets = route.pointer(TARGETS)?.as_array()?;
    targets
        .iter()
        .map(|t| {
            let node = t.get("virtualNode")?.as_str()?.to_string();
            let weight = i32::try_from(t.get("weight")?.as_i64()?).ok()?;
            Some((node, weight))
        })
        .collect()
}

/// Sets the weights (one per target, in the route's order of `weights`), keeping the rest of
/// the route's spec. Returns the UpdateRoute exchange (None when DescribeRoute failed first).
pub async fn set(
    target: &Target,
    name: &RouteName,
    weights: &[(String, i32)],
) -> (Result<(), CallError>, Option<Exchange>) {
    let route = match describe(target, name).await {
        Ok(route) => route,
        Err(e) => return (Err(e), None),
    };
    let Some(mut spec) = route.pointer("/route/spec").cloned() else {
        return (
            Err(CallError::input("DescribeRoute returned no spec")),
            None,
        );
    };
    let Some(targets) = spec.pointer_mut("/httpRoute/action/weightedTargets") else {
        return (
            Err(CallError::input("the route is not a weighted HTTP route")),
            None,
        );
    };
    *targets = Value::Array(
        weights
            .iter()
            .map(|(node, weight)| json!({"virtualNode": node, "weight": weight}))
            .collect(),
    );
    let input = json!({
        "meshName": name.mesh,
        "virtualRouterName": name.router,
        "routeName": name.route,
        "spec": spec,
    });
    let request = match appmesh::Action::UpdateRoute.decode(input) {
        Ok(request) => request,
        Err(e) => return (Err(CallError::input(&e.to_string())), None),
    };
    let (result, exchange) = send(target, CallRequest::AppMesh(request)).await;
    (result, Some(exchange))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_read_in_the_route_order() {
        let route = json!({"route": {"spec": {"httpRoute": {"action": {"weightedTargets": [
            {"virtualNode": "distributorV1", "weight": 90},
            {"virtualNode": "distributorV2", "weight": 10}
        ]}}}}});
        assert_eq!(
            targets_of(&route),
            Some(vec![
                ("distributorV1".to_string(), 90),
                ("distributorV2".to_string(), 10)
            ])
        );
        assert_eq!(
            targets_of(&json!({"route": {"spec": {"tcpRoute": {}}}})),
            None
        );
    }
}
