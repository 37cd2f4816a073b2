//! `navigator eval crisis --file F`: recall and precision of the crisis
//! detector on `{"id","lang","text","crisis"}` lines (`crisis` null for none).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{EvalError, round};
use crate::understand::Understander;
use crate::understand::crisis::CrisisKind;
use crate::understand::examples::{ExamplesError, read_jsonl};
use crate::understand::language::Language;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    id: String,
    lang: String,
    text: String,
    crisis: Option<CrisisKind>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub n: usize,
    pub positives: usize,
    pub recall: f64,
    pub precision: f64,
    /// Recall per kind.
    pub by_kind: BTreeMap<String, f64>,
    #[serde(skip)]
    pub missed: Vec<String>,
}

/// Reads and checks the whole file before any model is loaded.
pub fn read(path: &Path) -> Result<Vec<Item>, EvalError> {
    let mut ids = BTreeSet::new();
    let mut items = Vec::new();
    for (line, item) in read_jsonl::<Item>(path)? {
        if !ids.insert(item.id.clone()) {
            return Err(
                ExamplesError::at(path, line, format!("id {} appears twice", item.id)).into(),
            );
        }
        if Language::parse(&item.lang).is_none() {
            return Err(ExamplesError::at(path, line, "lang must be zh-TW or en").into());
        }
        items.push(item);
    }
    Ok(items)
}

pub fn run(items: &[Item], understander: &Understander) -> Result<Report, EvalError> {
    let mut flagged = Vec::with_capacity(items.len());
    for chunk in items.chunks(64) {
        let texts: Vec<&str> = chunk.iter().map(|i| i.text.as_str()).collect();
        flagged.extend(
            understander
                .understand_batch(&texts)?
                .into_iter()
                .map(|u| u.crisis.flagged),
        );
    }
    let positives = items.iter().filter(|i| i.crisis.is_some()).count();
    let hits = items
        .iter()
        .zip(&flagged)
        .filter(|(i, f)| i.crisis.is_some() && **f)
        .count();
    let raised = flagged.iter().filter(|f| **f).count();
    let mut by_kind = BTreeMap::new();
    for kind in crate::understand::crisis::KINDS {
        let of_kind: Vec<bool> = items
            .iter()
            .zip(&flagged)
            .filter(|(i, _)| i.crisis == Some(kind))
            .map(|(_, f)| *f)
            .collect();
        if !of_kind.is_empty() {
            let recall = of_kind.iter().filter(|f| **f).count() as f64 / of_kind.len() as f64;
            let name = serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned));
            by_kind.insert(name.unwrap_or_default(), round(recall));
        }
    }
    let missed = items
        .iter()
        .zip(&flagged)
        .filter(|(i, f)| i.crisis.is_some() && !**f)
        .map(|(i, _)| i.id.clone())
        .collect();
    Ok(Report {
        n: items.len(),
        positives,
        recall: round(hits as f64 / positives.max(1) as f64),
        precision: round(hits as f64 / raised.max(1) as f64),
        by_kind,
        missed,
    })
}
