//! Job vacancies from the TaiwanJobs (台灣就業通) open-data feed, which
//! job needs are matched against. [`feed`] reads the feed's XML and JSON
//! forms as they really come: tag names with full-width annotations
//! (`OCCU_DESC（職務名稱）`), every value a string, `-` for a missing
//! salary bound, `額滿為止` for "until filled", 台 and 臺 both.

pub mod board;
pub mod feed;
pub mod matching;

use serde::Serialize;
use time::Date;

#[derive(Debug, thiserror::Error)]
pub enum VacancyError {
    #[error("{file}: {problem}")]
    Feed { file: String, problem: String },
}

/// How pay is stated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pay {
    Monthly,
    Hourly,
    Daily,
    PieceRate,
    Negotiable,
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vacancy {
    pub title: String,
    pub work_type: String,
    pub category: String,
    pub subcategory: String,
    pub openings: Option<u32>,
    /// `None`: open until filled.
    pub closes: Option<Date>,
    pub detail: String,
    /// The city or county, written with 臺 as household registration does.
    pub city: String,
    /// The place as the feed gives it (district, several sites, …).
    pub place: String,
    pub experience: String,
    pub hours: String,
    pub pay: Pay,
    pub pay_low: Option<i64>,
    pub pay_high: Option<i64>,
    pub education: String,
    pub url: String,
    pub company: String,
    pub updated: Option<Date>,
}

/// The feed files compiled into the binary.
#[derive(rust_embed::RustEmbed)]
#[folder = "datasets/vacancies/"]
#[include = "*.xml"]
#[include = "*.json"]
struct EmbeddedFeed;

/// The vacancies shipped with the binary (`datasets/vacancies/`).
pub fn embedded() -> Result<Vec<Vacancy>, VacancyError> {
    let mut names: Vec<String> = EmbeddedFeed::iter().map(|n| n.to_string()).collect();
    names.sort();
    let files = names.into_iter().filter_map(|name| {
        let file = EmbeddedFeed::get(&name)?;
        Some((name, String::from_utf8_lossy(&file.data).into_owned()))
    });
    feed::load_files(files)
}

/// The 22 municipalities and counties, as household registration writes them.
const CITIES: [&str; 22] = [
    "臺北市",
    "新北市",
    "桃園市",
    "臺中市",
    "臺南市",
    "高雄市",
    "基隆市",
    "新竹市",
    "嘉義市",
    "新竹縣",
    "苗栗縣",
    "彰化縣",
    "南投縣",
    "雲林縣",
    "嘉義縣",
    "屏東縣",
    "宜蘭縣",
    "花蓮縣",
    "臺東縣",
    "澎湖縣",
    "金門縣",
    "連江縣",
];

/// The city a place lies in, or the place's first three characters.
pub fn city_of(place: &str) -> String {
    let normal = place.trim().replace('台', "臺");
    CITIES
        .iter()
        .find(|city| normal.starts_with(*city))
        .map(|city| (*city).to_owned())
        .unwrap_or_else(|| normal.chars().take(3).collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn places_map_to_registration_cities() {
        assert_eq!(super::city_of("台北市北投區"), "臺北市");
        assert_eq!(super::city_of("臺東縣臺東市"), "臺東縣");
        assert_eq!(super::city_of("新北市不限"), "新北市");
    }
}
