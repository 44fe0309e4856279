//! The canary autopilot in the terminal UI: it flies its plan on the route the weight keys
//! move, judged by the traffic pane's own samples. Each stage goes to the App (the stage line,
//! the Wire tab), and each weight it sets goes where a weight key's would: the pane's
//! configured column and markers, and the presenter's saved demo.

use parking_lot::Mutex;
use std::sync::Arc;

use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::sync::watch;

use super::app::{Msg, Weights};
use crate::api::route_weights::{self, RouteName};
use crate::canary::pilot::{Pilot, pair_of, split};
use crate::canary::{CanaryPlan, Stage, StageEvent};
use crate::load::traffic::Sample;
use crate::session::Session;

/// Where the traffic forwarder hands a copy of each sample while the autopilot flies.
pub type SampleTap = Arc<Mutex<Option<mpsc::Sender<Sample>>>>;

/// A flying autopilot: dropping it (or [`Flight::stop`]) stops it where it is.
pub struct Flight {
    stop: watch::Sender<bool>,
}

impl Flight {
    pub fn stop(&self) {
        let _ = self.stop.send(true);
    }
}

impl Drop for Flight {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts the autopilot. `remember` keeps each weight split it sets (the saved demo).
pub fn start(
    session: Session,
    route: RouteName,
    plan: CanaryPlan,
    tap: SampleTap,
    tx: UnboundedSender<Msg>,
    remember: impl Fn(Vec<(String, i32)>) + Send + Sync + 'static,
) -> Flight {
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(async move {
        let targets = match route_weights::read(&session.target, &route).await {
            Ok(targets) => targets,
            Err(e) => return fail(&tx, format!("DescribeRoute: {e}")),
        };
        let pair = match pair_of(&targets, None, None) {
            Ok(pair) => pair,
            Err(e) => return fail(&tx, e),
        };
        let (samples_tx, samples) = mpsc::channel(64);
        *tap.lock() = Some(samples_tx);
        let pilot = Pilot {
            plan,
            pair: pair.clone(),
            target: session.target.clone(),
            route,
        };
        pilot
            .fly(samples, stopped, |event| {
                if moved_weights(event.stage) {
                    let split = split(&targets, &pair, event.canary_weight);
                    remember(split.clone());
                    let _ = tx.send(Msg::Weights(Weights { targets: split }));
                }
                let _ = tx.send(Msg::Autopilot(Box::new(event)));
            })
            .await;
        *tap.lock() = None;
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
