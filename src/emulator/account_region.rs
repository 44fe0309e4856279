//! Where a resource lives: an account, and a Region inside it. Every plane of the embedded
//! cloud keeps its state per scope, as AWS does: one account never sees another's resources,
//! and the same names may be used in each.

use std::fmt;

use imbl::OrdMap;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AccountRegion {
    /// The 12-digit account id.
    pub account: String,
    pub region: String,
}

impl AccountRegion {
    pub fn new(account: impl Into<String>, region: impl Into<String>) -> AccountRegion {
        AccountRegion {
            account: account.into(),
            region: region.into(),
        }
    }
}

impl fmt::Display for AccountRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} in {}", self.account, self.region)
    }
}

/// Removes every scope of `account` from a plane's map of them; whether there were any.
pub fn forget_account<V: Clone>(scopes: &mut OrdMap<AccountRegion, V>, account: &str) -> bool {
    let gone: Vec<AccountRegion> = scopes
        .keys()
        .filter(|k| k.account == account)
        .cloned()
        .collect();
    for scope in &gone {
        scopes.remove(scope);
    }
    !gone.is_empty()
}
