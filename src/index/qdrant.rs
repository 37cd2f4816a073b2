//! The Qdrant backend, over gRPC. Each server names its collection after a
//! digest of what it indexes, so servers on the same catalogue share one
//! collection (a restart reloads it instead of re-uploading), a server that
//! moves to a new catalogue never disturbs one still searching the old,
//! and a half-finished upload (a crash mid-way) is recognised by its point
//! count and redone. Search is exact (`exact: true`) and grouped by item,
//! so it answers exactly as [`super::ExactIndex`] does.

use std::sync::RwLock;

use async_trait::async_trait;
use qdrant_client::Qdrant;
use qdrant_client::qdrant::{
    Condition, CreateCollectionBuilder, CreateFieldIndexCollectionBuilder, Distance, FieldType,
    Filter as QdrantFilter, PointStruct, QueryPointGroupsBuilder, SearchParamsBuilder,
    UpsertPointsBuilder, VectorParamsBuilder, group_id,
};
use sha2::{Digest, Sha256};

use super::{Filter, Hit, IndexError, Item, VectorIndex, check_dimension, rank};

/// Points sent per upsert request.
const BATCH: usize = 256;

pub struct QdrantIndex {
    client: Qdrant,
    base: String,
    dim: usize,
    /// The collection the last `replace` filled; searches go there.
    current: RwLock<Option<String>>,
}

fn backend(error: impl std::fmt::Display) -> IndexError {
    IndexError::Backend(error.to_string())
}

/// A digest of the items, so the same content maps to the same collection.
fn digest(items: &[Item]) -> String {
    let mut hash = Sha256::new();
    for item in items {
        hash.update(item.id.as_bytes());
        hash.update([0]);
        for x in &item.vector {
            hash.update(x.to_le_bytes());
        }
        if let Ok(payload) = serde_json::to_vec(&item.payload) {
            hash.update(payload);
        }
    }
    hex::encode(&hash.finalize()[..8])
}

fn qdrant_filter(filter: &Filter) -> QdrantFilter {
    let mut must = Vec::new();
    if !filter.needs.is_empty() {
        must.push(Condition::matches("needs", filter.needs.clone()));
    }
    if let Some(city) = &filter.region {
        must.push(Condition::from(QdrantFilter::should([
            Condition::is_empty("regions"),
            Condition::matches("regions", city.clone()),
        ])));
    }
    if !filter.channels.is_empty() {
        must.push(Condition::matches("channels", filter.channels.clone()));
    }
    if !filter.provider_types.is_empty() {
        must.push(Condition::matches(
            "provider_type",
            filter.provider_types.clone(),
        ));
    }
    QdrantFilter::must(must)
}

impl QdrantIndex {
    /// A client for `url` (the gRPC port, usually 6334); connects lazily.
    /// `QDRANT_API_KEY`, when set, is sent with every request.
    pub fn connect(url: &str, collection: &str, dim: usize) -> Result<Self, IndexError> {
        let client = Qdrant::from_url(url)
            .api_key(std::env::var("QDRANT_API_KEY").ok())
            .timeout(std::time::Duration::from_secs(10))
            .skip_compatibility_check()
            .build()
            .map_err(backend)?;
        Ok(Self {
            client,
            base: collection.to_owned(),
            dim,
            current: RwLock::new(None),
        })
    }

    async fn complete(&self, name: &str, expected: usize) -> Result<bool, IndexError> {
        if !self.client.collection_exists(name).await.map_err(backend)? {
            return Ok(false);
        }
        let info = self.client.collection_info(name).await.map_err(backend)?;
        let count = info.result.and_then(|r| r.points_count).unwrap_or(0);
        Ok(count == expected as u64)
    }

    async fn fill(&self, name: &str, items: Vec<Item>) -> Result<(), IndexError> {
        if self.client.collection_exists(name).await.map_err(backend)? {
            self.client.delete_collection(name).await.map_err(backend)?;
        }
        self.client
            .create_collection(
                CreateCollectionBuilder::new(name)
                    .vectors_config(VectorParamsBuilder::new(self.dim as u64, Distance::Dot)),
            )
            .await
            .map_err(backend)?;
        self.client
            .create_field_index(
                CreateFieldIndexCollectionBuilder::new(name, "item", FieldType::Keyword).wait(true),
            )
            .await
            .map_err(backend)?;
        let mut points = Vec::with_capacity(items.len());
        for (number, item) in items.into_iter().enumerate() {
            let payload = serde_json::json!({
                "item": item.id,
                "needs": item.payload.needs,
                "regions": item.payload.regions,
                "channels": item.payload.channels,
                "provider_type": item.payload.provider_type,
            });
            let payload = qdrant_client::Payload::try_from(payload).map_err(backend)?;
            points.push(PointStruct::new(number as u64, item.vector, payload));
        }
        for batch in points.chunks(BATCH) {
            self.client
                .upsert_points(UpsertPointsBuilder::new(name, batch.to_vec()).wait(true))
                .await
                .map_err(backend)?;
        }
        Ok(())
    }

    /// Drops every collection this index has made.
    pub async fn remove(&self) -> Result<(), IndexError> {
        self.sweep("").await?;
        if let Ok(mut current) = self.current.write() {
            *current = None;
        }
        Ok(())
    }

    /// Drops this kind's collections other than `keep`.
    async fn sweep(&self, keep: &str) -> Result<(), IndexError> {
        let prefix = format!("{}_", self.base);
        let collections = self.client.list_collections().await.map_err(backend)?;
        for collection in collections.collections {
            if collection.name.starts_with(&prefix) && collection.name != keep {
                self.client
                    .delete_collection(collection.name)
                    .await
                    .map_err(backend)?;
            }
        }
        Ok(())
    }

    fn collection(&self) -> Result<Option<String>, IndexError> {
        self.current
            .read()
            .map(|c| c.clone())
            .map_err(|_| IndexError::Backend("the index lock was poisoned".into()))
    }
}

#[async_trait]
impl VectorIndex for QdrantIndex {
    async fn replace(&self, items: Vec<Item>) -> Result<(), IndexError> {
        for item in &items {
            check_dimension(self.dim, &item.vector)?;
        }
        let name = format!("{}_{}", self.base, digest(&items));
        if !self.complete(&name, items.len()).await? {
            self.fill(&name, items).await?;
        }
        if let Ok(mut current) = self.current.write() {
            *current = Some(name.clone());
        }
        // Older generations only serve servers that have not yet moved on;
        // they rebuild on their next catalogue check.
        self.sweep(&name).await
    }

    async fn search(
        &self,
        query: &[f32],
        k: usize,
        filter: &Filter,
    ) -> Result<Vec<Hit>, IndexError> {
        check_dimension(self.dim, query)?;
        let Some(name) = self.collection()? else {
            return Ok(Vec::new());
        };
        if k == 0 {
            return Ok(Vec::new());
        }
        let request = QueryPointGroupsBuilder::new(name, "item")
            .query(query.to_vec())
            .filter(qdrant_filter(filter))
            .params(SearchParamsBuilder::default().exact(true))
            .with_payload(false)
            .group_size(1u64)
            .limit(k as u64);
        let response = self.client.query_groups(request).await.map_err(backend)?;
        let mut hits: Vec<Hit> = response
            .result
            .map(|r| r.groups)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|group| {
                let id = match group.id?.kind? {
                    group_id::Kind::StringValue(id) => id,
                    _ => return None,
                };
                let score = group.hits.first()?.score;
                Some(Hit { id, score })
            })
            .collect();
        rank(&mut hits);
        Ok(hits)
    }
}
