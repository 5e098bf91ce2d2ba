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
        // Millionths no longer fit a u64 (|n| ≥ 9·10⁹): the whole part alone.
        if scaled >= 9.0e15 {
            let whole = abs.trunc();
            let approx = if whole == abs { "" } else { "≈" };
            let sign = if n < 0.0 { "-" } else { "" };
            return write!(f, "{approx}{sign}{}", whole as u128);
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
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(Num(n).to_string(), s, "{n}");
        }
    }

    #[test]
    fn quoted_text() {
        assert_eq!(Quoted("a b").to_string(), "\"a b\"");
    }
}
