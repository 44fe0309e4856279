//! The route the presenter's weight keys and the canary autopilot move: the one the
//! walkthrough's CreateRoute step creates, named as that step's input names it (so an edit of
//! the step's JSON moves the keys to the edited route).

use crate::api::route_weights::RouteName;

use super::Session;
use crate::model::appmesh;
use crate::walkthrough::operation::Operation;
use crate::walkthrough::step::StepKind;

/// The walkthrough's weighted route, if it has one and its input can be prepared.
pub fn weighted_route(session: &Session) -> Option<RouteName> {
    let index = session.walkthrough.steps.iter().position(
        |s| matches!(&s.kind, StepKind::Api { call, .. } if call.operation == Operation::AppMesh(appmesh::Action::CreateRoute)),
    )?;
    let route = session.prepare(index)?.ok()?.json;
    let text = |key: &str| Some(route.get(key)?.as_str()?.to_string());
    Some(RouteName {
        mesh: text("meshName")?,
        router: text("virtualRouterName")?,
        route: text("routeName")?,
    })
}
