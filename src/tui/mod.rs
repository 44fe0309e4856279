//! The terminal UI: the walkthrough in panes, live traffic and weight shifting.
//!
//! One event loop: terminal events and the effects' messages go through `App::update`, whose
//! commands the effects run in tasks; the screen is redrawn only after something changed, so
//! an idle UI costs no CPU.

pub mod app;
pub mod deployment;
pub mod effects;
pub mod inputs;
pub mod jobs;
pub mod keys;
pub mod layout;
pub mod resource_tree;
pub mod resources_pane;
pub mod svg;
pub mod terminal;
pub mod theme;
pub mod traffic_view;
pub mod view;

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use color_eyre::Result;
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{Event, EventStream};
use tokio::sync::mpsc;

use crate::api::target::TargetKind;
use crate::presenter::Publisher;
use crate::session::Session;
use crate::session::connect::Connected;
use crate::session::local_cloud::LocalCloud;
use crate::session::progress::Progress;
use crate::session::recorded::Recorder;
use app::{App, Cmd, Msg, StepStatus};
use effects::Effects;
use terminal::{Crossterm, TerminalGuard};
use theme::Theme;

/// `started`: when the process started (the log records the time to the first frame).
pub async fn run(connected: Connected, traffic_rps: f64, started: Instant) -> Result<()> {
    let Connected {
        session,
        embedded,
        progress,
        notice,
        state_dir,
    } = connected;
    let embedded_target = matches!(session.target().kind, TargetKind::Embedded);
    let target = session.target().describe();
    let share = session.target().share_lines();
    let account = session.target().account.clone();
    let (tx, mut rx) = mpsc::unbounded_channel();
    // `meshwalk notes` in another terminal follows the selected step.
    let mut presenter = Publisher::start(session.walkthrough(), state_dir.clone());
    let recorder = start_recorder(&session, &state_dir);
    let mut effects = effects_of(
        session,
        progress,
        state_dir,
        embedded
            .as_ref()
            .map(|cloud| LocalCloud::of(cloud, &account)),
        traffic_rps,
        tx.clone(),
    );

    let guard = TerminalGuard::new(Crossterm)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let size = terminal.size()?;
    let theme = Theme::from_env();
    let mut app = open_app(target, share, (size.width, size.height), &effects);
    resume(&mut app, &effects, embedded_target);
    show_notice(&mut app, notice);
    effects.handle(Cmd::RefreshResources);

    let mut events = EventStream::new();
    presenter.follow(app.selected);
    terminal.draw(|f| view::render(&app, f, theme))?;
    tracing::info!(ms = started.elapsed().as_secs_f64() * 1000.0, "first frame");
    while let Some(pending) = next_messages(&mut events, &mut rx).await? {
        for msg in pending {
            if let Msg::StepFinished(index, report) = &msg {
                recorder.record(*index, report);
            }
            for cmd in app.update(msg) {
                match cmd {
                    Cmd::Edit { index } => {
                        events =
                            edit_step(index, &mut effects, &mut app, &guard, &mut terminal, events)?
                    }
                    other => effects.handle(other),
                }
            }
        }
        if app.quit {
            break;
        }
        presenter.follow(app.selected);
        let frame = Instant::now();
        terminal.draw(|f| view::render(&app, f, theme))?;
        tracing::debug!(us = frame.elapsed().as_micros() as u64, "frame");
    }
    effects.stop_traffic();
    drop(guard);
    if let Some(cloud) = embedded {
        let _ = tokio::time::timeout(Duration::from_secs(3), cloud.stop()).await;
    }
    Ok(())
}

/// The effects on the session; with the embedded cloud, what the session may do to it.
fn effects_of(
    session: Session,
    progress: Progress,
    state_dir: PathBuf,
    cloud: Option<LocalCloud>,
    traffic_rps: f64,
    tx: mpsc::UnboundedSender<Msg>,
) -> Effects {
    let rps = traffic_rps.clamp(1.0, 20_000.0);
    Effects::with_rate(session, progress, state_dir, cloud, rps, tx)
}

/// The App as the first frame shows it: the steps, their inputs, the lines to share.
fn open_app(target: String, share: Option<String>, size: (u16, u16), effects: &Effects) -> App {
    let mut app = App::new(target, effects.step_views(), size);
    app.inputs = effects.inputs();
    effects.learn_registered_revisions();
    app.share = share;
    app.clock_scale = effects.clock_scale();
    app
}

/// Results are kept for `meshwalk export --format md`.
fn start_recorder(session: &Session, state_dir: &Path) -> Recorder {
    Recorder::start(
        state_dir.to_path_buf(),
        session.target().key(),
        session
            .walkthrough()
            .steps
            .iter()
            .map(|s| s.id.clone())
            .collect(),
    )
}

/// Selects where the presenter left off. On a fresh embedded cloud the steps done before are
/// replayed, to resume there.
fn resume(app: &mut App, effects: &Effects, embedded_target: bool) {
    let done: Vec<usize> = app
        .steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.status == StepStatus::Done)
        .map(|(i, _)| i)
        .collect();
    app.select_where_progress_stands();
    if embedded_target && !done.is_empty() {
        for &i in &done {
            app.steps[i].status = StepStatus::Running;
        }
        app.toast = Some(format!(
            "resuming: replaying {} steps on the fresh embedded cloud",
            done.len()
        ));
        effects.replay(done);
    }
}

/// What the user must be told about their saved progress, ahead of the resuming toast.
fn show_notice(app: &mut App, notice: Option<String>) {
    if let Some(notice) = notice {
        app.toast = Some(match app.toast.take() {
            Some(resuming) => format!("{notice} · {resuming}"),
            None => notice,
        });
    }
}

/// Waits for a terminal event or a message, then takes every message already waiting (e.g.
/// several traffic samples): one frame's worth. `None` once the terminal's events end.
async fn next_messages(
    events: &mut EventStream,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
) -> Result<Option<Vec<Msg>>> {
    let msg = loop {
        break tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => Msg::Key(key),
                Some(Ok(Event::Mouse(mouse))) => Msg::Mouse(mouse),
                Some(Ok(Event::Resize(w, h))) => Msg::Resize(w, h),
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Err(e.into()),
                None => return Ok(None),
            },
            Some(msg) = rx.recv() => msg,
        };
    };
    let mut pending = vec![msg];
    while let Ok(more) = rx.try_recv() {
        pending.push(more);
    }
    Ok(Some(pending))
}

/// Hands the terminal to the editor for step `index`'s input, then takes it back. The event
/// stream must not read the keys meant for the editor: it is dropped, and a new one returned.
fn edit_step(
    index: usize,
    effects: &mut Effects,
    app: &mut App,
    guard: &TerminalGuard,
    terminal: &mut Terminal<CrosstermBackend<io::Stdout>>,
    events: EventStream,
) -> Result<EventStream> {
    let (id, text) = effects.text_for_edit(index);
    drop(events);
    guard.suspend();
    let edited = edit(&id, &text);
    guard.resume()?;
    // A new terminal draws everything afresh (Terminal::clear would query
    // the cursor position, which the terminal may not answer in time).
    *terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let events = EventStream::new();
    match edited {
        Ok(Some(new_text)) => effects.store_edit(index, new_text),
        Ok(None) => app.toast = Some("no change".into()),
        Err(e) => app.toast = Some(format!("could not run the editor: {e}")),
    }
    Ok(events)
}

/// Opens `text` in $VISUAL / $EDITOR (like `kubectl edit`); returns the new text if it changed.
/// The editor is a shell-style command line (`code --wait`, `"/opt/My Editor/bin/ed"`); the file
/// is a fresh private temporary file, removed afterwards.
fn edit(id: &str, text: &str) -> io::Result<Option<String>> {
    let editor = std::env::var("VISUAL")
        .or_else(|_| std::env::var("EDITOR"))
        .unwrap_or_else(|_| "vi".into());
    edit_with(&editor, id, text)
}

fn edit_with(editor: &str, id: &str, text: &str) -> io::Result<Option<String>> {
    let words = shell_words::split(editor)
        .map_err(|e| io::Error::other(format!("$VISUAL/$EDITOR '{editor}': {e}")))?;
    let Some((program, args)) = words.split_first() else {
        return Err(io::Error::other("$VISUAL/$EDITOR is empty"));
    };
    let mut file = tempfile::Builder::new()
        .prefix(&format!("meshwalk-{id}-"))
        .suffix(".json")
        .tempfile()?;
    file.write_all(text.as_bytes())?;
    file.flush()?;
    let status = std::process::Command::new(program)
        .args(args)
        .arg(file.path())
        .status()?;
    // Many editors replace the file rather than write into it: read it by its path.
    let new_text = std::fs::read_to_string(file.path())?;
    if !status.success() {
        return Err(io::Error::other(format!("{editor} exited with {status}")));
    }
    Ok((new_text != text).then_some(new_text))
}

#[cfg(test)]
mod edit_tests {
    use super::edit_with;

    #[test]
    fn a_quoted_editor_path_with_spaces_and_its_arguments_work() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("My Editor");
        std::fs::create_dir(&folder).unwrap();
        let script = folder.join("ed.sh");
        // Writes its first argument, then the file it was given, into that file.
        std::fs::write(&script, "#!/bin/sh\nprintf '%s' \"$1\" > \"$2\"\n").unwrap();
        let editor = format!("sh '{}' '{{\"edited\": true}}'", script.display());
        let changed = edit_with(&editor, "09-route", "{}").unwrap();
        assert_eq!(changed.as_deref(), Some("{\"edited\": true}"));
        // Unchanged text is no edit; a failing editor is an error naming it.
        assert_eq!(edit_with("true", "09-route", "{}").unwrap(), None);
        let err = edit_with("false", "09-route", "{}").unwrap_err();
        assert!(err.to_string().contains("false exited"), "{err}");
        assert!(edit_with("'unclosed", "09-route", "{}").is_err());
    }
}
