//! Labelled messages in JSON Lines: the needs training files, the crisis
//! training file and the evaluation files share this reader, which names the
//! line and what is wrong with it.

use std::path::Path;

use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
pub enum ExamplesError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Line {
        path: String,
        line: usize,
        message: String,
    },
}

impl ExamplesError {
    pub fn at(path: &Path, line: usize, message: impl Into<String>) -> Self {
        Self::Line {
            path: path.display().to_string(),
            line,
            message: message.into(),
        }
    }
}

/// Parses every non-blank line of `path` as a `T`, with its line number.
pub fn read_jsonl<T: DeserializeOwned>(path: &Path) -> Result<Vec<(usize, T)>, ExamplesError> {
    let text = std::fs::read(path).map_err(|source| ExamplesError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let text = String::from_utf8(text)
        .map_err(|e| ExamplesError::at(path, 0, format!("the file is not UTF-8: {e}")))?;
    let mut items = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let item = serde_json::from_str(line)
            .map_err(|e| ExamplesError::at(path, index + 1, e.to_string()))?;
        items.push((index + 1, item));
    }
    Ok(items)
}
