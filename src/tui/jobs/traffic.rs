//! The traffic job: it owns the traffic the UI sends through a requester (one at a time), hands
//! each sample to the App and to whoever subscribed (the autopilot judges by the pane's own
//! samples), and polls the embedded cloud's resilience while traffic flows.

use std::time::Duration;

use tokio::sync::broadcast;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::Inbox;
use crate::load::traffic::{Sample, Traffic, TrafficConfig};
use crate::session::Session;
use crate::session::local_cloud::LocalCloud;
use crate::tui::app::Msg;
use crate::walkthrough::step::RequesterRef;

/// How many samples a slow subscriber may fall behind before it misses some (10 s of them).
const SUBSCRIBER_LAG: usize = 100;
/// How long the requester may take to appear (its task may still be starting).
const REQUESTER_PATIENCE: Duration = Duration::from_secs(30);

enum Order {
    /// Traffic through `requester`, in place of any before.
    Start {
        session: Session,
        requester: RequesterRef,
    },
    /// …unless traffic already flows.
    StartIfIdle {
        session: Session,
        requester: RequesterRef,
    },
    Stop,
}

#[derive(Clone)]
pub struct TrafficJob {
    inbox: Inbox<Order>,
    samples: broadcast::Sender<Sample>,
}

impl TrafficJob {
    /// `rps`: the rate the UI sends at; `cloud`: the embedded cloud's resilience to poll.
    pub fn start(rps: f64, cloud: Option<LocalCloud>, tx: UnboundedSender<Msg>) -> TrafficJob {
        let (inbox, mut orders) = Inbox::new();
        let (samples, _) = broadcast::channel(SUBSCRIBER_LAG);
        let publish = samples.clone();
        tokio::spawn(async move {
            let mut flowing: Option<JoinHandle<()>> = None;
            while let Some(order) = orders.recv().await {
                let (session, requester) = match order {
                    Order::Stop => {
                        if let Some(old) = flowing.take() {
                            old.abort();
                        }
                        continue;
                    }
                    Order::StartIfIdle { .. }
                        if flowing.as_ref().is_some_and(|f| !f.is_finished()) =>
                    {
                        continue;
                    }
                    Order::Start { session, requester }
                    | Order::StartIfIdle { session, requester } => (session, requester),
                };
                if let Some(old) = flowing.take() {
                    old.abort();
                }
                let flow = flow(
                    session,
                    requester,
                    rps,
                    cloud.clone(),
                    publish.clone(),
                    tx.clone(),
                );
                flowing = Some(tokio::spawn(flow));
            }
            if let Some(old) = flowing {
                old.abort();
            }
        });
        TrafficJob { inbox, samples }
    }

    pub fn start_through(&self, session: Session, requester: RequesterRef) {
        self.inbox.send(Order::Start { session, requester });
    }

    pub fn start_unless_flowing(&self, session: Session, requester: RequesterRef) {
        self.inbox.send(Order::StartIfIdle { session, requester });
    }

    pub fn stop(&self) {
        self.inbox.send(Order::Stop);
    }

    /// Every sample from now on, while traffic flows.
    pub fn subscribe(&self) -> broadcast::Receiver<Sample> {
        self.samples.subscribe()
    }
}

/// Sends traffic through the requester until aborted (the load generator stops as it drops).
async fn flow(
    session: Session,
    requester: RequesterRef,
    rps: f64,
    cloud: Option<LocalCloud>,
    publish: broadcast::Sender<Sample>,
    tx: UnboundedSender<Msg>,
) {
    let uri = match session.requester_url(&requester, REQUESTER_PATIENCE).await {
        Ok(uri) => uri,
        Err(e) => {
            let _ = tx.send(Msg::TrafficStopped(format!(
                "{e}: run the service steps first"
            )));
            return;
        }
    };
    let mut config = TrafficConfig::new(uri);
    config.rps = rps;
    let (samples_tx, mut samples) = tokio::sync::mpsc::channel(64);
    let _traffic = Traffic::start(config, samples_tx);
    let mut resilience = cloud.as_ref().map(LocalCloud::resilience);
    let mut poll = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            sample = samples.recv() => {
                let Some(sample) = sample else { break };
                // Nobody subscribed is no error: the autopilot is not flying.
                let _ = publish.send(sample.clone());
                if tx.send(Msg::Traffic(Box::new(sample))).is_err() {
                    break;
                }
            }
            _ = poll.tick() => {
                if let Some(view) = resilience.as_mut().and_then(|r| r.changed()) {
                    let _ = tx.send(Msg::Resilience(view));
                }
            }
        }
    }
}
