//! Checking a record against its dataset's field types in `datasets.yaml`,
//! so that a caller's typo or wrong type is refused with the field named
//! instead of silently turning a rule unknown. Types as the spec writes
//! them: `int`, `number`, `bool`, `date`, `string`, `null`, literal enum
//! values joined by `|` (`"single | married"`), `[string]` for a list, a
//! nested mapping for an object, and a one-item sequence for a list of
//! objects. Text after a comma (`"string, one of …"`) or after a type
//! keyword (`"int 1-6"`) is commentary.
//! Fields may be missing: a what-if record may be partial.

use serde_json::Value;
use serde_yaml_ng::Value as Type;

/// `Ok` when `value` fits `kind`; otherwise where and why not.
pub fn check(kind: &Type, value: &Value, at: &str) -> Result<(), String> {
    match kind {
        Type::Mapping(fields) => {
            let Value::Object(given) = value else {
                return Err(format!("{at}: must be an object"));
            };
            for (name, field) in given {
                let Some(field_type) = fields.get(Type::String(name.clone())) else {
                    return Err(format!("{at}: \"{name}\" is not a field of that dataset"));
                };
                check(field_type, field, &format!("{at}.{name}"))?;
            }
            Ok(())
        }
        Type::Sequence(items) => {
            let Value::Array(given) = value else {
                return Err(format!("{at}: must be a list"));
            };
            let Some(item) = items.first() else {
                return Ok(());
            };
            for (i, element) in given.iter().enumerate() {
                check(item, element, &format!("{at}[{i}]"))?;
            }
            Ok(())
        }
        Type::String(spec) => scalar(spec, value, at),
        _ => Ok(()),
    }
}

fn scalar(spec: &str, value: &Value, at: &str) -> Result<(), String> {
    let spec = spec.split(',').next().unwrap_or(spec);
    let options: Vec<&str> = spec.split('|').map(str::trim).collect();
    // `int 1-6`: the keyword decides; the rest is commentary.
    let keyword = |option: &str| {
        let first = option.split_whitespace().next().unwrap_or(option);
        if matches!(
            first,
            "int" | "number" | "bool" | "string" | "null" | "date"
        ) {
            first.to_owned()
        } else {
            option.to_owned()
        }
    };
    let fits = |option: &str| match keyword(option).as_str() {
        "int" => value.as_i64().is_some(),
        "number" => value.is_number(),
        "bool" => value.is_boolean(),
        "string" => value.is_string(),
        "null" => value.is_null(),
        "date" => value.as_str().is_some_and(|d| {
            time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).is_ok()
        }),
        literal => value.as_str() == Some(literal),
    };
    if options.iter().any(|o| fits(o)) {
        Ok(())
    } else {
        Err(format!(
            "{at}: expected {}, got {value}",
            options.join(" or ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::citizens::CitizenDirectory;
    use crate::ids::DatasetId;
    use crate::spec::DatasetRegistry;

    #[test]
    fn every_shipped_citizen_fits_the_spec_and_wrong_types_are_named() {
        let registry = DatasetRegistry::embedded().unwrap();
        let citizens = CitizenDirectory::embedded(&registry).unwrap();
        for citizen in citizens.iter() {
            for (dataset, record) in &citizen.records {
                let spec = registry
                    .dataset(&DatasetId::parse(dataset).unwrap())
                    .unwrap();
                assert_eq!(spec.check_record(record), Ok(()), "{}", citizen.id);
            }
        }
        let household = registry
            .dataset(&DatasetId::parse("household.registration").unwrap())
            .unwrap();
        let cases = [
            (
                json!({"household_size": "3"}),
                "household_size: expected int",
            ),
            (
                json!({"birth_date": "1990-13-01"}),
                "birth_date: expected date",
            ),
            (
                json!({"marital_status": "engaged"}),
                "marital_status: expected single or married",
            ),
            (
                json!({"members": [{"relation": "spouse", "birth_date": 5}]}),
                "members[0].birth_date",
            ),
            (json!({"ssn": "x"}), "\"ssn\" is not a field"),
            (json!([]), "must be an object"),
        ];
        for (record, says) in cases {
            let fault = household.check_record(&record).unwrap_err();
            assert!(fault.contains(says), "{record}: {fault}");
        }
        assert_eq!(household.check_record(&json!({"city": "臺北市"})), Ok(()));
    }
}
