//! `navigator catalog validate DIR`: parses every service, compiles every
//! condition, checks need ids, dataset ids and every field a condition
//! names against the dataset schema, and runs every service's tests. Each
//! problem names the service, the condition or test, and the reason.

use std::collections::BTreeSet;

use time::Date;

use super::rules::{self, RuleEngine, Verdict};
use super::{Catalog, Service};
use crate::citizens::CitizenDirectory;
use crate::needs::NeedRegistry;
use crate::spec::DatasetRegistry;

/// The date the catalogue's tests are written for (see its README).
pub const TEST_DATE: Date = time::macros::date!(2026 - 12 - 01);

#[derive(Debug, Default)]
pub struct Report {
    pub services: usize,
    pub conditions: usize,
    pub tests: usize,
    pub problems: Vec<String>,
}

/// Every `dataset.field` path the expression names whose field the
/// dataset does not have.
fn unknown_fields(cel: &str, registry: &DatasetRegistry) -> Vec<String> {
    let mut unknown = Vec::new();
    for spec in registry.datasets() {
        let id = spec.id.as_str();
        for (at, _) in cel.match_indices(id) {
            let rest = &cel[at + id.len()..];
            let Some(rest) = rest.strip_prefix('.') else {
                continue;
            };
            let field: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !field.is_empty() && !spec.fields.contains(&field) {
                unknown.push(format!("{id}.{field}"));
            }
        }
    }
    unknown
}

fn check_service(
    service: &Service,
    registry: &DatasetRegistry,
    needs: &NeedRegistry,
    ids: &BTreeSet<&str>,
    problems: &mut Vec<String>,
) {
    let id = &service.id;
    for need in &service.needs {
        if needs.get(need).is_none() {
            problems.push(format!("{id}: unknown need id {need}"));
        }
    }
    for dataset in service.requires.iter().chain(&service.evidence) {
        if registry.dataset(dataset).is_none() {
            problems.push(format!("{id}: unknown dataset {dataset}"));
        }
    }
    for other in &service.excludes {
        if !ids.contains(other.as_str()) {
            problems.push(format!("{id}: excludes unknown service {other}"));
        }
    }
    for condition in &service.conditions {
        let at = format!("{id}: condition {}", condition.id);
        if let Err(problem) = rules::compile(&condition.cel) {
            problems.push(format!("{at}: {problem}"));
        }
        for path in unknown_fields(&condition.cel, registry) {
            problems.push(format!("{at}: {path} is not a field of the dataset"));
        }
        for dataset in rules::reads(&condition.cel, registry) {
            if !service.requires.contains(&dataset) && !service.evidence.contains(&dataset) {
                problems.push(format!(
                    "{at}: reads {dataset}, which is in neither requires nor evidence"
                ));
            }
        }
    }
}

/// CEL is typed at run time, so types are checked by running every
/// condition on every synthetic citizen's complete records: an error there
/// (comparing a number with a string, a list with a bool, …) is the rule's.
fn type_check(
    catalog: &Catalog,
    only: Option<&str>,
    engine: &RuleEngine,
    registry: &DatasetRegistry,
    problems: &mut Vec<String>,
) {
    let citizens = match CitizenDirectory::embedded(registry) {
        Ok(citizens) => citizens,
        Err(error) => {
            problems.push(format!("the synthetic citizens: {error}"));
            return;
        }
    };
    let mut reported = BTreeSet::new();
    for citizen in citizens.iter() {
        for service in catalog
            .services
            .iter()
            .filter(|s| only.is_none_or(|id| s.id == id))
        {
            for (condition, fault) in engine.faults(service, &citizen.records, TEST_DATE) {
                if reported.insert((service.id.clone(), condition.clone())) {
                    problems.push(format!(
                        "{}: condition {condition}: wrong types (on {}'s records): {fault}",
                        service.id, citizen.id
                    ));
                }
            }
        }
    }
}

pub fn validate(catalog: &Catalog, registry: &DatasetRegistry, needs: &NeedRegistry) -> Report {
    check(catalog, None, registry, needs)
}

/// The problems of one service as part of `catalog`: what an agency's
/// change must pass before anything is stored.
pub fn validate_service(
    catalog: &Catalog,
    service: &str,
    registry: &DatasetRegistry,
    needs: &NeedRegistry,
) -> Vec<String> {
    check(catalog, Some(service), registry, needs).problems
}

fn check(
    catalog: &Catalog,
    only: Option<&str>,
    registry: &DatasetRegistry,
    needs: &NeedRegistry,
) -> Report {
    let chosen = |service: &&super::Service| only.is_none_or(|id| service.id == id);
    let mut report = Report {
        services: catalog.services.len(),
        ..Report::default()
    };
    let mut ids = BTreeSet::new();
    for service in &catalog.services {
        if !ids.insert(service.id.as_str()) {
            report
                .problems
                .push(format!("{}: listed twice", service.id));
        }
    }
    for service in catalog.services.iter().filter(chosen) {
        report.conditions += service.conditions.len();
        check_service(service, registry, needs, &ids, &mut report.problems);
    }
    if !report.problems.is_empty() {
        return report;
    }
    let engine = match RuleEngine::new(catalog, registry) {
        Ok(engine) => engine,
        Err(error) => {
            report.problems.push(error.to_string());
            return report;
        }
    };
    type_check(catalog, only, &engine, registry, &mut report.problems);
    for service in catalog.services.iter().filter(chosen) {
        if !service.conditions.is_empty() && service.tests.is_empty() {
            report.problems.push(format!(
                "{}: a service with conditions needs tests",
                service.id
            ));
        }
        for test in &service.tests {
            report.tests += 1;
            let at = format!("{}: test {:?}", service.id, test.name);
            let Some(expected) = Verdict::parse(&test.expect) else {
                report.problems.push(format!(
                    "{at}: expect must be eligible, ineligible or unknown"
                ));
                continue;
            };
            let date = match &test.date {
                None => TEST_DATE,
                Some(text) => match Date::parse(
                    text,
                    time::macros::format_description!("[year]-[month]-[day]"),
                ) {
                    Ok(date) => date,
                    Err(e) => {
                        report.problems.push(format!("{at}: date {text:?}: {e}"));
                        continue;
                    }
                },
            };
            match engine.judge(service, &test.records, date) {
                Some(judgement) if judgement.verdict == expected => {}
                Some(judgement) => report.problems.push(format!(
                    "{at}: expected {}, got {} (deciding: {})",
                    expected.as_str(),
                    judgement.verdict.as_str(),
                    judgement.deciding.join(", ")
                )),
                None => report
                    .problems
                    .push(format!("{at}: the service was not compiled")),
            }
        }
    }
    report
}
