//! The need taxonomy (`datasets/spec/needs.yaml`): what a question can be
//! about, and which datasets each need may ask consent for. Ids are stable:
//! evaluation files and the catalogue refer to them.

use serde::Deserialize;

use crate::ids::DatasetId;
use crate::spec::{EmbeddedData, SpecError};

/// The need a question gets when it is about no public or welfare service.
pub const OUT_OF_SCOPE: &str = "out_of_scope";

#[derive(Debug, Clone, Deserialize)]
pub struct Need {
    pub id: String,
    pub zh: String,
    pub en: String,
    #[serde(default)]
    pub core: Vec<DatasetId>,
    #[serde(default)]
    pub extra: Vec<DatasetId>,
}

#[derive(Debug, Clone)]
pub struct NeedRegistry {
    needs: Vec<Need>,
}

#[derive(Deserialize)]
struct RawFile {
    needs: Vec<Need>,
}

impl NeedRegistry {
    pub fn embedded() -> Result<Self, SpecError> {
        const FILE: &str = "spec/needs.yaml";
        let file = EmbeddedData::get(FILE).ok_or(SpecError::Missing(FILE))?;
        let raw: RawFile = serde_yaml_ng::from_slice(&file.data)
            .map_err(|source| SpecError::Yaml { file: FILE, source })?;
        Ok(Self { needs: raw.needs })
    }

    /// Needs in the file's order; a classifier's outputs follow it.
    pub fn all(&self) -> &[Need] {
        &self.needs
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.needs.iter().map(|n| n.id.as_str())
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.needs.iter().position(|n| n.id == id)
    }

    pub fn get(&self, id: &str) -> Option<&Need> {
        self.needs.iter().find(|n| n.id == id)
    }

    pub fn len(&self) -> usize {
        self.needs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.needs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_taxonomy_has_its_stable_ids() {
        let needs = NeedRegistry::embedded().unwrap();
        assert_eq!(needs.len(), 23);
        assert_eq!(needs.index_of("job_search"), Some(0));
        assert!(needs.get(OUT_OF_SCOPE).is_some());
        assert!(needs.get("unemployment_benefit").unwrap().core.len() == 1);
    }
}
