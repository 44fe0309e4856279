use clap::Parser;
use color_eyre::Result;

use meshwalk::cli::{Cli, Command, RunArgs};
use meshwalk::commands::{self, target, traffic};

#[tokio::main]
async fn main() -> Result<()> {
    color_eyre::install()?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let mut stdout = std::io::stdout();
    match cli.command {
        Some(Command::Serve(args)) => commands::serve::run(args).await,
        Some(Command::Traffic(args)) => {
            let endpoint = traffic::Endpoint {
                url: cli
                    .target
                    .endpoint_url
                    .clone()
                    .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok()),
                region: cli
                    .target
                    .region
                    .clone()
                    .unwrap_or_else(|| "us-east-1".into()),
            };
            traffic::run(args, endpoint, &mut stdout).await.map(|_| ())
        }
        Some(Command::Run(args)) => {
            let connected = target::connect(&cli.target, cli.reset).await?;
            commands::run::run(connected, &cli.target, &args, &mut stdout)
                .await
                .map(|_| ())
        }
        Some(Command::Check) => {
            let walkthrough = target::walkthrough(&cli.target)?;
            commands::check::run(&walkthrough, &cli.target.vars, &mut stdout)
        }
        Some(Command::Teardown) => {
            let connected = target::connect(&cli.target, cli.reset).await?;
            commands::teardown::run(connected, &cli.target, &mut stdout).await
        }
        // Until the terminal UI lands, the default runs the walkthrough headless.
        None => {
            let connected = target::connect(&cli.target, cli.reset).await?;
            commands::run::run(connected, &cli.target, &RunArgs::default(), &mut stdout)
                .await
                .map(|_| ())
        }
    }
}
