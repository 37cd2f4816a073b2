//! The audit log's chain: intact after concurrent appends, and broken, with
//! the entry named, after a row is altered, deleted or swapped directly in
//! the database. Purge keeps a year and leaves a verifiable chain. Checked
//! through the real `navigator audit` CLI.

use std::process::Output;

use mydata_navigator::audit::{AuditLog, NewEntry};
use mydata_navigator::clock::{self, DAY_MS};
use mydata_navigator::store::Backend;

use crate::helpers::{TestApp, on_both_stores, spawn_app};

on_both_stores!(
    concurrent_appends_keep_one_intact_chain,
    verify_names_an_altered_entry,
    verify_names_a_deleted_entry,
    verify_names_swapped_entries,
    verify_notices_a_missing_tail,
    the_database_refuses_updates_and_young_deletes,
    purge_keeps_a_year_and_a_verifiable_chain,
);

fn entry(n: usize) -> NewEntry {
    NewEntry {
        event: "broker.fetch".into(),
        actor: "tester".into(),
        subject: Some("A123456789".into()),
        dataset: Some("tax.income".into()),
        purpose: format!("test {n}"),
        outcome: "success".into(),
        detail: String::new(),
    }
}

async fn append_some(app: &TestApp, count: usize) {
    for n in 0..count {
        app.store
            .audit_append(clock::now_ms(), &entry(n))
            .await
            .unwrap();
    }
}

fn navigator(args: &[&str], database_url: &str) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_navigator"))
        .args(args)
        .arg("--database-url")
        .arg(database_url)
        .output()
        .expect("run navigator")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn drop_guards(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_keep_a_year;",
        Backend::Postgres => "DROP TRIGGER audit_log_guard ON audit_log;",
    }
}

async fn concurrent_appends_keep_one_intact_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let log = AuditLog::new(app.store.clone());
    let tasks: Vec<_> = (0..40)
        .map(|n| {
            let log = log.clone();
            tokio::spawn(async move { log.append(entry(n)).await.map(|e| e.seq) })
        })
        .collect();
    let mut seqs = Vec::new();
    for task in tasks {
        seqs.push(task.await.unwrap().unwrap());
    }
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=40).collect::<Vec<i64>>());
    let report = log.verify().await.unwrap();
    assert_eq!(report.problem, None);
    assert_eq!(report.checked, 40);

    let output = navigator(&["audit", "verify"], &app.db.url);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).contains("intact: 40 entries"), "{output:?}");
}

async fn verify_names_an_altered_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    append_some(&app, 6).await;
    app.db.execute(drop_guards(backend)).await.unwrap();
    let changed = app
        .db
        .execute("UPDATE audit_log SET purpose = 'nothing to see' WHERE seq = 4")
        .await
        .unwrap();
    assert_eq!(changed, 1);
    let output = navigator(&["audit", "verify"], &app.db.url);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stdout(&output).contains("entry 4 was altered"),
        "{output:?}"
    );
}

async fn verify_names_a_deleted_entry(backend: Backend) {
    let app = spawn_app(backend).await;
    append_some(&app, 6).await;
    app.db.execute(drop_guards(backend)).await.unwrap();
    app.db
        .execute("DELETE FROM audit_log WHERE seq = 3")
        .await
        .unwrap();
    let output = navigator(&["audit", "verify"], &app.db.url);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stdout(&output).contains("entries before 4 are missing"),
        "{output:?}"
    );

    // Renumbering to hide the gap breaks the link instead.
    for seq in 4..=6 {
        let sql = format!("UPDATE audit_log SET seq = {} WHERE seq = {seq}", seq - 1);
        app.db.execute(&sql).await.unwrap();
    }
    let output = navigator(&["audit", "verify"], &app.db.url);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(stdout(&output).contains("entry 3"), "{output:?}");
}

async fn verify_names_swapped_entries(backend: Backend) {
    let app = spawn_app(backend).await;
    append_some(&app, 6).await;
    app.db.execute(drop_guards(backend)).await.unwrap();
    app.db
        .execute(
            "UPDATE audit_log SET seq = -1 WHERE seq = 2; \
             UPDATE audit_log SET seq = 2 WHERE seq = 5; \
             UPDATE audit_log SET seq = 5 WHERE seq = -1;",
        )
        .await
        .unwrap();
    let output = navigator(&["audit", "verify"], &app.db.url);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(stdout(&output).contains("entry 2"), "{output:?}");
}

async fn verify_notices_a_missing_tail(backend: Backend) {
    let app = spawn_app(backend).await;
    append_some(&app, 5).await;
    app.db.execute(drop_guards(backend)).await.unwrap();
    app.db
        .execute("DELETE FROM audit_log WHERE seq >= 4")
        .await
        .unwrap();
    let output = navigator(&["audit", "verify"], &app.db.url);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        stdout(&output).contains("entries 4..=5 are missing"),
        "{output:?}"
    );
}

async fn the_database_refuses_updates_and_young_deletes(backend: Backend) {
    let app = spawn_app(backend).await;
    append_some(&app, 2).await;
    let update = app
        .db
        .execute("UPDATE audit_log SET actor = 'x' WHERE seq = 1")
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = app.db.execute("DELETE FROM audit_log WHERE seq = 1").await;
    assert!(delete.unwrap_err().to_string().contains("365 days"));
    let output = navigator(&["audit", "verify"], &app.db.url);
    assert!(output.status.success(), "{output:?}");
}

async fn purge_keeps_a_year_and_a_verifiable_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let now = clock::now_ms();
    // Three entries written 400 days ago, then two today.
    for n in 0..3 {
        app.store
            .audit_append(now - 400 * DAY_MS, &entry(n))
            .await
            .unwrap();
    }
    append_some(&app, 2).await;

    let too_recent = clock::format_ms(now - 30 * DAY_MS)[..10].to_owned();
    let output = navigator(&["audit", "purge", "--before", &too_recent], &app.db.url);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("365 days"),
        "{output:?}"
    );
    assert_eq!(
        app.store.audit_page(0, 100).await.unwrap().len(),
        5,
        "nothing removed"
    );

    let output = navigator(&["audit", "purge", "--before", "not-a-date"], &app.db.url);
    assert_eq!(output.status.code(), Some(2), "{output:?}");

    let a_year_ago = clock::format_ms(now - 366 * DAY_MS)[..10].to_owned();
    let output = navigator(&["audit", "purge", "--before", &a_year_ago], &app.db.url);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).contains("removed 3 entries"), "{output:?}");

    let remaining = app.store.audit_page(0, 100).await.unwrap();
    let seqs: Vec<i64> = remaining.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [4, 5, 6], "the purge itself is the newest entry");
    assert_eq!(remaining[2].event, "audit.purge");
    let output = navigator(&["audit", "verify"], &app.db.url);
    assert!(output.status.success(), "{output:?}");
    assert!(stdout(&output).contains("intact: 3 entries"), "{output:?}");
}
