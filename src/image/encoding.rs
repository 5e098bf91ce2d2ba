//! Base64 and data URLs, both ways.
//!
//! The data URL and the alphabet are read here; the base64 itself is the
//! platform's: in wasm `Uint8Array.prototype.toBase64` and
//! `Uint8Array.fromBase64` where the engine has them, else (in the Node
//! build) Node's `Buffer`, else `btoa`/`atob` (every browser, worker and
//! Node has those); the `base64` crate natively (unit tests, fuzzing), so
//! that the shipped build carries no second codec.

use crate::error::{Error, Result};
use crate::platform_text::Chars;
use std::fmt;

/// A base64 string or data URL, checked and cleaned but not decoded: what
/// an image given as text costs until it must be drawn (a header read and
/// a check of the alphabet, not a copy of its whole body in wasm memory:
/// in wasm the text stays a JS string, see [`Chars`]).
#[derive(Clone, PartialEq, Eq)]
pub struct Text {
    /// The MIME type a data URL declared (`None` for bare base64).
    pub declared_mime: Option<String>,
    /// The payload in standard, padded base64 (cleaned of whitespace and
    /// the URL-safe alphabet): sent as it is when the image needs no
    /// change, instead of encoding the bytes again.
    pub base64: Chars,
    /// How many bytes it holds.
    pub len: usize,
    /// The input itself, trimmed, when it is a data URL whose payload is
    /// [`Text::base64`] unchanged: sent as the very string it came as
    /// (see [`Text::data_url`]).
    pub url: Option<Chars>,
    /// Its first bytes ([`HEAD`] or a few more, or all when fewer), enough
    /// for any header.
    pub head: Vec<u8>,
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Text")
            .field("declared_mime", &self.declared_mime)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

/// How many bytes of an image given as text are decoded to read its
/// header: far more than a PNG, GIF or WebP header needs, and most JPEGs'
/// frame headers. A header that lies further in (a JPEG whose EXIF segment
/// holds a thumbnail) is read from the whole, decoded then
/// ([`super::source::Source::sniff`]). Kept small because every byte of
/// the head is decoded and copied into wasm for every image given as text.
pub const HEAD: usize = 4 * 1024;

/// A decoded base64 string or data URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decoded {
    /// The MIME type a data URL declared (`None` for bare base64).
    pub declared_mime: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The same bytes in standard, padded base64 (see [`Text::base64`]).
    pub base64: Chars,
}

/// Reads `input`: a `data:<mime>;base64,<data>` URL or bare base64
/// (standard alphabet, padding optional, whitespace ignored; the URL-safe
/// alphabet is accepted too), checked whole, its head decoded.
pub fn read(input: &Chars) -> Result<Text> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(Error::image("EMPTY_INPUT", "the image string is empty"));
    }
    let (declared_mime, payload, url) =
        if trimmed.slice(0, 5).copied().eq_ignore_ascii_case("data:") {
            let comma = trimmed.find(",").ok_or_else(|| {
                Error::image(
                    "INVALID_DATA_URL",
                    "the data URL has no comma before its data",
                )
            })?;
            let meta = trimmed.slice(5, comma).copied();
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
                        crate::message::snippet(&mime)
                    ),
                ));
            }
            (
                (!mime.is_empty()).then_some(mime),
                trimmed.slice(comma + 1, trimmed.len()),
                Some(trimmed),
            )
        } else {
            (None, trimmed, None)
        };
    let (mut base64, len, as_given) = standard(payload).ok_or_else(|| {
        Error::image(
            "INVALID_BASE64",
            "the image string is not valid base64 (expected A-Z, a-z, 0-9, + and /, or - and _, with optional = padding)",
        )
    })?;
    if len == 0 {
        return Err(Error::image(
            "EMPTY_INPUT",
            "the image string holds no bytes",
        ));
    }
    let missing = (4 - base64.len() % 4) % 4;
    let url = url.filter(|_| as_given && missing == 0);
    if missing > 0 {
        base64 = base64.concat(&Chars::from("===".get(..missing).unwrap_or_default()));
    }
    // The head: whole groups of four characters, decoded.
    let head_chars = (HEAD.div_ceil(3) * 4).min(base64.len());
    let head = from_base64(&base64.slice(0, head_chars))
        .ok_or_else(|| Error::image("INVALID_BASE64", "the image string is not valid base64"))?;
    Ok(Text {
        declared_mime,
        base64,
        len,
        url,
        head,
    })
}

/// `payload` in the standard alphabet (whitespace removed, the URL-safe
/// `-` and `_` read as `+` and `/`), how many bytes it holds, and whether
/// it is `payload` as given (nothing cleaned); `None`
/// when it is not base64: a char outside the alphabet, `=` anywhere but at
/// the end or more than two of it, or a length that no bytes encode to.
/// Most strings need no cleaning and are checked where they are (by the
/// platform's decoder, see [`as_given`], else one RegExp pass in wasm);
/// the rest are cleaned by a copy.
fn standard(payload: Chars) -> Option<(Chars, usize, bool)> {
    if let Some(len) = as_given(&payload) {
        return Some((payload, len, true));
    }
    let as_given = payload.is_base64_alphabet();
    let base64 = if as_given {
        payload
    } else {
        let cleaned: String = payload
            .copied()
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .map(|c| match c {
                '-' => '+',
                '_' => '/',
                other => other,
            })
            .collect();
        crate::platform_text::is_base64_alphabet(&cleaned).then(|| Chars::from(cleaned.as_str()))?
    };
    let pad = padding(&base64);
    let body = base64.len() - pad;
    let inner_pad = base64.find("=").is_some_and(|at| at < body);
    (!inner_pad && pad <= 2 && body % 4 != 1).then_some((base64, bytes_in(body), as_given))
}

/// How many bytes `payload` holds when the platform's own decoder reads
/// it as it is: the standard alphabet, `=` only as padding at the end, and
/// no whitespace; `None` otherwise, or where there is no such decoder. The
/// decoder skips whitespace, which then leaves fewer bytes than the chars
/// imply (at least one fewer, but for one char after whole groups of four,
/// which is never base64).
fn as_given(payload: &Chars) -> Option<usize> {
    let body = payload.len() - padding(payload);
    let len = bytes_in(body);
    (body % 4 != 1 && decoded_len(payload)? == len).then_some(len)
}

/// How many bytes `body` chars of base64 (its padding left out) encode.
fn bytes_in(body: usize) -> usize {
    body / 4 * 3 + (body % 4).saturating_sub(1)
}

/// How many `=` the base64 ends with, up to 3 (more is as wrong as 3).
fn padding(base64: &Chars) -> usize {
    let tail = base64
        .slice(base64.len().saturating_sub(3), base64.len())
        .copied();
    tail.len() - tail.trim_end_matches('=').len()
}

impl Text {
    /// The image as a data URL of type `mime`: the input itself when it
    /// came as that very data URL (in wasm no new string, which the
    /// engine would copy whole to read its head or to send it), else the
    /// base64 behind a new head.
    pub fn data_url(&self, mime: &str) -> Chars {
        let head = url_head(mime);
        match &self.url {
            Some(url) if url.slice(0, head.len()).copied() == head => url.clone(),
            _ => Chars::from(head.as_str()).concat(&self.base64),
        }
    }

    /// All of its bytes.
    pub fn decode(self) -> Result<Decoded> {
        let bytes = from_base64(&self.base64).ok_or_else(|| {
            Error::image("INVALID_BASE64", "the image string is not valid base64")
        })?;
        Ok(Decoded {
            declared_mime: self.declared_mime,
            bytes,
            base64: self.base64,
        })
    }
}

/// Reads and decodes `input` whole (see [`read`]).
pub fn decode(input: &Chars) -> Result<Decoded> {
    read(input)?.decode()
}

/// `data:<mime>;base64,<bytes in base64>`.
pub fn data_url(mime: &str, bytes: &[u8]) -> Chars {
    Chars::from(url_head(mime).as_str()).concat(&to_base64(bytes))
}

/// `data:<mime>;base64,`, the head of a data URL of type `mime`.
fn url_head(mime: &str) -> String {
    let mut head = String::with_capacity(mime.len() + 13);
    head.push_str("data:");
    head.push_str(mime);
    head.push_str(";base64,");
    head
}

/// How many bytes the base64 of a data URL (or bare base64) holds, by its
/// length alone.
pub fn base64_bytes(url: &Chars) -> usize {
    let start = url.find(",").map_or(0, |comma| comma + 1);
    let chars = url.len().saturating_sub(start);
    (chars / 4 * 3).saturating_sub(padding(url))
}

/// Standard base64 with padding.
#[cfg(not(target_arch = "wasm32"))]
fn to_base64(bytes: &[u8]) -> Chars {
    use base64::Engine;
    Chars::from(base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// How many bytes the standard base64 `text` holds (see [`from_base64`]).
#[cfg(not(target_arch = "wasm32"))]
fn decoded_len(text: &Chars) -> Option<usize> {
    from_base64(text).map(|bytes| bytes.len())
}

/// Standard base64, padding optional; `None` when it is not base64.
#[cfg(not(target_arch = "wasm32"))]
fn from_base64(text: &Chars) -> Option<Vec<u8>> {
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
    forgiving.decode(text.as_ref()).ok()
}

#[cfg(target_arch = "wasm32")]
mod platform {
    use crate::platform_text::Chars;
    use js_sys::{JsString, Uint8Array};
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(catch)]
        fn atob(text: &JsString) -> Result<JsString, JsValue>;
        #[wasm_bindgen(catch)]
        fn btoa(binary: &str) -> Result<JsString, JsValue>;
        /// A `Uint8Array`, seen for its base64 methods (Chromium 140,
        /// Firefox 133, Safari 18.2; not Node before 25): a call throws
        /// where they are missing.
        #[wasm_bindgen(js_name = Uint8Array)]
        type Octets;
        #[wasm_bindgen(method, catch, js_name = toBase64)]
        fn to_base64(this: &Octets) -> Result<JsString, JsValue>;
        // A static method is called on its type's Rust name unless
        // `js_class` says otherwise: without it the glue would call
        // `Octets.fromBase64`, which does not exist.
        #[wasm_bindgen(catch, static_method_of = Octets, js_class = "Uint8Array", js_name = fromBase64)]
        fn from_base64(text: &JsString) -> Result<Uint8Array, JsValue>;
        /// `setFromBase64`: decodes `text` into this array, as much as
        /// fits, and says how far it got; throws where `fromBase64` would.
        #[wasm_bindgen(method, catch, js_name = setFromBase64)]
        fn set_from_base64(this: &Octets, text: &JsString) -> Result<Progress, JsValue>;
        /// What `setFromBase64` did.
        type Progress;
        /// Chars of the text it read (whitespace included).
        #[wasm_bindgen(method, getter)]
        fn read(this: &Progress) -> u32;
        /// Bytes it wrote.
        #[wasm_bindgen(method, getter)]
        fn written(this: &Progress) -> u32;
    }

    /// Bytes of the scratch array [`decoded_len`] decodes into.
    const SCRATCH_BYTES: u32 = 48 * 1024;

    thread_local! {
        /// Where [`decoded_len`]'s decoder writes, and nothing reads:
        /// kept, so that checking an image allocates nothing.
        static SCRATCH: Octets = Uint8Array::new_with_length(SCRATCH_BYTES).unchecked_into();
    }

    /// The platform's base64 of the bytes: `toBase64` where the engine has
    /// it (one native pass, far faster than building a binary string for
    /// `btoa`), else (with the codec) Node's `Buffer`, else `btoa` of a
    /// binary string (one char per byte).
    pub fn to_base64(bytes: &[u8]) -> Chars {
        let array = Uint8Array::from(bytes);
        if let Ok(text) = array.unchecked_ref::<Octets>().to_base64() {
            return Chars::from(text);
        }
        #[cfg(feature = "codec")]
        if let Ok(buffer) = node::Buffer::of(&array.buffer()) {
            return Chars::from(buffer.to_string_as("base64"));
        }
        // Every char is below U+0100, so btoa cannot refuse it.
        Chars::from(btoa(&super::binary_string(bytes)).unwrap_or_else(|_| JsString::from("")))
    }

    /// How many bytes the engine's base64 decoder reads from `text`
    /// (padding optional, ASCII whitespace skipped), where the engine has
    /// it: native passes of `setFromBase64` into a kept 48 KiB array, so
    /// that nothing is allocated (`Uint8Array.fromBase64` would allocate
    /// an array of the whole image). Engines without it (Node before 25)
    /// check with the alphabet's RegExp ([`Chars::is_base64_alphabet`])
    /// instead. `None` there, or when it refuses the text. Only counts
    /// cross into wasm.
    pub fn decoded_len(text: &Chars) -> Option<usize> {
        SCRATCH.with(|scratch| {
            let total = text.len();
            let (mut read, mut written) = (0, 0);
            while read < total {
                let step = if read == 0 {
                    scratch.set_from_base64(text.js())
                } else {
                    scratch.set_from_base64(text.slice(read, total).js())
                }
                .ok()?;
                // Nothing read with text left: nothing the decoder takes.
                if step.read() == 0 {
                    return None;
                }
                read += step.read() as usize;
                written += step.written() as usize;
            }
            Some(written)
        })
    }

    /// Forgiving base64 (padding optional, ASCII whitespace ignored) back
    /// into bytes: `Uint8Array.fromBase64` where the engine has it, else
    /// (with the codec) Node's `Buffer`, else `atob` and its binary string.
    /// Only text that [`super::read`] has checked comes here: `Buffer`
    /// would skip a char outside the alphabet instead of refusing it.
    pub fn from_base64(text: &Chars) -> Option<Vec<u8>> {
        if let Ok(bytes) = Octets::from_base64(text.js()) {
            return Some(bytes.to_vec());
        }
        #[cfg(feature = "codec")]
        if let Ok(buffer) = node::Buffer::decoded(text.js(), "base64") {
            return Some(buffer.unchecked_ref::<Uint8Array>().to_vec());
        }
        super::binary_bytes(&String::from(atob(text.js()).ok()?))
    }

    /// Node's `Buffer` (Bun's too), which the codec's runtimes have:
    /// base64 both ways in native code, where `btoa` and `atob` go through
    /// a binary string, one char per byte.
    #[cfg(feature = "codec")]
    mod node {
        use js_sys::{ArrayBuffer, JsString};
        use wasm_bindgen::prelude::*;

        #[wasm_bindgen]
        extern "C" {
            /// A `Buffer`: a call throws where there is none.
            #[wasm_bindgen(extends = js_sys::Uint8Array)]
            pub type Buffer;
            /// `Buffer.from(arrayBuffer)`: a view, not a copy.
            #[wasm_bindgen(catch, static_method_of = Buffer, js_name = from)]
            pub fn of(buffer: &ArrayBuffer) -> Result<Buffer, JsValue>;
            /// `Buffer.from(text, encoding)`.
            #[wasm_bindgen(catch, static_method_of = Buffer, js_name = from)]
            pub fn decoded(text: &JsString, encoding: &str) -> Result<Buffer, JsValue>;
            /// `buffer.toString(encoding)`.
            #[wasm_bindgen(method, js_name = toString)]
            pub fn to_string_as(this: &Buffer, encoding: &str) -> JsString;
        }
    }
}

/// The "binary string" of `bytes`: one char per byte, U+0000 to U+00FF.
#[cfg(any(target_arch = "wasm32", test))]
fn binary_string(bytes: &[u8]) -> String {
    let mut binary = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        binary.push(char::from(b));
    }
    binary
}

/// The bytes of a binary string (as `atob` gives); `None` if it holds a
/// char above U+00FF. Reads the UTF-8 directly: a char below U+0080 is one
/// byte, U+0080 to U+00FF two (0xC2 or 0xC3, then the low six bits).
#[cfg(any(target_arch = "wasm32", test))]
fn binary_bytes(binary: &str) -> Option<Vec<u8>> {
    let utf8 = binary.as_bytes();
    let mut bytes = Vec::with_capacity(utf8.len());
    let mut rest = utf8.iter();
    while let Some(&b) = rest.next() {
        match b {
            0x00..=0x7F => bytes.push(b),
            0xC2 | 0xC3 => bytes.push(((b & 0x03) << 6) | (rest.next()? & 0x3F)),
            _ => return None,
        }
    }
    Some(bytes)
}

#[cfg(target_arch = "wasm32")]
use platform::{decoded_len, from_base64, to_base64};

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;

    fn c(s: &str) -> Chars {
        Chars::from(s)
    }

    #[test]
    fn a_data_url_that_needs_no_change_is_sent_as_it_came() {
        let url = data_url("image/png", &[137, 80, 78, 71, 1, 2, 3]);
        let as_given = format!("  {}\n", url.as_ref());
        let text = read(&c(&as_given)).unwrap();
        assert_eq!(text.url.as_ref(), Some(&url));
        assert_eq!(text.data_url("image/png"), url);
        // Another type, another head: the base64 behind a new one.
        let jpeg = text.data_url("image/jpeg");
        assert_eq!(
            jpeg.as_ref(),
            url.as_ref().replace("image/png", "image/jpeg")
        );
        // Cleaned, padded or bare: written anew, the same URL.
        let b64 = url.as_ref().split_once(',').unwrap().1;
        let wrapped = format!("data:image/png;base64,{}\n{}", &b64[..4], &b64[4..]);
        for input in [
            wrapped,
            format!("data:image/png;base64,{}", b64.trim_end_matches('=')),
            b64.to_owned(),
            format!("DATA:image/png;base64,{b64}"),
        ] {
            let text = read(&c(&input)).unwrap();
            assert_eq!(text.data_url("image/png"), url, "{input}");
        }
        assert!(read(&c(b64)).unwrap().url.is_none());
    }

    #[test]
    fn round_trips() {
        let bytes = vec![0u8, 1, 2, 250, 255, 7, 9];
        let url = data_url("image/png", &bytes);
        assert!(url.as_ref().starts_with("data:image/png;base64,"));
        let d = decode(&url).unwrap();
        assert_eq!(d.bytes, bytes);
        assert_eq!(d.declared_mime.as_deref(), Some("image/png"));
        let bare = url.as_ref().split_once(',').unwrap().1;
        assert_eq!(decode(&c(bare)).unwrap().declared_mime, None);
        assert_eq!(
            decode(&c(&format!("  {}\n", bare.trim_end_matches('='))))
                .unwrap()
                .bytes,
            bytes
        );
        assert_eq!(base64_bytes(&url), bytes.len());
    }

    #[test]
    fn keeps_the_input_as_standard_padded_base64() {
        let bytes = vec![0xfbu8, 0xff, 0x01, 0x02];
        let url = data_url("image/png", &bytes);
        let standard = url.as_ref().split_once(',').unwrap().1;
        assert_eq!(standard, "+/8BAg==");
        for input in [
            "+/8BAg==",
            "-_8BAg",
            " -_8B\nAg= ",
            "data:image/png;base64,+/8BAg",
        ] {
            let d = decode(&c(input)).unwrap();
            assert_eq!(
                (d.bytes.as_slice(), d.base64.as_ref()),
                (bytes.as_slice(), standard),
                "{input:?}"
            );
        }
    }

    #[test]
    fn binary_strings_hold_one_byte_per_char() {
        let all: Vec<u8> = (0..=255).collect();
        let binary = binary_string(&all);
        let expected: String = all.iter().copied().map(char::from).collect();
        assert_eq!(binary, expected);
        assert_eq!(binary_bytes(&binary), Some(all));
        assert_eq!(binary_bytes("a\u{100}"), None);
        assert_eq!(binary_bytes("\u{20ac}"), None);
    }

    #[test]
    fn read_checks_the_whole_string_and_decodes_only_its_head() {
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        let url = data_url("image/png", &bytes);
        let t = read(&url).unwrap();
        assert!(t.len == 300_000 && t.head.len() >= HEAD && t.head.len() < HEAD + 3);
        assert_eq!(t.head.as_slice(), bytes.get(..t.head.len()).unwrap());
        assert_eq!(t.decode().unwrap().bytes, bytes);
        for n in 1..8 {
            let small: Vec<u8> = (0..n).collect();
            let t = read(&data_url("image/png", &small)).unwrap();
            assert_eq!((t.len, t.head.as_slice()), (small.len(), small.as_slice()));
        }
        // A bad character far past the head is still found.
        let bad = url.concat(&c("AA!A"));
        assert_eq!(read(&bad).unwrap_err().code, "INVALID_BASE64");
        assert_eq!(read(&c("QUJD=Q==")).unwrap_err().code, "INVALID_BASE64");
        assert_eq!(read(&c("QUJDR")).unwrap_err().code, "INVALID_BASE64");
        assert_eq!(read(&c("QUJDRA")).unwrap().len, 4);
    }

    #[test]
    fn refuses_clearly() {
        let code = |s: &str| decode(&c(s)).unwrap_err().code;
        assert_eq!(code(""), "EMPTY_INPUT");
        assert_eq!(code("not base64!!"), "INVALID_BASE64");
        for bad in ["QU===", "QUJDé", "QUJD=Q==", "QUJDR", "Q=UJ", "QU _!"] {
            assert_eq!(code(bad), "INVALID_BASE64", "{bad}");
        }
        assert_eq!(code("data:image/png,abc"), "INVALID_DATA_URL");
        assert_eq!(code("data:image/png;base64"), "INVALID_DATA_URL");
        assert_eq!(code("data:text/plain;base64,aGVsbG8="), "NOT_AN_IMAGE");
        assert_eq!(code("DATA:IMAGE/PNG;BASE64,"), "EMPTY_INPUT");
    }
}
