//! Base64 and data URLs, both ways.
//!
//! The data URL and the alphabet are read here; the base64 itself is the
//! platform's: `atob`/`btoa` in wasm (every browser, worker and Node has
//! them), the `base64` crate natively (unit tests, fuzzing), so that the
//! shipped build carries no second codec.

use crate::error::{Error, Result};

/// A decoded base64 string or data URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The MIME type a data URL declared (`None` for bare base64).
    pub declared_mime: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Reads `input`: a `data:<mime>;base64,<data>` URL or bare base64
/// (standard alphabet, padding optional, whitespace ignored; the URL-safe
/// alphabet is accepted too).
pub fn decode(input: &str) -> Result<Decoded> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Error::image("EMPTY_INPUT", "the image string is empty"));
    }
    let (declared_mime, payload) = match strip_prefix_ignore_case(trimmed, "data:") {
        Some(rest) => {
            let (meta, data) = rest.split_once(',').ok_or_else(|| {
                Error::image(
                    "INVALID_DATA_URL",
                    "the data URL has no comma before its data",
                )
            })?;
            let mut parts = meta.split(';');
            let mime = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            if !parts.any(|p| p.trim().eq_ignore_ascii_case("base64")) {
                return Err(Error::image(
                    "INVALID_DATA_URL",
                    "the data URL is not base64-encoded (expected data:<type>;base64,...)",
                ));
            }
            if !mime.is_empty() && !mime.starts_with("image/") {
                return Err(Error::image(
                    "NOT_AN_IMAGE",
                    format!(
                        "the data URL holds {}, not an image",
                        crate::protocol::snippet(&mime)
                    ),
                ));
            }
            ((!mime.is_empty()).then_some(mime), data)
        }
        None => (None, trimmed),
    };
    let cleaned: String = payload
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .map(|c| match c {
            '-' => '+',
            '_' => '/',
            other => other,
        })
        .collect();
    let bytes = from_base64(&cleaned).ok_or_else(|| {
        Error::image(
            "INVALID_BASE64",
            "the image string is not valid base64 (expected A-Z, a-z, 0-9, + and /, or - and _, with optional = padding)",
        )
    })?;
    if bytes.is_empty() {
        return Err(Error::image(
            "EMPTY_INPUT",
            "the image string holds no bytes",
        ));
    }
    Ok(Decoded {
        declared_mime,
        bytes,
    })
}

/// `data:<mime>;base64,<bytes in base64>`.
pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    let mut out = String::with_capacity(mime.len() + 13 + bytes.len().div_ceil(3) * 4);
    out.push_str("data:");
    out.push_str(mime);
    out.push_str(";base64,");
    out.push_str(&to_base64(bytes));
    out
}

/// Standard base64 with padding.
#[cfg(not(target_arch = "wasm32"))]
fn to_base64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Standard base64, padding optional; `None` when it is not base64.
#[cfg(not(target_arch = "wasm32"))]
fn from_base64(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    use base64::engine::DecodePaddingMode;
    use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
    // As forgiving as `atob`: padding optional, stray low bits ignored.
    let forgiving = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    forgiving.decode(text).ok()
}

#[cfg(target_arch = "wasm32")]
mod platform {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(catch)]
        fn atob(text: &str) -> Result<String, JsValue>;
        #[wasm_bindgen(catch)]
        fn btoa(binary: &str) -> Result<String, JsValue>;
    }

    /// `btoa` of the bytes as a binary string (one char per byte).
    pub fn to_base64(bytes: &[u8]) -> String {
        let binary: String = bytes.iter().copied().map(char::from).collect();
        // Every char is below U+0100, so btoa cannot refuse it.
        btoa(&binary).unwrap_or_default()
    }

    /// `atob`: forgiving base64 (padding optional, ASCII whitespace
    /// ignored), a binary string back into bytes.
    pub fn from_base64(text: &str) -> Option<Vec<u8>> {
        let binary = atob(text).ok()?;
        binary.chars().map(|c| u8::try_from(c).ok()).collect()
    }
}

#[cfg(target_arch = "wasm32")]
use platform::{from_base64, to_base64};

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let bytes = vec![0u8, 1, 2, 250, 255, 7, 9];
        let url = data_url("image/png", &bytes);
        assert!(url.starts_with("data:image/png;base64,"));
        let d = decode(&url).unwrap();
        assert_eq!(d.bytes, bytes);
        assert_eq!(d.declared_mime.as_deref(), Some("image/png"));
        let bare = url.split_once(',').unwrap().1;
        assert_eq!(decode(bare).unwrap().declared_mime, None);
        assert_eq!(
            decode(&format!("  {}\n", bare.trim_end_matches('=')))
                .unwrap()
                .bytes,
            bytes
        );
    }

    #[test]
    fn refuses_clearly() {
        let code = |s: &str| decode(s).unwrap_err().code;
        assert_eq!(code(""), "EMPTY_INPUT");
        assert_eq!(code("not base64!!"), "INVALID_BASE64");
        assert_eq!(code("data:image/png,abc"), "INVALID_DATA_URL");
        assert_eq!(code("data:image/png;base64"), "INVALID_DATA_URL");
        assert_eq!(code("data:text/plain;base64,aGVsbG8="), "NOT_AN_IMAGE");
        assert_eq!(code("DATA:IMAGE/PNG;BASE64,"), "EMPTY_INPUT");
    }
}
