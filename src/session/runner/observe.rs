//! The steps that watch traffic: through the requester ECS runs, and while a deployment moves
//! it (on AWS the requester is inside the VPC: where to look is said instead).

use std::time::{Duration, Instant};

use super::{Outcome, Session, StepError, VERIFY_PATIENCE, observed};
use crate::api::requester;
use crate::load::traffic::{Traffic, TrafficConfig};
use aws_sdk_ecs::types::ServiceDeploymentStatus;

use crate::session::deployment_watch::{self, DeploymentReport};
use crate::session::events::{Events, StepEvent};
use crate::walkthrough::step::RequesterRef;

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

    /// Follows `service`'s deployment to its end while traffic flows through the requester;
    /// done when it ends as `expect`.
    pub(super) async fn deployment(
        &self,
        service: &str,
        requester: &RequesterRef,
        expect: &ServiceDeploymentStatus,
        events: &Events,
    ) -> Outcome {
        let cluster = match self.vars().substitute(&requester.cluster) {
            Ok(c) => c,
            Err(e) => return Outcome::Failed(StepError::plain(e)),
        };
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
            Ok(report) => verdict(report, expect),
            Err(e) => Outcome::Failed(StepError::plain(e)),
        }
    }
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
