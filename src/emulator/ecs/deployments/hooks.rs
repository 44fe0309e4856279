//! Deployment lifecycle hooks (deploymentConfiguration.lifecycleHooks): which ones CreateService
//! and UpdateService accept, how a PAUSE hook holds its deployment at a stage until
//! ContinueServiceDeployment or its timeout, and what those decide.
//!
//! As the developer guide's "Pause hooks for Amazon ECS service deployments" has it: at a stage
//! with a PAUSE hook ECS makes a hookId, lists the hook in lifecycleHookDetails as
//! AWAITING_ACTION with its expiresAt and timeoutAction, and waits for ContinueServiceDeployment
//! (CONTINUE or ROLLBACK) or the timeout (default 1440 minutes, then ROLLBACK). AWS_LAMBDA hooks
//! need a Lambda function, which the embedded cloud does not have: they are refused.

use base64::Engine;

use crate::model::ecs::*;

use super::super::error::{EcsError, Result};
use super::super::scheduler::earliest;
use super::super::status::{
    DeploymentStrategy, HasStatus, HookAction, HookStatus, HookTarget, WireEnum,
};
use super::super::store::Ctx;
use super::ServiceDeploymentRecord;

const MINUTE: f64 = 60.0;
/// The model's documented defaults of DeploymentLifecycleHookTimeoutConfiguration.
const DEFAULT_TIMEOUT_MINUTES: i32 = 1440;
const DEFAULT_TIMEOUT_ACTION: HookAction = HookAction::Rollback;
/// The stages a hook may name (DeploymentLifecycleHookStage); the model's doc: "PAUSE hooks
/// cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages".
const LAMBDA_ONLY_STAGES: [&str; 2] = ["TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT"];

/// The hooks of a deploymentConfiguration, checked as the model and developer guide document
/// them.
pub(super) fn check_hooks(
    strategy: DeploymentStrategy,
    hooks: &[DeploymentLifecycleHook],
) -> Result<()> {
    if !hooks.is_empty() && strategy == DeploymentStrategy::Rolling {
        return Err(EcsError::invalid_parameter(
            "deploymentConfiguration.lifecycleHooks: lifecycle hooks run at the stages of BLUE_GREEN, LINEAR and CANARY deployments; a ROLLING deployment has none.",
        ));
    }
    for (i, hook) in hooks.iter().enumerate() {
        check_hook(i, hook)?;
    }
    Ok(())
}

fn check_hook(i: usize, hook: &DeploymentLifecycleHook) -> Result<()> {
    let at = format!("deploymentConfiguration.lifecycleHooks[{i}]");
    // "If not specified, the default value is AWS_LAMBDA."
    let target = hook.target_type.as_deref().unwrap_or("AWS_LAMBDA");
    match HookTarget::parse(target) {
        Some(HookTarget::Pause) => {}
        Some(HookTarget::AwsLambda) => {
            return Err(EcsError::unsupported_feature(format!(
                "{at}.targetType: AWS_LAMBDA hooks are not supported by the embedded cloud: it has no Lambda to invoke. Use a PAUSE hook (targetType PAUSE) and answer it with ContinueServiceDeployment."
            )));
        }
        None => {
            return Err(EcsError::invalid_parameter(format!(
                "{at}.targetType: '{target}' is not one of AWS_LAMBDA, PAUSE."
            )));
        }
    }
    let stages = hook.lifecycle_stages.as_deref().unwrap_or_default();
    if stages.is_empty() {
        return Err(EcsError::invalid_parameter(format!(
            "{at}.lifecycleStages: you must provide this parameter when configuring a deployment lifecycle hook."
        )));
    }
    if let Some(stage) = stages
        .iter()
        .find(|s| LAMBDA_ONLY_STAGES.contains(&s.as_str()))
    {
        return Err(EcsError::invalid_parameter(format!(
            "{at}.lifecycleStages: {stage}: PAUSE hooks cannot be configured at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT stages. These stages are only valid for AWS_LAMBDA hooks."
        )));
    }
    if hook.hook_target_arn.is_some() {
        return Err(EcsError::invalid_parameter(format!(
            "{at}.hookTargetArn: not applicable for PAUSE hooks."
        )));
    }
    Ok(())
}

/// Where a deployment's hooks at its current stage leave it.
pub(super) enum Hooks {
    /// None is waiting: the deployment may go on.
    Done,
    /// A PAUSE hook awaits ContinueServiceDeployment.
    Waiting,
    /// A hook timed out with ROLLBACK as its timeout action.
    RollBack(String),
}

/// Runs the hooks of `hook_stage` (a DeploymentLifecycleHookStage name): the first time the
/// deployment is there its PAUSE hooks start AWAITING_ACTION (the hooks of the stage before
/// leave lifecycleHookDetails); then a hook past its expiresAt takes its timeout action.
pub(super) fn run(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    hook_stage: &str,
    due: &mut Option<f64>,
) -> Hooks {
    if record.hook_stage.as_deref() != Some(hook_stage) {
        record.hook_stage = Some(hook_stage.to_string());
        let started: Vec<DeploymentLifecycleHookDetail> = pause_hooks_at(record, hook_stage)
            .map(|hook| awaiting(cx, hook))
            .collect();
        record.deployment.lifecycle_hook_details = (!started.is_empty()).then_some(started);
        record.deployment.updated_at = Some(cx.now);
    }
    let mut outcome = Hooks::Done;
    for hook in record
        .deployment
        .lifecycle_hook_details
        .iter_mut()
        .flatten()
    {
        if hook.status() != Some(HookStatus::AwaitingAction) {
            continue;
        }
        let expires_at = hook.expires_at.unwrap_or(f64::MAX);
        if cx.now < expires_at {
            earliest(due, expires_at);
            outcome = Hooks::Waiting;
            continue;
        }
        hook.set_status(HookStatus::TimedOut);
        // The stage lasts its time again from the answer, so a watcher sees how it ended.
        record.stage_since = cx.now;
        record.deployment.updated_at = Some(cx.now);
        if HookAction::of(hook.timeout_action.as_deref()) != Some(HookAction::Continue) {
            return Hooks::RollBack(format!(
                "Service deployment rolled back because lifecycle hook {} timed out.",
                hook.hook_id.as_deref().unwrap_or_default()
            ));
        }
    }
    outcome
}

/// Runs the hooks of `hook_stage` again (a LINEAR or CANARY deployment's next traffic shift
/// step); whether one now waits for an answer.
pub(super) fn restart(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    hook_stage: &str,
    due: &mut Option<f64>,
) -> bool {
    record.hook_stage = None;
    matches!(run(cx, record, hook_stage, due), Hooks::Waiting)
}

/// The PAUSE hooks the deployment's configuration puts at `hook_stage`.
fn pause_hooks_at<'a>(
    record: &'a ServiceDeploymentRecord,
    hook_stage: &'a str,
) -> impl Iterator<Item = &'a DeploymentLifecycleHook> + 'a {
    record
        .deployment
        .deployment_configuration
        .iter()
        .flat_map(|c| c.lifecycle_hooks.iter().flatten())
        .filter(|h| HookTarget::of(h.target_type.as_deref()) == Some(HookTarget::Pause))
        .filter(move |h| h.lifecycle_stages.iter().flatten().any(|s| s == hook_stage))
}

/// A PAUSE hook just reached: a new hookId, AWAITING_ACTION until its timeout.
fn awaiting(cx: &Ctx, hook: &DeploymentLifecycleHook) -> DeploymentLifecycleHookDetail {
    let timeout = hook.timeout_configuration.as_ref();
    let minutes = timeout
        .and_then(|t| t.timeout_in_minutes)
        .unwrap_or(DEFAULT_TIMEOUT_MINUTES);
    let action = timeout
        .and_then(|t| HookAction::of(t.action.as_deref()))
        .unwrap_or(DEFAULT_TIMEOUT_ACTION);
    DeploymentLifecycleHookDetail {
        hook_id: Some(hook_id()),
        target_type: HookTarget::Pause.wire(),
        status: HookStatus::AwaitingAction.wire(),
        expires_at: Some(cx.now + minutes as f64 * MINUTE),
        timeout_action: action.wire(),
        ..DeploymentLifecycleHookDetail::default()
    }
}

/// `ecs-pause-` and 43 URL-safe characters, as the developer guide's example hookId reads.
fn hook_id() -> String {
    let mut bytes = [0u8; 32];
    bytes[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    bytes[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    format!(
        "ecs-pause-{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// ContinueServiceDeployment on `record`'s hook `hook_id`: CONTINUE lets the deployment go on
/// at its next pass; ROLLBACK returns the reason to roll back with. "You can continue a
/// deployment that has a pause hook in AWAITING_ACTION status. The deployment must be in the
/// IN_PROGRESS state."
pub(super) fn answer(
    cx: &Ctx,
    record: &mut ServiceDeploymentRecord,
    hook_id: &str,
    action: HookAction,
) -> Result<Option<String>> {
    let in_progress = record.status() == Some(super::ServiceDeploymentStatus::InProgress);
    let hook = record
        .deployment
        .lifecycle_hook_details
        .iter_mut()
        .flatten()
        .find(|h| h.hook_id.as_deref() == Some(hook_id))
        .ok_or_else(|| {
            EcsError::invalid_parameter(format!(
                "hookId: {hook_id} is not a lifecycle hook of the service deployment's current stage."
            ))
        })?;
    if hook.status() != Some(HookStatus::AwaitingAction) || !in_progress {
        return Err(EcsError::client(format!(
            "The lifecycle hook {hook_id} is {} and cannot be continued: only a hook in AWAITING_ACTION status of an IN_PROGRESS service deployment can.",
            hook.status.as_deref().unwrap_or_default()
        )));
    }
    record.deployment.updated_at = Some(cx.now);
    // The stage lasts its time again from the answer, so a watcher sees how it ended.
    record.stage_since = cx.now;
    match action {
        HookAction::Continue => {
            hook.set_status(HookStatus::Succeeded);
            Ok(None)
        }
        HookAction::Rollback => {
            hook.set_status(HookStatus::Failed);
            Ok(Some(
                "Service deployment rolled back by ContinueServiceDeployment.".into(),
            ))
        }
    }
}
