//! Linear heads over sentence embeddings: standardise, one weight row per
//! output, sigmoid. Trained with candle (AdamW on binary cross-entropy,
//! full batch, zero initialisation, so the same data gives the same head);
//! applied with plain arithmetic, since a 384×23 product needs no framework.

use candle_core::{DType, Device, Tensor};
use candle_nn::{AdamW, Init, Optimizer, ParamsAdamW, VarBuilder, VarMap};
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum LinearError {
    #[error("no training examples")]
    Empty,
    #[error("training examples disagree in size")]
    Ragged,
    #[error("training failed: {0}")]
    Candle(#[from] candle_core::Error),
}

#[derive(Debug, Clone, Copy)]
pub struct TrainConfig {
    pub epochs: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            epochs: 300,
            learning_rate: 0.02,
            weight_decay: 1e-3,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LinearHead {
    /// Per-dimension mean and spread of the training inputs.
    pub mean: Vec<f32>,
    pub scale: Vec<f32>,
    /// One row per output.
    pub weights: Vec<Vec<f32>>,
    pub bias: Vec<f32>,
}

/// The dot product summed in eight independent lanes: one running sum
/// cannot be reordered, so the compiler keeps it scalar; eight can be one
/// SIMD register. The heads' and the neighbours' cost is all dot products.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let (a_chunks, a_rest) = a.as_chunks::<8>();
    let (b_chunks, b_rest) = b.as_chunks::<8>();
    let mut lanes = [0.0f32; 8];
    for (x, y) in a_chunks.iter().zip(b_chunks) {
        for ((lane, x), y) in lanes.iter_mut().zip(x).zip(y) {
            *lane += x * y;
        }
    }
    let tail: f32 = a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum();
    lanes.iter().sum::<f32>() + tail
}

pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl LinearHead {
    pub fn outputs(&self) -> usize {
        self.bias.len()
    }

    pub fn logits(&self, input: &[f32]) -> Vec<f32> {
        let standard: Vec<f32> = input
            .iter()
            .zip(&self.mean)
            .zip(&self.scale)
            .map(|((x, m), s)| (x - m) / s)
            .collect();
        self.weights
            .iter()
            .zip(&self.bias)
            .map(|(row, b)| dot(row, &standard) + b)
            .collect()
    }

    pub fn probabilities(&self, input: &[f32]) -> Vec<f32> {
        self.logits(input).into_iter().map(sigmoid).collect()
    }

    /// Fits one sigmoid output per target column; targets may be soft.
    pub fn train(
        inputs: &[Vec<f32>],
        targets: &[Vec<f32>],
        config: TrainConfig,
    ) -> Result<Self, LinearError> {
        let n = inputs.len();
        let dim = inputs.first().ok_or(LinearError::Empty)?.len();
        let outputs = targets.first().ok_or(LinearError::Empty)?.len();
        if targets.len() != n
            || inputs.iter().any(|x| x.len() != dim)
            || targets.iter().any(|y| y.len() != outputs)
        {
            return Err(LinearError::Ragged);
        }
        let (mean, scale) = standardisation(inputs, dim);
        let standard: Vec<f32> = inputs
            .iter()
            .flat_map(|x| {
                x.iter()
                    .zip(&mean)
                    .zip(&scale)
                    .map(|((x, m), s)| (x - m) / s)
            })
            .collect();
        let device = Device::Cpu;
        let xs = Tensor::from_vec(standard, (n, dim), &device)?;
        let ys = Tensor::from_vec(targets.concat(), (n, outputs), &device)?;
        let varmap = VarMap::new();
        let vb = VarBuilder::from_varmap(&varmap, DType::F32, &device);
        let w = vb.get_with_hints((outputs, dim), "w", Init::Const(0.0))?;
        let b = vb.get_with_hints(outputs, "b", Init::Const(0.0))?;
        let params = ParamsAdamW {
            lr: config.learning_rate,
            weight_decay: config.weight_decay,
            ..ParamsAdamW::default()
        };
        let mut optimiser = AdamW::new(varmap.all_vars(), params)?;
        for _ in 0..config.epochs {
            let logits = xs.matmul(&w.t()?)?.broadcast_add(&b)?;
            let loss = stable_bce_with_logits(&logits, &ys)?;
            optimiser.backward_step(&loss)?;
        }
        Ok(Self {
            mean,
            scale,
            weights: w.to_vec2::<f32>()?,
            bias: b.to_vec1::<f32>()?,
        })
    }
}

/// Binary cross-entropy on logits as `max(x, 0) − x·y + ln(1 + e^−|x|)`:
/// the form that stays finite when a sigmoid saturates (candle's own takes
/// the log of the sigmoid, which becomes −∞ and poisons the weights).
fn stable_bce_with_logits(logits: &Tensor, targets: &Tensor) -> candle_core::Result<Tensor> {
    let softplus = (logits.abs()?.neg()?.exp()? + 1.0)?.log()?;
    ((logits.relu()? - (logits * targets)?)? + softplus)?.mean_all()
}

fn standardisation(inputs: &[Vec<f32>], dim: usize) -> (Vec<f32>, Vec<f32>) {
    let n = inputs.len() as f32;
    let mut mean = vec![0.0f32; dim];
    for x in inputs {
        for (m, v) in mean.iter_mut().zip(x) {
            *m += v / n;
        }
    }
    let mut variance = vec![0.0f32; dim];
    for x in inputs {
        for ((s, v), m) in variance.iter_mut().zip(x).zip(&mean) {
            *s += (v - m) * (v - m) / n;
        }
    }
    // A floor keeps a constant dimension from dividing by zero.
    let scale = variance.into_iter().map(|v| v.sqrt().max(1e-4)).collect();
    (mean, scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dot_product_in_lanes_is_the_dot_product() {
        for len in [0, 1, 7, 8, 9, 384, 387] {
            let a: Vec<f32> = (0..len).map(|i| (i as f32 * 0.37).sin()).collect();
            let b: Vec<f32> = (0..len).map(|i| (i as f32 * 0.11).cos()).collect();
            let plain: f64 = a.iter().zip(&b).map(|(x, y)| f64::from(x * y)).sum();
            assert!(
                (f64::from(dot(&a, &b)) - plain).abs() < 1e-4,
                "length {len}"
            );
        }
    }

    #[test]
    fn learns_a_separable_problem_deterministically() {
        let inputs: Vec<Vec<f32>> = (0..40)
            .map(|i| vec![i as f32 / 40.0, ((i * 7) % 5) as f32])
            .collect();
        let targets: Vec<Vec<f32>> = inputs
            .iter()
            .map(|x| vec![if x[0] > 0.5 { 1.0 } else { 0.0 }])
            .collect();
        let first = LinearHead::train(&inputs, &targets, TrainConfig::default()).unwrap();
        let second = LinearHead::train(&inputs, &targets, TrainConfig::default()).unwrap();
        assert_eq!(first.weights, second.weights);
        assert!(first.probabilities(&[0.9, 1.0])[0] > 0.8);
        assert!(first.probabilities(&[0.1, 1.0])[0] < 0.2);
    }
}
