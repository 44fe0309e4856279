//! Asking before AWS is changed: where, what it costs, and a yes.

use std::io::{BufRead, IsTerminal, Write};

use color_eyre::Result;

use crate::api::target::TargetKind;
use crate::cli::TargetArgs;
use crate::session::Session;
use crate::user_error::UserError;

/// On AWS, says where resources will be created or deleted, what the chapters among `steps`
/// cost while they run, and asks (unless --yes).
pub fn confirm_aws(
    session: &Session,
    args: &TargetArgs,
    doing: &str,
    steps: std::ops::Range<usize>,
) -> Result<()> {
    if !matches!(session.target().kind, TargetKind::Aws { .. }) || args.yes {
        return Ok(());
    }
    eprintln!("This will {doing} in {}.", session.target().describe());
    for chapter in session.walkthrough().chapters() {
        if let Some(cost) = &chapter.aws_cost
            && chapter.steps.start < steps.end
            && steps.start < chapter.steps.end
        {
            eprintln!(
                "Chapter {} ({}) costs {cost}; `meshwalk teardown` removes all of it.",
                chapter.number, chapter.title
            );
        }
    }
    if !std::io::stdin().is_terminal() {
        return Err(UserError::new(
            "not asking on a non-interactive input",
            "pass --yes to go ahead",
        )
        .into());
    }
    eprint!("Go ahead? [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if !matches!(answer.trim(), "y" | "Y" | "yes") {
        return Err(UserError::new(
            "stopped: nothing was changed",
            "answer y to go ahead, or leave --aws out to use the embedded cloud",
        )
        .into());
    }
    Ok(())
}
