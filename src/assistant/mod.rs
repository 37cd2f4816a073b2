//! The assistant: from a question, in a conversation kept in the
//! database, to an answer built only from what the pipeline produced —
//! hotlines first in a crisis, then the services with their verdicts and
//! reasons, vacancies for job needs, and which records would settle what
//! is still unknown (asked for only when they would change a verdict).

pub mod client;
pub mod consent;
pub mod held;
pub mod hotlines;
pub mod http;
pub mod limits;
pub mod plan;
pub mod reply;

use std::sync::Arc;

use crate::http::Problem;
use crate::needs::NeedRegistry;
use crate::recommend::http::RecommendApi;
use crate::spec::DatasetRegistry;
use crate::understand::Understander;
use crate::understand::language::Language;
use held::Held;
use hotlines::Hotlines;
use plan::ConsentOutcome;
use reply::{Reply, Templates};

/// What a conversation was about, for a follow-up that names no need.
#[derive(Debug, Clone)]
pub struct Earlier {
    pub needs: Vec<String>,
    pub question: String,
}

/// Services shown in one reply.
const SHOWN: usize = 8;
/// Services shown as not applying: the best placed few.
const NOT_ELIGIBLE_SHOWN: usize = 3;

#[derive(Clone)]
pub struct Assistant {
    pub recommend: RecommendApi,
    pub understander: Understander,
    pub registry: Arc<DatasetRegistry>,
    pub needs: Arc<NeedRegistry>,
    pub hotlines: Arc<Hotlines>,
    pub templates: Arc<Templates>,
}

impl Assistant {
    /// Answers one message with the records the conversation holds (`held`,
    /// consented through the platform's online flow; none at first).
    /// `earlier` is what the conversation was about: a follow-up that
    /// names no need of its own ("那要準備什麼？") stays on those needs, and
    /// its services are searched with the earlier question's words too.
    /// `outcome` is what the consent just given left out, if this answer
    /// follows one.
    pub async fn answer(
        &self,
        text: &str,
        date: time::Date,
        earlier: Option<&Earlier>,
        held: &Held,
        outcome: Option<&ConsentOutcome>,
    ) -> Result<Reply, Problem> {
        let (mut understanding, mut embedding) = self
            .understander
            .understand_with_embedding(text)
            .await
            .map_err(|e| e.problem())?;
        let follow_up = earlier.filter(|earlier| {
            understanding.out_of_scope && !understanding.crisis.flagged && !earlier.needs.is_empty()
        });
        if let Some(earlier) = follow_up {
            understanding.out_of_scope = false;
            understanding.detected = earlier.needs.clone();
            for need in &mut understanding.needs {
                if earlier.needs.contains(&need.id) {
                    need.score = need.score.max(need.threshold);
                }
            }
            // Alone, "what documents?" is near anything; with the earlier
            // question it is near what the conversation is about.
            embedding = self
                .understander
                .pool()
                .embed_queries(vec![format!("{}\n{text}", earlier.question)])
                .await
                .map_err(|e| e.problem())?
                .into_iter()
                .next()
                .unwrap_or(embedding);
        }
        let follows_up = follow_up.is_some();
        let language = understanding.language;
        let crisis = understanding.crisis.flagged;
        let hotlines = if crisis {
            self.hotlines
                .for_crisis(understanding.crisis.kind, language)
        } else {
            Vec::new()
        };
        let clarify = understanding.out_of_scope && !crisis;
        let found = if clarify {
            None
        } else {
            let recommender = self.recommend.recommender().await?;
            Some(
                recommender
                    .recommend(&understanding, &embedding, &held.records, date)
                    .await,
            )
        };
        let (mut services, mut not_eligible, already_receiving, vacancies) = match found {
            Some(found) => (
                found.ranked,
                found.not_eligible,
                found.already_receiving,
                found.vacancies,
            ),
            None => Default::default(),
        };
        services.truncate(SHOWN);
        not_eligible.truncate(NOT_ELIGIBLE_SHOWN);
        // Nothing asks for data before the hotlines: not in a crisis turn.
        let data_request = if crisis {
            Vec::new()
        } else {
            plan::data_request(&services, &self.registry, language, outcome)
        };
        let needs: Vec<String> = if clarify {
            Vec::new()
        } else {
            understanding.detected.clone()
        };
        let need_names: Vec<String> = needs
            .iter()
            .filter_map(|id| self.needs.get(id))
            .map(|need| match language {
                Language::ZhTw => need.zh.clone(),
                Language::En => need.en.clone(),
            })
            .collect();
        let mut reply = Reply {
            turn: 0,
            follows_up,
            language: language.as_str().to_owned(),
            text: String::new(),
            needs,
            need_names: need_names.clone(),
            crisis,
            hotlines,
            clarify,
            data_request,
            services,
            not_eligible,
            already_receiving,
            vacancies,
            data_used: if clarify {
                Vec::new()
            } else {
                held.used.clone()
            },
            after_consent: false,
        };
        reply.text = self
            .templates
            .render(&reply, language, &need_names)
            .map_err(|e| Problem::internal(&e))?;
        Ok(reply)
    }
}
