//! Following an ECS service deployment to its end while traffic flows through the requester:
//! for each stage the deployment goes through, the share of traffic it configures for each
//! revision beside the share the requester observed. What chapter 2's deployment steps show
//! headless (`meshwalk run`); the terminal UI shows the same live.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use aws_sdk_ecs::types::ServiceDeployment;

use crate::api::describe_error;
use crate::load::stats::{Summary, Tally};
use crate::load::traffic::{Traffic, TrafficConfig};

/// How long a deployment is followed at most (the wall clock: at clock ×1 a canary with a
/// 1-minute bake and a 1-minute deployment bake ends in about 3 minutes).
pub const PATIENCE: Duration = Duration::from_secs(20 * 60);
/// How often the deployment is described.
const POLL: Duration = Duration::from_millis(250);
/// The requests per second sent through the requester meanwhile.
const RPS: f64 = 100.0;

/// The statuses a service deployment ends in (the model's `ServiceDeploymentStatus`).
pub const FINAL_STATUSES: [&str; 4] = [
    "SUCCESSFUL",
    "STOPPED",
    "ROLLBACK_SUCCESSFUL",
    "ROLLBACK_FAILED",
];

/// `(family:revision, percent)`, the target first.
pub type Split = Vec<(String, f64)>;

/// One stretch of the deployment with the same lifecycle stage and configured split.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// The model's lifecycle stage (`BAKE_TIME`, `PRODUCTION_TRAFFIC_SHIFT`, ...).
    pub name: String,
    /// `(family:revision, percent)` as the deployment requests it, the target first.
    pub configured: Vec<(String, f64)>,
    /// What the requester saw meanwhile.
    pub observed: Summary,
}

/// How a followed deployment went.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentReport {
    pub service: String,
    pub status: String,
    pub status_reason: Option<String>,
    /// Where the deployment goes (`family:revision`) and where it comes from.
    pub target: String,
    pub source: Option<String>,
    pub stages: Vec<Stage>,
}

impl DeploymentReport {
    /// One line: the status, then each stage's observed share of the target revision.
    pub fn label(&self) -> String {
        let mut out = format!("{} {}", self.status, self.target);
        if let Some(source) = &self.source {
            let _ = write!(out, " (from {source})");
        }
        let stages: Vec<String> = self
            .stages
            .iter()
            .filter(|s| s.observed.requests > 0)
            .map(|s| {
                let want = s
                    .configured
                    .iter()
                    .find(|(r, _)| *r == self.target)
                    .map_or(0.0, |(_, p)| *p);
                let seen = s
                    .observed
                    .versions
                    .get(&self.target)
                    .map_or(0.0, |v| v.share);
                format!(
                    "{} {want:.0}% → {:.0}% seen",
                    s.name.to_lowercase().replace('_', " "),
                    seen * 100.0
                )
            })
            .collect();
        if !stages.is_empty() {
            let _ = write!(out, ": {}", stages.join(", "));
        }
        out
    }
}

/// What one look at the deployment found.
#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    pub arn: String,
    pub status: String,
    /// ROLLING, CANARY or LINEAR.
    pub strategy: String,
    pub stage: String,
    /// `(family:revision, percent)`, the target first.
    pub configured: Vec<(String, f64)>,
    pub target: String,
    pub source: Option<String>,
    pub status_reason: Option<String>,
    /// The bake the stage waits through, in the API's minutes, if it is one.
    pub bake_minutes: Option<f64>,
}

/// Follows `service`'s current deployment in `cluster` until it ends, sending traffic through
/// the requester at `requester_url` meanwhile.
pub async fn follow(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    service: &str,
    requester_url: axum::http::Uri,
) -> Result<DeploymentReport, String> {
    let mut config = TrafficConfig::new(requester_url);
    config.rps = RPS;
    let (tx, samples) = tokio::sync::mpsc::channel(64);
    let traffic = Traffic::start(config, tx);
    let report = follow_with(ecs, cluster, service, Some(samples), |_| {}).await;
    drop(traffic);
    report
}

/// Follows the deployment, telling `on_poll` what each look found; the samples (of traffic
/// someone else drives), when given, are tallied per stage.
pub async fn follow_with(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    service: &str,
    mut samples: Option<tokio::sync::mpsc::Receiver<crate::load::traffic::Sample>>,
    mut on_poll: impl FnMut(&Poll),
) -> Result<DeploymentReport, String> {
    let arn = current_deployment(ecs, cluster, service).await?;
    let mut names = RevisionNames::default();
    let deadline = Instant::now() + PATIENCE;
    // (stage, configured split, what was observed meanwhile)
    let mut stages: Vec<(String, Split, Tally)> = Vec::new();
    let mut poll = tokio::time::interval(POLL);
    let last = loop {
        tokio::select! {
            Some(sample) = async { samples.as_mut()?.recv().await }, if samples.is_some() => {
                if let Some((_, _, tally)) = stages.last_mut() {
                    tally.merge(&sample.last);
                }
            }
            _ = poll.tick() => {
                let d = describe(ecs, &arn).await?;
                let seen = names.poll(ecs, &arn, &d).await;
                on_poll(&seen);
                if stages.last().is_none_or(|(s, c, _)| *s != seen.stage || *c != seen.configured) {
                    stages.push((seen.stage.clone(), seen.configured.clone(), Tally::new()));
                }
                if FINAL_STATUSES.contains(&seen.status.as_str()) {
                    break seen;
                }
                if Instant::now() >= deadline {
                    return Err(format!(
                        "the deployment of {service} is still {} after {} minutes",
                        seen.status,
                        PATIENCE.as_secs() / 60
                    ));
                }
            }
        }
    };
    Ok(DeploymentReport {
        service: service.to_string(),
        status: last.status,
        status_reason: last.status_reason,
        target: last.target,
        source: last.source,
        stages: stages
            .into_iter()
            .map(|(name, configured, tally)| Stage {
                name,
                configured,
                observed: tally.summary(Duration::ZERO),
            })
            .collect(),
    })
}

/// The bake a deployment waits through in `stage` with the target at `target_percent`, in
/// the API's minutes: the canary's, a linear step's, or the one after all traffic moved.
pub fn bake_minutes(
    config: Option<&aws_sdk_ecs::types::DeploymentConfiguration>,
    stage: &str,
    target_percent: f64,
) -> Option<f64> {
    let config = config?;
    let minutes = match (config.strategy().map(|s| s.as_str()), stage) {
        (_, "BAKE_TIME") => config.bake_time_in_minutes(),
        (Some("CANARY"), "PRODUCTION_TRAFFIC_SHIFT") if target_percent < 100.0 => config
            .canary_configuration()
            .and_then(|c| c.canary_bake_time_in_minutes()),
        (Some("LINEAR"), "PRODUCTION_TRAFFIC_SHIFT") if target_percent < 100.0 => config
            .linear_configuration()
            .and_then(|c| c.step_bake_time_in_minutes()),
        _ => None,
    }?;
    Some(f64::from(minutes))
}

/// The ARN of the service's current deployment.
pub async fn current_deployment(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    service: &str,
) -> Result<String, String> {
    let out = ecs
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .map_err(|e| format!("DescribeServices: {}", describe_error(&e)))?;
    let Some(s) = out.services().first() else {
        return Err(format!(
            "there is no service {service} in cluster {cluster}"
        ));
    };
    s.current_service_deployment()
        .map(str::to_string)
        .ok_or_else(|| format!("service {service} has no deployment to follow"))
}

pub async fn describe(ecs: &aws_sdk_ecs::Client, arn: &str) -> Result<ServiceDeployment, String> {
    let out = ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .send()
        .await
        .map_err(|e| format!("DescribeServiceDeployments: {}", describe_error(&e)))?;
    out.service_deployments()
        .first()
        .cloned()
        .ok_or_else(|| format!("DescribeServiceDeployments does not know {arn}"))
}

/// Service revision ARN → the task definition's `family:revision`, asked once per revision.
#[derive(Debug, Default)]
pub struct RevisionNames(BTreeMap<String, String>);

impl RevisionNames {
    /// What a look at deployment `d` (whose ARN is `arn`) found, revisions by name.
    pub async fn poll(
        &mut self,
        ecs: &aws_sdk_ecs::Client,
        arn: &str,
        d: &ServiceDeployment,
    ) -> Poll {
        let configured = self.configured(ecs, d).await;
        let stage = d
            .lifecycle_stage()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        let target_percent = configured.first().map_or(0.0, |(_, p)| *p);
        Poll {
            arn: arn.to_string(),
            status: d
                .status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            bake_minutes: bake_minutes(d.deployment_configuration(), &stage, target_percent),
            strategy: d
                .deployment_configuration()
                .and_then(|c| c.strategy())
                .map_or("ROLLING".into(), |s| s.as_str().to_string()),
            stage,
            configured,
            target: d
                .target_service_revision()
                .and_then(|r| r.arn())
                .map(|a| self.known(a))
                .unwrap_or_default(),
            source: d
                .source_service_revisions()
                .first()
                .and_then(|r| r.arn())
                .map(|a| self.known(a)),
            status_reason: d.status_reason().map(str::to_string),
        }
    }

    /// `(family:revision, requested production traffic %)` of the target, then the sources.
    async fn configured(
        &mut self,
        ecs: &aws_sdk_ecs::Client,
        d: &ServiceDeployment,
    ) -> Vec<(String, f64)> {
        let revisions = d
            .target_service_revision()
            .map(|t| (t.arn(), t.requested_production_traffic_weight()))
            .into_iter()
            .chain(
                d.source_service_revisions()
                    .iter()
                    .map(|s| (s.arn(), s.requested_production_traffic_weight())),
            )
            .filter_map(|(arn, weight)| Some((arn?.to_string(), weight)))
            .collect::<Vec<_>>();
        let unknown: Vec<&String> = revisions
            .iter()
            .map(|(a, _)| a)
            .filter(|a| !self.0.contains_key(*a))
            .collect();
        if !unknown.is_empty() {
            let mut call = ecs.describe_service_revisions();
            for arn in unknown {
                call = call.service_revision_arns(arn);
            }
            if let Ok(out) = call.send().await {
                for r in out.service_revisions() {
                    if let (Some(arn), Some(td)) = (r.service_revision_arn(), r.task_definition()) {
                        self.0.insert(arn.to_string(), family_revision(td));
                    }
                }
            }
        }
        revisions
            .into_iter()
            .map(|(arn, weight)| (self.known(&arn), weight.unwrap_or(0.0)))
            .collect()
    }

    /// The revision's `family:revision`, or its ARN when it could not be described.
    pub fn known(&self, arn: &str) -> String {
        self.0.get(arn).cloned().unwrap_or_else(|| arn.to_string())
    }
}

/// `arn:aws:ecs:REGION:ACCOUNT:task-definition/family:3` → `family:3`.
pub fn family_revision(task_definition_arn: &str) -> String {
    task_definition_arn
        .rsplit_once('/')
        .map_or(task_definition_arn, |(_, r)| r)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_definition_arn_reads_as_family_and_revision() {
        assert_eq!(
            family_revision("arn:aws:ecs:us-east-1:000000000000:task-definition/sc-distributor:2"),
            "sc-distributor:2"
        );
        assert_eq!(family_revision("sc-distributor:2"), "sc-distributor:2");
    }
}
