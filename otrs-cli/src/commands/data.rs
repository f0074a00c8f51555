//! `otrs export`, `otrs import`, `otrs index rebuild`, `otrs query eval`.

use std::io::{BufReader, Write};

use crate::app::Setup;
use crate::cli::{Engine, ExportArgs, Global, ImportArgs, QueryCommand};
use crate::error::CliError;
use crate::output::progress;

/// `otrs export`.
pub async fn export(global: &Global, args: &ExportArgs) -> Result<(), CliError> {
    let setup = Setup::load(global, false)?;
    let store = setup.open_store().await?;
    let bar = progress("export", 0);
    let mut report = |p: otrs_store::Progress| {
        bar.set_length(p.rows_total);
        bar.set_position(p.rows_done);
        bar.set_message(p.table.to_owned());
    };
    let (target, name): (Box<dyn Write + Send>, String) = match args.output.as_deref() {
        Some(path) if path.as_os_str() != "-" => {
            let file = std::fs::File::create(path)
                .map_err(|e| CliError::io(format!("cannot create {}", path.display()), e))?;
            (Box::new(file), path.display().to_string())
        }
        _ => (Box::new(std::io::stdout()), "standard output".to_owned()),
    };
    let mut out = std::io::BufWriter::new(target);
    let rows = store.export(&mut out, &mut report).await?;
    out.flush()
        .map_err(|e| CliError::io(format!("writing {name}"), e))?;
    bar.finish_and_clear();
    eprintln!("exported {rows} rows");
    Ok(())
}

/// `otrs import`.
pub async fn import(global: &Global, args: &ImportArgs) -> Result<(), CliError> {
    let setup = Setup::load(global, false)?;
    let store = setup.open_store().await?;
    let bar = progress("import", 0);
    let report = |p: otrs_store::Progress| {
        bar.set_length(p.rows_total);
        bar.set_position(p.rows_done);
        bar.set_message(p.table.to_owned());
    };
    let summary = if args.input.as_os_str() == "-" {
        store
            .import(BufReader::new(std::io::stdin()), report)
            .await?
    } else {
        let file = std::fs::File::open(&args.input)
            .map_err(|e| CliError::io(format!("cannot open {}", args.input.display()), e))?;
        store.import(BufReader::new(file), report).await?
    };
    bar.finish_and_clear();
    eprintln!(
        "imported {} rows; run `otrs index rebuild` to index them",
        summary.total()
    );
    Ok(())
}

/// `otrs index rebuild`.
pub async fn rebuild_index(global: &Global) -> Result<(), CliError> {
    let setup = Setup::load(global, false)?;
    let store = setup.open_store().await?;
    let index = otrs_store::TicketIndex::open(&setup.index_dir())?;
    let bar = progress("indexing", 0);
    let done = index
        .rebuild(&store, |done, total| {
            bar.set_length(total);
            bar.set_position(done);
        })
        .await?;
    bar.finish_and_clear();
    eprintln!("indexed {done} tickets");
    Ok(())
}

/// `otrs query eval`.
pub fn query(command: &QueryCommand) -> Result<(), CliError> {
    match command {
        QueryCommand::Eval {
            docs,
            queries,
            engine,
        } => {
            let engine = match engine {
                Engine::Reference => otrs_query::eval::Engine::Reference,
                Engine::Index => otrs_query::eval::Engine::Index,
            };
            let mut out = std::io::stdout().lock();
            otrs_query::eval::eval_files(docs, queries, engine, &mut out)
                .map_err(|e| CliError::Other(e.to_string()))?;
            out.flush()
                .map_err(|e| CliError::io("writing to standard output", e))
        }
    }
}
