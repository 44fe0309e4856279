//! The terminal UI's effects as small jobs, each a task that owns its state and is told what
//! to do by messages (no state shared behind locks): saved progress, the resource tree and the
//! route's weights, the traffic, the deployment watch, the autopilot. Each reports to the App
//! as `Msg`s. `tui::effects::Effects` routes the App's commands to them.

pub mod autopilot;
pub mod deployment_poller;
pub mod deployment_watch;
pub mod persistence;
pub mod resources;
pub mod steps;
pub mod traffic;

use tokio::sync::mpsc::{
    UnboundedReceiver, UnboundedSender, WeakUnboundedSender, unbounded_channel,
};

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

    /// An inbox that does not keep its job alive: a job that writes to itself holds this, so
    /// that it ends when the UI drops the last real inbox (a classroom seat closing).
    pub fn downgrade(&self) -> WeakInbox<T> {
        WeakInbox(self.0.downgrade())
    }
}

pub struct WeakInbox<T>(WeakUnboundedSender<T>);

impl<T> WeakInbox<T> {
    /// The inbox, while its job's UI still holds one.
    pub fn upgrade(&self) -> Option<Inbox<T>> {
        self.0.upgrade().map(Inbox)
    }
}
