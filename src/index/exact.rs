//! Exact search: every vector in one contiguous `f32` buffer, a dot
//! product per row (the vectors are unit length, so that is the cosine).
//! The inner loop is a plain zip-sum over slices, which the compiler
//! vectorises.

use std::collections::HashMap;
use std::sync::RwLock;

use async_trait::async_trait;

use super::{Filter, Hit, IndexError, Item, Payload, VectorIndex, check_dimension, rank};

#[derive(Debug, Default)]
struct Rows {
    values: Vec<f32>,
    ids: Vec<String>,
    payloads: Vec<Payload>,
}

/// Exact search over vectors held in memory.
#[derive(Debug)]
pub struct ExactIndex {
    dim: usize,
    rows: RwLock<Rows>,
}

impl ExactIndex {
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            rows: RwLock::new(Rows::default()),
        }
    }

    fn check(&self, vector: &[f32]) -> Result<(), IndexError> {
        check_dimension(self.dim, vector)
    }

    /// The search itself, synchronous: it never waits on anything.
    pub fn nearest(
        &self,
        query: &[f32],
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<Hit>, IndexError> {
        self.check(query)?;
        let rows = self
            .rows
            .read()
            .map_err(|_| IndexError::Backend("the index lock was poisoned".into()))?;
        let mut best: Vec<Hit> = Vec::new();
        let mut position: HashMap<&str, usize> = HashMap::new();
        for (i, row) in rows.values.chunks_exact(self.dim.max(1)).enumerate() {
            if !filter.admits(&rows.payloads[i]) {
                continue;
            }
            let score: f32 = row.iter().zip(query).map(|(a, b)| a * b).sum();
            let id = rows.ids[i].as_str();
            match position.get(id) {
                Some(&at) => best[at].score = best[at].score.max(score),
                None => {
                    position.insert(id, best.len());
                    best.push(Hit {
                        id: id.to_owned(),
                        score,
                    });
                }
            }
        }
        rank(&mut best);
        best.truncate(k);
        Ok(best)
    }
}

#[async_trait]
impl VectorIndex for ExactIndex {
    async fn replace(&self, items: Vec<Item>) -> Result<(), IndexError> {
        let mut fresh = Rows::default();
        for item in items {
            self.check(&item.vector)?;
            fresh.values.extend_from_slice(&item.vector);
            fresh.ids.push(item.id);
            fresh.payloads.push(item.payload);
        }
        let mut rows = self
            .rows
            .write()
            .map_err(|_| IndexError::Backend("the index lock was poisoned".into()))?;
        *rows = fresh;
        Ok(())
    }

    async fn search(
        &self,
        query: &[f32],
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<Hit>, IndexError> {
        self.nearest(query, k, filter)
    }
}
