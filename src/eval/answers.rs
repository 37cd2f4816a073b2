//! `navigator eval answers --file F [--date D]`: whole conversations, judged
//! the way a social worker reading the replies would (spec/eval.md). Each
//! turn goes through the assistant exactly as the conversation API sends
//! it, with the conversation's earlier turns as context.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::Date;

use super::{EvalError, round};
use crate::assistant::held::Held;
use crate::assistant::hotlines::Hotlines;
use crate::assistant::pointers::Pointers;
use crate::assistant::reply::{Reply, Templates};
use crate::assistant::{Assistant, Earlier};
use crate::catalog::{Catalog, Tables};
use crate::needs::NeedRegistry;
use crate::recommend::http::RecommendApi;
use crate::spec::DatasetRegistry;
use crate::understand::Understander;
use crate::understand::examples::{ExamplesError, read_jsonl};
use crate::understand::language::Language;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Crisis {
    None,
    Suicide,
    SelfHarm,
    DomesticViolence,
    ChildAbuse,
    ImmediateDanger,
}

impl Crisis {
    /// The hotlines that may come first for this kind.
    fn first_lines(self) -> &'static [&'static str] {
        match self {
            Self::None => &[],
            Self::Suicide | Self::SelfHarm => &["1925", "1995", "1980"],
            Self::DomesticViolence | Self::ChildAbuse => &["113", "110"],
            Self::ImmediateDanger => &["110", "119"],
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    crisis: Crisis,
    #[serde(default)]
    off_topic: bool,
    #[serde(default)]
    top3: Vec<Vec<String>>,
    #[serde(default)]
    top5: Vec<Vec<String>>,
    #[serde(default)]
    absent: Vec<String>,
    #[serde(default)]
    mention: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Conversation {
    id: String,
    lang: String,
    turns: Vec<String>,
    expect: Expect,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub n: usize,
    pub pass_rate: f64,
    pub crisis_recall: f64,
    pub crisis_kind_right: f64,
    pub false_alarm_rate: f64,
    pub off_topic_recall: f64,
    pub off_topic_precision: f64,
    pub top3_group_hit: f64,
    pub top5_group_hit: f64,
    pub absent_violations: usize,
    pub mention_hit: f64,
    pub reply_chars_p50_zh: usize,
    pub reply_chars_p90_zh: usize,
    pub reply_chars_p90_en: usize,
    #[serde(skip)]
    pub failures: Vec<String>,
}

/// Reads and checks the whole file before any model is loaded.
pub fn read(path: &Path) -> Result<Vec<Conversation>, EvalError> {
    let mut ids = BTreeSet::new();
    let mut conversations = Vec::new();
    for (line, conversation) in read_jsonl::<Conversation>(path)? {
        let fault = |problem: &str| -> EvalError { ExamplesError::at(path, line, problem).into() };
        if !ids.insert(conversation.id.clone()) {
            return Err(fault(&format!("id {} appears twice", conversation.id)));
        }
        if Language::parse(&conversation.lang).is_none() {
            return Err(fault("lang must be zh-TW or en"));
        }
        if conversation.turns.is_empty() || conversation.turns.iter().any(|t| t.trim().is_empty()) {
            return Err(fault("turns must hold at least one message, none blank"));
        }
        let expect = &conversation.expect;
        if expect
            .top3
            .iter()
            .chain(&expect.top5)
            .any(|group| group.is_empty() || group.iter().any(|k| k.is_empty()))
        {
            return Err(fault("a top3/top5 group is empty or has an empty keyword"));
        }
        conversations.push(conversation);
    }
    Ok(conversations)
}

/// A store for the run alone, removed when the run ends.
pub struct ScratchStore {
    dir: PathBuf,
}

impl Drop for ScratchStore {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The assistant as the server builds it, on the embedded catalogue and a
/// scratch SQLite store.
pub async fn assistant(understander: Understander) -> Result<(Assistant, ScratchStore), EvalError> {
    let setup = |e: &dyn std::fmt::Display| EvalError::Catalog(e.to_string());
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    let dir = std::env::temp_dir().join(format!("navigator-eval-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| setup(&e))?;
    let scratch = ScratchStore { dir };
    let url = format!("sqlite://{}", scratch.dir.join("eval.db").display());
    let store = crate::store::connect(&url).await.map_err(|e| setup(&e))?;
    crate::catalog::http::seed_if_empty(store.as_ref())
        .await
        .map_err(|e| setup(&e))?;
    let registry = Arc::new(DatasetRegistry::embedded()?);
    let tables: Tables = Catalog::embedded().map_err(|e| setup(&e))?.tables;
    let recommend = RecommendApi::new(
        store,
        registry.clone(),
        Arc::new(tables),
        understander.clone(),
        crate::vacancies::embedded().map_err(|e| setup(&e))?,
    );
    recommend.warm().await;
    let assistant = Assistant {
        recommend,
        understander,
        registry,
        needs: Arc::new(NeedRegistry::embedded()?),
        hotlines: Arc::new(Hotlines::embedded()?),
        pointers: Arc::new(Pointers::embedded()?),
        templates: Arc::new(Templates::embedded().map_err(|e| setup(&e))?),
    };
    Ok((assistant, scratch))
}

/// Spaces and hyphens do not count in a mention.
fn squeeze(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '‐' && *c != '－')
        .collect::<String>()
        .to_lowercase()
}

fn percentile(values: &mut [usize], share: f64) -> usize {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let at = ((values.len() as f64 - 1.0) * share).round() as usize;
    values[at.min(values.len() - 1)]
}

/// Every turn of one conversation; the last reply.
async fn converse(
    assistant: &Assistant,
    conversation: &Conversation,
    date: Date,
) -> Result<Reply, EvalError> {
    let held = Held::default();
    let mut earlier: Option<Earlier> = None;
    let mut last = None;
    for text in &conversation.turns {
        let reply = assistant
            .answer(text, date, earlier.as_ref(), &held, None)
            .await
            .map_err(|problem| EvalError::Catalog(problem.to_string()))?;
        if let Some(now) = Earlier::of(text.clone(), &reply) {
            earlier = Some(now);
        }
        last = Some(reply);
    }
    last.ok_or_else(|| EvalError::Catalog(format!("{}: no turns", conversation.id)))
}

#[derive(Default)]
struct Tally {
    passed: usize,
    crises: usize,
    crises_flagged: usize,
    kind_right: usize,
    calm: usize,
    false_alarms: usize,
    off_topic: usize,
    off_topic_found: usize,
    answered_off_topic: usize,
    groups3: (usize, usize),
    groups5: (usize, usize),
    absent_violations: usize,
    mentions: (usize, usize),
    chars_zh: Vec<usize>,
    chars_en: Vec<usize>,
}

pub async fn run(
    conversations: &[Conversation],
    assistant: &Assistant,
    date: Date,
) -> Result<Report, EvalError> {
    let recommender = assistant
        .recommend
        .recommender()
        .await
        .map_err(|problem| EvalError::Catalog(problem.to_string()))?;
    let names: BTreeMap<String, [String; 2]> = recommender
        .catalog()
        .services
        .iter()
        .map(|s| (s.id.clone(), [s.name.zh_tw.clone(), s.name.en.clone()]))
        .collect();
    let mut tally = Tally::default();
    let mut failures = Vec::new();
    for conversation in conversations {
        let reply = converse(assistant, conversation, date).await?;
        let expect = &conversation.expect;
        let mut wrong: Vec<String> = Vec::new();
        let shown: Vec<&[String; 2]> = reply
            .services
            .iter()
            .filter_map(|s| names.get(&s.service))
            .collect();
        let matches = |name: &[String; 2], keyword: &str| {
            name.iter()
                .any(|n| n.to_lowercase().contains(&keyword.to_lowercase()))
        };
        let group_in = |group: &[String], k: usize| {
            shown
                .iter()
                .take(k)
                .any(|name| group.iter().any(|keyword| matches(name, keyword)))
        };
        for (groups, k, count) in [
            (&expect.top3, 3, &mut tally.groups3),
            (&expect.top5, 5, &mut tally.groups5),
        ] {
            for group in groups {
                count.1 += 1;
                if group_in(group, k) {
                    count.0 += 1;
                } else {
                    wrong.push(format!("no {group:?} in the top {k}"));
                }
            }
        }
        for keyword in &expect.absent {
            let violations = shown.iter().filter(|name| matches(name, keyword)).count();
            if violations > 0 {
                tally.absent_violations += violations;
                wrong.push(format!("{keyword:?} shown"));
            }
        }
        let text = squeeze(&reply.text);
        for mention in &expect.mention {
            tally.mentions.1 += 1;
            if text.contains(&squeeze(mention)) {
                tally.mentions.0 += 1;
            } else {
                wrong.push(format!("{mention:?} not mentioned"));
            }
        }
        if expect.crisis == Crisis::None {
            tally.calm += 1;
            if reply.crisis {
                tally.false_alarms += 1;
                wrong.push("a false crisis alarm".to_owned());
            }
        } else {
            tally.crises += 1;
            let first = reply.hotlines.first().map(|h| h.number.as_str());
            if reply.crisis {
                tally.crises_flagged += 1;
                if first.is_some_and(|n| expect.crisis.first_lines().contains(&n)) {
                    tally.kind_right += 1;
                } else {
                    wrong.push(format!("{:?} crisis, but {first:?} first", expect.crisis));
                }
            } else {
                wrong.push(format!("{:?} crisis not flagged", expect.crisis));
            }
        }
        let answered_off_topic = reply.off_topic && reply.services.is_empty();
        tally.answered_off_topic += usize::from(answered_off_topic);
        if expect.off_topic {
            tally.off_topic += 1;
            if answered_off_topic {
                tally.off_topic_found += 1;
            } else {
                wrong.push(format!(
                    "off-topic, but {} services shown",
                    reply.services.len()
                ));
            }
        } else if answered_off_topic || reply.off_topic {
            wrong.push("answered as off-topic".to_owned());
        }
        let chars = reply.text.chars().count();
        match Language::parse(&conversation.lang) {
            Some(Language::En) => tally.chars_en.push(chars),
            _ => tally.chars_zh.push(chars),
        }
        if wrong.is_empty() {
            tally.passed += 1;
        } else {
            let top: Vec<&str> = shown.iter().take(5).map(|n| n[0].as_str()).collect();
            failures.push(format!(
                "{}: {} | shown {top:?}{}",
                conversation.id,
                wrong.join("; "),
                if reply.crisis { " | crisis" } else { "" }
            ));
        }
    }
    let share = |part: usize, whole: usize| {
        if whole == 0 {
            1.0
        } else {
            round(part as f64 / whole as f64)
        }
    };
    let off_topic_true = tally.off_topic_found;
    Ok(Report {
        n: conversations.len(),
        pass_rate: share(tally.passed, conversations.len()),
        crisis_recall: share(tally.crises_flagged, tally.crises),
        crisis_kind_right: share(tally.kind_right, tally.crises_flagged),
        false_alarm_rate: if tally.calm == 0 {
            0.0
        } else {
            round(tally.false_alarms as f64 / tally.calm as f64)
        },
        off_topic_recall: share(off_topic_true, tally.off_topic),
        off_topic_precision: share(off_topic_true, tally.answered_off_topic),
        top3_group_hit: share(tally.groups3.0, tally.groups3.1),
        top5_group_hit: share(tally.groups5.0, tally.groups5.1),
        absent_violations: tally.absent_violations,
        mention_hit: share(tally.mentions.0, tally.mentions.1),
        reply_chars_p50_zh: percentile(&mut tally.chars_zh, 0.5),
        reply_chars_p90_zh: percentile(&mut tally.chars_zh, 0.9),
        reply_chars_p90_en: percentile(&mut tally.chars_en, 0.9),
        failures,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_ignore_spaces_and_hyphens() {
        assert_eq!(squeeze("撥 0800-000 321"), "撥0800000321");
        assert!(squeeze("請洽 1999。").contains(&squeeze("1999")));
    }

    #[test]
    fn percentiles_of_reply_lengths() {
        assert_eq!(percentile(&mut [], 0.9), 0);
        assert_eq!(percentile(&mut [5, 1, 3, 2, 4], 0.5), 3);
        assert_eq!(percentile(&mut (1..=10).collect::<Vec<_>>(), 0.9), 9);
    }

    #[test]
    fn a_malformed_line_is_named() {
        let dir = std::env::temp_dir().join(format!("answers-eval-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a temp dir");
        let file = dir.join("bad.jsonl");
        std::fs::write(
            &file,
            concat!(
                r#"{"id":"a1","lang":"en","turns":["hi"],"expect":{"crisis":"none","off_topic":true}}"#,
                "\n",
                r#"{"id":"a2","lang":"en","turns":["hi"],"expect":{"crisis":"sad"}}"#,
                "\n"
            ),
        )
        .expect("write");
        let error = read(&file).expect_err("the second line is malformed");
        assert!(error.to_string().contains(":2"), "{error}");
        let _ = std::fs::remove_dir_all(dir);
    }
}
