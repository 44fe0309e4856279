//! `meshwalk teardown`: deletes what the walkthrough creates; safe to repeat.

use std::io::Write;

use color_eyre::Result;
use color_eyre::eyre::bail;

use super::StatusOut;
use super::target::confirm_aws;
use crate::api::target::TargetKind;
use crate::cli::TargetArgs;
use crate::session::connect::Connected;
use crate::session::events::{Events, StepEvent, showing};
use crate::session::teardown::teardown;

pub async fn run(
    connected: Connected,
    target_args: &TargetArgs,
    out: &mut impl Write,
    status: StatusOut<'_>,
) -> Result<()> {
    if matches!(connected.session.target().kind, TargetKind::Embedded) {
        // A cloud started for this command holds nothing: deleting from it would only say
        // "already gone" for every resource, as if something had been cleaned.
        writeln!(
            out,
            "nothing to tear down: this command's embedded cloud starts empty, and the terminal \
             UI's ends with it. Pass --endpoint-url to tear down a `meshwalk serve`, or --aws"
        )?;
        return Ok(());
    }
    confirm_aws(
        &connected.session,
        target_args,
        "delete the walkthrough's resources",
        0..0,
    )?;
    // Each deletion is said as it ends: on AWS, draining a service takes minutes.
    let mut unwritten = None;
    let all = 0..connected.session.walkthrough().steps.len();
    let (events, stream) = Events::channel();
    let deletions = showing(
        teardown(&connected.session, all, &events),
        stream,
        |event| {
            let line = match event {
                StepEvent::Deleted(d) => match &d.result {
                    Ok(how) => format!("✓ {:<44} {how}", d.what),
                    Err(e) => format!("✗ {:<44} {e}", d.what),
                },
                StepEvent::Status(line) => return status(&line),
                _ => return,
            };
            if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                unwritten.get_or_insert(e);
            }
        },
    )
    .await;
    if let Some(e) = unwritten {
        return Err(e.into());
    }
    let failed = deletions.iter().filter(|d| d.result.is_err()).count();
    if failed > 0 {
        bail!("{failed} deletions failed; run teardown again once the cause is fixed");
    }
    Ok(())
}
