//! A reply: its structured parts and the text rendered from them with the
//! templates of `prompts/`. The text says nothing the parts do not hold.

use minijinja::Environment;
use serde::{Deserialize, Serialize};

use super::held::DataUsed;
use super::hotlines::Hotline;
use super::plan::DataAsk;
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
    /// Needs understood, as ids.
    pub needs: Vec<String>,
    /// The same needs in words, in the reply's language.
    #[serde(default)]
    pub need_names: Vec<String>,
    /// The message named no need of its own and was taken as a follow-up
    /// on the conversation's earlier needs.
    #[serde(default)]
    pub follows_up: bool,
    /// Whether the crisis detector fired; then `hotlines` come first.
    pub crisis: bool,
    pub hotlines: Vec<Hotline>,
    /// Asked only for a question about no service in particular.
    pub clarify: bool,
    /// The records that would settle unknown verdicts; empty in a crisis.
    pub data_request: Vec<DataAsk>,
    pub services: Vec<Recommendation>,
    /// Judged on the records and found not to apply, each with the
    /// condition that failed.
    #[serde(default)]
    pub not_eligible: Vec<Recommendation>,
    pub already_receiving: Vec<Received>,
    pub vacancies: Vec<VacancyMatch>,
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

    /// Renders `reply`'s parts; `need_names` are the needs in words.
    pub fn render(
        &self,
        reply: &Reply,
        language: Language,
        need_names: &[String],
    ) -> Result<String, ReplyError> {
        let template = self
            .environment
            .get_template(&format!("reply.{}.j2", language.as_str()))?;
        let received: Vec<&String> = reply.already_receiving.iter().map(|r| &r.name).collect();
        let text = template.render(minijinja::context! {
            crisis => reply.crisis,
            hotlines => value(&reply.hotlines),
            needs => value(need_names),
            out_of_scope => reply.clarify,
            asks => value(&reply.data_request),
            services => value(&reply.services),
            not_eligible => value(&reply.not_eligible),
            already_receiving => value(&received),
            vacancies => value(&reply.vacancies),
            used => value(&reply.data_used),
        })?;
        Ok(text.trim().to_owned())
    }
}
