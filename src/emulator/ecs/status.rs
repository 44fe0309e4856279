//! The statuses ECS reports, as enums. The model's shapes keep them as the wire's strings (they
//! are generated and serialized as they are); the emulator reads and sets them only through
//! these types, so a misspelt status does not compile.

use crate::model::ecs::{
    Cluster, Deployment, DeploymentLifecycleHookDetail, Service, ServiceDeployment,
    ServiceDeploymentCircuitBreaker, TaskDefinition,
};

/// An enum whose variants are the model's strings.
pub trait WireEnum: Copy + Sized + 'static {
    const ALL: &'static [Self];

    /// The model's exact string.
    fn as_str(self) -> &'static str;

    /// The variant the model's string names, if any.
    fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.as_str() == s)
    }

    /// The variant a stored member holds (`None` when unset or unknown).
    fn of(member: Option<&str>) -> Option<Self> {
        member.and_then(Self::parse)
    }

    /// The value to store in a model member.
    fn wire(self) -> Option<String> {
        Some(self.as_str().to_string())
    }
}

macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $wire:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl WireEnum for $name {
            const ALL: &'static [Self] = &[$($name::$variant,)+];

            fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// A task's (and a container's) lastStatus and desiredStatus: the task lifecycle.
    TaskStatus {
        Provisioning = "PROVISIONING",
        Pending = "PENDING",
        Activating = "ACTIVATING",
        Running = "RUNNING",
        Deactivating = "DEACTIVATING",
        Stopping = "STOPPING",
        Deprovisioning = "DEPROVISIONING",
        Stopped = "STOPPED",
    }
}

wire_enum! {
    /// Why a task stopped (its stopCode).
    TaskStopCode {
        /// It never ran: a service waits its restart backoff before replacing it.
        TaskFailedToStart = "TaskFailedToStart",
        EssentialContainerExited = "EssentialContainerExited",
        UserInitiated = "UserInitiated",
        ServiceSchedulerInitiated = "ServiceSchedulerInitiated",
        SpotInterruption = "SpotInterruption",
        TerminationNotice = "TerminationNotice",
    }
}

wire_enum! {
    /// A cluster's status.
    ClusterStatus {
        Active = "ACTIVE",
        Provisioning = "PROVISIONING",
        Deprovisioning = "DEPROVISIONING",
        Failed = "FAILED",
        /// Deleted (still listed for a while).
        Inactive = "INACTIVE",
    }
}

wire_enum! {
    /// A service's status: DRAINING after DeleteService until its tasks are gone.
    ServiceStatus {
        Active = "ACTIVE",
        Draining = "DRAINING",
        Inactive = "INACTIVE",
    }
}

wire_enum! {
    /// A task definition revision's status.
    TaskDefinitionStatus {
        Active = "ACTIVE",
        /// Deregistered.
        Inactive = "INACTIVE",
        DeleteInProgress = "DELETE_IN_PROGRESS",
    }
}

wire_enum! {
    /// The status of an ECS deployment (`ecs-svc/...`) within a service: the one the scheduler
    /// scales is PRIMARY; older ones are ACTIVE until drained.
    DeploymentStatus {
        Primary = "PRIMARY",
        Active = "ACTIVE",
        Inactive = "INACTIVE",
    }
}

wire_enum! {
    /// An ECS deployment's rolloutState.
    RolloutState {
        InProgress = "IN_PROGRESS",
        Completed = "COMPLETED",
        /// The circuit breaker stopped it: it launches no more tasks.
        Failed = "FAILED",
    }
}

wire_enum! {
    /// A service deployment's status.
    ServiceDeploymentStatus {
        Pending = "PENDING",
        InProgress = "IN_PROGRESS",
        Successful = "SUCCESSFUL",
        StopRequested = "STOP_REQUESTED",
        Stopped = "STOPPED",
        RollbackRequested = "ROLLBACK_REQUESTED",
        RollbackInProgress = "ROLLBACK_IN_PROGRESS",
        RollbackSuccessful = "ROLLBACK_SUCCESSFUL",
        RollbackFailed = "ROLLBACK_FAILED",
    }
}

wire_enum! {
    /// A service deployment's lifecycleStage (the emulator moves through SCALE_UP,
    /// PRODUCTION_TRAFFIC_SHIFT, BAKE_TIME and CLEAN_UP).
    LifecycleStage {
        ReconcileService = "RECONCILE_SERVICE",
        PreScaleUp = "PRE_SCALE_UP",
        ScaleUp = "SCALE_UP",
        PostScaleUp = "POST_SCALE_UP",
        TestTrafficShift = "TEST_TRAFFIC_SHIFT",
        PostTestTrafficShift = "POST_TEST_TRAFFIC_SHIFT",
        ProductionTrafficShift = "PRODUCTION_TRAFFIC_SHIFT",
        PostProductionTrafficShift = "POST_PRODUCTION_TRAFFIC_SHIFT",
        BakeTime = "BAKE_TIME",
        CleanUp = "CLEAN_UP",
    }
}

wire_enum! {
    /// A deployment lifecycle hook's status (DeploymentLifecycleHookDetail.status).
    HookStatus {
        AwaitingAction = "AWAITING_ACTION",
        InProgress = "IN_PROGRESS",
        Succeeded = "SUCCEEDED",
        Failed = "FAILED",
        TimedOut = "TIMED_OUT",
    }
}

wire_enum! {
    /// What ContinueServiceDeployment or a hook's timeout does (DeploymentLifecycleHookAction).
    HookAction {
        Continue = "CONTINUE",
        Rollback = "ROLLBACK",
    }
}

wire_enum! {
    /// What a lifecycle hook runs (DeploymentLifecycleHookTargetType).
    HookTarget {
        AwsLambda = "AWS_LAMBDA",
        Pause = "PAUSE",
    }
}

wire_enum! {
    /// The status of a service deployment's circuit breaker.
    CircuitBreakerStatus {
        Triggered = "TRIGGERED",
        Monitoring = "MONITORING",
        MonitoringComplete = "MONITORING_COMPLETE",
        Disabled = "DISABLED",
    }
}

wire_enum! {
    /// deploymentConfiguration.strategy.
    DeploymentStrategy {
        Rolling = "ROLLING",
        BlueGreen = "BLUE_GREEN",
        Linear = "LINEAR",
        Canary = "CANARY",
    }
}

/// A model shape whose `status` member the emulator reads and sets, typed.
pub trait HasStatus {
    type Status: WireEnum;

    fn status_member(&mut self) -> &mut Option<String>;

    fn status_str(&self) -> Option<&str>;

    fn status(&self) -> Option<Self::Status> {
        Self::Status::of(self.status_str())
    }

    fn set_status(&mut self, status: Self::Status) {
        *self.status_member() = status.wire();
    }
}

macro_rules! has_status {
    ($($shape:ty => $status:ty),+ $(,)?) => {
        $(
            impl HasStatus for $shape {
                type Status = $status;

                fn status_member(&mut self) -> &mut Option<String> {
                    &mut self.status
                }

                fn status_str(&self) -> Option<&str> {
                    self.status.as_deref()
                }
            }
        )+
    };
}

has_status! {
    Cluster => ClusterStatus,
    Service => ServiceStatus,
    TaskDefinition => TaskDefinitionStatus,
    Deployment => DeploymentStatus,
    ServiceDeployment => ServiceDeploymentStatus,
    ServiceDeploymentCircuitBreaker => CircuitBreakerStatus,
    DeploymentLifecycleHookDetail => HookStatus,
}

/// An ECS deployment's rolloutState, typed.
pub trait HasRolloutState {
    fn rollout(&self) -> Option<RolloutState>;
    fn set_rollout(&mut self, state: RolloutState);
}

impl HasRolloutState for Deployment {
    fn rollout(&self) -> Option<RolloutState> {
        RolloutState::of(self.rollout_state.as_deref())
    }

    fn set_rollout(&mut self, state: RolloutState) {
        self.rollout_state = state.wire();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_the_model_strings_both_ways() {
        for status in TaskStatus::ALL {
            assert_eq!(TaskStatus::parse(status.as_str()), Some(*status));
        }
        assert_eq!(
            ServiceDeploymentStatus::RollbackInProgress.as_str(),
            "ROLLBACK_IN_PROGRESS"
        );
        assert_eq!(
            LifecycleStage::of(Some("PRODUCTION_TRAFFIC_SHIFT")),
            Some(LifecycleStage::ProductionTrafficShift)
        );
        assert_eq!(TaskStatus::parse("running"), None, "the wire's case only");
        assert_eq!(ServiceStatus::of(None), None);
    }

    #[test]
    fn shapes_read_and_set_their_status() {
        let mut service = Service::default();
        assert_eq!(service.status(), None);
        service.set_status(ServiceStatus::Draining);
        assert_eq!(service.status.as_deref(), Some("DRAINING"));
        assert_eq!(service.status(), Some(ServiceStatus::Draining));
    }
}
