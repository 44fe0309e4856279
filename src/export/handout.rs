//! The walkthrough as a Markdown handout: each step's narrative, its aws CLI command and the
//! result the user's own session recorded for this target — or "not run yet", never an
//! invented one.

use std::fmt::Write;

use crate::session::Session;
use crate::session::recorded::{RecordedResult, Results};
use crate::walkthrough::cli_render;
use crate::walkthrough::input::InputError;
use crate::walkthrough::step::StepKind;

/// The handout for steps `0..=last`, with `results` recorded for the session's target.
pub fn handout(
    session: &Session,
    steps: std::ops::Range<usize>,
    results: &Results,
    target: &str,
) -> String {
    let key = session.target().key();
    let cli_target = session.cli_target();
    let mut out = String::new();
    let title = session
        .walkthrough()
        .chapter_of(steps.start)
        .map(|c| c.title)
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "AWS App Mesh, step by step".into());
    let _ = writeln!(out, "# {title}: handout\n");
    let _ = writeln!(
        out,
        "Written by `meshwalk export` for {target}. The results are the ones your session \
         recorded; a step without one says so.\n"
    );
    for (i, step) in session.walkthrough().steps_in(steps.clone()) {
        let _ = writeln!(out, "## {}. {}\n", i + 1, step.title);
        if !step.narrative.is_empty() {
            let _ = writeln!(out, "{}\n", demote_headings(&step.narrative));
        }
        let recorded = results.get(&key, &step.id);
        match &step.kind {
            StepKind::Api { .. } => {
                match session.prepare(i) {
                    Some(Ok(p)) => {
                        let _ =
                            writeln!(out, "```sh\n{}\n```\n", cli_render::render(&p, &cli_target));
                    }
                    Some(Err(e)) => write_unsendable(&mut out, &e),
                    None => {}
                }
                if let Some(check) = super::verify_words(step) {
                    let _ = writeln!(out, "meshwalk then waits for {check}.\n");
                }
                write_result(&mut out, recorded);
            }
            StepKind::Traffic { .. } | StepKind::Deployment { .. } | StepKind::Teardown => {
                write_result(&mut out, recorded)
            }
            StepKind::Info => {}
        }
    }
    out
}

/// A narrative's headings two levels down, under its step's `##` heading (code blocks kept).
fn demote_headings(markdown: &str) -> String {
    let mut in_code = false;
    let lines: Vec<String> = markdown
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("```") {
                in_code = !in_code;
            }
            if !in_code && line.starts_with('#') {
                format!("##{line}")
            } else {
                line.to_string()
            }
        })
        .collect();
    lines.join("\n")
}

fn write_unsendable(out: &mut String, e: &InputError) {
    let _ = writeln!(out, "> This step's input cannot be sent as it is: {e}\n");
}

fn write_result(out: &mut String, recorded: Option<&RecordedResult>) {
    let Some(r) = recorded else {
        let _ = writeln!(out, "**Result:** not run yet.\n");
        return;
    };
    let when = aws_smithy_types::DateTime::from_millis(i64::try_from(r.at_ms).unwrap_or(0))
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default();
    let status = r.status.map(|s| format!(", HTTP {s}")).unwrap_or_default();
    let _ = writeln!(
        out,
        "**Result** (your session, {when}{status}): {}\n",
        r.outcome
    );
    if let Some(response) = &r.response {
        let _ = writeln!(out, "```json\n{response}\n```\n");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_narratives_headings_go_under_its_step() {
        assert_eq!(
            super::demote_headings("# Welcome\ntext\n```sh\n# a comment\n```"),
            "### Welcome\ntext\n```sh\n# a comment\n```"
        );
    }
}
