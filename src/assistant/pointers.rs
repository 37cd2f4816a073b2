//! Where an off-topic message is pointed (`datasets/assistant/pointers.yaml`):
//! city matters to the 1999 citizen hotline, taxes to the tax line, and so
//! on. Off-topic messages get no services and no data request.

use serde::{Deserialize, Serialize};

use crate::catalog::Localised;
use crate::recommend::explain::text as localised;
use crate::spec::{EmbeddedData, SpecError};
use crate::understand::language::Language;

#[derive(Debug, Clone, Deserialize)]
struct Entry {
    number: String,
    name: Localised,
    about: Localised,
    #[serde(default)]
    keywords: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct File {
    default: Entry,
    pointers: Vec<Entry>,
}

/// A pointer as a reply shows it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Pointer {
    pub number: String,
    pub name: String,
    /// What it handles.
    pub about: String,
}

#[derive(Debug, Clone)]
pub struct Pointers {
    file: File,
}

impl Pointers {
    pub fn embedded() -> Result<Self, SpecError> {
        const FILE: &str = "assistant/pointers.yaml";
        let file = EmbeddedData::get(FILE).ok_or(SpecError::Missing(FILE))?;
        let parsed: File = serde_yaml_ng::from_slice(&file.data)
            .map_err(|source| SpecError::Yaml { file: FILE, source })?;
        Ok(Self { file: parsed })
    }

    /// The pointer for `text`: the first whose keywords it contains, else
    /// the citizen hotline.
    pub fn for_message(&self, text: &str, language: Language) -> Pointer {
        let lower = text.to_lowercase();
        let entry = self
            .file
            .pointers
            .iter()
            .find(|p| p.keywords.iter().any(|k| lower.contains(&k.to_lowercase())))
            .unwrap_or(&self.file.default);
        Pointer {
            number: entry.number.clone(),
            name: localised(&entry.name, language),
            about: localised(&entry.about, language),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn city_matters_go_to_1999_and_taxes_to_the_tax_line() {
        let pointers = Pointers::embedded().expect("the embedded pointers");
        assert_eq!(
            pointers.for_message("路燈壞了", Language::ZhTw).number,
            "1999"
        );
        assert_eq!(
            pointers
                .for_message("綜所稅要怎麼報稅", Language::ZhTw)
                .number,
            "0800-000-321"
        );
        assert_eq!(
            pointers
                .for_message("When is the income tax deadline?", Language::En)
                .number,
            "0800-000-321"
        );
    }
}
