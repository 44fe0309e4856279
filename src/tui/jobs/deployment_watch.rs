//! The deployment watch's job: it owns the poller of the service the traffic pane shows (one
//! at a time) and the deployment it last saw, which `R` rolls back.

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::Inbox;
use super::deployment_poller::{self, Watch};
use crate::emulator::clock::Clock;
use crate::session::Session;
use crate::tui::app::Msg;

enum Order {
    /// Watch the service step `step` names, in place of what was watched before.
    Watch {
        session: Session,
        step: usize,
    },
    /// StopServiceDeployment with ROLLBACK on the deployment last seen.
    RollBack(Session),
    Stop,
}

#[derive(Clone)]
pub struct WatchJob(Inbox<Order>);

impl WatchJob {
    /// `clock`: the embedded cloud's, for the bake countdowns (none: the wall clock).
    pub fn start(clock: Option<Clock>, tx: UnboundedSender<Msg>) -> WatchJob {
        let (inbox, mut orders) = Inbox::new();
        tokio::spawn(async move {
            let mut poller: Option<JoinHandle<()>> = None;
            // The deployment the poller saw last, as the poller says it.
            let (seen_tx, seen) = watch::channel(None::<String>);
            while let Some(order) = orders.recv().await {
                match order {
                    Order::Watch { session, step } => {
                        let watching = Watch::of_step(&session, step).map(|watch| {
                            deployment_poller::spawn(
                                session,
                                watch,
                                clock.clone(),
                                tx.clone(),
                                seen_tx.clone(),
                            )
                        });
                        if let Some(old) = std::mem::replace(&mut poller, watching) {
                            old.abort();
                        }
                    }
                    Order::Stop => {
                        if let Some(old) = poller.take() {
                            old.abort();
                        }
                    }
                    Order::RollBack(session) => {
                        let arn = seen.borrow().clone();
                        tokio::spawn(roll_back(session, arn, tx.clone()));
                    }
                }
            }
            if let Some(old) = poller {
                old.abort();
            }
        });
        WatchJob(inbox)
    }

    pub fn watch(&self, session: Session, step: usize) {
        self.0.send(Order::Watch { session, step });
    }

    pub fn roll_back(&self, session: Session) {
        self.0.send(Order::RollBack(session));
    }

    pub fn stop(&self) {
        self.0.send(Order::Stop);
    }
}

/// `R`: StopServiceDeployment with ROLLBACK on `arn`, said in a toast.
async fn roll_back(session: Session, arn: Option<String>, tx: UnboundedSender<Msg>) {
    let Some(arn) = arn else {
        let _ = tx.send(Msg::Toast("no deployment to roll back".into()));
        return;
    };
    let sent = session
        .target()
        .ecs
        .stop_service_deployment()
        .service_deployment_arn(&arn)
        .stop_type(aws_sdk_ecs::types::StopServiceDeploymentStopType::Rollback)
        .send()
        .await;
    let _ = tx.send(Msg::Toast(match sent {
        Ok(_) => "rolling back: StopServiceDeployment ROLLBACK accepted".into(),
        Err(e) => format!("StopServiceDeployment: {}", crate::api::describe_error(&e)),
    }));
}
