//! The OpenAPI document of every HTTP route, served at `GET /openapi.json`.
//!
//! Every router registers its handlers with utoipa-axum's `routes!`, which
//! takes the path and method from the handler's `#[utoipa::path]`: the
//! router and the document come from the same place, so a route cannot be
//! served undocumented (tests/api/openapi.rs checks that no plain
//! `.route(` is left). Here the pieces are finished: problem+json bodies
//! for every error status, the errors any route can answer (the body
//! limit, the forgery guard, the time limit, a panic), and the security
//! schemes the handlers' extractors check.

use std::sync::{Arc, OnceLock};

use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::Problem;
use crate::ids::{AgencyId, DatasetId, NationalId};

pub const PATH: &str = "/openapi.json";
const PROBLEM_JSON: &str = "application/problem+json";

/// The security schemes, by the names the handlers' `security(...)` use.
pub const OPERATOR: &str = "operator_token";
pub const AGENCY: &str = "agency_token";
pub const SESSION: &str = "session_cookie";
pub const BROKER: &str = "broker_token";
pub const ACCESS: &str = "access_token";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "MyData Navigator",
        description = "Turns a citizen's question into consented, explained, personal public \
                       services over a MyData broker. Every error is an RFC 9457 \
                       `application/problem+json` body."
    ),
    components(schemas(Problem, NationalId, DatasetId, AgencyId))
)]
struct Base;

/// The rendered document, filled once the whole router is assembled.
#[derive(Clone, Default)]
pub struct Document(Arc<OnceLock<String>>);

impl Document {
    /// Finishes `api` and keeps it to be served.
    pub fn publish(&self, api: utoipa::openapi::OpenApi) -> Result<(), serde_json::Error> {
        let json = serde_json::to_string(&finish(api))?;
        // Set once per application; a second call would carry the same routes.
        let _ = self.0.set(json);
        Ok(())
    }
}

/// An empty router carrying the document's info and shared components.
pub fn base() -> OpenApiRouter {
    OpenApiRouter::with_openapi(Base::openapi())
}

/// `GET /openapi.json`, answering with what `document` is given.
pub fn router(document: Document) -> OpenApiRouter {
    OpenApiRouter::new()
        .routes(routes!(openapi_json))
        .with_state(document)
}

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses(
        (status = 200, description = "The OpenAPI 3.1 document of every route", content_type = "application/json", body = Object),
        (status = 503, description = "The document is not assembled yet"),
    )
)]
async fn openapi_json(State(document): State<Document>) -> axum::response::Response {
    match document.0.get() {
        Some(json) => ([(CONTENT_TYPE, "application/json")], json.clone()).into_response(),
        None => Problem::service_unavailable("the API document is not ready").into_response(),
    }
}

/// Adds what every operation shares and the security schemes.
pub fn finish(mut api: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    unique_operation_ids(&mut api);
    for item in api.paths.paths.values_mut() {
        for operation in operations(item) {
            common_errors(operation);
            for (status, response) in operation.responses.responses.iter_mut() {
                if let RefOr::T(response) = response
                    && (status.starts_with('4') || status.starts_with('5'))
                {
                    problem_body(response);
                }
            }
        }
    }
    let components = api.components.get_or_insert_with(Default::default);
    let bearer = |description: &str, format: Option<&str>| {
        let mut http = HttpBuilder::new()
            .scheme(HttpAuthScheme::Bearer)
            .description(Some(description));
        if let Some(format) = format {
            http = http.bearer_format(format);
        }
        SecurityScheme::Http(http.build())
    };
    components.add_security_scheme(
        OPERATOR,
        bearer(
            "The platform operator's token (`--operator-token`, or the `operator-token` \
             file in the data directory)",
            None,
        ),
    );
    components.add_security_scheme(
        AGENCY,
        bearer(
            "An agency's catalogue token, issued by `POST /api/admin/agencies/{agency}/token`",
            None,
        ),
    );
    components.add_security_scheme(
        SESSION,
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::identity::session::COOKIE_NAME,
            "A citizen's (or staff member's) session, set by a login",
        ))),
    );
    components.add_security_scheme(
        BROKER,
        bearer(
            "A short-lived, single-use token the broker signs for one provider call",
            Some("JWT"),
        ),
    );
    components.add_security_scheme(
        ACCESS,
        bearer(
            "An access token from `POST /oauth/token` (authorization code with PKCE and a \
             `private_key_jwt` client assertion)",
            None,
        ),
    );
    api
}

/// Operation ids default to the handler's name, which several modules
/// share (`show`, `verify`) and each nested provider repeats; a shared one
/// is replaced by the method and path, which are unique.
fn unique_operation_ids(api: &mut utoipa::openapi::OpenApi) {
    let mut seen = std::collections::BTreeMap::<String, usize>::new();
    for item in api.paths.paths.values_mut() {
        for operation in operations(item) {
            if let Some(id) = &operation.operation_id {
                *seen.entry(id.clone()).or_default() += 1;
            }
        }
    }
    for (path, item) in api.paths.paths.iter_mut() {
        for (method, operation) in methods(item) {
            let shared = operation
                .operation_id
                .as_ref()
                .is_none_or(|id| seen.get(id).is_some_and(|n| *n > 1));
            if shared {
                let words: String = path
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                let words: Vec<&str> = words.split('_').filter(|w| !w.is_empty()).collect();
                operation.operation_id = Some(format!("{method}_{}", words.join("_")));
            }
        }
    }
}

fn methods(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("get", item.get.as_mut()),
        ("put", item.put.as_mut()),
        ("post", item.post.as_mut()),
        ("delete", item.delete.as_mut()),
        ("patch", item.patch.as_mut()),
        ("head", item.head.as_mut()),
        ("options", item.options.as_mut()),
        ("trace", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| Some((method, operation?)))
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    methods(item).map(|(_, operation)| operation)
}

/// Answers the layers of `app::with_common_layers` give on any route.
fn common_errors(operation: &mut Operation) {
    let mut add = |status: &str, description: &str| {
        operation
            .responses
            .responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(ResponseBuilder::new().description(description).build()));
    };
    add(
        "500",
        "Something went wrong on the server's side (logged, not shown)",
    );
    add(
        "503",
        "The request ran past the time limit, or a dependency is unavailable",
    );
    if let Some(body) = &operation.request_body {
        add(
            "400",
            "The body is malformed or a field is missing or invalid",
        );
        add("413", "The body is over the size limit (64 KiB)");
        add("403", "Refused as a possibly forged cross-site request");
        if body.content.contains_key("application/json") {
            add("415", "The body is not sent as `application/json`");
            add(
                "422",
                "The JSON does not have the fields and types asked for",
            );
        }
    }
    if operation.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
        add("400", "A path or query parameter is malformed");
    }
}

/// Error responses without a body of their own carry a problem.
fn problem_body(response: &mut Response) {
    if response.content.is_empty() {
        response.content.insert(
            PROBLEM_JSON.to_owned(),
            Content::new(Some(Ref::from_schema_name("Problem"))),
        );
    }
}
