//! The service catalogue (`datasets/catalog/`, format in its README): every
//! service with its texts, needs, channels and eligibility rules as CEL,
//! and the tables those rules read. [`rules`] judges a citizen's records
//! against a service; [`validate`] checks a catalogue folder the way
//! `navigator catalog validate` does; [`dry_run`] places those checks'
//! problems for an agency's editor.

pub mod agencies;
pub mod cost;
pub mod dry_run;
pub mod http;
pub mod review;
pub mod review_http;
pub mod rules;
pub mod validate;
pub mod work;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

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

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Localised {
    #[serde(rename = "zh-TW")]
    pub zh_tw: String,
    pub en: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct Condition {
    pub id: String,
    pub cel: String,
    pub explain: Localised,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// `unknown` when a false answer cannot decide (see the README).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_false: Option<String>,
    /// Says who the service is for (men, a region, an age): false rules
    /// the service out, but unknown neither makes the verdict unknown nor
    /// asks for records — the ranking only places it lower.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub audience: bool,
}

/// What a follow-up asks about a shown service, answered from the entry
/// itself ("how long?", "how much?", "what do I bring?").
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub amount: Option<Localised>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Localised>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documents: Option<Localised>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#where: Option<Localised>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<Localised>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<Localised>,
}

impl Facts {
    pub fn is_empty(&self) -> bool {
        self.amount.is_none()
            && self.duration.is_none()
            && self.documents.is_none()
            && self.r#where.is_none()
            && self.phone.is_none()
            && self.deadline.is_none()
            && self.notes.is_empty()
    }

    /// Every text of the facts, for checks that read them all.
    pub fn texts(&self) -> Vec<&Localised> {
        [
            &self.amount,
            &self.duration,
            &self.documents,
            &self.r#where,
            &self.deadline,
        ]
        .into_iter()
        .flatten()
        .chain(&self.notes)
        .collect()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
pub struct RuleTest {
    pub name: String,
    #[serde(default)]
    pub records: BTreeMap<String, serde_json::Value>,
    pub expect: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
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
    /// A general-purpose service (an advice or counselling line, a job
    /// bank): the ranking shows at most one such near the top.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub general: bool,
    /// Short answers to the detail questions citizens ask about it.
    #[serde(default, skip_serializing_if = "Facts::is_empty")]
    pub facts: Facts,
    /// Fields the format may grow; kept as given.
    #[serde(flatten)]
    #[schema(ignore)]
    pub other: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
struct AgencyFile {
    agency: AgencyHeader,
    services: Vec<Service>,
}

#[derive(Debug, Clone, Deserialize)]
struct AgencyHeader {
    id: String,
    /// Service-id namespaces the platform gives the agency besides its own
    /// id (`mol.bli` publishes `bli.*`); see [`agencies`].
    #[serde(default)]
    namespaces: Vec<String>,
}

/// The per-city figures rules read, as versioned data.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Tables {
    #[serde(default)]
    pub min_living_cost: BTreeMap<String, i64>,
    #[serde(default)]
    pub mid_low_threshold: BTreeMap<String, i64>,
}

#[derive(Debug, Clone)]
pub struct Catalog {
    pub services: Vec<Service>,
    /// Service id → the agency that maintains it.
    pub agencies: BTreeMap<String, String>,
    /// Agency → the namespaces its file's header gives it besides its id
    /// (only for a catalogue read from files).
    pub namespaces: BTreeMap<String, Vec<String>>,
    pub tables: Tables,
}

/// The catalogue compiled into the binary: what an empty store is seeded with.
#[derive(rust_embed::RustEmbed)]
#[folder = "datasets/catalog/"]
#[include = "*.yaml"]
#[include = "tables/*.yaml"]
struct EmbeddedCatalog;

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
        let mut catalog = Self {
            services: Vec::new(),
            agencies: BTreeMap::new(),
            namespaces: BTreeMap::new(),
            tables: tables::read(&dir.join("tables"))?,
        };
        for path in &files {
            catalog.add_file(read_yaml(path)?);
        }
        Ok(catalog)
    }

    /// The catalogue compiled into the binary.
    pub fn embedded() -> Result<Self, CatalogError> {
        let parse = |name: &str| -> Result<serde_json::Value, CatalogError> {
            let file = EmbeddedCatalog::get(name).ok_or_else(|| CatalogError::File {
                file: name.to_owned(),
                problem: "not embedded".into(),
            })?;
            serde_yaml_ng::from_slice(&file.data).map_err(|e| CatalogError::File {
                file: name.to_owned(),
                problem: e.to_string(),
            })
        };
        let mut catalog = Self {
            services: Vec::new(),
            agencies: BTreeMap::new(),
            namespaces: BTreeMap::new(),
            tables: tables::from_value(
                &parse("tables/minimum_living_cost_2026.yaml")?,
                "embedded",
            )?,
        };
        let mut names: Vec<String> = EmbeddedCatalog::iter()
            .filter(|name| !name.contains('/'))
            .map(|name| name.into_owned())
            .collect();
        names.sort();
        for name in names {
            let file: AgencyFile =
                serde_json::from_value(parse(&name)?).map_err(|e| CatalogError::File {
                    file: name.clone(),
                    problem: e.to_string(),
                })?;
            catalog.add_file(file);
        }
        Ok(catalog)
    }

    /// The catalogue as stored, with the given tables.
    pub fn from_services(services: Vec<(String, Service)>, tables: Tables) -> Self {
        let agencies = services
            .iter()
            .map(|(agency, service)| (service.id.clone(), agency.clone()))
            .collect();
        Self {
            services: services.into_iter().map(|(_, service)| service).collect(),
            agencies,
            namespaces: BTreeMap::new(),
            tables,
        }
    }

    fn add_file(&mut self, file: AgencyFile) {
        self.namespaces
            .insert(file.agency.id.clone(), file.agency.namespaces.clone());
        for service in file.services {
            self.agencies
                .insert(service.id.clone(), file.agency.id.clone());
            self.services.push(service);
        }
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
        from_value(&raw, &path.display().to_string())
    }

    pub(super) fn from_value(raw: &serde_json::Value, file: &str) -> Result<Tables, CatalogError> {
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
                file: file.to_owned(),
                problem: "needs `minimum_living_cost` and `mid_low_income_threshold` tables".into(),
            });
        }
        Ok(tables)
    }
}
