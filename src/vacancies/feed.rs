//! Reading the feed. Field names are matched without their full-width
//! annotation, so `OCCU_DESC（職務名稱）` and `OCCU_DESC` are one field.
//! The XML parser is quick-xml, which, unlike expat, accepts the feed's
//! full-width tag names; the JSON form may be a bare array or the query
//! API's `{"result": {"records": [...]}}`.

use std::collections::BTreeMap;
use std::path::Path;

use quick_xml::events::Event;
use time::Date;

use super::{Pay, Vacancy, VacancyError, city_of};

type Fields = BTreeMap<String, String>;

/// `OCCU_DESC（職務名稱）` → `OCCU_DESC`.
fn field_name(raw: &str) -> String {
    raw.split(['（', '('])
        .next()
        .unwrap_or(raw)
        .trim()
        .to_owned()
}

fn date(text: &str) -> Option<Date> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let format = time::macros::format_description!("[year][month][day]");
    Date::parse(digits.get(..8)?, format).ok()
}

fn amount(text: &str) -> Option<i64> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok().filter(|n| *n > 0)
}

fn pay(text: &str) -> Pay {
    match text.trim() {
        "月薪" => Pay::Monthly,
        "時薪" => Pay::Hourly,
        "日薪" => Pay::Daily,
        "論件計酬" => Pay::PieceRate,
        t if t.contains("面議") || t.starts_with("依") => Pay::Negotiable,
        other => Pay::Other(other.to_owned()),
    }
}

fn vacancy(fields: &Fields) -> Option<Vacancy> {
    let get = |name: &str| {
        fields
            .get(name)
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let title = get("OCCU_DESC");
    let url = get("URL_QUERY");
    if title.is_empty() || url.is_empty() {
        return None;
    }
    let place = get("CITYNAME");
    Some(Vacancy {
        title,
        work_type: get("WK_TYPE"),
        category: get("CJOB_NAME1"),
        subcategory: get("CJOB_NAME2"),
        openings: get("JOB_PERSON").parse().ok(),
        closes: date(&get("STOP_DATE")),
        detail: get("JOB_DETAIL").replace("\r\n", "\n"),
        city: city_of(&place),
        place,
        experience: get("EXPERIENCE"),
        hours: get("WKTIME"),
        pay: pay(&get("SALARYCD")),
        pay_low: amount(&get("NT_L")),
        pay_high: amount(&get("NT_U")),
        education: get("EDGRDESC"),
        url,
        company: get("COMPNAME"),
        updated: date(&get("TRANDATE")),
    })
}

/// Every `<Data>` record of an XML feed; records without a title or a
/// link are skipped.
pub fn parse_xml(text: &str) -> Result<Vec<Vacancy>, String> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut vacancies = Vec::new();
    let mut record: Option<Fields> = None;
    let mut field: Option<String> = None;
    let mut value = String::new();
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(start) => {
                let name = field_name(&String::from_utf8_lossy(start.name().as_ref()));
                if name == "Data" {
                    record = Some(Fields::new());
                } else if record.is_some() {
                    field = Some(name);
                    value.clear();
                }
            }
            Event::CData(data) => value.push_str(&String::from_utf8_lossy(&data)),
            Event::Text(text) => {
                let raw = String::from_utf8_lossy(&text).into_owned();
                let unescaped = quick_xml::escape::unescape(&raw)
                    .map(|t| t.into_owned())
                    .unwrap_or(raw);
                value.push_str(&unescaped);
            }
            Event::End(end) => {
                let name = field_name(&String::from_utf8_lossy(end.name().as_ref()));
                if name == "Data" {
                    if let Some(fields) = record.take()
                        && let Some(vacancy) = vacancy(&fields)
                    {
                        vacancies.push(vacancy);
                    }
                } else if let (Some(fields), Some(open)) = (record.as_mut(), field.take()) {
                    fields.insert(open, value.clone());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(vacancies)
}

/// The JSON form: a bare array of records, or the query API's envelope.
pub fn parse_json(text: &str) -> Result<Vec<Vacancy>, String> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let records = value
        .as_array()
        .or_else(|| value.pointer("/result/records").and_then(|r| r.as_array()))
        .ok_or("expected an array of records, or {\"result\": {\"records\": [...]}}")?;
    Ok(records
        .iter()
        .filter_map(|record| {
            let fields: Fields = record
                .as_object()?
                .iter()
                .map(|(key, value)| {
                    let text = match value {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    };
                    (field_name(key), text)
                })
                .collect();
            vacancy(&fields)
        })
        .collect())
}

/// Every `.xml` and `.json` feed file in `dir`, deduplicated by link.
pub fn load_dir(dir: &Path) -> Result<Vec<Vacancy>, VacancyError> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| VacancyError::Feed {
            file: dir.display().to_string(),
            problem: e.to_string(),
        })?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let name = path.display().to_string();
        if !(name.ends_with(".xml") || name.ends_with(".json")) {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| VacancyError::Feed {
            file: name.clone(),
            problem: e.to_string(),
        })?;
        files.push((name, text));
    }
    load_files(files)
}

/// Reads feed files given as (name, text), in order; a vacancy listed
/// twice (same URL) is kept once.
pub fn load_files(
    files: impl IntoIterator<Item = (String, String)>,
) -> Result<Vec<Vacancy>, VacancyError> {
    let mut seen = std::collections::BTreeSet::new();
    let mut all = Vec::new();
    for (name, text) in files {
        let parse: fn(&str) -> Result<Vec<Vacancy>, String> = if name.ends_with(".xml") {
            parse_xml
        } else if name.ends_with(".json") {
            parse_json
        } else {
            continue;
        };
        let vacancies =
            parse(text.trim_start_matches('\u{feff}')).map_err(|problem| VacancyError::Feed {
                file: name,
                problem,
            })?;
        for vacancy in vacancies {
            if seen.insert(vacancy.url.clone()) {
                all.push(vacancy);
            }
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_feed_sample_reads_with_its_annotated_tags() {
        let text = include_str!("../../tests/fixtures/taiwanjobs_feed_sample.xml");
        let vacancies = parse_xml(text).unwrap();
        assert_eq!(vacancies.len(), 3);
        let first = &vacancies[0];
        assert_eq!(first.title, "家庭幫傭");
        assert_eq!(first.city, "臺北市");
        assert_eq!(first.place, "台北市北投區");
        assert_eq!(first.pay, Pay::Monthly);
        assert_eq!((first.pay_low, first.pay_high), (Some(35000), Some(35000)));
        assert_eq!(first.closes, Some(time::macros::date!(2026 - 07 - 24)));
        assert_eq!(first.openings, Some(1));
    }

    #[test]
    fn missing_bounds_and_until_filled_read_as_absent() {
        let json = r#"{"success": true, "result": {"records": [{
            "OCCU_DESC（職務名稱）": "作業員", "URL_QUERY（職缺網址）": "https://example/1",
            "STOP_DATE（應徵截止日期）": "額滿為止", "NT_L（薪資範圍下限）": "-",
            "NT_U（薪資範圍上限）": "-", "SALARYCD（核薪方式）": "面議", "CITYNAME（工作地點）": "臺中市不限"
        }]}}"#;
        let vacancies = parse_json(json).unwrap();
        assert_eq!(vacancies.len(), 1);
        assert_eq!(vacancies[0].closes, None);
        assert_eq!((vacancies[0].pay_low, vacancies[0].pay_high), (None, None));
        assert_eq!(vacancies[0].pay, Pay::Negotiable);
        assert_eq!(vacancies[0].city, "臺中市");
    }

    #[test]
    fn the_shipped_vacancies_all_read() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/vacancies");
        let vacancies = load_dir(&dir).unwrap();
        assert!(vacancies.len() >= 300, "{}", vacancies.len());
        assert!(
            vacancies
                .iter()
                .all(|v| v.city.ends_with('市') || v.city.ends_with('縣'))
        );
    }

    #[test]
    fn a_broken_feed_is_refused_with_where() {
        assert!(parse_xml("<DataList><Data><OCCU_DESC>x</Data>").is_err());
        assert!(parse_json("{\"records\": 3}").is_err());
    }
}
