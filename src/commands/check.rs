//! `meshwalk check`: every step and asset validated offline in one pass — front matter
//! (unknown operations included), assets that exist and are used, `${VAR}`s that are known,
//! inputs that decode into the model and satisfy its constraints — each problem with
//! file:line:column, then how many there are.

use std::collections::BTreeSet;
use std::io::Write;

use color_eyre::Result;

use crate::walkthrough::problem::{self, Problem};
use crate::walkthrough::step::{Call, InputSource, StepKind};
use crate::walkthrough::vars::Vars;
use crate::walkthrough::{Read, Step, Walkthrough, input};

/// The problems of the steps that parsed: their inputs, and assets no step uses.
pub fn problems(walkthrough: &Walkthrough, extra_vars: &[(String, String)]) -> Vec<Problem> {
    let read = Read {
        walkthrough: walkthrough.clone(),
        ..Read::default()
    };
    all_problems(&read, extra_vars)
}

/// Every problem of a walkthrough as read: its step files', its inputs', its assets'.
pub fn all_problems(read: &Read, extra_vars: &[(String, String)]) -> Vec<Problem> {
    let walkthrough = &read.walkthrough;
    let mut vars = Vars::embedded("us-east-1", "000000000000");
    for (k, v) in extra_vars {
        vars.set(k, v);
    }
    // What steps register is known only when they run: a stand-in revision checks the rest.
    for step in &read.walkthrough.steps {
        if let Some(name) = &step.revision_var {
            vars.set(name, &format!("{}:1", name.to_lowercase()));
        }
        for (name, _) in &step.learn {
            vars.set(name, &format!("(what step {} learns)", step.id));
        }
    }
    let mut found = read.problems.clone();
    let mut used = BTreeSet::new();
    for step in &walkthrough.steps {
        let StepKind::Api { call, verify } = &step.kind else {
            continue;
        };
        for c in std::iter::once(call).chain(verify.as_ref().map(|v| &v.call)) {
            if let InputSource::Asset(path) = &c.input {
                used.insert(path.clone());
            }
            if let Some(p) = input_problem(walkthrough, step, c, &vars) {
                found.push(p);
            }
        }
    }
    for asset in walkthrough.assets.keys().filter(|a| a.ends_with(".json")) {
        let mentioned = read
            .unparsed
            .iter()
            .any(|text| text.contains(asset.as_str()));
        if !used.contains(asset) && !mentioned {
            let file = format!("assets/{asset}");
            let text = &walkthrough.assets[asset];
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(_) => found.push(Problem::in_file(file, "no step uses it")),
                Err(e) => found.push(Problem::new(
                    file,
                    e.line(),
                    e.column(),
                    format!(
                        "not JSON ({}), and no step uses it",
                        strip_position(&e.to_string())
                    ),
                )),
            }
        }
    }
    found
}

/// serde_json's message without its " at line L column C" (the problem says where).
fn strip_position(message: &str) -> &str {
    message.rsplit_once(" at line ").map_or(message, |(m, _)| m)
}

/// What is wrong with one call's input, located in the asset, or in the step for an inline
/// input or a missing asset.
fn input_problem(
    walkthrough: &Walkthrough,
    step: &Step,
    call: &Call,
    vars: &Vars,
) -> Option<Problem> {
    let step_file = format!("steps/{}.md", step.id);
    let (line, column) = call.input_position;
    if let InputSource::Asset(path) = &call.input
        && !walkthrough.assets.contains_key(path)
    {
        return Some(Problem::new(
            step_file,
            line,
            column,
            format!("input '{path}': there is no assets/{path}"),
        ));
    }
    let e = input::prepare(walkthrough, call, vars, None).err()?;
    Some(match &call.input {
        InputSource::Asset(_) => Problem::new(e.source_name, e.line, e.column, e.message),
        // Positions in an inline input are in its JSON form, not in the step file.
        InputSource::Inline(_) => Problem::new(
            step_file,
            line,
            column,
            format!("the inline input of {}: {}", call.operation, e.message),
        ),
    })
}

/// Prints every problem and how many; returns how many.
pub fn run(read: &Read, extra_vars: &[(String, String)], out: &mut impl Write) -> Result<usize> {
    let problems = all_problems(read, extra_vars);
    for p in &problems {
        writeln!(out, "✗ {p}")?;
    }
    let walkthrough = &read.walkthrough;
    if problems.is_empty() {
        let calls = walkthrough
            .steps
            .iter()
            .filter(|s| matches!(s.kind, StepKind::Api { .. }))
            .count();
        writeln!(
            out,
            "✓ {} steps ({calls} API calls) and {} assets: {}",
            walkthrough.steps.len(),
            walkthrough.assets.len(),
            problem::count(0)
        )?;
    } else {
        writeln!(out, "{}", problem::count(problems.len()))?;
    }
    Ok(problems.len())
}
