//! Every API call the control plane answered, told to whoever listens (a classroom host
//! following attendees who use their own aws CLI). Nothing is kept: with no listener a call
//! costs a check.

use tokio::sync::broadcast;

/// One answered call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiCall {
    pub account: String,
    /// The operation's name in its model (`CreateMesh`).
    pub operation: &'static str,
    /// The error's code and message, if it failed.
    pub error: Option<(String, String)>,
}

pub struct CallLog {
    tx: broadcast::Sender<ApiCall>,
}

impl Default for CallLog {
    fn default() -> Self {
        // A slow listener loses the oldest calls (and is told how many), never slows a call.
        let (tx, _) = broadcast::channel(4096);
        CallLog { tx }
    }
}

impl CallLog {
    pub fn subscribe(&self) -> broadcast::Receiver<ApiCall> {
        self.tx.subscribe()
    }

    /// Tells the listeners, if there are any (`call` is made only then).
    pub fn record(&self, call: impl FnOnce() -> ApiCall) {
        if self.tx.receiver_count() > 0 {
            let _ = self.tx.send(call());
        }
    }
}
