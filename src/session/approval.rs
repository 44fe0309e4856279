//! A blue/green deployment waiting at a PAUSE lifecycle hook, as a deployment step with a
//! `test_header` meets it: the step waits for the pause, sends test traffic (with the header)
//! and production traffic (without) through the requester so that both are seen, then the
//! deployment is answered with ContinueServiceDeployment: CONTINUE lets production through,
//! ROLLBACK returns to blue. Who answers is the session's [`Approval`]: `meshwalk run
//! --approve` / `--reject`, a question on the terminal, or someone else (the terminal UI's
//! key, another shell).

use std::time::{Duration, Instant};

use aws_sdk_ecs::types::{
    DeploymentLifecycleHookAction as HookAction, DeploymentLifecycleHookStatus as HookStatus,
    ServiceDeployment,
};
use axum::http::{HeaderName, HeaderValue, Uri};

use super::deployment_watch::{PATIENCE, current_deployment, describe, has_ended, is_under_way};
use crate::api::describe_error;
use crate::load::stats::Summary;
pub use crate::load::traffic::parse_header;
use crate::load::traffic::{Traffic, TrafficConfig};

/// How often the deployment is described while waiting for its pause or its answer.
const POLL: Duration = Duration::from_millis(100);
/// Requests sent each way (test, production) to show where they go, for the step's report.
pub const SAMPLE_REQUESTS: u32 = 100;
/// While the pause waits for someone else's answer, a smaller sample each way this often, so
/// that the traffic pane shows the test traffic live.
pub const RESAMPLE: Duration = Duration::from_secs(2);
pub const RESAMPLE_REQUESTS: u32 = 40;

/// Who answers a deployment paused at a hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Approval {
    /// Someone else answers (the terminal UI's `A` or `R` key, another shell): the step waits.
    #[default]
    Elsewhere,
    /// `meshwalk run --approve`: CONTINUE.
    Approve,
    /// `meshwalk run --reject`: ROLLBACK.
    Reject,
    /// `meshwalk run` on a terminal: ask there.
    Ask,
    /// `meshwalk run` with no terminal and no flag: nobody can answer; the step fails, saying
    /// which flag to pass.
    Nobody,
}

/// A deployment waiting at a PAUSE hook.
#[derive(Debug, Clone, PartialEq)]
pub struct Paused {
    pub arn: String,
    pub hook_id: String,
    /// The lifecycle stage it waits at (`POST_TEST_TRAFFIC_SHIFT`).
    pub stage: String,
}

/// The hook of `d` that awaits an answer, if any.
pub fn awaiting_hook(d: &ServiceDeployment) -> Option<String> {
    d.lifecycle_hook_details()
        .iter()
        .find(|h| h.status() == Some(&HookStatus::AwaitingAction))
        .and_then(|h| h.hook_id().map(str::to_string))
}

/// Waits until `service`'s current deployment pauses at a hook; None when it ends first.
pub async fn wait_for_pause(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    service: &str,
) -> Result<Option<Paused>, String> {
    let arn = current_deployment(ecs, cluster, service).await?;
    let deadline = Instant::now() + PATIENCE;
    loop {
        let d = describe(ecs, &arn).await?;
        if let Some(hook_id) = awaiting_hook(&d) {
            let stage = d.lifecycle_stage().map_or("", |s| s.as_str()).to_string();
            return Ok(Some(Paused {
                arn,
                hook_id,
                stage,
            }));
        }
        if d.status().is_some_and(has_ended) {
            return Ok(None);
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "the deployment of {service} did not pause at a lifecycle hook in {} minutes",
                PATIENCE.as_secs() / 60
            ));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Where a paused blue/green deployment's traffic went, in one sample each way through the
/// requester: with the test header, and without it (production).
#[derive(Debug, Clone, PartialEq)]
pub struct TestTraffic {
    /// The deployment paused at its hook.
    pub arn: String,
    /// `NAME:VALUE`, as the step gives it.
    pub header: String,
    pub test: Summary,
    pub production: Summary,
}

/// Where `requests` requests go now through the requester at `uri`, each way: with the test
/// header `header` (`NAME:VALUE`), and without it, while deployment `arn` is paused.
pub async fn sample_test_traffic(
    uri: Uri,
    arn: &str,
    header: &str,
    requests: u32,
) -> Result<TestTraffic, String> {
    let parsed = parse_header(header)?;
    let send = |headers: Vec<(HeaderName, HeaderValue)>| {
        let mut config = TrafficConfig::new(uri.clone());
        config.rps = 400.0;
        config.max_in_flight = super::SAMPLE_IN_FLIGHT;
        config.wait_when_full = true;
        config.duration = Some(Duration::from_secs_f64(f64::from(requests) / config.rps));
        config.headers = headers;
        // Nobody reads the samples: only the totals count.
        let (tx, _samples) = tokio::sync::mpsc::channel(1);
        async move { Traffic::start(config, tx).finished().await }
    };
    let (test, production) = tokio::join!(send(vec![parsed]), send(vec![]));
    Ok(TestTraffic {
        arn: arn.to_string(),
        header: header.to_string(),
        test,
        production,
    })
}

/// The answer `approval` gives `paused`: an action to send, None when someone else answers.
pub async fn decide(approval: Approval, paused: &Paused) -> Result<Option<HookAction>, String> {
    match approval {
        Approval::Approve => Ok(Some(HookAction::Continue)),
        Approval::Reject => Ok(Some(HookAction::Rollback)),
        Approval::Elsewhere => Ok(None),
        Approval::Nobody => Err(format!(
            "the deployment waits at its PAUSE hook ({}, {}): run again with --approve \
             (ContinueServiceDeployment CONTINUE) or --reject (ROLLBACK), or on a terminal",
            paused.stage, paused.hook_id
        )),
        Approval::Ask => {
            let question = format!(
                "The deployment waits at {} (hook {}). Let production through? [y = CONTINUE, n = ROLLBACK] ",
                paused.stage, paused.hook_id
            );
            let answer = tokio::task::spawn_blocking(move || {
                use std::io::Write;
                let mut err = std::io::stderr();
                let _ = write!(err, "{question}");
                let _ = err.flush();
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).map(|_| line)
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| format!("reading the answer: {e}"))?;
            let yes = matches!(answer.trim().to_lowercase().as_str(), "y" | "yes");
            Ok(Some(if yes {
                HookAction::Continue
            } else {
                HookAction::Rollback
            }))
        }
    }
}

/// ContinueServiceDeployment on the paused hook.
pub async fn answer(
    ecs: &aws_sdk_ecs::Client,
    paused: &Paused,
    action: HookAction,
) -> Result<(), String> {
    ecs.continue_service_deployment()
        .service_deployment_arn(&paused.arn)
        .hook_id(&paused.hook_id)
        .action(action)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| format!("ContinueServiceDeployment: {}", describe_error(&e)))
}

/// Waits until someone else answered the hook (or rolled the deployment back).
pub async fn wait_answered(ecs: &aws_sdk_ecs::Client, paused: &Paused) -> Result<(), String> {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let d = describe(ecs, &paused.arn).await?;
        let going_on = d.status().is_some_and(is_under_way);
        if awaiting_hook(&d).as_deref() != Some(paused.hook_id.as_str()) || !going_on {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "nobody answered the PAUSE hook {} in {} minutes",
                paused.hook_id,
                PATIENCE.as_secs() / 60
            ));
        }
        tokio::time::sleep(POLL).await;
    }
}

/// The terminal UI's `A`: ContinueServiceDeployment CONTINUE on the hook deployment `arn`
/// waits at. Says what happened, for a toast.
pub async fn approve_paused(ecs: &aws_sdk_ecs::Client, arn: &str) -> String {
    let d = match describe(ecs, arn).await {
        Ok(d) => d,
        Err(e) => return e,
    };
    let Some(hook_id) = awaiting_hook(&d) else {
        return "the deployment waits at no lifecycle hook".into();
    };
    let paused = Paused {
        arn: arn.to_string(),
        hook_id,
        stage: d.lifecycle_stage().map_or("", |s| s.as_str()).to_string(),
    };
    match answer(ecs, &paused, HookAction::Continue).await {
        Ok(()) => format!(
            "approved: ContinueServiceDeployment CONTINUE at {}",
            paused.stage
        ),
        Err(e) => e,
    }
}
