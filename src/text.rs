//! Small formatting helpers for messages.
//!
//! `{}` on an `f64` and `{:?}` on a `str` pull core's float printing
//! (Grisu/Dragon, about 25 KB of wasm) and its Unicode escaping tables into
//! the build. Messages only need numbers a person can read and text in
//! quotes, so these two wrappers print them with integer formatting alone.

use std::fmt;

/// Prints an `f64` for a person: whole numbers as integers, others rounded
/// to at most 3 decimals (`12.5`, `0.333`, `-4`), `NaN` and `±Infinity`
/// as JavaScript writes them.
#[derive(Clone, Copy, Debug)]
pub struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n.is_nan() {
            return f.write_str("NaN");
        }
        if n.is_infinite() {
            return f.write_str(if n > 0.0 { "Infinity" } else { "-Infinity" });
        }
        // Beyond 2^53 every f64 is a whole number; print it as one.
        let thousandths = (n.abs() * 1000.0).round();
        if thousandths >= 9.0e15 {
            let sign = if n < 0.0 { "-" } else { "" };
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            return write!(f, "{sign}{}", n.abs() as u128);
        }
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let t = thousandths as u64;
        let sign = if n < 0.0 && t != 0 { "-" } else { "" };
        let (whole, frac) = (t / 1000, t % 1000);
        if frac == 0 {
            return write!(f, "{sign}{whole}");
        }
        // Three decimals without the trailing zeros: 500 → 5, 250 → 25.
        let (mut frac, mut width) = (frac, 3);
        while frac % 10 == 0 {
            frac /= 10;
            width -= 1;
        }
        write!(f, "{sign}{whole}.{frac:0width$}")
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
    fn numbers_read_like_javascript() {
        for (n, s) in [
            (0.0, "0"),
            (-0.0, "0"),
            (3.0, "3"),
            (-4.0, "-4"),
            (12.5, "12.5"),
            (1.0 / 3.0, "0.333"),
            (2.0 / 3.0, "0.667"),
            (-0.0001, "0"),
            (-0.25, "-0.25"),
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
