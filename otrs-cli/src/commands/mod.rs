//! The commands: each module turns parsed arguments into desk calls and prints the result.

pub mod data;
pub mod serve;

use clap::CommandFactory;

use crate::cli::{Cli, Command, IndexCommand};
use crate::error::CliError;

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let global = &cli.global;
    match &cli.command {
        Command::Serve(args) => serve::serve(global, args).await,
        Command::Migrate => serve::migrate(global).await,
        Command::Export(args) => data::export(global, args).await,
        Command::Import(args) => data::import(global, args).await,
        Command::Index(IndexCommand::Rebuild) => data::rebuild_index(global).await,
        Command::Query(command) => data::query(command),
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(*shell, &mut command, "otrs", &mut std::io::stdout());
            Ok(())
        }
        Command::Man { out } => man_pages(out),
        other => Err(CliError::Other(format!("{other:?} is not available yet"))),
    }
}

fn man_pages(out: &std::path::Path) -> Result<(), CliError> {
    std::fs::create_dir_all(out)
        .map_err(|e| CliError::io(format!("cannot create {}", out.display()), e))?;
    let command = Cli::command();
    clap_mangen::generate_to(command, out)
        .map_err(|e| CliError::io(format!("writing man pages to {}", out.display()), e))?;
    eprintln!("man pages written to {}", out.display());
    Ok(())
}
