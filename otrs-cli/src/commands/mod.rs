//! The commands: each module turns parsed arguments into desk calls and prints the result.

pub mod calendar;
pub mod data;
pub mod jobs;
pub mod people;
pub mod serve;
pub mod stats;
pub mod tickets;
// --- reports
pub mod reports;
// --- actions
pub mod texts;
// --- kb
pub mod kb;

use clap::CommandFactory;

use crate::app::{App, Setup};
use crate::cli::Global;
use crate::cli::{AppointmentCommand, Cli, Command, IndexCommand};
use crate::error::CliError;
use crate::output::Output;

async fn open(global: &Global) -> Result<App, CliError> {
    Setup::load(global, false)?.open().await
}

/// Runs a parsed command line.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let global = &cli.global;
    let output = Output { json: global.json };
    match &cli.command {
        Command::Serve(args) => serve::serve(global, args).await,
        Command::Migrate => serve::migrate(global).await,
        Command::Export(args) => data::export(global, args).await,
        Command::Import(args) => data::import(global, args).await,
        Command::Index(IndexCommand::Rebuild) => data::rebuild_index(global).await,
        Command::Query(command) => data::query(command),
        Command::Appointment(AppointmentCommand::Expand { cases }) => calendar::expand(cases),
        Command::Appointment(c) => calendar::appointment(&open(global).await?, output, c).await,
        Command::Calendar(c) => calendar::calendar(&open(global).await?, output, c).await,
        Command::Completions { shell } => {
            let mut command = Cli::command();
            clap_complete::generate(*shell, &mut command, "otrs", &mut std::io::stdout());
            Ok(())
        }
        Command::Man { out } => man_pages(out),
        Command::Agent(c) => people::agent(&open(global).await?, output, c).await,
        Command::Group(c) => people::group(&open(global).await?, output, c).await,
        Command::Queue(c) => people::queue(&open(global).await?, output, c).await,
        Command::Customer(c) => people::customer(&open(global).await?, output, c).await,
        Command::CustomerUser(c) => people::customer_user(&open(global).await?, output, c).await,
        Command::Ticket(c) => tickets::ticket(&open(global).await?, output, c).await,
        Command::Search(args) => tickets::search(&open(global).await?, output, args).await,
        Command::Stats(c) => stats::stats(&open(global).await?, output, c).await,
        Command::Jobs(c) => jobs::jobs(&open(global).await?, output, c).await,
        // --- reports
        Command::Report(c) => reports::report(&open(global).await?, output, c).await,
        // --- actions
        Command::Template(c) => {
            let kind = otrs_core::model::TextKind::Template;
            texts::texts(&open(global).await?, output, kind, c).await
        }
        Command::Signature(c) => {
            let kind = otrs_core::model::TextKind::Signature;
            texts::texts(&open(global).await?, output, kind, c).await
        }
        // --- kb
        Command::Kb(c) => kb::kb(&open(global).await?, output, c).await,
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
