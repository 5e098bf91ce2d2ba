//! Tolerant serde: the helpers that let a value of an unexpected type be
//! kept as data instead of failing the parse. [`Scalar`] takes any JSON
//! value, [`or_other`] turns a visitor's refusal into `None`, and
//! [`Members`] reads an object's scalar members whatever else it holds.
//! Used by the wire protocol's answers and by Task records read back from
//! storage. Depends only on [`crate::js_number`].

use crate::js_number::Num;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Any JSON value, kept loosely: numbers and numeric strings as numbers
/// where asked, everything else without failing the parse.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Scalar {
    /// Absent or `null`.
    #[default]
    Null,
    /// A number.
    Number(f64),
    /// A string.
    Text(String),
    /// A boolean.
    Bool(bool),
    /// An object or array (contents ignored).
    Compound,
}

impl Scalar {
    /// The value as a number: numbers, and strings that hold one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Scalar::Number(n) => Some(*n),
            Scalar::Text(s) => crate::js_number::number(s),
            _ => None,
        }
    }

    /// The value as text: strings, and numbers written out.
    pub fn as_text(&self) -> Option<String> {
        match self {
            Scalar::Text(s) => Some(s.clone()),
            Scalar::Number(n) => Some(Num(*n).to_string()),
            _ => None,
        }
    }
}

struct ScalarVisitor;

impl<'de> Visitor<'de> for ScalarVisitor {
    type Value = Scalar;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Number(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
        Ok(Scalar::Number(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
        Ok(Scalar::Number(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::Text(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::Text(v))
    }
    fn visit_unit<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_none<E>(self) -> Result<Scalar, E> {
        Ok(Scalar::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Scalar, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Scalar::Compound)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Scalar, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Scalar::Compound)
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor)
    }
}

/// Deserializes with `visitor` when the value is of a shape it takes
/// (a list or an object), and gives `None` (instead of an error) for any
/// other value.
pub fn or_other<'de, D, V>(d: D, visitor: V) -> Result<Option<V::Value>, D::Error>
where
    D: Deserializer<'de>,
    V: Visitor<'de>,
{
    d.deserialize_any(OrOther(visitor))
}

/// Wraps a visitor: what it does not take becomes `None`, drained.
struct OrOther<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for OrOther<V> {
    type Value = Option<V::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.0.visit_seq(seq).map(Some)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.visit_map(map).map(Some)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.visit_unit::<E>().ok())
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(self.0.visit_none::<E>().ok())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// An object's members, read loosely: each key with its value as a
/// [`Scalar`] (objects and arrays inside kept as [`Scalar::Compound`]).
/// Anything that is not an object reads as no members, and the whole value
/// is always consumed, so that what follows it still parses.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Members(Vec<(String, Scalar)>);

impl Members {
    /// The value of `key`, [`Scalar::Null`] when absent.
    pub fn get(&self, key: &str) -> &Scalar {
        const NULL: &Scalar = &Scalar::Null;
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map_or(NULL, |(_, v)| v)
    }

    /// The value of `key` when it is a JSON number (not a numeric string).
    pub fn number(&self, key: &str) -> Option<f64> {
        match self.get(key) {
            Scalar::Number(n) => Some(*n),
            _ => None,
        }
    }
}

impl<'de> Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(key) = map.next_key::<Scalar>()? {
                    let value = map.next_value::<Scalar>()?;
                    if let Some(key) = key.as_text() {
                        members.push((key, value));
                    }
                }
                Ok(Members(members))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Members, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(Members::default())
            }
        }
        Ok(or_other(d, V)?.unwrap_or_default())
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Pair {
        first: Members,
        second: u32,
    }

    #[test]
    fn members_of_any_shape_leave_the_rest_readable() {
        for first in [
            r#"{"a": "x", "b": 0}"#,
            r#"{"a": {"deep": [1, 2]}, "b": [3]}"#,
            r#""text""#,
            "[1, {\"a\": 2}]",
            "null",
            "17",
        ] {
            let text = format!(r#"{{"first": {first}, "second": 2}}"#);
            let pair: Pair = serde_json::from_str(&text).unwrap();
            assert_eq!(pair.second, 2, "{first}");
            assert!(pair.first.get("a") != &Scalar::Null || !first.starts_with('{'));
        }
        let m: Members = serde_json::from_str(r#"{"n": 1.5, "s": "2", "o": {}}"#).unwrap();
        assert_eq!(m.number("n"), Some(1.5));
        assert_eq!((m.number("s"), m.get("s").as_f64()), (None, Some(2.0)));
        assert_eq!(
            (m.get("o"), m.get("missing")),
            (&Scalar::Compound, &Scalar::Null)
        );
    }
}
