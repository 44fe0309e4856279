//! The terminal UI's effects as small jobs, each a task that owns its state and is told what
//! to do by messages (no state shared behind locks): saved progress, the resource tree and the
//! route's weights, the traffic, the deployment watch, the autopilot. Each reports to the App
//! as `Msg`s. `tui::effects::Effects` routes the App's commands to them.

pub mod autopilot;
pub mod deployment_watch;
pub mod persistence;
pub mod resources;
pub mod steps;
pub mod traffic;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

/// A job's inbox: what is sent to a job that has ended is dropped (the UI is closing).
#[derive(Debug)]
pub struct Inbox<T>(UnboundedSender<T>);

impl<T> Clone for Inbox<T> {
    fn clone(&self) -> Self {
        Inbox(self.0.clone())
    }
}

impl<T> Inbox<T> {
    /// An inbox and the receiving end its job's task reads.
    pub fn new() -> (Inbox<T>, UnboundedReceiver<T>) {
        let (tx, rx) = unbounded_channel();
        (Inbox(tx), rx)
    }

    pub fn send(&self, message: T) {
        let _ = self.0.send(message);
    }
}
