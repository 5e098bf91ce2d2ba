//! Text for messages: quoted and shortened text, and what stands in for
//! the API key. A leaf module: it uses nothing else of the crate.
//!
//! [`Quoted`] writes text between quotes as it is, where `{:?}` on a `str`
//! would escape it (and link core's Unicode tables).

use std::fmt;

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
    fn quoted_text_and_snippets() {
        assert_eq!(Quoted("a b").to_string(), "\"a b\"");
        let long = "x".repeat(500);
        assert_eq!(snippet(&long).chars().count(), 121);
        assert_eq!(snippet("<html>\n  <b>hi</b>"), "<html> <b>hi</b>");
        assert_eq!(format!("{:?}", Redacted), "[redacted]");
    }
}
