use clap::Parser;
use color_eyre::Result;

use meshwalk::cli::{Cli, Command, ServeArgs};
use meshwalk::commands;

#[tokio::main]
async fn main() -> Result<()> {
    color_eyre::install()?;
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Serve(args)) => commands::serve::run(args).await,
        Some(Command::Traffic(args)) => commands::traffic::run(args, &mut std::io::stdout())
            .await
            .map(|_| ()),
        // Until the terminal UI lands, the default is the embedded cloud itself.
        None => commands::serve::run(ServeArgs::default()).await,
    }
}
