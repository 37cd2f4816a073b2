//! Which case comes first in a social worker's queue, and why. Pure: the
//! signals come from the case summary's understanding and from the
//! citizen's records; the order is crisis first, then how many
//! vulnerabilities the household has, then who has waited longest, and
//! every case carries the reasons that put it where it is.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::Date;

use crate::clock::DAY_MS;
use crate::understand::crisis::CrisisSignal;

/// Children and young people are under 18 (兒童及少年福利與權益保障法).
const ADULT_AGE: i64 = 18;
/// The elderly are 65 or older (老人福利法).
const ELDERLY_AGE: i64 = 65;
/// A job that ended this recently, with no insured job since, is a recent loss.
const RECENT_JOB_LOSS_DAYS: i64 = 183;
/// The crisis kind recorded when the detector flags without naming one.
const UNSPECIFIED_CRISIS: &str = "unspecified";

/// What is known about a case's urgency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Signals {
    /// The kind of crisis the summary signals (`suicide`, ...), if any.
    pub crisis: Option<String>,
    /// The needs detected in the summary.
    pub needs: Vec<String>,
    pub children: bool,
    pub elderly: bool,
    pub disability: bool,
    pub low_income: bool,
    pub job_loss: bool,
    pub bereavement: bool,
}

impl Signals {
    /// Everything either side knows: a signal found once stays found.
    pub fn merge(mut self, other: Signals) -> Signals {
        self.crisis = self.crisis.or(other.crisis);
        for need in other.needs {
            if !self.needs.contains(&need) {
                self.needs.push(need);
            }
        }
        self.children |= other.children;
        self.elderly |= other.elderly;
        self.disability |= other.disability;
        self.low_income |= other.low_income;
        self.job_loss |= other.job_loss;
        self.bereavement |= other.bereavement;
        self
    }

    /// The vulnerabilities present, in a fixed order.
    fn vulnerabilities(&self) -> Vec<&'static str> {
        [
            (self.children, "children"),
            (self.elderly, "elderly"),
            (self.disability, "disability"),
            (self.low_income, "low_income"),
            (self.job_loss, "job_loss"),
            (self.bereavement, "bereavement"),
        ]
        .into_iter()
        .filter_map(|(present, code)| present.then_some(code))
        .collect()
    }
}

/// The signals in a summary: the crisis detector's verdict and the needs
/// the classifier stands behind. A funeral subsidy need means someone
/// died; an unemployment benefit need means a job was lost.
pub fn signals_from_text(crisis: &CrisisSignal, detected: &[String]) -> Signals {
    let crisis = crisis.flagged.then(|| {
        crisis
            .kind
            .and_then(|kind| serde_json::to_value(kind).ok())
            .and_then(|kind| kind.as_str().map(str::to_owned))
            .unwrap_or_else(|| UNSPECIFIED_CRISIS.to_owned())
    });
    let has = |need: &str| detected.iter().any(|d| d == need);
    Signals {
        crisis,
        needs: detected
            .iter()
            .filter(|need| *need != "out_of_scope")
            .cloned()
            .collect(),
        bereavement: has("funeral_subsidy"),
        job_loss: has("unemployment_benefit"),
        ..Signals::default()
    }
}

fn date_of(value: Option<&Value>) -> Option<Date> {
    let text = value?.as_str()?;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(text.get(..10).unwrap_or(text), format).ok()
}

/// Whole years from `born` to `on`.
fn age(born: Date, on: Date) -> i64 {
    let years = i64::from(on.year()) - i64::from(born.year());
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years - 1
    } else {
        years
    }
}

fn flag(record: Option<&Value>, field: &str) -> bool {
    record
        .and_then(|r| r.get(field))
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// The signals in a citizen's records (keyed by dataset id) as of `date`.
/// A dataset that is missing says nothing.
pub fn signals_from_records(records: &BTreeMap<String, Value>, date: Date) -> Signals {
    let household = records.get("household.registration");
    let welfare = records.get("welfare.status");
    let members = household
        .and_then(|h| h.get("members"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let ages: Vec<i64> = std::iter::once(household.and_then(|h| h.get("birth_date")))
        .chain(members.iter().map(|m| m.get("birth_date")))
        .filter_map(date_of)
        .map(|born| age(born, date))
        .collect();
    let certificate = welfare
        .and_then(|w| w.get("disability_certificate"))
        .and_then(Value::as_str)
        .is_some_and(|level| level != "null");
    Signals {
        children: ages.iter().any(|&a| a < ADULT_AGE),
        elderly: ages.iter().any(|&a| a >= ELDERLY_AGE),
        disability: certificate || members.iter().any(|m| flag(Some(m), "disability")),
        low_income: flag(welfare, "low_income_household")
            || flag(welfare, "mid_low_income_household"),
        job_loss: lost_job_recently(records.get("labor.insurance_history"), date),
        ..Signals::default()
    }
}

/// Not insured now, and an insured job that did not end in retirement
/// ended within [`RECENT_JOB_LOSS_DAYS`]; or drawing unemployment benefit.
fn lost_job_recently(history: Option<&Value>, date: Date) -> bool {
    let Some(history) = history else {
        return false;
    };
    let receiving = history
        .get("receiving")
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(|b| b == "unemployment_benefit"));
    let recent_end = history
        .get("periods")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|p| p.get("separation_reason").and_then(Value::as_str) != Some("retirement"))
        .filter_map(|p| date_of(p.get("end")))
        .any(|end| end <= date && (date - end).whole_days() <= RECENT_JOB_LOSS_DAYS);
    receiving || (!flag(Some(history), "currently_insured") && recent_end)
}

/// One reason for a case's place in the queue, in both languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reason {
    pub code: String,
    pub zh_tw: String,
    pub en: String,
}

/// Where a case stands and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Urgency {
    /// 1: a crisis; 2: two or more vulnerabilities; 3: one; 4: none.
    pub tier: u8,
    pub crisis: bool,
    pub vulnerabilities: u8,
    pub waiting_ms: i64,
    pub reasons: Vec<Reason>,
}

fn reason(code: &str, zh_tw: String, en: String) -> Reason {
    Reason {
        code: code.to_owned(),
        zh_tw,
        en,
    }
}

fn crisis_reason(kind: &str) -> Reason {
    let (zh, en) = match kind {
        "suicide" => ("自殺風險", "risk of suicide"),
        "self_harm" => ("自傷風險", "risk of self-harm"),
        "domestic_violence" => ("家庭暴力", "domestic violence"),
        "child_abuse" => ("兒少虐待", "child abuse"),
        "immediate_danger" => ("立即危險", "immediate danger"),
        _ => ("未分類", "unspecified"),
    };
    reason(
        "crisis",
        format!("危機訊號：{zh}"),
        format!("crisis signal: {en}"),
    )
}

fn vulnerability_reason(code: &str) -> Reason {
    let (zh, en) = match code {
        "children" => (
            "家中有未滿 18 歲的兒少",
            "children under 18 in the household",
        ),
        "elderly" => (
            "家中有 65 歲以上長者",
            "someone aged 65 or over in the household",
        ),
        "disability" => (
            "家中有身心障礙者",
            "a person with a disability in the household",
        ),
        "low_income" => ("低收入或中低收入戶", "a low- or mid-low-income household"),
        "job_loss" => ("近期失業", "a recent job loss"),
        _ => ("家人過世", "a recent bereavement"),
    };
    reason(code, zh.to_owned(), en.to_owned())
}

/// A case's urgency from its signals and how long it has waited.
pub fn rank(signals: &Signals, waiting_ms: i64) -> Urgency {
    let vulnerabilities = signals.vulnerabilities();
    let count = u8::try_from(vulnerabilities.len()).unwrap_or(u8::MAX);
    let tier = match (&signals.crisis, count) {
        (Some(_), _) => 1,
        (None, 2..) => 2,
        (None, 1) => 3,
        (None, 0) => 4,
    };
    let days = waiting_ms.max(0) / DAY_MS;
    let mut reasons: Vec<Reason> = signals.crisis.iter().map(|k| crisis_reason(k)).collect();
    reasons.extend(vulnerabilities.into_iter().map(vulnerability_reason));
    reasons.push(reason(
        "waiting",
        format!("已等候 {days} 天"),
        format!("waiting {days} day{}", if days == 1 { "" } else { "s" }),
    ));
    Urgency {
        tier,
        crisis: signals.crisis.is_some(),
        vulnerabilities: count,
        waiting_ms,
        reasons,
    }
}

/// Queue order: crises first, then more vulnerabilities, then longer waits.
pub fn queue_order(a: &Urgency, b: &Urgency) -> Ordering {
    b.crisis
        .cmp(&a.crisis)
        .then(b.vulnerabilities.cmp(&a.vulnerabilities))
        .then(b.waiting_ms.cmp(&a.waiting_ms))
}
