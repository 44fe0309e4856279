//! The interface between the ECS control plane and whatever runs containers (the embedded
//! data plane, or a stand-in in tests).
//!
//! The runtime learns which tasks should run from the snapshot channel — a task whose
//! `lastStatus` is PENDING and `desiredStatus` RUNNING is to be started, one that is STOPPING
//! is to be stopped — and reports back what happened on a [`RuntimeReporter`].

use tokio::sync::mpsc;

/// A port a started container listens on: its container port and the 127.0.0.1 host port it
/// got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortBinding {
    pub container_port: i32,
    pub host_port: i32,
}

/// One started container of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedContainer {
    pub name: String,
    pub bindings: Vec<PortBinding>,
}

/// What the runtime reports about a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeEvent {
    /// All containers run; the task becomes RUNNING.
    Started {
        task_arn: String,
        containers: Vec<StartedContainer>,
    },
    /// The task could not start (e.g. `CannotPullContainerError: ...`); it becomes STOPPED.
    Failed { task_arn: String, reason: String },
    /// The task's containers are gone (asked to stop, or an essential container exited).
    Stopped {
        task_arn: String,
        exit_code: Option<i32>,
        reason: Option<String>,
    },
}

impl RuntimeEvent {
    pub fn task_arn(&self) -> &str {
        match self {
            RuntimeEvent::Started { task_arn, .. }
            | RuntimeEvent::Failed { task_arn, .. }
            | RuntimeEvent::Stopped { task_arn, .. } => task_arn,
        }
    }
}

/// The runtime's side of the report channel.
#[derive(Debug, Clone)]
pub struct RuntimeReporter {
    tx: mpsc::UnboundedSender<RuntimeEvent>,
}

impl RuntimeReporter {
    pub fn new(tx: mpsc::UnboundedSender<RuntimeEvent>) -> RuntimeReporter {
        RuntimeReporter { tx }
    }

    /// Reports an event; false once the control plane is gone.
    pub fn report(&self, event: RuntimeEvent) -> bool {
        self.tx.send(event).is_ok()
    }
}
