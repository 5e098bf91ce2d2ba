//! An encoded image as the caller gave it: bytes, or base64 text not
//! decoded yet. Its header is read from the head alone; the whole is
//! decoded only when the image must be drawn, and an image that goes as it
//! came is sent as the caller's own base64, never encoded again.

use super::encoding::{Text, data_url};
use super::plan::{self, Encoding, Plan, Prepared, named};
use super::sizing::Limits;
use super::sniff::{ImageInfo, sniff};
use crate::error::Result;
use crate::geometry::region::{Crop, Placement, Region};
use crate::geometry::scaling::Scaling;

/// What becomes of an image, decided the same for every painter.
#[derive(Debug)]
pub enum Decision {
    /// Sent as it came.
    Send(Prepared),
    /// To be drawn again: [`Plan::Redraw`] with the image's bytes.
    Redraw {
        /// The whole encoded image.
        bytes: Vec<u8>,
        /// What its header says.
        info: ImageInfo,
        /// The part to send.
        crop: Crop,
        /// With a region: how points map back.
        placement: Option<Placement>,
        /// The encodings to try at each size.
        ladder: &'static [Encoding],
    },
}

/// An encoded image, as given.
#[derive(Debug)]
pub enum Source {
    /// Bytes (a `Uint8Array`, an `ArrayBuffer`, a Blob's contents).
    Bytes(Vec<u8>),
    /// Base64 or a data URL, checked, its head decoded.
    Text(Text),
}

impl Source {
    /// How many bytes the image is.
    pub fn len(&self) -> usize {
        match self {
            Source::Bytes(b) => b.len(),
            Source::Text(t) => t.len,
        }
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Format, size and EXIF orientation, from the head; when the head
    /// ends before the header does (a JPEG's frame header after a large
    /// EXIF block), from the whole, decoded once here.
    pub fn sniff(&mut self) -> Result<ImageInfo> {
        match self {
            Source::Bytes(b) => sniff(b),
            Source::Text(t) => match sniff(&t.head) {
                Err(e) if t.head.len() < t.len && e.code == "CORRUPT_IMAGE" => {
                    t.head = t.clone().decode()?.bytes;
                    sniff(&t.head)
                }
                other => other,
            },
        }
    }

    /// The image as it came, as a data URL of type `mime`.
    pub fn as_is(&self, mime: &str, scaling: Scaling, placement: Option<Placement>) -> Prepared {
        Prepared {
            data_url: match self {
                Source::Bytes(b) => data_url(mime, b),
                Source::Text(t) => t.data_url(mime),
            },
            scaling,
            placement,
        }
    }

    /// Reads its header and decides, by [`plan::for_bytes`], whether it
    /// goes as it came or is drawn again; `what` names it in errors.
    pub fn decide(
        mut self,
        limits: Limits,
        what: &str,
        region: Option<Region>,
    ) -> Result<Decision> {
        let info = self.sniff().map_err(|e| named(e, what))?;
        Ok(match plan::for_bytes(&info, self.len(), limits, region)? {
            Plan::AsIs { scaling, placement } => {
                Decision::Send(self.as_is(info.format.mime(), scaling, placement))
            }
            Plan::Redraw {
                crop,
                placement,
                ladder,
            } => Decision::Redraw {
                bytes: self.into_bytes()?,
                info,
                crop,
                placement,
                ladder,
            },
        })
    }

    /// All its bytes.
    pub fn into_bytes(self) -> Result<Vec<u8>> {
        match self {
            Source::Bytes(b) => Ok(b),
            Source::Text(t) if t.head.len() == t.len => Ok(t.head),
            Source::Text(t) => Ok(t.decode()?.bytes),
        }
    }
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::image::encoding::read;

    #[test]
    fn text_goes_as_it_came_and_decodes_only_when_drawn() {
        // A PNG header (3×2) followed by 200 kB that is never decoded here.
        let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13];
        png.extend_from_slice(b"IHDR");
        png.extend_from_slice(&3u32.to_be_bytes());
        png.extend_from_slice(&2u32.to_be_bytes());
        png.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
        png.resize(200_000, 7);
        let url = data_url("image/png", &png);
        let mut source = Source::Text(read(&url).unwrap());
        let info = source.sniff().unwrap();
        assert_eq!((info.width, info.height, source.len()), (3, 2, 200_000));
        let sent = source.as_is("image/png", Scaling::identity(3, 2), None);
        assert_eq!(sent.data_url, url);
        assert_eq!(source.into_bytes().unwrap(), png);
    }
}
