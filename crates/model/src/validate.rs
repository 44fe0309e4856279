//! Constraint checking for the generated wire shapes, with messages in the AWS style
//! ("Value at 'spec.listeners[0].portMapping.port' failed to satisfy constraint: ...").

use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, Mutex};

use regex::Regex;

/// Implemented by every generated structure: checks the model's constraints on its members.
pub trait Validate {
    fn validate(&self, v: &mut Violations);
}

/// One broken constraint, and the member path where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub constraint: String,
}

/// Collects violations while a shape is walked; `at`/`at_index` track the member path.
#[derive(Debug, Default)]
pub struct Violations {
    path: Vec<String>,
    found: Vec<Violation>,
}

impl Violations {
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }

    pub fn list(&self) -> &[Violation] {
        &self.found
    }

    /// Validates a member named `name` (a path segment) with `check`.
    pub fn at(&mut self, name: &str, check: impl FnOnce(&mut Self)) {
        if self.path.is_empty() {
            self.path.push(name.to_string());
        } else {
            self.path.push(format!(".{name}"));
        }
        check(self);
        self.path.pop();
    }

    /// Validates list element `index` with `check`.
    pub fn at_index(&mut self, index: usize, check: impl FnOnce(&mut Self)) {
        self.path.push(format!("[{index}]"));
        check(self);
        self.path.pop();
    }

    /// Records a violation at the current path (used by semantic checks too).
    pub fn fail(&mut self, constraint: impl Into<String>) {
        self.found.push(Violation {
            field: self.path.concat(),
            constraint: constraint.into(),
        });
    }

    pub fn length(&mut self, len: usize, min: Option<i64>, max: Option<i64>) {
        let len = len as i64;
        if let Some(min) = min.filter(|&min| len < min) {
            self.fail(format!(
                "Member must have length greater than or equal to {min}"
            ));
        }
        if let Some(max) = max.filter(|&max| len > max) {
            self.fail(format!(
                "Member must have length less than or equal to {max}"
            ));
        }
    }

    pub fn range(&mut self, value: i64, min: Option<i64>, max: Option<i64>) {
        if let Some(min) = min.filter(|&min| value < min) {
            self.fail(format!(
                "Member must have value greater than or equal to {min}"
            ));
        }
        if let Some(max) = max.filter(|&max| value > max) {
            self.fail(format!(
                "Member must have value less than or equal to {max}"
            ));
        }
    }

    pub fn one_of(&mut self, value: &str, allowed: &[&str]) {
        if !allowed.contains(&value) {
            self.fail(format!(
                "Member must satisfy enum value set: [{}]",
                allowed.join(", ")
            ));
        }
    }

    pub fn pattern(&mut self, value: &str, pattern: &'static str) {
        if !matches_pattern(value, pattern) {
            self.fail(format!(
                "Member must satisfy regular expression pattern: {pattern}"
            ));
        }
    }

    /// A union: exactly one of its members must be set.
    pub fn exactly_one(&mut self, members: &[(&str, bool)]) {
        let set = members.iter().filter(|(_, is_set)| *is_set).count();
        if set != 1 {
            let names: Vec<&str> = members.iter().map(|(name, _)| *name).collect();
            self.fail(format!(
                "Exactly one of [{}] must be set, found {set}",
                names.join(", ")
            ));
        }
    }
}

impl fmt::Display for Violations {
    /// The AWS wording: "N validation error(s) detected: Value at 'x' failed to satisfy ...".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.found.len();
        write!(
            f,
            "{n} validation error{} detected: ",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, v) in self.found.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(
                f,
                "Value at '{}' failed to satisfy constraint: {}",
                v.field, v.constraint
            )?;
        }
        Ok(())
    }
}

/// The model's patterns are few and fixed; each is compiled once.
fn matches_pattern(value: &str, pattern: &'static str) -> bool {
    static COMPILED: LazyLock<Mutex<HashMap<&'static str, Option<Regex>>>> =
        LazyLock::new(Default::default);
    let mut compiled = COMPILED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let regex = compiled
        .entry(pattern)
        .or_insert_with(|| Regex::new(pattern).ok());
    // A pattern the regex engine cannot compile is not enforced rather than rejecting everything.
    regex.as_ref().is_none_or(|r| r.is_match(value))
}
