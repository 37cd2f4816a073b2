//! Detail questions about services already shown ("how many months?",
//! "那我可以領多少錢？", "會不會鎖卡"): answered from the catalogue entry's
//! own facts, quoted, before anything else in the reply.

use serde::{Deserialize, Serialize};

use crate::catalog::Service;
use crate::recommend::explain::text as localised;
use crate::understand::language::Language;

/// What a detail question asks about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Amount,
    Duration,
    Documents,
    Where,
    Phone,
    Deadline,
    /// None of the above: answered from the entry's notes, when one
    /// shares words with the question.
    Other,
}

/// Words that ask about each topic; the first topic found wins, so the
/// more specific ones come first ("多久可以領" is about time, not money).
const TOPICS: [(Topic, &[&str]); 6] = [
    (
        Topic::Duration,
        &[
            "幾個月",
            "多久",
            "多長",
            "幾年",
            "幾次",
            "領到什麼時候",
            "how long",
            "how many months",
            "how many years",
            "how many times",
            "until when",
        ],
    ),
    (
        Topic::Deadline,
        &[
            "期限",
            "截止",
            "最晚",
            "來不來得及",
            "deadline",
            "too late",
            "by when",
        ],
    ),
    (
        Topic::Amount,
        &[
            "多少錢",
            "領多少",
            "拿多少",
            "補助多少",
            "多少元",
            "金額",
            "多少",
            "幾千",
            "幾萬",
            "有錢",
            "偌濟",
            "補多少",
            "how much",
            "amount",
            "what would i get",
            "what will i get",
        ],
    ),
    (
        Topic::Documents,
        &[
            "文件",
            "證件",
            "準備什麼",
            "要準備",
            "帶什麼",
            "要帶",
            "證明",
            "附什麼",
            "documents",
            "paperwork",
            "what do i need to bring",
            "what to bring",
            "bring",
        ],
    ),
    (
        Topic::Phone,
        &[
            "電話",
            "幾號",
            "打去哪",
            "phone",
            "number to call",
            "call them",
        ],
    ),
    (
        Topic::Where,
        &[
            "去哪",
            "哪裡",
            "在哪",
            "哪個單位",
            "怎麼申請",
            "如何申請",
            "申請方式",
            "地址",
            "窗口",
            "網站",
            "網址",
            "線上",
            "where",
            "which office",
            "how do i apply",
            "how to apply",
            "website",
            "online",
            "apply online",
        ],
    ),
];

/// Whether `text` is a detail question, and about what. A question word
/// alone ("嗎", "?") is not enough: `Other` needs a short message.
pub fn topic(text: &str) -> Option<Topic> {
    let lower = text.to_lowercase();
    TOPICS
        .iter()
        .find(|(_, words)| words.iter().any(|w| lower.contains(w)))
        .map(|(topic, _)| *topic)
}

/// One quoted answer.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct DetailAnswer {
    pub service: String,
    pub name: String,
    pub topic: Topic,
    /// The entry's own words.
    pub text: String,
}

/// Words and characters too common to say what a question is about.
const COMMON: [&str; 50] = [
    "可以", "什麼", "怎麼", "如果", "我們", "這個", "那個", "是不", "有沒", "沒有", "一個", "要怎",
    "請問", "的話", "的", "我", "你", "是", "有", "可", "以", "嗎", "要", "在", "了", "這", "那",
    "能", "還", "就", "也", "都", "呢", "what", "will", "would", "there", "that", "this", "with",
    "have", "does", "your", "from", "they", "when", "which", "about", "could", "should",
];

/// A crude stem, so that "negotiate" meets "negotiation" and "banks"
/// meets "bank".
fn stem(word: &str) -> String {
    word.trim_end_matches('s').chars().take(6).collect()
}

/// Word stems (en), and characters and character pairs within runs of
/// Chinese (zh), of a text: what overlap is counted in.
fn pieces(text: &str) -> Vec<String> {
    let lower = text.to_lowercase();
    let mut found: Vec<String> = Vec::new();
    for run in lower.split(|c: char| !c.is_alphanumeric()) {
        if run.is_ascii() {
            if run.len() > 3 && !COMMON.contains(&run) {
                found.push(stem(run));
            }
            continue;
        }
        let han: Vec<char> = run.chars().filter(|c| !c.is_ascii()).collect();
        found.extend(han.iter().map(char::to_string));
        found.extend(han.windows(2).map(|pair| pair.iter().collect::<String>()));
    }
    found.retain(|p| !COMMON.contains(&p.as_str()));
    found.sort();
    found.dedup();
    found
}

/// A sentence of an entry that may answer a detail question, with the
/// topic it speaks to.
fn candidates(service: &Service, language: Language) -> Vec<(Topic, String)> {
    let facts = &service.facts;
    let mut found: Vec<(Topic, String)> = [
        (Topic::Amount, &facts.amount),
        (Topic::Duration, &facts.duration),
        (Topic::Documents, &facts.documents),
        (Topic::Where, &facts.r#where),
        (Topic::Deadline, &facts.deadline),
    ]
    .into_iter()
    .filter_map(|(topic, fact)| fact.as_ref().map(|f| (topic, localised(f, language))))
    .collect();
    if let Some(phone) = &facts.phone {
        found.push((Topic::Phone, phone.clone()));
    }
    found.extend(
        facts
            .notes
            .iter()
            .map(|n| (Topic::Other, localised(n, language))),
    );
    // The entry's own texts, for what the facts do not cover.
    found.push((Topic::Amount, localised(&service.benefit, language)));
    found.push((Topic::Where, localised(&service.how_to_apply, language)));
    found.extend(
        service
            .to_confirm
            .iter()
            .map(|t| (Topic::Other, localised(t, language))),
    );
    found
}

/// How rare each piece is among the sentences that could answer: a piece
/// every sentence shares ("健保" about health insurance) says little, one
/// only a single sentence holds ("鎖") says much.
struct Rarity {
    sentences: f32,
    holding: std::collections::BTreeMap<String, f32>,
}

impl Rarity {
    fn of(sentences: &[Vec<String>]) -> Self {
        let mut holding = std::collections::BTreeMap::new();
        for pieces in sentences {
            for piece in pieces {
                *holding.entry(piece.clone()).or_insert(0.0) += 1.0;
            }
        }
        Self {
            sentences: sentences.len() as f32,
            holding,
        }
    }

    /// A single character says half what a pair of them does.
    fn weight(&self, piece: &str) -> f32 {
        let holding = self.holding.get(piece).copied().unwrap_or(1.0);
        let rarity = (self.sentences / holding).ln().max(0.0);
        if piece.chars().count() == 1 {
            rarity / 2.0
        } else {
            rarity
        }
    }
}

/// The topic asked for, when a sentence was written for it: more than
/// any overlap alone, so a stray shared word never beats the fact asked for.
const ON_TOPIC: f32 = 6.0;
/// Less than this and a sentence does not answer the question.
const ENOUGH: f32 = 2.5;

/// Answers `question` about `topic` for the services discussed: for each,
/// the sentence of its entry that answers best (written for the topic, and
/// sharing the question's rarer words); the services whose answer fits at
/// least half as well as the best one, in the order they were shown; at
/// most `limit`.
pub fn answer(
    question: &str,
    topic: Topic,
    discussed: &[&Service],
    language: Language,
    limit: usize,
) -> Vec<DetailAnswer> {
    let asked = pieces(question);
    let all: Vec<Vec<(Topic, String, Vec<String>)>> = discussed
        .iter()
        .map(|service| {
            candidates(service, language)
                .into_iter()
                .map(|(topic, sentence)| {
                    let pieces = pieces(&sentence);
                    (topic, sentence, pieces)
                })
                .collect()
        })
        .collect();
    let rarity = Rarity::of(
        &all.iter()
            .flatten()
            .map(|(_, _, pieces)| pieces.clone())
            .collect::<Vec<_>>(),
    );
    let answers: Vec<(f32, DetailAnswer)> = discussed
        .iter()
        .zip(&all)
        .filter_map(|(service, sentences)| {
            let mut best: Option<(f32, &String)> = None;
            for (candidate_topic, sentence, pieces) in sentences {
                let shared: f32 = pieces
                    .iter()
                    .filter(|p| asked.contains(p))
                    .map(|p| rarity.weight(p))
                    .sum();
                let on_topic = if topic != Topic::Other && *candidate_topic == topic {
                    ON_TOPIC
                } else {
                    0.0
                };
                let score = on_topic + shared.min(ON_TOPIC);
                if score >= ENOUGH && best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, sentence));
                }
            }
            best.map(|(score, text)| {
                (
                    score,
                    DetailAnswer {
                        service: service.id.clone(),
                        name: localised(&service.name, language),
                        topic,
                        text: text.clone(),
                    },
                )
            })
        })
        .collect();
    let best = answers.iter().map(|(s, _)| *s).fold(0.0_f32, f32::max);
    answers
        .into_iter()
        .filter(|(score, _)| *score >= 0.5 * best)
        .map(|(_, answer)| answer)
        .take(limit)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn detail_questions_are_told_apart() {
        assert_eq!(topic("那我可以領多少錢？"), Some(Topic::Amount));
        assert_eq!(topic("可以領幾個月"), Some(Topic::Duration));
        assert_eq!(topic("要準備什麼文件"), Some(Topic::Documents));
        assert_eq!(topic("要去哪裡申請"), Some(Topic::Where));
        assert_eq!(topic("How much would I get?"), Some(Topic::Amount));
        assert_eq!(topic("what documents do I need"), Some(Topic::Documents));
        assert_eq!(topic("會不會鎖卡"), None);
    }

    fn service(yaml: &str) -> Service {
        serde_yaml_ng::from_str(yaml).expect("a test service")
    }

    const NEGOTIATION: &str = r#"
id: x.negotiation
name: {zh-TW: 債務協商, en: Debt negotiation}
summary: {zh-TW: 與銀行協商, en: Negotiate with the banks}
provider_type: public
needs: [debt_relief]
region: national
how_to_apply: {zh-TW: 向最大債權銀行申請。, en: Apply to your largest creditor bank.}
benefit: {zh-TW: 分期清償。, en: Repay in instalments.}
source: test
as_of: "2026"
facts:
  duration: {zh-TW: 最長分180期。, en: Up to 180 instalments.}
  notes:
    - {zh-TW: 協商期間不會鎖卡，但信用卡會停用。, en: Your bank account is not frozen while you negotiate.}
"#;

    #[test]
    fn the_answer_quotes_the_entry() {
        let negotiation = service(NEGOTIATION);
        let asked = answer(
            "會不會鎖卡",
            Topic::Other,
            &[&negotiation],
            Language::ZhTw,
            2,
        );
        assert_eq!(asked.len(), 1);
        assert_eq!(asked[0].text, "協商期間不會鎖卡，但信用卡會停用。");
        let months = answer(
            "要分幾期？多久",
            Topic::Duration,
            &[&negotiation],
            Language::ZhTw,
            2,
        );
        assert_eq!(months[0].text, "最長分180期。");
        let frozen = answer(
            "will my account be frozen?",
            Topic::Other,
            &[&negotiation],
            Language::En,
            2,
        );
        assert_eq!(
            frozen[0].text,
            "Your bank account is not frozen while you negotiate."
        );
        // Nothing in the entry speaks to it: no answer rather than a guess.
        assert!(
            answer(
                "有沒有停車位",
                Topic::Other,
                &[&negotiation],
                Language::ZhTw,
                2
            )
            .is_empty()
        );
    }

    #[test]
    fn without_a_fact_the_amount_comes_from_the_benefit() {
        let catalog = Catalog::embedded().expect("the embedded catalogue");
        let benefit = catalog
            .service("bli.unemployment_benefit")
            .expect("the unemployment benefit");
        let asked = answer("領多少", Topic::Amount, &[benefit], Language::ZhTw, 1);
        assert!(asked[0].text.contains("60%"), "{asked:?}");
    }
}
