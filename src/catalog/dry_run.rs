//! What an agency's editor needs while a service is being written, before
//! anything is stored: the text read as YAML or JSON (with the line of a
//! syntax error), each problem of [`super::validate`] placed at its
//! condition or test, and every rule test's result.
//!
//! - `POST /api/catalog/validate` (agency): the dry run
//! - `GET /api/catalog/mine` (agency): its services, also as YAML

use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::header::CONTENT_TYPE;
use serde::Serialize;
use serde_json::{Value, json};
use time::Date;

use super::http::{Agency, CatalogApi, problems_of};
use super::review;
use super::rules::{RuleEngine, Verdict};
use super::validate::TEST_DATE;
use super::{Catalog, Service, Tables};
use crate::http::{Body, Problem};
use crate::spec::DatasetRegistry;

/// One problem, placed where the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Located {
    pub service: Option<String>,
    pub condition: Option<String>,
    pub test: Option<String>,
    /// The text's line, for a text that does not parse.
    pub line: Option<usize>,
    pub reason: String,
}

/// A text the editor sent that is not a service: why, and where.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub reason: String,
    pub line: Option<usize>,
}

impl Unreadable {
    pub fn located(&self) -> Located {
        Located {
            service: None,
            condition: None,
            test: None,
            line: self.line,
            reason: self.reason.clone(),
        }
    }
}

/// A service from the editor's text: JSON when the content type says so,
/// YAML otherwise (YAML 1.2 reads JSON too).
pub fn read(content_type: &str, body: &[u8]) -> Result<Service, Unreadable> {
    if content_type.starts_with("application/json") {
        return serde_json::from_slice(body).map_err(|e| Unreadable {
            reason: e.to_string(),
            line: Some(e.line()),
        });
    }
    serde_yaml_ng::from_slice(body).map_err(|e| Unreadable {
        line: e.location().map(|l| l.line()),
        reason: e.to_string(),
    })
}

/// Places each of [`super::validate::validate_service`]'s problems, which
/// read `<service>: condition <id>: …` or `<service>: test "<name>": …`,
/// at the condition or test the service names; others stay with the
/// service as a whole.
pub fn locate(service: &Service, problems: &[String]) -> Vec<Located> {
    problems
        .iter()
        .map(|problem| {
            let mut located = Located {
                service: Some(service.id.clone()),
                condition: None,
                test: None,
                line: None,
                reason: problem.clone(),
            };
            let Some(rest) = problem.strip_prefix(&format!("{}: ", service.id)) else {
                return located;
            };
            located.reason = rest.to_owned();
            if let Some((id, reason)) = service.conditions.iter().find_map(|c| {
                let reason = rest.strip_prefix(&format!("condition {}: ", c.id))?;
                Some((c.id.clone(), reason))
            }) {
                located.condition = Some(id);
                located.reason = reason.to_owned();
            } else if let Some((name, reason)) = service.tests.iter().find_map(|t| {
                let reason = rest.strip_prefix(&format!("test {:?}: ", t.name))?;
                Some((t.name.clone(), reason))
            }) {
                located.test = Some(name);
                located.reason = reason.to_owned();
            }
            located
        })
        .collect()
}

/// One rule test as run now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TestResult {
    pub name: String,
    pub expect: String,
    /// The verdict the rules gave; none when the test could not run.
    pub got: Option<Verdict>,
    pub passed: bool,
    /// The conditions that decided the verdict.
    pub deciding: Vec<String>,
}

fn test_date(text: Option<&str>) -> Option<Date> {
    match text {
        None => Some(TEST_DATE),
        Some(text) => Date::parse(
            text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok(),
    }
}

/// Runs every test of `service` on its own rules; `None` when a condition
/// does not compile, so no test can run.
pub fn run_tests(
    service: &Service,
    tables: &Tables,
    registry: &DatasetRegistry,
) -> Option<Vec<TestResult>> {
    let alone = Catalog::from_services(vec![(String::new(), service.clone())], tables.clone());
    let engine = RuleEngine::new(&alone, registry).ok()?;
    let results = service
        .tests
        .iter()
        .map(|test| {
            let judgement = test_date(test.date.as_deref())
                .and_then(|date| engine.judge(service, &test.records, date));
            let expected = Verdict::parse(&test.expect);
            TestResult {
                name: test.name.clone(),
                expect: test.expect.clone(),
                passed: judgement
                    .as_ref()
                    .is_some_and(|j| Some(j.verdict) == expected),
                got: judgement.as_ref().map(|j| j.verdict),
                deciding: judgement.map(|j| j.deciding).unwrap_or_default(),
            }
        })
        .collect();
    Some(results)
}

/// The dry run's answer (built with `json!`; this documents it).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct DryRun {
    valid: bool,
    exists: bool,
    /// Why publishing it would wait for an operator's review; empty when
    /// it would be published at once.
    review: Vec<String>,
    /// The service as read; null when the text is not one.
    service: Option<Service>,
    problems: Vec<String>,
    errors: Vec<Located>,
    /// Null when a condition does not compile, so no test can run.
    tests: Option<Vec<TestResult>>,
}

/// The calling agency's services (built with `json!`; this documents it).
#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct Mine {
    agency: String,
    /// The kind of provider the agency is: its services' `provider_type`.
    provider_type: String,
    /// The prefixes its new services' ids may have.
    namespaces: Vec<String>,
    services: Vec<MineEntry>,
}

#[allow(dead_code)]
#[derive(utoipa::ToSchema)]
struct MineEntry {
    id: String,
    service: Service,
    /// The service as YAML, in the catalogue files' field order.
    yaml: String,
    /// `published`, or `pending`: new and not public until reviewed.
    review: String,
    /// The version waiting for review, if any: `service`, `yaml` and
    /// `reasons`.
    #[schema(value_type = Option<Object>)]
    pending: Option<Value>,
}

/// The dry run: the checks a `POST` or `PUT` of the service would pass
/// through, on YAML (`application/yaml`) or JSON, answered 200 whether
/// the service is valid or not, since that is the question asked.
#[utoipa::path(post, path = "/api/catalog/validate", tag = "catalog",
    security(("agency_token" = [])),
    request_body(description = "A service, as JSON or YAML", content(
        (Service = "application/json"),
        (String = "application/yaml"),
    )),
    responses(
        (status = 200, description = "The checks' outcome, valid or not", body = DryRun),
        (status = 401, description = "No or an unknown agency token"),
    ))]
pub(super) async fn validate(
    Agency(agency): Agency,
    State(api): State<CatalogApi>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<axum::Json<Value>, Problem> {
    let kind = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let service = match read(kind, &body) {
        Ok(service) => service,
        Err(unreadable) => {
            return Ok(axum::Json(json!({
                "valid": false, "service": null, "exists": false, "tests": [],
                "problems": [unreadable.reason.clone()], "errors": [unreadable.located()],
            })));
        }
    };
    let existing = api
        .store
        .catalog_get(&service.id)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let proposed = api
        .store
        .proposal_get(&service.id)
        .await
        .map_err(|e| Problem::internal(&e))?;
    let owner = existing
        .as_ref()
        .map(|row| row.agency.clone())
        .or_else(|| proposed.as_ref().map(|row| row.agency.clone()));
    let problems = match &owner {
        // The same refusal a PUT would meet, as a problem of the text.
        Some(owner) if *owner != agency.id => vec![format!(
            "{}: is maintained by {owner}, not by {}",
            service.id, agency.id
        )],
        _ => {
            // The refusals a POST or PUT would meet first, then validation.
            let mut problems: Vec<String> = owner
                .is_none()
                .then(|| agency.may_create(&service.id).err())
                .flatten()
                .into_iter()
                .chain(agency.may_publish(&service).err())
                .map(|refused| refused.to_string())
                .collect();
            problems.extend(problems_of(&api, &agency.id, &service).await?);
            problems
        }
    };
    // What publishing it would lead to: review, and why.
    let review = match &existing {
        Some(row) => {
            let published: Service =
                serde_json::from_str(&row.service).map_err(|e| Problem::internal(&e))?;
            review::risks(&published, &service)
        }
        None => vec![review::NEW_SERVICE.to_owned()],
    };
    let tests = {
        let (service, tables, registry) =
            (service.clone(), api.tables.clone(), api.registry.clone());
        api.rules
            .run(move || run_tests(&service, &tables, &registry))
            .await?
    };
    Ok(axum::Json(json!({
        "valid": problems.is_empty(),
        "exists": owner.is_some(),
        "review": review,
        "errors": locate(&service, &problems),
        "tests": tests,
        "problems": problems,
        "service": service,
    })))
}

/// The calling agency and every service it maintains, each also as YAML
/// in the catalogue files' field order, for an editor to start from.
#[utoipa::path(get, path = "/api/catalog/mine", tag = "catalog",
    security(("agency_token" = [])),
    responses(
        (status = 200, description = "The agency and its services", body = Mine),
        (status = 401, description = "No or an unknown agency token"),
    ))]
pub(super) async fn mine(
    Agency(agency): Agency,
    State(api): State<CatalogApi>,
) -> Result<axum::Json<Value>, Problem> {
    let published = api
        .store
        .catalog_all()
        .await
        .map_err(|e| Problem::internal(&e))?;
    let proposals = api
        .store
        .proposals_all()
        .await
        .map_err(|e| Problem::internal(&e))?;
    let entry = |text: &str| -> Result<(Service, String), Problem> {
        let service: Service = serde_json::from_str(text).map_err(|e| Problem::internal(&e))?;
        let yaml = serde_yaml_ng::to_string(&service).map_err(|e| Problem::internal(&e))?;
        Ok((service, yaml))
    };
    let waiting = |id: &str| -> Result<Option<Value>, Problem> {
        let Some(row) = proposals.iter().find(|p| p.id == id) else {
            return Ok(None);
        };
        let (service, yaml) = entry(&row.service)?;
        let reasons: Vec<String> =
            serde_json::from_str(&row.reasons).map_err(|e| Problem::internal(&e))?;
        Ok(Some(
            json!({"service": service, "yaml": yaml, "reasons": reasons}),
        ))
    };
    let mut services = Vec::new();
    for row in published.iter().filter(|row| row.agency == agency.id) {
        let (service, yaml) = entry(&row.service)?;
        services.push(json!({
            "id": service.id, "service": service, "yaml": yaml,
            "review": "published", "pending": waiting(&row.id)?,
        }));
    }
    for row in proposals
        .iter()
        .filter(|row| row.agency == agency.id && !published.iter().any(|p| p.id == row.id))
    {
        let pending = waiting(&row.id)?;
        let (service, yaml) = entry(&row.service)?;
        services.push(json!({
            "id": service.id, "service": service, "yaml": yaml,
            "review": "pending", "pending": pending,
        }));
    }
    Ok(axum::Json(json!({
        "agency": agency.id,
        "provider_type": agency.kind.as_str(),
        "namespaces": agency.namespaces,
        "services": services,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service() -> Service {
        serde_yaml_ng::from_str(
            r#"
id: x.one
name: {zh-TW: 一, en: One}
summary: {zh-TW: 一, en: One}
provider_type: public
needs: []
region: national
how_to_apply: {zh-TW: 一, en: One}
benefit: {zh-TW: 一, en: One}
source: test
as_of: "2026"
conditions:
  - {id: adult, cel: "true", explain: {zh-TW: 一, en: One}}
tests:
  - {name: "a \"quoted\" one", expect: eligible}
"#,
        )
        .unwrap()
    }

    #[test]
    fn problems_are_placed_at_their_condition_or_test() {
        let problems = [
            "x.one: condition adult: does not parse: oops".to_owned(),
            "x.one: test \"a \\\"quoted\\\" one\": expected eligible, got unknown".to_owned(),
            "x.one: unknown need id y".to_owned(),
        ];
        let located = locate(&service(), &problems);
        assert_eq!(located[0].condition.as_deref(), Some("adult"));
        assert_eq!(located[0].reason, "does not parse: oops");
        assert_eq!(located[1].test.as_deref(), Some("a \"quoted\" one"));
        assert_eq!(located[2].condition, None);
        assert_eq!(located[2].reason, "unknown need id y");
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let unreadable = read("application/yaml", b"id: x\nname: [\n").unwrap_err();
        assert!(unreadable.line.is_some(), "{}", unreadable.reason);
    }
}
