//! Which records to ask for: only those that would change at least one
//! candidate's verdict. A service whose verdict is unknown names the
//! datasets that would settle it; the request is their union, each with
//! the services it decides, so the citizen sees why it is asked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::DatasetId;
use crate::recommend::Recommendation;
use crate::spec::DatasetRegistry;
use crate::understand::language::Language;

/// Why a dataset is (still) asked for.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AskStatus {
    /// Not asked before.
    #[default]
    Ask,
    /// The citizen unticked it at the last consent.
    Declined,
    /// Its agency could not deliver it at the last consent: try again.
    Unavailable,
}

/// What the last consent brought back, besides the records.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsentOutcome {
    pub declined: Vec<String>,
    pub unavailable: Vec<String>,
}

/// One dataset the assistant asks consent for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct DataAsk {
    pub dataset: String,
    /// The dataset in words (勞保投保紀錄), in the reply's language.
    #[serde(default)]
    pub name: String,
    /// The agency that holds it.
    pub agency: String,
    /// The agency in words.
    #[serde(default)]
    pub agency_name: String,
    /// The identity level its release needs.
    pub level: String,
    pub sensitive: bool,
    /// The services whose verdict it decides (ids), best placed first.
    pub decides: Vec<String>,
    /// Why, in the citizen's language.
    pub why: String,
    #[serde(default)]
    pub status: AskStatus,
}

/// The datasets that would settle the unknown verdicts among `services`.
pub fn data_request(
    services: &[Recommendation],
    registry: &DatasetRegistry,
    language: Language,
    outcome: Option<&ConsentOutcome>,
) -> Vec<DataAsk> {
    // Dataset → (place of the best placed service it decides, services).
    let mut decides: BTreeMap<&str, (usize, Vec<&Recommendation>)> = BTreeMap::new();
    for (place, service) in services.iter().enumerate() {
        for dataset in &service.would_settle {
            let entry = decides
                .entry(dataset.as_str())
                .or_insert((place, Vec::new()));
            entry.1.push(service);
        }
    }
    let mut asks: Vec<(usize, DataAsk)> = decides
        .into_iter()
        .filter_map(|(dataset, (first, services))| {
            let spec = registry.dataset(&DatasetId::parse(dataset).ok()?)?;
            let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
            let why = match language {
                Language::ZhTw => format!("用來判斷你是否符合：{}", names.join("、")),
                Language::En => format!("Decides whether you qualify for: {}", names.join(", ")),
            };
            let status = match outcome {
                Some(o) if o.unavailable.iter().any(|d| d == dataset) => AskStatus::Unavailable,
                Some(o) if o.declined.iter().any(|d| d == dataset) => AskStatus::Declined,
                _ => AskStatus::Ask,
            };
            Some((
                first,
                DataAsk {
                    dataset: dataset.to_owned(),
                    name: spec.name(language).to_owned(),
                    agency: spec.provider.as_str().to_owned(),
                    agency_name: registry
                        .provider(&spec.provider)
                        .map(|p| p.name(language).to_owned())
                        .unwrap_or_default(),
                    level: spec.loa.to_string(),
                    sensitive: spec.sensitive,
                    decides: services.iter().map(|s| s.service.clone()).collect(),
                    why,
                    status,
                },
            ))
        })
        .collect();
    // Ordered by the best placed service each one decides.
    asks.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.dataset.cmp(&b.1.dataset)));
    asks.into_iter().map(|(_, ask)| ask).collect()
}
