//! Nearest labelled examples: a question scores each need by how its most
//! similar training messages were labelled, weighted by similarity. It
//! complements the linear head where a need is spoken of in many ways.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::linear::{LinearHead, dot};

/// How many examples vote.
const K: usize = 10;
/// Softmax temperature over cosine similarity: nearer votes count more.
const TEMPERATURE: f32 = 0.05;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Neighbours {
    /// Unit vectors, one per example, stored as little-endian f32.
    #[serde(serialize_with = "to_base64", deserialize_with = "from_base64")]
    vectors: Vec<f32>,
    dim: usize,
    /// Each example's target per need (primary 1, secondary less, else 0).
    targets: Vec<Vec<f32>>,
}

impl Neighbours {
    pub fn new(vectors: &[&[f32]], targets: Vec<Vec<f32>>) -> Self {
        let dim = vectors.first().map_or(0, |v| v.len());
        let flat = vectors.iter().flat_map(|v| unit(v)).collect();
        Self {
            vectors: flat,
            dim,
            targets,
        }
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The similarity-weighted mean target of the `K` nearest examples.
    pub fn scores(&self, embedding: &[f32], outputs: usize) -> Vec<f32> {
        let query = unit(embedding);
        let mut similar: Vec<(f32, usize)> = self
            .vectors
            .chunks_exact(self.dim.max(1))
            .map(|v| dot(v, &query))
            .zip(0..)
            .collect();
        let k = K.min(similar.len());
        if k == 0 {
            return vec![0.0; outputs];
        }
        similar.select_nth_unstable_by(k - 1, |a, b| b.0.total_cmp(&a.0));
        let nearest = &similar[..k];
        let top = nearest.iter().map(|n| n.0).fold(f32::MIN, f32::max);
        let weights: Vec<f32> = nearest
            .iter()
            .map(|n| ((n.0 - top) / TEMPERATURE).exp())
            .collect();
        let total: f32 = weights.iter().sum();
        let mut scores = vec![0.0; outputs];
        for (weight, (_, index)) in weights.iter().zip(nearest) {
            for (score, target) in scores.iter_mut().zip(&self.targets[*index]) {
                *score += weight * target / total;
            }
        }
        scores
    }
}

/// The two views of a message, averaged per output: the linear head's
/// probability and the neighbours' vote, both in 0..1.
pub fn blend(head: &LinearHead, neighbours: &Neighbours, embedding: &[f32]) -> Vec<f32> {
    let votes = neighbours.scores(embedding, head.outputs());
    head.probabilities(embedding)
        .into_iter()
        .zip(votes)
        .map(|(p, v)| 0.5 * p + 0.5 * v)
        .collect()
}

fn unit(v: &[f32]) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter().map(|x| x / norm).collect()
}

fn to_base64<S: Serializer>(values: &[f32], s: S) -> Result<S::Ok, S::Error> {
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    s.serialize_str(&STANDARD.encode(bytes))
}

fn from_base64<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f32>, D::Error> {
    let text = String::deserialize(d)?;
    let bytes = STANDARD.decode(text).map_err(serde::de::Error::custom)?;
    if bytes.len() % 4 != 0 {
        return Err(serde::de::Error::custom("vector bytes are not whole f32s"));
    }
    Ok(bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_examples_decide_and_survive_serialisation() {
        let a = [1.0, 0.0];
        let b = [0.0, 1.0];
        let neighbours = Neighbours::new(&[&a, &b], vec![vec![1.0, 0.0], vec![0.0, 1.0]]);
        let json = serde_json::to_string(&neighbours).unwrap();
        let back: Neighbours = serde_json::from_str(&json).unwrap();
        let scores = back.scores(&[0.9, 0.1], 2);
        assert!(scores[0] > 0.99, "{scores:?}");
    }
}
