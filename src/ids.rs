//! Domain identifiers parsed once at the boundary ("parse, don't validate"):
//! a `NationalId` that exists has a valid check digit, a `DatasetId` cannot
//! smuggle a path separator, a `Level` is one of three assurance levels.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    #[error(
        "a national ID number is one letter, then 1, 2, 8 or 9, then eight digits (e.g. A123456789)"
    )]
    NationalIdFormat,
    #[error("the national ID number's check digit does not match")]
    NationalIdCheckDigit,
    #[error(
        "a dataset id is two or more dot-separated lowercase words (e.g. tax.income), at most 64 characters"
    )]
    DatasetIdFormat,
    #[error(
        "an agency id is one or more dot-separated lowercase words (e.g. mol.bli), at most 64 characters"
    )]
    AgencyIdFormat,
    #[error("a level of assurance is one of low, substantial, high")]
    Level,
}

/// Letter codes of the first character of a Taiwanese ID number: the place
/// of first registration, mapped to two digits for the checksum.
fn letter_code(letter: u8) -> Option<u32> {
    const CODES: [u32; 26] = [
        10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29, 32,
        30, 31, 33,
    ];
    letter
        .checked_sub(b'A')
        .and_then(|index| CODES.get(usize::from(index)).copied())
}

/// A national identification number (國民身分證統一編號) or the new-format
/// resident certificate number (second digit 8 or 9), check digit verified.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NationalId(String);

impl NationalId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        let bytes = raw.as_bytes();
        let well_formed = bytes.len() == 10
            && bytes[0].is_ascii_uppercase()
            && matches!(bytes[1], b'1' | b'2' | b'8' | b'9')
            && bytes[1..].iter().all(u8::is_ascii_digit);
        if !well_formed {
            return Err(IdError::NationalIdFormat);
        }
        let code = letter_code(bytes[0]).ok_or(IdError::NationalIdFormat)?;
        // Weights 1, 9 on the letter's two digits, then 8..1 on the next
        // eight digits, and 1 on the check digit: the sum is a multiple of 10.
        let mut sum = code / 10 + (code % 10) * 9;
        for (digit, weight) in bytes[1..9].iter().zip((1..=8).rev()) {
            sum += u32::from(digit - b'0') * weight;
        }
        sum += u32::from(bytes[9] - b'0');
        if sum % 10 != 0 {
            return Err(IdError::NationalIdCheckDigit);
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last four characters, as the citizen certificate's subject shows
    /// them and as logs may show them without identifying the person.
    pub fn masked(&self) -> String {
        format!("{}*****{}", &self.0[..1], &self.0[6..])
    }
}

/// Logs must not carry whole ID numbers: `Debug` shows the masked form.
impl fmt::Debug for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NationalId({})", self.masked())
    }
}

/// Dot-separated lowercase words: the shape shared by dataset and agency ids.
fn dotted_words(raw: &str, min_parts: usize) -> bool {
    raw.len() <= 64
        && raw.split('.').count() >= min_parts
        && raw.split('.').all(|word| {
            let mut chars = word.chars();
            chars.next().is_some_and(|c| c.is_ascii_lowercase())
                && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
}

/// A dataset identifier from `datasets.yaml`, e.g. `labor.insurance_history`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DatasetId(String);

impl DatasetId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        if dotted_words(raw, 2) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(IdError::DatasetIdFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A data-provider agency identifier, e.g. `mol.bli` or `moe`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AgencyId(String);

impl AgencyId {
    pub fn parse(raw: &str) -> Result<Self, IdError> {
        if dotted_words(raw, 1) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(IdError::AgencyIdFormat)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

macro_rules! string_id_traits {
    ($($id:ident),*) => {$(
        impl fmt::Display for $id {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $id {
            type Err = IdError;
            fn from_str(raw: &str) -> Result<Self, IdError> {
                Self::parse(raw)
            }
        }

        impl Serialize for $id {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $id {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let raw = String::deserialize(deserializer)?;
                Self::parse(&raw).map_err(serde::de::Error::custom)
            }
        }
    )*};
}

string_id_traits!(NationalId, DatasetId, AgencyId);

/// Their OpenAPI schema: a string of the shape `parse` accepts (the
/// national ID's check digit cannot be said in a pattern).
macro_rules! string_id_schema {
    ($($id:ident: $pattern:literal, $example:literal;)*) => {$(
        impl utoipa::PartialSchema for $id {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some($pattern))
                    .max_length(Some(64))
                    .examples([$example])
                    .into()
            }
        }

        impl utoipa::ToSchema for $id {}
    )*};
}

string_id_schema! {
    NationalId: "^[A-Z][1289][0-9]{8}$", "A123456789";
    DatasetId: "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$", "labor.insurance_history";
    AgencyId: "^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*$", "mol.bli";
}

/// Level of assurance of an identity (eIDAS / NIST SP 800-63 reading).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Low,
    Substantial,
    High,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Substantial => "substantial",
            Self::High => "high",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = IdError;
    fn from_str(raw: &str) -> Result<Self, IdError> {
        match raw {
            "low" => Ok(Self::Low),
            "substantial" => Ok(Self::Substantial),
            "high" => Ok(Self::High),
            _ => Err(IdError::Level),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_national_ids() {
        // A123456789 is the textbook valid example; F131104093 computed by hand.
        for id in ["A123456789", "F131104093"] {
            assert!(NationalId::parse(id).is_ok(), "{id}");
        }
    }

    #[test]
    fn rejects_bad_check_digit_and_shapes() {
        assert_eq!(
            NationalId::parse("A123456788"),
            Err(IdError::NationalIdCheckDigit)
        );
        for bad in [
            "",
            "a123456789",
            "A323456789",
            "A12345678",
            "A1234567890",
            "A12345678X",
            "Ａ123456789",
        ] {
            assert_eq!(
                NationalId::parse(bad),
                Err(IdError::NationalIdFormat),
                "{bad}"
            );
        }
    }

    #[test]
    fn masks_in_debug() {
        let id = NationalId::parse("A123456789").unwrap();
        assert_eq!(format!("{id:?}"), "NationalId(A*****6789)");
    }

    #[test]
    fn dataset_ids_refuse_traversal() {
        assert!(DatasetId::parse("labor.insurance_history").is_ok());
        for bad in [
            "tax",
            "../etc/passwd",
            "tax..income",
            "Tax.income",
            "tax.income/",
            "tax.%2e",
        ] {
            assert!(DatasetId::parse(bad).is_err(), "{bad}");
        }
        assert!(AgencyId::parse("moe").is_ok());
        assert!(AgencyId::parse("mol..bli").is_err());
    }
}
