//! A problem in a walkthrough, located as editors and compilers locate them
//! (`steps/02-create-mesh.md:3:8: ...`), so that a workshop author can jump to it.

use std::fmt;

/// One problem: the file (relative to the walkthrough's folder), where in it, and what.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub file: String,
    /// 1-based; 0 when the problem is the file as a whole.
    pub line: usize,
    /// 1-based, in characters; 0 when no column applies.
    pub column: usize,
    pub message: String,
}

impl Problem {
    pub fn new(
        file: impl Into<String>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Problem {
        Problem {
            file: file.into(),
            line,
            column,
            message: message.into(),
        }
    }

    /// A problem with the file as a whole.
    pub fn in_file(file: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem::new(file, 0, 0, message)
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.column) {
            (0, _) => write!(f, "{}: {}", self.file, self.message),
            (line, 0) => write!(f, "{}:{line}: {}", self.file, self.message),
            (line, column) => write!(f, "{}:{line}:{column}: {}", self.file, self.message),
        }
    }
}

/// "no problems", "1 problem", "3 problems".
pub fn count(n: usize) -> String {
    match n {
        0 => "no problems".into(),
        1 => "1 problem".into(),
        n => format!("{n} problems"),
    }
}

/// 1-based line and column (in characters) of a byte offset in `text`.
pub fn position(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_read_like_a_compiler_and_count_in_english() {
        assert_eq!(
            Problem::new("steps/02-x.md", 3, 8, "oops").to_string(),
            "steps/02-x.md:3:8: oops"
        );
        assert_eq!(
            Problem::in_file("assets/a.json", "no step uses it").to_string(),
            "assets/a.json: no step uses it"
        );
        assert_eq!(count(0), "no problems");
        assert_eq!(count(1), "1 problem");
        assert_eq!(count(2), "2 problems");
        assert_eq!(position("ab\ncdé\nf", 7), (2, 4));
        assert_eq!(position("ab", 0), (1, 1));
    }
}
