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
    /// The catalogue service of this line, if there is one.
    #[serde(default)]
    service: Option<String>,
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

    /// The entries for a kind of crisis, in the file's order; for a crisis
    /// of unknown kind, those for suicide and immediate danger.
    fn wanted(&self, kind: Option<CrisisKind>) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |entry| match kind {
            Some(kind) => entry.kinds.contains(&kind),
            None => entry
                .kinds
                .iter()
                .any(|k| matches!(k, CrisisKind::Suicide | CrisisKind::ImmediateDanger)),
        })
    }

    /// The catalogue services of the lines for a kind of crisis, in the
    /// file's order: the only services a crisis ranks first.
    pub fn services_for(&self, kind: Option<CrisisKind>) -> Vec<String> {
        self.wanted(kind)
            .filter_map(|entry| entry.service.clone())
            .collect()
    }

    /// The lines for a kind of crisis, in the file's order; for a crisis of
    /// unknown kind, those for suicide and immediate danger.
    pub fn for_crisis(&self, kind: Option<CrisisKind>, language: Language) -> Vec<Hotline> {
        let pick = |text: &Localised| match language {
            Language::ZhTw => text.zh_tw.clone(),
            Language::En => text.en.clone(),
        };
        self.wanted(kind)
            .map(|e| Hotline {
                number: e.number.clone(),
                name: pick(&e.name),
                hours: pick(&e.hours),
            })
            .collect()
    }
}
