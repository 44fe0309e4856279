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
