//! Numbers as JavaScript reads and writes them: [`Num`] prints an `f64`
//! as `String(n)` does, [`number`] reads a decimal as a person or a server
//! writes one. A leaf module: it uses nothing else of the crate.

use std::fmt;

/// Prints an `f64` as JavaScript's `String(n)` does, on both targets: the
/// shortest digits that read back as the same number (`12`, `-0.25`,
/// `0.30000000000000004`), exponent form from 10²¹ and below 10⁻⁶
/// (`1e+21`, `1.5e-7`), and `NaN`, `Infinity`, `-Infinity`. A JavaScript
/// caller reads in a message the very number its code holds.
#[derive(Clone, Copy, Debug)]
pub struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&js_string(self.0))
    }
}

/// The engine's own printing.
#[cfg(target_arch = "wasm32")]
fn js_string(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

/// The same digits (Rust's `{}` and `{:e}` print the shortest that read
/// back, as JavaScript does), in JavaScript's layout.
#[cfg(not(target_arch = "wasm32"))]
fn js_string(n: f64) -> String {
    let abs = n.abs();
    if n.is_nan() {
        "NaN".to_owned()
    } else if n.is_infinite() {
        (if n > 0.0 { "Infinity" } else { "-Infinity" }).to_owned()
    } else if abs == 0.0 {
        "0".to_owned()
    } else if (1e-6..1e21).contains(&abs) {
        format!("{n}")
    } else {
        let e = format!("{n:e}");
        match e.split_once('e') {
            Some((digits, exp)) if !exp.starts_with('-') => format!("{digits}e+{exp}"),
            _ => e,
        }
    }
}

/// Reads a decimal number as people and servers write it (`12`, `-0.5`,
/// `.5`, `3e2`, surrounding whitespace allowed), `None` for anything else:
/// no hex, no `inf`/`NaN`, and not `""` (which JavaScript reads as 0).
///
/// The grammar is checked here; the conversion is the platform's: core's
/// `f64` parser natively, JavaScript's `parseFloat` in wasm, so that the
/// build does not ship a second float parser next to the engine's.
pub fn number(s: &str) -> Option<f64> {
    let t = s.trim();
    let body = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (body.get(..i)?, Some(body.get(i + 1..)?)),
        None => (body, None),
    };
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    if whole.len() + frac.len() == 0 || !digits(whole) || !digits(frac) || !exponent_ok {
        return None;
    }
    convert(t)
}

#[cfg(not(target_arch = "wasm32"))]
fn convert(t: &str) -> Option<f64> {
    t.parse().ok()
}

#[cfg(target_arch = "wasm32")]
fn convert(t: &str) -> Option<f64> {
    let n = js_sys::Number::parse_float(t);
    (!n.is_nan()).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_printed_as_javascript_prints_them() {
        for (n, s) in [
            (0.0, "0"),
            (-0.0, "0"),
            (3.0, "3"),
            (-4.0, "-4"),
            (12.5, "12.5"),
            (1.0 / 3.0, "0.3333333333333333"),
            (0.1 + 0.2, "0.30000000000000004"),
            (-0.0001, "-0.0001"),
            (0.000_001, "0.000001"),
            (1.5e-7, "1.5e-7"),
            (412.37, "412.37"),
            (9_007_199_254_740_993.0, "9007199254740992"),
            (-12_345_678_901_234_567.0, "-12345678901234568"),
            (2e19, "20000000000000000000"),
            (1e21, "1e+21"),
            (-2.5e21, "-2.5e+21"),
            (f64::MAX, "1.7976931348623157e+308"),
            (f64::MIN_POSITIVE, "2.2250738585072014e-308"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(Num(n).to_string(), s, "{n}");
        }
    }

    #[test]
    fn numbers_are_read_in_decimal_only() {
        for (s, n) in [
            ("12", Some(12.0)),
            (" -0.5 ", Some(-0.5)),
            ("+3", Some(3.0)),
            (".5", Some(0.5)),
            ("5.", Some(5.0)),
            ("3e2", Some(300.0)),
            ("1E-3", Some(0.001)),
            ("12345678901", Some(12_345_678_901.0)),
            ("", None),
            ("  ", None),
            (".", None),
            ("-", None),
            ("1e", None),
            ("e5", None),
            ("0x10", None),
            ("inf", None),
            ("NaN", None),
            ("1.2.3", None),
            ("12px", None),
            ("1 2", None),
        ] {
            assert_eq!(number(s), n, "{s:?}");
        }
    }
}
