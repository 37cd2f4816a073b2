//! The catalogue through the real CLI: the committed catalogue validates
//! with every service's tests; each kind of bad rule is refused with the
//! service, condition and reason; `eval rules` follows the evaluation
//! contract (last line JSON, exit 2 with the line on a malformed file).

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::helpers::repo_path;

fn navigator(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_navigator"))
        .args(args)
        .current_dir(repo_path(""))
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A copy of the catalogue with one text replaced in one file.
fn altered(dir: &Path, file: &str, from: &str, to: &str) {
    let source = repo_path("datasets/catalog");
    std::fs::create_dir_all(dir.join("tables")).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    for entry in std::fs::read_dir(source.join("tables")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.join("tables").join(path.file_name().unwrap())).unwrap();
    }
    let target = dir.join(file);
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains(from), "{from} not in {file}");
    std::fs::write(&target, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn the_catalogue_validates_with_every_test() {
    let output = navigator(&["catalog", "validate", "datasets/catalog"]);
    assert!(output.status.success(), "{}", stdout(&output));
    let summary = stdout(&output);
    assert!(summary.contains("62 services"), "{summary}");
    assert!(summary.ends_with("all pass\n"), "{summary}");
}

#[test]
fn bad_rules_are_refused_precisely() {
    let cases = [
        (
            "age(household.registration.birth_date) >= 15 &&",
            "age(household.registration.birth_date) >= 15 &&&&",
            "wda.industry_new_talent: condition aged_15_to_29: does not parse",
        ),
        (
            "'!education.enrollment.enrolled'",
            "'!education.enrollment.enroled'",
            "education.enrollment.enroled is not a field of the dataset",
        ),
        (
            "age(household.registration.birth_date) <= 29'",
            "age(household.registration.birth_date) <= \"29\"'",
            "condition aged_15_to_29: wrong types",
        ),
        (
            "needs: [vocational_training, job_search]",
            "needs: [vocational_training, no_such_need]",
            "wda.industry_new_talent: unknown need id no_such_need",
        ),
    ];
    for (from, to, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        altered(dir.path(), "mol.wda.yaml", from, to);
        let output = navigator(&["catalog", "validate", dir.path().to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1), "{to}");
        assert!(stdout(&output).contains(expected), "{}", stdout(&output));
    }
}

#[test]
fn a_rule_that_contradicts_its_tests_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    altered(
        dir.path(),
        "mol.wda.yaml",
        "age(household.registration.birth_date) <= 29'",
        "age(household.registration.birth_date) <= 28'",
    );
    let output = navigator(&["catalog", "validate", dir.path().to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).contains(
            "test \"aged 29, not studying, not working\": expected eligible, got ineligible"
        ),
        "{}",
        stdout(&output)
    );
}

#[test]
fn eval_rules_reports_as_the_contract_says() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rules.jsonl");
    let lines = [
        r#"{"id":"a","service":"wda.industry_new_talent","records":{"household.registration":{"birth_date":"1997-12-01"},"education.enrollment":{"enrolled":false},"labor.insurance_history":{"currently_insured":false,"receiving":[]}},"expect":"eligible"}"#,
        r#"{"id":"b","service":"wda.industry_new_talent","records":{"household.registration":{"birth_date":"1996-12-01"},"education.enrollment":{"enrolled":false},"labor.insurance_history":{"currently_insured":false,"receiving":[]}},"expect":"ineligible"}"#,
        r#"{"id":"c","service":"wda.industry_new_talent","records":{"household.registration":{"birth_date":"1997-12-01"}},"expect":"unknown"}"#,
        // Wrongly labelled on purpose: the engine must say eligible.
        r#"{"id":"d","service":"wda.industry_new_talent","records":{"household.registration":{"birth_date":"1997-12-01"},"education.enrollment":{"enrolled":false},"labor.insurance_history":{"currently_insured":false,"receiving":[]}},"expect":"ineligible"}"#,
    ];
    std::fs::write(&file, lines.join("\n")).unwrap();
    let output = navigator(&[
        "eval",
        "rules",
        "--file",
        file.to_str().unwrap(),
        "--date",
        "2026-12-01",
    ]);
    assert!(output.status.success());
    let text = stdout(&output);
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["n"], 4);
    assert_eq!(last["accuracy"], 0.75);
    assert_eq!(last["wrong_eligible"], 1);
    assert_eq!(last["wrong_ineligible"], 0);

    std::fs::write(&file, format!("{}\n{{\"id\":\"x\",\"service\":\"no.such\",\"records\":{{}},\"expect\":\"eligible\"}}\n", lines[0])).unwrap();
    let output = navigator(&["eval", "rules", "--file", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let error = String::from_utf8_lossy(&output.stderr);
    assert!(error.contains("2") && error.contains("no.such"), "{error}");
}
