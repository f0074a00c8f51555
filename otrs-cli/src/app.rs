//! Opening what a command needs: the configuration, the store, the desk, the search index, and
//! the acting user.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use otrs_core::clock::SystemClock;
use otrs_core::rules::ticket_number::SystemId;
use otrs_core::{Desk, DeskConfig, Principal};
use otrs_store::{AnyStore, SqliteOptions, SqliteStore, TicketIndex};

use crate::cli::Global;
use crate::config::{Config, Synchronous};
use crate::error::CliError;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "otrs.db";
/// The search index directory inside the data directory.
pub const INDEX_DIR: &str = "index";
/// The configuration file inside the data directory.
pub const CONFIG_FILE: &str = "otrs.toml";

/// The configuration and the data directory, before anything is opened.
#[derive(Debug)]
pub struct Setup {
    /// The options every command takes.
    pub global: Global,
    /// The configuration.
    pub config: Config,
}

impl Setup {
    /// Reads the configuration. `create` makes a missing data directory (serve, migrate);
    /// otherwise a missing one is an error with a hint.
    pub fn load(global: &Global, create: bool) -> Result<Setup, CliError> {
        let dir = &global.data_dir;
        if !dir.is_dir() {
            if create {
                std::fs::create_dir_all(dir).map_err(|e| {
                    CliError::io(format!("cannot create data directory {}", dir.display()), e)
                })?;
            } else {
                return Err(CliError::NoDataDir { path: dir.clone() });
            }
        }
        let (file, named) = match &global.config {
            Some(file) => (file.clone(), true),
            None => (dir.join(CONFIG_FILE), false),
        };
        let mut config = Config::load(&file, named, std::env::vars())?;
        if let Some(url) = &global.database_url {
            config.database_url = crate::config::Secret::new(url.clone());
            config.validate()?;
        }
        Ok(Setup {
            global: global.clone(),
            config,
        })
    }

    /// The desk settings from the configuration.
    pub fn desk_config(&self) -> DeskConfig {
        DeskConfig {
            system_id: u8::try_from(self.config.system_id)
                .ok()
                .and_then(SystemId::new)
                .unwrap_or_default(),
            time_zone: self.config.tz(),
            max_attachment_bytes: self.config.limits.max_attachment_bytes,
            max_source_bytes: self.config.limits.max_source_bytes,
            max_form_upload_bytes: self.config.limits.max_form_upload_bytes,
            // `Config::validate` keeps it within a year.
            form_upload_ttl: chrono::Duration::hours(
                i64::try_from(self.config.limits.form_upload_ttl_hours)
                    .unwrap_or(crate::config::MAX_FORM_UPLOAD_TTL_HOURS as i64),
            ),
            system_address: self.config.smtp.from.clone(),
            kb_approval_required: self.config.kb.approval_required,
            kb_languages: self.config.kb.languages.clone(),
            ..DeskConfig::default()
        }
    }

    /// The search index directory.
    pub fn index_dir(&self) -> PathBuf {
        self.global.data_dir.join(INDEX_DIR)
    }

    /// Opens the store (creating and migrating the schema as needed).
    pub async fn open_store(&self) -> Result<AnyStore, CliError> {
        let url = self.config.database_url.expose();
        if url.is_empty() {
            let path = self.global.data_dir.join(DATABASE_FILE);
            return Ok(AnyStore::Sqlite(
                open_sqlite(&path, self.config.sqlite.synchronous, &self.config).await?,
            ));
        }
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = Path::new(path.strip_prefix("//").unwrap_or(path));
            return Ok(AnyStore::Sqlite(
                open_sqlite(path, self.config.sqlite.synchronous, &self.config).await?,
            ));
        }
        Ok(AnyStore::open(url).await?)
    }

    /// Opens everything a desk command needs.
    pub async fn open(self) -> Result<App, CliError> {
        let store = self.open_store().await?;
        let desk = Arc::new(Desk::new(
            store.clone(),
            Arc::new(SystemClock),
            self.desk_config(),
        ));
        desk.initialize().await?;
        let actor = match &self.global.act_as {
            None => Principal::SYSTEM,
            Some(login) => {
                Principal::Agent(desk.agent_by_login(Principal::SYSTEM, login).await?.id)
            }
        };
        let shapes = otrs_http::AppState::new(
            Arc::clone(&desk),
            crate::commands::serve::http_config(&self.config),
            Arc::new(otrs_http::search::NoSearchIndex),
        );
        Ok(App {
            setup: self,
            store,
            desk,
            actor,
            shapes,
        })
    }
}

async fn open_sqlite(
    path: &Path,
    synchronous: Synchronous,
    config: &Config,
) -> Result<SqliteStore, CliError> {
    let options = SqliteOptions {
        synchronous: match synchronous {
            Synchronous::Full => otrs_store::Synchronous::Full,
            Synchronous::Normal => otrs_store::Synchronous::Normal,
        },
        limits: otrs_store::Limits {
            max_attachment_bytes: config.limits.max_attachment_bytes.max(1),
            // A backstop: never below what the desk accepts.
            max_source_bytes: otrs_store::Limits::default()
                .max_source_bytes
                .max(config.limits.max_source_bytes),
            ..otrs_store::Limits::default()
        },
        ..SqliteOptions::default()
    };
    Ok(SqliteStore::open(path, options).await?)
}

/// An opened desk.
#[derive(Debug)]
pub struct App {
    /// Configuration and options.
    pub setup: Setup,
    /// The store.
    pub store: AnyStore,
    /// The desk over it.
    pub desk: Arc<Desk<AnyStore>>,
    /// Who acts (`--as`, else the system user).
    pub actor: Principal,
    shapes: otrs_http::AppState<AnyStore>,
}

impl App {
    /// The server state, used to print the API's JSON shapes.
    pub fn shapes(&self) -> otrs_http::AppState<AnyStore> {
        self.shapes.clone()
    }

    /// Opens the search index and brings it up to date with the database.
    pub async fn index(&self) -> Result<TicketIndex, CliError> {
        let index = TicketIndex::open(&self.setup.index_dir())?;
        index.catch_up(&self.store).await?;
        Ok(index)
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Options {
        #[command(flatten)]
        global: Global,
    }

    #[test]
    fn the_form_upload_limits_reach_the_desk() {
        let mut config = Config::default();
        config.limits.max_form_upload_bytes = 1 << 20;
        config.limits.form_upload_ttl_hours = 2;
        let setup = Setup {
            global: Options::parse_from(["otrs"]).global,
            config,
        };
        let desk = setup.desk_config();
        assert_eq!(desk.max_form_upload_bytes, 1 << 20);
        assert_eq!(desk.form_upload_ttl, chrono::Duration::hours(2));
    }

    #[test]
    fn the_knowledge_base_settings_reach_the_desk() {
        let mut config = Config::default();
        config.kb.approval_required = true;
        config.kb.languages = vec!["fr".into(), "en".into()];
        let setup = Setup {
            global: Options::parse_from(["otrs"]).global,
            config,
        };
        let desk = setup.desk_config();
        assert!(desk.kb_approval_required);
        assert_eq!(desk.kb_languages, ["fr", "en"]);
    }
}
