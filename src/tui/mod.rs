//! The terminal UI: the walkthrough in panes, live traffic and weight shifting.
//!
//! One event loop: terminal events and the effects' messages go through `App::update`, whose
//! commands the effects run in tasks; the screen is redrawn only after something changed, so
//! an idle UI costs no CPU.

pub mod app;
pub mod deployment;
pub mod driver;
pub mod effects;
pub mod inputs;
pub mod jobs;
pub mod keys;
pub mod layout;
pub mod resource_tree;
pub mod resources_pane;
pub mod step_text;
pub mod svg;
pub mod terminal;
pub mod theme;
pub mod traffic_view;
pub mod view;

use std::io::{self, Write};
use std::time::{Duration, Instant};

use color_eyre::Result;
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{Event, EventStream};

use crate::api::target::TargetKind;
use crate::presenter::Publisher;
use crate::session::connect::Connected;
use crate::session::local_cloud::LocalCloud;
use app::{Cmd, Msg};
use driver::{Driver, Opening};
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
    let replay_done = matches!(session.target().kind, TargetKind::Embedded);
    let account = session.target().account.clone();
    // `meshwalk notes` in another terminal follows the selected step.
    let mut presenter = Publisher::start(session.walkthrough(), state_dir.clone());

    let guard = TerminalGuard::new(Crossterm)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let size = terminal.size()?;
    let theme = Theme::from_env();
    let mut driver = Driver::open(Opening {
        session,
        progress,
        notice,
        state_dir,
        cloud: embedded
            .as_ref()
            .map(|cloud| LocalCloud::of(cloud, &account)),
        replay_done,
        traffic_rps,
        size: (size.width, size.height),
    });

    let mut events = EventStream::new();
    presenter.follow(driver.app.selected);
    terminal.draw(|f| view::render(&driver.app, f, theme))?;
    tracing::info!(ms = started.elapsed().as_secs_f64() * 1000.0, "first frame");
    loop {
        let pending = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => match terminal_msg(event) {
                    Some(msg) => vec![msg],
                    None => continue,
                },
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            pending = driver.messages() => pending,
        };
        for msg in pending {
            for cmd in driver.apply(msg) {
                match cmd {
                    Cmd::Edit { index } => {
                        events = edit_step(index, &mut driver, &guard, &mut terminal, events)?
                    }
                    Cmd::Copy(text) => copy_to_clipboard(text),
                    _ => {}
                }
            }
        }
        if driver.app.quit {
            break;
        }
        presenter.follow(driver.app.selected);
        let frame = Instant::now();
        terminal.draw(|f| view::render(&driver.app, f, theme))?;
        tracing::debug!(us = frame.elapsed().as_micros() as u64, "frame");
    }
    driver.stop();
    drop(guard);
    if let Some(cloud) = embedded {
        let _ = tokio::time::timeout(Duration::from_secs(3), cloud.stop()).await;
    }
    Ok(())
}

/// The App's message for a terminal event (focus changes and the like are none of its).
pub fn terminal_msg(event: Event) -> Option<Msg> {
    match event {
        Event::Key(key) => Some(Msg::Key(key)),
        Event::Mouse(mouse) => Some(Msg::Mouse(mouse)),
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// OSC 52: the terminal puts the text on the clipboard, even over SSH.
fn copy_to_clipboard(text: String) {
    let _ = crossterm::execute!(
        std::io::stdout(),
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text)
    );
}

/// Hands the terminal to the editor for step `index`'s input, then takes it back. The event
/// stream must not read the keys meant for the editor: it is dropped, and a new one returned.
fn edit_step(
    index: usize,
    driver: &mut Driver,
    guard: &TerminalGuard,
    terminal: &mut Terminal<CrosstermBackend<io::Stdout>>,
    events: EventStream,
) -> Result<EventStream> {
    let (id, text) = driver.text_for_edit(index);
    drop(events);
    guard.suspend();
    let edited = edit(&id, &text);
    guard.resume()?;
    // A new terminal draws everything afresh (Terminal::clear would query
    // the cursor position, which the terminal may not answer in time).
    *terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let events = EventStream::new();
    match edited {
        Ok(Some(new_text)) => driver.store_edit(index, new_text),
        Ok(None) => driver.app.toast = Some("no change".into()),
        Err(e) => driver.app.toast = Some(format!("could not run the editor: {e}")),
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
