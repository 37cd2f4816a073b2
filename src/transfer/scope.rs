//! Scopes name datasets and, optionally, fields: `tax.income` asks for
//! every field the provider registered for it, `tax.income:year,total`
//! for those two only. A scope beyond the registration is refused.

use std::collections::BTreeMap;

use crate::ids::DatasetId;
use crate::services::Registration;

/// Dataset → the fields asked for.
pub type Scope = BTreeMap<DatasetId, Vec<String>>;

const MAX_ITEMS: usize = 32;

/// Parses `raw` and checks it against what `registration` may ask for.
pub fn parse(raw: &str, registration: &Registration) -> Result<Scope, String> {
    let mut scope = Scope::new();
    for token in raw.split_whitespace() {
        let (dataset, fields) = match token.split_once(':') {
            Some((dataset, fields)) => (dataset, Some(fields)),
            None => (token, None),
        };
        let dataset = DatasetId::parse(dataset).map_err(|e| format!("{token}: {e}"))?;
        let Some(allowed) = registration.datasets.get(&dataset) else {
            return Err(format!(
                "{dataset} is not among the datasets this service registered"
            ));
        };
        let fields: Vec<String> = match fields {
            None => allowed.clone(),
            Some(list) => list.split(',').map(str::to_owned).collect(),
        };
        if let Some(extra) = fields.iter().find(|f| !allowed.contains(f)) {
            return Err(format!(
                "{dataset}.{extra} is not among the fields this service registered"
            ));
        }
        let entry = scope.entry(dataset).or_default();
        entry.extend(fields);
        entry.sort();
        entry.dedup();
    }
    if scope.is_empty() || scope.len() > MAX_ITEMS {
        return Err(format!("ask for 1 to {MAX_ITEMS} datasets"));
    }
    Ok(scope)
}

/// Only the consented fields of a record.
pub fn minimise(record: &serde_json::Value, fields: &[String]) -> serde_json::Value {
    match record {
        serde_json::Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .filter(|(name, _)| fields.contains(name))
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect(),
        ),
        other => other.clone(),
    }
}
