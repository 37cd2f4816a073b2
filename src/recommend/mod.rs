//! From a question and the consented records to a ranked, explained list
//! of services, and for job needs the vacancies that fit. Candidates are
//! the services of the question's likeliest needs plus its semantic
//! neighbours in the catalogue; each is judged by the rules. The order is
//! relevance to the question (its needs, then its words); the verdict only
//! breaks near-ties (eligible before unknown), ineligible ones are not
//! recommended but listed as checked, services already received are left
//! out, general-purpose lines are capped near the top, candidates far less
//! relevant than the best are dropped, and two services that exclude each
//! other are both shown as a choice. In a crisis the hotlines come first.

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
/// A general-purpose line (advice, counselling, a job bank) stands below
/// specific help of similar relevance.
const GENERAL_PENALTY: f32 = 0.1;
/// A public or charitable service before a commercial one of equal
/// relevance (a job bank after the public employment service).
const COMMERCIAL_PENALTY: f32 = 0.08;
/// At most this many general-purpose services among the first
/// `GENERAL_WINDOW`.
const GENERAL_CAP: usize = 1;
const GENERAL_WINDOW: usize = 5;
/// A service whose audience cannot be checked (a men's line, gender
/// unknown) stands below specific help of similar relevance.
const AUDIENCE_PENALTY: f32 = 0.15;
/// The verdict orders services of comparable relevance only: within
/// this much, an eligible one comes before an unknown one.
const ELIGIBLE_BONUS: f32 = 0.05;
/// Candidates below this relevance, or below this share of the best
/// candidate's, are not shown: low enough that a question's second need
/// ("…也想找人聊聊") keeps its services, high enough to drop strays.
const RELEVANCE_FLOOR: f32 = 0.08;
const RELATIVE_FLOOR: f32 = 0.12;
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
    /// A job need, but no city is recorded or named: vacancies wait until
    /// the citizen says where they look for work.
    pub region_unknown: bool,
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
        let (vacancies, region_unknown) = match self
            .match_vacancies(understanding, query, records, date)
            .await
        {
            Ok(Some(found)) => (found, false),
            Ok(None) => (Vec::new(), true),
            Err(error) => {
                tracing::warn!(%error, "vacancy matching failed");
                degraded.push("vacancies".to_owned());
                (Vec::new(), false)
            }
        };
        Recommendations {
            ranked: ranking.ranked,
            not_eligible: ranking.not_eligible,
            already_receiving: ranking.already_receiving,
            vacancies,
            region_unknown,
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
        // The recorded city, else the one the citizen named.
        let city = records
            .get("household.registration")
            .and_then(|r| r.get("city"))
            .and_then(|c| c.as_str())
            .or(understanding.place.as_deref());
        let receiving = receiving(records);
        let crisis_lines = if understanding.crisis.flagged {
            self.hotlines.services_for(understanding.crisis.kind)
        } else {
            Vec::new()
        };
        let likeness = Likeness::of(similar);
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
            if judgement.audience_open
                && self.meant_for_others(service, understanding, records, date)
            {
                continue;
            }
            let need = service
                .needs
                .iter()
                .filter_map(|n| need_score.get(n.as_str()))
                .fold(0.0_f32, |a, b| a.max(*b));
            let words = likeness.relative(similar.get(&service.id).copied());
            let mut relevance = NEED_WEIGHT * need + (1.0 - NEED_WEIGHT) * words;
            if !regional.is_empty() && city.is_some() {
                relevance += REGIONAL_BONUS;
            }
            relevance += SPECIFICITY_BONUS / service.needs.len().max(1) as f32;
            if service.general {
                relevance -= GENERAL_PENALTY;
            }
            if service.provider_type == "private" {
                relevance -= COMMERCIAL_PENALTY;
            }
            if judgement.audience_open {
                relevance -= AUDIENCE_PENALTY;
            }
            let mut score = relevance;
            if judgement.verdict == Verdict::Eligible {
                score += ELIGIBLE_BONUS;
            }
            if let Some(position) = crisis_line {
                // First, in the curated list's order (1925 before 1995).
                score += CRISIS_PRIORITY - 0.01 * position as f32;
            }
            let agency = self
                .catalog
                .agencies
                .get(&service.id)
                .map_or("", String::as_str);
            let mut recommendation =
                explain::recommendation(service, agency, &judgement, score, language);
            recommendation.relevance = relevance;
            recommendation.general = service.general;
            recommendation.conflicts_with_received = service
                .excludes
                .iter()
                .filter(|id| receiving.contains(*id))
                .filter_map(|id| self.catalog.service(id))
                .map(|s| explain::text(&s.name, language))
                .collect();
            judged.push(recommendation);
        }
        judged.sort_by(|a, b| b.score.total_cmp(&a.score));
        // The floor is set by relevance alone, before the verdicts part
        // the list: which services are considered does not depend on
        // which records happened to arrive.
        let (not_eligible, candidates): (Vec<_>, Vec<_>) = above_floor(judged)
            .into_iter()
            .partition(|r| r.verdict == Verdict::Ineligible);
        let ranked = self.choices(cap_general(candidates));
        Ranking {
            ranked,
            not_eligible,
            already_receiving,
        }
    }

    /// Whether what the citizen said about themselves (their gender) fails
    /// one of the service's audience conditions that no record could check.
    fn meant_for_others(
        &self,
        service: &Service,
        understanding: &Understanding,
        records: &Records,
        date: Date,
    ) -> bool {
        let Some(gender) = &understanding.stated_gender else {
            return false;
        };
        if records.contains_key("household.registration") {
            return false;
        }
        let mut stated = records.clone();
        stated.insert(
            "household.registration".to_owned(),
            serde_json::json!({ "gender": gender }),
        );
        let Some(judgement) = self.engine.judge(service, &stated, date) else {
            return false;
        };
        judgement.conditions.iter().any(|result| {
            result.truth == crate::catalog::rules::Truth::False
                && service
                    .conditions
                    .iter()
                    .any(|c| c.id == result.id && c.audience)
        })
    }

    /// Two shown services that exclude each other are a choice: each names
    /// the other.
    fn choices(&self, mut ranked: Vec<Recommendation>) -> Vec<Recommendation> {
        let shown: Vec<(String, String)> = ranked
            .iter()
            .map(|r| (r.service.clone(), r.name.clone()))
            .collect();
        for recommendation in &mut ranked {
            let Some(service) = self.catalog.service(&recommendation.service) else {
                continue;
            };
            recommendation.choose_one_of = shown
                .iter()
                .filter(|(id, _)| {
                    service.excludes.contains(id)
                        || self
                            .catalog
                            .service(id)
                            .is_some_and(|other| other.excludes.contains(&service.id))
                })
                .map(|(_, name)| name.clone())
                .collect();
        }
        ranked
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

    /// Vacancies for a job need; `None` when the citizen's region is not
    /// known yet.
    async fn match_vacancies(
        &self,
        understanding: &Understanding,
        query: &[f32],
        records: &Records,
        date: Date,
    ) -> Result<Option<Vec<VacancyMatch>>, RecommendError> {
        let Some(board) = &self.vacancies else {
            return Ok(Some(Vec::new()));
        };
        let ranking = understanding.ranking();
        let asks_for_work = understanding
            .detected
            .iter()
            .map(String::as_str)
            .chain(ranking.first().copied())
            .any(|n| JOB_NEEDS.contains(&n));
        if !asks_for_work || understanding.out_of_scope {
            return Ok(Some(Vec::new()));
        }
        let mut profile = Profile::from_records(records, date);
        if profile.city.is_none() {
            profile.city = understanding.place.clone();
        }
        // Vacancies from anywhere in the country help nobody: until the
        // citizen's region is known, the reply asks where they look.
        if profile.city.is_none() {
            return Ok(None);
        }
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
        Ok(Some(
            board
                .matches(
                    &towards,
                    &profile,
                    &training,
                    date,
                    understanding.language,
                    VACANCIES,
                )
                .await?,
        ))
    }
}

/// How alike the question is to each service, relative to the whole
/// catalogue: multilingual-e5 similarities crowd into a narrow band, so
/// the median service counts 0 and the nearest 1.
struct Likeness {
    median: f32,
    best: f32,
}

impl Likeness {
    fn of(similar: &BTreeMap<String, f32>) -> Self {
        let mut scores: Vec<f32> = similar.values().copied().collect();
        scores.sort_by(f32::total_cmp);
        let median = scores.get(scores.len() / 2).copied().unwrap_or(0.0);
        let best = scores.last().copied().unwrap_or(0.0);
        Self { median, best }
    }

    fn relative(&self, score: Option<f32>) -> f32 {
        let Some(score) = score else { return 0.0 };
        let spread = self.best - self.median;
        if spread <= f32::EPSILON {
            return 0.0;
        }
        ((score - self.median) / spread).clamp(0.0, 1.0)
    }
}

/// Drops candidates far less relevant than the best one; crisis lines
/// (scored above any relevance) always stay.
fn above_floor(candidates: Vec<Recommendation>) -> Vec<Recommendation> {
    let best = candidates
        .iter()
        .map(|r| r.relevance)
        .fold(f32::MIN, f32::max);
    let floor = RELEVANCE_FLOOR.max(RELATIVE_FLOOR * best);
    candidates
        .into_iter()
        .filter(|r| r.relevance >= floor || r.score >= CRISIS_PRIORITY - 1.0)
        .collect()
}

/// At most [`GENERAL_CAP`] general-purpose services among the first
/// [`GENERAL_WINDOW`]; the others move below the window, in order.
fn cap_general(ranked: Vec<Recommendation>) -> Vec<Recommendation> {
    let mut top = Vec::new();
    let mut later = Vec::new();
    let mut generals = 0;
    for recommendation in ranked {
        let crisis_line = recommendation.score >= CRISIS_PRIORITY - 1.0;
        if top.len() < GENERAL_WINDOW && recommendation.general && !crisis_line {
            if generals < GENERAL_CAP {
                generals += 1;
                top.push(recommendation);
            } else {
                later.push(recommendation);
            }
        } else if top.len() < GENERAL_WINDOW {
            top.push(recommendation);
        } else {
            later.push(recommendation);
        }
    }
    top.extend(later);
    top
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, relevance: f32, verdict: Verdict, general: bool) -> Recommendation {
        Recommendation {
            service: id.to_owned(),
            name: id.to_owned(),
            agency: String::new(),
            verdict,
            score: relevance
                + if verdict == Verdict::Eligible {
                    ELIGIBLE_BONUS
                } else {
                    0.0
                },
            relevance,
            general,
            summary: String::new(),
            reasons: Vec::new(),
            would_settle: Vec::new(),
            to_confirm: Vec::new(),
            benefit: String::new(),
            next_step: String::new(),
            channels: Vec::new(),
            source: String::new(),
            choose_one_of: Vec::new(),
            conflicts_with_received: Vec::new(),
        }
    }

    fn ids(ranked: &[Recommendation]) -> Vec<&str> {
        ranked.iter().map(|r| r.service.as_str()).collect()
    }

    #[test]
    fn at_most_one_general_line_near_the_top() {
        let ranked = vec![
            candidate("hotline_a", 0.9, Verdict::Eligible, true),
            candidate("hotline_b", 0.85, Verdict::Eligible, true),
            candidate("benefit", 0.8, Verdict::Unknown, false),
            candidate("job_bank", 0.7, Verdict::Eligible, true),
            candidate("allowance", 0.6, Verdict::Unknown, false),
            candidate("loan", 0.5, Verdict::Unknown, false),
            candidate("grant", 0.4, Verdict::Unknown, false),
        ];
        let capped = cap_general(ranked);
        assert_eq!(
            ids(&capped),
            [
                "hotline_a",
                "benefit",
                "allowance",
                "loan",
                "grant",
                "hotline_b",
                "job_bank"
            ]
        );
    }

    #[test]
    fn candidates_far_below_the_best_are_dropped() {
        let kept = above_floor(vec![
            candidate("asked_for", 0.8, Verdict::Unknown, false),
            candidate("related", 0.2, Verdict::Unknown, false),
            candidate("stray", 0.09, Verdict::Eligible, false),
        ]);
        assert_eq!(ids(&kept), ["asked_for", "related"]);
        let mut line = candidate("crisis_line", 0.0, Verdict::Eligible, true);
        line.score = CRISIS_PRIORITY;
        let kept = above_floor(vec![
            candidate("asked_for", 0.8, Verdict::Unknown, false),
            line,
        ]);
        assert_eq!(
            ids(&kept),
            ["asked_for", "crisis_line"],
            "a crisis line always stays"
        );
    }

    #[test]
    fn the_verdict_orders_only_near_ties() {
        let mut judged = vec![
            candidate("eligible_but_generic", 0.5, Verdict::Eligible, false),
            candidate("asked_for", 0.8, Verdict::Unknown, false),
            candidate("close_second", 0.78, Verdict::Eligible, false),
        ];
        judged.sort_by(|a, b| b.score.total_cmp(&a.score));
        assert_eq!(
            ids(&judged),
            ["close_second", "asked_for", "eligible_but_generic"]
        );
    }

    #[test]
    fn likeness_is_relative_to_the_catalogue() {
        let similar: BTreeMap<String, f32> = [("a", 0.80), ("b", 0.82), ("c", 0.84), ("d", 0.90)]
            .into_iter()
            .map(|(id, s)| (id.to_owned(), s))
            .collect();
        let likeness = Likeness::of(&similar);
        assert_eq!(likeness.relative(Some(0.90)), 1.0);
        assert_eq!(likeness.relative(Some(0.80)), 0.0);
        assert!((likeness.relative(Some(0.87)) - 0.5).abs() < 1e-3);
        assert_eq!(likeness.relative(None), 0.0);
    }
}
