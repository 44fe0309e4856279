use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use color_eyre::Result;

use meshwalk::api::target::TargetKind;
use meshwalk::canary::Stage;
use meshwalk::cli::{Cli, Command, TargetArgs};
use meshwalk::commands::{self, traffic};
use meshwalk::session::connect;
use meshwalk::user_error;

#[tokio::main]
async fn main() -> ExitCode {
    let started = std::time::Instant::now();
    let cli = Cli::parse();
    let debug = cli.debug;
    install_report_hook(debug);
    match run(cli, started).await {
        Ok(code) => code,
        // Whoever read the output went away (`meshwalk run | head`): nothing more to say.
        Err(report) if user_error::is_closed_pipe(&report) => ExitCode::SUCCESS,
        // A user's mistake: the message and what to do, without the report meant for bugs.
        Err(report) => match user_error::for_people(&report) {
            Some(text) => {
                eprintln!("{text}");
                ExitCode::from(user_error::EXIT_CODE)
            }
            None if debug => {
                eprintln!("Error: {report:?}");
                ExitCode::FAILURE
            }
            None => {
                eprintln!("{}", user_error::for_a_bug(&report));
                ExitCode::FAILURE
            }
        },
    }
}

/// color-eyre's report, for `--debug`: in colour only on a terminal, and not with NO_COLOR.
fn install_report_hook(debug: bool) {
    let colour = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if colour {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let installed = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .display_env_section(debug)
        .install();
    if let Err(e) = installed {
        eprintln!("meshwalk: {e}");
    }
}

async fn run(cli: Cli, started: std::time::Instant) -> Result<ExitCode> {
    logging(match cli.command {
        // The notes screen owns its terminal too.
        None | Some(Command::Notes) => Logs::ToFile,
        Some(Command::Classroom(ref args)) if !args.headless => Logs::ToFile,
        Some(Command::Serve(_)) => Logs::Server,
        Some(_) => Logs::Headless,
    });
    let mut stdout = std::io::stdout();
    let done = match cli.command {
        Some(Command::Serve(args)) => commands::serve::run(args).await,
        Some(Command::Classroom(args)) => commands::classroom::run(args, &cli.target).await,
        Some(Command::Traffic(args)) => {
            let endpoint = endpoint_of(&args.api);
            traffic::run(args, endpoint, &mut stdout).await.map(|_| ())
        }
        Some(Command::Canary(args)) => {
            let endpoint = endpoint_of(&args.api);
            let stage = commands::canary::run(args, endpoint, &mut stdout).await?;
            return Ok(match stage {
                Stage::Promoted => ExitCode::SUCCESS,
                Stage::RolledBack => ExitCode::from(commands::canary::ROLLED_BACK_EXIT_CODE),
                _ => ExitCode::FAILURE,
            });
        }
        Some(Command::Run(args)) => {
            let target = TargetArgs {
                yes: args.yes,
                ..args.target.clone()
            };
            let target_args = TargetArgs {
                embedded_clock_scale: args.clock_scale,
                ..target.clone()
            };
            let connected = connect::connect(&target_args, args.reset).await?;
            // A deployment step says what it waits for.
            commands::run::run(connected, &target, &args, &mut stdout, &mut status_out())
                .await
                .map(|_| ())
        }
        Some(Command::Check(args)) => {
            let read = connect::read_walkthrough(&args.target())?;
            let problems = commands::check::run(&read, &args.vars, &mut stdout)?;
            // Problems found is the check's answer, not a failure to check: exit 1, not 2.
            return Ok(if problems == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        Some(Command::Export(args)) => commands::export::run(&args.target, &args).await,
        Some(Command::Notes) => {
            commands::notes::run(&meshwalk::session::progress::state_dir()).await
        }
        Some(Command::Teardown(args)) => {
            let target = TargetArgs {
                yes: args.yes,
                ..args.target.clone()
            };
            let connected = connect::connect(&target, args.reset).await?;
            // A service that drains says so while teardown waits for it.
            commands::teardown::run(connected, &target, &mut stdout, &mut status_out()).await
        }
        None => {
            let target = TargetArgs {
                yes: cli.yes,
                ..cli.target.clone()
            };
            let target_args = TargetArgs {
                embedded_port: cli.port,
                // The terminal UI's pace: stages long enough to talk over.
                embedded_clock_scale: cli
                    .clock_scale
                    .or(Some(meshwalk::session::local_cloud::DEFAULT_PACE)),
                ..target.clone()
            };
            let connected = connect::connect(&target_args, cli.reset).await?;
            if matches!(connected.session.target().kind, TargetKind::Aws { .. }) {
                commands::target::confirm_aws(
                    &connected.session,
                    &target,
                    "create the walkthrough's resources as you run the steps",
                    0..connected.session.walkthrough().steps.len(),
                )?;
            }
            meshwalk::tui::run(connected, cli.traffic_rps, started).await
        }
    };
    done.map(|()| ExitCode::SUCCESS)
}

/// Where the logs go, and what they show unless `RUST_LOG` says otherwise.
enum Logs {
    /// Under a screen of meshwalk's own: to a file in the state directory, so that nothing
    /// prints over the screen; everything from INFO up.
    ToFile,
    /// `meshwalk serve`: its log is its output; to stderr, from INFO up.
    Server,
    /// The other commands print their own report on stdout; stderr gets only warnings and
    /// errors, not the embedded cloud's INFO events (chapter 2's tasks that cannot start, on
    /// purpose, which the report already shows).
    Headless,
}

fn logging(logs: Logs) {
    let default = match logs {
        Logs::ToFile | Logs::Server => "meshwalk=info",
        Logs::Headless => "meshwalk=warn",
    };
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| default.into());
    if matches!(logs, Logs::ToFile) {
        let dir = meshwalk::session::progress::state_dir();
        let file = std::fs::create_dir_all(&dir).and_then(|_| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("meshwalk.log"))
        });
        if let Ok(file) = file {
            tracing_subscriber::fmt()
                .with_env_filter(filter)
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .init();
        }
        return;
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colour codes only for a terminal, not for a file or a pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
}

/// Where the headless client commands (traffic, canary) go: `--endpoint-url`, else
/// `AWS_ENDPOINT_URL`.
fn endpoint_of(target: &meshwalk::cli::ApiArgs) -> traffic::ApiEndpoint {
    traffic::ApiEndpoint {
        url: target
            .endpoint_url
            .clone()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok()),
        region: target.region.clone().unwrap_or_else(|| "us-east-1".into()),
    }
}

/// Where a headless command says what it waits for: stderr, when it is a terminal. A pipe gets
/// only the report, the same every run.
fn status_out() -> impl FnMut(&str) {
    let terminal = std::io::stderr().is_terminal();
    move |line| {
        if terminal {
            eprintln!("  … {line}");
        }
    }
}
