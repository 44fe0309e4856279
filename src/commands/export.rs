//! `meshwalk export`: the walkthrough as a runnable aws CLI script or a Markdown handout, for
//! the target the flags name. Nothing is called, except STS to learn the account with --aws.

use std::io::Write;

use color_eyre::Result;
use color_eyre::eyre::WrapErr;

use crate::api::target::{DEFAULT_ACCOUNT, Target, TargetKind};
use crate::cli::{ExportArgs, ExportFormat, TargetArgs};
use crate::export::{handout, script};
use crate::session::Session;
use crate::session::progress::{Progress, state_dir};
use crate::session::recorded::Results;
use crate::user_error::UserError;

/// Where the script sends its calls without --endpoint-url or --aws: `meshwalk serve`'s
/// default address (the embedded cloud of the terminal UI lives only as long as the UI).
pub const SERVE_URL: &str = "http://127.0.0.1:4566";

/// The walkthrough bound to the target the flags name, with the user's edits.
pub async fn session(args: &TargetArgs) -> Result<Session> {
    let walkthrough = crate::session::connect::walkthrough(args)?;
    let region = args.region.clone().unwrap_or_else(|| "us-east-1".into());
    let target = if args.aws {
        Target::aws(args.profile.as_deref(), args.region.as_deref())
            .await
            .map_err(|e| {
                UserError::new(
                    e,
                    "set up AWS credentials (`aws configure`, `aws sso login`, AWS_PROFILE or \
                     --profile), or leave --aws out",
                )
            })?
    } else if let Some(url) = &args.endpoint_url {
        Target::endpoint(TargetKind::Endpoint, url, &region, DEFAULT_ACCOUNT)
            .identified()
            .await
            .map_err(|e| {
                UserError::new(
                    e,
                    "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to one account's keys",
                )
            })?
    } else {
        Target::endpoint(TargetKind::Embedded, SERVE_URL, &region, "000000000000")
    };
    let session = Session::new(walkthrough, target, &args.vars);
    // Unreadable progress is told by the commands that use it; a handout goes on without edits.
    Ok(match Progress::load(&state_dir()) {
        Ok(loaded) => session.with_edits(loaded.progress.edits),
        Err(_) => session,
    })
}

/// Writes the export of `session` to `out`; a handout shows `results` (recorded in the state
/// directory by the terminal UI and `meshwalk run`).
pub fn export(
    session: &Session,
    args: &ExportArgs,
    results: &Results,
    out: &mut impl Write,
) -> Result<()> {
    let w = session.walkthrough();
    let chapters = w.chapters();
    let Some(chapter) = (args.chapter as usize)
        .checked_sub(1)
        .and_then(|i| chapters.get(i))
    else {
        return Err(UserError::new(
            format!("there is no chapter {}", args.chapter),
            format!("this walkthrough has chapters 1-{}", chapters.len()),
        )
        .into());
    };
    let last = match &args.to {
        Some(which) => {
            let qualified = if which.contains(':') {
                which.clone()
            } else {
                format!("{}:{which}", chapter.number)
            };
            w.find(&qualified)
                .filter(|i| chapter.steps.contains(i))
                .ok_or_else(|| {
                    UserError::new(
                        format!("there is no step '{which}' in chapter {}", chapter.number),
                        format!(
                            "give a step's number in the chapter (1-{}) or the start of its name",
                            chapter.steps.len()
                        ),
                    )
                })?
        }
        None => chapter.steps.end - 1,
    };
    let steps = chapter.steps.start..last + 1;
    let target = match session.target().kind {
        TargetKind::Embedded => format!(
            "`meshwalk serve` at {SERVE_URL} ({})",
            session.target().region
        ),
        _ => session.target().describe(),
    };
    let text = match args.format {
        ExportFormat::Sh => {
            let before = matches!(session.target().kind, TargetKind::Embedded)
                .then_some("start the embedded cloud with `meshwalk serve` in another terminal.");
            let preamble = script::Preamble {
                target: &target,
                before,
            };
            script::script(session, steps, &preamble).map_err(|(i, e)| {
                UserError::new(
                    format!("step {} ({}) cannot be exported: {e}", i + 1, w.steps[i].title),
                    "fix the step's input (press e on it in meshwalk), or export --to the step before",
                )
            })?
        }
        ExportFormat::Md => handout::handout(session, steps, results, &target),
    };
    out.write_all(text.as_bytes())
        .wrap_err("could not write the export")?;
    Ok(())
}

/// `meshwalk export`: to the file `-o` names, or standard output.
pub async fn run(target_args: &TargetArgs, args: &ExportArgs) -> Result<()> {
    let session = session(target_args).await?;
    let results = Results::load(&state_dir());
    match &args.output {
        Some(path) => {
            let mut text = Vec::new();
            export(&session, args, &results, &mut text)?;
            std::fs::write(path, text).map_err(|e| {
                UserError::new(
                    format!("could not write {}: {e}", path.display()),
                    "pick a file in a folder you can write to",
                )
            })?;
            if matches!(args.format, crate::cli::ExportFormat::Sh) {
                make_executable(path);
            }
            Ok(())
        }
        None => export(&session, args, &results, &mut std::io::stdout().lock()),
    }
}

#[cfg(unix)]
fn make_executable(path: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mut perms = meta.permissions();
        perms.set_mode(perms.mode() | 0o111);
        let _ = std::fs::set_permissions(path, perms);
    }
}

#[cfg(not(unix))]
fn make_executable(_path: &std::path::Path) {}
