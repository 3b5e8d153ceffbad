//! Opaque pagination cursors. A cursor is base64url text naming the last item
//! of the page before; clients pass it back unchanged and must not parse it.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::DateTime;

use crate::error::ApiError;
use crate::models::feed::Position;

const MAX_CURSOR_LEN: usize = 512;

fn invalid() -> ApiError {
    ApiError::invalid(
        "cursor",
        "is not a cursor this API issued; pass back `next_cursor` unchanged",
    )
}

fn decode(raw: &str, kind: &str) -> Result<String, ApiError> {
    if raw.len() > MAX_CURSOR_LEN {
        return Err(invalid());
    }
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix('|'))
        .map(str::to_string)
        .ok_or_else(invalid)
}

/// A cursor for a position in an article feed.
pub fn encode_position(pos: &Position) -> String {
    let micros = pos.listed_at.and_utc().timestamp_micros();
    URL_SAFE_NO_PAD.encode(format!("p|{micros}|{}", pos.article_id))
}

pub fn decode_position(raw: &str) -> Result<Position, ApiError> {
    let body = decode(raw, "p")?;
    let (micros, id) = body.split_once('|').ok_or_else(invalid)?;
    let micros: i64 = micros.parse().map_err(|_| invalid())?;
    let listed_at = DateTime::from_timestamp_micros(micros)
        .ok_or_else(invalid)?
        .naive_utc();
    let id = uuid::Uuid::parse_str(id).map_err(|_| invalid())?;
    Ok(Position {
        listed_at,
        article_id: id.hyphenated().to_string(),
    })
}

/// A cursor for a list ordered by slug.
pub fn encode_slug(slug: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("s|{slug}"))
}

pub fn decode_slug(raw: &str) -> Result<String, ApiError> {
    let slug = decode(raw, "s")?;
    if slug.is_empty() {
        return Err(invalid());
    }
    Ok(slug)
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
        assert_eq!(decode_position(&encode_position(&pos)).unwrap(), pos);
    }

    #[test]
    fn foreign_cursors_are_refused() {
        assert!(decode_position("not base64!").is_err());
        assert!(decode_position(&encode_slug("abc")).is_err());
        assert!(decode_position(&URL_SAFE_NO_PAD.encode("p|12|not-a-uuid")).is_err());
        assert!(decode_slug(&URL_SAFE_NO_PAD.encode("s|")).is_err());
        assert_eq!(decode_slug(&encode_slug("abc")).unwrap(), "abc");
    }
}
