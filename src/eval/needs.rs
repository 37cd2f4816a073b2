//! `navigator eval needs --file F`: top-1 accuracy, recall@3 and macro-F1 of
//! the needs classifier, overall and by language, as `spec/eval.md` defines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{EvalError, round};
use crate::needs::NeedRegistry;
use crate::understand::Understander;
use crate::understand::classifier::f1;
use crate::understand::examples::{ExamplesError, read_jsonl};
use crate::understand::language::Language;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Item {
    id: String,
    lang: String,
    text: String,
    needs: Vec<String>,
}

pub struct Case {
    lang: Language,
    text: String,
    needs: Vec<String>,
}

/// One prediction: the ranking and the reported set.
struct Outcome {
    ranking: Vec<String>,
    detected: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    pub n: usize,
    pub top1_accuracy: f64,
    pub recall_at_3: f64,
    pub macro_f1: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub overall: Figures,
    pub by_lang: BTreeMap<String, Figures>,
    #[serde(skip)]
    pub per_need: Vec<(String, f64, usize)>,
}

/// Reads and checks the whole file before any model is loaded.
pub fn read(path: &Path) -> Result<Vec<Case>, EvalError> {
    let registry = NeedRegistry::embedded()?;
    Ok(load(path, &registry)?)
}

fn load(path: &Path, registry: &NeedRegistry) -> Result<Vec<Case>, ExamplesError> {
    let mut ids = BTreeSet::new();
    let mut cases = Vec::new();
    for (line, item) in read_jsonl::<Item>(path)? {
        let at = |message: String| ExamplesError::at(path, line, message);
        if !ids.insert(item.id.clone()) {
            return Err(at(format!("id {} appears twice", item.id)));
        }
        let lang = Language::parse(&item.lang)
            .ok_or_else(|| at(format!("lang {:?} is not zh-TW or en", item.lang)))?;
        if item.text.trim().is_empty() {
            return Err(at("text is empty".into()));
        }
        if item.needs.is_empty() {
            return Err(at(
                "needs is empty: the first one is the primary need".into()
            ));
        }
        if let Some(unknown) = item.needs.iter().find(|n| registry.index_of(n).is_none()) {
            return Err(at(format!("{unknown} is not a need id of needs.yaml")));
        }
        cases.push(Case {
            lang,
            text: item.text,
            needs: item.needs,
        });
    }
    Ok(cases)
}

pub fn run(cases: &[Case], understander: &Understander) -> Result<Report, EvalError> {
    let mut outcomes = Vec::with_capacity(cases.len());
    for chunk in cases.chunks(64) {
        let texts: Vec<&str> = chunk.iter().map(|c| c.text.as_str()).collect();
        for understanding in understander.understand_batch(&texts)? {
            outcomes.push(Outcome {
                ranking: understanding
                    .ranking()
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                detected: understanding.detected,
            });
        }
    }
    let all: Vec<(&Case, &Outcome)> = cases.iter().zip(&outcomes).collect();
    let mut by_lang = BTreeMap::new();
    for lang in [Language::ZhTw, Language::En] {
        let subset: Vec<_> = all
            .iter()
            .copied()
            .filter(|(c, _)| c.lang == lang)
            .collect();
        if !subset.is_empty() {
            by_lang.insert(lang.as_str().to_owned(), figures(&subset).0);
        }
    }
    let (overall, per_need) = figures(&all);
    Ok(Report {
        overall,
        by_lang,
        per_need,
    })
}

fn figures(pairs: &[(&Case, &Outcome)]) -> (Figures, Vec<(String, f64, usize)>) {
    let n = pairs.len();
    let top1 = pairs
        .iter()
        .filter(|(c, o)| o.ranking.first() == c.needs.first())
        .count();
    let (found, labelled) = pairs.iter().fold((0, 0), |(f, l), (c, o)| {
        let top3 = &o.ranking[..o.ranking.len().min(3)];
        (
            f + c.needs.iter().filter(|n| top3.contains(n)).count(),
            l + c.needs.len(),
        )
    });
    let occurring: BTreeSet<&String> = pairs.iter().flat_map(|(c, _)| &c.needs).collect();
    let per_need: Vec<(String, f64, usize)> = occurring
        .iter()
        .map(|need| {
            let score = f1(pairs
                .iter()
                .map(|(c, o)| (o.detected.contains(need), c.needs.contains(need))));
            let support = pairs.iter().filter(|(c, _)| c.needs.contains(need)).count();
            ((*need).clone(), score, support)
        })
        .collect();
    let macro_f1 = per_need.iter().map(|(_, f, _)| f).sum::<f64>() / per_need.len().max(1) as f64;
    let share = |part: usize, whole: usize| round(part as f64 / whole.max(1) as f64);
    (
        Figures {
            n,
            top1_accuracy: share(top1, n),
            recall_at_3: share(found, labelled),
            macro_f1: round(macro_f1),
        },
        per_need,
    )
}

/// The table for people; the caller prints the JSON line after it.
pub fn table(report: &Report) -> String {
    let mut out = String::from("need                      support    F1\n");
    for (need, f1, support) in &report.per_need {
        out.push_str(&format!("{need:<24} {support:>8} {f1:>6.3}\n"));
    }
    out.push_str("\nset        n   top-1  recall@3  macro-F1\n");
    let rows = std::iter::once(("all", &report.overall))
        .chain(report.by_lang.iter().map(|(l, f)| (l.as_str(), f)));
    for (name, f) in rows {
        out.push_str(&format!(
            "{name:<6} {:>5}  {:>6.3}  {:>8.3}  {:>8.3}\n",
            f.n, f.top1_accuracy, f.recall_at_3, f.macro_f1
        ));
    }
    out
}
