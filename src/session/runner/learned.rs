//! What steps teach the session: the revision a RegisterTaskDefinition registered, values read
//! from a step's answer, and — for a session that starts after they ran — the revisions found
//! registered with the same content.

use serde_json::Value;

use super::{Outcome, Session};
use crate::api::call::output_json;
use crate::api::capture::Exchange;
use crate::walkthrough::input::{self, PreparedCall};

impl Session {
    pub(super) fn learn(&self, name: &str, value: String) {
        let mut learned = self.learned.lock();
        learned.set(name, &value);
    }

    /// Finds the revisions that earlier steps registered (in a previous session, or before
    /// a restart) and that this session has not learned yet.
    pub async fn learn_registered_revisions(&self, before: usize) {
        for (j, step) in self.walkthrough.steps.iter().enumerate().take(before) {
            let Some(name) = &step.revision_var else {
                continue;
            };
            if self.vars().get(name).is_some() {
                continue;
            }
            let Some(Ok(prepared)) = self.prepare(j) else {
                continue;
            };
            if let Some(revision) = self.registered_revision(&prepared.json).await {
                self.learn(name, format!("{}:{revision}", family_of(&prepared.json)));
            }
        }
    }

    /// The input of an API step, prepared; a revision an earlier step registered is looked
    /// up when the session has not learned it yet.
    pub(super) async fn prepare_learning(
        &self,
        index: usize,
    ) -> Option<Result<PreparedCall, input::InputError>> {
        match self.prepare(index)? {
            Err(_)
                if self.walkthrough.steps[..index].iter().any(|s| {
                    s.revision_var
                        .as_ref()
                        .is_some_and(|n| self.vars().get(n).is_none())
                }) =>
            {
                self.learn_registered_revisions(index).await;
                self.prepare(index)
            }
            prepared => Some(prepared),
        }
    }

    /// Remembers the revision a RegisterTaskDefinition step registered (or found registered).
    pub(super) fn learn_revision(
        &self,
        name: &str,
        outcome: &Outcome,
        exchange: Option<&Exchange>,
        prepared: &PreparedCall,
    ) {
        let revision = match outcome {
            Outcome::AlreadyDone(_) | Outcome::Done => exchange
                .and_then(|e| serde_json::from_str::<Value>(&e.response_body).ok())
                .and_then(|v| v.pointer("/taskDefinition/revision")?.as_i64())
                .or_else(|| match outcome {
                    Outcome::AlreadyDone(why) => why
                        .strip_prefix("revision ")?
                        .split(' ')
                        .next()?
                        .parse()
                        .ok(),
                    _ => None,
                }),
            _ => None,
        };
        if let Some(revision) = revision {
            self.learn(name, format!("{}:{revision}", family_of(&prepared.json)));
        }
    }

    /// Remembers what a step's `learn` pointers find in its answer.
    pub(super) fn learn_from_answer(
        &self,
        learn: &[(String, String)],
        exchange: Option<&Exchange>,
        prepared: &PreparedCall,
    ) {
        let Some(answer) = exchange.and_then(|e| output_json(&prepared.request, &e.response_body))
        else {
            return;
        };
        for (name, pointer) in learn {
            if let Some(value) = answer.pointer(pointer).and_then(Value::as_str) {
                self.learn(name, value.to_string());
            }
        }
    }
}

/// The `family` a RegisterTaskDefinition input names.
pub(super) fn family_of(input: &Value) -> &str {
    input
        .get("family")
        .and_then(Value::as_str)
        .unwrap_or_default()
}
