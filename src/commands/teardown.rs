//! `meshwalk teardown`: deletes what the walkthrough creates; safe to repeat.

use std::io::Write;

use color_eyre::Result;
use color_eyre::eyre::bail;

use super::target::{Connected, confirm_aws};
use crate::cli::TargetArgs;
use crate::walkthrough::teardown::teardown;

pub async fn run(
    connected: Connected,
    target_args: &TargetArgs,
    out: &mut impl Write,
) -> Result<()> {
    confirm_aws(
        &connected.session,
        target_args,
        "delete the walkthrough's resources",
        0..0,
    )?;
    let mut failed = 0;
    let mut lines = Vec::new();
    let all = 0..connected.session.walkthrough.steps.len();
    let deletions = teardown(&connected.session, all, |d| {
        lines.push(match &d.result {
            Ok(how) => format!("✓ {:<44} {how}", d.what),
            Err(e) => format!("✗ {:<44} {e}", d.what),
        });
    })
    .await;
    for line in lines {
        writeln!(out, "{line}")?;
    }
    failed += deletions.iter().filter(|d| d.result.is_err()).count();
    if failed > 0 {
        bail!("{failed} deletions failed; run teardown again once the cause is fixed");
    }
    Ok(())
}
