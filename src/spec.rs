//! The dataset registry: which agency serves which dataset, with which
//! fields and at which level of assurance. It is read from
//! `datasets/spec/datasets.yaml`, embedded in the binary, so that agencies'
//! facts stay data and the binary runs without its source tree.

use std::collections::BTreeMap;

use rust_embed::RustEmbed;
use serde::Deserialize;

use crate::ids::{AgencyId, DatasetId, Level};

/// Files under `datasets/` that the binary carries with it.
#[derive(RustEmbed)]
#[folder = "datasets/"]
#[include = "spec/*.yaml"]
#[include = "citizens/*.json"]
#[include = "crisis/lexicon.yaml"]
#[include = "crisis/hotlines.yaml"]
#[include = "assistant/*.yaml"]
#[include = "pki/*.cert.pem"]
#[include = "pki/*.crl.pem"]
pub struct EmbeddedData;

#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("embedded file {0} is missing from the binary")]
    Missing(&'static str),
    #[error("{file}: {source}")]
    Yaml {
        file: &'static str,
        source: serde_yaml_ng::Error,
    },
    #[error("datasets.yaml: dataset {dataset} names provider {provider}, which is not declared")]
    UnknownProvider { dataset: String, provider: String },
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProviderSpec {
    pub id: AgencyId,
    pub zh: String,
    pub en: String,
}

impl ProviderSpec {
    /// Its name in `language`'s words.
    pub fn name(&self, language: crate::understand::language::Language) -> &str {
        match language {
            crate::understand::language::Language::ZhTw => &self.zh,
            crate::understand::language::Language::En => &self.en,
        }
    }
}

#[derive(Debug, Clone)]
pub struct DatasetSpec {
    pub id: DatasetId,
    /// Its name as a citizen reads it (勞保投保紀錄), the id when none.
    pub zh: String,
    pub en: String,
    pub provider: AgencyId,
    pub loa: Level,
    pub sensitive: bool,
    /// Top-level field names, in the order the spec lists them.
    pub fields: Vec<String>,
    /// A record holding nothing: `false`, `0`, `[]` or `null` per field's
    /// type. Rules bind it for an absent dataset they read only as
    /// evidence, so that its absence neither helps nor blocks.
    pub empty_record: serde_json::Value,
    /// The fields' types as the spec writes them.
    pub types: serde_yaml_ng::Value,
}

impl DatasetSpec {
    /// Its name in `language`'s words.
    pub fn name(&self, language: crate::understand::language::Language) -> &str {
        match language {
            crate::understand::language::Language::ZhTw => &self.zh,
            crate::understand::language::Language::En => &self.en,
        }
    }

    /// Whether `record` fits this dataset's field types; fields may be
    /// missing. The error names the field (`records.<id>.<field>`).
    pub fn check_record(&self, record: &serde_json::Value) -> Result<(), String> {
        crate::record_types::check(&self.types, record, &format!("records.{}", self.id))
    }
}

/// The "nothing" value of a field from its type in the spec.
fn empty_value(kind: &serde_yaml_ng::Value) -> serde_json::Value {
    use serde_json::Value;
    match kind {
        serde_yaml_ng::Value::Sequence(_) => Value::Array(Vec::new()),
        serde_yaml_ng::Value::Mapping(_) => Value::Object(serde_json::Map::new()),
        serde_yaml_ng::Value::String(text) if text.starts_with("bool") => Value::Bool(false),
        serde_yaml_ng::Value::String(text) if text.starts_with("int") => Value::from(0),
        _ => Value::Null,
    }
}

#[derive(Deserialize)]
struct RawFile {
    providers: Vec<ProviderSpec>,
    datasets: Vec<RawDataset>,
}

#[derive(Deserialize)]
struct RawDataset {
    id: DatasetId,
    /// Its name as a citizen reads it.
    #[serde(default)]
    zh: Option<String>,
    #[serde(default)]
    en: Option<String>,
    provider: AgencyId,
    loa: Level,
    #[serde(default)]
    sensitive: bool,
    fields: serde_yaml_ng::Mapping,
}

#[derive(Debug, Clone)]
pub struct DatasetRegistry {
    providers: Vec<ProviderSpec>,
    datasets: BTreeMap<DatasetId, DatasetSpec>,
}

impl DatasetRegistry {
    /// The registry compiled into the binary.
    pub fn embedded() -> Result<Self, SpecError> {
        const FILE: &str = "spec/datasets.yaml";
        let file = EmbeddedData::get(FILE).ok_or(SpecError::Missing(FILE))?;
        Self::from_yaml(&file.data, FILE)
    }

    pub fn from_yaml(bytes: &[u8], file: &'static str) -> Result<Self, SpecError> {
        let raw: RawFile =
            serde_yaml_ng::from_slice(bytes).map_err(|source| SpecError::Yaml { file, source })?;
        let mut datasets = BTreeMap::new();
        for dataset in raw.datasets {
            if !raw.providers.iter().any(|p| p.id == dataset.provider) {
                return Err(SpecError::UnknownProvider {
                    dataset: dataset.id.to_string(),
                    provider: dataset.provider.to_string(),
                });
            }
            let fields = dataset
                .fields
                .keys()
                .filter_map(|key| key.as_str().map(str::to_owned))
                .collect();
            let empty_record = serde_json::Value::Object(
                dataset
                    .fields
                    .iter()
                    .filter_map(|(key, kind)| Some((key.as_str()?.to_owned(), empty_value(kind))))
                    .collect(),
            );
            let spec = DatasetSpec {
                id: dataset.id.clone(),
                zh: dataset.zh.clone().unwrap_or_else(|| dataset.id.to_string()),
                en: dataset.en.clone().unwrap_or_else(|| dataset.id.to_string()),
                provider: dataset.provider,
                loa: dataset.loa,
                sensitive: dataset.sensitive,
                fields,
                empty_record,
                types: serde_yaml_ng::Value::Mapping(dataset.fields.clone()),
            };
            datasets.insert(dataset.id, spec);
        }
        Ok(Self {
            providers: raw.providers,
            datasets,
        })
    }

    pub fn providers(&self) -> &[ProviderSpec] {
        &self.providers
    }

    pub fn provider(&self, id: &AgencyId) -> Option<&ProviderSpec> {
        self.providers.iter().find(|p| &p.id == id)
    }

    pub fn dataset(&self, id: &DatasetId) -> Option<&DatasetSpec> {
        self.datasets.get(id)
    }

    pub fn datasets(&self) -> impl Iterator<Item = &DatasetSpec> {
        self.datasets.values()
    }

    pub fn datasets_of<'a>(
        &'a self,
        agency: &'a AgencyId,
    ) -> impl Iterator<Item = &'a DatasetSpec> {
        self.datasets
            .values()
            .filter(move |d| &d.provider == agency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_registry_has_six_providers_and_their_datasets() {
        let registry = DatasetRegistry::embedded().unwrap();
        assert_eq!(registry.providers().len(), 6);
        assert_eq!(registry.datasets().count(), 9);
        let visits = registry
            .dataset(&DatasetId::parse("health.medical_visits").unwrap())
            .unwrap();
        assert_eq!(visits.loa, Level::High);
        assert!(visits.sensitive);
        assert_eq!(
            visits.fields,
            ["last_12_months", "out_of_pocket_last_12_months"]
        );
        for provider in registry.providers() {
            assert!(
                registry.datasets_of(&provider.id).count() >= 1,
                "{}",
                provider.id
            );
        }
    }
}
