//! `meshwalk notes`: the presenter's notes in a second terminal, following the step the
//! terminal UI shows (through the state directory's `presenter.json`), with the time spent.

use std::path::Path;
use std::time::Duration;

use color_eyre::Result;
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{Event, EventStream, KeyCode, KeyEventKind, KeyModifiers};

use crate::presenter::{Follower, view};
use crate::state_file::now_ms;
use crate::tui::terminal::{Crossterm, TerminalGuard};

/// How often the presenter's file is read again; the clock ticks each second anyway.
const POLL: Duration = Duration::from_millis(250);

pub async fn run(state_dir: &Path) -> Result<()> {
    let mut follower = Follower::new(state_dir);
    follower.poll();
    let waiting_in = format!("state directory {}", state_dir.display());
    let guard = TerminalGuard::new(Crossterm)?;
    let mut terminal = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(POLL);
    let mut drawn_second = u64::MAX;
    loop {
        let redraw = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) if key.kind == KeyEventKind::Press => {
                    let ctrl_c = key.code == KeyCode::Char('c')
                        && key.modifiers.contains(KeyModifiers::CONTROL);
                    if ctrl_c || matches!(key.code, KeyCode::Char('q') | KeyCode::Esc) {
                        break;
                    }
                    false
                }
                Some(Ok(Event::Resize(..))) => true,
                Some(Ok(_)) => false,
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            _ = tick.tick() => {
                let second = now_ms() / 1000;
                follower.poll() || std::mem::replace(&mut drawn_second, second) != second
            }
        };
        if redraw {
            terminal.draw(|f| view::render(follower.state(), now_ms(), &waiting_in, f))?;
        }
    }
    drop(guard);
    Ok(())
}
