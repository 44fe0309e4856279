//! The embedded cloud's accounts and their access keys.
//!
//! Without accounts (`serve` alone, the terminal UI) the cloud is open: every request acts in
//! the one default account, whatever credentials sign it, as before. With accounts, each has
//! its own 12-digit id and a freshly generated key pair, and every request must carry a valid
//! SigV4 signature made with one of those keys (see sigv4.rs); the key decides the account.

use parking_lot::RwLock;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// One account and its access key, as the credentials file holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    pub name: String,
    pub account_id: String,
    pub access_key_id: String,
    pub secret_access_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error(
        "account name '{0}' is not valid: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
    )]
    InvalidName(String),
    #[error("an account named '{0}' already exists")]
    Exists(String),
    #[error("no account is named '{0}'")]
    Unknown(String),
    #[error("at most {MAX_ACCOUNTS} accounts")]
    TooMany,
    #[error(
        "this cloud has one account and checks no credentials (it was started without accounts)"
    )]
    Open,
}

/// Accounts one cloud holds at most (a classroom is 10–60 seats; AWS documents no number for
/// an emulator, so the bound is the embedded cloud's own).
pub const MAX_ACCOUNTS: usize = 1_000;

/// The accounts of a cloud. Open (no accounts) or verified, fixed when the cloud starts;
/// a verified cloud's accounts can be added and removed while it runs.
pub struct Accounts {
    verified: bool,
    by_key: RwLock<HashMap<String, Credentials>>,
}

impl Accounts {
    /// A cloud that checks no credentials.
    pub fn open() -> Accounts {
        Accounts {
            verified: false,
            by_key: RwLock::new(HashMap::new()),
        }
    }

    /// A cloud that accepts only requests signed with these accounts' keys.
    pub fn verified(accounts: Vec<Credentials>) -> Accounts {
        let by_key = accounts
            .into_iter()
            .map(|c| (c.access_key_id.clone(), c))
            .collect();
        Accounts {
            verified: true,
            by_key: RwLock::new(by_key),
        }
    }

    pub fn is_verified(&self) -> bool {
        self.verified
    }

    /// The account that owns `access_key_id`, if any.
    pub fn by_access_key(&self, access_key_id: &str) -> Option<Credentials> {
        self.read().get(access_key_id).cloned()
    }

    /// Who calls with `account`'s keys, as IAM names it: the account's user (named as the
    /// account) with accounts, the account's root without; and the user's id.
    pub fn principal(&self, account: &str) -> (String, String) {
        match self.read().values().find(|c| c.account_id == account) {
            Some(c) => (
                format!("arn:aws:iam::{account}:user/{}", c.name),
                // AWS's user ids start AIDA; derived from the key id, stable for the account.
                format!("AIDA{}", &c.access_key_id[4..]),
            ),
            None => (format!("arn:aws:iam::{account}:root"), account.to_string()),
        }
    }

    /// Creates an account called `name`, with a new id and key pair.
    pub fn add(&self, name: &str) -> Result<Credentials, AccountError> {
        if !self.verified {
            return Err(AccountError::Open);
        }
        check_name(name)?;
        let mut by_key = self.by_key.write();
        if by_key.values().any(|c| c.name == name) {
            return Err(AccountError::Exists(name.into()));
        }
        if by_key.len() >= MAX_ACCOUNTS {
            return Err(AccountError::TooMany);
        }
        let taken: Vec<&str> = by_key.values().map(|c| c.account_id.as_str()).collect();
        let credentials = generate(name, &taken);
        by_key.insert(credentials.access_key_id.clone(), credentials.clone());
        Ok(credentials)
    }

    /// Removes the account called `name`: its key stops working at once. Returns it.
    pub fn remove(&self, name: &str) -> Result<Credentials, AccountError> {
        let mut by_key = self.by_key.write();
        let key = by_key
            .iter()
            .find(|(_, c)| c.name == name)
            .map(|(k, _)| k.clone())
            .ok_or_else(|| AccountError::Unknown(name.into()))?;
        Ok(by_key.remove(&key).expect("found above"))
    }

    fn read(&self) -> parking_lot::RwLockReadGuard<'_, HashMap<String, Credentials>> {
        self.by_key.read()
    }
}

/// `--accounts 3` → `attendee-01` … `attendee-03`; `--accounts alice,bob` → those names.
pub fn names_of(spec: &str) -> Result<Vec<String>, String> {
    let spec = spec.trim();
    if let Ok(n) = spec.parse::<usize>() {
        if n == 0 || n > MAX_ACCOUNTS {
            return Err(format!("--accounts {n}: give 1 to {MAX_ACCOUNTS} accounts"));
        }
        let width = n.to_string().len().max(2);
        return Ok((1..=n).map(|i| format!("attendee-{i:0width$}")).collect());
    }
    let names: Vec<String> = spec.split(',').map(|n| n.trim().to_string()).collect();
    for (i, name) in names.iter().enumerate() {
        check_name(name).map_err(|e| e.to_string())?;
        if names[..i].contains(name) {
            return Err(format!("account name '{name}' is given twice"));
        }
    }
    if names.len() > MAX_ACCOUNTS {
        return Err(AccountError::TooMany.to_string());
    }
    Ok(names)
}

fn check_name(name: &str) -> Result<(), AccountError> {
    let valid = (1..=64).contains(&name.len())
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if valid {
        Ok(())
    } else {
        Err(AccountError::InvalidName(name.into()))
    }
}

/// A new account: a 12-digit id none of `taken` has (nor the open cloud's `000000000000`),
/// an access key id shaped as AWS's (`AKIA` and 16 base-32 characters) and a 40-character
/// secret, all from the operating system's random source.
fn generate(name: &str, taken: &[&str]) -> Credentials {
    let account_id = loop {
        let id: String = random_from(b"0123456789", 12);
        if id != "000000000000" && !taken.contains(&id.as_str()) {
            break id;
        }
    };
    Credentials {
        name: name.to_string(),
        account_id,
        access_key_id: format!(
            "AKIA{}",
            random_from(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
        ),
        secret_access_key: random_from(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
            40,
        ),
    }
}

/// `len` characters drawn uniformly from `alphabet` (at most 256 characters), by rejection.
fn random_from(alphabet: &[u8], len: usize) -> String {
    let limit = 256 - 256 % alphabet.len();
    let mut out = String::with_capacity(len);
    let mut buf = [0u8; 64];
    while out.len() < len {
        getrandom::fill(&mut buf).expect("the operating system's random source works");
        for b in buf {
            if (b as usize) < limit && out.len() < len {
                out.push(alphabet[b as usize % alphabet.len()] as char);
            }
        }
    }
    out
}

/// Writes the accounts to `path` as JSON lines, readable by its owner only (mode 0600),
/// replacing the file whole (a reader never sees half of it).
pub fn write_credentials_file(path: &Path, accounts: &[Credentials]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // tempfile creates the file with mode 0600 and a name no one can guess.
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    for account in accounts {
        serde_json::to_writer(&mut file, account)?;
        file.write_all(b"\n")?;
    }
    file.as_file().sync_all()?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Reads a credentials file written by [`write_credentials_file`].
pub fn read_credentials_file(path: &Path) -> std::io::Result<Vec<Credentials>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}:{}:{}: {e}", path.display(), i + 1, e.column()),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn names_default_to_attendees_or_are_given() {
        assert_eq!(
            names_of("3").unwrap(),
            ["attendee-01", "attendee-02", "attendee-03"]
        );
        assert_eq!(names_of("120").unwrap()[0], "attendee-001");
        assert_eq!(names_of("alice, bob").unwrap(), ["alice", "bob"]);
        assert!(names_of("0").is_err());
        assert!(names_of("alice,alice").unwrap_err().contains("twice"));
        assert!(names_of("alice,-x").unwrap_err().contains("not valid"));
        assert!(names_of("a b").is_err());
    }

    #[test]
    fn accounts_get_distinct_ids_and_keys_shaped_as_aws() {
        let accounts = Accounts::verified(vec![]);
        let a = accounts.add("alice").unwrap();
        let b = accounts.add("bob").unwrap();
        assert_eq!(
            accounts.add("alice"),
            Err(AccountError::Exists("alice".into()))
        );
        assert_ne!(a.account_id, b.account_id);
        assert_ne!(a.secret_access_key, b.secret_access_key);
        for c in [&a, &b] {
            assert!(c.account_id.len() == 12 && c.account_id.bytes().all(|d| d.is_ascii_digit()));
            assert!(c.access_key_id.starts_with("AKIA") && c.access_key_id.len() == 20);
            assert_eq!(c.secret_access_key.len(), 40);
        }
        assert_eq!(accounts.by_access_key(&a.access_key_id), Some(a.clone()));
        assert_eq!(accounts.remove("alice"), Ok(a.clone()));
        assert_eq!(accounts.by_access_key(&a.access_key_id), None);
        assert_eq!(accounts.by_access_key(&b.access_key_id), Some(b));
    }

    #[test]
    fn the_credentials_file_is_the_owners_only_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials.jsonl");
        let accounts = Accounts::verified(vec![]);
        let all = vec![accounts.add("a").unwrap(), accounts.add("b").unwrap()];
        write_credentials_file(&path, &all).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(read_credentials_file(&path).unwrap(), all);
        let line: serde_json::Value = serde_json::from_str(
            std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .next()
                .unwrap(),
        )
        .unwrap();
        for key in ["name", "accountId", "accessKeyId", "secretAccessKey"] {
            assert!(line.get(key).is_some(), "{key}");
        }
    }
}
