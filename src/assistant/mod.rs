//! The assistant: from a question, in a conversation kept in the
//! database, to an answer built only from what the pipeline produced —
//! hotlines first in a crisis; a short answer to the message (for a detail
//! question, the shown services' own facts); the services with their
//! verdicts and reasons; vacancies for job needs once the region is known;
//! and which records would settle what is still unknown (asked for only
//! when they would change a verdict). An off-topic message gets no
//! services and is pointed where it is handled.

pub mod client;
pub mod consent;
pub mod detail;
pub mod held;
pub mod hotlines;
pub mod http;
pub mod limits;
pub mod plan;
pub mod pointers;
pub mod reply;

use std::sync::Arc;

use crate::http::Problem;
use crate::needs::NeedRegistry;
use crate::recommend::http::RecommendApi;
use crate::spec::DatasetRegistry;
use crate::understand::Understander;
use crate::understand::language::Language;
use held::{DataUsed, Held};
use hotlines::Hotlines;
use plan::ConsentOutcome;
use pointers::Pointers;
use reply::{Reply, Templates};

/// What a conversation was about, for a follow-up.
#[derive(Debug, Clone)]
pub struct Earlier {
    pub needs: Vec<String>,
    /// The question the conversation is about (a follow-up's own words
    /// are not: "那要準備什麼？" is about the question before it).
    pub question: String,
    /// The services that were shown, best placed first.
    pub services: Vec<String>,
}

impl Earlier {
    /// What a kept reply says the conversation was about; `None` for a
    /// reply about no need (off-topic).
    pub fn of(question: String, reply: &Reply) -> Option<Self> {
        let about_needs = reply.needs.iter().any(|n| n != OUT_OF_SCOPE);
        about_needs.then(|| Self {
            needs: reply.needs.clone(),
            question: reply.about.clone().unwrap_or(question),
            services: reply.services.iter().map(|s| s.service.clone()).collect(),
        })
    }
}

const OUT_OF_SCOPE: &str = "out_of_scope";
/// Services shown in one reply: three in detail, the rest on a line.
const SHOWN: usize = 8;
/// Services shown as not applying: the best placed few.
const NOT_ELIGIBLE_SHOWN: usize = 3;
/// Services a detail question is answered for: the first few discussed
/// whose entries speak to it.
const DETAILED: usize = 2;
/// A follow-up is short: longer messages are new questions.
const FOLLOW_UP_CHARS: usize = 40;
/// Above this, the classifier is sure a message is off-topic, and it is
/// not taken as a follow-up on the conversation.
const SURELY_OFF_TOPIC: f32 = 0.9;

/// Needs a message the classifier is unsure about is answered from.
const UNSURE_NEEDS: usize = 2;
/// A message the classifier is unsure about is answered from its likeliest
/// needs only when it says this much; shorter ones are asked about.
const GUESS_FROM_CHARS: usize = 12;

/// Whether the classifier stands behind `out_of_scope` itself, rather than
/// finding no need it is sure of.
fn said_off_topic(understanding: &crate::understand::Understanding) -> bool {
    understanding
        .needs
        .first()
        .is_some_and(|n| n.id == OUT_OF_SCOPE && n.score >= n.threshold)
}

#[derive(Clone)]
pub struct Assistant {
    pub recommend: RecommendApi,
    pub understander: Understander,
    pub registry: Arc<DatasetRegistry>,
    pub needs: Arc<NeedRegistry>,
    pub hotlines: Arc<Hotlines>,
    pub pointers: Arc<Pointers>,
    pub templates: Arc<Templates>,
}

impl Assistant {
    /// Answers one message with the records the conversation holds (`held`,
    /// consented through the platform's online flow; none at first).
    /// `earlier` is what the conversation was about: a follow-up — a short
    /// detail question ("可以領幾個月？") or a message naming no need of its
    /// own ("那要準備什麼？") — stays on those needs and services, and is
    /// answered from the shown services' own facts first. `outcome` is what
    /// the consent just given left out, if this answer follows one.
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
        let topic = detail::topic(text);
        let short = text.chars().count() <= FOLLOW_UP_CHARS;
        let surely_off_topic = understanding
            .needs
            .iter()
            .any(|n| n.id == OUT_OF_SCOPE && n.score >= SURELY_OFF_TOPIC);
        // A short message on the same needs ("可以提早領嗎？" after a
        // pension question) continues the conversation too.
        let same_needs = understanding.out_of_scope
            || understanding
                .detected
                .iter()
                .any(|n| earlier.is_some_and(|e| e.needs.contains(n)));
        // The conversation's own question asked again (the answer after a
        // consent) is answered afresh, not as a follow-up on itself.
        let follow_up = earlier.filter(|earlier| {
            earlier.question != text
                && !understanding.crisis.flagged
                && !earlier.needs.is_empty()
                && ((topic.is_some() && short)
                    || (understanding.out_of_scope && !surely_off_topic)
                    || (short && same_needs && !surely_off_topic))
        });
        if let Some(earlier) = follow_up {
            understanding.out_of_scope = false;
            understanding.detected = earlier.needs.clone();
            for need in &mut understanding.needs {
                if earlier.needs.contains(&need.id) {
                    need.score = need.score.max(need.threshold);
                } else {
                    need.score = need.score.min(need.threshold * 0.5);
                }
            }
            if understanding.place.is_none() {
                understanding.place =
                    crate::understand::place::named_in(&earlier.question).map(str::to_owned);
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
        // Off-topic only when the classifier says so; a message it is
        // merely unsure about (a long case note, Hokkien) is answered from
        // its likeliest needs, saying so.
        let unclear = understanding.out_of_scope && !said_off_topic(&understanding);
        // Too short to guess from ("那要準備什麼文件？" alone): ask.
        let vague = unclear && text.chars().count() < GUESS_FROM_CHARS;
        let unsure = unclear && !vague;
        if unsure {
            understanding.out_of_scope = false;
            understanding.detected = understanding
                .needs
                .iter()
                .filter(|n| n.id != OUT_OF_SCOPE)
                .take(UNSURE_NEEDS)
                .map(|n| n.id.clone())
                .collect();
        }
        let language = understanding.language;
        let crisis = understanding.crisis.flagged;
        let hotlines = if crisis {
            self.hotlines
                .for_crisis(understanding.crisis.kind, language)
        } else {
            Vec::new()
        };
        let off_topic = understanding.out_of_scope && !crisis && !vague;
        let clarify = (off_topic || vague) && !crisis;
        let recommender = if clarify {
            None
        } else {
            Some(self.recommend.recommender().await?)
        };
        let found = match &recommender {
            Some(recommender) => Some(
                recommender
                    .recommend(&understanding, &embedding, &held.records, date)
                    .await,
            ),
            None => None,
        };
        let (mut services, mut not_eligible, already_receiving, vacancies, region_unknown) =
            match found {
                Some(found) => (
                    found.ranked,
                    found.not_eligible,
                    found.already_receiving,
                    found.vacancies,
                    found.region_unknown,
                ),
                None => Default::default(),
            };
        let mut details = Vec::new();
        if let (Some(earlier), Some(recommender)) = (follow_up, &recommender) {
            // The services discussed keep their places.
            let place = |id: &str| {
                earlier
                    .services
                    .iter()
                    .position(|s| s == id)
                    .unwrap_or(usize::MAX)
            };
            services.sort_by_key(|s| place(&s.service));
            let discussed: Vec<&crate::catalog::Service> = earlier
                .services
                .iter()
                .filter_map(|id| recommender.catalog().service(id))
                .collect();
            details = detail::answer(
                text,
                topic.unwrap_or(detail::Topic::Other),
                &discussed,
                language,
                DETAILED,
            );
        }
        services.truncate(SHOWN);
        not_eligible.truncate(NOT_ELIGIBLE_SHOWN);
        // Nothing asks for data before the hotlines: not in a crisis turn.
        let data_request = if crisis {
            Vec::new()
        } else {
            plan::data_request(&services, &self.registry, language, outcome)
        };
        let needs: Vec<String> = if off_topic {
            vec![OUT_OF_SCOPE.to_owned()]
        } else if vague {
            Vec::new()
        } else {
            understanding.detected.clone()
        };
        let need_names: Vec<String> = needs
            .iter()
            .filter(|id| *id != OUT_OF_SCOPE)
            .filter_map(|id| self.needs.get(id))
            .map(|need| match language {
                Language::ZhTw => need.zh.clone(),
                Language::En => need.en.clone(),
            })
            .collect();
        let mut reply = Reply {
            turn: 0,
            follows_up: follow_up.is_some(),
            unsure,
            about: follow_up.map(|earlier| earlier.question.clone()),
            language: language.as_str().to_owned(),
            text: String::new(),
            lead: String::new(),
            needs,
            need_names,
            crisis,
            hotlines,
            clarify,
            off_topic,
            pointer: off_topic.then(|| self.pointers.for_message(text, language)),
            details,
            data_request,
            services,
            not_eligible,
            already_receiving,
            vacancies,
            ask_region: region_unknown && !clarify,
            data_used: if clarify {
                Vec::new()
            } else {
                self.named(&held.used, language)
            },
            after_consent: false,
        };
        let rendered = self
            .templates
            .render(&reply, language)
            .map_err(|e| Problem::internal(&e))?;
        reply.text = rendered.text;
        reply.lead = rendered.lead;
        Ok(reply)
    }

    /// The records used, named in the reply's language.
    fn named(&self, used: &[DataUsed], language: Language) -> Vec<DataUsed> {
        used.iter()
            .cloned()
            .map(|mut u| {
                if let Some(spec) = crate::ids::DatasetId::parse(&u.dataset)
                    .ok()
                    .and_then(|id| self.registry.dataset(&id))
                {
                    u.name = spec.name(language).to_owned();
                    u.agency_name = self
                        .registry
                        .provider(&spec.provider)
                        .map(|p| p.name(language).to_owned())
                        .unwrap_or_default();
                }
                u
            })
            .collect()
    }
}
