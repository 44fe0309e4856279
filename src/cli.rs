//! Command-line interface.

use std::net::IpAddr;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "meshwalk",
    version,
    about = "Walk through AWS App Mesh, step by step, on an embedded App Mesh + ECS cloud"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the embedded cloud in the foreground, for the aws CLI and any AWS SDK.
    Serve(ServeArgs),
    /// Send traffic to the requester and show how it splits between distributor versions.
    Traffic(TrafficArgs),
}

#[derive(Debug, Clone, Args)]
pub struct TrafficArgs {
    /// The cloud to ask where the requester runs (`meshwalk serve`, or any ECS endpoint).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    #[arg(long, default_value = "us-east-1", env = "AWS_REGION")]
    pub region: String,
    /// The ECS cluster of the requester service.
    #[arg(long, default_value = "gophermesh")]
    pub cluster: String,
    /// The ECS service that runs the requester.
    #[arg(long, default_value = "requester")]
    pub service: String,
    /// Call this URL instead of looking the requester up (e.g. one reachable inside a VPC).
    #[arg(long)]
    pub url: Option<String>,
    /// Requests per second.
    #[arg(long, default_value_t = 50.0)]
    pub rps: f64,
    /// How long to run, in seconds (Ctrl-C stops earlier).
    #[arg(long, default_value_t = 30.0)]
    pub duration: f64,
    /// JSON lines (one per second) and a final summary object instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// TCP port to listen on.
    #[arg(long, default_value_t = 4566)]
    pub port: u16,
    /// Address to bind. Anything but loopback exposes the cloud to the network.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,
    /// Region used when a request is not signed (signed requests carry their own).
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// The account that owns every resource.
    #[arg(long, default_value = "000000000000")]
    pub account_id: String,
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            port: 4566,
            bind: IpAddr::from([127, 0, 0, 1]),
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
        }
    }
}
