//! The progress file's job: it owns the saved progress (steps done, the user's edits, what the
//! presenter set live) and writes it after each change, telling the App when it could not.

use std::path::PathBuf;

use tokio::sync::mpsc::UnboundedSender;

use super::Inbox;
use crate::session::progress::{Demo, Progress};
use crate::tui::app::Msg;

/// A change of what the presenter set live.
pub type DemoChange = Box<dyn FnOnce(&mut Demo) + Send>;

pub enum Save {
    /// Step `id` is done on target `key`.
    Done { key: String, id: String },
    /// The user's edit of step `id`'s input (kept even when it does not parse).
    Edit { id: String, text: String },
    /// What the presenter set live on target `key`.
    Demo { key: String, change: DemoChange },
    /// Steps `ids` are not done any more on target `key` (a teardown removed what they made).
    Forget { key: String, ids: Vec<String> },
}

#[derive(Clone)]
pub struct Persistence(Inbox<Save>);

impl Persistence {
    pub fn start(mut progress: Progress, dir: PathBuf, tx: UnboundedSender<Msg>) -> Persistence {
        let (inbox, mut saves) = Inbox::new();
        tokio::spawn(async move {
            while let Some(save) = saves.recv().await {
                let what = match save {
                    Save::Done { key, id } => {
                        progress.mark_done(&key, &id);
                        "progress"
                    }
                    Save::Edit { id, text } => {
                        progress.edits.insert(id, text);
                        "the edit"
                    }
                    Save::Forget { key, ids } => {
                        progress.forget_done(&key, ids.iter().map(String::as_str));
                        "progress"
                    }
                    Save::Demo { key, change } => {
                        change(progress.demo.entry(key).or_default());
                        "progress"
                    }
                };
                if let Err(e) = progress.save(&dir) {
                    let _ = tx.send(Msg::Toast(format!("could not save {what}: {e}")));
                }
            }
        });
        Persistence(inbox)
    }

    pub fn mark_done(&self, key: &str, id: &str) {
        self.0.send(Save::Done {
            key: key.to_string(),
            id: id.to_string(),
        });
    }

    pub fn forget_done(&self, key: &str, ids: Vec<String>) {
        self.0.send(Save::Forget {
            key: key.to_string(),
            ids,
        });
    }

    pub fn edit(&self, id: String, text: String) {
        self.0.send(Save::Edit { id, text });
    }

    pub fn demo(&self, key: &str, change: impl FnOnce(&mut Demo) + Send + 'static) {
        self.0.send(Save::Demo {
            key: key.to_string(),
            change: Box::new(change),
        });
    }
}
