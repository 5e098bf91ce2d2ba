//! How AnySolver picks a provider: [`Routing`], sent beside `task` in
//! createTask, with its modes as enums spelled on the wire as the
//! documentation spells them.

use crate::error::{Error, Result};
use crate::message::{Quoted, snippet};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// `selectionMode`: how AnySolver chooses among the providers that support
/// the task. It overrides the routing mode saved on the API key.
///
/// ```
/// use anysolver_coordinates::SelectionMode;
/// let mode: SelectionMode = "autoFastest".parse().unwrap();
/// assert_eq!(mode, SelectionMode::AutoFastest);
/// assert_eq!(mode.as_str(), "autoFastest");
/// assert!("fastest".parse::<SelectionMode>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum SelectionMode {
    /// `autoCheapest`: the cheapest provider.
    AutoCheapest,
    /// `autoFastest`: the fastest provider.
    AutoFastest,
    /// `autoMostReliable`: the provider with the best success rate.
    AutoMostReliable,
    /// `priority`: the key's own provider list, in order; fails with
    /// `TASK_NOT_SUPPORTED` when none of them supports the task.
    Priority,
}

/// `keyPoolMode`: which provider keys AnySolver may use.
///
/// ```
/// use anysolver_coordinates::KeyPoolMode;
/// assert_eq!("platformOnly".parse::<KeyPoolMode>().unwrap(), KeyPoolMode::PlatformOnly);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum KeyPoolMode {
    /// `all` (the service's default): community-contributed keys included.
    All,
    /// `platformOnly`: platform-managed keys only, for privacy.
    PlatformOnly,
}

/// A routing mode's wire names, for parsing and messages.
trait Named: Copy + 'static {
    /// The option's JS name.
    const OPTION: &'static str;
    /// Every value, in the order of their declaration.
    const ALL: &'static [Self];
    /// Every value's name on the wire, in the same order.
    const NAMES: &'static [&'static str];

    /// The value named `s`, or a `validation` error naming the option and
    /// every value it takes.
    fn parse_name(s: &str) -> Result<Self> {
        let i = position(Self::OPTION, Self::NAMES, s)?;
        Self::ALL
            .get(i)
            .copied()
            .ok_or_else(|| one_of(Self::OPTION, Self::NAMES, s))
    }
}

/// Where `s` is in `names`, or the error that lists them (one function for
/// every mode, not one per enum).
fn position(option: &str, names: &[&str], s: &str) -> Result<usize> {
    names
        .iter()
        .position(|n| *n == s)
        .ok_or_else(|| one_of(option, names, s))
}

fn one_of(option: &str, names: &[&str], s: &str) -> Error {
    let mut message = format!("{option} must be one of ");
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            message.push_str(", ");
        }
        message.push_str(name);
    }
    message.push_str(", not ");
    message.push_str(&Quoted(&snippet(s)).to_string());
    Error::validation("INVALID_OPTION", message)
}

impl Named for SelectionMode {
    const OPTION: &'static str = "selectionMode";
    const ALL: &'static [Self] = &[
        Self::AutoCheapest,
        Self::AutoFastest,
        Self::AutoMostReliable,
        Self::Priority,
    ];
    const NAMES: &'static [&'static str] = &[
        "autoCheapest",
        "autoFastest",
        "autoMostReliable",
        "priority",
    ];
}

impl Named for KeyPoolMode {
    const OPTION: &'static str = "keyPoolMode";
    const ALL: &'static [Self] = &[Self::All, Self::PlatformOnly];
    const NAMES: &'static [&'static str] = &["all", "platformOnly"];
}

/// `as_str`, `Display` and `FromStr` (a wrong name is a `validation`
/// error listing the right ones) of a routing mode.
macro_rules! named {
    ($($t:ty),*) => {$(
        impl $t {
            /// The name on the wire and in JS, e.g. `"autoFastest"`.
            pub fn as_str(self) -> &'static str {
                // A variant's discriminant is its place in the declaration.
                <$t as Named>::NAMES
                    .get(self as usize)
                    .copied()
                    .unwrap_or_default()
            }
        }

        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $t {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                Self::parse_name(s)
            }
        }
    )*};
}

named!(SelectionMode, KeyPoolMode);

/// Routing choices sent beside `task`; `None` fields are omitted, and the
/// service (or the key's saved settings) decides.
///
/// ```
/// use anysolver_coordinates::{Routing, SelectionMode};
/// let routing = Routing::default().with_selection_mode(SelectionMode::AutoCheapest);
/// assert_eq!(routing.selection_mode, Some(SelectionMode::AutoCheapest));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Routing {
    /// `provider`: force one provider (bypasses routing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// `selectionMode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection_mode: Option<SelectionMode>,
    /// `keyPoolMode`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_pool_mode: Option<KeyPoolMode>,
    /// `fallbackProviders`: not sent; the providers a call switches to, in
    /// order, when the service says the one in use is saturated
    /// (`PROVIDER_GLOBAL_LIMIT_REACHED`, or `PROVIDER_RATE_LIMITED` after
    /// its retries).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fallback_providers: Vec<String>,
}

impl Routing {
    /// These choices, with `provider` forced.
    #[must_use]
    pub fn with_provider(mut self, provider: impl Into<String>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    /// These choices, with `mode`.
    #[must_use]
    pub fn with_selection_mode(mut self, mode: SelectionMode) -> Self {
        self.selection_mode = Some(mode);
        self
    }

    /// These choices, with `mode`.
    #[must_use]
    pub fn with_key_pool_mode(mut self, mode: KeyPoolMode) -> Self {
        self.key_pool_mode = Some(mode);
        self
    }

    /// These choices, falling back on `providers`, in order.
    #[must_use]
    pub fn with_fallback_providers<S: Into<String>>(
        mut self,
        providers: impl IntoIterator<Item = S>,
    ) -> Self {
        self.fallback_providers = providers.into_iter().map(Into::into).collect();
        self
    }

    /// Checks the providers' names; `Err` names the option.
    pub fn validate(&self) -> Result<()> {
        let blank = |p: &String| p.trim().is_empty();
        if self.provider.as_ref().is_some_and(blank) {
            return Err(Error::validation(
                "INVALID_OPTION",
                "provider must be a non-empty string",
            ));
        }
        if self.fallback_providers.iter().any(blank) {
            return Err(Error::validation(
                "INVALID_OPTION",
                "fallback_providers (fallbackProviders) must hold non-empty provider names",
            ));
        }
        Ok(())
    }

    /// These choices, with each field of `over` that is set taking precedence.
    #[must_use]
    pub fn overridden_by(&self, over: &Routing) -> Routing {
        Routing {
            provider: over.provider.clone().or_else(|| self.provider.clone()),
            selection_mode: over.selection_mode.or(self.selection_mode),
            key_pool_mode: over.key_pool_mode.or(self.key_pool_mode),
            fallback_providers: if over.fallback_providers.is_empty() {
                self.fallback_providers.clone()
            } else {
                over.fallback_providers.clone()
            },
        }
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::error::Kind;

    #[test]
    fn modes_read_and_print_their_wire_names() {
        for mode in SelectionMode::ALL {
            assert_eq!(mode.as_str().parse::<SelectionMode>().unwrap(), *mode);
            assert_eq!(
                serde_json::to_string(mode).unwrap(),
                format!("\"{}\"", mode.as_str())
            );
        }
        assert_eq!(
            serde_json::from_str::<KeyPoolMode>("\"platformOnly\"").unwrap(),
            KeyPoolMode::PlatformOnly
        );
        let e = "fastest".parse::<SelectionMode>().unwrap_err();
        assert_eq!(
            (e.kind, e.code.as_ref()),
            (Kind::Validation, "INVALID_OPTION")
        );
        assert_eq!(
            e.message,
            "selectionMode must be one of autoCheapest, autoFastest, autoMostReliable, priority, not \"fastest\""
        );
        let e = "everything".parse::<KeyPoolMode>().unwrap_err();
        assert!(
            e.message
                .contains("keyPoolMode must be one of all, platformOnly")
        );
    }

    #[test]
    fn routing_is_validated_and_overridden() {
        let blank = Routing::default().with_provider(" ");
        assert_eq!(blank.validate().unwrap_err().code, "INVALID_OPTION");
        let base = Routing::default()
            .with_provider("A")
            .with_key_pool_mode(KeyPoolMode::All);
        let over = Routing::default().with_provider("B");
        let r = base.overridden_by(&over);
        assert_eq!(r.provider.as_deref(), Some("B"));
        assert_eq!(r.key_pool_mode, Some(KeyPoolMode::All));
        let base = base.with_fallback_providers(["C", "D"]);
        assert_eq!(base.overridden_by(&over).fallback_providers, ["C", "D"]);
        let over = over.with_fallback_providers(["E"]);
        assert_eq!(base.overridden_by(&over).fallback_providers, ["E"]);
        let blank = Routing::default().with_fallback_providers(["C", " "]);
        assert!(
            blank
                .validate()
                .unwrap_err()
                .message
                .contains("fallbackProviders")
        );
    }
}
