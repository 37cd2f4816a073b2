//! The vacancies a server offers, embedded once and searched by likeness
//! to the citizen's past work and to their question.

use std::collections::BTreeMap;

use time::Date;

use super::Vacancy;
use super::matching::{Profile, Training, VacancyMatch, explain};
use crate::index::{Filter, IndexError, Item, Payload, VectorIndex};
use crate::understand::Understander;
use crate::understand::language::Language;

/// Candidates drawn from the index before explaining and re-ranking.
const POOL: usize = 40;

pub struct VacancyBoard {
    by_url: BTreeMap<String, Vacancy>,
    index: Box<dyn VectorIndex>,
}

fn passage(vacancy: &Vacancy) -> String {
    let detail: String = vacancy.detail.chars().take(160).collect();
    format!(
        "{}（{}／{}）：{}",
        vacancy.title, vacancy.category, vacancy.subcategory, detail
    )
}

impl VacancyBoard {
    pub async fn build(
        vacancies: Vec<Vacancy>,
        understander: &Understander,
        index: Box<dyn VectorIndex>,
    ) -> Result<Self, IndexError> {
        let passages: Vec<String> = vacancies.iter().map(passage).collect();
        let vectors = understander
            .embed_passages(&passages)
            .await
            .map_err(|e| IndexError::Backend(format!("embedding the vacancies: {e}")))?;
        let items = vacancies
            .iter()
            .zip(vectors)
            .map(|(vacancy, vector)| Item {
                id: vacancy.url.clone(),
                vector,
                payload: Payload {
                    needs: vec!["job_search".to_owned()],
                    regions: vec![vacancy.city.clone()],
                    channels: vec!["online".to_owned()],
                    provider_type: "private".to_owned(),
                },
            })
            .collect();
        index.replace(items).await?;
        let by_url = vacancies.into_iter().map(|v| (v.url.clone(), v)).collect();
        Ok(Self { by_url, index })
    }

    pub fn len(&self) -> usize {
        self.by_url.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_url.is_empty()
    }

    /// The `k` best open vacancies for this citizen, explained. `likeness`
    /// is the vector to compare with: a weighted sum of the work-history
    /// and question embeddings, whose dot product with a vacancy is the
    /// same weighted sum of cosines.
    pub async fn matches(
        &self,
        likeness: &[f32],
        profile: &Profile,
        training: &[Training],
        today: Date,
        language: Language,
        k: usize,
    ) -> Result<Vec<VacancyMatch>, IndexError> {
        let mut hits = match &profile.city {
            Some(city) => {
                let local = Filter {
                    region: Some(city.clone()),
                    ..Filter::default()
                };
                self.index.search(likeness, POOL, &local).await?
            }
            None => Vec::new(),
        };
        // Too few nearby: widen to the whole country.
        if hits.len() < k {
            for hit in self
                .index
                .search(likeness, POOL, &Filter::default())
                .await?
            {
                if !hits.iter().any(|h| h.id == hit.id) {
                    hits.push(hit);
                }
            }
        }
        let open: Vec<(&Vacancy, f32)> = hits
            .iter()
            .filter_map(|hit| Some((self.by_url.get(&hit.id)?, hit.score)))
            .filter(|(vacancy, _)| vacancy.closes.is_none_or(|closes| closes >= today))
            .collect();
        let (low, high) = open
            .iter()
            .fold((f32::MAX, f32::MIN), |(low, high), (_, s)| {
                (low.min(*s), high.max(*s))
            });
        let spread = (high - low).max(f32::EPSILON);
        let mut matches: Vec<VacancyMatch> = open
            .into_iter()
            .map(|(vacancy, score)| {
                let relevance = (score - low) / spread;
                explain(vacancy, profile, relevance, training, language)
            })
            .collect();
        matches.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.url.cmp(&b.url)));
        matches.truncate(k);
        Ok(matches)
    }
}
