//! Who made a decision, proven: reviewers' ed25519 keys, the canonical byte
//! encodings that get signed, and verification. Pure (no I/O): the binary
//! reads key files, the store keeps registered public keys.
//!
//! Every signed message starts with a domain tag naming what it is (a
//! decision or a key registration) and its version, so a signature made for
//! one kind of message can never be replayed as another. Fields follow as
//! 8-byte little-endian lengths and bytes, so no two different messages
//! encode the same.

use crate::memory::MemoryScope;
use crate::review::{Decision, ReviewTarget, Role};
use crate::{Cwe, Severity};
use ed25519_dalek::{Signer as _, SigningKey, Verifier as _, VerifyingKey};
use serde::{Deserialize, Serialize};

const DECISION_DOMAIN: &[u8] = b"secguard decision v1";
const KEY_DOMAIN: &[u8] = b"secguard key registration v1";

/// A signature and the public key it verifies with, both hex.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Signature {
    pub public_key: String,
    pub signature: String,
}

/// A reviewer's private key, in memory only while a command runs.
pub struct Signer {
    key: SigningKey,
}

/// Never prints the secret.
impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Signer")
            .field("public_key", &self.public_key())
            .finish()
    }
}

impl Signer {
    /// From the 32 secret bytes (randomness for a new key comes from the
    /// caller, who can reach the operating system).
    pub fn from_secret(secret: [u8; 32]) -> Signer {
        Signer {
            key: SigningKey::from_bytes(&secret),
        }
    }

    /// From a key file's text: 64 hex digits, surrounding whitespace ignored.
    pub fn from_hex(text: &str) -> Result<Signer, String> {
        let bytes = from_hex(text.trim())?;
        let secret: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
            format!("a private key is 32 bytes (64 hex digits), not {}", b.len())
        })?;
        Ok(Signer::from_secret(secret))
    }

    /// The secret as 64 hex digits, for the key file.
    pub fn secret_hex(&self) -> String {
        to_hex(self.key.as_bytes())
    }

    pub fn public_key(&self) -> String {
        to_hex(self.key.verifying_key().as_bytes())
    }

    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature {
            public_key: self.public_key(),
            signature: to_hex(&self.key.sign(message).to_bytes()),
        }
    }
}

/// Whether `sig` is a valid signature of `message` by its public key
/// (strict verification: no malleable or small-order encodings).
pub fn verify(sig: &Signature, message: &[u8]) -> bool {
    let Ok(key) = parse_public_key(&sig.public_key) else {
        return false;
    };
    let Ok(bytes) = from_hex(&sig.signature) else {
        return false;
    };
    let Ok(bytes) = <[u8; 64]>::try_from(bytes) else {
        return false;
    };
    let sig = ed25519_dalek::Signature::from_bytes(&bytes);
    key.verify_strict(message, &sig).is_ok() && key.verify(message, &sig).is_ok()
}

/// A public key as 64 hex digits, checked to be a valid curve point.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, String> {
    let bytes = from_hex(text.trim())?;
    let bytes: [u8; 32] = bytes.try_into().map_err(|b: Vec<u8>| {
        format!("a public key is 32 bytes (64 hex digits), not {}", b.len())
    })?;
    let key = VerifyingKey::from_bytes(&bytes).map_err(|e| format!("not an ed25519 key: {e}"))?;
    if key.is_weak() {
        return Err("a weak (small-order) key is refused".to_string());
    }
    Ok(key)
}

/// Lower-case hex of `bytes`.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("not a hex string".to_string());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

/// Length-prefixed fields after a domain tag.
struct Encoder(Vec<u8>);

impl Encoder {
    fn new(domain: &[u8]) -> Encoder {
        let mut e = Encoder(Vec::new());
        e.bytes(domain);
        e
    }

    fn bytes(&mut self, b: &[u8]) {
        self.0.extend_from_slice(&(b.len() as u64).to_le_bytes());
        self.0.extend_from_slice(b);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// Absent and present-but-empty encode differently.
    fn opt(&mut self, s: Option<&str>) {
        match s {
            None => self.0.push(0),
            Some(s) => {
                self.0.push(1);
                self.str(s);
            }
        }
    }

    fn int(&mut self, n: i64) {
        self.bytes(&n.to_le_bytes());
    }
}

/// Everything a decision says, as signed. `scope` is the memory scope the
/// decision creates or strengthens (resolved by the store from the finding
/// and the reviewer's choice), so a signature for "this finding only"
/// cannot be replayed as "this rule everywhere".
#[derive(Debug, Clone, Copy)]
pub struct DecisionClaim<'a> {
    pub project: &'a str,
    pub target: &'a ReviewTarget,
    pub decision: Decision,
    pub cwe: &'a [Cwe],
    pub severity: Option<Severity>,
    pub note: &'a str,
    pub corrected_code: Option<&'a str>,
    pub scope: Option<&'a MemoryScope>,
    pub reviewer: &'a str,
    /// Unix seconds.
    pub created_at: i64,
}

/// The canonical bytes of a decision.
pub fn decision_message(c: &DecisionClaim<'_>) -> Vec<u8> {
    let mut e = Encoder::new(DECISION_DOMAIN);
    e.str(c.project);
    match c.target {
        ReviewTarget::Finding { fingerprint } => {
            e.str("finding");
            e.str(fingerprint);
        }
        ReviewTarget::Sample { path } => {
            e.str("sample");
            e.str(path);
        }
    }
    e.str(c.decision.as_str());
    e.int(c.cwe.len() as i64);
    for cwe in c.cwe {
        e.int(i64::from(cwe.0));
    }
    e.opt(c.severity.map(Severity::name));
    e.str(c.note);
    e.opt(c.corrected_code);
    match c.scope {
        None => e.0.push(0),
        Some(s) => {
            e.0.push(1);
            e.opt(s.project.as_deref());
            e.opt(s.rule.as_deref());
            e.opt(s.cwe.map(|c| c.to_string()).as_deref());
            e.opt(s.path_glob.as_deref());
            e.opt(s.fingerprint.as_deref());
        }
    }
    e.str(c.reviewer);
    e.int(c.created_at);
    e.0
}

/// A public key registered to a reviewer with a role, as signed by the
/// admin who registers it (or, for the first admin, by the key itself).
#[derive(Debug, Clone, Copy)]
pub struct KeyClaim<'a> {
    pub reviewer: &'a str,
    pub public_key: &'a str,
    pub role: Role,
    /// Unix seconds.
    pub created_at: i64,
}

pub fn key_message(c: &KeyClaim<'_>) -> Vec<u8> {
    let mut e = Encoder::new(KEY_DOMAIN);
    e.str(c.reviewer);
    e.str(&c.public_key.trim().to_ascii_lowercase());
    e.str(c.role.as_str());
    e.int(c.created_at);
    e.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim<'a>(target: &'a ReviewTarget, note: &'a str) -> DecisionClaim<'a> {
        DecisionClaim {
            project: "demo",
            target,
            decision: Decision::FalsePositive,
            cwe: &[],
            severity: None,
            note,
            corrected_code: None,
            scope: None,
            reviewer: "alice",
            created_at: 5,
        }
    }

    #[test]
    fn signatures_verify_and_any_change_breaks_them() {
        let signer = Signer::from_secret([7; 32]);
        let target = ReviewTarget::Finding {
            fingerprint: "fp".into(),
        };
        let message = decision_message(&claim(&target, "ok"));
        let sig = signer.sign(&message);
        assert!(verify(&sig, &message));
        assert!(!verify(&sig, &decision_message(&claim(&target, "ok!"))));
        let other = Signer::from_secret([8; 32]);
        let forged = Signature {
            public_key: other.public_key(),
            ..sig.clone()
        };
        assert!(!verify(&forged, &message));
        let garbage = Signature {
            public_key: "zz".into(),
            signature: sig.signature.clone(),
        };
        assert!(!verify(&garbage, &message));
    }

    #[test]
    fn domains_and_field_boundaries_keep_messages_apart() {
        let a = ReviewTarget::Finding {
            fingerprint: "ab".into(),
        };
        let b = ReviewTarget::Sample { path: "ab".into() };
        assert_ne!(
            decision_message(&claim(&a, "")),
            decision_message(&claim(&b, ""))
        );
        let key = key_message(&KeyClaim {
            reviewer: "alice",
            public_key: "00",
            role: Role::Admin,
            created_at: 5,
        });
        assert!(!decision_message(&claim(&a, "")).starts_with(&key[..20]));
    }

    #[test]
    fn keys_round_trip_through_hex() {
        let s = Signer::from_secret([9; 32]);
        let back = Signer::from_hex(&format!("{}\n", s.secret_hex()));
        assert_eq!(back.map(|b| b.public_key()), Ok(s.public_key()));
        assert!(Signer::from_hex("abc").is_err());
        assert!(parse_public_key(&s.public_key()).is_ok());
        assert!(parse_public_key(&"00".repeat(32)).is_err());
    }
}
