//! Pagination cursors. Clients treat a cursor as opaque and pass back
//! `next_cursor` unchanged. Inside, it is fixed-width lower-case hex, so the
//! spec can state exactly which strings are cursors (its `pattern`) and every
//! string that matches decodes to a position: nothing schema-valid is refused.

use chrono::{DateTime, NaiveDate, NaiveDateTime};

use crate::error::ApiError;
use crate::models::feed::Position;

/// An article-feed cursor: the publish time in microseconds since the epoch
/// (16 hex digits, two's complement) then the article id (32 hex digits).
pub const POSITION_PATTERN: &str = "^[0-9a-f]{48}$";
/// A slug-ordered cursor: the slug's bytes in hex, each one a slug
/// character (`-`, `0`-`9`, `a`-`z`).
pub const SLUG_PATTERN: &str = "^(2d|3[0-9]|6[1-9a-f]|7[0-9a]){1,200}$";

fn invalid() -> ApiError {
    ApiError::invalid(
        "cursor",
        "is not a cursor this API issued; pass back `next_cursor` unchanged",
    )
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(raw: &str) -> Option<Vec<u8>> {
    if !raw.len().is_multiple_of(2) || !raw.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return None;
    }
    (0..raw.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&raw[i..i + 2], 16).ok())
        .collect()
}

pub fn encode_position(pos: &Position) -> String {
    let micros = pos.listed_at.and_utc().timestamp_micros();
    let id = uuid::Uuid::parse_str(&pos.article_id)
        .map(|u| u.simple().to_string())
        .unwrap_or_default();
    format!("{}{id}", hex(&micros.to_be_bytes()))
}

pub fn decode_position(raw: &str) -> Result<Position, ApiError> {
    if raw.len() != 48 {
        return Err(invalid());
    }
    let bytes = unhex(raw).ok_or_else(invalid)?;
    let micros = i64::from_be_bytes(bytes[..8].try_into().map_err(|_| invalid())?);
    // A time beyond the years both databases hold just means "from the very
    // start" or "from the very end".
    let (first, last) = bounds();
    let listed_at = DateTime::from_timestamp_micros(micros)
        .map(|t| t.naive_utc())
        .unwrap_or(if micros < 0 { first } else { last })
        .clamp(first, last);
    let id = uuid::Uuid::from_slice(&bytes[8..]).map_err(|_| invalid())?;
    Ok(Position {
        listed_at,
        article_id: id.hyphenated().to_string(),
    })
}

/// The times both databases store alike (SQLite compares them as text,
/// which holds only for four-digit years).
pub fn bounds() -> (NaiveDateTime, NaiveDateTime) {
    let first = NaiveDate::from_ymd_opt(1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).and_then(|d| d.and_hms_opt(23, 59, 59));
    (
        first.unwrap_or(NaiveDateTime::MIN),
        last.unwrap_or(NaiveDateTime::MAX),
    )
}

/// A search cursor: the last hit's score (an IEEE 754 double, 16 hex
/// digits) then its article id (32 hex digits), the same shape as a
/// position. A score that is not a number means "from the top".
pub fn encode_hit(hit: &crate::search::Hit) -> String {
    let id = uuid::Uuid::parse_str(&hit.article_id)
        .map(|u| u.simple().to_string())
        .unwrap_or_default();
    format!("{}{id}", hex(&hit.score.to_bits().to_be_bytes()))
}

pub fn decode_hit(raw: &str) -> Result<crate::search::Hit, ApiError> {
    if raw.len() != 48 {
        return Err(invalid());
    }
    let bytes = unhex(raw).ok_or_else(invalid)?;
    let bits = u64::from_be_bytes(bytes[..8].try_into().map_err(|_| invalid())?);
    let score = f64::from_bits(bits);
    let id = uuid::Uuid::from_slice(&bytes[8..]).map_err(|_| invalid())?;
    Ok(crate::search::Hit {
        score: if score.is_nan() { f64::INFINITY } else { score },
        article_id: id.hyphenated().to_string(),
    })
}

pub fn encode_slug(slug: &str) -> String {
    hex(slug.as_bytes())
}

pub fn decode_slug(raw: &str) -> Result<String, ApiError> {
    if raw.is_empty() || raw.len() > 400 {
        return Err(invalid());
    }
    let bytes = unhex(raw).ok_or_else(invalid)?;
    if !bytes
        .iter()
        .all(|b| matches!(b, b'-' | b'0'..=b'9' | b'a'..=b'z'))
    {
        return Err(invalid());
    }
    String::from_utf8(bytes).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_round_trip() {
        let pos = Position {
            listed_at: DateTime::from_timestamp_micros(1_609_839_000_123_456)
                .unwrap()
                .naive_utc(),
            article_id: "0b6f3e8a-6a0c-4a59-9d4e-0f0c1f1e2d3c".into(),
        };
        let cursor = encode_position(&pos);
        assert_eq!(cursor.len(), 48);
        assert_eq!(decode_position(&cursor).unwrap(), pos);
    }

    #[test]
    fn every_pattern_match_decodes() {
        assert!(decode_position(&"f".repeat(48)).is_ok());
        assert!(decode_position(&"7".repeat(48)).is_ok());
        assert!(decode_position(&"0".repeat(48)).is_ok());
        assert_eq!(decode_slug("2d30397a61").unwrap(), "-09za");
    }

    #[test]
    fn foreign_cursors_are_refused() {
        assert!(decode_position("not hex").is_err());
        assert!(decode_position(&"F".repeat(48)).is_err());
        assert!(decode_position(&"0".repeat(47)).is_err());
        assert!(decode_position(&encode_slug("abc")).is_err());
        assert!(decode_slug("").is_err());
        assert!(decode_slug("abc").is_err());
        assert!(decode_slug("00").is_err(), "a NUL is no slug character");
        assert!(decode_slug("6100").is_err());
        assert!(
            decode_slug("41").is_err(),
            "upper case is no slug character"
        );
        assert_eq!(decode_slug(&encode_slug("abc")).unwrap(), "abc");
    }
}
