//! From a question and the consented records to a ranked, explained list
//! of services. Candidates are the services of the question's likeliest
//! needs plus its semantic neighbours in the catalogue; each is judged by
//! the rules; eligible ones come before unknown ones, ineligible ones are
//! not recommended but listed as checked, services already received are
//! left out, and of two services that exclude each other only the better
//! placed stays. Within a group the order is relevance to the question's
//! needs, then to its words; in a crisis the hotlines come first.

pub mod index;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use time::Date;

use crate::catalog::rules::{Judgement, RuleEngine, Truth, Verdict};
use crate::catalog::{Catalog, Localised, Service};
use crate::spec::DatasetRegistry;
use crate::understand::language::Language;
use crate::understand::{Understander, Understanding};
use index::{ExactIndex, Filter, Payload, VectorIndex};

#[derive(Debug, thiserror::Error)]
pub enum RecommendError {
    #[error("the catalogue: {0}")]
    Catalog(String),
    #[error("embedding the catalogue: {0}")]
    Embedding(String),
}

/// How many semantic neighbours join the candidates.
const NEIGHBOURS: usize = 10;
/// How many of the likeliest needs bring in their services.
const TOP_NEEDS: usize = 3;
/// Weight of need relevance against word relevance, fixed a priori.
const NEED_WEIGHT: f32 = 0.7;

#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub service: String,
    pub name: String,
    pub verdict: Verdict,
    pub score: f32,
    /// Why: the conditions met (or, for unknown, those still open).
    pub reasons: Vec<String>,
    /// For unknown: the records that would settle it.
    pub would_settle: Vec<String>,
    /// Conditions only the agency can confirm.
    pub to_confirm: Vec<String>,
    pub next_step: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recommendations {
    pub ranked: Vec<Recommendation>,
    /// Checked and found ineligible, with the reason.
    pub not_eligible: Vec<Recommendation>,
}

pub struct Recommender {
    catalog: Catalog,
    engine: RuleEngine,
    index: ExactIndex,
}

fn text(localised: &Localised, language: Language) -> String {
    match language {
        Language::ZhTw => localised.zh_tw.clone(),
        Language::En => localised.en.clone(),
    }
}

fn regions(service: &Service) -> Vec<String> {
    match &service.region {
        serde_json::Value::Array(cities) => cities
            .iter()
            .filter_map(|c| c.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

/// A hotline for the kind of crisis at hand.
fn crisis_line(service: &Service) -> bool {
    service.channels.iter().any(|c| c == "phone")
        && service
            .needs
            .iter()
            .any(|n| matches!(n.as_str(), "mental_health" | "domestic_violence"))
}

impl Recommender {
    /// Embeds every service's name and summary in both languages.
    pub fn build(
        catalog: Catalog,
        registry: &DatasetRegistry,
        understander: &Understander,
    ) -> Result<Self, RecommendError> {
        let engine = RuleEngine::new(&catalog, registry)
            .map_err(|e| RecommendError::Catalog(e.to_string()))?;
        let passages: Vec<String> = catalog
            .services
            .iter()
            .flat_map(|s| {
                [
                    format!("{}：{}", s.name.zh_tw, s.summary.zh_tw),
                    format!("{}: {}", s.name.en, s.summary.en),
                ]
            })
            .collect();
        let refs: Vec<&str> = passages.iter().map(String::as_str).collect();
        let embedder = understander.pool().embedder();
        let vectors = embedder
            .embed_passages(&refs)
            .map_err(|e| RecommendError::Embedding(e.to_string()))?;
        let mut index = ExactIndex::new(embedder.dim());
        for (i, vector) in vectors.iter().enumerate() {
            if let Some(service) = catalog.services.get(i / 2) {
                let payload = Payload {
                    needs: service.needs.clone(),
                    regions: regions(service),
                };
                index.add(&service.id, vector, payload);
            }
        }
        Ok(Self {
            catalog,
            engine,
            index,
        })
    }

    pub fn recommend(
        &self,
        understanding: &Understanding,
        query: &[f32],
        records: &BTreeMap<String, serde_json::Value>,
        date: Date,
    ) -> Recommendations {
        let language = understanding.language;
        let need_score: BTreeMap<&str, f32> = understanding
            .needs
            .iter()
            .map(|n| (n.id.as_str(), n.score))
            .collect();
        let top_needs: Vec<&str> = understanding
            .ranking()
            .into_iter()
            .take(TOP_NEEDS)
            .collect();
        let city = records
            .get("household.registration")
            .and_then(|r| r.get("city"))
            .and_then(|c| c.as_str())
            .map(str::to_owned);
        let similar: BTreeMap<String, f32> = self
            .index
            .search(query, self.catalog.services.len(), &Filter::default())
            .into_iter()
            .collect();
        let neighbours: BTreeSet<&str> = self
            .index
            .search(query, NEIGHBOURS, &Filter::default())
            .iter()
            .filter_map(|(id, _)| self.catalog.service(id).map(|s| s.id.as_str()))
            .collect();
        let receiving: BTreeSet<String> = records
            .get("welfare.status")
            .and_then(|w| w.get("receiving"))
            .and_then(|r| r.as_array())
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| id.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let mut judged: Vec<(Recommendation, Verdict)> = Vec::new();
        for service in &self.catalog.services {
            let by_need = service
                .needs
                .iter()
                .any(|n| top_needs.contains(&n.as_str()));
            if !(by_need || neighbours.contains(service.id.as_str())) {
                continue;
            }
            if receiving.contains(&service.id) {
                continue;
            }
            let regional = regions(service);
            if !regional.is_empty() && city.as_ref().is_some_and(|c| !regional.contains(c)) {
                continue;
            }
            let Some(judgement) = self.engine.judge(service, records, date) else {
                continue;
            };
            let need = service
                .needs
                .iter()
                .filter_map(|n| need_score.get(n.as_str()))
                .fold(0.0_f32, |a, b| a.max(*b));
            let words = similar.get(&service.id).copied().unwrap_or(0.0);
            let mut score = NEED_WEIGHT * need + (1.0 - NEED_WEIGHT) * words;
            if understanding.crisis.flagged && crisis_line(service) {
                score += 10.0;
            }
            let verdict = judgement.verdict;
            judged.push((self.explain(service, &judgement, score, language), verdict));
        }
        judged.sort_by(|a, b| a.1.cmp(&b.1).then(b.0.score.total_cmp(&a.0.score)));
        let mut ranked: Vec<Recommendation> = Vec::new();
        let mut not_eligible = Vec::new();
        for (recommendation, verdict) in judged {
            if verdict == Verdict::Ineligible {
                not_eligible.push(recommendation);
                continue;
            }
            let excluded = self
                .catalog
                .service(&recommendation.service)
                .is_some_and(|s| ranked.iter().any(|r| s.excludes.contains(&r.service)));
            if !excluded {
                ranked.push(recommendation);
            }
        }
        Recommendations {
            ranked,
            not_eligible,
        }
    }

    fn explain(
        &self,
        service: &Service,
        judgement: &Judgement,
        score: f32,
        language: Language,
    ) -> Recommendation {
        let wanted = match judgement.verdict {
            Verdict::Eligible => Truth::True,
            Verdict::Unknown => Truth::Unknown,
            Verdict::Ineligible => Truth::False,
        };
        let reasons = judgement
            .conditions
            .iter()
            .filter(|c| c.truth == wanted)
            .filter_map(|c| service.conditions.iter().find(|s| s.id == c.id))
            .map(|c| text(&c.explain, language))
            .collect();
        Recommendation {
            service: service.id.clone(),
            name: text(&service.name, language),
            verdict: judgement.verdict,
            score,
            reasons,
            would_settle: judgement
                .would_settle
                .iter()
                .map(ToString::to_string)
                .collect(),
            to_confirm: service
                .to_confirm
                .iter()
                .map(|t| text(t, language))
                .collect(),
            next_step: text(&service.how_to_apply, language),
        }
    }
}
