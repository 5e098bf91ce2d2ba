//! Checking an uploaded image as the real service does: base64 (bare or a
//! data URL), size limits, format (JPEG, PNG, GIF only), and a full decode.

use base64::Engine;

/// Why an upload was refused: the API error code and a description.
#[derive(Debug, thiserror::Error)]
#[error("{code}: {description}")]
pub struct Refusal {
    /// The documented error code.
    pub code: &'static str,
    /// What was wrong, in words.
    pub description: String,
}

fn refuse(code: &'static str, description: impl Into<String>) -> Refusal {
    Refusal {
        code,
        description: description.into(),
    }
}

/// Limits the sandbox enforces.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest accepted image, bytes.
    pub max_bytes: usize,
    /// Largest accepted side, pixels.
    pub max_side: u32,
}

/// Images smaller than this are `IMAGE_TOO_SMALL` (as documented).
pub const MIN_BYTES: usize = 100;

/// The bytes of `field` (bare base64 or a `data:image/...;base64,` URL).
pub fn decode_base64(field: &str, what: &str) -> Result<Vec<u8>, Refusal> {
    let payload = match field.strip_prefix("data:") {
        Some(rest) => {
            let (meta, data) = rest.split_once(',').ok_or_else(|| {
                refuse(
                    "IMAGE_CORRUPTED",
                    format!("{what}: data URL without a comma"),
                )
            })?;
            if !meta.ends_with(";base64") {
                return Err(refuse(
                    "IMAGE_CORRUPTED",
                    format!("{what}: data URL is not base64-encoded"),
                ));
            }
            data
        }
        None => field,
    };
    let cleaned: String = payload
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(cleaned.as_bytes()))
        .map_err(|e| refuse("IMAGE_CORRUPTED", format!("{what}: invalid base64 ({e})")))
}

/// Checks `bytes` against `limits` and decodes them.
pub fn check_image(bytes: &[u8], limits: Limits, what: &str) -> Result<image::RgbImage, Refusal> {
    if bytes.len() < MIN_BYTES {
        return Err(refuse(
            "IMAGE_TOO_SMALL",
            format!("{what}: {} bytes, under {MIN_BYTES}", bytes.len()),
        ));
    }
    if bytes.len() > limits.max_bytes {
        return Err(refuse(
            "IMAGE_TOO_LARGE",
            format!("{what}: {} bytes, over {}", bytes.len(), limits.max_bytes),
        ));
    }
    let format = image::guess_format(bytes).map_err(|_| {
        refuse(
            "IMAGE_CORRUPTED",
            format!("{what}: not an image (use JPG, PNG or GIF)"),
        )
    })?;
    if !matches!(
        format,
        image::ImageFormat::Png | image::ImageFormat::Jpeg | image::ImageFormat::Gif
    ) {
        return Err(refuse(
            "IMAGE_CORRUPTED",
            format!("{what}: {format:?} is not supported (use JPG, PNG or GIF)"),
        ));
    }
    let reader = image::ImageReader::with_format(std::io::Cursor::new(bytes), format);
    let (w, h) = reader
        .into_dimensions()
        .map_err(|e| refuse("IMAGE_CORRUPTED", format!("{what}: {e}")))?;
    if w.max(h) > limits.max_side {
        return Err(refuse(
            "IMAGE_TOO_LARGE",
            format!("{what}: {w}x{h} px, a side over {}", limits.max_side),
        ));
    }
    if w == 0 || h == 0 {
        return Err(refuse("IMAGE_CORRUPTED", format!("{what}: empty image")));
    }
    image::load_from_memory_with_format(bytes, format)
        .map(|img| img.to_rgb8())
        .map_err(|e| refuse("IMAGE_CORRUPTED", format!("{what}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits {
        max_bytes: 1_000_000,
        max_side: 2000,
    };

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn accepts_data_urls_and_bare_base64() {
        let bytes = png(40, 30);
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        assert_eq!(decode_base64(&b64, "image").unwrap(), bytes);
        let url = format!("data:image/png;base64,{b64}");
        assert_eq!(decode_base64(&url, "image").unwrap(), bytes);
        assert_eq!(check_image(&bytes, LIMITS, "image").unwrap().width(), 40);
    }

    #[test]
    fn refuses_with_documented_codes() {
        assert_eq!(
            decode_base64("%%%", "i").unwrap_err().code,
            "IMAGE_CORRUPTED"
        );
        assert_eq!(
            check_image(&[1; 50], LIMITS, "i").unwrap_err().code,
            "IMAGE_TOO_SMALL"
        );
        assert_eq!(
            check_image(&[1; 500], LIMITS, "i").unwrap_err().code,
            "IMAGE_CORRUPTED"
        );
        let big = png(2100, 10);
        assert_eq!(
            check_image(&big, LIMITS, "i").unwrap_err().code,
            "IMAGE_TOO_LARGE"
        );
        let mut cut = png(300, 300);
        cut.truncate(cut.len() / 2);
        assert_eq!(
            check_image(&cut, LIMITS, "i").unwrap_err().code,
            "IMAGE_CORRUPTED"
        );
    }
}
