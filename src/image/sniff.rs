//! What an image is, from its first bytes: format and size (the
//! `imagesize` crate), and a JPEG's EXIF orientation, which browsers apply
//! when they draw it.

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

/// How a JPEG's EXIF data says its pixels are to be turned to be shown
/// (EXIF `Orientation` 2 to 8; 1, the pixels as stored, is `None`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Orientation {
    /// 2: mirrored left to right.
    FlipHorizontal,
    /// 3: turned half a turn.
    Rotate180,
    /// 4: mirrored top to bottom.
    FlipVertical,
    /// 5: mirrored over the top-left to bottom-right diagonal.
    Transpose,
    /// 6: turned a quarter turn clockwise.
    Rotate90,
    /// 7: mirrored over the other diagonal.
    Transverse,
    /// 8: turned a quarter turn anticlockwise.
    Rotate270,
}

impl Orientation {
    /// The orientation EXIF value `v` names; `None` for 1 and for values
    /// that name none.
    pub fn from_exif(v: u16) -> Option<Self> {
        Some(match v {
            2 => Self::FlipHorizontal,
            3 => Self::Rotate180,
            4 => Self::FlipVertical,
            5 => Self::Transpose,
            6 => Self::Rotate90,
            7 => Self::Transverse,
            8 => Self::Rotate270,
            _ => return None,
        })
    }

    /// Whether it swaps width and height.
    pub fn swaps_sides(self) -> bool {
        matches!(
            self,
            Self::Transpose | Self::Rotate90 | Self::Transverse | Self::Rotate270
        )
    }
}

/// Format and pixel size of an image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageInfo {
    /// The format.
    pub format: Format,
    /// Width in pixels, as stored.
    pub width: u32,
    /// Height in pixels, as stored.
    pub height: u32,
    /// A JPEG's EXIF orientation, when it turns the pixels.
    pub orientation: Option<Orientation>,
}

impl ImageInfo {
    /// The size the image shows at (width and height swapped when the
    /// orientation turns it a quarter).
    pub fn shown_size(&self) -> (u32, u32) {
        if self.orientation.is_some_and(Orientation::swaps_sides) {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

/// A JPEG's EXIF orientation: the `Orientation` tag (0x0112) of IFD0 in
/// the APP1 `Exif` segment, read before the first frame. `None` when there
/// is none, it is 1, or the data is cut short or malformed.
pub fn jpeg_orientation(bytes: &[u8]) -> Option<Orientation> {
    let mut at = 2; // after SOI
    loop {
        let marker = *bytes.get(at + 1)?;
        if *bytes.get(at)? != 0xFF {
            return None;
        }
        // Start of scan or of a frame: no EXIF before it, none after.
        if marker == 0xDA
            || ((0xC0..=0xCF).contains(&marker) && !matches!(marker, 0xC4 | 0xC8 | 0xCC))
        {
            return None;
        }
        let len = usize::from(u16::from_be_bytes([
            *bytes.get(at + 2)?,
            *bytes.get(at + 3)?,
        ]));
        let body = bytes.get(at + 4..at + 2 + len)?;
        if marker == 0xE1
            && let Some(tiff) = body.strip_prefix(b"Exif\0\0")
        {
            return exif_orientation(tiff);
        }
        at += 2 + len;
    }
}

/// The `Orientation` entry of a TIFF structure's first IFD.
fn exif_orientation(tiff: &[u8]) -> Option<Orientation> {
    let big = match tiff.get(..2)? {
        b"MM" => true,
        b"II" => false,
        _ => return None,
    };
    let u16_at = |i: usize| {
        let b = [*tiff.get(i)?, *tiff.get(i + 1)?];
        Some(if big {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    };
    let u32_at = |i: usize| {
        let b = [
            *tiff.get(i)?,
            *tiff.get(i + 1)?,
            *tiff.get(i + 2)?,
            *tiff.get(i + 3)?,
        ];
        Some(if big {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    };
    let ifd = usize::try_from(u32_at(4)?).ok()?;
    let entries = u16_at(ifd)?;
    (0..usize::from(entries))
        .map(|i| ifd + 2 + 12 * i)
        .find(|&e| u16_at(e) == Some(0x0112))
        // A SHORT, its value in the first two bytes of the value field.
        .filter(|&e| u16_at(e + 2) == Some(3))
        .and_then(|e| u16_at(e + 8))
        .and_then(Orientation::from_exif)
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
    let orientation = match format {
        Format::Jpeg => jpeg_orientation(bytes),
        _ => None,
    };
    Ok(ImageInfo {
        format,
        width,
        height,
        orientation,
    })
}

/// Image headers built for the tests of this module and of `codec`.
#[cfg(test)]
pub(crate) mod samples {
    /// The first bytes of an ISO-BMFF file whose `ftyp` box names `brand`,
    /// then a `meta` box with one `ispe` property of `w`×`h`.
    pub(crate) fn heif(brand: &[u8; 4], w: u32, h: u32) -> Vec<u8> {
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
}

#[cfg(test)]
mod tests {
    use super::samples::heif;
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
                height: 2,
                orientation: None
            }
        );
        let gif = b"GIF89a\x05\x00\x07\x00\x00\x00\x00";
        let info = sniff(gif).unwrap();
        assert_eq!((info.format, info.width, info.height), (Format::Gif, 5, 7));
        assert!(info.format.is_accepted());
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

    /// A JPEG's first segments: SOI, an APP1 Exif segment whose IFD0 holds
    /// `entries` (tag, type, value), then a baseline SOF0 of `w`×`h`.
    fn jpeg(big_endian: bool, entries: &[(u16, u16, u16)], w: u16, h: u16) -> Vec<u8> {
        let u16b = |v: u16| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let u32b = |v: u32| {
            if big_endian {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            }
        };
        let mut tiff = if big_endian {
            b"MM".to_vec()
        } else {
            b"II".to_vec()
        };
        tiff.extend_from_slice(&u16b(42));
        tiff.extend_from_slice(&u32b(8));
        tiff.extend_from_slice(&u16b(u16::try_from(entries.len()).unwrap()));
        for (tag, kind, value) in entries {
            tiff.extend_from_slice(&u16b(*tag));
            tiff.extend_from_slice(&u16b(*kind));
            tiff.extend_from_slice(&u32b(1));
            tiff.extend_from_slice(&u16b(*value));
            tiff.extend_from_slice(&[0, 0]);
        }
        tiff.extend_from_slice(&[0, 0, 0, 0]);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut v = vec![0xFF, 0xD8, 0xFF, 0xE1];
        v.extend_from_slice(&u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
        v.extend_from_slice(&app1);
        v.extend_from_slice(&[0xFF, 0xC0, 0, 11, 8]);
        v.extend_from_slice(&h.to_be_bytes());
        v.extend_from_slice(&w.to_be_bytes());
        v.extend_from_slice(&[1, 1, 0x11, 0, 0xFF, 0xD9]);
        v
    }

    #[test]
    fn reads_a_jpegs_exif_orientation_in_either_byte_order() {
        for big in [true, false] {
            let rotated = jpeg(big, &[(0x010F, 2, 0), (0x0112, 3, 6)], 640, 480);
            let info = sniff(&rotated).unwrap();
            assert_eq!((info.width, info.height), (640, 480), "as stored");
            assert_eq!(info.orientation, Some(Orientation::Rotate90));
            assert_eq!(info.shown_size(), (480, 640));
        }
        let plain = jpeg(false, &[(0x0112, 3, 1)], 640, 480);
        assert_eq!(sniff(&plain).unwrap().orientation, None);
        let flipped = jpeg(true, &[(0x0112, 3, 3)], 640, 480);
        assert_eq!(sniff(&flipped).unwrap().shown_size(), (640, 480));
        // Wrong type, an unknown value, no entry: no orientation.
        for entries in [&[(0x0112, 4, 6)][..], &[(0x0112, 3, 9)], &[(0x0100, 3, 6)]] {
            assert_eq!(jpeg_orientation(&jpeg(true, entries, 8, 8)), None);
        }
        // Cut anywhere, it never panics.
        let whole = jpeg(true, &[(0x0112, 3, 8)], 640, 480);
        for end in 0..whole.len() {
            let _ = jpeg_orientation(whole.get(..end).unwrap());
        }
        assert_eq!(jpeg_orientation(&whole), Some(Orientation::Rotate270));
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
