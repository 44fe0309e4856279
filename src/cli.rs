//! Command-line interface.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The terminal UI's options come before no subcommand; each subcommand takes its own options
/// after its name (`meshwalk run --endpoint-url URL`), and only those that do something there.
#[derive(Debug, Parser)]
#[command(
    name = "meshwalk",
    version,
    about = "Walk through AWS App Mesh, step by step, on an embedded App Mesh + ECS cloud",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Forget saved progress and edits before starting.
    #[arg(long)]
    pub reset: bool,
    /// Do not ask before creating or deleting resources on AWS.
    #[arg(long, short = 'y')]
    pub yes: bool,
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
    /// (1-3600; default 5: a minute of ECS bake passes in 12 s, time to talk over each stage).
    /// Shown in the header; Space pauses it, < and > change it while the UI runs.
    #[arg(long, value_parser = parse_clock_scale)]
    pub clock_scale: Option<f64>,
}

/// Where the walkthrough's calls go: the embedded cloud (default), any endpoint, or AWS.
#[derive(Debug, Clone, Default, Args)]
pub struct TargetArgs {
    /// Send calls to this endpoint (`meshwalk serve` elsewhere, LocalStack, ...).
    #[arg(long, conflicts_with = "aws")]
    pub endpoint_url: Option<String>,
    /// Send calls to real AWS (credentials and region from the usual places).
    #[arg(long)]
    pub aws: bool,
    /// The AWS profile to use with --aws.
    #[arg(long)]
    pub profile: Option<String>,
    /// The region (default: us-east-1, or your AWS configuration's with --aws).
    #[arg(long)]
    pub region: Option<String>,
    /// Set a ${VAR} of the walkthrough, e.g. --var SUBNET_IDS=subnet-0abc.
    #[arg(long = "var", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Use the walkthrough in DIR (DIR/steps, DIR/assets) instead of the built-in one.
    #[arg(long)]
    pub walkthrough: Option<PathBuf>,
    /// Do not ask before creating or deleting resources on AWS (`-y` of the commands that do).
    #[arg(skip)]
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
    Check(CheckArgs),
    /// Show the presenter's notes for the step the terminal UI is on (run it in a second
    /// terminal); follows the UI as it moves.
    Notes,
    /// Delete everything the walkthrough creates (safe to repeat).
    Teardown(TeardownArgs),
    /// Write a handout: a runnable aws CLI script, or Markdown with your session's results.
    Export(ExportArgs),
    /// Host a workshop: attendees join over SSH (nothing to install), each with an account of
    /// their own, and the host's dashboard shows who is on which step and who is stuck.
    Classroom(ClassroomArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ClassroomArgs {
    /// The SSH port attendees join on.
    #[arg(long = "ssh-port", default_value_t = 2222)]
    pub ssh_port: u16,
    /// The port of the embedded cloud's API, for attendees who use their own aws CLI or SDKs
    /// (0: a free one).
    #[arg(long = "api-port", default_value_t = 4566)]
    pub api_port: u16,
    /// The address to listen on (both ports); 127.0.0.1 keeps the classroom on this machine.
    #[arg(long, default_value = "0.0.0.0")]
    pub bind: IpAddr,
    /// The name or address attendees reach this machine by, for the join line the dashboard
    /// shows (default: this machine's host name).
    #[arg(long)]
    pub host: Option<String>,
    /// The join code (at least 8 characters); by default a fresh one of 50 random bits.
    #[arg(long, env = "MESHWALK_CLASSROOM_CODE", hide_env_values = true)]
    pub code: Option<String>,
    /// An attendee on one step this long (without finishing it) shows as stuck.
    #[arg(long = "stuck-after", default_value = "5m", value_parser = humantime::parse_duration)]
    pub stuck_after: std::time::Duration,
    /// An attendee's session without a key for this long is closed (they can join again and
    /// carry on).
    #[arg(long, default_value = "30m", value_parser = humantime::parse_duration)]
    pub idle: std::time::Duration,
    /// No dashboard: one JSON object per line on stdout for each event (joined, left, step,
    /// error, hand), for scripts.
    #[arg(long)]
    pub headless: bool,
    /// Write the closing report (Markdown) to FILE too.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// How many times faster than real time the cloud's clock runs (1-3600).
    #[arg(long, default_value_t = 1.0, value_parser = parse_clock_scale)]
    pub clock_scale: f64,
    /// Requests per second each attendee's traffic sends.
    #[arg(long, default_value_t = 20.0)]
    pub traffic_rps: f64,
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
    /// The target the script's calls go to, and the walkthrough.
    #[command(flatten)]
    pub target: TargetArgs,
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

/// `meshwalk check`: the walkthrough and its variables, nothing else.
#[derive(Debug, Clone, Default, Args)]
pub struct CheckArgs {
    /// Set a ${VAR} of the walkthrough, e.g. --var SUBNET_IDS=subnet-0abc.
    #[arg(long = "var", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
    /// Check the walkthrough in DIR (DIR/steps, DIR/assets) instead of the built-in one.
    #[arg(long)]
    pub walkthrough: Option<PathBuf>,
}

impl CheckArgs {
    /// The walkthrough and its variables, as a target's arguments carry them.
    pub fn target(&self) -> TargetArgs {
        TargetArgs {
            vars: self.vars.clone(),
            walkthrough: self.walkthrough.clone(),
            ..TargetArgs::default()
        }
    }
}

/// `meshwalk teardown`: where, and whether to ask first.
#[derive(Debug, Clone, Default, Args)]
pub struct TeardownArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Forget saved progress and edits first.
    #[arg(long)]
    pub reset: bool,
    /// Do not ask before deleting resources on AWS.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

#[derive(Debug, Clone, Default, Args)]
pub struct RunArgs {
    /// Where the steps' calls go, and the walkthrough.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Forget saved progress and edits first.
    #[arg(long)]
    pub reset: bool,
    /// Do not ask before creating resources on AWS.
    #[arg(long, short = 'y')]
    pub yes: bool,
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

/// Where a command that only calls the API (no walkthrough) sends its calls.
#[derive(Debug, Clone, Default, Args)]
pub struct ApiArgs {
    /// Send calls to this endpoint (default: $AWS_ENDPOINT_URL).
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// The region (default: us-east-1).
    #[arg(long)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Args)]
pub struct TrafficArgs {
    #[command(flatten)]
    pub api: ApiArgs,
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
    #[command(flatten)]
    pub api: ApiArgs,
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
    /// The fewest canary requests a passing check stands on: over fewer the weight is held
    /// and the check goes on for another interval.
    #[arg(long, default_value_t = 10)]
    pub min_requests: u64,
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
            target: TargetArgs::default(),
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
    fn each_subcommand_takes_only_its_own_options() {
        use clap::Parser;
        let parse = |args: &[&str]| super::Cli::try_parse_from(["meshwalk"].iter().chain(args));
        for (wrong, option) in [
            (&["serve", "--aws"][..], "--aws"),
            (&["export", "--reset"], "--reset"),
            (&["export", "-y"], "-y"),
            (&["check", "--endpoint-url", "http://x"], "--endpoint-url"),
            (&["traffic", "--aws"], "--aws"),
            (&["notes", "--reset"], "--reset"),
            (&["--aws", "run"], "--aws"),
        ] {
            let err = parse(wrong).unwrap_err();
            assert!(err.to_string().contains(option), "{wrong:?}: {err}");
        }
        let help = |name: &str| {
            let mut cli = super::Cli::command();
            cli.find_subcommand_mut(name)
                .unwrap()
                .render_long_help()
                .to_string()
        };
        assert!(!help("serve").contains("--aws") && !help("serve").contains("--reset"));
        assert!(!help("export").contains("--reset") && !help("export").contains("--yes"));
        assert!(help("run").contains("--endpoint-url") && help("teardown").contains("--yes"));
        for ok in [
            &[
                "run",
                "--endpoint-url",
                "http://x",
                "--reset",
                "-y",
                "--to",
                "2",
            ][..],
            &["teardown", "--aws", "-y"],
            &["export", "--aws", "--format", "md"],
            &["traffic", "--endpoint-url", "http://x"],
            &["check", "--walkthrough", "dir"],
            &["--aws", "--reset"],
            &["serve", "--debug"],
        ] {
            parse(ok).unwrap_or_else(|e| panic!("{ok:?}: {e}"));
        }
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
