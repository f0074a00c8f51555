//! `otrs serve` and `otrs migrate`.

use std::sync::Arc;
use std::time::Duration;

use otrs_core::Principal;
use otrs_core::store::{PageRequest, TicketFilter, TicketSort};
use otrs_http::{AppState, HttpConfig};

use crate::app::Setup;
use crate::cli::{Global, ServeArgs};
use crate::config::Config;
use crate::error::CliError;

/// How often the search index reads the change feed while serving.
const INDEX_INTERVAL: Duration = Duration::from_millis(250);

/// `otrs migrate`: creates or upgrades the schema (opening a store migrates it).
pub async fn migrate(global: &Global) -> Result<(), CliError> {
    let setup = Setup::load(global, true)?;
    let store = setup.open_store().await?;
    store.migrate().await?;
    eprintln!("database is up to date");
    Ok(())
}

/// The server's settings from the configuration.
pub fn http_config(config: &Config) -> HttpConfig {
    let policy = |p: &crate::config::PasswordPolicyConfig,
                  base: otrs_core::rules::password::PasswordPolicy| {
        otrs_core::rules::password::PasswordPolicy {
            min_length: p.min_length,
            min_uppercase: p.min_uppercase,
            min_lowercase: p.min_lowercase,
            min_digits: p.min_digits,
            ..base
        }
    };
    let smtp = (!config.smtp.host.is_empty()).then(|| otrs_http::SmtpConfig {
        host: config.smtp.host.clone(),
        port: config.smtp.port,
        timeout: Duration::from_secs(30),
        username: (!config.smtp.username.is_empty()).then(|| config.smtp.username.clone()),
        password: (!config.smtp.password.is_empty())
            .then(|| config.smtp.password.expose().to_owned()),
    });
    HttpConfig {
        listen: config.listen,
        base_url: config.base_url.clone(),
        auth: otrs_core::rules::password::AuthPolicy {
            agent_passwords: policy(
                &config.agent_password,
                otrs_core::rules::password::PasswordPolicy::AGENT_DEFAULT,
            ),
            customer_passwords: policy(
                &config.customer_password,
                otrs_core::rules::password::PasswordPolicy::CUSTOMER_DEFAULT,
            ),
            max_failed_logins: config.sessions.max_failed_logins,
        },
        sessions: otrs_core::desk::SessionTimeouts {
            idle: chrono::Duration::minutes(i64::from(config.sessions.idle_timeout_minutes)),
            absolute: chrono::Duration::hours(i64::from(config.sessions.max_age_hours)),
        },
        max_body_bytes: usize::try_from(config.limits.max_request_bytes).unwrap_or(usize::MAX),
        smtp,
        mail_from: config.smtp.from.clone(),
        jobs: jobs_config(&config.jobs),
        ..HttpConfig::default()
    }
}

/// The scheduler's settings from `[jobs]`.
pub fn jobs_config(jobs: &crate::config::JobsConfig) -> otrs_http::jobs::JobsConfig {
    let seconds = |s: u64| chrono::Duration::seconds(i64::try_from(s).unwrap_or(i64::MAX / 1000));
    otrs_http::jobs::JobsConfig {
        enabled: jobs.enabled,
        poll_interval: Duration::from_millis(jobs.poll_interval_ms),
        lease: seconds(jobs.lease_seconds),
        retry: otrs_core::desk::RetryPolicy {
            base: seconds(jobs.retry_base_seconds),
            max_delay: seconds(jobs.retry_max_seconds),
        },
        shutdown_grace: Duration::from_secs(jobs.shutdown_grace_seconds),
        keep_finished: chrono::Duration::days(i64::from(jobs.keep_finished_days)),
        worker_id: jobs.worker_id.clone(),
        test_kinds: jobs.test_kinds,
        // --- calui
        test_job_delay: Duration::from_millis(jobs.test_job_delay_ms),
        ..otrs_http::jobs::JobsConfig::default()
    }
}

/// `otrs serve`.
pub async fn serve(global: &Global, args: &ServeArgs) -> Result<(), CliError> {
    let mut setup = Setup::load(global, true)?;
    if let Some(listen) = args.listen {
        setup.config.listen = listen;
    }
    let config = setup.config.clone();
    let app = setup.open().await?;
    let http = http_config(&config);
    if args.demo {
        load_demo(&app, &http).await?;
    }
    let index = otrs_store::TicketIndex::open(&app.setup.index_dir())?;
    index.catch_up(&app.store).await?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| CliError::io(format!("cannot listen on {}", config.listen), e))?;
    let address = listener
        .local_addr()
        .map_err(|e| CliError::io("reading the listening address", e))?;
    let state = AppState::new(Arc::clone(&app.desk), http, Arc::new(index.clone()));
    eprintln!("otrs is listening on http://{address}/");
    eprintln!("  agents:    http://{address}/agent");
    eprintln!("  customers: http://{address}/external");
    eprintln!("  API:       http://{address}/api/v1/openapi.json");
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let follower = {
        let index = index.clone();
        let store = app.store.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            index
                .follow(store, INDEX_INTERVAL, async move {
                    let _ = stop.changed().await;
                })
                .await;
        })
    };
    let shutdown = async move {
        stop_signal().await;
        eprintln!("shutting down");
    };
    let result = otrs_http::serve(listener, state, shutdown).await;
    let _ = stop_tx.send(true);
    let _ = follower.await;
    result.map_err(|e| CliError::io("serving", e))
}

/// Ctrl-C, or SIGTERM on Unix (what service managers and `kill` send).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; stopping on Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

async fn load_demo(app: &crate::app::App, http: &HttpConfig) -> Result<(), CliError> {
    let existing = app
        .desk
        .list_tickets(
            Principal::SYSTEM,
            TicketFilter::default(),
            TicketSort::default(),
            PageRequest::first(1),
        )
        .await?;
    let agents = app.desk.agents(Principal::SYSTEM).await?;
    if existing.total > 0 || agents.iter().any(|a| a.login == "admin") {
        eprintln!("the database already has data; the demo data is loaded only into an empty desk");
    } else {
        let bar = crate::output::progress("demo data", 1);
        let cost = http.password_hashing;
        // Hashing is deliberately slow; the two demo passwords are hashed once each.
        let agent_hash = otrs_http::crypto::hash_password(crate::demo::AGENT_PASSWORD, cost);
        let customer_hash = otrs_http::crypto::hash_password(crate::demo::CUSTOMER_PASSWORD, cost);
        let hash = |password: &str| {
            if password == crate::demo::AGENT_PASSWORD {
                agent_hash.clone()
            } else {
                customer_hash.clone()
            }
        };
        let info = crate::demo::load(
            &app.store,
            app.desk.config(),
            app.desk.now(),
            hash,
            |done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            },
        )
        .await?;
        bar.finish_and_clear();
        eprintln!("demo data loaded: {} tickets", info.tickets);
    }
    eprintln!("demo sign-in:");
    eprintln!("  agent (admin): admin / {}", crate::demo::AGENT_PASSWORD);
    eprintln!(
        "  agents:        lisa, tom, mia / {}",
        crate::demo::AGENT_PASSWORD
    );
    eprintln!(
        "  customers:     lacey, robert / {}",
        crate::demo::CUSTOMER_PASSWORD
    );
    Ok(())
}
