//! The aws CLI command equivalent to a call, ready to copy.

use super::input::PreparedCall;

/// Where the aws CLI would send it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CliTarget {
    pub endpoint_url: Option<String>,
    pub region: Option<String>,
    pub profile: Option<String>,
}

/// `CreateVirtualNode` → `create-virtual-node`.
pub fn kebab(operation: &str) -> String {
    let mut out = String::new();
    for (i, c) in operation.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('-');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Quotes for a POSIX shell.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// `s` as one shell word: as it is when nothing in it means anything to a shell, else quoted.
pub fn shell_word(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:@%+=,".contains(c));
    if plain { s.to_string() } else { quote(s) }
}

/// `aws [--endpoint-url U] [--region R] [--profile P] SERVICE OPERATION --cli-input-json '...'`
pub fn render(call: &PreparedCall, target: &CliTarget) -> String {
    let mut parts = vec![aws_prefix(target)];
    parts.push(call.service().cli_name().to_string());
    parts.push(kebab(call.operation.name()));
    let compact = serde_json::to_string(&call.json).unwrap_or_default();
    parts.push(format!("--cli-input-json {}", quote(&compact)));
    parts.join(" ")
}

/// `aws [--endpoint-url U] [--region R] [--profile P]`
pub fn aws_prefix(target: &CliTarget) -> String {
    let mut parts = vec!["aws".to_string()];
    if let Some(url) = &target.endpoint_url {
        parts.push(format!("--endpoint-url {}", shell_word(url)));
    }
    if let Some(region) = &target.region {
        parts.push(format!("--region {}", shell_word(region)));
    }
    if let Some(profile) = &target.profile {
        parts.push(format!("--profile {}", shell_word(profile)));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_become_kebab_case_and_json_is_quoted() {
        assert_eq!(kebab("CreateVirtualNode"), "create-virtual-node");
        assert_eq!(kebab("ListTagsForResource"), "list-tags-for-resource");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(shell_word("http://127.0.0.1:4566"), "http://127.0.0.1:4566");
        assert_eq!(shell_word("my profile;rm"), "'my profile;rm'");
    }
}
