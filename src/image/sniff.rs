//! What an image is, from its first bytes (the `imagesize` crate).

use crate::error::{Error, Result};

/// Image formats this crate tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// PNG: sent as it is.
    Png,
    /// JPEG: sent as it is.
    Jpeg,
    /// GIF: sent as it is.
    Gif,
    /// WebP: re-encoded before sending.
    Webp,
    /// BMP: re-encoded before sending.
    Bmp,
    /// AVIF (AV1 in HEIF): re-encoded before sending, where the platform
    /// decodes it.
    Avif,
    /// HEIC (HEVC in HEIF, as iPhones save photos): re-encoded before
    /// sending, where the platform decodes it.
    Heic,
    /// Another HEIF (JPEG or an unknown codec inside): re-encoded before
    /// sending, where the platform decodes it.
    Heif,
    /// ICO: re-encoded before sending.
    Ico,
}

impl Format {
    /// The MIME type.
    pub fn mime(self) -> &'static str {
        match self {
            Format::Png => "image/png",
            Format::Jpeg => "image/jpeg",
            Format::Gif => "image/gif",
            Format::Webp => "image/webp",
            Format::Bmp => "image/bmp",
            Format::Avif => "image/avif",
            Format::Heic => "image/heic",
            Format::Heif => "image/heif",
            Format::Ico => "image/x-icon",
        }
    }

    /// Whether every provider accepts the format (JPEG, PNG, GIF).
    pub fn is_accepted(self) -> bool {
        matches!(self, Format::Png | Format::Jpeg | Format::Gif)
    }
}

/// Format and pixel size of an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    /// The format.
    pub format: Format,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Reads format and size from `bytes` without decoding the pixels.
pub fn sniff(bytes: &[u8]) -> Result<ImageInfo> {
    let not_image = || {
        Error::image(
            "NOT_AN_IMAGE",
            "the bytes are not an image this client can read (use PNG, JPEG or GIF)",
        )
    };
    let format = match imagesize::image_type(bytes).map_err(|_| not_image())? {
        imagesize::ImageType::Png => Format::Png,
        imagesize::ImageType::Jpeg => Format::Jpeg,
        imagesize::ImageType::Gif => Format::Gif,
        imagesize::ImageType::Webp => Format::Webp,
        imagesize::ImageType::Bmp => Format::Bmp,
        imagesize::ImageType::Heif(imagesize::Compression::Av1) => Format::Avif,
        imagesize::ImageType::Heif(imagesize::Compression::Hevc) => Format::Heic,
        imagesize::ImageType::Heif(_) => Format::Heif,
        imagesize::ImageType::Ico => Format::Ico,
        #[allow(unreachable_patterns)]
        _ => return Err(not_image()),
    };
    let size = imagesize::blob_size(bytes).map_err(|_| {
        Error::image(
            "CORRUPT_IMAGE",
            format!("the {} header is damaged or cut short", format.mime()),
        )
    })?;
    let (width, height) = (
        u32::try_from(size.width).unwrap_or(u32::MAX),
        u32::try_from(size.height).unwrap_or(u32::MAX),
    );
    if width == 0 || height == 0 {
        return Err(Error::image(
            "EMPTY_IMAGE",
            format!("the image is {width}×{height} pixels"),
        ));
    }
    Ok(ImageInfo {
        format,
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 1×1 PNG with a 3×2 IHDR patched in.
    fn png_header(w: u32, h: u32) -> Vec<u8> {
        let mut v = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        v.extend_from_slice(b"IHDR");
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        v
    }

    #[test]
    fn reads_png_and_gif_headers() {
        assert_eq!(
            sniff(&png_header(3, 2)).unwrap(),
            ImageInfo {
                format: Format::Png,
                width: 3,
                height: 2
            }
        );
        let gif = b"GIF89a\x05\x00\x07\x00\x00\x00\x00";
        let info = sniff(gif).unwrap();
        assert_eq!((info.format, info.width, info.height), (Format::Gif, 5, 7));
        assert!(info.format.is_accepted());
    }

    /// The first bytes of an ISO-BMFF file whose `ftyp` box names `brand`,
    /// then a `meta` box with one `ispe` property of `w`×`h`.
    fn heif(brand: &[u8; 4], w: u32, h: u32) -> Vec<u8> {
        let boxed = |tag: &[u8], body: &[u8]| {
            let mut b = u32::try_from(body.len() + 8)
                .unwrap()
                .to_be_bytes()
                .to_vec();
            b.extend_from_slice(tag);
            b.extend_from_slice(body);
            b
        };
        let mut ftyp = brand.to_vec();
        ftyp.extend_from_slice(&[0, 0, 0, 0]);
        ftyp.extend_from_slice(b"mif1");
        let mut ispe = vec![0, 0, 0, 0];
        ispe.extend_from_slice(&w.to_be_bytes());
        ispe.extend_from_slice(&h.to_be_bytes());
        let ipco = boxed(b"ipco", &boxed(b"ispe", &ispe));
        let iprp = boxed(b"iprp", &ipco);
        let mut meta_body = vec![0, 0, 0, 0];
        meta_body.extend_from_slice(&iprp);
        let mut file = boxed(b"ftyp", &ftyp);
        file.extend_from_slice(&boxed(b"meta", &meta_body));
        file
    }

    #[test]
    fn tells_avif_heic_and_other_heif_apart() {
        for (brand, format, mime) in [
            (b"avif", Format::Avif, "image/avif"),
            (b"heic", Format::Heic, "image/heic"),
            (b"heix", Format::Heic, "image/heic"),
            (b"jpeg", Format::Heif, "image/heif"),
        ] {
            let info = sniff(&heif(brand, 640, 480)).unwrap();
            assert_eq!((info.format, info.width, info.height), (format, 640, 480));
            assert_eq!(info.format.mime(), mime);
            assert!(!info.format.is_accepted());
        }
    }

    #[test]
    fn refuses_non_images_and_empty_ones() {
        assert_eq!(
            sniff(b"hello world, not an image").unwrap_err().code,
            "NOT_AN_IMAGE"
        );
        assert_eq!(sniff(&png_header(0, 5)).unwrap_err().code, "EMPTY_IMAGE");
        assert_eq!(sniff(&[]).unwrap_err().code, "NOT_AN_IMAGE");
    }
}
