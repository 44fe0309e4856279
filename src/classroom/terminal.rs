//! An attendee's terminal at the far end of an SSH channel: the bytes it sends, parsed into
//! keys and mouse events as a terminal sends them (termwiz's parser), and the screen it
//! shows, sent as the difference between the frame it shows and the next one.

use std::io::Write;

use crossterm::event::{
    Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind,
};
use crossterm::{cursor, queue, terminal};
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::Buffer;
use termwiz::input::{self as tw, InputEvent, InputParser, MouseButtons};

/// Bytes the parser may hold without making an event (a paste or sequence that never ends):
/// past it the parser starts afresh, so a hostile client cannot make it grow.
pub const MAX_PENDING_INPUT: usize = 64 * 1024;

/// The smallest and largest terminal an attendee may have: the size a client claims is
/// clamped (a huge one would cost the host memory and time for every frame).
pub const MIN_SIZE: (u16, u16) = (20, 8);
pub const MAX_SIZE: (u16, u16) = (400, 150);

/// The size a client claims, clamped to what the host draws.
pub fn clamp_size(cols: u32, rows: u32) -> (u16, u16) {
    let clamp = |v: u32, lo: u16, hi: u16| v.clamp(u32::from(lo), u32::from(hi)) as u16;
    (
        clamp(cols, MIN_SIZE.0, MAX_SIZE.0),
        clamp(rows, MIN_SIZE.1, MAX_SIZE.1),
    )
}

/// Turns what the client sends into the App's terminal events.
pub struct KeyReader {
    parser: InputParser,
    pending: usize,
}

impl Default for KeyReader {
    fn default() -> Self {
        KeyReader {
            parser: InputParser::new(),
            pending: 0,
        }
    }
}

impl KeyReader {
    /// The events in `bytes`. An SSH client sends a key's bytes together, so a lone Esc is
    /// the Esc key, not the start of a sequence still to come.
    pub fn read(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        self.parser.parse(
            bytes,
            |event| {
                if let Some(event) = crossterm_event(event) {
                    events.push(event);
                }
            },
            false,
        );
        self.pending = if events.is_empty() {
            self.pending + bytes.len()
        } else {
            0
        };
        if self.pending > MAX_PENDING_INPUT {
            self.parser = InputParser::new();
            self.pending = 0;
        }
        events
    }
}

fn crossterm_event(event: InputEvent) -> Option<Event> {
    match event {
        InputEvent::Key(key) => key_event(key).map(Event::Key),
        InputEvent::Mouse(mouse) => mouse_event(mouse).map(Event::Mouse),
        // The App takes no text; a paste is not a stream of keys to act on.
        _ => None,
    }
}

fn modifiers(m: tw::Modifiers) -> KeyModifiers {
    let mut out = KeyModifiers::NONE;
    if m.contains(tw::Modifiers::SHIFT) {
        out |= KeyModifiers::SHIFT;
    }
    if m.contains(tw::Modifiers::CTRL) {
        out |= KeyModifiers::CONTROL;
    }
    if m.contains(tw::Modifiers::ALT) {
        out |= KeyModifiers::ALT;
    }
    out
}

fn key_event(key: tw::KeyEvent) -> Option<KeyEvent> {
    use tw::KeyCode as K;
    let mut mods = modifiers(key.modifiers);
    let code = match key.key {
        K::Char('\r') | K::Char('\n') | K::Enter => KeyCode::Enter,
        K::Char('\t') | K::Tab if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
        K::Char('\t') | K::Tab => KeyCode::Tab,
        K::Char('\u{1b}') | K::Escape => KeyCode::Esc,
        K::Char('\u{7f}') | K::Char('\u{8}') | K::Backspace => KeyCode::Backspace,
        K::Char(c) if c.is_control() => return None,
        K::Char(c) => {
            // A capital letter is its own key to the App (`R`, `G`), as crossterm reports it.
            if c.is_uppercase() {
                mods |= KeyModifiers::SHIFT;
            }
            KeyCode::Char(c)
        }
        K::UpArrow | K::ApplicationUpArrow => KeyCode::Up,
        K::DownArrow | K::ApplicationDownArrow => KeyCode::Down,
        K::LeftArrow | K::ApplicationLeftArrow => KeyCode::Left,
        K::RightArrow | K::ApplicationRightArrow => KeyCode::Right,
        K::PageUp | K::KeyPadPageUp => KeyCode::PageUp,
        K::PageDown | K::KeyPadPageDown => KeyCode::PageDown,
        K::Home | K::KeyPadHome => KeyCode::Home,
        K::End | K::KeyPadEnd => KeyCode::End,
        K::Delete => KeyCode::Delete,
        K::Insert => KeyCode::Insert,
        K::Function(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(KeyEvent::new(code, mods))
}

fn mouse_event(mouse: tw::MouseEvent) -> Option<MouseEvent> {
    let buttons = mouse.mouse_buttons;
    let kind = if buttons.contains(MouseButtons::VERT_WHEEL) {
        if buttons.contains(MouseButtons::WHEEL_POSITIVE) {
            MouseEventKind::ScrollUp
        } else {
            MouseEventKind::ScrollDown
        }
    } else if buttons.contains(MouseButtons::LEFT) {
        MouseEventKind::Down(MouseButton::Left)
    } else {
        return None;
    };
    Some(MouseEvent {
        kind,
        // The terminal counts from 1; the App from 0.
        column: mouse.x.saturating_sub(1),
        row: mouse.y.saturating_sub(1),
        modifiers: modifiers(mouse.modifiers),
    })
}

/// What the attendee's terminal is told first: the alternate screen (their scrollback stays
/// as it was), no cursor, mouse reports.
pub fn opening() -> Vec<u8> {
    let mut out = Vec::new();
    let _ = queue!(
        out,
        terminal::EnterAlternateScreen,
        cursor::Hide,
        crossterm::event::EnableMouseCapture,
        terminal::Clear(terminal::ClearType::All)
    );
    out
}

/// What it is told last: everything `opening` changed, put back; then `farewell` on the
/// normal screen.
pub fn closing(farewell: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = queue!(
        out,
        crossterm::event::DisableMouseCapture,
        cursor::Show,
        terminal::LeaveAlternateScreen
    );
    if !farewell.is_empty() {
        let _ = write!(out, "{}\r\n", farewell.replace('\n', "\r\n"));
    }
    out
}

/// The bytes that change the screen from `shown` (what the terminal shows now; `None`: not
/// known, so all of it) into `next`.
pub fn encode(shown: Option<&Buffer>, next: &Buffer) -> Vec<u8> {
    let mut out = Vec::new();
    let blank;
    let from = match shown {
        Some(shown) if shown.area == next.area => shown,
        _ => {
            let _ = queue!(out, terminal::Clear(terminal::ClearType::All));
            blank = Buffer::empty(next.area);
            &blank
        }
    };
    let mut backend = CrosstermBackend::new(&mut out);
    let _ = backend
        .draw(from.diff(next).into_iter())
        .and_then(|()| Backend::flush(&mut backend));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;

    fn keys(bytes: &[u8]) -> Vec<(KeyCode, KeyModifiers)> {
        KeyReader::default()
            .read(bytes)
            .into_iter()
            .filter_map(|e| match e {
                Event::Key(k) => Some((k.code, k.modifiers)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn keys_arrive_as_the_app_knows_them() {
        assert_eq!(keys(b"\r"), [(KeyCode::Enter, KeyModifiers::NONE)]);
        assert_eq!(keys(b"\x1b"), [(KeyCode::Esc, KeyModifiers::NONE)]);
        assert_eq!(keys(b"\x1b[A"), [(KeyCode::Up, KeyModifiers::NONE)]);
        assert_eq!(keys(b"\x1bOB"), [(KeyCode::Down, KeyModifiers::NONE)]);
        assert_eq!(keys(b"\x1b[6~"), [(KeyCode::PageDown, KeyModifiers::NONE)]);
        assert_eq!(keys(b"\x1b[Z"), [(KeyCode::BackTab, KeyModifiers::SHIFT)]);
        assert_eq!(keys(b"\x03"), [(KeyCode::Char('c'), KeyModifiers::CONTROL)]);
        assert_eq!(keys(b"R"), [(KeyCode::Char('R'), KeyModifiers::SHIFT)]);
        assert_eq!(
            keys(b"jk+"),
            [
                (KeyCode::Char('j'), KeyModifiers::NONE),
                (KeyCode::Char('k'), KeyModifiers::NONE),
                (KeyCode::Char('+'), KeyModifiers::NONE)
            ]
        );
    }

    #[test]
    fn a_click_and_the_wheel_arrive_where_they_happened() {
        let events = KeyReader::default().read(b"\x1b[<0;5;3M\x1b[<65;1;1M");
        let kinds: Vec<_> = events
            .iter()
            .map(|e| match e {
                Event::Mouse(m) => (m.kind, m.column, m.row),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                (MouseEventKind::Down(MouseButton::Left), 4, 2),
                (MouseEventKind::ScrollDown, 0, 0)
            ]
        );
    }

    #[test]
    fn an_endless_paste_or_sequence_is_not_kept() {
        let mut reader = KeyReader::default();
        for start in [&b"\x1b[200~"[..], b"\x1b[1;2;3;4"] {
            reader.read(start);
            for _ in 0..100 {
                reader.read(&[b'7'; 4096]);
                assert!(reader.pending <= MAX_PENDING_INPUT);
            }
            // Keys work after it.
            let last = reader.read(b"q").pop();
            assert!(
                matches!(last, Some(Event::Key(k)) if k.code == KeyCode::Char('q')),
                "{last:?}"
            );
        }
    }

    #[test]
    fn only_what_changed_is_sent_and_a_new_size_redraws_all() {
        let area = Rect::new(0, 0, 20, 4);
        let mut a = Buffer::empty(area);
        a.set_string(0, 0, "hello", ratatui::style::Style::default());
        let mut b = a.clone();
        b.set_string(0, 1, "x", ratatui::style::Style::default());
        let full = encode(None, &b);
        let diff = encode(Some(&a), &b);
        assert!(String::from_utf8_lossy(&full).contains("hello"));
        assert!(!String::from_utf8_lossy(&diff).contains("hello"));
        assert!(String::from_utf8_lossy(&diff).contains('x'));
        assert!(encode(Some(&b), &b).len() < diff.len());
        assert_eq!(clamp_size(100_000, 1), (MAX_SIZE.0, MIN_SIZE.1));
    }
}
