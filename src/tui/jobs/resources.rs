//! The resource tree's job: it reads the tree and the weighted route anew when asked, and
//! moves the route's weights (the weight keys, a resume, the autopilot). It owns the count of
//! weight changes, so that a read begun before the latest change never puts stale weights
//! back on screen.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use super::Inbox;
use super::persistence::Persistence;
use crate::api::route_weights;
use crate::session::Session;
use crate::session::weighted_route::weighted_route;
use crate::tui::app::{Msg, Resources, Weights};
use crate::tui::resource_tree;

/// How long a read of the tree may take before it is given up (the next refresh tries again).
const READ_PATIENCE: Duration = Duration::from_secs(20);

enum Ask {
    Refresh(Session),
    /// UpdateRoute with these weights; `announce`: a toast and the tree read anew after it.
    SetWeights {
        session: Session,
        weights: Weights,
        announce: bool,
    },
    /// Someone else (the autopilot) moved the weights.
    Moved,
    /// A read begun when `changes` weight changes had been sent came back.
    Read {
        changes: u64,
        resources: Resources,
        weights: Option<Weights>,
    },
    /// An UpdateRoute went in.
    WeightsIn {
        session: Session,
        weights: Weights,
        announce: bool,
    },
}

#[derive(Clone)]
pub struct ResourcesJob(Inbox<Ask>);

impl ResourcesJob {
    pub fn start(persistence: Persistence, tx: UnboundedSender<Msg>) -> ResourcesJob {
        let (inbox, mut asks) = Inbox::new();
        // The job reads and writes in tasks of its own that answer here; a weak inbox, so
        // that the job ends with the UI.
        let me = inbox.downgrade();
        tokio::spawn(async move {
            // Weight changes sent so far: a read that began before the latest is stale.
            let mut changes = 0u64;
            while let Some(ask) = asks.recv().await {
                let Some(me) = me.upgrade() else { break };
                match ask {
                    Ask::Refresh(session) => spawn_read(session, changes, me.clone()),
                    Ask::Read {
                        changes: then,
                        resources,
                        weights,
                    } => {
                        let _ = tx.send(Msg::Resources(resources));
                        if let Some(w) = weights.filter(|_| then == changes) {
                            let _ = tx.send(Msg::Weights(w));
                        }
                    }
                    Ask::SetWeights {
                        session,
                        weights,
                        announce,
                    } => {
                        changes += 1;
                        spawn_update(session, weights, announce, me.clone(), tx.clone());
                    }
                    Ask::Moved => changes += 1,
                    Ask::WeightsIn {
                        session,
                        weights,
                        announce,
                    } => {
                        // Once more now it is in: a read begun meanwhile read it before.
                        changes += 1;
                        if announce {
                            let split = weights.targets.clone();
                            persistence.demo(&session.target().key(), |d| d.weights = Some(split));
                            let toast = toast_of(&weights);
                            let _ = tx.send(Msg::Weights(weights));
                            let _ = tx.send(Msg::Toast(toast));
                            spawn_read(session, changes, me.clone());
                        } else {
                            let _ = tx.send(Msg::Weights(weights));
                        }
                    }
                }
            }
        });
        ResourcesJob(inbox)
    }

    /// Reads the tree anew, and the route's weights unless a change is sent meanwhile.
    pub fn refresh(&self, session: Session) {
        self.0.send(Ask::Refresh(session));
    }

    /// The presenter's weights: UpdateRoute, then remembered, shown and said in a toast.
    pub fn set_weights(&self, session: Session, weights: Weights) {
        self.0.send(Ask::SetWeights {
            session,
            weights,
            announce: true,
        });
    }

    /// The weights as the presenter had them, put back quietly (a resume).
    pub fn restore_weights(&self, session: Session, weights: Weights) {
        self.0.send(Ask::SetWeights {
            session,
            weights,
            announce: false,
        });
    }

    /// Someone else moved the weights: reads begun before are stale.
    pub fn moved(&self) {
        self.0.send(Ask::Moved);
    }
}

fn spawn_read(session: Session, changes: u64, me: Inbox<Ask>) {
    tokio::spawn(async move {
        let route = weighted_route(&session).map(|r| (r.router, r.route));
        if let Ok((resources, weights)) =
            tokio::time::timeout(READ_PATIENCE, resource_tree::read(&session, route)).await
        {
            me.send(Ask::Read {
                changes,
                resources,
                weights,
            });
        }
    });
}

fn spawn_update(
    session: Session,
    weights: Weights,
    announce: bool,
    me: Inbox<Ask>,
    tx: UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        let sent = match weighted_route(&session) {
            None => Err("the walkthrough has no route".to_string()),
            Some(route) => route_weights::set(session.target(), &route, &weights.targets)
                .await
                .0
                .map_err(|e| e.to_string()),
        };
        match sent {
            Ok(()) => me.send(Ask::WeightsIn {
                session,
                weights,
                announce,
            }),
            Err(e) if announce => {
                let _ = tx.send(Msg::Toast(format!("UpdateRoute failed: {e}")));
            }
            Err(e) => {
                let _ = tx.send(Msg::Toast(format!("could not restore the weights: {e}")));
            }
        }
    });
}

/// "UpdateRoute: distributorV1 90 / distributorV2 10".
fn toast_of(weights: &Weights) -> String {
    let split: Vec<String> = weights
        .targets
        .iter()
        .map(|(n, w)| format!("{n} {w}"))
        .collect();
    format!("UpdateRoute: {}", split.join(" / "))
}
