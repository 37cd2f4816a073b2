//! Vector search behind one trait with two backends. [`ExactIndex`] keeps
//! every vector in memory and compares the query with all of them: at the
//! catalogue's and the vacancy feed's size that costs about a millisecond
//! and never misses a neighbour. [`QdrantIndex`] keeps them in a Qdrant
//! collection, for deployments whose catalogues and vacancies outgrow one
//! machine. Both answer the same search with the same items in the same
//! order; `tests/api/index_contract.rs` holds them to it.

pub mod exact;
pub mod qdrant;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

pub use exact::ExactIndex;
pub use qdrant::QdrantIndex;

#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    #[error("a vector of {got} numbers where the index holds {want}")]
    Dimension { want: usize, got: usize },
    #[error("the vector store: {0}")]
    Backend(String),
}

/// What an indexed item carries for filtering. Empty `regions` means
/// nationwide.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Payload {
    pub needs: Vec<String>,
    pub regions: Vec<String>,
    pub channels: Vec<String>,
    pub provider_type: String,
}

/// One vector of an item; an item may have several (e.g. one per language).
#[derive(Debug, Clone)]
pub struct Item {
    pub id: String,
    pub vector: Vec<f32>,
    pub payload: Payload,
}

/// Restricts a search; an empty list or `None` restricts nothing.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Items serving any of these needs.
    pub needs: Vec<String>,
    /// Items available in this city (nationwide ones included).
    pub region: Option<String>,
    /// Items reachable through any of these channels.
    pub channels: Vec<String>,
    /// Items of any of these provider types (public, private, ngo).
    pub provider_types: Vec<String>,
}

impl Filter {
    pub fn admits(&self, payload: &Payload) -> bool {
        let any = |wanted: &[String], held: &[String]| {
            wanted.is_empty() || held.iter().any(|h| wanted.contains(h))
        };
        let region = match &self.region {
            None => true,
            Some(city) => payload.regions.is_empty() || payload.regions.contains(city),
        };
        any(&self.needs, &payload.needs)
            && region
            && any(&self.channels, &payload.channels)
            && (self.provider_types.is_empty()
                || self.provider_types.contains(&payload.provider_type))
    }
}

/// A search hit: the item and its best vector's cosine with the query.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: String,
    pub score: f32,
}

#[async_trait]
pub trait VectorIndex: Send + Sync {
    /// Replaces everything the index holds with `items` (unit vectors).
    async fn replace(&self, items: Vec<Item>) -> Result<(), IndexError>;

    /// The `k` items nearest to `query` that `filter` admits, best first,
    /// one hit per item however many vectors it has; ties in id order.
    async fn search(
        &self,
        query: &[f32],
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<Hit>, IndexError>;
}

/// Refuses a vector of the wrong size.
pub(crate) fn check_dimension(want: usize, vector: &[f32]) -> Result<(), IndexError> {
    if vector.len() == want {
        Ok(())
    } else {
        Err(IndexError::Dimension {
            want,
            got: vector.len(),
        })
    }
}

/// Orders hits best first, ties by id, so backends agree exactly.
pub(crate) fn rank(hits: &mut [Hit]) {
    hits.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));
}

/// The index for one kind of item (`services`, `vacancies`): Qdrant when
/// `QDRANT_URL` is set, otherwise exact search in memory.
pub fn for_kind(kind: &str, dim: usize) -> Result<Box<dyn VectorIndex>, IndexError> {
    match std::env::var("QDRANT_URL") {
        Ok(url) if !url.trim().is_empty() => {
            let prefix = std::env::var("QDRANT_COLLECTION_PREFIX")
                .unwrap_or_else(|_| "navigator".to_owned());
            Ok(Box::new(QdrantIndex::connect(
                url.trim(),
                &format!("{prefix}_{kind}"),
                dim,
            )?))
        }
        _ => Ok(Box::new(ExactIndex::new(dim))),
    }
}
