//! `navigator eval rules --file F [--date D]`: the rule engine's verdicts
//! against `{"id", "service", "records", "expect"}` lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::Date;

use super::{EvalError, round};
use crate::catalog::Catalog;
use crate::catalog::rules::{RuleEngine, Verdict};
use crate::spec::DatasetRegistry;
use crate::understand::examples::{ExamplesError, read_jsonl};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    id: String,
    service: String,
    #[serde(default)]
    records: BTreeMap<String, serde_json::Value>,
    expect: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub n: usize,
    pub accuracy: f64,
    pub wrong_eligible: usize,
    pub wrong_ineligible: usize,
    #[serde(skip)]
    pub wrong: Vec<String>,
}

/// Reads and checks the whole file against the catalogue first.
pub fn read(path: &Path, catalog: &Catalog) -> Result<Vec<Case>, EvalError> {
    let mut ids = BTreeSet::new();
    let mut cases = Vec::new();
    for (line, case) in read_jsonl::<Case>(path)? {
        let fault =
            |problem: String| -> EvalError { ExamplesError::at(path, line, problem).into() };
        if !ids.insert(case.id.clone()) {
            return Err(fault(format!("id {} appears twice", case.id)));
        }
        if catalog.service(&case.service).is_none() {
            return Err(fault(format!("there is no service {}", case.service)));
        }
        if Verdict::parse(&case.expect).is_none() {
            return Err(fault(
                "expect must be eligible, ineligible or unknown".into(),
            ));
        }
        cases.push(case);
    }
    Ok(cases)
}

pub fn run(
    cases: &[Case],
    catalog: &Catalog,
    registry: &DatasetRegistry,
    date: Date,
) -> Result<Report, EvalError> {
    let engine =
        RuleEngine::new(catalog, registry).map_err(|e| EvalError::Catalog(e.to_string()))?;
    let mut right = 0;
    let mut report = Report {
        n: cases.len(),
        accuracy: 0.0,
        wrong_eligible: 0,
        wrong_ineligible: 0,
        wrong: Vec::new(),
    };
    for case in cases {
        let expected = Verdict::parse(&case.expect).unwrap_or(Verdict::Unknown);
        let judged = catalog
            .service(&case.service)
            .and_then(|service| engine.judge(service, &case.records, date))
            .map_or(Verdict::Unknown, |j| j.verdict);
        if judged == expected {
            right += 1;
            continue;
        }
        match judged {
            Verdict::Eligible => report.wrong_eligible += 1,
            Verdict::Ineligible => report.wrong_ineligible += 1,
            Verdict::Unknown => {}
        }
        report.wrong.push(format!(
            "{} {}: expected {}, said {}",
            case.id,
            case.service,
            expected.as_str(),
            judged.as_str()
        ));
    }
    report.accuracy = if cases.is_empty() {
        0.0
    } else {
        round(right as f64 / cases.len() as f64)
    };
    Ok(report)
}
