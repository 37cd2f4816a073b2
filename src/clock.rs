//! Time as the platform records it: UTC milliseconds since the epoch, the one
//! representation both SQLite and PostgreSQL store and compare identically.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

pub const DAY_MS: i64 = 86_400_000;

pub fn now_ms() -> i64 {
    unix_ms(OffsetDateTime::now_utc())
}

pub fn unix_ms(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX)
}

/// RFC 3339 in UTC, for people and JSON; falls back to the raw number for a
/// value outside the calendar rather than failing a report.
pub fn format_ms(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|at| at.format(&Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// Midnight UTC of a `YYYY-MM-DD` date, in milliseconds.
pub fn date_start_ms(date: &str) -> Result<i64, time::error::Parse> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let day = Date::parse(date, &format)?;
    Ok(unix_ms(day.midnight().assume_utc()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_to_rfc3339() {
        let ms = date_start_ms("2026-12-01").unwrap();
        assert_eq!(format_ms(ms), "2026-12-01T00:00:00Z");
        assert!(date_start_ms("2026-13-01").is_err());
    }
}
