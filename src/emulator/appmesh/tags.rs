//! TagResource, UntagResource and ListTagsForResource: tags of any App Mesh resource by ARN.

use crate::model::appmesh::*;

use super::error::{AppMeshError, Result};
use super::store::{AppMeshState, Ctx, ResourcePath, page};
use crate::emulator::account_region::AccountRegion;

/// `existing` with `added` applied: a key that is already there takes the new value.
pub fn merged(mut existing: Vec<TagRef>, added: Vec<TagRef>) -> Vec<TagRef> {
    for tag in added {
        match existing.iter_mut().find(|t| t.key == tag.key) {
            Some(t) => t.value = tag.value,
            None => existing.push(tag),
        }
    }
    existing
}

/// The region and resource an ARN names, if it is an App Mesh ARN of this account.
fn locate(cx: &Ctx, arn: &str) -> Result<(String, ResourcePath)> {
    let (region, account, path) = ResourcePath::parse_arn(arn).ok_or_else(|| {
        AppMeshError::BadRequest(format!(
            "resourceArn: '{arn}' is not an App Mesh resource ARN."
        ))
    })?;
    if account != cx.account {
        return Err(not_found(arn));
    }
    Ok((region, path))
}

fn not_found(arn: &str) -> AppMeshError {
    AppMeshError::NotFound(format!("No App Mesh resource has the ARN '{arn}'."))
}

fn tags_mut<'a>(cx: &Ctx, state: &'a mut AppMeshState, arn: &str) -> Result<&'a mut Vec<TagRef>> {
    let (region, path) = locate(cx, arn)?;
    let mesh = state
        .scopes
        .get_mut(&AccountRegion::new(cx.account.as_str(), region))
        .and_then(|r| r.meshes.get_mut(path.mesh()));
    mesh.and_then(|m| m.tags_mut(&path))
        .ok_or_else(|| not_found(arn))
}

pub fn tag_resource(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: TagResourceInput,
) -> Result<TagResourceOutput> {
    let max = cx.limits.tags;
    let tags = tags_mut(cx, state, &input.resource_arn)?;
    let next = merged(tags.clone(), input.tags);
    if next.len() > max {
        return Err(AppMeshError::TooManyTags(format!(
            "A resource may have at most {max} tags; this request would leave {}.",
            next.len()
        )));
    }
    *tags = next;
    Ok(TagResourceOutput {})
}

pub fn untag_resource(
    cx: &Ctx,
    state: &mut AppMeshState,
    input: UntagResourceInput,
) -> Result<UntagResourceOutput> {
    let tags = tags_mut(cx, state, &input.resource_arn)?;
    tags.retain(|t| !input.tag_keys.contains(&t.key));
    Ok(UntagResourceOutput {})
}

pub fn list_tags_for_resource(
    cx: &Ctx,
    state: &AppMeshState,
    input: ListTagsForResourceInput,
) -> Result<ListTagsForResourceOutput> {
    let (region, path) = locate(cx, &input.resource_arn)?;
    let mesh = state
        .scopes
        .get(&AccountRegion::new(cx.account.as_str(), region))
        .and_then(|r| r.meshes.get(path.mesh()));
    let mut tags = mesh
        .and_then(|m| m.tags(&path))
        .ok_or_else(|| not_found(&input.resource_arn))?
        .clone();
    tags.sort_by(|a, b| a.key.cmp(&b.key));
    let items = tags.iter().map(|t| (t.key.as_str(), t.clone()));
    let (tags, next_token) = page(items, input.limit, input.next_token.as_deref())?;
    Ok(ListTagsForResourceOutput { tags, next_token })
}
