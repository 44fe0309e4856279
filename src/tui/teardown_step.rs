//! The terminal UI's teardown step: deletes what its chapter created, saying each deletion and
//! each wait (a service draining: minutes on AWS) in a toast as it happens, then reports as a
//! step.

use std::ops::Range;

use tokio::sync::mpsc::UnboundedSender;

use super::app::Msg;
use super::effects::{done, failed};
use crate::session::teardown::teardown;
use crate::session::{Session, StatusLine};

/// Tears down the `steps` of the teardown step `index`'s chapter and reports to `tx`.
pub(super) async fn run(
    mut session: Session,
    steps: Range<usize>,
    index: usize,
    tx: UnboundedSender<Msg>,
) {
    let said = tx.clone();
    session.status_line = Some(StatusLine::new(move |line| {
        let _ = said.send(Msg::Toast(format!("teardown: {line}")));
    }));
    let deletions = teardown(&session, steps, |d| {
        let line = match &d.result {
            Ok(how) => format!("teardown: ✓ {} {how}", d.what),
            Err(e) => format!("teardown: ✗ {}: {e}", d.what),
        };
        let _ = tx.send(Msg::Toast(line));
    })
    .await;
    let failures: Vec<String> = deletions
        .iter()
        .filter_map(|d| d.result.as_ref().err().map(|e| format!("{}: {e}", d.what)))
        .collect();
    let report = if failures.is_empty() {
        done()
    } else {
        failed(failures.join("\n"))
    };
    let _ = tx.send(Msg::TrafficStopped(format!(
        "teardown: {} deletions",
        deletions.len()
    )));
    let _ = tx.send(Msg::StepFinished(index, Box::new(report)));
}
