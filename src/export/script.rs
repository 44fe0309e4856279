//! The walkthrough as a bash script of aws CLI calls: each API step's `--cli-input-json`
//! command as the CLI tab shows it (the target's endpoint and region filled in, the user's
//! edits included), every other step as comments saying what meshwalk does there.

use std::fmt::Write;

use crate::api::target::TargetKind;
use crate::session::Session;
use crate::walkthrough::cli_render;
use crate::walkthrough::input::InputError;
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
    steps: std::ops::Range<usize>,
    preamble: &Preamble<'_>,
) -> Result<String, (usize, InputError)> {
    let mut out = String::new();
    let session = &with_shell_variables(session);
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
    for (i, step) in session.walkthrough().steps_in(steps.clone()) {
        let _ = writeln!(out, "\n# Step {}: {}", i + 1, one_line(&step.title));
        match &step.kind {
            StepKind::Api { .. } => {
                let prepared = match session.prepare(i) {
                    Some(Ok(p)) => p,
                    Some(Err(e)) => return Err((i, e)),
                    None => continue,
                };
                let command = shell_variables_in(&cli_render::render(&prepared, &cli_target));
                let _ = writeln!(out, "{}", captured(step, command));
                if let Some(check) = super::verify_words(step) {
                    let _ = writeln!(out, "# meshwalk then waits for {}", check.replace('`', ""));
                }
            }
            StepKind::Info => {
                let _ = writeln!(out, "# (narrative only)");
            }
            StepKind::Traffic { requests, .. } => {
                let _ = writeln!(
                    out,
                    "# meshwalk sends {requests} requests through the requester here; to watch the split:\n#   meshwalk traffic{tail}"
                );
            }
            StepKind::Deployment {
                service, requester, ..
            } => {
                let cluster = session
                    .vars()
                    .substitute(&requester.cluster)
                    .unwrap_or_else(|_| requester.cluster.clone());
                let aws = cli_render::aws_prefix(&cli_target);
                let _ = writeln!(
                    out,
                    "# Waits for {service}'s deployment to end (meshwalk shows its stages and the split meanwhile).\n\
                     deployment=$({aws} ecs describe-services --cluster {cluster} --services {service} --query 'services[0].currentServiceDeployment' --output text)\n\
                     while status=$({aws} ecs describe-service-deployments --service-deployment-arns \"$deployment\" --query 'serviceDeployments[0].status' --output text) && \\\n\
                     \x20     case $status in PENDING|IN_PROGRESS|ROLLBACK_REQUESTED|ROLLBACK_IN_PROGRESS|STOP_REQUESTED) true;; *) false;; esac; do sleep 5; done\n\
                     echo \"{service}: $status\""
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

/// Stands in for a value a step learns when it runs (a revision number, a deployment ARN),
/// which the script reads into a shell variable instead.
const LEARNED: &str = "@@meshwalk-learned:";

/// The session with every value steps learn set to a stand-in for its shell variable.
fn with_shell_variables(session: &Session) -> Session {
    let mut session = session.clone();
    for step in session.walkthrough().steps.clone() {
        let names = step
            .revision_var
            .iter()
            .chain(step.learn.iter().map(|(name, _)| name));
        for name in names {
            session.set_var(name, &format!("{LEARNED}{name}@@"));
        }
    }
    session
}

/// A command with each stand-in replaced by its shell variable (the JSON is single-quoted:
/// the variable is spliced in double quotes between two single-quoted parts).
fn shell_variables_in(command: &str) -> String {
    let mut out = String::with_capacity(command.len());
    let mut rest = command;
    while let Some(start) = rest.find(LEARNED) {
        out.push_str(&rest[..start]);
        let after = &rest[start + LEARNED.len()..];
        let Some(end) = after.find("@@") else { break };
        let _ = write!(out, "'\"${}\"'", &after[..end]);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The command, its answer read into the shell variables the step teaches later steps.
fn captured(step: &crate::walkthrough::Step, command: String) -> String {
    if let Some(name) = &step.revision_var {
        return format!(
            "{name}=$({command} --query \"join(':', [taskDefinition.family, to_string(taskDefinition.revision)])\" --output text)"
        );
    }
    match step.learn.as_slice() {
        [(name, pointer)] => {
            let query = pointer.trim_start_matches('/').replace('/', ".");
            format!("{name}=$({command} --query '{query}' --output text)")
        }
        _ => command,
    }
}

/// The flags that point meshwalk's own commands (in comments) at the same target.
fn meshwalk_flags(session: &Session) -> String {
    let target = session.target();
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
