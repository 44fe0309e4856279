//! Command-line interface.

use std::net::IpAddr;
use std::path::PathBuf;

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
    #[command(flatten)]
    pub target: TargetArgs,
    /// Forget saved progress and edits before starting.
    #[arg(long, global = true)]
    pub reset: bool,
    /// When meshwalk itself fails (a bug, not a mistake of yours), print the whole report: where
    /// in the code, and the backtrace with RUST_BACKTRACE=1.
    #[arg(long, global = true, env = "MESHWALK_DEBUG", value_parser = clap::builder::FalseyValueParser::new())]
    pub debug: bool,
    /// Requests per second the terminal UI's traffic sends to the requester.
    #[arg(long, default_value_t = 50.0)]
    pub traffic_rps: f64,
    /// Serve the terminal UI's embedded cloud on this 127.0.0.1 port (default: a free one), so
    /// the endpoint the `s` key shows stays the same across restarts.
    #[arg(long)]
    pub port: Option<u16>,
    /// How many times faster than real time the terminal UI's embedded cloud runs its clock
    /// (1-3600): at 60 an ECS bake time of a minute passes in a second. Shown in the header.
    #[arg(long, value_parser = parse_clock_scale)]
    pub clock_scale: Option<f64>,
}

/// Where the walkthrough's calls go: the embedded cloud (default), any endpoint, or AWS.
#[derive(Debug, Clone, Default, Args)]
pub struct TargetArgs {
    /// Send calls to this endpoint (`meshwalk serve` elsewhere, LocalStack, ...).
    #[arg(long, global = true, conflicts_with = "aws")]
    pub endpoint_url: Option<String>,
    /// Send calls to real AWS (credentials and region from the usual places).
    #[arg(long, global = true)]
    pub aws: bool,
    /// The AWS profile to use with --aws.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// The region (default: us-east-1, or your AWS configuration's with --aws).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Set a ${VAR} of the walkthrough, e.g. --var SUBNET_IDS=subnet-0abc.
    #[arg(long = "var", global = true, value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Use the walkthrough in DIR (DIR/steps, DIR/assets) instead of the built-in one.
    #[arg(long, global = true)]
    pub walkthrough: Option<PathBuf>,
    /// Do not ask before creating or deleting resources on AWS.
    #[arg(long, short = 'y', global = true)]
    pub yes: bool,
    /// The embedded cloud's port (the terminal UI's `--port`); 0 or none picks a free one.
    #[arg(skip)]
    pub embedded_port: Option<u16>,
    /// The embedded cloud's clock scale (the terminal UI's `--clock-scale`); none is 1.
    #[arg(skip)]
    pub embedded_clock_scale: Option<f64>,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or("expected NAME=VALUE")?;
    Ok((k.to_string(), v.to_string()))
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the embedded cloud in the foreground, for the aws CLI and any AWS SDK.
    Serve(ServeArgs),
    /// Send traffic to the requester and show how it splits between distributor versions.
    Traffic(TrafficArgs),
    /// Canary autopilot: shift the route's weight to the canary step by step, checking its
    /// success rate and p99 before each step; promote, or roll back on a failed check.
    /// Exits 0 on promotion, 3 on rollback, 1 when it could not finish.
    Canary(CanaryArgs),
    /// Run walkthrough steps without the terminal UI, one line per step.
    Run(RunArgs),
    /// Check every step and asset offline, listing every problem.
    Check,
    /// Show the presenter's notes for the step the terminal UI is on (run it in a second
    /// terminal); follows the UI as it moves.
    Notes,
    /// Delete everything the walkthrough creates (safe to repeat).
    Teardown,
    /// Write a handout: a runnable aws CLI script, or Markdown with your session's results.
    Export(ExportArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ExportFormat {
    /// A bash script of aws CLI calls (`set -euo pipefail`), for the chosen target.
    #[default]
    Sh,
    /// Markdown: each step's narrative, command, and the result your session recorded.
    Md,
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value_t = ExportFormat::Sh)]
    pub format: ExportFormat,
    /// The chapter to export (1: App Mesh, step by step; 2: after App Mesh).
    #[arg(long, default_value_t = 1)]
    pub chapter: u32,
    /// Export the steps up to and including STEP (a number or a name).
    #[arg(long)]
    pub to: Option<String>,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Run every step (the default).
    #[arg(long, conflicts_with_all = ["to", "step"])]
    pub all: bool,
    /// Run the steps up to and including STEP (a number or a name).
    #[arg(long, conflicts_with = "step")]
    pub to: Option<String>,
    /// Run only STEP (on the embedded cloud, the steps before it in its chapter are
    /// replayed first). STEP is a number, the start of a name, or CHAPTER:STEP (`2:canary`).
    #[arg(long)]
    pub step: Option<String>,
    /// Run only chapter N (1: App Mesh, step by step; 2: after App Mesh, ECS Service
    /// Connect). Each chapter stands on its own.
    #[arg(long, value_name = "N")]
    pub chapter: Option<usize>,
    /// How many times faster than real time the embedded cloud runs its clock (1-3600): at 60
    /// chapter 2's bake minutes pass in seconds.
    #[arg(long, value_parser = parse_clock_scale)]
    pub clock_scale: Option<f64>,
    /// Apply a step's spec to a resource that exists with another one.
    #[arg(long)]
    pub update: bool,
    /// One JSON object per step instead of a line of text.
    #[arg(long)]
    pub json: bool,
    /// Answer a deployment paused at a PAUSE lifecycle hook with ContinueServiceDeployment
    /// CONTINUE (chapter 2's blue/green). Without --approve or --reject, a terminal is asked.
    #[arg(long, conflicts_with = "reject")]
    pub approve: bool,
    /// Answer a deployment paused at a PAUSE lifecycle hook with ROLLBACK.
    #[arg(long)]
    pub reject: bool,
}

#[derive(Debug, Clone, Args)]
pub struct TrafficArgs {
    #[command(flatten)]
    pub requester: RequesterArgs,
    /// How long to run, in seconds (Ctrl-C stops earlier).
    #[arg(long, default_value_t = 30.0)]
    pub duration: f64,
    /// JSON lines (one per second) and a final summary object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// A header every request carries, `NAME:VALUE` (repeatable); the requester passes `x-`
    /// headers on, e.g. a blue/green deployment's test traffic header.
    #[arg(long = "header", value_name = "NAME:VALUE")]
    pub headers: Vec<String>,
}

/// Where the load generator sends its requests, and how many: the requester, found through ECS.
#[derive(Debug, Clone, Args)]
pub struct RequesterArgs {
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
}

#[derive(Debug, Clone, Args)]
pub struct CanaryArgs {
    /// The mesh of the route.
    #[arg(long, default_value = "gophermesh")]
    pub mesh: String,
    /// The virtual router of the route.
    #[arg(long, default_value = "distributor")]
    pub router: String,
    /// The route whose two weighted targets are the primary and the canary.
    #[arg(long, default_value = "distributor-route")]
    pub route: String,
    /// The primary's virtual node (default: the route's first weighted target).
    #[arg(long)]
    pub primary: Option<String>,
    /// The canary's virtual node (default: the route's second weighted target).
    #[arg(long)]
    pub canary: Option<String>,
    /// Weight moved to the canary per interval, in percentage points.
    #[arg(long = "step", default_value_t = 10)]
    pub step_weight: i32,
    /// The canary's weight after which a passed check promotes it (100% on the canary).
    #[arg(long, default_value_t = 50)]
    pub max_weight: i32,
    /// How long each weight is held and analysed (e.g. 5s, 1m).
    #[arg(long, default_value = "5s", value_parser = humantime::parse_duration)]
    pub interval: std::time::Duration,
    /// The lowest canary success rate over an interval that passes, in %.
    #[arg(long, default_value_t = 99.0)]
    pub min_success: f64,
    /// The highest canary p99 latency over an interval that passes, in ms.
    #[arg(long = "max-p99-ms", default_value_t = 100.0)]
    pub max_p99_ms: f64,
    /// The autopilot's own traffic, through the requester.
    #[command(flatten)]
    pub requester: RequesterArgs,
    /// One JSON object per stage instead of a line of text.
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
    /// The account that owns every resource (without --accounts).
    #[arg(long, default_value = "000000000000")]
    pub account_id: String,
    /// Many accounts instead of one: a number (attendee-01, attendee-02, …) or names
    /// (alice,bob). Each gets its own id and key pair, and every request must then be signed
    /// with one of those keys.
    #[arg(long, requires = "credentials", conflicts_with = "account_id")]
    pub accounts: Option<String>,
    /// Where --accounts writes the accounts' credentials: JSON lines of name, accountId,
    /// accessKeyId and secretAccessKey, readable by you only (mode 0600).
    #[arg(long, requires = "accounts", value_name = "FILE")]
    pub credentials: Option<std::path::PathBuf>,
    /// Connections served at once; more are answered with a throttling error.
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// How many times faster than real time the cloud's clock runs (1-3600): at 60 one API
    /// minute (an ECS bake time) passes in one real second.
    #[arg(long, default_value_t = 1.0, value_parser = parse_clock_scale)]
    pub clock_scale: f64,
}

fn parse_clock_scale(s: &str) -> Result<f64, String> {
    let scale: f64 = s.parse().map_err(|e| format!("{e}"))?;
    crate::emulator::clock::check_scale(scale)
}

impl Default for ExportArgs {
    fn default() -> Self {
        ExportArgs {
            format: ExportFormat::Sh,
            chapter: 1,
            to: None,
            output: None,
        }
    }
}

impl Default for ServeArgs {
    fn default() -> Self {
        ServeArgs {
            port: 4566,
            bind: IpAddr::from([127, 0, 0, 1]),
            region: "us-east-1".into(),
            account_id: "000000000000".into(),
            accounts: None,
            credentials: None,
            max_connections: 1024,
            clock_scale: 1.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }

    #[test]
    fn the_clock_scale_is_bounded() {
        use super::parse_clock_scale;
        assert_eq!(parse_clock_scale("60"), Ok(60.0));
        assert_eq!(parse_clock_scale("3600"), Ok(3600.0));
        for bad in ["0", "0.5", "3601", "inf", "NaN", "fast"] {
            assert!(parse_clock_scale(bad).is_err(), "{bad}");
        }
    }
}
