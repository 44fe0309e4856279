//! The canary autopilot's job in the terminal UI: it flies its plan on the route the weight
//! keys move, judged by the traffic pane's own samples. Each stage goes to the App (the stage
//! line, the Wire tab), and each weight it sets goes where a weight key's would: the pane's
//! configured column and markers, and the presenter's saved demo.

use tokio::sync::broadcast::{self, error::RecvError};
use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::sync::watch;

use super::Inbox;
use super::persistence::Persistence;
use super::resources::ResourcesJob;
use super::traffic::TrafficJob;
use crate::api::route_weights::{self, RouteName};
use crate::canary::pilot::{Pilot, pair_of, split};
use crate::canary::{CanaryPlan, Stage, StageEvent};
use crate::load::traffic::Sample;
use crate::session::Session;
use crate::session::weighted_route::weighted_route;
use crate::tui::app::{Msg, Weights};
use crate::walkthrough::step::RequesterRef;

enum Order {
    Fly {
        session: Box<Session>,
        plan: CanaryPlan,
    },
    Stop,
}

/// The jobs the autopilot works with: the traffic it judges by, and where a weight it sets
/// goes besides the App.
pub struct Crew {
    pub traffic: TrafficJob,
    pub resources: ResourcesJob,
    pub persistence: Persistence,
}

#[derive(Clone)]
pub struct AutopilotJob(Inbox<Order>);

impl AutopilotJob {
    pub fn start(crew: Crew, tx: UnboundedSender<Msg>) -> AutopilotJob {
        let (inbox, mut orders) = Inbox::new();
        tokio::spawn(async move {
            // A flight in the air stops as it is dropped.
            let mut flight: Option<Flight> = None;
            while let Some(order) = orders.recv().await {
                match order {
                    Order::Stop => drop(flight.take()),
                    Order::Fly { session, plan } => {
                        let new = take_off(*session, plan, &crew, &tx);
                        drop(std::mem::replace(&mut flight, new));
                    }
                }
            }
        });
        AutopilotJob(inbox)
    }

    /// Flies `plan` on the route the weight keys move, in place of any flight before.
    pub fn fly(&self, session: Session, plan: CanaryPlan) {
        self.0.send(Order::Fly {
            session: Box::new(session),
            plan,
        });
    }

    pub fn stop(&self) {
        self.0.send(Order::Stop);
    }
}

/// Starts a flight, and the traffic it judges by when none flows yet.
fn take_off(
    session: Session,
    plan: CanaryPlan,
    crew: &Crew,
    tx: &UnboundedSender<Msg>,
) -> Option<Flight> {
    let Some(route) = weighted_route(&session) else {
        fail(tx, "the walkthrough has no route".into());
        return None;
    };
    crew.traffic
        .start_unless_flowing(session.clone(), RequesterRef::default());
    let (resources, persistence) = (crew.resources.clone(), crew.persistence.clone());
    let key = session.target().key();
    let remember = move |split: Vec<(String, i32)>| {
        resources.moved();
        persistence.demo(&key, |d| d.weights = Some(split));
    };
    Some(start(
        session,
        route,
        plan,
        crew.traffic.subscribe(),
        tx.clone(),
        remember,
    ))
}

/// A flying autopilot: dropping it stops it where it is.
struct Flight {
    stop: watch::Sender<bool>,
}

impl Drop for Flight {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts the autopilot on `samples`. `remember` keeps each weight split it sets (the saved
/// demo).
fn start(
    session: Session,
    route: RouteName,
    plan: CanaryPlan,
    mut samples: broadcast::Receiver<Sample>,
    tx: UnboundedSender<Msg>,
    remember: impl Fn(Vec<(String, i32)>) + Send + Sync + 'static,
) -> Flight {
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        let targets = match route_weights::read(session.target(), &route).await {
            Ok(targets) => targets,
            Err(e) => return fail(&tx, format!("DescribeRoute: {e}")),
        };
        let pair = match pair_of(&targets, None, None) {
            Ok(pair) => pair,
            Err(e) => return fail(&tx, e),
        };
        // The pilot reads its own queue; a sample it falls behind on is one it does not judge.
        let (samples_tx, judged) = mpsc::channel(64);
        let relay = tokio::spawn(async move {
            loop {
                match samples.recv().await {
                    Ok(sample) => {
                        if samples_tx.send(sample).await.is_err() {
                            break;
                        }
                    }
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => break,
                }
            }
        });
        let pilot = Pilot {
            plan,
            pair: pair.clone(),
            target: session.target().clone(),
            route,
        };
        pilot
            .fly(judged, stopped, |event| {
                if moved_weights(event.stage) {
                    let split = split(&targets, &pair, event.canary_weight);
                    remember(split.clone());
                    let _ = tx.send(Msg::Weights(Weights { targets: split }));
                }
                let _ = tx.send(Msg::Autopilot(Box::new(event)));
            })
            .await;
        relay.abort();
    });
    Flight { stop }
}

fn fail(tx: &UnboundedSender<Msg>, error: String) {
    let _ = tx.send(Msg::Autopilot(Box::new(StageEvent::failed_to_start(error))));
}

fn moved_weights(stage: Stage) -> bool {
    matches!(
        stage,
        Stage::Started | Stage::Advanced | Stage::Promoted | Stage::RolledBack
    )
}
