//! The host's dashboard: one row per attendee, whoever is stuck on top, and the keys that act
//! on the room (broadcast, look at a screen, bring to a step, reset, lower a hand, pause the
//! clock). The state and its keys are plain data, drawn by [`render`], so the tests drive it
//! without a terminal.

use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Block, BorderType, Borders, Cell, Clear, Paragraph, Row as TableRow, Table, TableState, Wrap,
};

use super::room::{Order, Presence, Room, Row, minutes};
use crate::tui::theme::Theme;

/// The dashboard's keys, for the footer and the help overlay.
pub const KEYS: &[(&str, &str)] = &[
    ("↑ ↓  j k", "select an attendee"),
    ("Enter  v", "look at their screen (read-only; Esc back)"),
    ("b", "broadcast a message to every attendee"),
    ("n", "bring them to step N (runs the steps before it)"),
    ("r", "reset their account (press r twice)"),
    ("l", "lower their hand"),
    ("p", "pause / resume the cloud's clock for everyone"),
    ("?", "this help"),
    ("q", "end the classroom (twice; attendees are told)"),
];

/// What the host is doing on the dashboard.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Table,
    /// Typing a broadcast, or a step number for the selected attendee.
    Typing {
        purpose: Typing,
        text: String,
    },
    /// Looking at an attendee's screen.
    Watching(String),
    /// `r` once: the next `r` resets this attendee.
    ConfirmReset(String),
    /// `q` once: the next `q` ends the classroom.
    ConfirmQuit,
    Help,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typing {
    Broadcast,
    Step,
}

/// What the host's screen says about the classroom itself.
#[derive(Debug, Clone)]
pub struct Heading {
    pub ssh_line: String,
    pub code: String,
    pub fingerprint: String,
    pub api: String,
}

pub struct Dashboard {
    pub mode: Mode,
    pub selected: usize,
    pub toast: Option<String>,
    pub quit: bool,
    room: Arc<Room>,
    heading: Heading,
}

/// The longest text the host may type (a broadcast is at most this).
const MAX_TYPED: usize = super::room::MAX_MESSAGE;

impl Dashboard {
    pub fn new(room: Arc<Room>, heading: Heading) -> Dashboard {
        Dashboard {
            mode: Mode::Table,
            selected: 0,
            toast: None,
            quit: false,
            room,
            heading,
        }
    }

    fn selected_name(&self, rows: &[Row]) -> Option<String> {
        rows.get(self.selected).map(|r| r.name.clone())
    }

    /// A key the host pressed.
    pub fn key(&mut self, key: KeyEvent) {
        let rows = self.room.rows(Instant::now());
        let ctrl_c =
            key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
        match std::mem::replace(&mut self.mode, Mode::Table) {
            Mode::Typing { purpose, mut text } => match key.code {
                KeyCode::Esc => self.toast = Some("cancelled".into()),
                KeyCode::Enter => self.typed(purpose, text.trim(), &rows),
                KeyCode::Backspace => {
                    text.pop();
                    self.mode = Mode::Typing { purpose, text };
                }
                KeyCode::Char(c) if !ctrl_c => {
                    if text.chars().count() < MAX_TYPED {
                        text.push(c);
                    }
                    self.mode = Mode::Typing { purpose, text };
                }
                _ => self.mode = Mode::Typing { purpose, text },
            },
            Mode::Watching(name) => match key.code {
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter | KeyCode::Char('v') => {}
                _ => self.mode = Mode::Watching(name),
            },
            Mode::ConfirmReset(name) => {
                if key.code == KeyCode::Char('r') {
                    if self.room.reset(&name) {
                        self.toast = Some(format!(
                            "{name}'s account was emptied; their walkthrough starts afresh"
                        ));
                    }
                } else {
                    self.toast = Some("not reset".into());
                }
            }
            Mode::ConfirmQuit => {
                if key.code == KeyCode::Char('q') || ctrl_c {
                    self.quit = true;
                } else {
                    self.toast = Some("the classroom goes on".into());
                }
            }
            Mode::Help => {}
            Mode::Table => self.table_key(key, &rows, ctrl_c),
        }
    }

    fn table_key(&mut self, key: KeyEvent, rows: &[Row], ctrl_c: bool) {
        self.toast = None;
        let name = self.selected_name(rows);
        match key.code {
            _ if ctrl_c => self.mode = Mode::ConfirmQuit,
            KeyCode::Char('q') => {
                self.toast = Some(format!(
                    "q again ends the classroom for {} connected attendees; any other key goes on",
                    self.room.connected()
                ));
                self.mode = Mode::ConfirmQuit;
            }
            KeyCode::Up | KeyCode::Char('k') => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                self.selected = (self.selected + 1).min(rows.len().saturating_sub(1))
            }
            KeyCode::Char('?') => self.mode = Mode::Help,
            KeyCode::Char('b') => {
                self.mode = Mode::Typing {
                    purpose: Typing::Broadcast,
                    text: String::new(),
                }
            }
            KeyCode::Char('p') => {
                let paused = !self.room.clock_paused();
                self.room.pause_clock(paused);
                self.toast = Some(if paused {
                    "the clock is paused for everyone: bakes and stage timers hold, traffic flows"
                        .into()
                } else {
                    "the clock runs again".into()
                });
            }
            _ => {
                let Some(name) = name else {
                    self.toast = Some("no attendee yet: put the ssh line on the projector".into());
                    return;
                };
                match key.code {
                    KeyCode::Enter | KeyCode::Char('v') => self.mode = Mode::Watching(name),
                    KeyCode::Char('n') => {
                        self.mode = Mode::Typing {
                            purpose: Typing::Step,
                            text: String::new(),
                        }
                    }
                    KeyCode::Char('r') => {
                        self.toast = Some(format!(
                            "r again empties {name}'s account (everything they made) and restarts their walkthrough"
                        ));
                        self.mode = Mode::ConfirmReset(name);
                    }
                    KeyCode::Char('l') => {
                        self.room.order(&name, Order::LowerHand);
                        self.toast = Some(format!("{name}'s hand is lowered"));
                    }
                    _ => {}
                }
            }
        }
    }

    fn typed(&mut self, purpose: Typing, text: &str, rows: &[Row]) {
        if text.is_empty() {
            self.toast = Some("nothing sent".into());
            return;
        }
        match purpose {
            Typing::Broadcast => {
                let reached = self.room.broadcast(text);
                self.toast = Some(format!("sent to {reached} connected attendees"));
            }
            Typing::Step => {
                let Some(name) = self.selected_name(rows) else {
                    return;
                };
                let count = self.room.steps().ids.len();
                match text.parse::<usize>() {
                    Ok(n) if (1..=count).contains(&n) => {
                        self.toast = Some(if self.room.order(&name, Order::BringTo(n - 1)) {
                            format!("bringing {name} to step {n}")
                        } else {
                            format!("{name} is not connected")
                        });
                    }
                    _ => self.toast = Some(format!("a step is a number from 1 to {count}")),
                }
            }
        }
    }
}

/// Draws the dashboard.
pub fn render(dashboard: &Dashboard, frame: &mut Frame, theme: Theme) {
    let rows = dashboard.room.rows(Instant::now());
    let [head, body, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    heading(dashboard, &rows, frame, head, theme);
    match &dashboard.mode {
        Mode::Watching(name) => watching(dashboard, name, frame, body, theme),
        _ => table(dashboard, &rows, frame, body, theme),
    }
    footer(dashboard, frame, foot, theme);
    if dashboard.mode == Mode::Help {
        help(frame, theme);
    }
}

fn heading(dashboard: &Dashboard, rows: &[Row], frame: &mut Frame, area: Rect, theme: Theme) {
    let h = &dashboard.heading;
    let connected = rows.iter().filter(|r| r.presence != Presence::Gone).count();
    let stuck = rows.iter().filter(|r| r.stuck.is_some()).count();
    let mut first = vec![
        Span::styled(" meshwalk classroom ", theme.title()),
        Span::styled("· ", theme.dim()),
        Span::raw(format!("{} attendees, {connected} connected", rows.len())),
    ];
    if stuck > 0 {
        first.push(Span::styled(" · ", theme.dim()));
        first.push(Span::styled(format!("{stuck} stuck"), theme.bad()));
    }
    if dashboard.room.clock_paused() {
        first.push(Span::styled(" · ", theme.dim()));
        first.push(Span::styled("⏸ clock paused", theme.warn()));
    }
    let lines = vec![
        Line::from(first),
        Line::from(vec![
            Span::styled(" join: ", theme.dim()),
            Span::styled(h.ssh_line.clone(), theme.key()),
            Span::styled("   code: ", theme.dim()),
            Span::styled(h.code.clone(), theme.key()),
        ]),
        Line::from(vec![
            Span::styled(" host key ", theme.dim()),
            Span::raw(h.fingerprint.clone()),
            Span::styled("   API for attendees' own tools ", theme.dim()),
            Span::raw(h.api.clone()),
        ]),
    ];
    frame.render_widget(Paragraph::new(lines), area);
}

fn table(dashboard: &Dashboard, rows: &[Row], frame: &mut Frame, area: Rect, theme: Theme) {
    let header = TableRow::new(
        [
            "attendee",
            "state",
            "step",
            "done",
            "on step",
            "traffic",
            "why stuck / last error",
        ]
        .map(|h| Cell::from(h).style(theme.title())),
    );
    let body: Vec<TableRow> = rows
        .iter()
        .map(|r| {
            let state = match r.presence {
                Presence::Connected => Span::styled("connected", theme.ok()),
                Presence::Idle => Span::styled("idle", theme.warn()),
                Presence::OwnTools => Span::styled("own tools", theme.ok()),
                Presence::Gone => Span::styled("gone", theme.dim()),
            };
            let name = if r.hand {
                format!("✋ {}", r.name)
            } else {
                r.name.clone()
            };
            let why = match (&r.stuck, &r.last_error) {
                (Some(stuck), Some(error)) => format!("{stuck} · {error}"),
                (Some(stuck), None) => stuck.clone(),
                (None, Some(error)) => error.clone(),
                (None, None) => String::new(),
            };
            let style = if r.stuck.is_some() {
                theme.bad()
            } else {
                Style::default()
            };
            TableRow::new(vec![
                Cell::from(name).style(style),
                Cell::from(state),
                Cell::from(format!("{} {}", r.step, r.step_title)),
                Cell::from(r.done.to_string()),
                Cell::from(minutes(r.on_step)),
                Cell::from(if r.traffic { "● on" } else { "" }),
                Cell::from(why).style(style),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(16),
        Constraint::Length(9),
        Constraint::Percentage(30),
        Constraint::Length(4),
        Constraint::Length(9),
        Constraint::Length(7),
        Constraint::Fill(1),
    ];
    let mut state = TableState::default().with_selected(Some(dashboard.selected));
    let empty = rows.is_empty();
    let table = Table::new(body, widths)
        .header(header)
        .row_highlight_style(Style::default().add_modifier(Modifier::REVERSED))
        .block(
            Block::default()
                .borders(Borders::ALL)
                .border_type(BorderType::Rounded)
                .border_style(theme.dim())
                .title(Span::styled(" Attendees (stuck on top) ", theme.title())),
        );
    frame.render_stateful_widget(table, area, &mut state);
    if empty {
        let hint = Rect::new(area.x + 2, area.y + 3, area.width.saturating_sub(4), 2);
        frame.render_widget(
            Paragraph::new("No attendee yet. Put the join line and the code on the projector.")
                .style(theme.dim())
                .wrap(Wrap { trim: true }),
            hint,
        );
    }
}

/// The attendee's screen as they see it, clipped to the dashboard's room for it.
fn watching(dashboard: &Dashboard, name: &str, frame: &mut Frame, area: Rect, theme: Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(theme.focus())
        .title(Span::styled(
            format!(" {name}'s screen (read-only; Esc back) "),
            theme.focus(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(seat) = dashboard.room.seat_of(name) else {
        frame.render_widget(
            Paragraph::new(format!("{name} is not connected.")).style(theme.dim()),
            inner,
        );
        return;
    };
    let screen = seat.screen.borrow().clone();
    blit(&screen, frame.buffer_mut(), inner);
}

/// Copies `screen`'s cells into `area` of `out`, as many as fit.
fn blit(screen: &Buffer, out: &mut Buffer, area: Rect) {
    let width = screen.area.width.min(area.width);
    let height = screen.area.height.min(area.height);
    for y in 0..height {
        for x in 0..width {
            if let (Some(from), Some(to)) = (
                screen.cell((screen.area.x + x, screen.area.y + y)),
                out.cell_mut((area.x + x, area.y + y)),
            ) {
                *to = from.clone();
            }
        }
    }
}

fn footer(dashboard: &Dashboard, frame: &mut Frame, area: Rect, theme: Theme) {
    let line = match (&dashboard.mode, &dashboard.toast) {
        (Mode::Typing { purpose, text }, _) => {
            let what = match purpose {
                Typing::Broadcast => "message to everyone",
                Typing::Step => "bring to step",
            };
            Line::from(vec![
                Span::styled(format!(" {what}: "), theme.key()),
                Span::raw(format!("{text}▏")),
                Span::styled("  Enter sends · Esc cancels", theme.dim()),
            ])
        }
        (_, Some(toast)) => Line::styled(format!(" {toast}"), theme.warn()),
        _ => {
            let mut spans = Vec::new();
            for (k, what) in [
                ("↑↓", "select"),
                ("⏎", "look"),
                ("b", "broadcast"),
                ("n", "to step"),
                ("r", "reset"),
                ("l", "lower hand"),
                ("p", "pause clock"),
                ("?", "help"),
                ("q", "end"),
            ] {
                spans.push(Span::styled(format!(" {k}"), theme.key()));
                spans.push(Span::styled(format!(" {what} "), theme.dim()));
            }
            Line::from(spans)
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

fn help(frame: &mut Frame, theme: Theme) {
    let area = frame.area();
    let width = 70.min(area.width);
    let height = (KEYS.len() as u16 + 4).min(area.height);
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    let mut lines: Vec<Line> = KEYS
        .iter()
        .map(|(k, does)| {
            Line::from(vec![
                Span::styled(format!(" {k:<10}"), theme.key()),
                Span::raw(does.to_string()),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(" any key closes", theme.dim()));
    frame.render_widget(Clear, popup);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::default()
                .borders(Borders::ALL)
                .border_type(BorderType::Rounded)
                .title(Span::styled(" Dashboard keys ", theme.title())),
        ),
        popup,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classroom::room::{SeatLink, Seen, StepNames};
    use crate::emulator::{Cloud, CloudConfig};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use std::time::Duration;
    use tokio::sync::{mpsc, watch};

    fn room() -> Arc<Room> {
        let cloud = Cloud::new(CloudConfig {
            accounts: Some(Vec::new()),
            ..CloudConfig::default()
        });
        let steps = StepNames {
            ids: (1..=4).map(|i| format!("0{i}-step")).collect(),
            titles: [
                "Welcome",
                "Create the mesh",
                "Virtual node: requester",
                "Router",
            ]
            .map(String::from)
            .to_vec(),
            chapters: vec!["App Mesh".into(); 4],
            operations: vec![None, Some("CreateMesh"), Some("CreateVirtualNode"), None],
        };
        Room::new(cloud, steps, Duration::from_secs(300))
    }

    /// Seats `name` with a seat whose orders and screen the test holds.
    fn seat(
        room: &Room,
        name: &str,
        screen: &str,
    ) -> (mpsc::Receiver<Order>, watch::Sender<Arc<Buffer>>) {
        room.admit(name, None, true).unwrap();
        let (orders, received) = mpsc::channel(8);
        let mut buffer = Buffer::empty(Rect::new(0, 0, 30, 3));
        buffer.set_string(0, 0, screen, Style::default());
        let (drawn, screen) = watch::channel(Arc::new(buffer));
        room.sit(
            name,
            SeatLink {
                id: room.new_seat_id(),
                orders,
                screen,
            },
        );
        (received, drawn)
    }

    fn press(board: &mut Dashboard, keys: &str) {
        for c in keys.chars() {
            let code = match c {
                '\n' => KeyCode::Enter,
                '\u{1b}' => KeyCode::Esc,
                c => KeyCode::Char(c),
            };
            board.key(KeyEvent::new(code, KeyModifiers::NONE));
        }
    }

    fn heading() -> Heading {
        Heading {
            ssh_line: "ssh -p 2222 YOURNAME@workshop.local".into(),
            code: "k7m3q-x9d2f".into(),
            fingerprint: "SHA256:abc".into(),
            api: "http://workshop.local:4566".into(),
        }
    }

    fn draw(board: &Dashboard, w: u16, h: u16) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| render(board, f, Theme { color: false }))
            .unwrap();
        let buffer = terminal.backend().buffer();
        (0..h)
            .map(|y| {
                (0..w)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect::<String>()
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[tokio::test]
    async fn the_host_broadcasts_brings_to_a_step_and_resets_with_a_second_r() {
        let room = room();
        let (mut alice, _screen) = seat(&room, "alice", "alice's screen");
        let mut board = Dashboard::new(room.clone(), heading());
        press(&mut board, "bbreak at 10:30\n");
        assert_eq!(
            alice.try_recv().unwrap(),
            Order::Broadcast("break at 10:30".into())
        );
        assert_eq!(
            board.toast.as_deref(),
            Some("sent to 1 connected attendees")
        );
        press(&mut board, "n3\n");
        assert_eq!(alice.try_recv().unwrap(), Order::BringTo(2));
        press(&mut board, "n9\n");
        assert_eq!(
            board.toast.as_deref(),
            Some("a step is a number from 1 to 4")
        );
        press(&mut board, "rx");
        assert!(alice.try_recv().is_err(), "one r resets nothing");
        press(&mut board, "rr");
        assert_eq!(alice.try_recv().unwrap(), Order::Reset);
        press(&mut board, "p");
        assert_eq!(alice.try_recv().unwrap(), Order::ClockPaused(true));
        assert!(room.clock_paused());
        press(&mut board, "p");
        assert_eq!(alice.try_recv().unwrap(), Order::ClockPaused(false));
        press(&mut board, "b\u{1b}");
        assert!(alice.try_recv().is_err(), "Esc sends nothing");
        press(&mut board, "q");
        assert!(!board.quit, "one q only asks");
        press(&mut board, "q");
        assert!(board.quit);
    }

    #[tokio::test]
    async fn the_stuck_are_on_top_and_the_host_can_look_at_a_screen() {
        let room = room();
        let _alice = seat(&room, "alice", "alice's screen");
        let _bob = seat(&room, "bob", "bob sees step 3");
        let bob_seat = room.seat_of("bob").unwrap().id;
        room.saw("bob", bob_seat, Seen::Selected(2));
        room.saw("bob", bob_seat, Seen::Hand(true));
        let mut board = Dashboard::new(room.clone(), heading());
        let text = draw(&board, 120, 12);
        assert!(
            text.contains("ssh -p 2222 YOURNAME@workshop.local"),
            "{text}"
        );
        assert!(text.contains("k7m3q-x9d2f"));
        let bob = text.find("bob").expect("bob's row");
        assert!(text.contains('✋'), "{text}");
        let alice = text.find("alice").expect("alice's row");
        assert!(bob < alice, "the raised hand is on top:\n{text}");
        assert!(text.contains("hand raised"));
        // Enter on the selected (top) row: bob's screen, read-only.
        press(&mut board, "\n");
        let text = draw(&board, 120, 12);
        assert!(
            text.contains("bob's screen (read-only; Esc back)"),
            "{text}"
        );
        assert!(text.contains("bob sees step 3"));
        press(&mut board, "\u{1b}l");
        assert!(!room.rows(Instant::now())[0].hand, "l lowered bob's hand");
    }
}
