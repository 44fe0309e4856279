//! The walkthrough as a bash script of aws CLI calls: each API step's `--cli-input-json`
//! command as the CLI tab shows it (the target's endpoint and region filled in, the user's
//! edits included), every other step as comments saying what meshwalk does there.

use std::fmt::Write;

use crate::api::target::TargetKind;
use crate::walkthrough::cli_render;
use crate::walkthrough::input::InputError;
use crate::walkthrough::runner::Session;
use crate::walkthrough::step::StepKind;

/// What to tell someone running the script about the target (e.g. "start `meshwalk serve`").
pub struct Preamble<'a> {
    pub target: &'a str,
    pub before: Option<&'a str>,
}

/// The script for steps `0..=last`. An input that cannot be sent stops the export: a script
/// that fails halfway helps nobody.
pub fn script(
    session: &Session,
    last: usize,
    preamble: &Preamble<'_>,
) -> Result<String, (usize, InputError)> {
    let mut out = String::new();
    let cli_target = session.cli_target();
    let tail = meshwalk_flags(session);
    // Writing to a String cannot fail.
    let _ = writeln!(out, "#!/usr/bin/env bash");
    let _ = writeln!(
        out,
        "# The meshwalk walkthrough as aws CLI calls (written by `meshwalk export`)."
    );
    let _ = writeln!(out, "# Target: {}.", preamble.target);
    if let Some(before) = preamble.before {
        let _ = writeln!(out, "# Before running it: {before}");
    }
    let _ = writeln!(out, "set -euo pipefail");
    let _ = writeln!(
        out,
        "# The aws CLI v2 pages long output; a script must not wait for a key."
    );
    let _ = writeln!(out, "export AWS_PAGER=\"\"");
    for (i, step) in session.walkthrough.steps.iter().enumerate().take(last + 1) {
        let _ = writeln!(out, "\n# Step {}: {}", i + 1, one_line(&step.title));
        match &step.kind {
            StepKind::Api { .. } => {
                let prepared = match session.prepare(i) {
                    Some(Ok(p)) => p,
                    Some(Err(e)) => return Err((i, e)),
                    None => continue,
                };
                let _ = writeln!(out, "{}", cli_render::render(&prepared, &cli_target));
                if let Some(check) = super::verify_words(step) {
                    let _ = writeln!(out, "# meshwalk then waits for {}", check.replace('`', ""));
                }
            }
            StepKind::Info => {
                let _ = writeln!(out, "# (narrative only)");
            }
            StepKind::Traffic { requests } => {
                let _ = writeln!(
                    out,
                    "# meshwalk sends {requests} requests through the requester here; to watch the split:\n#   meshwalk traffic{tail}"
                );
            }
            StepKind::Teardown => {
                let _ = writeln!(
                    out,
                    "# Deletes everything the walkthrough created; not run by this script:\n#   meshwalk teardown{tail}"
                );
            }
        }
    }
    Ok(out)
}

/// The flags that point meshwalk's own commands (in comments) at the same target.
fn meshwalk_flags(session: &Session) -> String {
    let target = &session.target;
    let mut flags = String::new();
    match &target.kind {
        TargetKind::Aws { profile } => {
            flags.push_str(" --aws");
            if let Some(profile) = profile {
                let _ = write!(flags, " --profile {}", cli_render::shell_word(profile));
            }
        }
        _ => {
            if let Some(url) = &target.endpoint_url {
                let _ = write!(flags, " --endpoint-url {}", cli_render::shell_word(url));
            }
        }
    }
    let _ = write!(
        flags,
        " --region {}",
        cli_render::shell_word(&target.region)
    );
    flags
}

/// A title on one comment line.
fn one_line(text: &str) -> String {
    text.replace(['\r', '\n'], " ")
}
