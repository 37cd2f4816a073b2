//! `navigator eval recommend --file F [--date D]`: the whole pipeline —
//! understanding, candidates, rules, ranking — against
//! `{"id","lang","question","records","expect","forbid"}` lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::Date;

use super::{EvalError, round};
use crate::catalog::Catalog;
use crate::catalog::rules::Verdict;
use crate::recommend::Recommender;
use crate::understand::Understander;
use crate::understand::examples::{ExamplesError, read_jsonl};
use crate::understand::language::Language;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    id: String,
    lang: String,
    question: String,
    #[serde(default)]
    records: BTreeMap<String, serde_json::Value>,
    expect: Vec<String>,
    #[serde(default)]
    forbid: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub n: usize,
    pub hit_at_3: f64,
    pub recall_at_5: f64,
    pub ndcg_at_5: f64,
    pub forbidden_shown: usize,
    #[serde(skip)]
    pub misses: Vec<String>,
}

pub fn read(path: &Path, catalog: &Catalog) -> Result<Vec<Case>, EvalError> {
    let mut ids = BTreeSet::new();
    let mut cases = Vec::new();
    for (line, case) in read_jsonl::<Case>(path)? {
        let fault =
            |problem: String| -> EvalError { ExamplesError::at(path, line, problem).into() };
        if !ids.insert(case.id.clone()) {
            return Err(fault(format!("id {} appears twice", case.id)));
        }
        if Language::parse(&case.lang).is_none() {
            return Err(fault("lang must be zh-TW or en".into()));
        }
        if case.expect.is_empty() {
            return Err(fault("expect names no service".into()));
        }
        if let Some(unknown) = case
            .expect
            .iter()
            .chain(&case.forbid)
            .find(|id| catalog.service(id).is_none())
        {
            return Err(fault(format!("there is no service {unknown}")));
        }
        cases.push(case);
    }
    Ok(cases)
}

fn ndcg(shown: &[&str], expect: &[String], k: usize) -> f64 {
    let gain = |rank: usize| 1.0 / ((rank + 2) as f64).log2();
    let dcg: f64 = shown
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, id)| expect.iter().any(|e| e == *id))
        .map(|(rank, _)| gain(rank))
        .sum();
    let ideal: f64 = (0..expect.len().min(k)).map(gain).sum();
    if ideal == 0.0 { 0.0 } else { dcg / ideal }
}

pub async fn run(
    cases: &[Case],
    understander: &Understander,
    recommender: &Recommender,
    date: Date,
) -> Result<Report, EvalError> {
    let questions: Vec<&str> = cases.iter().map(|c| c.question.as_str()).collect();
    let understood = understander.understand_batch_with_embeddings(&questions)?;
    let (mut hits, mut recall, mut gain, mut forbidden) = (0.0, 0.0, 0.0, 0);
    let mut misses = Vec::new();
    for (case, (understanding, embedding)) in cases.iter().zip(&understood) {
        let result = recommender
            .recommend(understanding, embedding, &case.records, date)
            .await;
        let shown: Vec<&str> = result.ranked.iter().map(|r| r.service.as_str()).collect();
        let found = |k: usize| {
            case.expect
                .iter()
                .filter(|e| shown.iter().take(k).any(|s| s == e))
                .count()
        };
        if found(3) > 0 {
            hits += 1.0;
        } else {
            misses.push(format!(
                "{}: expected {:?}, showed {:?}",
                case.id,
                case.expect,
                &shown[..shown.len().min(5)]
            ));
        }
        recall += found(5) as f64 / case.expect.len() as f64;
        gain += ndcg(&shown, &case.expect, 5);
        for shown in result
            .ranked
            .iter()
            .take(5)
            .filter(|r| r.verdict == Verdict::Eligible && case.forbid.contains(&r.service))
        {
            forbidden += 1;
            misses.push(format!(
                "{}: forbidden {} shown as eligible",
                case.id, shown.service
            ));
        }
    }
    let n = cases.len().max(1) as f64;
    Ok(Report {
        n: cases.len(),
        hit_at_3: round(hits / n),
        recall_at_5: round(recall / n),
        ndcg_at_5: round(gain / n),
        forbidden_shown: forbidden,
        misses,
    })
}
