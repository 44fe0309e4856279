//! The embedded cloud as meshwalk runs it: the control plane (App Mesh + ECS emulator) on a
//! loopback port, and the data plane that runs its tasks.

use std::net::SocketAddr;

use crate::dataplane::faults::FaultSwitch;
use crate::dataplane::{DataPlane, DataPlaneConfig};
use crate::emulator::{CloudConfig, RunningCloud};

pub struct EmbeddedCloud {
    pub control: RunningCloud,
    dataplane: DataPlane,
}

impl EmbeddedCloud {
    pub async fn start(
        config: CloudConfig,
        addr: SocketAddr,
        dataplane: DataPlaneConfig,
    ) -> std::io::Result<EmbeddedCloud> {
        let control = RunningCloud::start(config, addr).await?;
        let dataplane = DataPlane::start(&control.cloud, dataplane);
        Ok(EmbeddedCloud { control, dataplane })
    }

    /// `http://127.0.0.1:PORT`, for `--endpoint-url` and the SDKs.
    pub fn endpoint(&self) -> String {
        self.control.endpoint()
    }

    /// How many times faster than real time the cloud's clock runs.
    pub fn clock_scale(&self) -> f64 {
        self.control.cloud.clock.scale()
    }

    /// The cloud's clock: every copy is the same clock, which may be paused and rescaled.
    pub fn clock(&self) -> crate::emulator::clock::Clock {
        self.control.cloud.clock.clone()
    }

    pub fn faults(&self) -> FaultSwitch {
        self.dataplane.faults()
    }

    /// The data plane's hosts: health, ejections, and the log of both (read-only).
    pub fn hosts(&self) -> std::sync::Arc<crate::dataplane::hosts::Hosts> {
        self.dataplane.hosts()
    }

    /// Stops the data plane's containers, then the control plane.
    pub async fn stop(self) -> std::io::Result<()> {
        drop(self.dataplane);
        self.control.stop().await
    }
}
