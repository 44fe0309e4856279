//! The workshop's join code: what admits an attendee, shown on the host's dashboard.

use subtle::ConstantTimeEq;

/// Crockford's base 32: digits and letters without i, l, o and u, so that nothing on the
/// projector reads as something else.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// Characters in a generated code: 10 of a 32-letter alphabet are 50 bits.
const LENGTH: usize = 10;

/// The shortest code `--code` takes: shorter ones fall to guessing in a workshop's hour even
/// at the gate's pace (see gate.rs).
pub const MIN_LENGTH: usize = 8;

#[derive(Clone)]
pub struct JoinCode(String);

impl JoinCode {
    /// A fresh code of 50 random bits, written as two groups of five (`k7m3q-x9d2f`).
    pub fn generate() -> JoinCode {
        let mut bytes = [0u8; LENGTH];
        getrandom::fill(&mut bytes).expect("the OS's random source");
        // 32 letters: 5 bits of each byte, uniformly.
        let letters: String = bytes
            .iter()
            .map(|b| ALPHABET[usize::from(b & 31)] as char)
            .collect();
        JoinCode(format!("{}-{}", &letters[..5], &letters[5..]))
    }

    /// A code the host chose (`--code`).
    pub fn chosen(code: &str) -> Result<JoinCode, String> {
        let code = code.trim();
        if code.chars().count() < MIN_LENGTH {
            return Err(format!(
                "the join code must have at least {MIN_LENGTH} characters (a short one can be guessed); leave --code out for a generated one"
            ));
        }
        if code.len() > 128 || code.chars().any(char::is_control) {
            return Err("the join code must be at most 128 printable characters".into());
        }
        Ok(JoinCode(code.to_string()))
    }

    /// Whether `typed` is the code; in time that does not depend on where they differ.
    pub fn admits(&self, typed: &str) -> bool {
        let typed = typed.trim();
        self.0.len() == typed.len() && bool::from(self.0.as_bytes().ct_eq(typed.as_bytes()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for JoinCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JoinCode(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_differ_and_admit_only_themselves() {
        let a = JoinCode::generate();
        let b = JoinCode::generate();
        assert_ne!(a.as_str(), b.as_str());
        assert_eq!(a.as_str().len(), 11);
        assert!(a.admits(a.as_str()) && a.admits(&format!(" {} ", a.as_str())));
        assert!(!a.admits(b.as_str()) && !a.admits("") && !a.admits(&a.as_str()[..10]));
        assert!(JoinCode::chosen("short").is_err());
        assert!(
            JoinCode::chosen("kubecon-2026")
                .unwrap()
                .admits("kubecon-2026")
        );
    }
}
