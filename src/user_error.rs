//! Mistakes a user can fix (a bad input file or walkthrough, an unreachable endpoint, missing
//! credentials), told plainly with what to do. Bugs keep color-eyre's full report (location,
//! backtrace hints): those are for whoever fixes meshwalk, these are for whoever runs it.

use color_eyre::eyre::Report;

/// What went wrong, in the user's words, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    pub message: String,
    /// One line: the next thing to try.
    pub hint: String,
}

impl UserError {
    pub fn new(message: impl Into<String>, hint: impl Into<String>) -> UserError {
        UserError {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// The process exit code for a user's mistake (1 stays for "checked, and found problems").
pub const EXIT_CODE: u8 = 2;

/// How a report prints, when something in its chain is a user's mistake:
/// `meshwalk: <message>` (with any context around it) and the hint on the next line.
pub fn for_people(report: &Report) -> Option<String> {
    let user = report.chain().find_map(|e| e.downcast_ref::<UserError>())?;
    let message = report
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    Some(format!("meshwalk: {message}\n  {}", user.hint))
}

/// How a failure of meshwalk itself prints without `--debug`: one line, and how to see more.
pub fn for_a_bug(report: &Report) -> String {
    let message = report
        .chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    format!(
        "meshwalk: {message}\n  this is meshwalk's fault, not yours: run again with --debug (or \
         MESHWALK_DEBUG=1) for where it happened, and report it"
    )
}

/// The report is a write to a pipe whose reader has gone (`meshwalk run | head -2`).
pub fn is_closed_pipe(report: &Report) -> bool {
    report.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use color_eyre::eyre::WrapErr;

    #[test]
    fn a_users_mistake_prints_with_its_context_and_what_to_do() {
        let report: Report = Err::<(), _>(UserError::new("connection refused", "start it"))
            .wrap_err("cannot reach http://127.0.0.1:1")
            .unwrap_err();
        assert_eq!(
            for_people(&report).as_deref(),
            Some("meshwalk: cannot reach http://127.0.0.1:1: connection refused\n  start it")
        );
        let bug = color_eyre::eyre::eyre!("index out of range");
        assert_eq!(for_people(&bug), None);
        assert!(for_a_bug(&bug).starts_with("meshwalk: index out of range\n"));
    }

    #[test]
    fn a_closed_pipe_is_told_apart_from_other_failures() {
        let closed: Report = std::io::Error::from(std::io::ErrorKind::BrokenPipe).into();
        assert!(is_closed_pipe(&closed.wrap_err("writing the report")));
        let refused: Report = std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into();
        assert!(!is_closed_pipe(&refused));
    }
}
