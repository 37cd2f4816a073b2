//! Understanding questions with the real model: the loader against reference
//! vectors from an independent implementation, cross-lingual sanity, the
//! `/api/understand` endpoint, crisis recall on our own test set, and the
//! `navigator eval needs` contract.

use std::path::Path;

use mydata_navigator::eval;
use mydata_navigator::store::Backend;
use mydata_navigator::understand::embedder::{Backend as ModelBackend, Embedder};
use serde_json::{Value, json};

use crate::helpers::{repo_path, spawn_app, understander};

pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f32]| v.iter().map(|x| x * x).sum::<f32>().sqrt();
    dot / (norm(a) * norm(b))
}

/// Asserts that `embedder` reproduces the independent reference vectors
/// (`tests/fixtures/e5_reference.json`) to 1e-4 cosine distance.
pub fn assert_matches_reference(embedder: &Embedder) {
    let fixture: Value = serde_json::from_slice(
        &std::fs::read(repo_path("tests/fixtures/e5_reference.json")).unwrap(),
    )
    .unwrap();
    for item in fixture["vectors"].as_array().unwrap() {
        let text = item["text"].as_str().unwrap();
        let expected: Vec<f32> = item["embedding"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let ours = if let Some(query) = text.strip_prefix("query: ") {
            embedder.embed_queries(&[query]).unwrap()
        } else {
            let passage = text.strip_prefix("passage: ").unwrap();
            embedder.embed_passages(&[passage]).unwrap()
        };
        let distance = 1.0 - cosine(&ours[0], &expected);
        assert!(distance <= 1e-4, "{text}: cosine distance {distance}");
    }
}

#[test]
fn embeddings_match_the_independent_reference() {
    assert_matches_reference(understander().pool().embedder());
}

/// The quantised backends (slower here, see BENCHMARKS.md §2) compute the same
/// function: integer matmuls on 8-bit activations move a vector by ~1e-4.
#[test]
fn the_quantised_backends_agree_with_the_f32_encoder() {
    let texts = [
        "失業了，該怎麼辦？",
        "I lost my job, what should I do?",
        "孩子兩歲，托育補助怎麼申請？",
        "我最近常常睡不著，覺得活著好累",
    ];
    let f32_vectors = understander()
        .pool()
        .embedder()
        .embed_queries(&texts)
        .unwrap();
    for backend in [ModelBackend::Q4, ModelBackend::Q8] {
        let embedder =
            Embedder::load_with(repo_path("models/multilingual-e5-small"), backend).unwrap();
        let vectors = embedder.embed_queries(&texts).unwrap();
        for ((text, ours), reference) in texts.iter().zip(&vectors).zip(&f32_vectors) {
            let similarity = cosine(ours, reference);
            assert!(
                similarity > 0.9995,
                "{backend:?} {text}: cosine {similarity}"
            );
            // Not the f32 vector itself: the backend really multiplied in integers.
            assert!(similarity < 1.0 - 1e-7, "{backend:?} {text}: identical");
        }
    }
}

#[test]
fn a_question_is_nearer_its_translation_than_another_topic() {
    let embedder = understander().pool().embedder();
    let v = embedder
        .embed_queries(&[
            "失業了，該怎麼辦？",
            "I lost my job, what should I do?",
            "How do I apply for a childcare subsidy for my two-year-old?",
            "孩子兩歲，托育補助怎麼申請？",
        ])
        .unwrap();
    let same = cosine(&v[0], &v[1]);
    assert!(same > cosine(&v[0], &v[2]), "{same}");
    assert!(same > cosine(&v[0], &v[3]), "{same}");
}

async fn post(app: &crate::helpers::TestApp, body: reqwest::Body) -> reqwest::Response {
    app.client
        .post(app.url("/api/understand"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_endpoint_understands_and_refuses_bad_input() {
    let app = spawn_app(Backend::Sqlite).await;
    let reply = post(
        &app,
        json!({"text": "老闆說明天不用來了，我被資遣了，可以領失業給付嗎？"})
            .to_string()
            .into(),
    )
    .await;
    assert_eq!(reply.status(), 200);
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["language"], "zh-TW");
    let detected: Vec<&str> = body["detected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(detected.contains(&"unemployment_benefit"), "{body}");
    assert_eq!(body["crisis"]["flagged"], false);
    assert_eq!(body["needs"].as_array().unwrap().len(), 23);
    let scores: Vec<f64> = body["needs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["score"].as_f64().unwrap())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "needs come best first"
    );

    let reply = post(
        &app,
        json!({"text": "I can't do this anymore, I want to end my life tonight"})
            .to_string()
            .into(),
    )
    .await;
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["language"], "en");
    assert_eq!(body["crisis"]["flagged"], true, "{body}");
    assert_eq!(body["crisis"]["kind"], "suicide", "{body}");

    let reply = post(
        &app,
        json!({"text": "what's a good recipe for beef noodle soup?"})
            .to_string()
            .into(),
    )
    .await;
    let body: Value = reply.json().await.unwrap();
    assert_eq!(body["out_of_scope"], true, "{body}");

    for (bad, says) in [
        (json!({"text": ""}).to_string(), "empty"),
        (json!({"text": "   "}).to_string(), "empty"),
        (
            json!({"text": "字".repeat(2001)}).to_string(),
            "2001 characters",
        ),
        (json!({"text": 42}).to_string(), "must be a string"),
        (json!({"question": "hi"}).to_string(), "send"),
        ("{not json".to_owned(), "not valid JSON"),
    ] {
        let reply = post(&app, bad.into()).await;
        assert_eq!(reply.status(), 400);
        assert_eq!(reply.headers()["content-type"], "application/problem+json");
        let body: Value = reply.json().await.unwrap();
        assert!(body["detail"].as_str().unwrap().contains(says), "{body}");
    }
    let reply = post(&app, vec![b'{', 0xff, b'}'].into()).await;
    assert_eq!(reply.status(), 400);
}

#[test]
fn crisis_recall_on_our_test_set_is_at_least_95_percent() {
    let items = eval::crisis::read(&repo_path("datasets/eval/crisis-dev.jsonl")).unwrap();
    let report = eval::crisis::run(&items, understander()).unwrap();
    assert!(report.positives >= 100);
    assert!(
        report.recall >= 0.95,
        "recall {} missed {:?}",
        report.recall,
        report.missed
    );
}

#[test]
fn eval_needs_reports_the_contract_figures() {
    let cases = eval::needs::read(&repo_path("datasets/eval/needs-dev.jsonl")).unwrap();
    let report = eval::needs::run(&cases, understander()).unwrap();
    let line = serde_json::to_value(&report).unwrap();
    assert_eq!(line["n"], 260);
    for key in ["top1_accuracy", "recall_at_3", "macro_f1"] {
        let value = line[key].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&value), "{key} {value}");
        for lang in ["zh-TW", "en"] {
            assert!(line["by_lang"][lang][key].is_number(), "{line}");
        }
    }
    assert_eq!(line["by_lang"]["zh-TW"]["n"], 130);
    // Far above chance (1/23): the classifier has learned something real.
    assert!(report.overall.top1_accuracy > 0.6, "{line}");
}

fn navigator(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_navigator"))
        .args(args)
        .current_dir(repo_path(""))
        .output()
        .unwrap()
}

#[test]
fn eval_needs_refuses_a_malformed_file_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "{\"id\":\"q1\",\"lang\":\"en\",\"text\":\"hi\",\"needs\":[\"out_of_scope\"]}\n{oops\n",
            ":2:",
        ),
        (
            "{\"id\":\"q1\",\"lang\":\"fr\",\"text\":\"hi\",\"needs\":[\"out_of_scope\"]}\n",
            "lang",
        ),
        (
            "{\"id\":\"q1\",\"lang\":\"en\",\"text\":\"hi\",\"needs\":[\"flying\"]}\n",
            "flying",
        ),
        (
            "{\"id\":\"q1\",\"lang\":\"en\",\"text\":\"hi\",\"needs\":[]}\n",
            "primary",
        ),
    ];
    for (content, says) in cases {
        let path = dir.path().join("bad.jsonl");
        std::fs::write(&path, content).unwrap();
        let output = navigator(&["eval", "needs", "--file", path.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(2), "{output:?}");
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(says),
            "{output:?}"
        );
    }
    let missing = navigator(&["eval", "needs", "--file", "/nonexistent.jsonl"]);
    assert_eq!(missing.status.code(), Some(2), "{missing:?}");
}

#[test]
fn eval_needs_prints_one_json_line_last() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tiny.jsonl");
    std::fs::write(
        &path,
        "{\"id\":\"a\",\"lang\":\"zh-TW\",\"text\":\"我被裁員了，想申請失業給付\",\"needs\":[\"unemployment_benefit\"]}\n\
         {\"id\":\"b\",\"lang\":\"en\",\"text\":\"Where can I find a job?\",\"needs\":[\"job_search\"]}\n",
    )
    .unwrap();
    let output = navigator(&["eval", "needs", "--file", path.to_str().unwrap()]);
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last: Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(last["n"], 2);
    assert!(last["by_lang"]["en"]["top1_accuracy"].is_number());
    assert!(Path::new(&repo_path("models/classifier.json")).exists());
}

/// Commands call the blocking batch API from inside the runtime, in one
/// poll of their task; more calls than tokio's cooperative budget once made
/// the wait spin forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_blocking_batches_in_one_task_all_finish() {
    let understander = understander();
    for n in 0..200 {
        let text = format!("第{n}個問題：我失業了");
        assert_eq!(understander.understand_batch(&[&text]).unwrap().len(), 1);
    }
}
