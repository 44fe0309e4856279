//! The steps that watch traffic: through the requester ECS runs, and while a deployment moves
//! it (on AWS the requester is inside the VPC: where to look is said instead).

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use super::{Outcome, Session, StepError, VERIFY_PATIENCE, observed};
use crate::api::requester;
use crate::load::traffic::{Traffic, TrafficConfig};
use aws_sdk_ecs::types::ServiceDeploymentStatus;

use crate::load::stats::Summary;
use crate::session::approval::{self, Approval, SAMPLE_REQUESTS, TestTraffic};
use crate::session::deployment_watch::{self, DeploymentReport, Stage};
use crate::session::events::{Events, StepEvent};
use crate::walkthrough::step::RequesterRef;

/// Requests a step's traffic sample keeps in flight at most: enough for 400 a second on an
/// idle host, and no more when many sessions share a busy one.
pub const SAMPLE_IN_FLIGHT: usize = 32;

impl Session {
    /// The requester's address as ECS reports it, asked again until `patience` runs out (its
    /// task may still be starting).
    pub async fn requester_url(
        &self,
        requester: &RequesterRef,
        patience: Duration,
    ) -> Result<axum::http::Uri, String> {
        let cluster = self.vars().substitute(&requester.cluster)?;
        let deadline = Instant::now() + patience;
        let url = loop {
            match requester::find(&self.target.ecs, &cluster, &requester.service).await {
                Ok(url) => break url,
                Err(e) if Instant::now() >= deadline => {
                    return Err(format!("cannot find the requester: {e}"));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        url.parse()
            .map_err(|_| format!("the requester's address '{url}' is not a URL"))
    }

    /// Sends requests through the requester and reports the split.
    pub(super) async fn traffic(
        &self,
        requests: u32,
        requester: &RequesterRef,
        events: &Events,
    ) -> Outcome {
        let uri = match self.requester_url(requester, VERIFY_PATIENCE).await {
            Ok(uri) => uri,
            Err(e) => return Outcome::Failed(StepError::plain(e)),
        };
        let mut config = TrafficConfig::new(uri);
        config.rps = 400.0;
        config.max_in_flight = SAMPLE_IN_FLIGHT;
        config.wait_when_full = true;
        config.duration = Some(Duration::from_secs_f64(
            f64::from(requests.max(1)) / config.rps,
        ));
        // Each interval's sample is told as it comes (the generator drops one nobody takes).
        let (tx, mut samples) = tokio::sync::mpsc::channel(16);
        let mut traffic = Traffic::start(config, tx);
        let told = async {
            while let Some(sample) = samples.recv().await {
                events.send(StepEvent::Traffic(Box::new(sample)));
            }
        };
        let (summary, ()) = tokio::join!(traffic.finished(), told);
        if summary.errors > 0 || summary.requests == 0 {
            return Outcome::Failed(StepError::plain(format!(
                "traffic failed: {}",
                observed(&summary)
            )));
        }
        Outcome::Observed(summary)
    }

    /// Follows a deployment step's deployment to its end while traffic flows through the
    /// requester; done when it ends as the step expects. With a test header, the deployment's
    /// pause at a PAUSE hook is met first (see [`Session::blue_green_pause`]).
    pub(super) async fn deployment(&self, watch: Watch<'_>, events: &Events) -> Outcome {
        let Watch {
            service,
            requester,
            expect,
            test_header,
        } = watch;
        let cluster = match self.vars().substitute(&requester.cluster) {
            Ok(c) => c,
            Err(e) => return Outcome::Failed(StepError::plain(e)),
        };
        let mut expect = expect.clone();
        let mut tested = Vec::new();
        if let Some(header) = test_header {
            match self
                .blue_green_pause(&cluster, service, requester, header, events)
                .await
            {
                Ok(Some((stages, rolled_back))) => {
                    tested = stages;
                    if rolled_back {
                        // The pause was answered ROLLBACK: the deployment is to end so.
                        expect = ServiceDeploymentStatus::RollbackSuccessful;
                    }
                }
                Ok(None) => {}
                Err(e) => return Outcome::Failed(StepError::plain(e)),
            }
        }
        let ecs = &self.target.ecs;
        let mut told = String::new();
        let on_poll = |poll: &deployment_watch::Poll| {
            events.send(StepEvent::Poll(Box::new(poll.clone())));
            let line = format!("{service}: {}", poll.label());
            if line != told {
                events.status(line.clone());
                told = line;
            }
        };
        // On AWS the requester's tasks are inside the VPC: the deployment is followed, the
        // split is not observed from here.
        let followed = if self.target.is_aws() {
            deployment_watch::follow_with(ecs, &cluster, service, None, on_poll).await
        } else {
            match self.requester_url(requester, VERIFY_PATIENCE).await {
                Ok(uri) => deployment_watch::follow(ecs, &cluster, service, uri, on_poll).await,
                Err(e) => return Outcome::Failed(StepError::plain(e)),
            }
        };
        match followed {
            Ok(mut report) => {
                tested.append(&mut report.stages);
                report.stages = tested;
                verdict(report, &expect)
            }
            Err(e) => Outcome::Failed(StepError::plain(e)),
        }
    }

    /// Waits for `service`'s deployment to pause at a PAUSE hook; shows where test traffic
    /// (carrying `header`) and production traffic go meanwhile, as two stages of the report
    /// (the test traffic's, then production's); has the pause answered by the session's
    /// [`Approval`]. Returns those stages and whether the deployment rolls back; None when it
    /// ended without pausing.
    async fn blue_green_pause(
        &self,
        cluster: &str,
        service: &str,
        requester: &RequesterRef,
        header: &str,
        events: &Events,
    ) -> Result<Option<(Vec<Stage>, bool)>, String> {
        let ecs = &self.target.ecs;
        events.status(format!(
            "{service}: waiting for the deployment's PAUSE hook"
        ));
        let Some(paused) = approval::wait_for_pause(ecs, cluster, service).await? else {
            return Ok(None);
        };
        let d = deployment_watch::describe(ecs, &paused.arn).await?;
        let mut names = deployment_watch::RevisionNames::default();
        let poll = names.poll(ecs, &paused.arn, &d).await;
        let mut stages = Vec::new();
        let mut said = format!("{service}: paused at {}", paused.stage);
        // On AWS the requester is inside the VPC: the pause is answered, the traffic is not
        // observed from here.
        let mut requester_uri = None;
        if !self.target.is_aws() {
            let uri = self.requester_url(requester, VERIFY_PATIENCE).await?;
            let sample =
                approval::sample_test_traffic(uri.clone(), &paused.arn, header, SAMPLE_REQUESTS)
                    .await?;
            events.send(StepEvent::TestTraffic(Box::new(sample.clone())));
            requester_uri = Some(uri);
            let TestTraffic {
                test, production, ..
            } = sample;
            let share = |s: &Summary, revision: &str| {
                s.versions.get(revision).map_or(0.0, |v| v.share * 100.0)
            };
            let blue = poll.source.clone().unwrap_or_default();
            let _ = write!(
                said,
                ": test traffic ({header}) {:.0}% on {}, production {:.0}% on {blue}",
                share(&test, &poll.target),
                poll.target,
                share(&production, &blue),
            );
            stages.push(Stage {
                stage: poll.stage.clone(),
                configured: vec![(poll.target.clone(), 100.0)],
                observed: test,
            });
            stages.push(Stage {
                stage: poll.stage.clone(),
                configured: poll.configured.clone(),
                observed: production,
            });
        }
        // One line, so that the terminal UI's toast keeps the split and the keys together.
        if self.approval == Approval::Elsewhere {
            said.push_str(" · A approves (CONTINUE), R rolls back");
        }
        events.status(said);
        match approval::decide(self.approval, &paused).await? {
            Some(action) => approval::answer(ecs, &paused, action).await?,
            None => {
                // While someone makes up their mind, the traffic pane keeps showing where test
                // traffic goes.
                let resample = async {
                    let Some(uri) = &requester_uri else {
                        return std::future::pending().await;
                    };
                    loop {
                        tokio::time::sleep(approval::RESAMPLE).await;
                        if let Ok(sample) = approval::sample_test_traffic(
                            uri.clone(),
                            &paused.arn,
                            header,
                            approval::RESAMPLE_REQUESTS,
                        )
                        .await
                        {
                            events.send(StepEvent::TestTraffic(Box::new(sample)));
                        }
                    }
                };
                tokio::select! {
                    answered = approval::wait_answered(ecs, &paused) => answered?,
                    () = resample => {}
                }
            }
        }
        let after = deployment_watch::describe(ecs, &paused.arn).await?;
        let rolled_back = after.status().is_some_and(deployment_watch::is_rollback);
        Ok(Some((stages, rolled_back)))
    }
}

/// What a deployment step watches: its service (through its requester), the status it expects
/// the deployment to end in, and its test traffic header, if it has one.
pub(super) struct Watch<'a> {
    pub service: &'a str,
    pub requester: &'a RequesterRef,
    pub expect: &'a ServiceDeploymentStatus,
    pub test_header: Option<&'a str>,
}

/// What a followed deployment comes to for a step that expects it to end `expect`: deployed,
/// or failed with the status it ended in instead (and ECS's reason).
pub fn verdict(report: DeploymentReport, expect: &ServiceDeploymentStatus) -> Outcome {
    if report.status == *expect {
        return Outcome::Deployed(report);
    }
    let reason = report
        .status_reason
        .as_deref()
        .map(|r| format!(" ({r})"))
        .unwrap_or_default();
    Outcome::Failed(StepError::plain(format!(
        "the deployment ended {}, not {expect}{reason}: {}",
        report.status,
        report.label()
    )))
}

/// Where to see a service's traffic split on AWS, where meshwalk cannot reach it.
pub fn inside_the_vpc(service: &str) -> String {
    format!(
        "the split is observed inside the VPC: CloudWatch, namespace AWS/ECS, Service Connect \
         metrics RequestCount and HTTPCode_Target_5XX_Count of ServiceName {service}; each \
         answer's revision is in the requester's container log"
    )
}
