//! The `navigator` command line. Each subcommand is a thin shell over the
//! library; exit codes: 0 done, 1 a check failed, 2 bad usage or input.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{self, Application};
use crate::audit::AuditLog;
use crate::clock;
use crate::config::{ProviderArgs, ServeArgs, StoreArgs};
use crate::ids::NationalId;
use crate::store;
use crate::telemetry::{self, LogFormat};

#[derive(Parser)]
#[command(
    name = "navigator",
    version,
    about = "MyData navigator: personal, consented public-service recommendations"
)]
struct Cli {
    /// How log lines are written to standard error.
    #[arg(
        long,
        env = "NAVIGATOR_LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the whole platform on one port.
    Serve(ServeArgs),
    /// Run one reference data provider as its own server.
    Provider(ProviderArgs),
    /// Inspect and maintain the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain end to end; exit 1 naming the first bad entry.
    Verify {
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove entries written before DATE (YYYY-MM-DD), which must be at
    /// least 365 days ago.
    Purge {
        #[arg(long)]
        before: String,
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Print one citizen's trail, newest first, as JSON lines.
    Trail {
        #[arg(long)]
        subject: String,
        #[arg(long, default_value_t = 1000)]
        limit: i64,
        #[command(flatten)]
        store: StoreArgs,
    },
}

pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.log_format);
    match cli.command {
        Command::Serve(args) => serve(args).await,
        Command::Provider(args) => report(app::run_provider(args, shutdown_signal()).await),
        Command::Audit(command) => audit(command).await,
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    match Application::build(args).await {
        Ok(app) => report(app.run_until(shutdown_signal()).await),
        Err(error) => report::<()>(Err(error)),
    }
}

fn report<T>(result: Result<T, impl std::fmt::Display>) -> ExitCode {
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("navigator: {error}");
            ExitCode::FAILURE
        }
    }
}

fn usage(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("navigator: {message}");
    ExitCode::from(2)
}

async fn audit(command: AuditCommand) -> ExitCode {
    let store_args = match &command {
        AuditCommand::Verify { store }
        | AuditCommand::Purge { store, .. }
        | AuditCommand::Trail { store, .. } => store,
    };
    let store = match store::connect(&store_args.url()).await {
        Ok(store) => store,
        Err(error) => return report::<()>(Err(error)),
    };
    let log = AuditLog::new(store);
    match command {
        AuditCommand::Verify { .. } => match log.verify().await {
            Ok(report) => match &report.problem {
                None => {
                    println!("audit log intact: {} entries checked", report.checked);
                    ExitCode::SUCCESS
                }
                Some(problem) => {
                    println!(
                        "audit log BROKEN: {problem} ({} entries checked before it)",
                        report.checked
                    );
                    ExitCode::FAILURE
                }
            },
            Err(error) => report::<()>(Err(error)),
        },
        AuditCommand::Purge { before, .. } => {
            let Ok(before_ms) = clock::date_start_ms(&before) else {
                return usage(format!("--before {before:?}: write a date as YYYY-MM-DD"));
            };
            match log.purge(before_ms, "operator").await {
                Ok(report) => {
                    println!(
                        "removed {} entries; the chain now starts after entry {}",
                        report.removed, report.checkpoint_seq
                    );
                    ExitCode::SUCCESS
                }
                Err(crate::audit::AuditError::TooRecent { latest }) => usage(format!(
                    "entries younger than 365 days are kept: the latest date a purge may name is {latest}"
                )),
                Err(error) => report::<()>(Err(error)),
            }
        }
        AuditCommand::Trail { subject, limit, .. } => {
            let subject = match NationalId::parse(&subject) {
                Ok(subject) => subject,
                Err(error) => return usage(error),
            };
            match log.trail(subject.as_str(), limit.clamp(1, 100_000)).await {
                Ok(entries) => {
                    for entry in entries {
                        let mut line = serde_json::to_value(&entry).unwrap_or_default();
                        line["at"] = clock::format_ms(entry.at_ms).into();
                        println!("{line}");
                    }
                    ExitCode::SUCCESS
                }
                Err(error) => report::<()>(Err(error)),
            }
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM, whichever comes first.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
