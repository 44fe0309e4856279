//! Each step's input as the step pane shows it — the JSON sent, with the target's values and
//! what earlier steps learned filled in — or why it cannot be sent, and the text the editor
//! opens.

use super::app::InputView;
use crate::session::Session;
use crate::walkthrough::step::StepKind;
use crate::walkthrough::{cli_render, input};

/// Every step's input as the step pane shows it, with the values steps learned so far.
pub fn inputs_of(session: &Session) -> Vec<InputView> {
    let cli_target = session.cli_target();
    session
        .walkthrough()
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let StepKind::Api { call, .. } = &s.kind else {
                return InputView::default();
            };
            let name = format!("{}:{}", call.service().cli_name(), call.operation);
            match session.prepare(i) {
                Some(Ok(p)) => InputView {
                    call: name,
                    source: p.source.clone(),
                    text: serde_json::to_string_pretty(&p.json).unwrap_or(p.text.clone()),
                    error: None,
                    cli: Some(cli_render::render(&p, &cli_target)),
                },
                Some(Err(e)) => InputView {
                    call: name,
                    source: e.source_name.clone(),
                    text: edit_text_of(session, i),
                    error: Some(e.to_string()),
                    cli: None,
                },
                None => InputView::default(),
            }
        })
        .collect()
}

/// The text the editor opens: the user's edit, or the asset (with its `${VAR}`s).
pub fn edit_text_of(session: &Session, index: usize) -> String {
    let step = &session.walkthrough().steps[index];
    if let Some(edit) = session.edits().get(&step.id) {
        return edit.clone();
    }
    match &step.kind {
        StepKind::Api { call, .. } => input::raw_text(session.walkthrough(), call)
            .map(|(_, t)| t)
            .unwrap_or_default(),
        _ => String::new(),
    }
}
