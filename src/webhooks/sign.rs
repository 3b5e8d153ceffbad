//! Standard Webhooks 1.0 signatures: `v1,<base64 HMAC-SHA256>` over
//! `id.timestamp.body`, keyed with the secret's base64-decoded bytes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The prefix of every signing secret.
pub const SECRET_PREFIX: &str = "whsec_";

/// Random bytes in a new secret (the standard allows 24 to 64).
const SECRET_BYTES: usize = 32;

/// A new signing secret: `whsec_` and 32 random bytes in base64.
pub fn new_secret() -> String {
    let mut key = [0u8; SECRET_BYTES];
    getrandom::fill(&mut key).expect("the operating system's random numbers");
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The `v1,…` signature of one message under one secret; None for a secret
/// that is not `whsec_` and base64 (none is ever stored).
pub fn signature(secret: &str, message_id: &str, timestamp: i64, body: &[u8]) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix(SECRET_PREFIX)?)
        .ok()
        .filter(|k| !k.is_empty())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(message_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// The `webhook-signature` header: one signature per secret, separated by
/// spaces (during a rotation, the new secret's and the old one's).
pub fn header(secrets: &[&str], message_id: &str, timestamp: i64, body: &[u8]) -> String {
    secrets
        .iter()
        .filter_map(|s| signature(s, message_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_secret_is_prefixed_base64_of_32_bytes() {
        let secret = new_secret();
        let key = STANDARD
            .decode(secret.strip_prefix(SECRET_PREFIX).unwrap())
            .unwrap();
        assert_eq!(key.len(), 32);
        assert_ne!(secret, new_secret());
    }

    #[test]
    fn each_secret_signs_differently_and_the_header_lists_both() {
        let (a, b) = (new_secret(), new_secret());
        let one = signature(&a, "evt_1", 1_700_000_000, b"{}").unwrap();
        let two = signature(&b, "evt_1", 1_700_000_000, b"{}").unwrap();
        assert!(one.starts_with("v1,"));
        assert_ne!(one, two);
        assert_eq!(
            header(&[&a, &b], "evt_1", 1_700_000_000, b"{}"),
            format!("{one} {two}")
        );
        // The message id, the time and the body are all signed.
        assert_ne!(signature(&a, "evt_2", 1_700_000_000, b"{}").unwrap(), one);
        assert_ne!(signature(&a, "evt_1", 1_700_000_001, b"{}").unwrap(), one);
        assert_ne!(signature(&a, "evt_1", 1_700_000_000, b"{ }").unwrap(), one);
        assert_eq!(signature("not-a-secret", "evt_1", 0, b""), None);
    }
}
