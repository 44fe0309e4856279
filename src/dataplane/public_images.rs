//! What the built-in stand-ins of two public images read from a container definition, so that
//! one task definition runs on AWS and in the embedded cloud alike:
//!
//! - `hashicorp/http-echo` takes its answer from its `-text=...` argument (the image's
//!   entrypoint is `/http-echo`, so the arguments are the container's `command`);
//! - `curlimages/curl` calls the first `http://` URL found in its `command` (e.g.
//!   `["sh", "-c", "while true; do curl -s http://distributor:9080/; sleep 1; done"]`).
//!
//! Nothing else of a command is interpreted: no shell, no loop, no other curl option.

use crate::model::ecs::ContainerDefinition;

/// The most of a command searched for a URL, and the longest URL taken.
pub const MAX_COMMAND_BYTES: usize = 8 << 10;
pub const MAX_URL_BYTES: usize = 2 << 10;

/// The container's entryPoint then command, as one list of arguments.
fn arguments(c: &ContainerDefinition) -> impl Iterator<Item = &str> {
    c.entry_point
        .iter()
        .flatten()
        .chain(c.command.iter().flatten())
        .map(String::as_str)
}

/// http-echo's `-text` (`-text=v1`, `--text=v1`, or `-text v1`); http-echo requires one, so a
/// container without it does not start.
pub fn echo_text(c: &ContainerDefinition) -> Option<String> {
    flag(c, "text")
}

/// http-echo's `-status-code` (v1.0 and later): the status of every answer, 200 without it.
/// `Err` names a value that is not an HTTP status.
pub fn echo_status(c: &ContainerDefinition) -> Result<u16, String> {
    match flag(c, "status-code") {
        None => Ok(200),
        Some(code) => code
            .parse::<u16>()
            .ok()
            .filter(|s| (100..=599).contains(s))
            .ok_or_else(|| format!("-status-code {code} is not an HTTP status")),
    }
}

/// A Go-style flag's value: `-name=value`, `--name=value` or `-name value`.
fn flag(c: &ContainerDefinition, name: &str) -> Option<String> {
    let mut args = arguments(c);
    while let Some(arg) = args.next() {
        let given = arg.trim_start_matches('-');
        if arg.starts_with('-') {
            if let Some(value) = given
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('='))
            {
                return Some(value.to_string());
            }
            if given == name {
                return args.next().map(str::to_string);
            }
        }
    }
    None
}

/// The first `http://` URL in the command: from `http://` to the first whitespace, quote,
/// `;`, `&`, `|` or `)`. Only the first [`MAX_COMMAND_BYTES`] of the command are searched.
pub fn first_url(c: &ContainerDefinition) -> Option<String> {
    let mut searched = 0;
    for arg in arguments(c) {
        let arg = truncate(arg, MAX_COMMAND_BYTES.saturating_sub(searched));
        searched += arg.len();
        if let Some(start) = arg.find("http://") {
            let url: String = arg[start..]
                .chars()
                .take_while(|ch| !ch.is_whitespace() && !"'\";&|)`".contains(*ch))
                .collect();
            return (url.len() <= MAX_URL_BYTES).then_some(url);
        }
        if searched >= MAX_COMMAND_BYTES {
            break;
        }
    }
    None
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(entry_point: &[&str], command: &[&str]) -> ContainerDefinition {
        let list = |l: &[&str]| (!l.is_empty()).then(|| l.iter().map(|s| s.to_string()).collect());
        ContainerDefinition {
            entry_point: list(entry_point),
            command: list(command),
            ..ContainerDefinition::default()
        }
    }

    #[test]
    fn http_echo_answers_with_its_status_code_argument() {
        assert_eq!(echo_status(&container(&[], &["-text=v3"])), Ok(200));
        assert_eq!(
            echo_status(&container(&[], &["-text=v3", "-status-code=503"])),
            Ok(503)
        );
        assert_eq!(
            echo_status(&container(&[], &["-status-code", "418", "-text=t"])),
            Ok(418)
        );
        assert!(echo_status(&container(&[], &["-status-code=abc"])).is_err());
        // `-text` is not read from `-text-size=` nor `-status-code` from `-status-codes`.
        assert_eq!(
            flag(&container(&[], &["-text-size=3", "-text=x"]), "text").as_deref(),
            Some("x")
        );
    }

    #[test]
    fn http_echo_takes_its_text_argument() {
        let text = |c: &[&str]| echo_text(&container(&[], c));
        assert_eq!(text(&["-text=v1", "-listen=:9080"]).as_deref(), Some("v1"));
        assert_eq!(
            text(&["-listen=:9080", "--text=v 2"]).as_deref(),
            Some("v 2")
        );
        assert_eq!(text(&["-text", "v3"]).as_deref(), Some("v3"));
        assert_eq!(text(&["-listen=:9080"]), None);
        assert_eq!(text(&[]), None);
        assert_eq!(
            echo_text(&container(&["/http-echo", "-text=e"], &[])).as_deref(),
            Some("e")
        );
    }

    #[test]
    fn curl_calls_the_first_url_of_its_command() {
        let url = |c: &[&str]| first_url(&container(&[], c));
        let looped = "while true; do curl -s http://distributor:9080/; sleep 1; done";
        assert_eq!(
            url(&["sh", "-c", looped]).as_deref(),
            Some("http://distributor:9080/")
        );
        assert_eq!(
            url(&["curl", "-s", "http://a:1/x?y=1", "http://b/"]).as_deref(),
            Some("http://a:1/x?y=1")
        );
        assert_eq!(
            url(&["sh", "-c", "curl 'http://q:80/p' | cat"]).as_deref(),
            Some("http://q:80/p")
        );
        assert_eq!(url(&["sh", "-c", "curl https://example.com/"]), None);
        assert_eq!(url(&[]), None);
        let long = format!("{} http://late/", " ".repeat(MAX_COMMAND_BYTES));
        assert_eq!(url(&[long.as_str()]), None, "past the searched bound");
    }
}
