//! Matching a citizen to vacancies and saying why. What a vacancy asks is
//! read from its feed fields (minimum education, years of experience) and
//! from the requirement lines of its description: a line that says a
//! certificate is required (`須具…`, `需持…`) is a requirement, one that
//! says it is preferred (`…者優先`, `…者佳`) is an advantage. What the
//! citizen offers comes from the consented records: `education.degrees`
//! (level, certificates), `labor.insurance_history` (occupations and
//! industries with their years) and `household.registration` (city).
//! Each match lists what fits, what is missing, and for a missing
//! certificate the training that leads to it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use time::Date;

use super::Vacancy;
use crate::understand::language::Language;

/// What the citizen brings, read from their records.
#[derive(Debug, Clone, Default)]
pub struct Profile {
    pub city: Option<String>,
    /// 0 none … 7 doctorate; `None` when the education record is absent.
    pub education: Option<u8>,
    pub certificates: Vec<String>,
    /// (occupation, industry, years).
    pub history: Vec<(String, String, f32)>,
}

fn level_of_record(level: &str) -> Option<u8> {
    Some(match level {
        "none" => 0,
        "elementary" => 1,
        "junior_high" => 2,
        "senior_high" | "vocational_high" => 3,
        "associate" => 4,
        "bachelor" => 5,
        "master" => 6,
        "doctorate" => 7,
        _ => return None,
    })
}

/// The feed's EDGRDESC as a level; `不拘` (any) and unknown words ask nothing.
fn level_of_feed(text: &str) -> Option<u8> {
    let t = text.trim();
    Some(if t.contains("博士") {
        7
    } else if t.contains("碩士") {
        6
    } else if t.contains("大學") {
        5
    } else if t.contains("專科") {
        4
    } else if t.contains("高中") || t.contains("高職") {
        3
    } else if t.contains("國中") {
        2
    } else if t.contains("國小") {
        1
    } else {
        return None;
    })
}

fn level_name(level: u8, language: Language) -> &'static str {
    const ZH: [&str; 8] = [
        "不拘",
        "國小",
        "國中",
        "高中職",
        "專科",
        "大學",
        "碩士",
        "博士",
    ];
    const EN: [&str; 8] = [
        "none",
        "elementary school",
        "junior high school",
        "senior high school",
        "associate degree",
        "bachelor's degree",
        "master's degree",
        "doctorate",
    ];
    let at = usize::from(level.min(7));
    match language {
        Language::ZhTw => ZH[at],
        Language::En => EN[at],
    }
}

fn years_between(start: Date, end: Date) -> f32 {
    ((end - start).whole_days().max(0) as f32) / 365.25
}

fn parse_date(value: Option<&serde_json::Value>) -> Option<Date> {
    let text = value?.as_str()?;
    Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

impl Profile {
    pub fn from_records(records: &BTreeMap<String, serde_json::Value>, today: Date) -> Self {
        let city = records
            .get("household.registration")
            .and_then(|r| r.get("city"))
            .and_then(|c| c.as_str())
            .map(str::to_owned);
        let degrees = records.get("education.degrees");
        let education = degrees
            .and_then(|d| d.get("highest_level"))
            .and_then(|l| l.as_str())
            .and_then(level_of_record);
        let certificates = degrees
            .and_then(|d| d.get("certificates"))
            .and_then(|c| c.as_array())
            .map(|c| {
                c.iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let history = records
            .get("labor.insurance_history")
            .and_then(|l| l.get("periods"))
            .and_then(|p| p.as_array())
            .map(|periods| {
                periods
                    .iter()
                    .filter_map(|p| {
                        let occupation = p.get("occupation")?.as_str()?.to_owned();
                        let industry = p
                            .get("industry")
                            .and_then(|i| i.as_str())
                            .unwrap_or_default()
                            .to_owned();
                        let start = parse_date(p.get("start"))?;
                        let end = parse_date(p.get("end")).unwrap_or(today);
                        Some((occupation, industry, years_between(start, end)))
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            city,
            education,
            certificates,
            history,
        }
    }

    /// Text that describes the citizen's work for semantic search, or
    /// `None` when the records say nothing about it.
    pub fn work_text(&self) -> Option<String> {
        let parts: Vec<String> = self
            .history
            .iter()
            .rev()
            .take(3)
            .map(|(occupation, industry, _)| format!("{occupation}（{industry}）"))
            .collect();
        (!parts.is_empty()).then(|| parts.join("、"))
    }
}

/// A certificate requirement from one line of the description.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateAsk {
    /// Alternatives, any one of which meets it.
    pub names: Vec<String>,
    pub required: bool,
    pub line: String,
}

/// The certificate names a requirement line asks for, as alternatives.
fn certificate_names(line: &str) -> Vec<String> {
    let Some(at) = line.find('具').or_else(|| line.find('持')) else {
        return Vec::new();
    };
    let rest = &line[at + '具'.len_utf8()..];
    let phrase: String = rest
        .chars()
        .take_while(|c| {
            !matches!(
                c,
                '者' | '，' | '；' | '。' | ',' | ';' | '（' | '(' | '並' | '且'
            )
        })
        .collect();
    phrase
        .split('或')
        .map(|name| {
            let name = name.trim();
            ["證照", "證書", "執照", "證"]
                .iter()
                .find_map(|suffix| {
                    // 駕駛執照 keeps its 執照: the citizens' records write it.
                    (!name.ends_with("駕駛執照"))
                        .then(|| name.strip_suffix(suffix))
                        .flatten()
                })
                .unwrap_or(name)
                .to_owned()
        })
        .filter(|n| n.chars().count() >= 2)
        .collect()
}

/// Certificate requirements in a vacancy's description.
pub fn certificate_asks(detail: &str) -> Vec<CertificateAsk> {
    detail
        .lines()
        .flat_map(|line| line.split('；'))
        .map(|line| {
            line.trim()
                .trim_start_matches(|c: char| c.is_ascii_digit() || matches!(c, '.' | '、' | ' '))
        })
        .filter(|line| {
            ["證照", "證書", "執照", "技術士", "證"]
                .iter()
                .any(|w| line.contains(w))
        })
        .filter_map(|line| {
            let names = certificate_names(line);
            if names.is_empty() {
                return None;
            }
            let preferred = ["優先", "者佳", "為佳", "加給", "津貼", "亦可"]
                .iter()
                .any(|w| line.contains(w));
            let required = !preferred
                && (line.starts_with('須') || line.starts_with('需') || line.starts_with("必"));
            Some(CertificateAsk {
                names,
                required,
                line: line.to_owned(),
            })
        })
        .collect()
}

/// The years of experience asked (`2年以上` → 2); `無`/`不拘` ask none.
pub fn years_asked(experience: &str) -> u32 {
    let digits: String = experience
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().unwrap_or(0)
}

fn bigrams(text: &str) -> BTreeSet<(char, char)> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_ascii_punctuation()).collect();
    chars
        .windows(2)
        .map(|w| (w[0], w[1]))
        // Words every job title shares say nothing about likeness.
        .filter(|pair| {
            !matches!(
                pair,
                ('人', '員') | ('工', '作') | ('助', '理') | ('服', '務')
            )
        })
        .collect()
}

/// Whether an occupation resembles a vacancy's title or category.
fn related(occupation: &str, industry: &str, vacancy: &Vacancy) -> bool {
    let mine: BTreeSet<_> = bigrams(occupation);
    let theirs: BTreeSet<_> = bigrams(&vacancy.title)
        .union(&bigrams(&vacancy.subcategory))
        .copied()
        .collect();
    // 倉儲業 → 倉儲: descriptions name the trade, not the statistical industry.
    let trade = industry.trim_end_matches('業');
    !mine.is_disjoint(&theirs)
        || (trade.chars().count() >= 2
            && (vacancy.detail.contains(trade) || vacancy.company.contains(trade)))
}

/// A course of action that closes a gap.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Training {
    pub service: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Gap {
    pub what: String,
    /// A requirement (not merely an advantage) the citizen does not meet.
    pub required: bool,
    pub training: Vec<Training>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VacancyMatch {
    pub title: String,
    pub company: String,
    pub city: String,
    pub place: String,
    pub pay: String,
    pub url: String,
    pub closes: Option<String>,
    pub score: f32,
    pub fits: Vec<String>,
    pub gaps: Vec<Gap>,
}

fn pay_text(vacancy: &Vacancy, language: Language) -> String {
    match (vacancy.pay_low, vacancy.pay_high, language) {
        (Some(low), Some(high), Language::ZhTw) => format!("{} {low}–{high} 元", pay_word(vacancy)),
        (Some(low), None, Language::ZhTw) => format!("{} {low} 元起", pay_word(vacancy)),
        (Some(low), Some(high), Language::En) => format!("NT${low}–{high} ({})", pay_word(vacancy)),
        (Some(low), None, Language::En) => format!("from NT${low} ({})", pay_word(vacancy)),
        (None, _, Language::ZhTw) => "面議".to_owned(),
        (None, _, Language::En) => "negotiable".to_owned(),
    }
}

fn pay_word(vacancy: &Vacancy) -> &'static str {
    match vacancy.pay {
        super::Pay::Monthly => "月薪",
        super::Pay::Hourly => "時薪",
        super::Pay::Daily => "日薪",
        super::Pay::PieceRate => "論件計酬",
        super::Pay::Negotiable | super::Pay::Other(_) => "",
    }
}

/// Weights of likeness to the citizen's past work and to the question (see
/// [`likeness`]), the bonus for the citizen's city; a requirement not met
/// costs `GAP_COST`. Fixed a priori, not fitted.
const WORK_WEIGHT: f32 = 0.6;
const QUESTION_WEIGHT: f32 = 0.4;
const CITY_BONUS: f32 = 0.1;

/// The vector whose dot product with a vacancy is the weighted likeness to
/// the citizen's work and question; the question alone without a history.
pub fn likeness(work: Option<&[f32]>, question: &[f32]) -> Vec<f32> {
    match work {
        Some(work) if work.len() == question.len() => work
            .iter()
            .zip(question)
            .map(|(w, q)| WORK_WEIGHT * w + QUESTION_WEIGHT * q)
            .collect(),
        _ => question.to_vec(),
    }
}
const GAP_COST: f32 = 0.15;

/// Explains and scores one vacancy for one citizen; `relevance` is its
/// dot product with [`likeness`], rescaled to 0–1 among the candidates.
pub fn explain(
    vacancy: &Vacancy,
    profile: &Profile,
    relevance: f32,
    training: &[Training],
    language: Language,
) -> VacancyMatch {
    let zh = language == Language::ZhTw;
    let mut fits = Vec::new();
    let mut gaps = Vec::new();
    let mut requirements_missed = 0;

    if let Some(city) = &profile.city
        && &vacancy.city == city
    {
        fits.push(if zh {
            format!("工作地點在你的戶籍地{city}")
        } else {
            format!("Located in {city}, where you live")
        });
    }
    if let Some(asked) = level_of_feed(&vacancy.education) {
        match profile.education {
            Some(have) if have >= asked => fits.push(if zh {
                format!("學歷符合（要求{}以上）", level_name(asked, language))
            } else {
                format!(
                    "Your education meets the minimum ({})",
                    level_name(asked, language)
                )
            }),
            Some(_) => {
                requirements_missed += 1;
                gaps.push(Gap {
                    what: if zh {
                        format!("最低學歷要求{}", level_name(asked, language))
                    } else {
                        format!("Requires at least {}", level_name(asked, language))
                    },
                    required: true,
                    training: Vec::new(),
                });
            }
            None => {}
        }
    }
    let asked_years = years_asked(&vacancy.experience);
    let related_years: f32 = profile
        .history
        .iter()
        .filter(|(occupation, industry, _)| related(occupation, industry, vacancy))
        .map(|(_, _, years)| years)
        .sum();
    let past: Vec<&str> = profile
        .history
        .iter()
        .filter(|(occupation, industry, _)| related(occupation, industry, vacancy))
        .map(|(occupation, _, _)| occupation.as_str())
        .collect();
    if !past.is_empty() {
        fits.push(if zh {
            format!(
                "你做過相近的工作：{}（約 {:.1} 年）",
                past.join("、"),
                related_years
            )
        } else {
            format!(
                "You have done similar work: {} (about {:.1} years)",
                past.join(", "),
                related_years
            )
        });
    }
    if asked_years > 0 && !profile.history.is_empty() && related_years < asked_years as f32 {
        requirements_missed += 1;
        gaps.push(Gap {
            what: if zh {
                format!("要求相關經驗 {asked_years} 年以上，紀錄顯示約 {related_years:.1} 年")
            } else {
                format!("Asks for {asked_years}+ years of related experience; your record shows about {related_years:.1}")
            },
            required: true,
            training: Vec::new(),
        });
    }
    for ask in certificate_asks(&vacancy.detail) {
        let held = profile.certificates.iter().find(|mine| {
            ask.names
                .iter()
                .any(|n| mine.contains(n.as_str()) || n.contains(mine.as_str()))
        });
        match held {
            Some(certificate) => fits.push(if zh {
                format!("你有{certificate}")
            } else {
                format!("You hold the {certificate} certificate")
            }),
            None => {
                if ask.required {
                    requirements_missed += 1;
                }
                let names = ask.names.join(if zh { "或" } else { " or " });
                gaps.push(Gap {
                    what: match (zh, ask.required) {
                        (true, true) => format!("須具{names}"),
                        (true, false) => format!("具{names}者優先"),
                        (false, true) => format!("Requires: {names}"),
                        (false, false) => format!("Preferred: {names}"),
                    },
                    required: ask.required,
                    training: training.to_vec(),
                });
            }
        }
    }

    let in_city = profile.city.as_ref().is_some_and(|c| c == &vacancy.city);
    let score =
        relevance + if in_city { CITY_BONUS } else { 0.0 } - GAP_COST * requirements_missed as f32;
    VacancyMatch {
        title: vacancy.title.clone(),
        company: vacancy.company.clone(),
        city: vacancy.city.clone(),
        place: vacancy.place.clone(),
        pay: pay_text(vacancy, language),
        url: vacancy.url.clone(),
        closes: vacancy.closes.map(|d| d.to_string()),
        score,
        fits,
        gaps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirement_lines_are_read_as_required_or_preferred() {
        let asks = certificate_asks(
            "1. 駕駛交通車\n2. 須具職業小型車駕駛執照\n3. 具堆高機操作技術士證照者優先\n4. 須具照顧服務員技術士證或照顧服務員訓練結業證明書",
        );
        assert_eq!(asks.len(), 3);
        assert_eq!(asks[0].names, ["職業小型車駕駛執照"]);
        assert!(asks[0].required);
        assert_eq!(asks[1].names, ["堆高機操作技術士"]);
        assert!(!asks[1].required);
        assert_eq!(
            asks[2].names,
            ["照顧服務員技術士", "照顧服務員訓練結業證明書"]
        );
        assert!(asks[2].required);
    }

    #[test]
    fn experience_and_education_words() {
        assert_eq!(years_asked("2年以上"), 2);
        assert_eq!(years_asked("無"), 0);
        assert_eq!(years_asked("不拘"), 0);
        assert_eq!(level_of_feed("高中職"), Some(3));
        assert_eq!(level_of_feed("不拘"), None);
    }
}
