//! The synthetic citizens whose records the reference data providers serve
//! (`datasets/citizens/*.json`, embedded). Each file holds one person's
//! knowledge factors and one record per dataset of `datasets.yaml`.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

use crate::ids::{DatasetId, NationalId};
use crate::spec::{DatasetRegistry, EmbeddedData};

#[derive(Debug, thiserror::Error)]
pub enum CitizensError {
    #[error("{file}: {source}")]
    Json {
        file: String,
        source: serde_json::Error,
    },
    #[error("{file}: national ID {id} is used by another citizen too")]
    DuplicateId { file: String, id: String },
    #[error("{file}: dataset {dataset}: {problem}")]
    Record {
        file: String,
        dataset: String,
        problem: String,
    },
}

/// What a citizen knows and the household registry holds: the factors of a
/// low-assurance login.
#[derive(Debug, Clone, Deserialize)]
pub struct Identity {
    pub name: String,
    pub national_id: NationalId,
    pub nhi_card_number: String,
    pub id_issue_date: String,
    #[serde(default)]
    pub id_issue_type: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Citizen {
    pub id: String,
    #[serde(default)]
    pub persona_en: String,
    #[serde(default)]
    pub situations: Vec<String>,
    pub identity: Identity,
    pub records: BTreeMap<String, serde_json::Value>,
}

impl Citizen {
    pub fn record(&self, dataset: &DatasetId) -> Option<&serde_json::Value> {
        self.records.get(dataset.as_str())
    }
}

/// All synthetic citizens, by national ID.
#[derive(Debug, Clone, Default)]
pub struct CitizenDirectory {
    by_id: HashMap<NationalId, Citizen>,
}

impl CitizenDirectory {
    /// The citizens compiled into the binary, checked against the registry.
    pub fn embedded(registry: &DatasetRegistry) -> Result<Self, CitizensError> {
        let mut files: Vec<_> = EmbeddedData::iter()
            .filter(|name| name.starts_with("citizens/") && name.ends_with(".json"))
            .collect();
        files.sort();
        let mut directory = Self::default();
        for name in files {
            let Some(file) = EmbeddedData::get(&name) else {
                continue;
            };
            directory.add(&name, &file.data, registry)?;
        }
        Ok(directory)
    }

    fn add(
        &mut self,
        file: &str,
        bytes: &[u8],
        registry: &DatasetRegistry,
    ) -> Result<(), CitizensError> {
        let citizen: Citizen =
            serde_json::from_slice(bytes).map_err(|source| CitizensError::Json {
                file: file.to_owned(),
                source,
            })?;
        check_records(file, &citizen, registry)?;
        let id = citizen.identity.national_id.clone();
        if self.by_id.contains_key(&id) {
            return Err(CitizensError::DuplicateId {
                file: file.to_owned(),
                id: id.masked(),
            });
        }
        self.by_id.insert(id, citizen);
        Ok(())
    }

    pub fn get(&self, id: &NationalId) -> Option<&Citizen> {
        self.by_id.get(id)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Citizen> {
        self.by_id.values()
    }
}

/// A record must carry exactly the fields its dataset declares: providers
/// serve what the spec promises, no more (minimisation), no less.
fn check_records(
    file: &str,
    citizen: &Citizen,
    registry: &DatasetRegistry,
) -> Result<(), CitizensError> {
    let problem = |dataset: &str, problem: String| CitizensError::Record {
        file: file.to_owned(),
        dataset: dataset.to_owned(),
        problem,
    };
    if let Some(missing) = registry
        .datasets()
        .find(|spec| !citizen.records.contains_key(spec.id.as_str()))
    {
        return Err(problem(
            missing.id.as_str(),
            "the citizen has no record of it".into(),
        ));
    }
    for (dataset, record) in &citizen.records {
        let spec = DatasetId::parse(dataset)
            .ok()
            .and_then(|id| registry.dataset(&id))
            .ok_or_else(|| problem(dataset, "not a dataset of datasets.yaml".into()))?;
        let object = record
            .as_object()
            .ok_or_else(|| problem(dataset, "the record is not a JSON object".into()))?;
        if let Some(extra) = object.keys().find(|k| !spec.fields.contains(k)) {
            return Err(problem(
                dataset,
                format!("field {extra} is not in the spec"),
            ));
        }
        if let Some(missing) = spec.fields.iter().find(|f| !object.contains_key(*f)) {
            return Err(problem(dataset, format!("field {missing} is missing")));
        }
    }
    Ok(())
}
