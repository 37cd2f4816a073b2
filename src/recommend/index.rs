//! Vector search behind one trait. The default is exact: every vector in
//! one contiguous `f32` buffer, dot products over rows (the vectors are
//! unit length, so a dot product is the cosine). At this catalogue's size
//! that costs well under a millisecond and never misses a neighbour.

/// What an indexed item carries for filtering.
#[derive(Debug, Clone, Default)]
pub struct Payload {
    pub needs: Vec<String>,
    pub regions: Vec<String>,
}

/// Restricts a search; empty lists restrict nothing.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub needs: Vec<String>,
    pub region: Option<String>,
}

impl Filter {
    fn admits(&self, payload: &Payload) -> bool {
        let need = self.needs.is_empty() || payload.needs.iter().any(|n| self.needs.contains(n));
        let region = match &self.region {
            None => true,
            Some(city) => payload.regions.is_empty() || payload.regions.iter().any(|r| r == city),
        };
        need && region
    }
}

pub trait VectorIndex: Send + Sync {
    /// The `k` items nearest to `query` that `filter` admits, best first,
    /// one hit per item id (an item may hold several vectors).
    fn search(&self, query: &[f32], k: usize, filter: &Filter) -> Vec<(String, f32)>;
}

/// Exact search over vectors held in memory.
#[derive(Debug, Default)]
pub struct ExactIndex {
    dim: usize,
    rows: Vec<f32>,
    ids: Vec<String>,
    payloads: Vec<Payload>,
}

impl ExactIndex {
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            ..Self::default()
        }
    }

    /// Adds one vector for `id`; a vector of the wrong size is refused.
    pub fn add(&mut self, id: &str, vector: &[f32], payload: Payload) -> bool {
        if vector.len() != self.dim {
            return false;
        }
        self.rows.extend_from_slice(vector);
        self.ids.push(id.to_owned());
        self.payloads.push(payload);
        true
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

impl VectorIndex for ExactIndex {
    fn search(&self, query: &[f32], k: usize, filter: &Filter) -> Vec<(String, f32)> {
        if query.len() != self.dim || self.dim == 0 {
            return Vec::new();
        }
        let mut best: Vec<(usize, f32)> = self
            .rows
            .chunks_exact(self.dim)
            .enumerate()
            .filter(|(i, _)| filter.admits(&self.payloads[*i]))
            .map(|(i, row)| (i, row.iter().zip(query).map(|(a, b)| a * b).sum()))
            .collect();
        best.sort_by(|a, b| b.1.total_cmp(&a.1));
        let mut seen = std::collections::BTreeSet::new();
        best.into_iter()
            .filter(|(i, _)| seen.insert(self.ids[*i].clone()))
            .take(k)
            .map(|(i, score)| (self.ids[i].clone(), score))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: [f32; 3]) -> Vec<f32> {
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / norm).collect()
    }

    #[test]
    fn nearest_first_one_hit_per_item_and_filters_apply() {
        let mut index = ExactIndex::new(3);
        let job = Payload {
            needs: vec!["job_search".into()],
            regions: vec![],
        };
        let care = Payload {
            needs: vec!["elderly_care".into()],
            regions: vec!["臺北市".into()],
        };
        assert!(index.add("a", &unit([1.0, 0.0, 0.0]), job.clone()));
        assert!(index.add("a", &unit([0.9, 0.1, 0.0]), job));
        assert!(index.add("b", &unit([0.0, 1.0, 0.0]), care));
        assert!(!index.add("c", &[1.0], Payload::default()));
        let hits = index.search(&unit([1.0, 0.2, 0.0]), 5, &Filter::default());
        let ids: Vec<&str> = hits.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, ["a", "b"]);
        let only_care = Filter {
            needs: vec!["elderly_care".into()],
            region: Some("新北市".into()),
        };
        assert!(
            index
                .search(&unit([0.0, 1.0, 0.0]), 5, &only_care)
                .is_empty()
        );
    }
}
