//! Crisis detection: messages that signal suicide, self-harm, violence at
//! home, child abuse or immediate danger are flagged so that hotlines come
//! before anything else. Two detectors, either of which flags: a lexicon of
//! unambiguous phrases (`datasets/crisis/lexicon.yaml`) and, over the
//! embedding, a linear head averaged with the nearest labelled examples,
//! whose threshold is set for recall, not precision.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::linear::{LinearError, LinearHead, TrainConfig};
use super::neighbours::{Neighbours, blend};
use crate::spec::{EmbeddedData, SpecError};

/// Out-of-fold recall the whole detector (lexicon or head) must keep on the
/// training examples, whose positives are mostly the indirect, hardest
/// ones. Held at 0.97 the head flagged one ordinary request for help in
/// eight (a widow's rent, a hospital bill); the unambiguous phrases are the
/// lexicon's to catch.
const TARGET_RECALL: f64 = 0.9;
/// A head trained like the needs classifier's: its out-of-fold scores
/// still spread enough for a recall threshold.
const CONFIG: TrainConfig = TrainConfig {
    epochs: 300,
    learning_rate: 0.02,
    weight_decay: 1e-3,
};
const FOLDS: usize = 5;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum CrisisKind {
    Suicide,
    SelfHarm,
    DomesticViolence,
    ChildAbuse,
    ImmediateDanger,
}

pub const KINDS: [CrisisKind; 5] = [
    CrisisKind::Suicide,
    CrisisKind::SelfHarm,
    CrisisKind::DomesticViolence,
    CrisisKind::ChildAbuse,
    CrisisKind::ImmediateDanger,
];

/// What the detector says about one message.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CrisisSignal {
    pub flagged: bool,
    pub kind: Option<CrisisKind>,
    /// The embedding head's probability that this is a crisis.
    pub score: f32,
    /// Whether an unambiguous phrase was found.
    pub phrase: bool,
}

#[derive(Debug, Clone)]
pub struct Lexicon {
    phrases: Vec<(CrisisKind, String)>,
}

impl Lexicon {
    pub fn embedded() -> Result<Self, SpecError> {
        const FILE: &str = "crisis/lexicon.yaml";
        let file = EmbeddedData::get(FILE).ok_or(SpecError::Missing(FILE))?;
        let raw: BTreeMap<CrisisKind, BTreeMap<String, Vec<String>>> =
            serde_yaml_ng::from_slice(&file.data)
                .map_err(|source| SpecError::Yaml { file: FILE, source })?;
        let phrases = raw
            .into_iter()
            .flat_map(|(kind, by_language)| {
                by_language
                    .into_values()
                    .flatten()
                    .map(move |phrase| (kind, phrase.to_lowercase()))
            })
            .collect();
        Ok(Self { phrases })
    }

    pub fn find(&self, text: &str) -> Option<CrisisKind> {
        let text = text.to_lowercase();
        self.phrases
            .iter()
            .find(|(_, phrase)| matches(&text, phrase))
            .map(|(kind, _)| *kind)
    }
}

/// Characters `…` in a phrase may stand for ("帶…一起走": 帶兩個孩子一起走).
const GAP: usize = 8;

/// Whether `text` holds `phrase`, its parts in order with at most [`GAP`]
/// characters between them.
fn matches(text: &str, phrase: &str) -> bool {
    let mut parts = phrase.split('…');
    let Some(first) = parts.next() else {
        return false;
    };
    let rest: Vec<&str> = parts.collect();
    text.match_indices(first).any(|(at, _)| {
        let mut from = at + first.len();
        rest.iter().all(|part| {
            let window: String = text[from..]
                .chars()
                .take(GAP + part.chars().count())
                .collect();
            match window.find(part) {
                Some(found) => {
                    from += found + part.len();
                    true
                }
                None => false,
            }
        })
    })
}

/// The trained part: output 0 is "any crisis", outputs 1..=5 the kinds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CrisisModel {
    pub head: LinearHead,
    pub neighbours: Neighbours,
    pub threshold: f32,
}

impl CrisisModel {
    /// Head and neighbours averaged, per output.
    fn scores(&self, embedding: &[f32]) -> Vec<f32> {
        blend(&self.head, &self.neighbours, embedding)
    }
}

#[derive(Debug, Clone)]
pub struct CrisisDetector {
    lexicon: Lexicon,
    model: CrisisModel,
}

/// Out-of-fold figures of the detector (lexicon or head).
#[derive(Debug, Clone, Serialize)]
pub struct CrisisValidation {
    pub examples: usize,
    pub recall: f64,
    pub precision: f64,
    pub threshold: f32,
}

impl CrisisDetector {
    pub fn new(lexicon: Lexicon, model: CrisisModel) -> Self {
        Self { lexicon, model }
    }

    pub fn detect(&self, text: &str, embedding: &[f32]) -> CrisisSignal {
        let probabilities = self.model.scores(embedding);
        let score = probabilities.first().copied().unwrap_or(0.0);
        let phrase = self.lexicon.find(text);
        let flagged = phrase.is_some() || score >= self.model.threshold;
        let kind = if flagged {
            phrase.or_else(|| {
                KINDS
                    .iter()
                    .zip(probabilities.iter().skip(1))
                    .max_by(|a, b| a.1.total_cmp(b.1))
                    .map(|(kind, _)| *kind)
            })
        } else {
            None
        };
        CrisisSignal {
            flagged,
            kind,
            score,
            phrase: phrase.is_some(),
        }
    }
}

impl CrisisModel {
    /// Trains on (text, embedding, kind) examples (`None` is no crisis),
    /// setting the head's threshold so that head and lexicon together keep
    /// the target recall out of fold.
    pub fn train(
        examples: &[(&str, &[f32], Option<CrisisKind>)],
        lexicon: &Lexicon,
    ) -> Result<(Self, CrisisValidation), LinearError> {
        let config = CONFIG;
        let inputs: Vec<Vec<f32>> = examples.iter().map(|e| e.1.to_vec()).collect();
        let targets: Vec<Vec<f32>> = examples
            .iter()
            .map(|(_, _, kind)| {
                let mut row = vec![if kind.is_some() { 1.0 } else { 0.0 }];
                row.extend(
                    KINDS
                        .iter()
                        .map(|k| if Some(*k) == *kind { 1.0 } else { 0.0 }),
                );
                row
            })
            .collect();
        let mut scored = vec![(0.0f32, false); examples.len()];
        for fold in 0..FOLDS {
            let in_fold = |i: usize| i % FOLDS == fold;
            let (xs, ys): (Vec<_>, Vec<_>) = (0..examples.len())
                .filter(|i| !in_fold(*i))
                .map(|i| (inputs[i].clone(), targets[i].clone()))
                .unzip();
            let head = LinearHead::train(&xs, &ys, config)?;
            let refs: Vec<&[f32]> = xs.iter().map(Vec::as_slice).collect();
            let neighbours = Neighbours::new(&refs, ys);
            for i in (0..examples.len()).filter(|i| in_fold(*i)) {
                let p = blend(&head, &neighbours, &inputs[i]);
                // A phrase flags whatever the head says: score it as certain.
                let score = if lexicon.find(examples[i].0).is_some() {
                    1.0
                } else {
                    p[0]
                };
                scored[i] = (score, examples[i].2.is_some());
            }
        }
        let (threshold, recall, precision) = recall_threshold(&scored);
        let head = LinearHead::train(&inputs, &targets, config)?;
        let refs: Vec<&[f32]> = inputs.iter().map(Vec::as_slice).collect();
        let neighbours = Neighbours::new(&refs, targets);
        Ok((
            Self {
                head,
                neighbours,
                threshold,
            },
            CrisisValidation {
                examples: examples.len(),
                recall,
                precision,
                threshold,
            },
        ))
    }
}

/// The highest threshold that keeps recall at the target, with the recall
/// and precision it gives.
fn recall_threshold(scored: &[(f32, bool)]) -> (f32, f64, f64) {
    let positives = scored.iter().filter(|s| s.1).count().max(1) as f64;
    let mut chosen = (0.01f32, 0.0, 0.0);
    for step in 1..=99 {
        let threshold = step as f32 / 100.0;
        let flagged: Vec<_> = scored.iter().filter(|s| s.0 >= threshold).collect();
        let hits = flagged.iter().filter(|s| s.1).count() as f64;
        let recall = hits / positives;
        if recall + 1e-9 < TARGET_RECALL && step > 1 {
            break;
        }
        chosen = (threshold, recall, hits / flagged.len().max(1) as f64);
    }
    chosen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lexicon_finds_phrases_in_either_language() {
        let lexicon = Lexicon::embedded().unwrap();
        assert_eq!(lexicon.find("我真的不想活了"), Some(CrisisKind::Suicide));
        assert_eq!(
            lexicon.find("He BEATS ME every night"),
            Some(CrisisKind::DomesticViolence)
        );
        assert_eq!(lexicon.find("我想申請失業給付"), None);
        assert_eq!(
            lexicon.find("債還不完，我想帶兩個孩子一起走"),
            Some(CrisisKind::Suicide)
        );
        // Far apart, the parts say nothing together.
        assert_eq!(
            lexicon.find("帶媽媽去看醫生，回來後大家一起走路去公園"),
            None
        );
        // A topic is not a crisis: only a person doing harm is.
        assert_eq!(lexicon.find("請問家暴保護令怎麼聲請"), None);
    }
}

#[cfg(test)]
mod training_tests {
    use super::*;

    #[test]
    fn a_separable_set_gets_a_real_threshold() {
        let vectors: Vec<Vec<f32>> = (0..60)
            .map(|i| {
                if i % 3 == 0 {
                    vec![1.0, 0.1 * (i % 7) as f32]
                } else {
                    vec![-1.0, 0.1 * (i % 5) as f32]
                }
            })
            .collect();
        let examples: Vec<(&str, &[f32], Option<CrisisKind>)> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    "x",
                    v.as_slice(),
                    (i % 3 == 0).then_some(CrisisKind::Suicide),
                )
            })
            .collect();
        let lexicon = Lexicon {
            phrases: Vec::new(),
        };
        let (model, report) = CrisisModel::train(&examples, &lexicon).unwrap();
        assert!(report.recall >= 0.97, "{report:?}");
        assert!(report.precision > 0.9, "{report:?}");
        assert!(model.threshold > 0.1, "{report:?}");
    }
}
