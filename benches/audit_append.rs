//! Audit appends per second on SQLite and PostgreSQL: one writer, and eight
//! writers at once (they serialise on the chain head, which is the point).
//! PostgreSQL is at NAVIGATOR_TEST_POSTGRES_URL (default 127.0.0.1:5432);
//! the bench skips it with a note when the server is not there.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mydata_navigator::audit::NewEntry;
use mydata_navigator::clock;
use mydata_navigator::store::{self, Store};

fn entry() -> NewEntry {
    NewEntry {
        event: "broker.fetch".into(),
        actor: "bench".into(),
        subject: Some("A123456789".into()),
        dataset: Some("tax.income".into()),
        purpose: "benchmark".into(),
        outcome: "success".into(),
        detail: "provider mof.fia; 1 attempt(s)".into(),
    }
}

async fn postgres_store() -> Option<(Arc<dyn Store>, String)> {
    let admin_url = std::env::var("NAVIGATOR_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let admin = sqlx::PgPool::connect(&admin_url).await.ok()?;
    let name = format!("nav_bench_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&admin)
        .await
        .ok()?;
    let server = admin_url
        .rsplit_once('/')
        .map_or(admin_url.as_str(), |(s, _)| s);
    let store = store::connect(&format!("{server}/{name}")).await.ok()?;
    Some((store, name))
}

fn bench_store(
    c: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    label: &str,
    store: Arc<dyn Store>,
) {
    let mut group = c.benchmark_group(format!("audit_append/{label}"));
    group.throughput(Throughput::Elements(1));
    group.bench_function("one_writer", |b| {
        b.to_async(runtime).iter(|| {
            let store = store.clone();
            async move {
                store
                    .audit_append(clock::now_ms(), &entry())
                    .await
                    .map(|_| ())
            }
        })
    });
    group.throughput(Throughput::Elements(8));
    group.bench_function("eight_writers", |b| {
        b.to_async(runtime).iter(|| {
            let store = store.clone();
            async move {
                let writes = (0..8).map(|_| {
                    let store = store.clone();
                    tokio::spawn(async move {
                        store
                            .audit_append(clock::now_ms(), &entry())
                            .await
                            .map(|_| ())
                    })
                });
                for write in futures::future::join_all(writes).await {
                    let _ = write;
                }
            }
        })
    });
    group.finish();
}

fn audit_append(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let sqlite = runtime
        .block_on(store::connect(&url))
        .expect("sqlite store");
    bench_store(c, &runtime, "sqlite", sqlite);

    match runtime.block_on(postgres_store()) {
        Some((postgres, name)) => {
            bench_store(c, &runtime, "postgres", postgres);
            let admin_url = std::env::var("NAVIGATOR_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            runtime.block_on(async {
                if let Ok(admin) = sqlx::PgPool::connect(&admin_url).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .execute(&admin)
                        .await;
                }
            });
        }
        None => eprintln!("audit_append/postgres skipped: no PostgreSQL server reachable"),
    }
}

criterion_group!(benches, audit_append);
criterion_main!(benches);
