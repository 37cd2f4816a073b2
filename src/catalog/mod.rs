//! The service catalogue (`datasets/catalog/`, format in its README): every
//! service with its texts, needs, channels and eligibility rules as CEL,
//! and the tables those rules read. [`rules`] judges a citizen's records
//! against a service; [`validate`] checks a catalogue folder the way
//! `navigator catalog validate` does.

pub mod rules;
pub mod validate;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use crate::ids::DatasetId;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{file}: {problem}")]
    File { file: String, problem: String },
    #[error("{service}: condition {condition}: {problem}")]
    Condition {
        service: String,
        condition: String,
        problem: String,
    },
    #[error("{0}")]
    Other(String),
}

#[derive(Debug, Clone, Deserialize)]
pub struct Localised {
    #[serde(rename = "zh-TW")]
    pub zh_tw: String,
    pub en: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Condition {
    pub id: String,
    pub cel: String,
    pub explain: Localised,
    #[serde(default)]
    pub legal_basis: Option<String>,
    /// `unknown` when a false answer cannot decide (see the README).
    #[serde(default)]
    pub if_false: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RuleTest {
    pub name: String,
    #[serde(default)]
    pub records: BTreeMap<String, serde_json::Value>,
    pub expect: String,
    #[serde(default)]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: Localised,
    pub summary: Localised,
    pub provider_type: String,
    pub needs: Vec<String>,
    pub region: serde_json::Value,
    #[serde(default)]
    pub channels: Vec<String>,
    pub how_to_apply: Localised,
    pub benefit: Localised,
    pub source: String,
    pub as_of: String,
    #[serde(default)]
    pub requires: Vec<DatasetId>,
    #[serde(default)]
    pub evidence: Vec<DatasetId>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
    #[serde(default)]
    pub to_confirm: Vec<Localised>,
    #[serde(default)]
    pub excludes: Vec<String>,
    #[serde(default)]
    pub tests: Vec<RuleTest>,
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
struct AgencyFile {
    #[allow(dead_code)]
    agency: serde_json::Value,
    services: Vec<Service>,
}

/// The per-city figures rules read, as versioned data.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Tables {
    #[serde(default)]
    pub min_living_cost: BTreeMap<String, i64>,
    #[serde(default)]
    pub mid_low_threshold: BTreeMap<String, i64>,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub services: Vec<Service>,
    pub tables: Tables,
}

fn read_yaml<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, CatalogError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| CatalogError::File {
        file: file.clone(),
        problem: e.to_string(),
    })?;
    serde_yaml_ng::from_str(&text).map_err(|e| CatalogError::File {
        file,
        problem: e.to_string(),
    })
}

impl Catalog {
    /// Every `*.yaml` of `dir` (services) and `dir/tables/` (figures).
    pub fn load(dir: &Path) -> Result<Self, CatalogError> {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| CatalogError::File {
                file: dir.display().to_string(),
                problem: e.to_string(),
            })?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
            .collect();
        files.sort();
        let mut services = Vec::new();
        for path in &files {
            let agency: AgencyFile = read_yaml(path)?;
            services.extend(agency.services);
        }
        let tables = tables::read(&dir.join("tables"))?;
        Ok(Self { services, tables })
    }

    pub fn service(&self, id: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.id == id)
    }
}

mod tables {
    use std::collections::BTreeMap;
    use std::path::Path;

    use super::{CatalogError, Tables, read_yaml};

    /// Reads the minimum-living-cost tables; the file names its tables by
    /// city under `minimum_living_cost` and `mid_low_income_threshold`.
    pub(super) fn read(dir: &Path) -> Result<Tables, CatalogError> {
        let path = dir.join("minimum_living_cost_2026.yaml");
        let raw: serde_json::Value = read_yaml(&path)?;
        let table = |key: &str| -> BTreeMap<String, i64> {
            raw.get(key)
                .and_then(|v| v.as_object())
                .map(|cities| {
                    cities
                        .iter()
                        .filter_map(|(city, v)| Some((city.clone(), v.as_i64()?)))
                        .collect()
                })
                .unwrap_or_default()
        };
        let tables = Tables {
            min_living_cost: table("minimum_living_cost"),
            mid_low_threshold: table("mid_low_income_threshold"),
        };
        if tables.min_living_cost.is_empty() || tables.mid_low_threshold.is_empty() {
            return Err(CatalogError::File {
                file: path.display().to_string(),
                problem: "needs `minimum_living_cost` and `mid_low_income_threshold` tables".into(),
            });
        }
        Ok(tables)
    }
}
