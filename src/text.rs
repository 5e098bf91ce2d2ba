//! Small formatting helpers for messages.
//!
//! `{}` on an `f64` and `{:?}` on a `str` pull core's float printing
//! (Grisu/Dragon, about 25 KB of wasm) and its Unicode escaping tables into
//! the build. Messages only need numbers a person can read and text in
//! quotes, so these two wrappers print them with integer formatting alone.

use std::fmt;

/// Prints an `f64` for a person: whole numbers as integers, others with
/// at most 6 decimals (`12.5`, `1.0001`, `-4`), prefixed with `≈` when
/// that is not the exact value (`≈0.333333`); `NaN` and `±Infinity` as
/// JavaScript writes them.
#[derive(Clone, Copy, Debug)]
pub struct Num(pub f64);

/// Decimals [`Num`] prints at most.
const DECIMALS: usize = 6;
/// `10^DECIMALS`.
const SCALE: f64 = 1e6;

impl fmt::Display for Num {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n.is_nan() {
            return f.write_str("NaN");
        }
        if n.is_infinite() {
            return f.write_str(if n > 0.0 { "Infinity" } else { "-Infinity" });
        }
        let abs = n.abs();
        let scaled = (abs * SCALE).round();
        // Millionths no longer fit a u64 (|n| ≥ 9·10⁹): the whole part (every
        // f64 from 2⁵³ on is whole) in its shortest digits, as JavaScript
        // writes it: plainly up to 10²¹, in exponent form beyond.
        if scaled >= 9.0e15 {
            let whole = n.trunc();
            let approx = if whole == n { "" } else { "≈" };
            if abs < 1e21 {
                return write!(f, "{approx}{whole}");
            }
            // The shortest digits that read back as `n`, then the power of ten:
            // `{}` writes 1e300 as "1" and 300 zeros.
            let digits = abs.to_string();
            let exponent = digits.len() - 1;
            let significant = digits.trim_end_matches('0');
            let (first, rest) = significant.split_at(1.min(significant.len()));
            let sign = if n < 0.0 { "-" } else { "" };
            let point = if rest.is_empty() { "" } else { "." };
            return write!(f, "{sign}{first}{point}{rest}e{exponent}");
        }
        let t = scaled as u64;
        let approx = if t as f64 / SCALE == abs { "" } else { "≈" };
        let sign = if n < 0.0 && t != 0 { "-" } else { "" };
        let (whole, frac) = (t / SCALE as u64, t % SCALE as u64);
        if frac == 0 {
            return write!(f, "{approx}{sign}{whole}");
        }
        // The decimals without their trailing zeros: 500000 → 5.
        let (mut frac, mut width) = (frac, DECIMALS);
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        write!(f, "{approx}{sign}{whole}.{frac:0width$}")
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

/// Prints text between double quotes, as it is (messages already shorten
/// and one-line what they quote).
#[derive(Clone, Copy, Debug)]
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_plainly_and_say_when_rounded() {
        for (n, s) in [
            (0.0, "0"),
            (-0.0, "0"),
            (3.0, "3"),
            (-4.0, "-4"),
            (12.5, "12.5"),
            (1.0 / 3.0, "≈0.333333"),
            (2.0 / 3.0, "≈0.666667"),
            (-0.0001, "-0.0001"),
            (-0.25, "-0.25"),
            (0.1, "0.1"),
            (412.37, "412.37"),
            (1.0001, "1.0001"),
            (1.000_000_1, "≈1"),
            (-0.000_000_1, "≈0"),
            (9e12 + 0.5, "≈9000000000000"),
            (10_000.0, "10000"),
            (1e20, "100000000000000000000"),
            (-12_345_678_901_234_567.0, "-12345678901234568"),
            (1e300, "1e300"),
            (-2.5e21, "-2.5e21"),
            (f64::MAX, "1.7976931348623157e308"),
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

    #[test]
    fn quoted_text() {
        assert_eq!(Quoted("a b").to_string(), "\"a b\"");
    }
}
