//! Rendering a page: the template, the visitor's language (`?lang=`, then
//! the `navigator_lang` cookie, then `Accept-Language`, then zh-TW), the
//! interface strings of `web/i18n/*.yaml` in that language, and the
//! anti-CSRF token the page's scripts send back.

use std::collections::BTreeMap;

use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use minijinja::Environment;
use serde::Deserialize;

use super::guard;
use crate::http::Problem;

#[derive(Debug, thiserror::Error)]
pub enum PagesError {
    #[error("web file {0} is missing from the binary")]
    Missing(String),
    #[error("web/{file}: {source}")]
    Strings {
        file: String,
        source: serde_yaml_ng::Error,
    },
    #[error("web/{file}: the string {key} is defined twice")]
    Duplicate { file: String, key: String },
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
}

#[derive(rust_embed::RustEmbed)]
#[folder = "web/"]
#[include = "templates/*.html"]
#[include = "i18n/*.yaml"]
struct WebFiles;

pub const LANG_COOKIE: &str = "navigator_lang";

/// The languages pages come in.
pub const LANGUAGES: [&str; 2] = ["zh-TW", "en"];

#[derive(Debug, Default, Deserialize)]
pub struct LangChoice {
    lang: Option<String>,
}

/// The interface strings: key → language → text.
type Strings = BTreeMap<String, BTreeMap<String, String>>;

pub struct Pages {
    environment: Environment<'static>,
    strings: Strings,
}

/// The language to answer in, and whether the visitor just chose it.
fn language(headers: &HeaderMap, choice: &LangChoice) -> (&'static str, bool) {
    let known = |raw: &str| LANGUAGES.into_iter().find(|l| l.eq_ignore_ascii_case(raw));
    if let Some(chosen) = choice.lang.as_deref().and_then(known) {
        return (chosen, true);
    }
    if let Some(kept) = crate::http::cookie(headers, LANG_COOKIE).and_then(known) {
        return (kept, false);
    }
    let accepts_english_first = headers
        .get(axum::http::header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(',').next())
        .is_some_and(|first| first.trim().to_ascii_lowercase().starts_with("en"));
    (if accepts_english_first { "en" } else { "zh-TW" }, false)
}

impl Pages {
    pub fn embedded() -> Result<Self, PagesError> {
        let mut environment = Environment::new();
        for name in WebFiles::iter().filter(|n| n.starts_with("templates/")) {
            let file = WebFiles::get(&name).ok_or_else(|| PagesError::Missing(name.to_string()))?;
            let source = String::from_utf8_lossy(&file.data).into_owned();
            let short = name.trim_start_matches("templates/").to_owned();
            environment.add_template_owned(short, source)?;
        }
        let mut strings = Strings::new();
        for name in WebFiles::iter().filter(|n| n.starts_with("i18n/")) {
            let file = WebFiles::get(&name).ok_or_else(|| PagesError::Missing(name.to_string()))?;
            let found: Strings =
                serde_yaml_ng::from_slice(&file.data).map_err(|source| PagesError::Strings {
                    file: name.to_string(),
                    source,
                })?;
            for (key, texts) in found {
                if strings.insert(key.clone(), texts).is_some() {
                    return Err(PagesError::Duplicate {
                        file: name.to_string(),
                        key,
                    });
                }
            }
        }
        Ok(Self {
            environment,
            strings,
        })
    }

    /// The strings in `lang`, falling back to zh-TW for any not translated.
    fn strings_in(&self, lang: &str) -> BTreeMap<&str, &str> {
        self.strings
            .iter()
            .filter_map(|(key, texts)| {
                let text = texts.get(lang).or_else(|| texts.get("zh-TW"))?;
                Some((key.as_str(), text.as_str()))
            })
            .collect()
    }

    /// Renders `template` with `context`, the language, its strings and the
    /// page's anti-CSRF token (set as a cookie when the visitor has none).
    pub fn render(
        &self,
        template: &str,
        headers: &HeaderMap,
        choice: &LangChoice,
        context: minijinja::Value,
    ) -> Result<Response, Problem> {
        let (lang, chosen) = language(headers, choice);
        let existing =
            crate::http::cookie(headers, guard::CSRF_COOKIE).filter(|t| guard::is_token(t));
        let csrf = existing.map_or_else(crate::secrets::random_token, str::to_owned);
        let strings = self.strings_in(lang);
        let other = if lang == "en" { "zh-TW" } else { "en" };
        let html = self
            .environment
            .get_template(template)
            .and_then(|t| {
                t.render(minijinja::context! {
                    lang => lang,
                    other_lang => other,
                    t => minijinja::Value::from(minijinja::value::Serde(&strings)),
                    csrf => &csrf,
                    ..context
                })
            })
            .map_err(|e| Problem::internal(&e))?;
        let mut response = (
            [
                (CONTENT_TYPE, "text/html; charset=utf-8"),
                (CACHE_CONTROL, "no-store"),
            ],
            html,
        )
            .into_response();
        let cookies = response.headers_mut();
        if existing.is_none()
            && let Ok(value) = HeaderValue::from_str(&guard::csrf_cookie(&csrf))
        {
            cookies.append(SET_COOKIE, value);
        }
        if chosen
            && let Ok(value) = HeaderValue::from_str(&format!(
                "{LANG_COOKIE}={lang}; Path=/; SameSite=Lax; Max-Age=31536000"
            ))
        {
            cookies.append(SET_COOKIE, value);
        }
        Ok(response)
    }
}
