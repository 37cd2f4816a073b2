//! Eligibility as three-valued logic. Each condition is a CEL program over
//! the consented records; it is true, false, or unknown when it reads a
//! dataset the citizen did not share (CEL's own error rules make `||` and
//! `&&` Kleene: `true || unknown` is true). A service is ineligible when a
//! condition is false, eligible when all are true, otherwise unknown — and
//! the judgement names the deciding conditions and the datasets that would
//! settle an unknown. Nothing is guessed.

use std::collections::BTreeMap;
use std::sync::Arc;

use cel::{Context, ExecutionError, Program, Value};
use serde::Serialize;
use time::Date;

use super::cost::{self, BUDGET, MAX_STEPS, NOMINAL_LIST};
use super::{Catalog, CatalogError, Service, Tables};
use crate::ids::DatasetId;
use crate::spec::DatasetRegistry;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Truth {
    True,
    False,
    Unknown,
}

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Eligible,
    Unknown,
    Ineligible,
}

impl Verdict {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "eligible" => Some(Self::Eligible),
            "ineligible" => Some(Self::Ineligible),
            "unknown" => Some(Self::Unknown),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eligible => "eligible",
            Self::Unknown => "unknown",
            Self::Ineligible => "ineligible",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ConditionResult {
    pub id: String,
    pub truth: Truth,
    /// For an unknown: the absent datasets it reads.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<DatasetId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Judgement {
    pub service: String,
    pub verdict: Verdict,
    /// The conditions that decided: the false ones of an ineligible
    /// verdict, the unknown ones of an unknown verdict.
    pub deciding: Vec<String>,
    /// Datasets that would settle an unknown verdict.
    pub would_settle: Vec<DatasetId>,
    pub conditions: Vec<ConditionResult>,
    /// An audience condition could not be checked (the record is absent):
    /// the service may not be meant for this citizen.
    pub audience_open: bool,
}

/// Why a condition cannot be compiled.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("does not parse: {0}")]
    Parse(String),
    #[error("over the cost budget: {}", .0.join("; "))]
    OverBudget(Vec<String>),
}

struct CompiledCondition {
    id: String,
    /// `None` for a condition over the cost budget (stored before the
    /// budget existed): it is never run and stays unknown.
    program: Option<Program>,
    /// The longest list literal the condition writes.
    longest_literal: u64,
    reads: Vec<DatasetId>,
    unknown_if_false: bool,
    audience: bool,
}

impl CompiledCondition {
    /// The program, when it exists and may run on lists of `longest` items.
    fn runnable(&self, longest: u64) -> Option<&Program> {
        self.program
            .as_ref()
            .filter(|program| affordable(program, longest.max(self.longest_literal)))
    }
}

/// Every service's conditions, compiled once.
pub struct RuleEngine {
    services: BTreeMap<String, (Vec<CompiledCondition>, Vec<DatasetId>)>,
    tables: Arc<Tables>,
    registry: DatasetRegistry,
}

/// The one shorthand written out before compiling: it reads two datasets,
/// and spelled out its reads are visible and its unknowns Kleene.
fn expand(cel: &str) -> String {
    cel.replace(
        "per_capita_monthly_income()",
        "(double(tax.income.household_annual_income) / 12.0 \
         / double(household.registration.household_size))",
    )
}

/// The datasets an expression mentions.
pub fn reads(expression: &str, registry: &DatasetRegistry) -> Vec<DatasetId> {
    registry
        .datasets()
        .filter(|spec| mentions(expression, spec.id.as_str()))
        .map(|spec| spec.id.clone())
        .collect()
}

fn mentions(expression: &str, dataset: &str) -> bool {
    expression.match_indices(dataset).any(|(at, _)| {
        let before = expression[..at].chars().next_back();
        let after = expression[at + dataset.len()..].chars().next();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.' || c == '"')
            && after == Some('.')
    })
}

/// Compiles a condition within [`cost::BUDGET`]; the length is checked
/// before parsing, the tree after.
pub fn compile(cel: &str) -> Result<Program, RuleError> {
    if cel.len() > BUDGET.source_bytes {
        return Err(RuleError::OverBudget(vec![format!(
            "length in bytes {} (at most {})",
            cel.len(),
            BUDGET.source_bytes
        )]));
    }
    let program = Program::compile(&expand(cel)).map_err(|e| RuleError::Parse(e.to_string()))?;
    let over = cost::over_budget(cel, program.expression(), &BUDGET);
    if !over.is_empty() {
        return Err(RuleError::OverBudget(over));
    }
    Ok(program)
}

/// Whether `program` may run on records whose longest list is `longest`:
/// the compile-time check covered lists up to [`NOMINAL_LIST`] items.
fn affordable(program: &Program, longest: u64) -> bool {
    longest <= NOMINAL_LIST || cost::steps(program.expression(), longest) <= MAX_STEPS
}

impl RuleEngine {
    pub fn new(catalog: &Catalog, registry: &DatasetRegistry) -> Result<Self, CatalogError> {
        let mut services = BTreeMap::new();
        for service in &catalog.services {
            let mut compiled = Vec::new();
            for condition in &service.conditions {
                let program = match compile(&condition.cel) {
                    Ok(program) => Some(program),
                    Err(RuleError::OverBudget(over)) => {
                        tracing::warn!(
                            service = %service.id,
                            condition = %condition.id,
                            over = %over.join("; "),
                            "a stored condition is over the cost budget; it stays unknown"
                        );
                        None
                    }
                    Err(problem) => {
                        return Err(CatalogError::Condition {
                            service: service.id.clone(),
                            condition: condition.id.clone(),
                            problem: problem.to_string(),
                        });
                    }
                };
                let longest_literal = program
                    .as_ref()
                    .map_or(0, |p| cost::measure(p.expression()).longest_literal);
                compiled.push(CompiledCondition {
                    id: condition.id.clone(),
                    program,
                    longest_literal,
                    reads: reads(&expand(&condition.cel), registry),
                    unknown_if_false: condition.if_false.as_deref() == Some("unknown"),
                    audience: condition.audience,
                });
            }
            services.insert(service.id.clone(), (compiled, service.evidence.clone()));
        }
        Ok(Self {
            services,
            tables: Arc::new(catalog.tables.clone()),
            registry: registry.clone(),
        })
    }

    /// Judges `service` on `records` (dataset id → record) as of `date`;
    /// `None` for a service the catalogue does not have.
    pub fn judge(
        &self,
        service: &Service,
        records: &BTreeMap<String, serde_json::Value>,
        date: Date,
    ) -> Option<Judgement> {
        let (conditions, evidence) = self.services.get(&service.id)?;
        let context = self.context(records, evidence, date);
        let present = |dataset: &DatasetId| {
            records.contains_key(dataset.as_str()) || evidence.contains(dataset)
        };
        let longest = cost::longest_list(records.values());
        let results: Vec<ConditionResult> = conditions
            .iter()
            .map(|condition| {
                let Some(program) = condition.runnable(longest) else {
                    // Too costly to run: unknown, and no record would settle it.
                    return ConditionResult {
                        id: condition.id.clone(),
                        truth: Truth::Unknown,
                        missing: Vec::new(),
                    };
                };
                let truth = match program.execute(&context) {
                    Ok(Value::Bool(true)) => Truth::True,
                    Ok(Value::Bool(false)) if condition.unknown_if_false => Truth::Unknown,
                    Ok(Value::Bool(false)) => Truth::False,
                    // Not a boolean, or an error (an absent dataset, a field
                    // the record lacks): nothing can be concluded.
                    Ok(_) | Err(_) => Truth::Unknown,
                };
                // An open audience condition asks for no record.
                let missing = if truth == Truth::Unknown && !condition.audience {
                    condition
                        .reads
                        .iter()
                        .filter(|d| !present(d))
                        .cloned()
                        .collect()
                } else {
                    Vec::new()
                };
                ConditionResult {
                    id: condition.id.clone(),
                    truth,
                    missing,
                }
            })
            .collect();
        let audience_open = conditions
            .iter()
            .zip(&results)
            .any(|(condition, result)| condition.audience && result.truth == Truth::Unknown);
        let with = |truth: Truth| -> Vec<String> {
            conditions
                .iter()
                .zip(&results)
                .filter(|(condition, r)| {
                    r.truth == truth && !(condition.audience && truth == Truth::Unknown)
                })
                .map(|(_, r)| r.id.clone())
                .collect()
        };
        let (verdict, deciding) = match (with(Truth::False), with(Truth::Unknown)) {
            (falses, _) if !falses.is_empty() => (Verdict::Ineligible, falses),
            (_, unknowns) if !unknowns.is_empty() => (Verdict::Unknown, unknowns),
            _ => (Verdict::Eligible, Vec::new()),
        };
        let mut would_settle: Vec<DatasetId> = results
            .iter()
            .flat_map(|r| r.missing.iter().cloned())
            .collect();
        would_settle.sort();
        would_settle.dedup();
        if verdict != Verdict::Unknown {
            would_settle.clear();
        }
        Some(Judgement {
            service: service.id.clone(),
            verdict,
            deciding,
            would_settle,
            conditions: results,
            audience_open,
        })
    }

    /// Faults that are the rule's, not the data's: an expression that
    /// errs on a complete, well-typed record set (a wrong type, a missing
    /// overload) or answers something other than a boolean. Absent keys
    /// are the data's business and are not reported.
    pub fn faults(
        &self,
        service: &Service,
        records: &BTreeMap<String, serde_json::Value>,
        date: Date,
    ) -> Vec<(String, String)> {
        let Some((conditions, evidence)) = self.services.get(&service.id) else {
            return Vec::new();
        };
        let context = self.context(records, evidence, date);
        let longest = cost::longest_list(records.values());
        conditions
            .iter()
            .filter_map(|condition| Some((condition, condition.runnable(longest)?)))
            .filter_map(|(condition, program)| match program.execute(&context) {
                Ok(Value::Bool(_)) => None,
                Ok(other) => Some((
                    condition.id.clone(),
                    format!("answers {other:?}, not a boolean"),
                )),
                Err(ExecutionError::NoSuchKey(_) | ExecutionError::UndeclaredReference(_)) => None,
                Err(error) => Some((condition.id.clone(), error.to_string())),
            })
            .collect()
    }

    fn context(
        &self,
        records: &BTreeMap<String, serde_json::Value>,
        evidence: &[DatasetId],
        date: Date,
    ) -> Context<'static, 'static> {
        let mut context = Context::default();
        register_helpers(&mut context, date, &self.tables);
        // `household.registration` becomes `household` → {registration: …}.
        let mut groups: BTreeMap<String, serde_json::Map<String, serde_json::Value>> =
            BTreeMap::new();
        let mut bind = |dataset: &str, record: serde_json::Value| {
            if let Some((group, name)) = dataset.split_once('.') {
                groups
                    .entry(group.to_owned())
                    .or_default()
                    .insert(name.to_owned(), record);
            }
        };
        for (dataset, record) in records {
            bind(dataset, record.clone());
        }
        for dataset in evidence {
            if !records.contains_key(dataset.as_str())
                && let Some(spec) = self.registry.dataset(dataset)
            {
                bind(dataset.as_str(), spec.empty_record.clone());
            }
        }
        for (group, datasets) in groups {
            context.add_variable_from_value(group, to_cel(serde_json::Value::Object(datasets)));
        }
        context
    }
}

fn to_cel(value: serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        serde_json::Value::String(s) => Value::String(Arc::new(s)),
        serde_json::Value::Array(items) => {
            Value::List(Arc::new(items.into_iter().map(to_cel).collect()))
        }
        serde_json::Value::Object(map) => Value::from(
            map.into_iter()
                .map(|(k, v)| (k, to_cel(v)))
                .collect::<std::collections::HashMap<String, Value>>(),
        ),
    }
}

fn parse_date(function: &str, text: &str) -> Result<Date, ExecutionError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.get(..10).unwrap_or(text), format)
        .map_err(|e| ExecutionError::function_error(function, format!("{text:?}: {e}")))
}

/// Whole months from `from` to `to` (negative when `to` is earlier).
fn whole_months(from: Date, to: Date) -> i64 {
    let months = (i64::from(to.year()) - i64::from(from.year())) * 12
        + i64::from(u8::from(to.month()))
        - i64::from(u8::from(from.month()));
    if to.day() < from.day() {
        months - 1
    } else {
        months
    }
}

fn register_helpers(context: &mut Context<'static, 'static>, date: Date, tables: &Arc<Tables>) {
    // Each name is new to CEL's standard library, so registering cannot
    // conflict; a failure would only mean a name clash, caught by the tests.
    let _ = context.add_function(
        "age",
        move |birth: Arc<String>| -> Result<i64, ExecutionError> {
            Ok(whole_months(parse_date("age", &birth)?, date).div_euclid(12))
        },
    );
    let _ = context.add_function(
        "months_between",
        |from: Arc<String>, to: Arc<String>| -> Result<i64, ExecutionError> {
            Ok(whole_months(
                parse_date("months_between", &from)?,
                parse_date("months_between", &to)?,
            ))
        },
    );
    let today = Arc::new(date.to_string());
    let _ = context.add_function("today", move || -> Arc<String> { today.clone() });
    let living = tables.clone();
    let _ = context.add_function(
        "min_living_cost",
        move |city: Arc<String>| -> Result<i64, ExecutionError> {
            living
                .min_living_cost
                .get(city.as_str())
                .copied()
                .ok_or_else(|| {
                    ExecutionError::function_error(
                        "min_living_cost",
                        format!("no figure for {city}"),
                    )
                })
        },
    );
    let mid_low = tables.clone();
    let _ = context.add_function(
        "mid_low_threshold",
        move |city: Arc<String>| -> Result<i64, ExecutionError> {
            mid_low
                .mid_low_threshold
                .get(city.as_str())
                .copied()
                .ok_or_else(|| {
                    ExecutionError::function_error(
                        "mid_low_threshold",
                        format!("no figure for {city}"),
                    )
                })
        },
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> Date {
        parse_date("test", text).unwrap()
    }

    #[test]
    fn ages_count_whole_years_and_a_birthday_on_the_day() {
        let on = date("2026-12-01");
        assert_eq!(whole_months(date("1961-12-01"), on) / 12, 65);
        assert_eq!(whole_months(date("1961-12-02"), on) / 12, 64);
        assert_eq!(whole_months(date("2026-12-02"), on).div_euclid(12), -1);
    }

    #[test]
    fn a_dataset_is_read_only_where_named_as_a_path() {
        let registry = DatasetRegistry::embedded().unwrap();
        let found = reads(
            r#"tax.income.year > 0 && "tax.property" != "" && household.registration.city == "x""#,
            &registry,
        );
        let ids: Vec<&str> = found.iter().map(DatasetId::as_str).collect();
        assert_eq!(ids, ["household.registration", "tax.income"]);
    }

    #[test]
    fn an_audience_condition_rules_out_but_never_asks() {
        let registry = DatasetRegistry::embedded().unwrap();
        let catalog = Catalog::embedded().unwrap();
        let engine = RuleEngine::new(&catalog, &registry).unwrap();
        let line = catalog.service("mohw.male_care_hotline").unwrap();
        let on = date("2026-12-01");
        let unknown = engine.judge(line, &BTreeMap::new(), on).unwrap();
        assert_eq!(unknown.verdict, Verdict::Eligible);
        assert!(unknown.audience_open);
        assert!(unknown.would_settle.is_empty(), "no record is asked for");
        let woman: BTreeMap<String, serde_json::Value> = [(
            "household.registration".to_owned(),
            serde_json::json!({"gender": "F"}),
        )]
        .into();
        let ruled_out = engine.judge(line, &woman, on).unwrap();
        assert_eq!(ruled_out.verdict, Verdict::Ineligible);
        let man: BTreeMap<String, serde_json::Value> = [(
            "household.registration".to_owned(),
            serde_json::json!({"gender": "M"}),
        )]
        .into();
        let meant = engine.judge(line, &man, on).unwrap();
        assert_eq!(meant.verdict, Verdict::Eligible);
        assert!(!meant.audience_open);
    }
}
