//! From a question and the consented records to a ranked, explained list
//! of services, and for job needs the vacancies that fit. Candidates are
//! the services of the question's likeliest needs plus its semantic
//! neighbours in the catalogue; each is judged by the rules; eligible ones
//! come before unknown ones, ineligible ones are not recommended but listed
//! as checked, services already received are left out, and of two services
//! that exclude each other only the better placed stays. Within a group
//! the order is relevance to the question's needs, then to its words; in a
//! crisis the hotlines come first.

pub mod explain;
pub mod http;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::Date;

use crate::assistant::hotlines::Hotlines;
use crate::catalog::rules::{RuleEngine, Verdict};
use crate::catalog::{Catalog, Service};
use crate::index::{Filter, Item, Payload, VectorIndex};
use crate::spec::DatasetRegistry;
use crate::understand::{Understander, Understanding};
use crate::vacancies::board::VacancyBoard;
use crate::vacancies::matching::{Profile, Training, VacancyMatch, likeness};
pub use explain::Recommendation;

#[derive(Debug, thiserror::Error)]
pub enum RecommendError {
    #[error("the catalogue: {0}")]
    Catalog(String),
    #[error("embedding: {0}")]
    Embedding(String),
    #[error("the index: {0}")]
    Index(#[from] crate::index::IndexError),
}

/// How many semantic neighbours join the candidates.
const NEIGHBOURS: usize = 10;
/// How many of the likeliest needs bring in their services.
const TOP_NEEDS: usize = 3;
/// Weight of need relevance against word relevance, fixed a priori.
const NEED_WEIGHT: f32 = 0.7;
/// A service of the citizen's own city or county before a national one of
/// equal relevance; a service for fewer needs (more specific) before a
/// broad one. Small, a priori: they order near-ties, not the list.
const REGIONAL_BONUS: f32 = 0.05;
const SPECIFICITY_BONUS: f32 = 0.03;
/// Added to a curated crisis line's score in a crisis: above any relevance.
const CRISIS_PRIORITY: f32 = 10.0;
/// A service's rules taking longer than this are logged.
const SLOW_RULES: std::time::Duration = std::time::Duration::from_millis(20);
/// Vacancies shown for a job need.
const VACANCIES: usize = 5;
/// Needs for which vacancies are matched.
const JOB_NEEDS: [&str; 3] = ["job_search", "unemployment_benefit", "vocational_training"];

pub type Records = BTreeMap<String, serde_json::Value>;

#[derive(Debug, Clone, Serialize)]
pub struct Recommendations {
    pub ranked: Vec<Recommendation>,
    /// Checked and found ineligible, with the reason.
    pub not_eligible: Vec<Recommendation>,
    /// Candidates the citizen already receives (left out of `ranked`).
    pub already_receiving: Vec<Received>,
    /// For job needs: open vacancies that fit, explained.
    pub vacancies: Vec<VacancyMatch>,
    /// Parts that could not be computed (a search backend down, …).
    pub degraded: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Received {
    pub service: String,
    pub name: String,
}

/// What ranking yields before vacancies are added.
struct Ranking {
    ranked: Vec<Recommendation>,
    not_eligible: Vec<Recommendation>,
    already_receiving: Vec<Received>,
}

pub struct Recommender {
    catalog: Catalog,
    engine: RuleEngine,
    /// The platform's curated crisis lines: in a crisis only their
    /// catalogue services are ranked first, never a service for its tags.
    hotlines: Hotlines,
    services: Box<dyn VectorIndex>,
    understander: Understander,
    vacancies: Option<Arc<VacancyBoard>>,
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

fn passages(service: &Service) -> [String; 2] {
    [
        format!("{}：{}", service.name.zh_tw, service.summary.zh_tw),
        format!("{}: {}", service.name.en, service.summary.en),
    ]
}

fn receiving(records: &Records) -> BTreeSet<String> {
    records
        .get("welfare.status")
        .and_then(|w| w.get("receiving"))
        .and_then(|r| r.as_array())
        .map(|ids| {
            ids.iter()
                .filter_map(|id| id.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl Recommender {
    /// Embeds every service's name and summary in both languages into
    /// `services`; texts embedded before in this process are not redone.
    pub async fn build(
        catalog: Catalog,
        registry: &DatasetRegistry,
        understander: &Understander,
        services: Box<dyn VectorIndex>,
    ) -> Result<Self, RecommendError> {
        let engine = RuleEngine::new(&catalog, registry)
            .map_err(|e| RecommendError::Catalog(e.to_string()))?;
        let hotlines = Hotlines::embedded().map_err(|e| RecommendError::Catalog(e.to_string()))?;
        let texts: Vec<String> = catalog.services.iter().flat_map(passages).collect();
        let vectors = understander
            .embed_passages(&texts)
            .await
            .map_err(|e| RecommendError::Embedding(e.to_string()))?;
        let mut vectors = vectors.into_iter();
        let mut items = Vec::new();
        for service in &catalog.services {
            let payload = Payload {
                needs: service.needs.clone(),
                regions: regions(service),
                channels: service.channels.clone(),
                provider_type: service.provider_type.clone(),
            };
            for _ in passages(service) {
                if let Some(vector) = vectors.next() {
                    items.push(Item {
                        id: service.id.clone(),
                        vector,
                        payload: payload.clone(),
                    });
                }
            }
        }
        services.replace(items).await?;
        Ok(Self {
            catalog,
            engine,
            hotlines,
            services,
            understander: understander.clone(),
            vacancies: None,
        })
    }

    /// Matches vacancies from `board` for job needs.
    pub fn with_vacancies(mut self, board: Arc<VacancyBoard>) -> Self {
        self.vacancies = Some(board);
        self
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub async fn recommend(
        &self,
        understanding: &Understanding,
        query: &[f32],
        records: &Records,
        date: Date,
    ) -> Recommendations {
        let mut degraded = Vec::new();
        let similar: BTreeMap<String, f32> = match self
            .services
            .search(query, self.catalog.services.len(), &Filter::default())
            .await
        {
            Ok(hits) => hits.into_iter().map(|h| (h.id, h.score)).collect(),
            Err(error) => {
                tracing::warn!(%error, "service search failed; ranking by needs alone");
                degraded.push("service_search".to_owned());
                BTreeMap::new()
            }
        };
        let mut nearest: Vec<(&String, &f32)> = similar.iter().collect();
        nearest.sort_by(|a, b| b.1.total_cmp(a.1).then_with(|| a.0.cmp(b.0)));
        let neighbours: BTreeSet<&str> = nearest
            .iter()
            .take(NEIGHBOURS)
            .map(|(id, _)| id.as_str())
            .collect();
        let ranking = self.rank(understanding, &similar, &neighbours, records, date);
        let vacancies = match self
            .match_vacancies(understanding, query, records, date)
            .await
        {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(%error, "vacancy matching failed");
                degraded.push("vacancies".to_owned());
                Vec::new()
            }
        };
        Recommendations {
            ranked: ranking.ranked,
            not_eligible: ranking.not_eligible,
            already_receiving: ranking.already_receiving,
            vacancies,
            degraded,
        }
    }

    fn rank(
        &self,
        understanding: &Understanding,
        similar: &BTreeMap<String, f32>,
        neighbours: &BTreeSet<&str>,
        records: &Records,
        date: Date,
    ) -> Ranking {
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
            .and_then(|c| c.as_str());
        let receiving = receiving(records);
        let crisis_lines = if understanding.crisis.flagged {
            self.hotlines.services_for(understanding.crisis.kind)
        } else {
            Vec::new()
        };
        let mut judged: Vec<Recommendation> = Vec::new();
        let mut already_receiving = Vec::new();
        for service in &self.catalog.services {
            let by_need = service
                .needs
                .iter()
                .any(|n| top_needs.contains(&n.as_str()));
            let crisis_line = crisis_lines.iter().position(|id| *id == service.id);
            if !(by_need || neighbours.contains(service.id.as_str()) || crisis_line.is_some()) {
                continue;
            }
            if receiving.contains(&service.id) {
                already_receiving.push(Received {
                    service: service.id.clone(),
                    name: explain::text(&service.name, language),
                });
                continue;
            }
            let regional = regions(service);
            if !regional.is_empty() && city.is_some_and(|c| !regional.iter().any(|r| r == c)) {
                continue;
            }
            let started = std::time::Instant::now();
            let Some(judgement) = self.engine.judge(service, records, date) else {
                continue;
            };
            // The cost budget bounds every rule; one that still takes long
            // is a budget to tighten, so it is reported.
            let took = started.elapsed();
            if took > SLOW_RULES {
                tracing::warn!(service = %service.id, ms = took.as_millis() as u64, "slow rules");
            }
            let need = service
                .needs
                .iter()
                .filter_map(|n| need_score.get(n.as_str()))
                .fold(0.0_f32, |a, b| a.max(*b));
            let words = similar.get(&service.id).copied().unwrap_or(0.0);
            let mut score = NEED_WEIGHT * need + (1.0 - NEED_WEIGHT) * words;
            if !regional.is_empty() && city.is_some() {
                score += REGIONAL_BONUS;
            }
            score += SPECIFICITY_BONUS / service.needs.len().max(1) as f32;
            if let Some(position) = crisis_line {
                // First, in the curated list's order (1925 before 1995).
                score += CRISIS_PRIORITY - 0.01 * position as f32;
            }
            let agency = self
                .catalog
                .agencies
                .get(&service.id)
                .map_or("", String::as_str);
            judged.push(explain::recommendation(
                service, agency, &judgement, score, language,
            ));
        }
        judged.sort_by(|a, b| a.verdict.cmp(&b.verdict).then(b.score.total_cmp(&a.score)));
        let mut ranked: Vec<Recommendation> = Vec::new();
        let mut not_eligible = Vec::new();
        for recommendation in judged {
            if recommendation.verdict == Verdict::Ineligible {
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
        Ranking {
            ranked,
            not_eligible,
            already_receiving,
        }
    }

    /// The catalogue's training services this citizen is not ruled out of.
    fn training(
        &self,
        records: &Records,
        date: Date,
        understanding: &Understanding,
    ) -> Vec<Training> {
        self.catalog
            .services
            .iter()
            .filter(|s| s.needs.iter().any(|n| n == "vocational_training"))
            .filter(|s| {
                self.engine
                    .judge(s, records, date)
                    .is_some_and(|j| j.verdict != Verdict::Ineligible)
            })
            .map(|s| Training {
                service: s.id.clone(),
                name: explain::text(&s.name, understanding.language),
            })
            .collect()
    }

    async fn match_vacancies(
        &self,
        understanding: &Understanding,
        query: &[f32],
        records: &Records,
        date: Date,
    ) -> Result<Vec<VacancyMatch>, RecommendError> {
        let Some(board) = &self.vacancies else {
            return Ok(Vec::new());
        };
        let ranking = understanding.ranking();
        let asks_for_work = understanding
            .detected
            .iter()
            .map(String::as_str)
            .chain(ranking.first().copied())
            .any(|n| JOB_NEEDS.contains(&n));
        if !asks_for_work || understanding.out_of_scope {
            return Ok(Vec::new());
        }
        let profile = Profile::from_records(records, date);
        let work = match profile.work_text() {
            Some(text) => self
                .understander
                .embed_recurring_queries(&[text])
                .await
                .map_err(|e| RecommendError::Embedding(e.to_string()))?
                .into_iter()
                .next(),
            None => None,
        };
        let towards = likeness(work.as_deref(), query);
        let training = self.training(records, date, understanding);
        Ok(board
            .matches(
                &towards,
                &profile,
                &training,
                date,
                understanding.language,
                VACANCIES,
            )
            .await?)
    }
}
