//! The App Mesh store: typed state per region, the resource paths and ARNs that address it,
//! and the small guards (lookups, pagination, metadata) that every handler shares.

use imbl::OrdMap;

use crate::emulator::account_region::AccountRegion;
use crate::emulator::arn::Arn;
use crate::model::appmesh::{
    GatewayRouteSpec, MeshSpec, ResourceMetadata, RouteSpec, TagRef, VirtualGatewaySpec,
    VirtualNodeSpec, VirtualRouterSpec, VirtualServiceSpec,
};

use super::error::{AppMeshError, Result};

/// The whole App Mesh state: what a snapshot carries. Each account's Regions are separate,
/// as in AWS. The maps are persistent: a change copies only the path to what it changes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AppMeshState {
    pub scopes: OrdMap<AccountRegion, Region>,
}

impl AppMeshState {
    /// The request's account and Region; `None` until something was written there.
    pub fn scope(&self, cx: &Ctx) -> Option<&Region> {
        self.scopes.get(&cx.scope())
    }

    /// Mutable twin of [`AppMeshState::scope`].
    pub fn scope_mut(&mut self, cx: &Ctx) -> Option<&mut Region> {
        self.scopes.get_mut(&cx.scope())
    }

    /// The request's account and Region, created by its first write.
    pub fn scope_or_default(&mut self, cx: &Ctx) -> &mut Region {
        self.scopes.entry(cx.scope()).or_default()
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Region {
    pub meshes: OrdMap<String, Mesh>,
}

/// A mesh and everything in it. Routes and gateway routes are keyed by (parent, name), so a
/// parent's children are one ordered range.
#[derive(Debug, Clone, PartialEq)]
pub struct Mesh {
    pub mesh: Entry<MeshSpec>,
    pub virtual_nodes: OrdMap<String, Entry<VirtualNodeSpec>>,
    pub virtual_routers: OrdMap<String, Entry<VirtualRouterSpec>>,
    pub routes: OrdMap<(String, String), Entry<RouteSpec>>,
    pub virtual_services: OrdMap<String, Entry<VirtualServiceSpec>>,
    pub virtual_gateways: OrdMap<String, Entry<VirtualGatewaySpec>>,
    pub gateway_routes: OrdMap<(String, String), Entry<GatewayRouteSpec>>,
}

/// A stored resource: its spec as last accepted, its metadata and its tags.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<S> {
    pub spec: S,
    pub metadata: ResourceMetadata,
    pub tags: Vec<TagRef>,
}

impl Mesh {
    pub fn new(mesh: Entry<MeshSpec>) -> Mesh {
        Mesh {
            mesh,
            virtual_nodes: OrdMap::new(),
            virtual_routers: OrdMap::new(),
            routes: OrdMap::new(),
            virtual_services: OrdMap::new(),
            virtual_gateways: OrdMap::new(),
            gateway_routes: OrdMap::new(),
        }
    }

    pub fn name(&self) -> &str {
        mesh_name_of(&self.mesh.metadata.arn)
    }

    /// True when the mesh holds no resource at all (only then may it be deleted).
    pub fn is_empty(&self) -> bool {
        self.virtual_nodes.is_empty()
            && self.virtual_routers.is_empty()
            && self.virtual_services.is_empty()
            && self.virtual_gateways.is_empty()
    }

    /// The routes of one virtual router, in name order.
    pub fn routes_of<'a>(
        &'a self,
        router: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Entry<RouteSpec>)> + 'a {
        children(&self.routes, router)
    }

    /// The gateway routes of one virtual gateway, in name order.
    pub fn gateway_routes_of<'a>(
        &'a self,
        gateway: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a Entry<GatewayRouteSpec>)> + 'a {
        children(&self.gateway_routes, gateway)
    }

    /// The tags of the resource at `path` (which must be in this mesh).
    pub fn tags(&self, path: &ResourcePath) -> Option<&Vec<TagRef>> {
        let key = |a: &str, b: &str| (a.to_string(), b.to_string());
        Some(match path {
            ResourcePath::Mesh(_) => &self.mesh.tags,
            ResourcePath::VirtualNode(_, n) => &self.virtual_nodes.get(n)?.tags,
            ResourcePath::VirtualRouter(_, r) => &self.virtual_routers.get(r)?.tags,
            ResourcePath::Route(_, r, x) => &self.routes.get(&key(r, x))?.tags,
            ResourcePath::VirtualService(_, s) => &self.virtual_services.get(s)?.tags,
            ResourcePath::VirtualGateway(_, g) => &self.virtual_gateways.get(g)?.tags,
            ResourcePath::GatewayRoute(_, g, x) => &self.gateway_routes.get(&key(g, x))?.tags,
        })
    }

    /// Mutable twin of [`Mesh::tags`].
    pub fn tags_mut(&mut self, path: &ResourcePath) -> Option<&mut Vec<TagRef>> {
        let key = |a: &str, b: &str| (a.to_string(), b.to_string());
        Some(match path {
            ResourcePath::Mesh(_) => &mut self.mesh.tags,
            ResourcePath::VirtualNode(_, n) => &mut self.virtual_nodes.get_mut(n)?.tags,
            ResourcePath::VirtualRouter(_, r) => &mut self.virtual_routers.get_mut(r)?.tags,
            ResourcePath::Route(_, r, x) => &mut self.routes.get_mut(&key(r, x))?.tags,
            ResourcePath::VirtualService(_, s) => &mut self.virtual_services.get_mut(s)?.tags,
            ResourcePath::VirtualGateway(_, g) => &mut self.virtual_gateways.get_mut(g)?.tags,
            ResourcePath::GatewayRoute(_, g, x) => {
                &mut self.gateway_routes.get_mut(&key(g, x))?.tags
            }
        })
    }
}

fn children<'a, S>(
    map: &'a OrdMap<(String, String), Entry<S>>,
    parent: &'a str,
) -> impl Iterator<Item = (&'a str, &'a Entry<S>)> + 'a {
    map.range((parent.to_string(), String::new())..)
        .take_while(move |((p, _), _)| p == parent)
        .map(|((_, name), entry)| (name.as_str(), entry))
}

/// Addresses one App Mesh resource; renders and parses the resource part of its ARN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourcePath {
    Mesh(String),
    VirtualNode(String, String),
    VirtualRouter(String, String),
    Route(String, String, String),
    VirtualService(String, String),
    VirtualGateway(String, String),
    GatewayRoute(String, String, String),
}

impl ResourcePath {
    pub fn mesh(&self) -> &str {
        match self {
            ResourcePath::Mesh(m)
            | ResourcePath::VirtualNode(m, _)
            | ResourcePath::VirtualRouter(m, _)
            | ResourcePath::Route(m, _, _)
            | ResourcePath::VirtualService(m, _)
            | ResourcePath::VirtualGateway(m, _)
            | ResourcePath::GatewayRoute(m, _, _) => m,
        }
    }

    /// `mesh/NAME/virtualRouter/R/route/X`, as in the ARN.
    pub fn resource(&self) -> String {
        match self {
            ResourcePath::Mesh(m) => format!("mesh/{m}"),
            ResourcePath::VirtualNode(m, n) => format!("mesh/{m}/virtualNode/{n}"),
            ResourcePath::VirtualRouter(m, r) => format!("mesh/{m}/virtualRouter/{r}"),
            ResourcePath::Route(m, r, x) => format!("mesh/{m}/virtualRouter/{r}/route/{x}"),
            ResourcePath::VirtualService(m, s) => format!("mesh/{m}/virtualService/{s}"),
            ResourcePath::VirtualGateway(m, g) => format!("mesh/{m}/virtualGateway/{g}"),
            ResourcePath::GatewayRoute(m, g, x) => {
                format!("mesh/{m}/virtualGateway/{g}/gatewayRoute/{x}")
            }
        }
    }

    pub fn arn(&self, region: &str, account: &str) -> String {
        Arn::aws("appmesh", region, account, &self.resource()).to_string()
    }

    /// Parses an App Mesh ARN into (region, account, path).
    pub fn parse_arn(arn: &str) -> Option<(String, String, ResourcePath)> {
        let Arn {
            region,
            account,
            resource,
            ..
        } = Arn::of_service(arn, "appmesh")?;
        let segments: Vec<String> = resource.split('/').map(str::to_string).collect();
        let path = match segments.as_slice() {
            [k, m] if k == "mesh" => ResourcePath::Mesh(m.clone()),
            [k, m, kind, n] if k == "mesh" => match kind.as_str() {
                "virtualNode" => ResourcePath::VirtualNode(m.clone(), n.clone()),
                "virtualRouter" => ResourcePath::VirtualRouter(m.clone(), n.clone()),
                "virtualService" => ResourcePath::VirtualService(m.clone(), n.clone()),
                "virtualGateway" => ResourcePath::VirtualGateway(m.clone(), n.clone()),
                _ => return None,
            },
            [k, m, parent, p, child, x] if k == "mesh" => match (parent.as_str(), child.as_str()) {
                ("virtualRouter", "route") => ResourcePath::Route(m.clone(), p.clone(), x.clone()),
                ("virtualGateway", "gatewayRoute") => {
                    ResourcePath::GatewayRoute(m.clone(), p.clone(), x.clone())
                }
                _ => return None,
            },
            _ => return None,
        };
        if segments.iter().any(String::is_empty) {
            return None;
        }
        Some((region.to_string(), account.to_string(), path))
    }
}

fn mesh_name_of(arn: &str) -> &str {
    arn.rsplit_once(":mesh/")
        .map(|(_, rest)| rest.split('/').next().unwrap_or(rest))
        .unwrap_or_default()
}

/// Who and where a request acts: the account, the region (from the SigV4 scope) and the
/// documented App Mesh quotas.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub account: String,
    pub region: String,
    pub limits: Limits,
    /// The cloud's clock when the request came (every timestamp a request sets is this one).
    pub now: f64,
}

/// App Mesh's default service quotas (LimitExceededException past them).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub meshes: usize,
    pub virtual_nodes: usize,
    pub virtual_routers: usize,
    pub routes_per_router: usize,
    pub virtual_services: usize,
    pub virtual_gateways: usize,
    pub gateway_routes_per_gateway: usize,
    pub backends_per_node: usize,
    pub tags: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            meshes: 15,
            virtual_nodes: 500,
            virtual_routers: 200,
            routes_per_router: 50,
            virtual_services: 500,
            virtual_gateways: 50,
            gateway_routes_per_gateway: 50,
            backends_per_node: 50,
            tags: 50,
        }
    }
}

impl Ctx {
    pub fn scope(&self) -> AccountRegion {
        AccountRegion::new(self.account.as_str(), self.region.as_str())
    }

    /// Fresh metadata (version 1) for a resource created now.
    pub fn new_metadata(&self, path: &ResourcePath) -> ResourceMetadata {
        let now = self.now;
        ResourceMetadata {
            arn: path.arn(&self.region, &self.account),
            created_at: now,
            last_updated_at: now,
            mesh_owner: self.account.clone(),
            resource_owner: self.account.clone(),
            uid: uuid::Uuid::new_v4().to_string(),
            version: 1,
        }
    }

    /// Fails with NotFoundException when the caller names a mesh owner other than itself: the
    /// embedded cloud shares no mesh between accounts.
    pub fn check_owner(&self, mesh_owner: Option<&String>) -> Result<()> {
        match mesh_owner {
            Some(owner) if owner != &self.account => Err(AppMeshError::NotFound(format!(
                "No mesh is shared with account {} by account {owner}.",
                self.account
            ))),
            _ => Ok(()),
        }
    }
}

/// Records an update: version + 1 and a new lastUpdatedAt.
pub fn touch(cx: &Ctx, metadata: &mut ResourceMetadata) {
    metadata.version += 1;
    metadata.last_updated_at = cx.now.max(metadata.last_updated_at);
}

/// Looks a resource up, or fails with NotFoundException naming it.
pub fn found<T>(item: Option<&T>, what: impl FnOnce() -> String) -> Result<&T> {
    item.ok_or_else(|| AppMeshError::NotFound(format!("{} not found.", what())))
}

/// Mutable twin of [`found`].
pub fn found_mut<T>(item: Option<&mut T>, what: impl FnOnce() -> String) -> Result<&mut T> {
    item.ok_or_else(|| AppMeshError::NotFound(format!("{} not found.", what())))
}

/// One page of a name-ordered listing. The token is opaque to clients (the hex of the next
/// name), so a page boundary stays stable while resources come and go.
pub fn page<'a, T: 'a>(
    items: impl Iterator<Item = (&'a str, T)>,
    limit: Option<i32>,
    next_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>)> {
    let limit = limit.map_or(100, |l| l.max(1) as usize);
    let start = match next_token {
        Some(token) => Some(decode_token(token).ok_or_else(|| {
            AppMeshError::BadRequest(format!("The nextToken '{token}' is not valid."))
        })?),
        None => None,
    };
    let mut out = Vec::new();
    let mut next = None;
    for (name, item) in items {
        if start.as_deref().is_some_and(|s| name < s) {
            continue;
        }
        if out.len() == limit {
            next = Some(encode_token(name));
            break;
        }
        out.push(item);
    }
    Ok((out, next))
}

fn encode_token(name: &str) -> String {
    name.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode_token(token: &str) -> Option<String> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arns_round_trip() {
        let paths = [
            ResourcePath::Mesh("gophermesh".into()),
            ResourcePath::VirtualNode("gophermesh".into(), "distributorV1".into()),
            ResourcePath::Route(
                "gophermesh".into(),
                "distributor".into(),
                "distributor-route".into(),
            ),
            ResourcePath::GatewayRoute("m".into(), "gw".into(), "gr".into()),
            ResourcePath::VirtualService("m".into(), "distributor.gophers.local".into()),
        ];
        for path in paths {
            let arn = path.arn("us-east-1", "000000000000");
            let (region, account, parsed) = ResourcePath::parse_arn(&arn).expect(&arn);
            assert_eq!(
                (region.as_str(), account.as_str()),
                ("us-east-1", "000000000000")
            );
            assert_eq!(parsed, path);
        }
        assert_eq!(
            ResourcePath::Route(
                "gophermesh".into(),
                "distributor".into(),
                "distributor-route".into()
            )
            .arn("us-east-1", "000000000000"),
            "arn:aws:appmesh:us-east-1:000000000000:mesh/gophermesh/virtualRouter/distributor/route/distributor-route"
        );
        assert!(ResourcePath::parse_arn("arn:aws:ecs:us-east-1:0:cluster/x").is_none());
        assert!(
            ResourcePath::parse_arn("arn:aws:appmesh:us-east-1:0:mesh/m/virtualThing/x").is_none()
        );
    }

    #[test]
    fn pages_are_stable_and_tokens_checked() {
        let names = ["a", "b", "c", "d", "e"];
        let items = || names.iter().map(|n| (*n, *n));
        let (first, token) = page(items(), Some(2), None).unwrap();
        assert_eq!(first, ["a", "b"]);
        let (second, token) = page(items(), Some(2), token.as_deref()).unwrap();
        assert_eq!(second, ["c", "d"]);
        let (third, token) = page(items(), Some(2), token.as_deref()).unwrap();
        assert_eq!((third, token), (vec!["e"], None));
        assert!(matches!(
            page(items(), None, Some("zz")),
            Err(AppMeshError::BadRequest(_))
        ));
    }
}
