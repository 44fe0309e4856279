//! `meshwalk run`: steps in order without the terminal UI, one line (or JSON object) per step;
//! exits non-zero with the failing step's error.

use std::io::Write;

use color_eyre::Result;
use serde_json::json;

use super::StatusOut;
use super::target::confirm_aws;
use crate::api::target::TargetKind;
use crate::cli::{RunArgs, TargetArgs};
use crate::session::approval::Approval;
use crate::session::connect::Connected;
use crate::session::events::{Events, StepEvent, showing};
use crate::session::recorded::Results;
use crate::session::{Outcome, StepReport};
use crate::user_error::UserError;
use crate::walkthrough::Step;
use crate::walkthrough::StepKind;

/// Which steps a run covers: (replayed quietly first, run and reported).
pub fn plan(connected: &Connected, args: &RunArgs) -> Result<(Vec<usize>, Vec<usize>)> {
    let w = connected.session.walkthrough();
    let chapters = w.chapters();
    let chapter = match args.chapter {
        Some(n) => Some(chapters.get(n.wrapping_sub(1)).ok_or_else(|| {
            UserError::new(
                format!("there is no chapter {n}"),
                format!("this walkthrough has chapters 1-{}", chapters.len()),
            )
        })?),
        None => None,
    };
    let find = |which: &str| {
        let qualified = match chapter {
            Some(c) if !which.contains(':') => format!("{}:{which}", c.number),
            _ => which.to_string(),
        };
        w.find(&qualified).ok_or_else(|| {
            UserError::new(
                format!("there is no step '{which}'"),
                format!(
                    "give a step's number (1-{}), the start of its name (e.g. {}), or CHAPTER:STEP (e.g. {}:1)",
                    w.steps.len(),
                    w.steps.last().map_or("", |s| s.id.as_str()),
                    chapters.len()
                ),
            )
        })
    };
    let runnable = |i: &usize| !matches!(w.steps[*i].kind, StepKind::Teardown);
    if let Some(step) = &args.step {
        let n = find(step)?;
        // A chapter stands on its own: replaying its earlier steps is enough.
        let start = w.chapter_of(n).map_or(0, |c| c.steps.start);
        let replay = if matches!(connected.session.target().kind, TargetKind::Embedded) {
            (start..n).filter(runnable).collect()
        } else {
            Vec::new()
        };
        return Ok((replay, vec![n]));
    }
    let range = chapter.map_or(0..w.steps.len(), |c| c.steps.clone());
    let last = match &args.to {
        Some(step) => find(step)?,
        None => range.end - 1,
    };
    let first = match chapter {
        Some(c) => c.steps.start,
        // Up to a step of a later chapter: from that chapter's start.
        None if args.to.is_some() => w.chapter_of(last).map_or(0, |c| c.steps.start),
        None => 0,
    };
    if last < first {
        return Err(UserError::new(
            format!(
                "step '{}' is not in chapter {}",
                args.to.as_deref().unwrap_or_default(),
                args.chapter.unwrap_or(1)
            ),
            "leave --chapter out, or name a step of that chapter",
        )
        .into());
    }
    Ok((Vec::new(), (first..=last).filter(runnable).collect()))
}

pub async fn run(
    mut connected: Connected,
    target_args: &TargetArgs,
    args: &RunArgs,
    out: &mut impl Write,
    status: StatusOut<'_>,
) -> Result<Vec<StepReport>> {
    connected.session = connected.session.clone().with_approval(approval(args));
    let (replay, steps) = plan(&connected, args)?;
    confirm_aws(
        &connected.session,
        target_args,
        "create the walkthrough's resources",
        scope_of(&replay, &steps),
    )?;
    // The embedded cloud dies with this process: what a headless run did there is not done for
    // the next session (the terminal UI would otherwise skip steps a fresh cloud never saw).
    let records_progress = !matches!(connected.session.target().kind, TargetKind::Embedded);
    replay_quietly(&connected, replay, args.update).await?;
    let (reports, failure) =
        run_steps(&mut connected, steps, args, records_progress, out, status).await?;
    if !args.json && failure.is_none() {
        write_summary(out, &reports)?;
    }
    if records_progress && let Err(e) = connected.progress.save(&connected.state_dir) {
        tracing::warn!("could not save progress: {e}");
    }
    match failure {
        // The call's own error says what is wrong (an input, the endpoint, the account).
        Some(f) => Err(UserError::new(
            f,
            "fix the cause and run again: steps already done are safe to repeat",
        )
        .into()),
        None => Ok(reports),
    }
}

/// Who answers a deployment paused at a PAUSE hook: the flags, else the terminal, else nobody
/// (the step then says which flag to pass).
fn approval(args: &RunArgs) -> Approval {
    use std::io::IsTerminal;
    if args.approve {
        Approval::Approve
    } else if args.reject {
        Approval::Reject
    } else if std::io::stdin().is_terminal() {
        Approval::Ask
    } else {
        Approval::Nobody
    }
}

/// The steps the run may create resources for: from the first replayed to the last run.
fn scope_of(replay: &[usize], steps: &[usize]) -> std::ops::Range<usize> {
    match (replay.first(), steps.first(), steps.last()) {
        (first, Some(start), Some(end)) => *first.unwrap_or(start)..end + 1,
        _ => 0..0,
    }
}

/// Replays the steps a chapter's step stands on, reporting nothing unless one fails. On the
/// embedded cloud the replay runs at a fast clock; the step asked for at the run's own.
async fn replay_quietly(connected: &Connected, replay: Vec<usize>, update: bool) -> Result<()> {
    let clock = connected.embedded.as_ref().map(|cloud| cloud.clock());
    let pace = clock.as_ref().map(|c| (c.scale(), c.paused()));
    if let Some(c) = &clock
        && !replay.is_empty()
    {
        c.set(crate::session::local_cloud::REPLAY_PACE, false);
    }
    let replayed = replay_each(connected, replay, update).await;
    if let (Some(c), Some((scale, paused))) = (&clock, pace) {
        c.set(scale, paused);
    }
    replayed
}

async fn replay_each(connected: &Connected, replay: Vec<usize>, update: bool) -> Result<()> {
    for i in replay {
        let report = connected.session.run(i, update).await;
        if !report.outcome.is_success() {
            return Err(UserError::new(
                format!(
                    "replaying step {} ({}) failed: {}",
                    i + 1,
                    connected.session.walkthrough().steps[i].title,
                    report.outcome.label()
                ),
                "run the steps in order with `meshwalk run --to STEP` to see which one goes wrong",
            )
            .into());
        }
    }
    Ok(())
}

/// Runs the steps in order, reporting and recording each, up to the first that fails; returns
/// the reports and what failed.
async fn run_steps(
    connected: &mut Connected,
    steps: Vec<usize>,
    args: &RunArgs,
    records_progress: bool,
    out: &mut impl Write,
    status: StatusOut<'_>,
) -> Result<(Vec<StepReport>, Option<String>)> {
    let key = connected.session.target().key();
    let mut reports = Vec::new();
    let mut failure = None;
    for i in steps {
        let (events, stream) = Events::channel();
        let running = connected.session.run_with(i, args.update, &events);
        let report = showing(running, stream, |event| {
            if let StepEvent::Status(line) = event {
                status(&line);
            }
        })
        .await;
        let step = &connected.session.walkthrough().steps[i];
        write_report(out, args.json, i, step, &report)?;
        let ok = report.outcome.is_success();
        if let Err(e) = Results::record(&connected.state_dir, &key, &step.id, &report) {
            tracing::warn!("could not record the result: {e}");
        }
        if ok {
            let walkthrough = connected.session.walkthrough();
            if let Outcome::TornDown(_) = report.outcome {
                // What the chapter's steps made is gone: none of them is done any more.
                let chapter = walkthrough.chapter_of(i).map_or(0..0, |c| c.steps);
                let ids = walkthrough.steps[chapter].iter().map(|s| s.id.as_str());
                connected.progress.forget_done(&key, ids);
            } else if records_progress && report.outcome.is_done() {
                // A differing resource is reported and kept, not done: the UI shows it so too.
                connected.progress.mark_done(&key, &step.id);
            }
        } else {
            failure = Some(format!(
                "step {} ({}) failed: {}",
                i + 1,
                step.title,
                report.outcome.label()
            ));
        }
        reports.push(report);
        if failure.is_some() {
            break;
        }
    }
    Ok((reports, failure))
}

/// The line after the steps: how many are done, and how many differ.
fn write_summary(out: &mut impl Write, reports: &[StepReport]) -> std::io::Result<()> {
    let differ = reports
        .iter()
        .filter(|r| matches!(r.outcome, Outcome::Differs(_)))
        .count();
    let done = reports.iter().filter(|r| r.outcome.is_done()).count();
    match differ {
        0 => writeln!(out, "{} done", steps(done)),
        n => writeln!(
            out,
            "{} done, {n} differ{} (kept as they are: --update applies the steps' spec)",
            steps(done),
            if n == 1 { "s" } else { "" }
        ),
    }
}

/// "1 step", "2 steps".
fn steps(n: usize) -> String {
    format!("{n} {}", if n == 1 { "step" } else { "steps" })
}

/// One step's line (or JSON object), with what differs under it.
fn write_report(
    out: &mut impl Write,
    json: bool,
    i: usize,
    step: &Step,
    report: &StepReport,
) -> std::io::Result<()> {
    let call = match &step.kind {
        StepKind::Api { call, .. } => format!("{}:{}", call.service().cli_name(), call.operation),
        StepKind::Traffic { .. } => "traffic".into(),
        StepKind::Deployment { .. } => "deployment".into(),
        StepKind::Info => "info".into(),
        StepKind::Teardown => "teardown".into(),
    };
    let ms = report.elapsed.as_secs_f64() * 1000.0;
    if json {
        let error = match &report.outcome {
            Outcome::Failed(e) => json!({"code": e.code, "message": e.message}),
            Outcome::Differs(d) => {
                json!({"code": null, "message": "exists with another spec", "differences": d})
            }
            _ => serde_json::Value::Null,
        };
        writeln!(
            out,
            "{}",
            json!({"step": i + 1, "id": step.id, "title": step.title, "call": call, "ok": report.outcome.is_success(), "outcome": report.outcome.label(), "ms": (ms * 10.0).round() / 10.0, "error": error})
        )?;
    } else {
        let mark = match &report.outcome {
            Outcome::Failed(_) => "✗",
            Outcome::Differs(_) => "!",
            _ => "✓",
        };
        writeln!(
            out,
            "{mark} {:>2}  {:<56} {:<30} {:>8.1} ms  {}",
            i + 1,
            step.title,
            call,
            ms,
            report.outcome.label()
        )?;
        if let Outcome::Differs(diff) = &report.outcome {
            for d in diff {
                writeln!(out, "       {d}")?;
            }
            writeln!(
                out,
                "       (run again with --update to apply the step's spec)"
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn done() -> StepReport {
        StepReport {
            outcome: Outcome::Done,
            prepared: None,
            cli: None,
            exchange: None,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn the_summary_counts_in_words() {
        let said = |reports: &[StepReport]| {
            let mut out = Vec::new();
            write_summary(&mut out, reports).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(said(&[done()]), "1 step done\n");
        assert_eq!(said(&[done(), done()]), "2 steps done\n");
    }
}
