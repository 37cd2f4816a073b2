//! The needs classifier: a linear head and the nearest labelled examples
//! over question embeddings, averaged, with each need's score calibrated (Platt scaling on out-of-fold scores) and its own
//! threshold chosen by cross-validation on the training examples. What it
//! reports is the set of needs above their thresholds, or `out_of_scope`
//! when none clears its threshold.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::linear::{LinearError, LinearHead, TrainConfig, sigmoid};
use super::neighbours::{Neighbours, blend};
use crate::needs::OUT_OF_SCOPE;

/// Cross-validation folds for calibration and thresholds.
const FOLDS: usize = 5;
/// A secondary need's training target: present, but less so than the
/// primary, which keeps the primary on top of the ranking.
const SECONDARY_TARGET: f32 = 0.7;

/// `p = sigmoid(a · logit + b)`, fitted on out-of-fold logits.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Platt {
    pub a: f32,
    pub b: f32,
}

impl Platt {
    fn apply(self, logit: f32) -> f32 {
        sigmoid(self.a * logit + self.b)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NeedsClassifier {
    pub needs: Vec<String>,
    pub head: LinearHead,
    pub neighbours: Neighbours,
    pub calibration: Vec<Platt>,
    pub thresholds: Vec<f32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct NeedScore {
    pub id: String,
    pub score: f32,
    pub threshold: f32,
}

/// A classification: every need with its score, best first, and the set
/// the classifier stands behind.
#[derive(Debug, Clone, Serialize)]
pub struct Classification {
    pub scores: Vec<NeedScore>,
    pub detected: Vec<String>,
}

impl Classification {
    pub fn out_of_scope(&self) -> bool {
        self.detected.iter().any(|n| n == OUT_OF_SCOPE)
    }

    pub fn ranking(&self) -> Vec<&str> {
        ranking(&self.detected, &self.scores)
    }
}

/// The detected needs first, then the rest by score: the order in which the
/// needs are offered.
pub fn ranking<'a>(detected: &'a [String], scores: &'a [NeedScore]) -> Vec<&'a str> {
    let mut ranking: Vec<&str> = detected.iter().map(String::as_str).collect();
    for score in scores {
        if !ranking.contains(&score.id.as_str()) {
            ranking.push(&score.id);
        }
    }
    ranking
}

/// A labelled training example, already embedded.
pub struct Labelled<'a> {
    pub text: &'a str,
    pub embedding: &'a [f32],
    /// Primary first.
    pub needs: &'a [String],
}

/// Out-of-fold figures on the training examples.
#[derive(Debug, Clone, Serialize)]
pub struct CrossValidation {
    pub examples: usize,
    pub top1_accuracy: f64,
    pub recall_at_3: f64,
    pub macro_f1: f64,
}

impl NeedsClassifier {
    pub fn classify(&self, embedding: &[f32]) -> Classification {
        let scores = self.calibrated(embedding);
        classification(&self.needs, &scores, &self.thresholds)
    }

    fn calibrated(&self, embedding: &[f32]) -> Vec<f32> {
        blend(&self.head, &self.neighbours, embedding)
            .into_iter()
            .zip(&self.calibration)
            .map(|(raw, platt)| platt.apply(raw))
            .collect()
    }

    /// Trains on every example, calibrating and choosing thresholds on
    /// out-of-fold scores first.
    pub fn train(
        needs: &[String],
        examples: &[Labelled<'_>],
        config: TrainConfig,
    ) -> Result<(Self, CrossValidation), LinearError> {
        let targets: Vec<Vec<f32>> = examples.iter().map(|e| targets(needs, e.needs)).collect();
        let inputs: Vec<Vec<f32>> = examples.iter().map(|e| e.embedding.to_vec()).collect();
        let folds: Vec<usize> = examples.iter().map(|e| fold_of(e.text)).collect();

        let mut out_of_fold = vec![vec![0.0f32; needs.len()]; examples.len()];
        // Folds are independent, and so are the needs' calibrations: each
        // runs on a thread of its own. Results are gathered in order, so the
        // outcome does not depend on scheduling.
        let fold_scores = in_parallel(FOLDS, |fold| {
            let (train_x, train_y): (Vec<_>, Vec<_>) = (0..examples.len())
                .filter(|i| folds[*i] != fold)
                .map(|i| (inputs[i].clone(), targets[i].clone()))
                .unzip();
            let head = LinearHead::train(&train_x, &train_y, config)?;
            let train_refs: Vec<&[f32]> = train_x.iter().map(Vec::as_slice).collect();
            let neighbours = Neighbours::new(&train_refs, train_y);
            Ok((0..examples.len())
                .filter(|i| folds[*i] == fold)
                .map(|i| (i, blend(&head, &neighbours, &inputs[i])))
                .collect::<Vec<_>>())
        })?;
        for (i, scores) in fold_scores.into_iter().flatten() {
            out_of_fold[i] = scores;
        }

        let member = |i: usize, j: usize| examples[i].needs.contains(&needs[j]);
        let calibration = in_parallel(needs.len(), |j| {
            let xs: Vec<Vec<f32>> = out_of_fold.iter().map(|l| vec![l[j]]).collect();
            let ys: Vec<Vec<f32>> = (0..examples.len())
                .map(|i| vec![if member(i, j) { 1.0 } else { 0.0 }])
                .collect();
            platt(&xs, &ys)
        })?;
        let calibrated: Vec<Vec<f32>> = out_of_fold
            .iter()
            .map(|logits| {
                logits
                    .iter()
                    .zip(&calibration)
                    .map(|(l, p)| p.apply(*l))
                    .collect()
            })
            .collect();
        let thresholds: Vec<f32> = (0..needs.len())
            .map(|j| {
                let scored: Vec<(f32, bool)> = (0..examples.len())
                    .map(|i| (calibrated[i][j], member(i, j)))
                    .collect();
                best_threshold(&scored)
            })
            .collect();
        let report = cross_validation(needs, examples, &calibrated, &thresholds);
        let head = LinearHead::train(&inputs, &targets, config)?;
        let refs: Vec<&[f32]> = inputs.iter().map(Vec::as_slice).collect();
        let neighbours = Neighbours::new(&refs, targets);
        Ok((
            Self {
                needs: needs.to_vec(),
                head,
                neighbours,
                calibration,
                thresholds,
            },
            report,
        ))
    }
}

fn classification(needs: &[String], scores: &[f32], thresholds: &[f32]) -> Classification {
    let mut ranked: Vec<NeedScore> = needs
        .iter()
        .zip(scores)
        .zip(thresholds)
        .map(|((id, score), threshold)| NeedScore {
            id: id.clone(),
            score: *score,
            threshold: *threshold,
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score));
    let top_is_out_of_scope = ranked
        .first()
        .is_some_and(|s| s.id == OUT_OF_SCOPE && s.score >= s.threshold);
    let mut detected: Vec<String> = if top_is_out_of_scope {
        Vec::new()
    } else {
        ranked
            .iter()
            .filter(|s| s.id != OUT_OF_SCOPE && s.score >= s.threshold)
            .map(|s| s.id.clone())
            .collect()
    };
    if detected.is_empty() {
        detected.push(OUT_OF_SCOPE.to_owned());
    }
    Classification {
        scores: ranked,
        detected,
    }
}

fn targets(needs: &[String], labels: &[String]) -> Vec<f32> {
    needs
        .iter()
        .map(|need| match labels.iter().position(|l| l == need) {
            Some(0) => 1.0,
            Some(_) => SECONDARY_TARGET,
            None => 0.0,
        })
        .collect()
}

/// A fold by the text's hash: stable whatever the order of the files.
fn fold_of(text: &str) -> usize {
    usize::from(Sha256::digest(text.as_bytes())[0]) % FOLDS
}

/// `job(0..count)` on as many threads as there are cores, results in order.
fn in_parallel<T: Send>(
    count: usize,
    job: impl Fn(usize) -> Result<T, LinearError> + Sync,
) -> Result<Vec<T>, LinearError> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let mut results: Vec<Option<Result<T, LinearError>>> = (0..count).map(|_| None).collect();
    std::thread::scope(|scope| {
        for (lane, slots) in results
            .chunks_mut(count.div_ceil(threads).max(1))
            .enumerate()
        {
            let job = &job;
            let first = lane * count.div_ceil(threads).max(1);
            scope.spawn(move || {
                for (offset, slot) in slots.iter_mut().enumerate() {
                    *slot = Some(job(first + offset));
                }
            });
        }
    });
    results
        .into_iter()
        .map(|r| r.unwrap_or(Err(LinearError::Empty)))
        .collect()
}

fn platt(xs: &[Vec<f32>], ys: &[Vec<f32>]) -> Result<Platt, LinearError> {
    let config = TrainConfig {
        epochs: 300,
        learning_rate: 0.05,
        weight_decay: 0.0,
    };
    let head = LinearHead::train(xs, ys, config)?;
    // Fold the standardisation into the slope and intercept.
    let (w, m, s) = (head.weights[0][0], head.mean[0], head.scale[0]);
    Ok(Platt {
        a: w / s,
        b: head.bias[0] - w * m / s,
    })
}

/// The lowest threshold that reaches the best F1 on these scores.
fn best_threshold(scored: &[(f32, bool)]) -> f32 {
    let mut best = (f64::MIN, 0.5f32);
    for step in 5..=95 {
        let threshold = step as f32 / 100.0;
        let f1 = f1(scored.iter().map(|(s, truth)| (*s >= threshold, *truth)));
        if f1 > best.0 + 1e-9 {
            best = (f1, threshold);
        }
    }
    best.1
}

/// F1 over (predicted, true) pairs; 0 when there is nothing to find.
pub fn f1(pairs: impl Iterator<Item = (bool, bool)>) -> f64 {
    let (mut tp, mut fp, mut fn_) = (0u32, 0u32, 0u32);
    for (predicted, truth) in pairs {
        match (predicted, truth) {
            (true, true) => tp += 1,
            (true, false) => fp += 1,
            (false, true) => fn_ += 1,
            (false, false) => {}
        }
    }
    if tp == 0 {
        return 0.0;
    }
    2.0 * f64::from(tp) / (2.0 * f64::from(tp) + f64::from(fp) + f64::from(fn_))
}

fn cross_validation(
    needs: &[String],
    examples: &[Labelled<'_>],
    calibrated: &[Vec<f32>],
    thresholds: &[f32],
) -> CrossValidation {
    let predictions: Vec<Classification> = calibrated
        .iter()
        .map(|scores| classification(needs, scores, thresholds))
        .collect();
    let n = examples.len().max(1) as f64;
    let top1 = examples
        .iter()
        .zip(&predictions)
        .filter(|(e, p)| p.ranking().first().copied() == e.needs.first().map(String::as_str))
        .count() as f64
        / n;
    let (found, labelled) = examples
        .iter()
        .zip(&predictions)
        .fold((0, 0), |(f, l), (e, p)| {
            let top3: Vec<&str> = p.ranking().into_iter().take(3).collect();
            let hits = e
                .needs
                .iter()
                .filter(|n| top3.contains(&n.as_str()))
                .count();
            (f + hits, l + e.needs.len())
        });
    let macro_f1 = needs
        .iter()
        .map(|need| {
            f1(examples
                .iter()
                .zip(&predictions)
                .map(|(e, p)| (p.detected.contains(need), e.needs.contains(need))))
        })
        .sum::<f64>()
        / needs.len().max(1) as f64;
    CrossValidation {
        examples: examples.len(),
        top1_accuracy: top1,
        recall_at_3: found as f64 / labelled.max(1) as f64,
        macro_f1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_above_threshold_is_out_of_scope() {
        let needs = vec!["job_search".to_owned(), OUT_OF_SCOPE.to_owned()];
        let c = classification(&needs, &[0.3, 0.2], &[0.5, 0.5]);
        assert_eq!(c.detected, [OUT_OF_SCOPE]);
        assert_eq!(c.ranking(), [OUT_OF_SCOPE, "job_search"]);
        let c = classification(&needs, &[0.7, 0.2], &[0.5, 0.5]);
        assert_eq!(c.detected, ["job_search"]);
        assert!(!c.out_of_scope());
    }

    #[test]
    fn f1_counts_hits_and_misses() {
        let pairs = [(true, true), (true, false), (false, true), (false, false)];
        assert!((f1(pairs.into_iter()) - 0.5).abs() < 1e-9);
        assert_eq!(f1([(false, false)].into_iter()), 0.0);
    }
}
