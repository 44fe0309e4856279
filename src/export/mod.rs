//! Handouts of a walkthrough bound to a target: a runnable aws CLI script (`script`) and a
//! Markdown handout with the results the user's session recorded (`handout`). Presenter notes
//! stay out of both.

pub mod handout;
pub mod script;

use crate::walkthrough::Step;
use crate::walkthrough::step::{Call, StepKind};

/// "appmesh describe-mesh" for a call.
pub fn cli_words(call: &Call) -> String {
    format!(
        "{} {}",
        call.service().cli_name(),
        crate::walkthrough::cli_render::kebab(call.operation.name())
    )
}

/// What meshwalk checks after a step's call, in words: `/mesh/status/status` is "ACTIVE", ...
pub fn verify_words(step: &Step) -> Option<String> {
    let StepKind::Api {
        verify: Some(verify),
        ..
    } = &step.kind
    else {
        return None;
    };
    let expect: Vec<String> = verify
        .expect
        .iter()
        .map(|(pointer, value)| format!("{pointer} = {value}"))
        .collect();
    Some(format!(
        "`{}` until {}",
        cli_words(&verify.call),
        expect.join(" and ")
    ))
}
