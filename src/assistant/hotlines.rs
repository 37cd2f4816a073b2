//! The hotlines put first in a crisis (`datasets/crisis/hotlines.yaml`).

use serde::{Deserialize, Serialize};

use crate::catalog::Localised;
use crate::spec::{EmbeddedData, SpecError};
use crate::understand::crisis::CrisisKind;
use crate::understand::language::Language;

#[derive(Debug, Clone, Deserialize)]
struct Entry {
    number: String,
    name: Localised,
    hours: Localised,
    kinds: Vec<CrisisKind>,
}

#[derive(Debug, Clone, Deserialize)]
struct File {
    hotlines: Vec<Entry>,
}

/// A hotline as a reply shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Hotline {
    pub number: String,
    pub name: String,
    pub hours: String,
}

#[derive(Debug, Clone)]
pub struct Hotlines {
    entries: Vec<Entry>,
}

impl Hotlines {
    pub fn embedded() -> Result<Self, SpecError> {
        const FILE: &str = "crisis/hotlines.yaml";
        let file = EmbeddedData::get(FILE).ok_or(SpecError::Missing(FILE))?;
        let parsed: File = serde_yaml_ng::from_slice(&file.data)
            .map_err(|source| SpecError::Yaml { file: FILE, source })?;
        Ok(Self {
            entries: parsed.hotlines,
        })
    }

    /// The lines for a kind of crisis, in the file's order; for a crisis of
    /// unknown kind, those for suicide and immediate danger.
    pub fn for_crisis(&self, kind: Option<CrisisKind>, language: Language) -> Vec<Hotline> {
        let wanted = |entry: &Entry| match kind {
            Some(kind) => entry.kinds.contains(&kind),
            None => entry
                .kinds
                .iter()
                .any(|k| matches!(k, CrisisKind::Suicide | CrisisKind::ImmediateDanger)),
        };
        let pick = |text: &Localised| match language {
            Language::ZhTw => text.zh_tw.clone(),
            Language::En => text.en.clone(),
        };
        self.entries
            .iter()
            .filter(|e| wanted(e))
            .map(|e| Hotline {
                number: e.number.clone(),
                name: pick(&e.name),
                hours: pick(&e.hours),
            })
            .collect()
    }
}
