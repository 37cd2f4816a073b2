//! Passages (catalogue entries, vacancies) are embedded once per process:
//! a catalogue change re-embeds only the texts it changed, and servers
//! built side by side in one process (as the tests do) share the work.
//! Work histories, which recur (many citizens were 作業員 or 門市店員),
//! are kept the same way in a cache of their own.
//! Keyed by a digest of the text; bounded, and simply emptied when full,
//! since everything in it can be recomputed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use super::pool::{EmbeddingPool, PoolError};

/// Vectors kept at most: the catalogue and vacancies many times over.
const CAPACITY: usize = 50_000;
/// Texts per job: small enough to spread over every worker.
const BATCH: usize = 16;

type Key = [u8; 32];

#[derive(Clone, Default)]
pub struct PassageCache {
    vectors: Arc<Mutex<HashMap<Key, Arc<Vec<f32>>>>>,
}

fn key(text: &str) -> Key {
    Sha256::digest(text.as_bytes()).into()
}

impl PassageCache {
    fn lookup(&self, texts: &[String]) -> Vec<Option<Arc<Vec<f32>>>> {
        match self.vectors.lock() {
            Ok(vectors) => texts
                .iter()
                .map(|t| vectors.get(&key(t)).cloned())
                .collect(),
            Err(_) => vec![None; texts.len()],
        }
    }

    fn keep(&self, texts: &[String], found: &[Vec<f32>]) {
        if let Ok(mut vectors) = self.vectors.lock() {
            if vectors.len() + texts.len() > CAPACITY {
                vectors.clear();
            }
            for (text, vector) in texts.iter().zip(found) {
                vectors.insert(key(text), Arc::new(vector.clone()));
            }
        }
    }

    /// Embeds `texts` as passages (or, with `as_queries`, as queries),
    /// computing only those not seen before. One cache holds one kind.
    pub async fn embed(
        &self,
        pool: &EmbeddingPool,
        texts: &[String],
        as_queries: bool,
    ) -> Result<Vec<Vec<f32>>, PoolError> {
        let known = self.lookup(texts);
        let missing: Vec<String> = texts
            .iter()
            .zip(&known)
            .filter(|(_, vector)| vector.is_none())
            .map(|(text, _)| text.clone())
            .collect();
        let jobs = missing.chunks(BATCH).map(|chunk| async move {
            if as_queries {
                pool.embed_queries(chunk.to_vec()).await
            } else {
                pool.embed_passages(chunk.to_vec()).await
            }
        });
        let mut computed = Vec::with_capacity(missing.len());
        for batch in futures::future::join_all(jobs).await {
            computed.extend(batch?);
        }
        self.keep(&missing, &computed);
        let mut computed = computed.into_iter();
        known
            .into_iter()
            .map(|vector| match vector {
                Some(vector) => Some(vector.as_ref().clone()),
                None => computed.next(),
            })
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| PoolError::Failed("fewer vectors than passages came back".into()))
    }
}
