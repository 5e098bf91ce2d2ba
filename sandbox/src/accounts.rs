//! API keys, their balances and their routing settings.
//!
//! Money is kept in micro-dollars (integers) so that deductions and refunds
//! add up exactly; the API shows it as a number of USD.

use serde::Deserialize;
use std::collections::HashMap;

/// Micro-dollars in one USD.
pub const MICROS_PER_USD: f64 = 1e6;

/// `micros` in USD (a division, so 200 µ$ reads 0.0002 exactly).
pub fn usd(micros: i64) -> f64 {
    micros as f64 / MICROS_PER_USD
}

/// One API key's account.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Account {
    /// The key, e.g. `anysolver_demo`.
    pub key: String,
    /// Balance in USD.
    #[serde(default)]
    pub balance: f64,
    /// A banned account gets `ERROR_USER_BANNED` on every call.
    #[serde(default)]
    pub banned: bool,
    /// The routing mode saved on the key (used when a request names none).
    #[serde(default)]
    pub selection_mode: Option<String>,
    /// The key's provider list for `priority` routing, in order.
    #[serde(default)]
    pub priority: Vec<String>,
}

/// The config file: `{"accounts": [ {"key": "...", "balance": 5}, ... ]}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsFile {
    /// The accounts it defines.
    pub accounts: Vec<Account>,
}

/// The live state of one account.
#[derive(Clone, Debug)]
pub struct Ledger {
    /// The account's settings.
    pub account: Account,
    /// What is left, in micro-dollars.
    pub balance_micros: i64,
    /// Tasks created with this key.
    pub tasks_created: u64,
    /// Requests per method made with this key.
    pub requests: HashMap<&'static str, u64>,
    /// createTasks made with each counting fault provider
    /// (`Fault:createError`, `Fault:failFirst`), by its name.
    pub fault_hits: HashMap<String, u32>,
}

impl Ledger {
    /// Opens the ledger of `account` with its configured balance.
    pub fn new(account: Account) -> Self {
        let balance_micros = (account.balance * MICROS_PER_USD).round() as i64;
        Self {
            account,
            balance_micros,
            tasks_created: 0,
            requests: HashMap::new(),
            fault_hits: HashMap::new(),
        }
    }

    /// The balance in USD, rounded to six decimals.
    pub fn balance_usd(&self) -> f64 {
        usd(self.balance_micros)
    }
}

/// The keys every sandbox knows unless a config file replaces them.
pub fn default_accounts() -> Vec<Account> {
    let account = |key: &str, balance: f64| Account {
        key: key.to_owned(),
        balance,
        banned: false,
        selection_mode: None,
        priority: Vec::new(),
    };
    vec![
        account("anysolver_demo", 100.0),
        account("anysolver_empty", 0.0),
        Account {
            banned: true,
            ..account("anysolver_banned", 10.0)
        },
        Account {
            selection_mode: Some("priority".to_owned()),
            priority: vec!["TextOnly".to_owned()],
            ..account("anysolver_textonly", 10.0)
        },
    ]
}
