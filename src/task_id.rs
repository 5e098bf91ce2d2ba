//! [`TaskId`]: a task's id in the JSON type the service gave it. A leaf
//! module, used by the wire protocol, the errors and the results.

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Largest whole number an `f64` (and so a JSON number read by
/// JavaScript) holds exactly: 2⁵³ − 1.
const MAX_EXACT: u64 = (1 << 53) - 1;

/// A task's id, in the JSON type the service gave it: AnySolver sends
/// strings; other services that speak the protocol number their tasks.
/// It goes back to the service as it came (`"abc"` as a string, `12345678901`
/// as a number), and prints as it is (digits for a number).
///
/// ```
/// use anysolver_coordinates::TaskId;
/// assert_eq!(TaskId::from("01KF").to_string(), "01KF");
/// assert_eq!(TaskId::from(12_345_678_901).to_string(), "12345678901");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TaskId {
    /// A string id.
    Text(String),
    /// A numeric id: a whole number up to 2⁵³ − 1 (larger ones cannot
    /// cross JSON in JavaScript exactly).
    Number(u64),
}

impl TaskId {
    /// A numeric id from a JSON number: whole, not negative, and exact
    /// in an `f64`; `None` otherwise.
    pub fn from_f64(n: f64) -> Option<Self> {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        (n.fract() == 0.0 && (0.0..=MAX_EXACT as f64).contains(&n))
            .then_some(Self::Number(n as u64))
    }

    /// Whether the id is an empty or blank string.
    pub fn is_blank(&self) -> bool {
        matches!(self, Self::Text(t) if t.trim().is_empty())
    }

    /// The id with surrounding whitespace trimmed from a string id.
    #[must_use]
    pub fn trimmed(self) -> Self {
        match self {
            Self::Text(t) if t.trim().len() != t.len() => Self::Text(t.trim().to_owned()),
            other => other,
        }
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Text(t) => f.write_str(t),
            Self::Number(n) => write!(f, "{n}"),
        }
    }
}

impl From<String> for TaskId {
    fn from(id: String) -> Self {
        Self::Text(id)
    }
}

impl From<&str> for TaskId {
    fn from(id: &str) -> Self {
        Self::Text(id.to_owned())
    }
}

impl From<u64> for TaskId {
    fn from(id: u64) -> Self {
        Self::Number(id)
    }
}

impl PartialEq<&str> for TaskId {
    fn eq(&self, other: &&str) -> bool {
        matches!(self, Self::Text(t) if t == other)
    }
}

impl Serialize for TaskId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Text(t) => s.serialize_str(t),
            Self::Number(n) => s.serialize_u64(*n),
        }
    }
}

impl<'de> Deserialize<'de> for TaskId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = TaskId;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a task id (a string, or a whole number up to 2^53 - 1)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TaskId, E> {
                Ok(TaskId::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<TaskId, E> {
                Ok(TaskId::Text(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<TaskId, E> {
                (v <= MAX_EXACT)
                    .then_some(TaskId::Number(v))
                    .ok_or_else(|| E::custom("a numeric task id above 2^53 - 1"))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<TaskId, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom("a negative task id"))
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<TaskId, E> {
                TaskId::from_f64(v).ok_or_else(|| E::custom("a task id that is not a whole number"))
            }
        }
        d.deserialize_any(V)
    }
}
