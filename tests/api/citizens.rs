//! The synthetic citizens are internally consistent where the eligibility
//! rules will look: household sizes, income sums, low-income status against
//! the city's 2026 thresholds, NHI category, insurance periods.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::helpers::citizens;

#[derive(Deserialize)]
struct Thresholds {
    cities: BTreeMap<String, i64>,
    mid_low_income_threshold: BTreeMap<String, i64>,
}

#[derive(Deserialize)]
struct ServicesFile {
    minimum_living_cost: Thresholds,
}

fn thresholds() -> Thresholds {
    let file = mydata_navigator::spec::EmbeddedData::get("spec/services.yaml").expect("embedded");
    serde_yaml_ng::from_slice::<ServicesFile>(&file.data)
        .expect("services.yaml")
        .minimum_living_cost
}

fn int(value: &Value) -> i64 {
    value
        .as_i64()
        .unwrap_or_else(|| panic!("not an integer: {value}"))
}

#[test]
fn there_are_enough_citizens_covering_the_situations() {
    let directory = citizens();
    assert!(directory.len() >= 80, "{}", directory.len());
    let situations: std::collections::BTreeSet<&str> = directory
        .iter()
        .flat_map(|c| c.situations.iter().map(String::as_str))
        .collect();
    for needed in [
        "involuntary_job_loss",
        "long_term_unemployment",
        "single_parent",
        "low_income_household",
        "mid_low_income_household",
        "disability",
        "elderly_needing_care",
        "pregnancy",
        "students",
        "migrant_spouse",
        "debt",
        "recent_bereavement",
        "well_off",
    ] {
        assert!(
            situations.contains(needed),
            "no citizen in situation {needed}"
        );
    }
}

#[test]
fn records_agree_with_each_other_and_the_thresholds() {
    let limits = thresholds();
    for citizen in citizens().iter() {
        let who = &citizen.id;
        let r = |dataset: &str| &citizen.records[dataset];
        let household = r("household.registration");
        let size = int(&household["household_size"]);
        let members = household["members"].as_array().expect("members").len();
        assert_eq!(size, 1 + members as i64, "{who}: household size");

        let income = r("tax.income");
        let items: i64 = income["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| int(&i["amount"]))
            .sum();
        assert_eq!(
            items,
            int(&income["personal_annual_income"]),
            "{who}: income items"
        );
        assert!(
            int(&income["household_annual_income"]) >= items,
            "{who}: household income"
        );

        let city = household["city"].as_str().expect("city");
        let per_capita = int(&income["household_annual_income"]) as f64 / 12.0 / size as f64;
        let welfare = r("welfare.status");
        let low = welfare["low_income_household"].as_bool().unwrap();
        let mid_low = welfare["mid_low_income_household"].as_bool().unwrap();
        assert!(!(low && mid_low), "{who}: both low and mid-low income");
        if low {
            assert!(
                per_capita <= limits.cities[city] as f64,
                "{who}: low income above the line"
            );
        }
        if mid_low {
            assert!(
                per_capita <= limits.mid_low_income_threshold[city] as f64,
                "{who}: mid-low income above the line"
            );
        }
        let category = int(&r("health.nhi_enrollment")["category"]);
        assert_eq!(
            category == 5,
            low,
            "{who}: NHI category 5 means a low-income household"
        );

        let labour = r("labor.insurance_history");
        let periods = labour["periods"].as_array().unwrap();
        let open_ended = periods.last().is_some_and(|p| p["end"].is_null());
        assert_eq!(
            labour["currently_insured"].as_bool().unwrap(),
            open_ended,
            "{who}: insured"
        );
    }
}
