//! Turning a rule judgement into the words a citizen reads, in the
//! language they asked in.

use serde::{Deserialize, Serialize};

use crate::catalog::rules::{Judgement, Truth, Verdict};
use crate::catalog::{Localised, Service};
use crate::understand::language::Language;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Recommendation {
    pub service: String,
    pub name: String,
    pub agency: String,
    pub verdict: Verdict,
    /// The place in the ranking: relevance, and the verdict for near-ties.
    pub score: f32,
    /// How well it fits the question (its needs and words), 0 to ~1.
    #[serde(default)]
    pub relevance: f32,
    /// A general-purpose line rather than help for this situation.
    #[serde(default)]
    pub general: bool,
    /// What it is, in a sentence.
    #[serde(default)]
    pub summary: String,
    /// Why: the conditions met (eligible), still open (unknown) or failed
    /// (ineligible), each in the rule's own words.
    pub reasons: Vec<String>,
    /// For unknown: the records that would settle it.
    pub would_settle: Vec<String>,
    /// Conditions only the agency can confirm.
    pub to_confirm: Vec<String>,
    pub benefit: String,
    pub next_step: String,
    pub channels: Vec<String>,
    pub source: String,
    /// Shown services that cannot be received together with this one: the
    /// citizen chooses (二擇一).
    #[serde(default)]
    pub choose_one_of: Vec<String>,
    /// Services the citizen already receives that exclude this one.
    #[serde(default)]
    pub conflicts_with_received: Vec<String>,
}

pub fn text(localised: &Localised, language: Language) -> String {
    match language {
        Language::ZhTw => localised.zh_tw.clone(),
        Language::En => localised.en.clone(),
    }
}

pub fn recommendation(
    service: &Service,
    agency: &str,
    judgement: &Judgement,
    score: f32,
    language: Language,
) -> Recommendation {
    let deciding = match judgement.verdict {
        Verdict::Eligible => Truth::True,
        Verdict::Unknown => Truth::Unknown,
        Verdict::Ineligible => Truth::False,
    };
    let reasons = judgement
        .conditions
        .iter()
        .filter(|c| c.truth == deciding)
        .filter_map(|c| service.conditions.iter().find(|s| s.id == c.id))
        .map(|c| text(&c.explain, language))
        .collect();
    Recommendation {
        service: service.id.clone(),
        name: text(&service.name, language),
        agency: agency.to_owned(),
        verdict: judgement.verdict,
        score,
        relevance: score,
        general: service.general,
        summary: text(&service.summary, language),
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
        benefit: text(&service.benefit, language),
        next_step: text(&service.how_to_apply, language),
        channels: service.channels.clone(),
        source: service.source.clone(),
        choose_one_of: Vec::new(),
        conflicts_with_received: Vec::new(),
    }
}
