//! `meshwalk check`: every step and asset validated offline — front matter, assets that exist,
//! `${VAR}`s that are known, inputs that decode into the model and satisfy its constraints.

use std::io::Write;

use color_eyre::Result;
use color_eyre::eyre::bail;

use crate::walkthrough::step::StepKind;
use crate::walkthrough::vars::Vars;
use crate::walkthrough::{Walkthrough, input};

/// Every problem found, as "step: problem" lines.
pub fn problems(walkthrough: &Walkthrough, extra_vars: &[(String, String)]) -> Vec<String> {
    let mut vars = Vars::embedded("us-east-1", "000000000000");
    for (k, v) in extra_vars {
        vars.set(k, v);
    }
    let mut found = Vec::new();
    let mut used = std::collections::BTreeSet::new();
    for step in &walkthrough.steps {
        let StepKind::Api { call, verify } = &step.kind else {
            continue;
        };
        let calls = std::iter::once(call).chain(verify.as_ref().map(|v| &v.call));
        for c in calls {
            if let crate::walkthrough::step::InputSource::Asset(path) = &c.input {
                used.insert(path.clone());
            }
            if let Err(e) = input::prepare(walkthrough, c, &vars, None) {
                found.push(format!("steps/{}.md: {e}", step.id));
            }
        }
    }
    for asset in walkthrough.assets.keys().filter(|a| a.ends_with(".json")) {
        if !used.contains(asset) {
            found.push(format!("assets/{asset}: no step uses it"));
        }
    }
    found
}

pub fn run(
    walkthrough: &Walkthrough,
    extra_vars: &[(String, String)],
    out: &mut impl Write,
) -> Result<()> {
    let problems = problems(walkthrough, extra_vars);
    for p in &problems {
        writeln!(out, "✗ {p}")?;
    }
    let calls = walkthrough
        .steps
        .iter()
        .filter(|s| matches!(s.kind, StepKind::Api { .. }))
        .count();
    if !problems.is_empty() {
        bail!(
            "{} problems in {} steps",
            problems.len(),
            walkthrough.steps.len()
        );
    }
    writeln!(
        out,
        "✓ {} steps ({calls} API calls) and {} assets check out",
        walkthrough.steps.len(),
        walkthrough.assets.len()
    )?;
    Ok(())
}
