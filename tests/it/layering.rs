//! The floors of the source tree hold: a module names only modules on floors below its own
//! (`crate::X` in its code, comments aside). The floors, lowest first, are the README's
//! ("Development: how the code is laid out"); a module added to `src/` must be given one here.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Every top-level module of `src/` and its floor (0 is the ground).
const FLOORS: &[(&str, u8)] = &[
    // Conventions and helpers everything may use.
    ("envoy", 0),
    ("http_client", 0),
    ("user_error", 0),
    ("state_file", 0),
    // The client side's SDK calls, the load generator, the emulated control plane.
    ("api", 1),
    ("load", 1),
    ("emulator", 1),
    // The data plane (runs the control plane's tasks), the walkthrough as data, the canary's
    // analysis, the command line's words.
    ("dataplane", 2),
    ("walkthrough", 2),
    ("canary", 2),
    ("cli", 2),
    // The embedded cloud (control and data plane together), the presenter's notes file.
    ("embedded", 3),
    ("presenter", 3),
    // A walkthrough bound to a target, and the one step runner.
    ("session", 4),
    // Front ends over sessions.
    ("tui", 5),
    ("export", 5),
    // The classroom: many front ends' seats and the host's dashboard over one cloud.
    ("classroom", 6),
    // The subcommands, then the binary and the crate's root.
    ("commands", 7),
    ("main", 8),
    ("lib", 8),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules the code of one file names, with the line of each (comments left
/// out: a doc comment may point anywhere).
fn named_modules(text: &str) -> Vec<(String, usize)> {
    let mut named = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                named.push((name, n + 1));
            }
        }
    }
    named
}

#[test]
fn no_module_names_one_on_its_own_floor_or_above() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let floors: BTreeMap<&str, u8> = FLOORS.iter().copied().collect();
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut wrong = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        let first = relative.components().next().unwrap().as_os_str();
        let module = first.to_str().unwrap().trim_end_matches(".rs");
        let Some(&floor) = floors.get(module) else {
            wrong.push(format!("src/{module} has no floor: give it one in FLOORS"));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (named, line) in named_modules(&text) {
            if named == module || named == "model" {
                continue;
            }
            match floors.get(named.as_str()) {
                Some(&theirs) if theirs < floor => {}
                Some(&theirs) => wrong.push(format!(
                    "src/{}:{line}: {module} (floor {floor}) names {named} (floor {theirs})",
                    relative.display()
                )),
                None => wrong.push(format!(
                    "src/{}:{line}: names crate::{named}, which has no floor",
                    relative.display()
                )),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_check_sees_names_in_code_and_not_in_comments() {
    let text = "use crate::session::Session; // not crate::tui\n/// see crate::commands\nlet x = crate::load::stats::Summary::default();";
    assert_eq!(
        named_modules(text),
        [("session".to_string(), 1), ("load".to_string(), 3)]
    );
}
