//! `GET /openapi.json`: an OpenAPI 3 document that documents every route
//! the server answers, and only those, with request schemas, problem+json
//! errors and the security schemes the handlers check.

use std::path::Path;

use mydata_navigator::store::Backend;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{OPERATOR_TOKEN, TestApp, repo_path, spawn_app};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "patch", "head", "options", "trace",
];

/// What the fallback says to a path no router claims.
const NO_ROUTE: &str = "there is nothing at this address";

async fn document(app: &TestApp) -> Value {
    let response = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    response.json().await.expect("the document is JSON")
}

/// Every (method, path) of the document.
fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if item.get(method).is_some() {
                found.push((method.to_owned(), path.clone()));
            }
        }
    }
    found
}

/// Follows a local `$ref` (`#/components/schemas/X`).
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.strip_prefix('#').expect("a local reference");
            doc.pointer(pointer)
                .unwrap_or_else(|| panic!("{reference} resolves"))
        }
        None => schema,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_is_openapi_3_and_names_its_security_schemes() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = document(&app).await;
    assert!(
        doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")),
        "{}",
        doc["openapi"]
    );
    assert_eq!(doc["info"]["title"], "MyData Navigator");
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["operator_token"]["type"], "http");
    assert_eq!(schemes["operator_token"]["scheme"], "bearer");
    assert_eq!(schemes["agency_token"]["scheme"], "bearer");
    assert_eq!(schemes["session_cookie"]["type"], "apiKey");
    assert_eq!(schemes["session_cookie"]["in"], "cookie");
    assert_eq!(schemes["session_cookie"]["name"], "navigator_session");
    assert_eq!(schemes["broker_token"]["bearerFormat"], "JWT");
    assert_eq!(schemes["access_token"]["scheme"], "bearer");

    // Every scheme an operation asks for exists, and every operation has
    // an id of its own and at least one answer that is not an error.
    let mut ids = std::collections::BTreeSet::new();
    for (method, path) in operations(&doc) {
        let operation = &doc["paths"][&path][&method];
        let id = operation["operationId"].as_str().expect("an operationId");
        assert!(ids.insert(id.to_owned()), "{id} is used twice");
        for requirement in operation["security"].as_array().into_iter().flatten() {
            for name in requirement.as_object().unwrap().keys() {
                assert!(schemes.get(name).is_some(), "{method} {path}: {name}");
            }
        }
        let responses = operation["responses"].as_object().expect("responses");
        assert!(
            responses
                .keys()
                .any(|s| s.starts_with('2') || s.starts_with('3')),
            "{method} {path} documents no success"
        );
    }
    let verify = &doc["paths"]["/api/audit/verify"]["get"];
    assert_eq!(
        verify["security"][0]["operator_token"],
        serde_json::json!([])
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_routed() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = document(&app).await;
    let operations = operations(&doc);
    // The JSON APIs, the OAuth endpoints, the providers, the pages.
    for expected in [
        ("post", "/api/understand"),
        ("get", "/healthz"),
        ("get", "/readyz"),
        ("post", "/oauth/token"),
        ("post", "/oauth/par"),
        ("get", "/oauth/authorize"),
        ("get", "/.well-known/oauth-authorization-server"),
        ("get", "/assistant/callback"),
        ("get", "/openapi.json"),
        ("delete", "/api/catalog/services/{id}"),
        ("get", "/providers/mol.bli/v1/datasets"),
        ("get", "/"),
    ] {
        assert!(
            operations
                .iter()
                .any(|(m, p)| (m.as_str(), p.as_str()) == expected),
            "{expected:?} is not documented"
        );
    }
    for (method, path) in &operations {
        let concrete = path
            .split('/')
            .map(|part| if part.starts_with('{') { "x" } else { part })
            .collect::<Vec<_>>()
            .join("/");
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let response = app
            .client
            .request(method.clone(), app.url(&concrete))
            .send()
            .await
            .expect("request");
        let status = response.status();
        let body = response.text().await.unwrap_or_default();
        assert_ne!(status, 405, "{method} {path} is documented but not routed");
        assert!(
            !(status == 404 && body.contains(NO_ROUTE)),
            "{method} {path} is documented but falls through to no route"
        );
    }
}

/// Routes are registered only through utoipa-axum's `routes!`, which takes
/// path and method from the handler's `#[utoipa::path]`: a plain axum
/// `.route(` would serve a path the document does not show.
#[test]
fn no_route_is_registered_past_the_document() {
    fn visit(dir: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                visit(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (number, line) in text.lines().enumerate() {
                    let code = line.trim_start();
                    if code.starts_with("//") {
                        continue;
                    }
                    for plain in [".route(", ".route_service(", ".nest_service("] {
                        if code.contains(plain) {
                            found.push(format!("{}:{}: {code}", path.display(), number + 1));
                        }
                    }
                }
            }
        }
    }
    let mut found = Vec::new();
    visit(&repo_path("src"), &mut found);
    assert!(
        found.is_empty(),
        "register routes with routes!(handler) and #[utoipa::path]:\n{}",
        found.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemas_require_what_the_handlers_require() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = document(&app).await;

    let understand = &doc["paths"]["/api/understand"]["post"]["requestBody"];
    let schema = resolve(&doc, &understand["content"]["application/json"]["schema"]);
    assert!(
        schema["required"]
            .as_array()
            .is_some_and(|r| r.contains(&"text".into())),
        "{schema}"
    );
    assert_eq!(schema["properties"]["text"]["maxLength"], 2000);

    let fetch = &doc["paths"]["/api/broker/fetch"]["post"];
    let body = resolve(
        &doc,
        &fetch["requestBody"]["content"]["application/json"]["schema"],
    );
    for field in ["subject", "datasets", "purpose"] {
        assert!(
            body["required"].as_array().unwrap().contains(&field.into()),
            "{field}"
        );
    }
    let subject = resolve(&doc, &body["properties"]["subject"]);
    assert_eq!(subject["pattern"], "^[A-Z][1289][0-9]{8}$");

    // Errors are problems, except OAuth's own error bodies.
    let problem = &doc["components"]["schemas"]["Problem"];
    for field in ["type", "title", "status"] {
        assert!(
            problem["required"]
                .as_array()
                .unwrap()
                .contains(&field.into()),
            "{field}"
        );
    }
    for (method, path) in operations(&doc) {
        let responses = doc["paths"][&path][&method]["responses"]
            .as_object()
            .unwrap();
        for (status, response) in responses {
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            let content = response["content"].as_object().expect("error content");
            let oauth = path.starts_with("/oauth/");
            let (kind, schema) = if oauth && content.contains_key("application/json") {
                ("application/json", "#/components/schemas/OAuthErrorBody")
            } else {
                ("application/problem+json", "#/components/schemas/Problem")
            };
            assert_eq!(
                content[kind]["schema"]["$ref"], schema,
                "{method} {path} {status}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_documented_error_is_what_the_server_answers() {
    let app = spawn_app(Backend::Sqlite).await;
    let doc = document(&app).await;
    let documented = &doc["paths"]["/api/audit/verify"]["get"]["responses"];
    assert!(documented.get("401").is_some());
    assert!(documented.get("200").is_some());

    let refused = app
        .client
        .get(app.url("/api/audit/verify"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers()["content-type"].to_str().unwrap(),
        "application/problem+json"
    );
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["status"], 401);
    assert!(problem["type"].is_string() && problem["title"].is_string());

    let report: Value = app
        .client
        .get(app.url("/api/audit/verify"))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let schema = resolve(
        &doc,
        &documented["200"]["content"]["application/json"]["schema"],
    );
    for field in schema["required"].as_array().unwrap() {
        assert!(
            report.get(field.as_str().unwrap()).is_some(),
            "{field} is missing from {report}"
        );
    }
}
