//! The one guard that owns the terminal: raw mode, alternate screen and mouse capture on the
//! way in; restored exactly once on the way out — on quit, on error, and on panic.

use std::io::{self, Write};
use std::panic;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use ratatui::crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::crossterm::{cursor, execute};

/// What entering and leaving the TUI does to the terminal (a fake in tests).
pub trait TerminalControl: Send + Sync + 'static {
    fn enter(&self) -> io::Result<()>;
    fn leave(&self) -> io::Result<()>;
}

/// The real terminal, through crossterm.
pub struct Crossterm;

impl TerminalControl for Crossterm {
    fn enter(&self) -> io::Result<()> {
        enable_raw_mode()?;
        execute!(
            io::stdout(),
            EnterAlternateScreen,
            EnableMouseCapture,
            cursor::Hide
        )
    }

    fn leave(&self) -> io::Result<()> {
        let mut out = io::stdout();
        let screen = execute!(out, DisableMouseCapture, LeaveAlternateScreen, cursor::Show);
        let raw = disable_raw_mode();
        let _ = out.flush();
        screen.and(raw)
    }
}

struct Restore {
    control: Box<dyn TerminalControl>,
    entered: AtomicBool,
}

impl Restore {
    /// Leaves the TUI if it is in it; any number of calls leave once.
    fn leave(&self) {
        if self.entered.swap(false, Ordering::SeqCst) {
            let _ = self.control.leave();
        }
    }
}

/// Holds the terminal for the TUI. Dropping it (or a panic anywhere) gives it back.
pub struct TerminalGuard {
    restore: Arc<Restore>,
}

impl TerminalGuard {
    pub fn new(control: impl TerminalControl) -> io::Result<TerminalGuard> {
        control.enter()?;
        let restore = Arc::new(Restore {
            control: Box::new(control),
            entered: AtomicBool::new(true),
        });
        let on_panic = Arc::clone(&restore);
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            // Give the terminal back first, so that the panic message is readable.
            on_panic.leave();
            previous(info);
        }));
        Ok(TerminalGuard { restore })
    }

    /// Hands the terminal over (to $EDITOR); [`TerminalGuard::resume`] takes it back.
    pub fn suspend(&self) {
        self.restore.leave();
    }

    pub fn resume(&self) -> io::Result<()> {
        self.restore.control.enter()?;
        self.restore.entered.store(true, Ordering::SeqCst);
        Ok(())
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        self.restore.leave();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    #[derive(Clone, Default)]
    struct Fake {
        entered: Arc<AtomicUsize>,
        left: Arc<AtomicUsize>,
    }

    impl TerminalControl for Fake {
        fn enter(&self) -> io::Result<()> {
            self.entered.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        fn leave(&self) -> io::Result<()> {
            self.left.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    }

    #[test]
    fn a_panic_in_the_loop_restores_the_terminal_once() {
        let fake = Fake::default();
        let probe = fake.clone();
        let result = std::panic::catch_unwind(move || {
            let _guard = TerminalGuard::new(fake).unwrap();
            panic!("the event loop fell over");
        });
        assert!(result.is_err());
        assert_eq!(probe.entered.load(Ordering::SeqCst), 1);
        assert_eq!(
            probe.left.load(Ordering::SeqCst),
            1,
            "restored exactly once"
        );
    }

    #[test]
    fn suspend_and_resume_for_the_editor() {
        let fake = Fake::default();
        let probe = fake.clone();
        let guard = TerminalGuard::new(fake).unwrap();
        guard.suspend();
        guard.suspend();
        guard.resume().unwrap();
        drop(guard);
        assert_eq!(probe.entered.load(Ordering::SeqCst), 2);
        assert_eq!(probe.left.load(Ordering::SeqCst), 2);
    }
}
