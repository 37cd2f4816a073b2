//! `/me`: the citizen's own page — their trail, their consents (revoke,
//! download the receipt) and counter tickets. The shell is rendered here;
//! `web/static/me.js` fills it from `/api/me/…` once the citizen is logged
//! in, so nothing personal is ever in the HTML.
//!
//! The page lists the platform's datasets (for the ticket form, and to
//! name each dataset's agency in the trail filter). No route tells a
//! citizen that list, so it comes from the dataset registry, which is
//! embedded and parsed in microseconds; read per request rather than kept
//! in a global.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;

use super::WebApi;
use super::pages::LangChoice;
use crate::http::{Problem, Query};
use crate::spec::DatasetRegistry;

/// A dataset as the page shows it: its agency's name in both languages
/// (the template picks one) and the login level it needs.
#[derive(Serialize)]
struct DatasetChoice {
    id: String,
    agency: String,
    agency_zh: String,
    agency_en: String,
    level: &'static str,
}

fn dataset_choices() -> Result<Vec<DatasetChoice>, Problem> {
    let registry = DatasetRegistry::embedded().map_err(|e| Problem::internal(&e))?;
    Ok(registry
        .datasets()
        .map(|dataset| {
            let agency = registry.provider(&dataset.provider);
            DatasetChoice {
                id: dataset.id.to_string(),
                agency: dataset.provider.to_string(),
                agency_zh: agency.map(|a| a.zh.clone()).unwrap_or_default(),
                agency_en: agency.map(|a| a.en.clone()).unwrap_or_default(),
                level: dataset.loa.as_str(),
            }
        })
        .collect())
}

pub(super) async fn me(
    State(api): State<WebApi>,
    headers: HeaderMap,
    Query(choice): Query<LangChoice>,
) -> Result<Response, Problem> {
    let datasets = dataset_choices()?;
    api.pages.render(
        "me.html",
        &headers,
        &choice,
        minijinja::context! { datasets => minijinja::value::Serde(datasets) },
    )
}
