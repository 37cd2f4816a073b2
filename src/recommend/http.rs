//! `POST /api/recommend {"text": "...", "records": {...}}`: the services a
//! question and some records lead to, ranked and explained in the
//! question's language, with vacancies for job needs. The records are the
//! caller's own (a what-if, as a benefits simulator takes them); nothing
//! is fetched, stored or logged, so it needs no login.
//!
//! The recommender is derived from the catalogue in the database, which
//! agencies change at any time: each request compares the catalogue's
//! stamps with those the current recommender was built from, and the first
//! request after a change rebuilds it (reusing unchanged embeddings).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::State;
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, OnceCell, RwLock};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Received, Recommendation, Recommender, Records};
use crate::catalog::Tables;
use crate::http::{Body, Problem};
use crate::ids::DatasetId;
use crate::index::{self, VectorIndex};
use crate::spec::DatasetRegistry;
use crate::store::Store;
use crate::understand::MAX_TEXT_CHARS;
use crate::understand::{Understander, Understanding};
use crate::vacancies::Vacancy;
use crate::vacancies::board::VacancyBoard;
use crate::vacancies::matching::VacancyMatch;

/// The day in Taiwan, whose date the rules' ages and periods count in.
pub fn today_in_taiwan() -> time::Date {
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::now_utc().to_offset(offset).date()
}

/// A recommender and the catalogue version it was built from.
type Built = (String, Arc<Recommender>);

#[derive(Clone)]
pub struct RecommendApi {
    pub store: Arc<dyn Store>,
    pub registry: Arc<DatasetRegistry>,
    pub tables: Arc<Tables>,
    pub understander: Understander,
    /// The feed, embedded into a board on first use.
    vacancies: Arc<Vec<Vacancy>>,
    board: Arc<OnceCell<Arc<VacancyBoard>>>,
    current: Arc<RwLock<Option<Built>>>,
    rebuilding: Arc<Mutex<()>>,
    /// Set once a recommender has been built: questions can be answered.
    built: Arc<AtomicBool>,
}

impl RecommendApi {
    pub fn new(
        store: Arc<dyn Store>,
        registry: Arc<DatasetRegistry>,
        tables: Arc<Tables>,
        understander: Understander,
        vacancies: Vec<Vacancy>,
    ) -> Self {
        Self {
            store,
            registry,
            tables,
            understander,
            vacancies: Arc::new(vacancies),
            board: Arc::new(OnceCell::new()),
            current: Arc::new(RwLock::new(None)),
            rebuilding: Arc::new(Mutex::new(())),
            built: Arc::new(AtomicBool::new(false)),
        }
    }

    async fn version(&self) -> Result<String, Problem> {
        let stamps = self
            .store
            .catalog_stamps()
            .await
            .map_err(|e| Problem::internal(&e))?;
        let mut hash = Sha256::new();
        for (id, updated) in stamps {
            hash.update(id.as_bytes());
            hash.update(updated.to_le_bytes());
        }
        Ok(hex::encode(&hash.finalize()[..12]))
    }

    async fn board(&self) -> Result<Arc<VacancyBoard>, Problem> {
        self.board
            .get_or_try_init(|| async {
                let index = index::for_kind("vacancies", self.understander.pool().embedder().dim())
                    .map_err(|e| Problem::internal(&e))?;
                VacancyBoard::build(self.vacancies.as_ref().clone(), &self.understander, index)
                    .await
                    .map(Arc::new)
                    .map_err(|e| Problem::internal(&e))
            })
            .await
            .cloned()
    }

    /// The recommender for the catalogue as it is now. A build runs as a
    /// task of its own, so a caller that stops waiting (a timeout, a client
    /// gone) does not waste it; a caller waits at most `BUILD_WAIT`, then
    /// gets a 503 with `Retry-After` while the build finishes.
    pub async fn recommender(&self) -> Result<Arc<Recommender>, Problem> {
        let version = self.version().await?;
        if let Some((built, recommender)) = self.current.read().await.as_ref()
            && *built == version
        {
            return Ok(recommender.clone());
        }
        let api = self.clone();
        let build = tokio::spawn(async move { api.rebuild().await });
        match tokio::time::timeout(BUILD_WAIT, build).await {
            Ok(Ok(built)) => built,
            Ok(Err(failed)) => Err(Problem::internal(&failed)),
            Err(_) => Err(Problem::service_unavailable(
                "the recommender is being built from the catalogue; try again shortly",
            )
            .retry_after(BUILD_WAIT.as_secs())),
        }
    }

    /// Builds the recommender ahead of the first question.
    pub async fn warm(&self) {
        if let Err(problem) = self.rebuild().await {
            tracing::warn!(%problem, "could not build the recommender ahead of time");
        }
    }

    async fn rebuild(&self) -> Result<Arc<Recommender>, Problem> {
        // One build at a time; those who waited find it done.
        let _turn = self.rebuilding.lock().await;
        let version = self.version().await?;
        if let Some((built, recommender)) = self.current.read().await.as_ref()
            && *built == version
        {
            return Ok(recommender.clone());
        }
        let started = std::time::Instant::now();
        let catalog = crate::catalog::http::current(self.store.as_ref(), &self.tables).await?;
        let index: Box<dyn VectorIndex> =
            index::for_kind("services", self.understander.pool().embedder().dim())
                .map_err(|e| Problem::internal(&e))?;
        let mut recommender =
            Recommender::build(catalog, &self.registry, &self.understander, index)
                .await
                .map_err(|e| Problem::internal(&e))?;
        if !self.vacancies.is_empty() {
            recommender = recommender.with_vacancies(self.board().await?);
        }
        let recommender = Arc::new(recommender);
        *self.current.write().await = Some((version.clone(), recommender.clone()));
        self.built.store(true, Ordering::Release);
        tracing::info!(
            catalogue = %version,
            ms = started.elapsed().as_millis() as u64,
            "recommender built"
        );
        Ok(recommender)
    }
}

/// Not ready until the first recommender is built: until then every
/// conversation gets a 503.
impl crate::http::Readiness for RecommendApi {
    fn unready(&self) -> Option<&'static str> {
        if self.built.load(Ordering::Acquire) {
            return None;
        }
        // While not ready no question arrives to start a build (a failed
        // warm-up, say), so the check starts one unless one is running.
        let idle = self.rebuilding.try_lock().is_ok();
        if idle && let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let api = self.clone();
            runtime.spawn(async move { api.warm().await });
        }
        Some("the recommender is being built from the catalogue")
    }
}

/// How long a request waits for a recommender being built.
const BUILD_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

pub fn router(api: RecommendApi) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(recommend))
        .with_state(api)
}

/// The body `request_of` reads (by hand, so this only documents it).
#[allow(dead_code)]
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[schema(as = RecommendRequest)]
#[serde(deny_unknown_fields)]
struct AskedBody {
    /// The question; not blank, at most 2,000 characters.
    #[schema(min_length = 1, max_length = 2000, pattern = r"\S")]
    text: String,
    /// The caller's own records, keyed by dataset id, each in its
    /// dataset's shape (datasets.yaml); checked field by field.
    #[schema(value_type = Option<Object>)]
    records: Option<BTreeMap<String, serde_json::Value>>,
    /// The day the rules count ages and periods from (default: today in
    /// Taiwan).
    #[schema(value_type = Option<String>, format = Date, example = "2026-12-01")]
    date: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
#[schema(as = Recommendations)]
struct Answer {
    understanding: Understanding,
    services: Vec<Recommendation>,
    not_eligible: Vec<Recommendation>,
    already_receiving: Vec<Received>,
    vacancies: Vec<VacancyMatch>,
    /// Parts left out because a backend failed; the rest stands.
    degraded: Vec<String>,
    date: String,
}

/// Reads the body, refusing with the reason anything a rule could misread.
pub(crate) struct Asked {
    text: String,
    records: Records,
    date: Option<time::Date>,
}

pub(crate) fn request_of(body: &[u8], registry: &DatasetRegistry) -> Result<Asked, Problem> {
    let value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| Problem::bad_request(format!("the body is not valid JSON: {e}")))?;
    let Some(object) = value.as_object() else {
        return Err(Problem::bad_request(
            "send {\"text\": \"your question\", \"records\": {…}}",
        ));
    };
    if let Some(extra) = object
        .keys()
        .find(|k| !matches!(k.as_str(), "text" | "records" | "date"))
    {
        return Err(Problem::bad_request(format!(
            "unknown member \"{extra}\": send \"text\", and optionally \"records\" and \"date\""
        )));
    }
    let date = match object.get("date") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(day)) => Some(
            time::Date::parse(
                day,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| {
                Problem::bad_request(format!("\"date\" {day:?} is not a date like 2026-12-01"))
            })?,
        ),
        Some(_) => {
            return Err(Problem::bad_request(
                "\"date\" must be a string like 2026-12-01",
            ));
        }
    };
    let text = match object.get("text") {
        Some(serde_json::Value::String(text)) if !text.trim().is_empty() => text.clone(),
        Some(serde_json::Value::String(_)) => {
            return Err(Problem::bad_request("the text is empty"));
        }
        Some(_) => return Err(Problem::bad_request("\"text\" must be a string")),
        None => return Err(Problem::bad_request("\"text\" is missing")),
    };
    let length = text.chars().count();
    if length > MAX_TEXT_CHARS {
        return Err(Problem::bad_request(format!(
            "the text has {length} characters; at most {MAX_TEXT_CHARS} are read"
        )));
    }
    let mut records = BTreeMap::new();
    match object.get("records") {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::Object(given)) => {
            for (dataset, record) in given {
                let spec = DatasetId::parse(dataset)
                    .ok()
                    .and_then(|id| registry.dataset(&id))
                    .ok_or_else(|| {
                        Problem::bad_request(format!(
                            "records: \"{dataset}\" is not a dataset this platform knows"
                        ))
                    })?;
                spec.check_record(record).map_err(Problem::bad_request)?;
                records.insert(dataset.clone(), record.clone());
            }
        }
        Some(_) => {
            return Err(Problem::bad_request(
                "\"records\" must be an object keyed by dataset id",
            ));
        }
    }
    Ok(Asked {
        text,
        records,
        date,
    })
}

/// The services a question and some records lead to, ranked and
/// explained; a what-if: nothing is fetched, stored or logged.
#[utoipa::path(post, path = "/api/recommend", tag = "recommend",
    request_body = AskedBody,
    responses(
        (status = 200, description = "Ranked services with verdicts and reasons, and vacancies for job needs", body = Answer),
        (status = 400, description = "Not JSON, an unknown member, no or blank text, an unknown dataset or a record that does not fit it, or a bad date"),
    ))]
async fn recommend(
    State(api): State<RecommendApi>,
    Body(body): Body,
) -> Result<axum::Json<Answer>, Problem> {
    let asked = request_of(&body, &api.registry)?;
    let recommender = api.recommender().await?;
    let (understanding, embedding) = api
        .understander
        .understand_with_embedding(&asked.text)
        .await
        .map_err(|e| e.problem())?;
    let date = asked.date.unwrap_or_else(today_in_taiwan);
    let found = recommender
        .recommend(&understanding, &embedding, &asked.records, date)
        .await;
    Ok(axum::Json(Answer {
        understanding,
        services: found.ranked,
        not_eligible: found.not_eligible,
        already_receiving: found.already_receiving,
        vacancies: found.vacancies,
        degraded: found.degraded,
        date: date.to_string(),
    }))
}
