//! Text for messages: numbers a person can read, quoted and shortened
//! text, and what `Debug` prints in place of a secret. A leaf module: it
//! uses nothing else of the crate.
//!
//! `{}` on an `f64` and `{:?}` on a `str` pull core's float printing
//! (Grisu/Dragon, about 17 KB of wasm) and its Unicode escaping tables into
//! the build. [`Num`] prints numbers with integer arithmetic and integer
//! formatting alone, and [`Quoted`] writes text between quotes as it is.

use std::fmt;

/// Prints an `f64` for a person, without core's float formatting: whole
/// numbers below 2⁶⁴ exactly (`12`, `-4`, `12345678901234568`), others with
/// at most 6 decimals (`12.5`, `1.0001`), and numbers of 10²⁰ or more in
/// exponent form with 6 significant digits (`1e300`, `≈1.79769e308`). A
/// printed value that is not the exact value is prefixed with `≈`
/// (`≈0.333333`); `NaN` and `±Infinity` are spelled as JavaScript spells
/// them.
#[derive(Clone, Copy, Debug)]
pub struct Num(pub f64);

/// Decimals [`Num`] prints at most.
const DECIMALS: usize = 6;
/// `10^DECIMALS`.
const SCALE: f64 = 1e6;
/// From here on, numbers are printed in exponent form.
const EXPONENT_FROM: f64 = 1e20;
/// Significant digits of the exponent form.
const SIGNIFICANT: i32 = 6;

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
        let sign = if n < 0.0 { "-" } else { "" };
        if abs >= EXPONENT_FROM {
            return exponent_form(f, sign, abs);
        }
        let scaled = (abs * SCALE).round();
        // Millionths no longer fit a u64: the whole part, exactly (every f64
        // from 2⁵³ on is whole, and below 10²⁰ it fits a u64).
        if scaled >= 9.0e15 {
            let whole = abs.trunc();
            let approx = if whole == abs { "" } else { "≈" };
            return write!(f, "{approx}{sign}{}", whole as u64);
        }
        let t = scaled as u64;
        let approx = if t as f64 / SCALE == abs { "" } else { "≈" };
        let sign = if t == 0 { "" } else { sign };
        let (whole, frac) = (t / SCALE as u64, t % SCALE as u64);
        if frac == 0 {
            return write!(f, "{approx}{sign}{whole}");
        }
        let (frac, width) = without_trailing_zeros(frac, DECIMALS);
        write!(f, "{approx}{sign}{whole}.{frac:0width$}")
    }
}

/// `frac` (of `width` digits) without its trailing zeros: 500000 → (5, 1).
fn without_trailing_zeros(mut frac: u64, mut width: usize) -> (u64, usize) {
    while frac != 0 && frac.is_multiple_of(10) {
        frac /= 10;
        width -= 1;
    }
    (frac, width)
}

/// `abs` (at least 10²⁰, finite) as `d.ddddde<exponent>`, with `≈` unless
/// those digits read back as the same `f64`.
#[allow(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss
)]
fn exponent_form(f: &mut fmt::Formatter<'_>, sign: &str, abs: f64) -> fmt::Result {
    // The power of ten by division (no libm `log10` in the build).
    let (mut exponent, mut rest) = (0i32, abs);
    while rest >= 10.0 {
        rest /= 10.0;
        exponent += 1;
    }
    let mut digits = (abs / 10f64.powi(exponent - (SIGNIFICANT - 1))).round() as u64;
    // The division can land a power of ten off, and the rounding of the
    // digits can carry into one more: bring them back to SIGNIFICANT digits.
    let top = 10u64.pow(SIGNIFICANT as u32);
    if digits >= top {
        digits /= 10;
        exponent += 1;
    } else if digits < top / 10 {
        digits = (abs / 10f64.powi(exponent - SIGNIFICANT)).round() as u64;
        exponent -= 1;
    }
    // The digits read back (by the platform's parser) as this very f64.
    // (The exponent is at least 20 - 5: printed as a u32, like the rest.)
    let shift = u32::try_from(exponent - (SIGNIFICANT - 1)).unwrap_or_default();
    let exact = number(&format!("{digits}e{shift}")) == Some(abs);
    let approx = if exact { "" } else { "≈" };
    let scale = top / 10;
    let (first, rest) = (digits / scale, digits % scale);
    if rest == 0 {
        return write!(f, "{approx}{sign}{first}e{}", exponent.unsigned_abs());
    }
    let (rest, width) = without_trailing_zeros(rest, (SIGNIFICANT - 1) as usize);
    write!(
        f,
        "{approx}{sign}{first}.{rest:0width$}e{}",
        exponent.unsigned_abs()
    )
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
/// and one-line what they quote, with [`snippet`]).
#[derive(Clone, Copy, Debug)]
pub struct Quoted<'a>(pub &'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{}\"", self.0)
    }
}

/// At most 120 characters of `body` on one line, for error messages.
pub fn snippet(body: &str) -> String {
    let mut out = String::new();
    let mut chars = 0;
    for word in body.split_whitespace() {
        for c in (!out.is_empty())
            .then_some(' ')
            .into_iter()
            .chain(word.chars())
        {
            if chars == 120 {
                out.push('…');
                return out;
            }
            out.push(c);
            chars += 1;
        }
    }
    out
}

/// What `Debug` prints in place of the API key: `[redacted]`.
#[derive(Clone, Copy)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

/// The text that stands in for a secret, in `Debug` output and in error
/// messages a server echoed the key into.
pub const REDACTED: &str = "[redacted]";

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
            (9_007_199_254_740_993.0, "9007199254740992"),
            (-12_345_678_901_234_567.0, "-12345678901234568"),
            (99_999_999_999_999_999_999.0, "1e20"),
            (1e20, "1e20"),
            (1e300, "1e300"),
            (-2.5e21, "-2.5e21"),
            (123_456_789e20, "≈1.23457e28"),
            (f64::MAX, "≈1.79769e308"),
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
    fn quoted_text_and_snippets() {
        assert_eq!(Quoted("a b").to_string(), "\"a b\"");
        let long = "x".repeat(500);
        assert_eq!(snippet(&long).chars().count(), 121);
        assert_eq!(snippet("<html>\n  <b>hi</b>"), "<html> <b>hi</b>");
        assert_eq!(format!("{:?}", Redacted), "[redacted]");
    }
}
