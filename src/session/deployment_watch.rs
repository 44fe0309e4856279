//! Following an ECS service deployment to its end while traffic flows through the requester:
//! for each stage the deployment goes through, the share of traffic it configures for each
//! revision beside the share the requester observed. What chapter 2's deployment steps show
//! headless (`meshwalk run`); the terminal UI shows the same live.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

use aws_sdk_ecs::types::{
    DeploymentStrategy, ServiceDeployment, ServiceDeploymentLifecycleStage as LifecycleStage,
    ServiceDeploymentStatus as Status,
};

use crate::api::describe_error;
use crate::load::stats::{Summary, Tally};
use crate::load::traffic::{Traffic, TrafficConfig};

/// How long a deployment is followed at most (the wall clock: at clock ×1 a canary with a
/// 1-minute bake and a 1-minute deployment bake ends in about 3 minutes).
pub const PATIENCE: Duration = Duration::from_secs(20 * 60);
/// How often the deployment is described.
const POLL: Duration = Duration::from_millis(250);
/// The requests per second sent through the requester meanwhile.
const RPS: f64 = 200.0;

/// A service deployment in this status has ended.
pub fn has_ended(status: &Status) -> bool {
    matches!(
        status,
        Status::Successful | Status::Stopped | Status::RollbackSuccessful | Status::RollbackFailed
    )
}

/// A service deployment in this status still moves traffic (and can be rolled back).
pub fn is_under_way(status: &Status) -> bool {
    matches!(status, Status::Pending | Status::InProgress)
}

/// A rollback was asked for, runs, or ended.
pub fn is_rollback(status: &Status) -> bool {
    matches!(
        status,
        Status::RollbackRequested
            | Status::RollbackInProgress
            | Status::RollbackSuccessful
            | Status::RollbackFailed
    )
}

/// A lifecycle stage in words (`bake time`), or nothing when none was reported.
pub fn stage_words(stage: Option<&LifecycleStage>) -> String {
    stage.map_or_else(String::new, |s| s.as_str().to_lowercase().replace('_', " "))
}

/// `(family:revision, percent)`, the target first.
pub type Split = Vec<(String, f64)>;

/// One stretch of the deployment with the same lifecycle stage and configured split.
#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    /// The lifecycle stage, when the deployment reported one.
    pub stage: Option<LifecycleStage>,
    /// `(family:revision, percent)` as the deployment requests it, the target first.
    pub configured: Vec<(String, f64)>,
    /// What the requester saw meanwhile.
    pub observed: Summary,
}

/// How a followed deployment went.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentReport {
    pub service: String,
    pub status: Status,
    pub status_reason: Option<String>,
    /// Where the deployment goes (`family:revision`) and where it comes from.
    pub target: String,
    pub source: Option<String>,
    pub stages: Vec<Stage>,
}

impl DeploymentReport {
    /// One line: the status, then each stage's share of the revision that matters — the
    /// target, or after a rollback the source it went back to — configured and observed.
    pub fn label(&self) -> String {
        let mut out = self.headline();
        let focus = self.focus();
        let stages: Vec<String> = self
            .seen()
            .map(|(s, want, seen)| {
                format!(
                    "{} {focus} {}{:.0}% seen",
                    stage_words(s.stage.as_ref()),
                    want.map(|w| format!("{w:.0}% → ")).unwrap_or_default(),
                    seen
                )
            })
            .collect();
        if !stages.is_empty() {
            let _ = write!(out, ": {}", stages.join(", "));
        }
        out
    }
}

impl DeploymentReport {
    /// The status and the revisions: after a rollback, the one traffic went back to first.
    pub fn headline(&self) -> String {
        match (&self.source, is_rollback(&self.status)) {
            (Some(source), true) => {
                format!("{}: back to {source} (from {})", self.status, self.target)
            }
            (Some(source), false) => format!("{} {} (from {source})", self.status, self.target),
            (None, _) => format!("{} {}", self.status, self.target),
        }
    }

    /// The revision that matters: the target, or after a rollback the source it went back to.
    pub fn focus(&self) -> &str {
        match (&self.source, is_rollback(&self.status)) {
            (Some(source), true) => source.as_str(),
            _ => self.target.as_str(),
        }
    }

    /// The stages that saw traffic: each with the focus revision's configured share (if the
    /// stage configured one) and its observed share, in %.
    pub fn seen(&self) -> impl Iterator<Item = (&Stage, Option<f64>, f64)> {
        let focus = self.focus();
        self.stages
            .iter()
            .filter(|s| s.observed.requests > 0)
            .map(move |s| {
                let want = s
                    .configured
                    .iter()
                    .find(|(r, _)| r == focus)
                    .map(|(_, p)| *p);
                let seen = s.observed.versions.get(focus).map_or(0.0, |v| v.share);
                (s, want, seen * 100.0)
            })
    }
}

/// What one look at the deployment found.
#[derive(Debug, Clone, PartialEq)]
pub struct Poll {
    pub arn: String,
    pub status: Status,
    pub strategy: DeploymentStrategy,
    pub stage: Option<LifecycleStage>,
    /// `(family:revision, percent)`, the target first.
    pub configured: Vec<(String, f64)>,
    pub target: String,
    pub source: Option<String>,
    pub status_reason: Option<String>,
    /// The bake the stage waits through, in the API's minutes, if it is one.
    pub bake_minutes: Option<f64>,
}

impl Poll {
    /// One line: the status, the stage (and its bake), and the split it configures:
    /// `IN_PROGRESS, bake time (1 min): gopher-distributor:2 10%, gopher-distributor:1 90%`.
    pub fn label(&self) -> String {
        let mut out = format!("{}, {}", self.status, stage_words(self.stage.as_ref()));
        if let Some(minutes) = self.bake_minutes {
            let _ = write!(out, " ({minutes} min)");
        }
        let split: Vec<String> = self
            .configured
            .iter()
            .map(|(revision, percent)| format!("{revision} {percent:.0}%"))
            .collect();
        if !split.is_empty() {
            let _ = write!(out, ": {}", split.join(", "));
        }
        out
    }
}

/// How often the traffic is sampled while a deployment is followed: short, so that a stage
/// of a second (a minute of bake at clock ×60) still gets whole samples.
const SAMPLE: Duration = Duration::from_millis(100);
/// How long traffic is still observed after the deployment ended: where it goes then.
const AFTER: Duration = Duration::from_secs(1);

/// Traffic to tally per stage: the samples, and when the traffic started (their clock).
pub struct Observed {
    pub samples: tokio::sync::mpsc::Receiver<crate::load::traffic::Sample>,
    pub started: tokio::time::Instant,
    pub interval: Duration,
}

/// Follows `service`'s current deployment in `cluster` until it ends, sending traffic through
/// the requester at `requester_url` meanwhile and telling `on_poll` what each look found.
pub async fn follow(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    service: &str,
    requester_url: axum::http::Uri,
    on_poll: impl FnMut(&Poll),
) -> Result<DeploymentReport, String> {
    let mut config = TrafficConfig::new(requester_url);
    config.rps = RPS;
    config.interval = SAMPLE;
    let (tx, samples) = tokio::sync::mpsc::channel(256);
    let started = tokio::time::Instant::now();
    let traffic = Traffic::start(config, tx);
    let observed = Observed {
        samples,
        started,
        interval: SAMPLE,
    };
    let report = follow_with(ecs, cluster, service, Some(observed), on_poll).await;
    drop(traffic);
    report
}

/// The traffic each stage saw. A sample counts for a stage only when its whole interval lies
/// between two looks that both saw that stage: one that straddles a change is left out, so a
/// stage's share is not blurred by its neighbours'.
#[derive(Default)]
struct StageLog {
    stages: Vec<(Option<LifecycleStage>, Split, Tally)>,
    /// When the newest stage was first seen (traffic time).
    since: Duration,
    /// Samples not yet known to lie within one stage: (start, end, tally).
    held: Vec<(Duration, Duration, std::sync::Arc<Tally>)>,
}

impl StageLog {
    fn sample(&mut self, sample: &crate::load::traffic::Sample, interval: Duration) {
        let end = sample.elapsed;
        self.held
            .push((end.saturating_sub(interval), end, sample.last.clone()));
    }

    /// A look at `at` (traffic time) saw `stage` with `configured`.
    fn look(&mut self, at: Duration, stage: Option<&LifecycleStage>, configured: &Split) {
        let same = self
            .stages
            .last()
            .is_some_and(|(s, c, _)| s.as_ref() == stage && c == configured);
        if same {
            let since = self.since;
            let (done, later): (Vec<_>, Vec<_>) =
                self.held.drain(..).partition(|(_, end, _)| *end <= at);
            if let Some((_, _, tally)) = self.stages.last_mut() {
                for (_, _, t) in done.iter().filter(|(start, _, _)| *start >= since) {
                    tally.merge(t);
                }
            }
            self.held = later;
        } else {
            self.held.retain(|(_, end, _)| *end > at);
            self.stages
                .push((stage.cloned(), configured.clone(), Tally::new()));
            self.since = at;
        }
    }

    fn into_stages(self) -> Vec<Stage> {
        self.stages
            .into_iter()
            .map(|(stage, configured, tally)| Stage {
                stage,
                configured,
                observed: tally.summary(Duration::ZERO),
            })
            .collect()
    }
}

/// Follows the deployment, telling `on_poll` what each look found; the traffic someone else
/// drives, when given, is tallied per stage (and for a second after the end).
pub async fn follow_with(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    service: &str,
    mut observed: Option<Observed>,
    mut on_poll: impl FnMut(&Poll),
) -> Result<DeploymentReport, String> {
    let arn = current_deployment(ecs, cluster, service).await?;
    let mut names = RevisionNames::default();
    let deadline = Instant::now() + PATIENCE;
    let mut log = StageLog::default();
    let mut poll = tokio::time::interval(if observed.is_some() { SAMPLE } else { POLL });
    let mut ended: Option<(Poll, Instant)> = None;
    let now = |o: &Option<Observed>| o.as_ref().map_or(Duration::ZERO, |o| o.started.elapsed());
    loop {
        tokio::select! {
            Some(sample) = async { observed.as_mut()?.samples.recv().await }, if observed.is_some() => {
                let interval = observed.as_ref().map_or(SAMPLE, |o| o.interval);
                log.sample(&sample, interval);
            }
            _ = poll.tick() => {
                if let Some((seen, at)) = &ended {
                    // After the end: where the traffic goes now, then done.
                    log.look(now(&observed), seen.stage.as_ref(), &seen.configured);
                    if observed.is_none() || at.elapsed() >= AFTER {
                        break;
                    }
                    continue;
                }
                let d = describe(ecs, &arn).await?;
                let seen = names.poll(ecs, &arn, &d).await;
                on_poll(&seen);
                log.look(now(&observed), seen.stage.as_ref(), &seen.configured);
                if has_ended(&seen.status) {
                    ended = Some((seen, Instant::now()));
                    continue;
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
    }
    let Some((last, _)) = ended else {
        return Err("the deployment was not followed to its end".into());
    };
    Ok(DeploymentReport {
        service: service.to_string(),
        status: last.status,
        status_reason: last.status_reason,
        target: last.target,
        source: last.source,
        stages: log.into_stages(),
    })
}

/// The bake a deployment waits through in `stage` with the target at `target_percent`, in
/// the API's minutes: the canary's, a linear step's, or the one after all traffic moved.
pub fn bake_minutes(
    config: Option<&aws_sdk_ecs::types::DeploymentConfiguration>,
    stage: Option<&LifecycleStage>,
    target_percent: f64,
) -> Option<f64> {
    let config = config?;
    let shifting = target_percent < 100.0;
    let minutes = match (config.strategy(), stage?) {
        (_, LifecycleStage::BakeTime) => config.bake_time_in_minutes(),
        (Some(DeploymentStrategy::Canary), LifecycleStage::ProductionTrafficShift) if shifting => {
            config
                .canary_configuration()
                .and_then(|c| c.canary_bake_time_in_minutes())
        }
        (Some(DeploymentStrategy::Linear), LifecycleStage::ProductionTrafficShift) if shifting => {
            config
                .linear_configuration()
                .and_then(|c| c.step_bake_time_in_minutes())
        }
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
    service_now(ecs, cluster, service)
        .await?
        .current_deployment
        .ok_or_else(|| format!("service {service} has no deployment to follow"))
}

/// What DescribeServices says of a service now.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceNow {
    /// The revision (`family:revision`) the service runs when no deployment moves traffic.
    pub settled: Option<String>,
    pub current_deployment: Option<String>,
}

/// The service as DescribeServices describes it now.
pub async fn service_now(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    service: &str,
) -> Result<ServiceNow, String> {
    let out = ecs
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .map_err(|e| format!("DescribeServices: {}", describe_error(&e)))?;
    let Some(s) = out.services().first() else {
        return Err(format!(
            "there is no service {service} in cluster {cluster} yet"
        ));
    };
    Ok(ServiceNow {
        settled: s.task_definition().map(family_revision),
        current_deployment: s.current_service_deployment().map(str::to_string),
    })
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
        let stage = d.lifecycle_stage().cloned();
        let target_percent = configured.first().map_or(0.0, |(_, p)| *p);
        Poll {
            arn: arn.to_string(),
            // A deployment ECS describes without a status has not started.
            status: d.status().cloned().unwrap_or(Status::Pending),
            bake_minutes: bake_minutes(
                d.deployment_configuration(),
                stage.as_ref(),
                target_percent,
            ),
            strategy: d
                .deployment_configuration()
                .and_then(|c| c.strategy())
                .cloned()
                .unwrap_or(DeploymentStrategy::Rolling),
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

    fn sample(end_ms: u64, version: &str, n: u64) -> crate::load::traffic::Sample {
        let mut tally = Tally::new();
        for _ in 0..n {
            tally.record(&crate::load::stats::RequestOutcome {
                version: Some(version.into()),
                success: true,
                overflow: false,
                not_sent: false,
                latency: Duration::from_millis(1),
            });
        }
        crate::load::traffic::Sample {
            elapsed: Duration::from_millis(end_ms),
            window: Tally::new().summary(Duration::ZERO),
            total: Tally::new().summary(Duration::ZERO),
            in_flight: 0,
            last: std::sync::Arc::new(tally),
        }
    }

    #[test]
    fn a_sample_counts_for_a_stage_only_when_two_looks_saw_that_stage_around_it() {
        let interval = Duration::from_millis(100);
        let canary: Split = vec![("d:2".into(), 10.0), ("d:1".into(), 90.0)];
        let all: Split = vec![("d:2".into(), 100.0), ("d:1".into(), 0.0)];
        let mut log = StageLog::default();
        let ms = Duration::from_millis;
        let (shift, bake) = (
            LifecycleStage::ProductionTrafficShift,
            LifecycleStage::BakeTime,
        );
        log.look(ms(0), Some(&shift), &canary);
        log.sample(&sample(100, "d:1", 9), interval);
        log.sample(&sample(200, "d:2", 1), interval);
        log.look(ms(200), Some(&shift), &canary);
        // This one straddles the change seen at 300 ms: nobody's.
        log.sample(&sample(300, "d:2", 5), interval);
        log.look(ms(250), Some(&bake), &all);
        log.sample(&sample(400, "d:2", 7), interval);
        log.look(ms(400), Some(&bake), &all);
        let stages = log.into_stages();
        assert_eq!(stages.len(), 2);
        assert_eq!(stages[0].observed.requests, 10);
        assert_eq!(stages[0].observed.versions["d:2"].count, 1);
        assert_eq!(stages[1].observed.requests, 7);
    }

    #[test]
    fn a_rollback_names_the_revision_traffic_went_back_to_first() {
        let report = |status| DeploymentReport {
            service: "sc-distributor".into(),
            status,
            status_reason: None,
            target: "sc-distributor:3".into(),
            source: Some("sc-distributor:2".into()),
            stages: Vec::new(),
        };
        assert_eq!(
            report(Status::RollbackSuccessful).label(),
            "ROLLBACK_SUCCESSFUL: back to sc-distributor:2 (from sc-distributor:3)"
        );
        assert_eq!(
            report(Status::Successful).label(),
            "SUCCESSFUL sc-distributor:3 (from sc-distributor:2)"
        );
    }

    #[test]
    fn a_task_definition_arn_reads_as_family_and_revision() {
        assert_eq!(
            family_revision("arn:aws:ecs:us-east-1:000000000000:task-definition/sc-distributor:2"),
            "sc-distributor:2"
        );
        assert_eq!(family_revision("sc-distributor:2"), "sc-distributor:2");
    }
}
