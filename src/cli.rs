//! The `navigator` command line. Each subcommand is a thin shell over the
//! library; exit codes: 0 done, 1 a check failed, 2 bad usage or input.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::app::{self, Application};
use crate::audit::AuditLog;
use crate::citizen_card;
use crate::clock;
use crate::config::{ModelArgs, ProviderArgs, ServeArgs, StoreArgs};
use crate::eval;
use crate::ids::NationalId;
use crate::needs::NeedRegistry;
use crate::spec::DatasetRegistry;
use crate::store;
use crate::telemetry::{self, LogFormat};
use crate::understand::{Understander, train};

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
    Serve(Box<ServeArgs>),
    /// Run one reference data provider as its own server.
    Provider(ProviderArgs),
    /// Inspect and maintain the audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Train the models that are trained from the project's examples.
    #[command(subcommand)]
    Train(TrainCommand),
    /// Run the evaluation contract of spec/eval.md on a JSON Lines file.
    #[command(subcommand)]
    Eval(EvalCommand),
    /// Check the service catalogue.
    #[command(subcommand)]
    Catalog(CatalogCommand),
    /// Play a citizen-card reader's middleware.
    #[command(subcommand, name = "citizen-card")]
    CitizenCard(CardCommand),
}

#[derive(Subcommand)]
enum CatalogCommand {
    /// Parse every service, compile its conditions against the dataset
    /// schema, check need and dataset ids, and run every service's tests.
    Validate {
        /// The catalogue folder.
        #[arg(default_value = "datasets/catalog")]
        dir: PathBuf,
    },
}

#[derive(Subcommand)]
enum CardCommand {
    /// Sign a login challenge; prints `{"certificate", "signature"}` as JSON.
    Sign {
        /// The card's certificate (PEM).
        #[arg(long)]
        cert: PathBuf,
        /// The card's private key (PKCS#8 PEM); on a real card it never leaves the chip.
        #[arg(long)]
        key: PathBuf,
        /// The server's challenge, base64, exactly as it was given.
        #[arg(long)]
        challenge: String,
    },
}

#[derive(Subcommand)]
enum TrainCommand {
    /// Train the needs classifier and the crisis head from datasets/.
    Needs {
        /// Folder holding needs/*.jsonl and crisis/train.jsonl.
        #[arg(long, default_value = "datasets")]
        datasets: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
        /// Do nothing when the file exists and was trained from these examples.
        #[arg(long)]
        if_stale: bool,
    },
}

#[derive(Subcommand)]
enum EvalCommand {
    /// Top-1 accuracy, recall@3 and macro-F1 of the needs classifier.
    Needs {
        #[arg(long)]
        file: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Recall and precision of the crisis detector.
    Crisis {
        #[arg(long)]
        file: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Hit@3, recall@5, nDCG@5 and forbidden services shown, of the whole
    /// recommendation pipeline.
    Recommend {
        #[arg(long)]
        file: PathBuf,
        /// The evaluation date (ages, periods); the run date when absent.
        #[arg(long, value_parser = parse_date)]
        date: Option<time::Date>,
        /// The catalogue folder.
        #[arg(long, default_value = "datasets/catalog")]
        catalog: PathBuf,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Whole conversations judged as a social worker would: crisis, off-topic,
    /// the services shown, what the reply mentions, how long it is.
    Answers {
        #[arg(long)]
        file: PathBuf,
        /// The evaluation date (ages, periods); the run date when absent.
        #[arg(long, value_parser = parse_date)]
        date: Option<time::Date>,
        #[command(flatten)]
        model: ModelArgs,
    },
    /// Accuracy of the eligibility rules; wrong-eligible answers counted apart.
    Rules {
        #[arg(long)]
        file: PathBuf,
        /// The evaluation date (ages, periods); the run date when absent.
        #[arg(long, value_parser = parse_date)]
        date: Option<time::Date>,
        /// The catalogue folder.
        #[arg(long, default_value = "datasets/catalog")]
        catalog: PathBuf,
    },
}

fn parse_date(raw: &str) -> Result<time::Date, String> {
    time::Date::parse(
        raw,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|e| format!("{raw:?}: write YYYY-MM-DD ({e})"))
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
        Command::Serve(args) => serve(*args).await,
        Command::Provider(args) => report(app::run_provider(args, shutdown_signal()).await),
        Command::Audit(command) => audit(command).await,
        Command::Train(command) => train(command),
        Command::Eval(command) => eval(command).await,
        Command::CitizenCard(command) => citizen_card(command),
        Command::Catalog(command) => catalog(command),
    }
}

fn citizen_card(command: CardCommand) -> ExitCode {
    let CardCommand::Sign {
        cert,
        key,
        challenge,
    } = command;
    let read = |path: &PathBuf| {
        std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let signed = read(&cert).and_then(|cert_pem| {
        let key_pem = read(&key)?;
        citizen_card::sign::sign(&cert_pem, &key_pem, &challenge).map_err(|e| e.to_string())
    });
    match signed.and_then(|signed| serde_json::to_string(&signed).map_err(|e| e.to_string())) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("navigator citizen-card sign: {message}");
            ExitCode::from(2)
        }
    }
}

fn train(command: TrainCommand) -> ExitCode {
    let TrainCommand::Needs {
        datasets,
        model,
        if_stale,
    } = command;
    if if_stale && train::is_current(&model.heads, &datasets) {
        println!("{} is current", model.heads.display());
        return ExitCode::SUCCESS;
    }
    let started = std::time::Instant::now();
    match train::train(&model.model_dir, &datasets, &model.heads, model.workers()) {
        Ok(report) => {
            println!(
                "needs: {} examples; out-of-fold top-1 {:.3}, recall@3 {:.3}, macro-F1 {:.3}",
                report.needs.examples,
                report.needs.top1_accuracy,
                report.needs.recall_at_3,
                report.needs.macro_f1
            );
            println!(
                "crisis: {} examples; out-of-fold recall {:.3}, precision {:.3} at threshold {:.2}",
                report.crisis.examples,
                report.crisis.recall,
                report.crisis.precision,
                report.crisis.threshold
            );
            println!(
                "wrote {} in {:.1} s",
                report.out.display(),
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(error) => report::<()>(Err(error)),
    }
}

enum Cases {
    Needs(Vec<eval::needs::Case>),
    Crisis(Vec<eval::crisis::Item>),
}

fn catalog(command: CatalogCommand) -> ExitCode {
    let CatalogCommand::Validate { dir } = command;
    let loaded = crate::catalog::Catalog::load(&dir).map_err(|e| e.to_string());
    let specs = DatasetRegistry::embedded()
        .and_then(|registry| Ok((registry, NeedRegistry::embedded()?)))
        .map_err(|e| e.to_string());
    let (catalog, (registry, needs)) = match (loaded, specs) {
        (Ok(catalog), Ok(specs)) => (catalog, specs),
        (Err(message), _) | (_, Err(message)) => {
            eprintln!("navigator catalog validate: {message}");
            return ExitCode::FAILURE;
        }
    };
    let report = crate::catalog::validate::validate(&catalog, &registry, &needs);
    for problem in &report.problems {
        println!("{problem}");
    }
    println!(
        "{} services, {} conditions, {} tests: {}",
        report.services,
        report.conditions,
        report.tests,
        if report.problems.is_empty() {
            "all pass".to_owned()
        } else {
            format!("{} problems", report.problems.len())
        }
    );
    if report.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

type CatalogCases<T> = (crate::catalog::Catalog, Vec<T>, DatasetRegistry);

/// The catalogue, the file's cases checked against it, and the registry;
/// or the exit code: 2 for a malformed file, 1 for anything else.
fn catalog_cases<T>(
    dir: &Path,
    file: &Path,
    read: fn(&Path, &crate::catalog::Catalog) -> Result<Vec<T>, eval::EvalError>,
) -> Result<CatalogCases<T>, ExitCode> {
    let catalog = crate::catalog::Catalog::load(dir).map_err(|e| report::<()>(Err(e)))?;
    let cases = read(file, &catalog).map_err(|error| match error {
        eval::EvalError::Malformed(error) => usage(error),
        error => report::<()>(Err(error)),
    })?;
    let registry = DatasetRegistry::embedded().map_err(|e| report::<()>(Err(e)))?;
    Ok((catalog, cases, registry))
}

/// The evaluation contract's last line.
fn last_line(outcome: &impl serde::Serialize) -> ExitCode {
    match serde_json::to_string(outcome) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => report::<()>(Err(error)),
    }
}

fn eval_rules(file: &Path, date: Option<time::Date>, dir: &Path) -> ExitCode {
    let (catalog, cases, registry) = match catalog_cases(dir, file, eval::rules::read) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let date = date.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    match eval::rules::run(&cases, &catalog, &registry, date) {
        Ok(outcome) => {
            println!(
                "rules: {} cases on {date}; accuracy {:.4}; wrong eligible {}, wrong ineligible {}",
                outcome.n, outcome.accuracy, outcome.wrong_eligible, outcome.wrong_ineligible
            );
            for wrong in &outcome.wrong {
                println!("  {wrong}");
            }
            last_line(&outcome)
        }
        Err(error) => report::<()>(Err(error)),
    }
}

async fn eval_recommend(
    file: &Path,
    date: Option<time::Date>,
    dir: &Path,
    model: &ModelArgs,
) -> ExitCode {
    let (catalog, cases, registry) = match catalog_cases(dir, file, eval::recommend::read) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let understander = match Understander::load(&model.model_dir, &model.heads, model.workers()) {
        Ok(understander) => understander,
        Err(error) => return report::<()>(Err(error)),
    };
    // The same index the server would use: Qdrant when QDRANT_URL is set.
    let index = match crate::index::for_kind("services", understander.pool().embedder().dim()) {
        Ok(index) => index,
        Err(error) => return report::<()>(Err(error)),
    };
    let built =
        crate::recommend::Recommender::build(catalog, &registry, &understander, index).await;
    let recommender = match built {
        Ok(recommender) => recommender,
        Err(error) => return report::<()>(Err(error)),
    };
    let date = date.unwrap_or_else(|| time::OffsetDateTime::now_utc().date());
    match eval::recommend::run(&cases, &understander, &recommender, date).await {
        Ok(outcome) => {
            println!(
                "recommend: {} questions; hit@3 {:.4}, recall@5 {:.4}, nDCG@5 {:.4}, forbidden shown {}",
                outcome.n,
                outcome.hit_at_3,
                outcome.recall_at_5,
                outcome.ndcg_at_5,
                outcome.forbidden_shown
            );
            for miss in &outcome.misses {
                println!("  {miss}");
            }
            last_line(&outcome)
        }
        Err(error) => report::<()>(Err(error)),
    }
}

async fn eval_answers(file: &Path, date: Option<time::Date>, model: &ModelArgs) -> ExitCode {
    // The file is checked whole before the model is loaded.
    let conversations = match eval::answers::read(file) {
        Ok(conversations) => conversations,
        Err(eval::EvalError::Malformed(error)) => return usage(error),
        Err(error) => return report::<()>(Err(error)),
    };
    let understander = match Understander::load(&model.model_dir, &model.heads, model.workers()) {
        Ok(understander) => understander,
        Err(error) => return report::<()>(Err(error)),
    };
    let (assistant, _scratch) = match eval::answers::assistant(understander).await {
        Ok(built) => built,
        Err(error) => return report::<()>(Err(error)),
    };
    let date = date.unwrap_or_else(crate::recommend::http::today_in_taiwan);
    match eval::answers::run(&conversations, &assistant, date).await {
        Ok(outcome) => {
            println!(
                "answers: {} conversations; pass {:.4}; crisis recall {:.4}, kind right {:.4}, \
                 false alarms {:.4}; off-topic recall {:.4}, precision {:.4}; top3 groups {:.4}, \
                 top5 groups {:.4}; absent shown {}; mentions {:.4}; zh chars p50 {} p90 {}, en p90 {}",
                outcome.n,
                outcome.pass_rate,
                outcome.crisis_recall,
                outcome.crisis_kind_right,
                outcome.false_alarm_rate,
                outcome.off_topic_recall,
                outcome.off_topic_precision,
                outcome.top3_group_hit,
                outcome.top5_group_hit,
                outcome.absent_violations,
                outcome.mention_hit,
                outcome.reply_chars_p50_zh,
                outcome.reply_chars_p90_zh,
                outcome.reply_chars_p90_en
            );
            for failure in &outcome.failures {
                println!("  {failure}");
            }
            last_line(&outcome)
        }
        Err(error) => report::<()>(Err(error)),
    }
}

async fn eval(command: EvalCommand) -> ExitCode {
    if let EvalCommand::Answers { file, date, model } = &command {
        return eval_answers(file, *date, model).await;
    }
    if let EvalCommand::Recommend {
        file,
        date,
        catalog,
        model,
    } = &command
    {
        return eval_recommend(file, *date, catalog, model).await;
    }
    if let EvalCommand::Rules {
        file,
        date,
        catalog,
    } = &command
    {
        return eval_rules(file, *date, catalog);
    }
    let (EvalCommand::Needs { file, model } | EvalCommand::Crisis { file, model }) = &command
    else {
        return ExitCode::from(2);
    };
    // The file is checked whole before the model is loaded.
    let cases = match &command {
        EvalCommand::Needs { .. } => eval::needs::read(file).map(Cases::Needs),
        EvalCommand::Crisis { .. }
        | EvalCommand::Rules { .. }
        | EvalCommand::Recommend { .. }
        | EvalCommand::Answers { .. } => eval::crisis::read(file).map(Cases::Crisis),
    };
    let cases = match cases {
        Ok(cases) => cases,
        Err(eval::EvalError::Malformed(error)) => return usage(error),
        Err(error) => return report::<()>(Err(error)),
    };
    let understander = match Understander::load(&model.model_dir, &model.heads, model.workers()) {
        Ok(understander) => understander,
        Err(error) => return report::<()>(Err(error)),
    };
    let printed = match &cases {
        Cases::Needs(cases) => eval::needs::run(cases, &understander).map(|report| {
            print!("{}", eval::needs::table(&report));
            serde_json::to_string(&report)
        }),
        Cases::Crisis(items) => eval::crisis::run(items, &understander).map(|report| {
            println!(
                "crisis: {} messages, {} in crisis; recall {:.3}, precision {:.3}",
                report.n, report.positives, report.recall, report.precision
            );
            if !report.missed.is_empty() {
                println!("missed: {}", report.missed.join(", "));
            }
            serde_json::to_string(&report)
        }),
    };
    match printed {
        Ok(Ok(line)) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Ok(Err(error)) => report::<()>(Err(error)),
        Err(eval::EvalError::Malformed(error)) => usage(error),
        Err(error) => report::<()>(Err(error)),
    }
}

async fn serve(args: ServeArgs) -> ExitCode {
    match Application::build(args).await {
        Ok(app) => {
            app.warm_up();
            report(app.run_until(shutdown_signal()).await)
        }
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
