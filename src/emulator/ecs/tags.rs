//! TagResource, UntagResource, ListTagsForResource for clusters, services, task definitions
//! and tasks, by ARN.

use crate::emulator::arn::Arn;
use crate::model::ecs::*;

use super::error::{EcsError, Result};
use super::status::{ClusterStatus, HasStatus};
use super::store::{Ctx, EcsState};
use crate::emulator::account_region::AccountRegion;

const MAX_TAGS: usize = 50;

fn not_found() -> EcsError {
    EcsError::resource_not_found("The specified resource could not be found.")
}

/// The kind of resource an ECS ARN names.
enum Target<'a> {
    Cluster(&'a str),
    Service(String, String),
    TaskDefinition,
    Task,
}

/// (region, target) of an ECS ARN in this account.
fn parse<'a>(cx: &Ctx, arn: &'a str) -> Result<(&'a str, Target<'a>)> {
    let Some(Arn {
        region,
        account,
        resource,
        ..
    }) = Arn::of_service(arn, "ecs")
    else {
        return Err(EcsError::invalid_parameter(format!(
            "resourceArn: '{arn}' is not an ECS ARN."
        )));
    };
    if account != cx.account {
        return Err(not_found());
    }
    let (kind, rest) = resource.split_once('/').ok_or_else(not_found)?;
    let target = match kind {
        "cluster" => Target::Cluster(rest),
        "service" => {
            let (cluster, name) = rest.split_once('/').ok_or_else(not_found)?;
            Target::Service(cluster.to_string(), name.to_string())
        }
        "task-definition" => Target::TaskDefinition,
        "task" => Target::Task,
        _ => return Err(not_found()),
    };
    Ok((region, target))
}

fn tags_mut<'a>(cx: &Ctx, state: &'a mut EcsState, arn: &str) -> Result<&'a mut Vec<Tag>> {
    let (region, target) = parse(cx, arn)?;
    let region = state
        .scopes
        .get_mut(&AccountRegion::new(cx.account.as_str(), region))
        .ok_or_else(not_found)?;
    let tags = match target {
        Target::Cluster(name) => match region.clusters.get_mut(name) {
            Some(c) if c.status() == Some(ClusterStatus::Inactive) => {
                return Err(EcsError::invalid_parameter(
                    "The specified cluster is inactive. Specify an active cluster and try again.",
                ));
            }
            c => c.and_then(|c| c.tags.as_mut()),
        },
        Target::Service(cluster, name) => region
            .services
            .get_mut(&(cluster, name))
            .and_then(|s| s.tags.as_mut()),
        Target::TaskDefinition => region.task_definition_tags.get_mut(arn),
        Target::Task => region.tasks.get_mut(arn).and_then(|t| t.task.tags.as_mut()),
    };
    tags.ok_or_else(not_found)
}

fn tags<'a>(cx: &Ctx, state: &'a EcsState, arn: &str) -> Result<&'a Vec<Tag>> {
    let (region, target) = parse(cx, arn)?;
    let region = state
        .scopes
        .get(&AccountRegion::new(cx.account.as_str(), region))
        .ok_or_else(not_found)?;
    let tags = match target {
        Target::Cluster(name) => region.clusters.get(name).and_then(|c| c.tags.as_ref()),
        Target::Service(cluster, name) => region
            .services
            .get(&(cluster, name))
            .and_then(|s| s.tags.as_ref()),
        Target::TaskDefinition => region.task_definition_tags.get(arn),
        Target::Task => region.tasks.get(arn).and_then(|t| t.task.tags.as_ref()),
    };
    tags.ok_or_else(not_found)
}

pub fn tag_resource(
    cx: &Ctx,
    state: &mut EcsState,
    input: TagResourceRequest,
) -> Result<TagResourceResponse> {
    let tags = tags_mut(cx, state, &input.resource_arn)?;
    let mut next = tags.clone();
    for tag in input.tags {
        match next.iter_mut().find(|t| t.key == tag.key) {
            Some(t) => t.value = tag.value,
            None => next.push(tag),
        }
    }
    if next.len() > MAX_TAGS {
        return Err(EcsError::invalid_parameter(format!(
            "A resource may have at most {MAX_TAGS} tags; this request would leave {}.",
            next.len()
        )));
    }
    *tags = next;
    Ok(TagResourceResponse {})
}

pub fn untag_resource(
    cx: &Ctx,
    state: &mut EcsState,
    input: UntagResourceRequest,
) -> Result<UntagResourceResponse> {
    let tags = tags_mut(cx, state, &input.resource_arn)?;
    tags.retain(|t| t.key.as_ref().is_none_or(|k| !input.tag_keys.contains(k)));
    Ok(UntagResourceResponse {})
}

pub fn list_tags_for_resource(
    cx: &Ctx,
    state: &EcsState,
    input: ListTagsForResourceRequest,
) -> Result<ListTagsForResourceResponse> {
    let tags = tags(cx, state, &input.resource_arn)?.clone();
    Ok(ListTagsForResourceResponse { tags: Some(tags) })
}
