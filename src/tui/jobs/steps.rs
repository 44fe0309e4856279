//! The steps the App asks to run, each in a task of its own, through the session's one step
//! runner: its events become toasts, its report a `StepFinished`. A resume replays the steps
//! done before, in order.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::session::events::{Events, StepEvent};
use crate::session::local_cloud::{ClockChange, LocalCloud, REPLAY_PACE};
use crate::session::progress::Demo;
use crate::session::{Outcome, Session, StepError, StepReport};
use crate::tui::app::{Msg, Resumed, Weights};
use crate::tui::inputs::inputs_of;
use crate::walkthrough::step::StepKind;

/// How long one step may take before the UI calls it failed.
const STEP_TIMEOUT: Duration = Duration::from_secs(90);

/// Runs step `index` and shows what it tells: its status lines and deletions as toasts, then
/// its report. A teardown (which on AWS waits for services to drain, minutes) has no timeout;
/// any other step has the step timeout.
pub fn run(session: Session, index: usize, update: bool, tx: UnboundedSender<Msg>) {
    let teardown = matches!(
        session.walkthrough().steps.get(index).map(|s| &s.kind),
        Some(StepKind::Teardown)
    );
    tokio::spawn(async move {
        let (events, stream) = Events::channel();
        let shown = tokio::spawn(show_step_events(stream, tx.clone(), teardown));
        let running = session.run_with(index, update, &events);
        if teardown {
            running.await;
        } else if tokio::time::timeout(STEP_TIMEOUT, running).await.is_err() {
            let late = failed(format!("no answer within {} s", STEP_TIMEOUT.as_secs()));
            events.send(StepEvent::Finished(index, Box::new(late)));
        }
        drop(events);
        let _ = shown.await;
        // What the step learned (a revision, an ARN) fills later steps' inputs.
        let step = &session.walkthrough().steps[index];
        if step.revision_var.is_some() || !step.learn.is_empty() {
            let _ = tx.send(Msg::Inputs(inputs_of(&session)));
        }
    });
}

/// Replays `steps` in order (resuming on a fresh embedded cloud), reporting each, then what the
/// replay did and what the presenter had set live (`demo`).
/// On the embedded cloud the replay runs at a fast clock ([`REPLAY_PACE`]), whatever the
/// presenter's pace, which is back (paused or not) as soon as the last step returned: a
/// deployment the last step started goes on at the presenter's pace.
pub fn replay(
    session: Session,
    steps: Vec<usize>,
    demo: Demo,
    cloud: Option<LocalCloud>,
    tx: UnboundedSender<Msg>,
) {
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        // A classroom seat's replay runs at the room's pace: the clock is everyone's.
        let pace = cloud.as_ref().filter(|c| c.owns_clock()).map(|c| {
            let (scale, paused) = (c.clock_scale(), c.clock().paused());
            c.set_clock(ClockChange::To {
                scale: REPLAY_PACE,
                paused: false,
            });
            let _ = tx.send(Msg::Clock {
                scale: REPLAY_PACE,
                paused: false,
            });
            (c, scale, paused)
        });
        let mut replayed = 0;
        let mut complete = true;
        for index in steps {
            let report = session.run(index, false).await;
            let ok = report.outcome.is_success();
            let _ = tx.send(Msg::StepFinished(index, Box::new(report)));
            if !ok {
                complete = false;
                break;
            }
            replayed += 1;
        }
        if let Some((cloud, scale, paused)) = pace {
            let (scale, paused) = cloud.set_clock(ClockChange::To { scale, paused });
            let _ = tx.send(Msg::Clock { scale, paused });
        }
        let _ = tx.send(Msg::Resumed(Resumed {
            replayed,
            elapsed: started.elapsed(),
            complete,
            weights: demo.weights.map(|targets| Weights { targets }),
            fault: demo.fault,
        }));
    });
}

/// Looks up the revisions earlier sessions registered (chapter 2's steps deploy by them), then
/// sends the inputs anew; nothing to do where none was registered.
pub fn learn_registered_revisions(session: Session, tx: UnboundedSender<Msg>) {
    let unlearned = session.walkthrough().steps.iter().any(|s| {
        s.revision_var
            .as_ref()
            .is_some_and(|n| session.vars().get(n).is_none())
    });
    if !unlearned {
        return;
    }
    tokio::spawn(async move {
        let all = session.walkthrough().steps.len();
        let learned = tokio::time::timeout(
            Duration::from_secs(20),
            session.learn_registered_revisions(all),
        )
        .await;
        if learned.is_ok() {
            let _ = tx.send(Msg::Inputs(inputs_of(&session)));
        }
    });
}

/// A step's events as the UI shows them: toasts while it runs, then its report (after a
/// teardown, the traffic pane is told the traffic is gone first).
async fn show_step_events(
    mut stream: tokio::sync::mpsc::UnboundedReceiver<StepEvent>,
    tx: UnboundedSender<Msg>,
    teardown: bool,
) {
    while let Some(event) = stream.recv().await {
        let msg = match event {
            StepEvent::Status(line) if teardown => Msg::Toast(format!("teardown: {line}")),
            StepEvent::Status(line) => Msg::Toast(line),
            StepEvent::Deleted(d) => Msg::Toast(match &d.result {
                Ok(how) => format!("teardown: ✓ {} {how}", d.what),
                Err(e) => format!("teardown: ✗ {}: {e}", d.what),
            }),
            // The panes show the traffic job's own samples and the deployment watch's looks.
            StepEvent::Poll(_) | StepEvent::Traffic(_) => continue,
            StepEvent::TestTraffic(sample) => Msg::TestTraffic(sample),
            StepEvent::Finished(index, report) => {
                if teardown {
                    let _ = tx.send(Msg::TrafficStopped(format!(
                        "teardown: {}",
                        report.outcome.label()
                    )));
                }
                Msg::StepFinished(index, report)
            }
        };
        let _ = tx.send(msg);
    }
}

fn failed(message: String) -> StepReport {
    StepReport {
        outcome: Outcome::Failed(StepError {
            code: None,
            message,
        }),
        prepared: None,
        cli: None,
        exchange: None,
        elapsed: Duration::ZERO,
    }
}
