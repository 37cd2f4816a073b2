//! A reply: its structured parts and the text rendered from them with the
//! templates of `prompts/`. The text says nothing the parts do not hold.

use minijinja::Environment;
use serde::{Deserialize, Serialize};

use super::detail::DetailAnswer;
use super::held::DataUsed;
use super::hotlines::Hotline;
use super::plan::DataAsk;
use super::pointers::Pointer;
use crate::recommend::{Received, Recommendation};
use crate::understand::language::Language;
use crate::vacancies::matching::VacancyMatch;

#[derive(Debug, thiserror::Error)]
pub enum ReplyError {
    #[error("template {0} is missing from the binary")]
    Missing(String),
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
}

#[derive(rust_embed::RustEmbed)]
#[folder = "prompts/"]
#[include = "*.j2"]
struct Prompts;

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reply {
    pub turn: i64,
    pub language: String,
    /// The rendered answer, from `prompts/reply.<language>.j2`.
    pub text: String,
    /// Its opening: the few lines that answer the message, for pages that
    /// show the services as cards below.
    #[serde(default)]
    pub lead: String,
    /// Needs understood, as ids.
    pub needs: Vec<String>,
    /// The same needs in words, in the reply's language.
    #[serde(default)]
    pub need_names: Vec<String>,
    /// The message named no need of its own and was taken as a follow-up
    /// on the conversation's earlier needs.
    #[serde(default)]
    pub follows_up: bool,
    /// The classifier was sure of no need: the services are its best
    /// guesses, and the reply says so.
    #[serde(default)]
    pub unsure: bool,
    /// For a follow-up: the question the conversation is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    /// Whether the crisis detector fired; then `hotlines` come first.
    pub crisis: bool,
    pub hotlines: Vec<Hotline>,
    /// No services: the message is off-topic, or too vague to guess from
    /// and the citizen is asked what they need.
    pub clarify: bool,
    /// The message asks for nothing the platform covers: no services, no
    /// data request, and `pointer` says where it is handled.
    #[serde(default)]
    pub off_topic: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pointer: Option<Pointer>,
    /// A detail question's answers, quoted from the services' entries.
    #[serde(default)]
    pub details: Vec<DetailAnswer>,
    /// The records that would settle unknown verdicts; empty in a crisis.
    pub data_request: Vec<DataAsk>,
    pub services: Vec<Recommendation>,
    /// Judged on the records and found not to apply, each with the
    /// condition that failed.
    #[serde(default)]
    pub not_eligible: Vec<Recommendation>,
    pub already_receiving: Vec<Received>,
    pub vacancies: Vec<VacancyMatch>,
    /// A job need with no region known yet: the reply asks where the
    /// citizen looks for work instead of listing vacancies anywhere.
    #[serde(default)]
    pub ask_region: bool,
    /// The consented records this answer read: from whom, fetched when,
    /// deleted when.
    #[serde(default)]
    pub data_used: Vec<DataUsed>,
    /// This answer came after the citizen consented, not after a message.
    #[serde(default)]
    pub after_consent: bool,
}

fn value<T: Serialize>(of: T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(of))
}

/// The rendered reply: the whole text, and its opening lines alone.
pub struct Rendered {
    pub text: String,
    pub lead: String,
}

/// A dataset asked for, as the reply names it: in words, with its agency.
#[derive(Serialize)]
struct Named<'a> {
    name: &'a str,
    agency: &'a str,
    why: &'a str,
    status: super::plan::AskStatus,
}

/// A timestamp as the reader writes a date: 2026-12-07 (zh-TW) or
/// 7 Dec 2026 (en).
fn reader_date(stamp: &str, language: Language) -> String {
    let day = stamp.get(..10).unwrap_or(stamp);
    let format = time::macros::format_description!("[year]-[month]-[day]");
    match (language, time::Date::parse(day, format)) {
        (Language::En, Ok(date)) => {
            const MONTHS: [&str; 12] = [
                "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
            ];
            let month = MONTHS[usize::from(u8::from(date.month())) - 1];
            format!("{} {month} {}", date.day(), date.year())
        }
        _ => day.to_owned(),
    }
}

/// The reply templates, compiled once.
pub struct Templates {
    environment: Environment<'static>,
}

impl Templates {
    pub fn embedded() -> Result<Self, ReplyError> {
        let mut environment = Environment::new();
        for language in [Language::ZhTw, Language::En] {
            let name = format!("reply.{}.j2", language.as_str());
            let file = Prompts::get(&name).ok_or_else(|| ReplyError::Missing(name.clone()))?;
            let source = String::from_utf8_lossy(&file.data).into_owned();
            environment.add_template_owned(name, source)?;
        }
        Ok(Self { environment })
    }

    /// Renders `reply`'s parts; its datasets already carry their names.
    pub fn render(&self, reply: &Reply, language: Language) -> Result<Rendered, ReplyError> {
        let template = self
            .environment
            .get_template(&format!("reply.{}.j2", language.as_str()))?;
        let received: Vec<&String> = reply.already_receiving.iter().map(|r| &r.name).collect();
        let asks: Vec<Named> = reply
            .data_request
            .iter()
            .map(|ask| Named {
                name: &ask.name,
                agency: &ask.agency_name,
                why: &ask.why,
                status: ask.status,
            })
            .collect();
        let used: Vec<serde_json::Value> = reply
            .data_used
            .iter()
            .map(|u| {
                serde_json::json!({
                    "name": u.name,
                    "agency": u.agency_name,
                    "fetched_at": reader_date(&u.fetched_at, language),
                    "deleted_by": reader_date(&u.deleted_by, language),
                })
            })
            .collect();
        let render = |part: &str| {
            template.render(minijinja::context! {
                part => part,
                crisis => reply.crisis,
                hotlines => value(&reply.hotlines),
                needs => value(&reply.need_names),
                off_topic => reply.off_topic,
                pointer => value(&reply.pointer),
                details => value(&reply.details),
                follows_up => reply.follows_up,
                unsure => reply.unsure,
                asks => value(&asks),
                services => value(&reply.services),
                not_eligible => value(&reply.not_eligible),
                already_receiving => value(&received),
                vacancies => value(&reply.vacancies),
                ask_region => reply.ask_region,
                used => value(&used),
            })
        };
        Ok(Rendered {
            text: tidy(&render("all")?),
            lead: tidy(&render("lead")?),
        })
    }
}

/// Trims the text and folds runs of blank lines into one.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = false;
    for line in text.trim().lines() {
        let line = line.trim_end();
        if line.is_empty() {
            if !blank && !out.is_empty() {
                out.push('\n');
            }
            blank = true;
            continue;
        }
        blank = false;
        out.push_str(line);
        out.push('\n');
    }
    out.trim_end().to_owned()
}
