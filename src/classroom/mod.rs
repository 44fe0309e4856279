//! `meshwalk classroom`: one host, a room of attendees over SSH with nothing to install.
//!
//! The host's process runs one embedded cloud with an account per attendee, an SSH server
//! whose sessions are attendees' seats (the meshwalk terminal UI, against their account),
//! and the host's dashboard of who is where. Attendees are strangers on a shared network:
//! the join code admits (the gate limits guessing), only the terminal UI is served, and every
//! queue an attendee can fill is bounded.

pub mod dashboard;
pub mod gate;
pub mod host_key;
pub mod join_code;
pub mod report;
pub mod room;
pub mod seat;
pub mod ssh;
pub mod terminal;

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::api::target::{Target, TargetKind};
use crate::dataplane::DataPlaneConfig;
use crate::embedded::EmbeddedCloud;
use crate::emulator::CloudConfig;
use crate::emulator::accounts::Credentials;
use crate::session::Session;
use crate::session::local_cloud::LocalCloud;
use crate::walkthrough::Walkthrough;
use crate::walkthrough::step::StepKind;
use join_code::JoinCode;
use room::{Room, StepNames};

/// How a classroom runs (the command line's `meshwalk classroom` flags).
pub struct ClassroomConfig {
    /// Where the SSH server and the attendees' API endpoint listen.
    pub bind: IpAddr,
    /// The SSH port (0: a free one).
    pub ssh_port: u16,
    /// The embedded cloud's API port, for attendees' own tools (0: a free one).
    pub api_port: u16,
    pub code: JoinCode,
    /// The classroom's folder: the host key, each attendee's progress.
    pub state_dir: PathBuf,
    /// On one step this long (without finishing it) is stuck.
    pub stuck_after: Duration,
    /// A seat without a key for this long is closed.
    pub idle: Duration,
    pub traffic_rps: f64,
    pub clock_scale: f64,
    pub region: String,
    pub walkthrough: Walkthrough,
}

/// What the SSH side shares: how to make an attendee's session.
pub struct Shared {
    pub room: Arc<Room>,
    pub gate: gate::Gate,
    pub code: JoinCode,
    walkthrough: Arc<Walkthrough>,
    cloud: Arc<EmbeddedCloud>,
    /// Where the seats' SDK clients call (loopback).
    endpoint: String,
    api_port: u16,
    region: String,
    pub state_dir: PathBuf,
    pub idle: Duration,
    pub traffic_rps: f64,
}

impl Shared {
    /// A session acting in the attendee's account, with their keys.
    fn session_for(&self, credentials: &Credentials) -> Session {
        let keys = aws_sdk_appmesh::config::Credentials::new(
            credentials.access_key_id.clone(),
            credentials.secret_access_key.clone(),
            None,
            None,
            "classroom",
        );
        let target = Target::endpoint_as(
            TargetKind::Embedded,
            &self.endpoint,
            &self.region,
            &credentials.account_id,
            keys,
        );
        Session::sharing(self.walkthrough.clone(), target, &[])
    }

    fn local_cloud(&self, account: &str) -> LocalCloud {
        LocalCloud::in_room(&self.cloud, account)
    }

    /// The lines that point an attendee's own aws CLI at their account, at the address they
    /// reached the classroom on.
    fn share_lines(&self, host: &str, credentials: &Credentials) -> String {
        let host = if host.contains(':') {
            format!("[{host}]")
        } else {
            host.to_string()
        };
        let region = &self.region;
        format!(
            "export AWS_ENDPOINT_URL=http://{host}:{port}\n\
             export AWS_ACCESS_KEY_ID={key} AWS_SECRET_ACCESS_KEY={secret}\n\
             export AWS_REGION={region} AWS_DEFAULT_REGION={region}\n\
             aws appmesh list-meshes   # or: meshwalk --endpoint-url http://{host}:{port}",
            port = self.api_port,
            key = credentials.access_key_id,
            secret = credentials.secret_access_key,
        )
    }
}

/// A running classroom.
pub struct Classroom {
    pub room: Arc<Room>,
    /// Follows the attendees' own tools' calls.
    calls: JoinHandle<()>,
    pub ssh_addr: SocketAddr,
    pub api_addr: SocketAddr,
    pub code: JoinCode,
    pub fingerprint: String,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
    shared: Arc<Shared>,
}

impl Classroom {
    pub async fn start(config: ClassroomConfig) -> std::io::Result<Classroom> {
        let host_key = host_key::load_or_create(&config.state_dir)?;
        let fingerprint = host_key::fingerprint(&host_key);
        let cloud_config = CloudConfig {
            region: config.region.clone(),
            clock_scale: config.clock_scale,
            accounts: Some(Vec::new()),
            ..CloudConfig::default()
        };
        let cloud = EmbeddedCloud::start(
            cloud_config,
            SocketAddr::new(config.bind, config.api_port),
            DataPlaneConfig::default(),
        )
        .await?;
        let api_addr = cloud.control.addr;
        let loopback = if config.bind.is_unspecified() {
            IpAddr::from([127, 0, 0, 1])
        } else {
            config.bind
        };
        let endpoint = format!("http://{}", SocketAddr::new(loopback, api_addr.port()));
        let walkthrough = Arc::new(config.walkthrough);
        let steps = StepNames {
            ids: walkthrough.steps.iter().map(|s| s.id.clone()).collect(),
            titles: walkthrough.steps.iter().map(|s| s.title.clone()).collect(),
            chapters: chapters_of(&walkthrough),
            operations: walkthrough
                .steps
                .iter()
                .map(|s| match &s.kind {
                    StepKind::Api { call, .. } => Some(call.operation.name()),
                    _ => None,
                })
                .collect(),
        };
        let room = Room::new(cloud.control.cloud.clone(), steps, config.stuck_after);
        let calls = follow_calls(&room, cloud.control.cloud.call_log.subscribe());
        let listener = TcpListener::bind(SocketAddr::new(config.bind, config.ssh_port)).await?;
        let ssh_addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            room: room.clone(),
            gate: gate::Gate::default(),
            code: config.code.clone(),
            walkthrough,
            cloud: Arc::new(cloud),
            endpoint,
            api_port: api_addr.port(),
            region: config.region,
            state_dir: config.state_dir,
            idle: config.idle,
            traffic_rps: config.traffic_rps,
        });
        let ssh_config = Arc::new(russh::server::Config {
            server_id: russh::SshId::Standard("SSH-2.0-meshwalk_classroom".into()),
            keys: vec![host_key],
            auth_rejection_time: gate::REFUSAL_DELAY,
            // OpenSSH first asks with "none" to learn the methods: no delay for that.
            auth_rejection_time_initial: Some(Duration::ZERO),
            max_auth_attempts: gate::MAX_AUTH_ATTEMPTS,
            inactivity_timeout: Some(config.idle + Duration::from_secs(60)),
            keepalive_interval: Some(Duration::from_secs(30)),
            keepalive_max: 4,
            // What an attendee may send before the host reads it: keys are small.
            window_size: 64 * 1024,
            nodelay: true,
            ..Default::default()
        });
        let (stop, stopped) = watch::channel(false);
        let server = tokio::spawn(ssh::serve(listener, ssh_config, shared.clone(), stopped));
        Ok(Classroom {
            room,
            calls,
            ssh_addr,
            api_addr,
            code: config.code,
            fingerprint,
            stop,
            server,
            shared,
        })
    }

    /// The line attendees type, for `host` (the address or name they reach this machine by).
    pub fn ssh_line(&self, host: &str) -> String {
        let port = self.ssh_addr.port();
        if port == 22 {
            format!("ssh YOURNAME@{host}")
        } else {
            format!("ssh -p {port} YOURNAME@{host}")
        }
    }

    /// Closes every seat (telling the attendee why), stops accepting, and stops the cloud.
    pub async fn stop(self, why: &str) {
        self.room.close_all(why);
        let _ = self.stop.send(true);
        let _ = self.server.await;
        self.calls.abort();
        // Seats end within their farewell's few seconds; the cloud stops with the last one.
        for _ in 0..50 {
            if self.room.connected() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        drop(self.shared);
    }
}

/// Passes the cloud's answered calls to the room, until the cloud stops.
fn follow_calls(
    room: &Arc<Room>,
    mut calls: tokio::sync::broadcast::Receiver<crate::emulator::call_log::ApiCall>,
) -> JoinHandle<()> {
    let room = Arc::downgrade(room);
    tokio::spawn(async move {
        loop {
            match calls.recv().await {
                Ok(call) => match room.upgrade() {
                    Some(room) => room.called(&call),
                    None => break,
                },
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::warn!("the classroom missed {n} API calls of attendees' own tools");
                }
                Err(_) => break,
            }
        }
    })
}

/// Each step's chapter, as the step list heads it (a step without a heading is in the chapter
/// of the step before).
fn chapters_of(walkthrough: &Walkthrough) -> Vec<String> {
    let mut current = String::new();
    walkthrough
        .steps
        .iter()
        .map(|s| {
            if let Some(c) = &s.chapter {
                current = c.clone();
            }
            current.clone()
        })
        .collect()
}
