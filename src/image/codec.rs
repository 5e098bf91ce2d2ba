//! The pure-Rust [`Painter`], for runtimes without a canvas (Node, Deno,
//! Bun, native Rust; the `codec` feature).
//!
//! The crates, each the well-kept one for its job: `png` (decode and
//! encode, with fdeflate), `jpeg-decoder` (decode, scaled while decoding to
//! 1/2, 1/4 or 1/8 as libjpeg does, so that a 12-megapixel photo shrunk to
//! 1000 px is never decoded whole), `gif` (the first frame), `image-webp`,
//! `jpeg-encoder`, and `fast_image_resize` (crop and shrink with a Lanczos
//! filter, with SIMD where the target has it). A JPEG's EXIF orientation
//! is applied after decoding, as browsers apply it when they draw.

use super::plan::{self, Encoded, Encoding, Painter, Prepared};
use super::sizing::{Limits, fit_within};
use super::sniff::{Format, ImageInfo, Orientation};
use super::source::{Decision, Source};
use crate::error::{Error, Result};
use crate::geometry::region::{Crop, Region};
use fast_image_resize::images::{TypedImage, TypedImageRef};
use fast_image_resize::pixels::{U8, U8x3, U8x4};
use fast_image_resize::{FilterType, PixelTrait, ResizeAlg, ResizeOptions, Resizer};
use std::io::Cursor;

/// The most pixels an image may decode to (400 MB of RGBA).
const MAX_PIXELS: u64 = 100_000_000;

/// Decoded pixels, 8 bits a channel.
#[derive(Clone, Debug, PartialEq)]
struct Pixels {
    width: u32,
    height: u32,
    /// 1 (grey), 3 (RGB) or 4 (RGBA).
    channels: usize,
    data: Vec<u8>,
}

/// `src` resized into `dst` as `options` say, as pixels of type `P`: the
/// typed call, so that only the 8-bit pixel types are compiled in (the
/// untyped one brings in the tables of every pixel type).
fn resize_as<P: PixelTrait>(
    src: &Pixels,
    dst: &mut [u8],
    (width, height): (u32, u32),
    options: &ResizeOptions,
) -> std::result::Result<(), String> {
    let view = TypedImageRef::<P>::from_buffer(src.width, src.height, &src.data)
        .map_err(|e| e.to_string())?;
    let mut out = TypedImage::<P>::from_buffer(width, height, dst).map_err(|e| e.to_string())?;
    Resizer::new()
        .resize_typed(&view, &mut out, options)
        .map_err(|e| e.to_string())
}

/// A decoded image, ready to be cropped, shrunk and encoded at any size.
#[derive(Debug)]
pub struct Codec {
    /// The picture as shown (orientation applied), perhaps decoded smaller.
    pixels: Pixels,
    /// Decoded pixels per shown pixel, across and down (1, or about 1/2,
    /// 1/4 or 1/8 for a JPEG decoded smaller).
    scale: (f64, f64),
    /// The last size drawn, kept while encodings are tried at it.
    drawn: Option<Pixels>,
    what: &'static str,
}

fn undecodable(what: &str, format: Format, e: &dyn std::fmt::Display) -> Error {
    Error::image(
        "UNDECODABLE_IMAGE",
        format!("the {what} could not be decoded as {}: {e}", format.mime()),
    )
}

fn too_many_pixels(what: &str, width: u32, height: u32) -> Error {
    Error::image(
        "TOO_MANY_PIXELS",
        format!(
            "the {what} is {width}×{height} pixels, more than this runtime decodes ({MAX_PIXELS} pixels)"
        ),
    )
}

fn checked(what: &str, width: u32, height: u32) -> Result<()> {
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(too_many_pixels(what, width, height));
    }
    Ok(())
}

impl Codec {
    /// Decodes `bytes` (of the format and size `info` read) for drawing
    /// `crop` (in shown pixels) at most `max_side` pixels on a side.
    pub fn decode(
        bytes: &[u8],
        info: &ImageInfo,
        crop: Crop,
        max_side: u32,
        what: &'static str,
    ) -> Result<Self> {
        let mut pixels = match info.format {
            Format::Png if info.orientation.is_none() => {
                png(bytes, rows_for(crop, max_side, info.height), what)?
            }
            Format::Png => png(bytes, info.height, what)?,
            Format::Jpeg => jpeg(bytes, info, crop, max_side, what)?,
            Format::Gif => gif(bytes, what)?,
            Format::Webp => webp(bytes, what)?,
            other => return Err(unsupported(what, other)),
        };
        if let Some(o) = info.orientation {
            pixels = oriented(pixels, o);
        }
        // A PNG may stop above its bottom; its scale is 1 all the same.
        let decoded_height = match (info.format, info.orientation) {
            (Format::Png, None) => info.height,
            _ => pixels.height,
        };
        let (shown_w, shown_h) = info.shown_size();
        let scale = (
            f64::from(pixels.width) / f64::from(shown_w.max(1)),
            f64::from(decoded_height) / f64::from(shown_h.max(1)),
        );
        Ok(Self {
            pixels,
            scale,
            drawn: None,
            what,
        })
    }

    /// `crop` (shown pixels) drawn at `width`×`height`.
    fn draw(&self, crop: Crop, width: u32, height: u32) -> Result<Pixels> {
        let fail = |e: &dyn std::fmt::Display| {
            Error::image(
                "UNDECODABLE_IMAGE",
                format!("the {} could not be shrunk: {e}", self.what),
            )
        };
        let src = &self.pixels;
        let mut data = vec![0u8; src.channels * width as usize * height as usize];
        let (sx, sy) = self.scale;
        let options = ResizeOptions::new()
            .crop(
                f64::from(crop.x) * sx,
                f64::from(crop.y) * sy,
                f64::from(crop.width) * sx,
                f64::from(crop.height) * sy,
            )
            .resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
        let size = (width, height);
        match src.channels {
            1 => resize_as::<U8>(src, &mut data, size, &options),
            3 => resize_as::<U8x3>(src, &mut data, size, &options),
            _ => resize_as::<U8x4>(src, &mut data, size, &options),
        }
        .map_err(|e| fail(&e))?;
        Ok(Pixels {
            width,
            height,
            channels: src.channels,
            data,
        })
    }
}

/// Prepares an encoded image the way a browser would, without a canvas: the plan decides, the
/// codec draws. The decoded pixels are freed before this returns.
pub async fn prepare(
    source: Source,
    limits: Limits,
    what: &'static str,
    region: Option<Region>,
) -> Result<Prepared> {
    match source.decide(limits, what, region)? {
        Decision::Send(prepared) => Ok(prepared),
        Decision::Redraw {
            bytes,
            info,
            crop,
            placement,
            ladder,
        } => {
            let mut codec = Codec::decode(&bytes, &info, crop, limits.max_side, what)?;
            drop(bytes);
            plan::encode_within(&mut codec, crop, limits, placement, ladder, what).await
        }
    }
}

impl Painter for Codec {
    async fn paint(
        &mut self,
        crop: Crop,
        width: u32,
        height: u32,
        encoding: Encoding,
        max_bytes: usize,
    ) -> Result<Option<Encoded>> {
        let fresh = self
            .drawn
            .as_ref()
            .is_none_or(|d| (d.width, d.height) != (width, height));
        if fresh {
            // The size before is done with: free it before drawing the next.
            self.drawn = None;
            self.drawn = Some(self.draw(crop, width, height)?);
        }
        let Some(drawn) = &self.drawn else {
            return Err(Error::image("ENCODE_FAILED", "nothing was drawn"));
        };
        Ok(encode(drawn, encoding, max_bytes, self.what)?.map(Encoded::Bytes))
    }
}

/// What to pass instead of a format nothing here decodes.
fn unsupported(what: &str, format: Format) -> Error {
    Error::image(
        "UNSUPPORTED_FORMAT",
        format!(
            "the {what} is {}, which this runtime cannot decode (it has no canvas, and the built-in codec reads \
             PNG, JPEG, GIF and WebP): pass a PNG or JPEG instead (e.g. a screenshot taken with type \"png\" or \
             \"jpeg\"), or convert it first",
            format.mime()
        ),
    )
}

/// How many rows from the top a picture of `height` rows must have decoded
/// for `crop` to be shrunk to fit `max_side` exactly as from the whole:
/// the crop's rows and the filter's reach below them (a source pixel per
/// step of the shrink, and one more).
fn rows_for(crop: Crop, max_side: u32, height: u32) -> u32 {
    let (_, out_h) = fit_within(crop.width, crop.height, max_side);
    let reach = crop.height.div_ceil(out_h.max(1)) + 1;
    crop.y
        .saturating_add(crop.height)
        .saturating_add(reach)
        .min(height)
}

/// A PNG, decoded from the top down to `rows` rows: the rows below a
/// screenshot's region are never inflated or unfiltered (an interlaced
/// PNG is decoded whole, since its passes each cover the whole picture).
fn png(bytes: &[u8], rows: u32, what: &str) -> Result<Pixels> {
    let fail = |e: &dyn std::fmt::Display| undecodable(what, Format::Png, e);
    let mut decoder = png::Decoder::new_with_limits(
        Cursor::new(bytes),
        png::Limits {
            bytes: usize::try_from(MAX_PIXELS * 4).unwrap_or(usize::MAX),
        },
    );
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let mut reader = decoder.read_info().map_err(|e| fail(&e))?;
    let (w, h) = (reader.info().width, reader.info().height);
    checked(what, w, h)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| too_many_pixels(what, w, h))?;
    let (color, _) = reader.output_color_type();
    let (data, h) = if rows < h && !reader.info().interlaced {
        let line = reader
            .output_line_size(w)
            .ok_or_else(|| too_many_pixels(what, w, h))?;
        let mut data = Vec::with_capacity(line.saturating_mul(rows as usize));
        for _ in 0..rows {
            match reader.next_row().map_err(|e| fail(&e))? {
                Some(row) => data.extend_from_slice(row.data()),
                None => break,
            }
        }
        let got = u32::try_from(data.len() / line.max(1)).unwrap_or(0);
        (data, got)
    } else {
        let mut data = vec![0; size];
        let frame = reader.next_frame(&mut data).map_err(|e| fail(&e))?;
        data.truncate(frame.buffer_size());
        (data, h)
    };
    let channels = match color {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => {
            return Ok(Pixels {
                width: w,
                height: h,
                channels: 4,
                data: data
                    .chunks_exact(2)
                    .flat_map(|p| match p {
                        [l, a] => [*l, *l, *l, *a],
                        _ => [0; 4],
                    })
                    .collect(),
            });
        }
        png::ColorType::Rgb => 3,
        _ => 4,
    };
    Ok(Pixels {
        width: w,
        height: h,
        channels,
        data,
    })
}

/// A JPEG, decoded at the smallest of 1/8, 1/4, 1/2 and 1 that still
/// covers `crop` at the size it will be sent (as stored: not turned yet).
fn jpeg(bytes: &[u8], info: &ImageInfo, crop: Crop, max_side: u32, what: &str) -> Result<Pixels> {
    let fail = |e: &dyn std::fmt::Display| undecodable(what, Format::Jpeg, e);
    let mut decoder = jpeg_decoder::Decoder::new(Cursor::new(bytes));
    decoder.read_info().map_err(|e| fail(&e))?;
    let (target_w, _) = fit_within(crop.width, crop.height, max_side);
    let ratio = f64::from(target_w) / f64::from(crop.width.max(1));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let wanted = |side: u32| (f64::from(side) * ratio).ceil().clamp(1.0, 65_535.0) as u16;
    let (w, h) = decoder
        .scale(wanted(info.width), wanted(info.height))
        .map_err(|e| fail(&e))?;
    let (w, h) = (u32::from(w), u32::from(h));
    checked(what, w, h)?;
    let data = decoder.decode().map_err(|e| fail(&e))?;
    let format = decoder
        .info()
        .map(|i| i.pixel_format)
        .ok_or_else(|| fail(&"no frame"))?;
    let (channels, data) = match format {
        jpeg_decoder::PixelFormat::L8 => (1, data),
        jpeg_decoder::PixelFormat::RGB24 => (3, data),
        jpeg_decoder::PixelFormat::L16 => (
            1,
            data.chunks_exact(2)
                .filter_map(|p| p.first().copied())
                .collect(),
        ),
        jpeg_decoder::PixelFormat::CMYK32 => (
            3,
            data.chunks_exact(4)
                .flat_map(|p| match p {
                    // Adobe's inverted CMYK, as browsers read it.
                    [c, m, y, k] => {
                        let k = u16::from(*k);
                        let f = |v: u8| u8::try_from(u16::from(v) * k / 255).unwrap_or(u8::MAX);
                        [f(*c), f(*m), f(*y)]
                    }
                    _ => [0; 3],
                })
                .collect(),
        ),
    };
    Ok(Pixels {
        width: w,
        height: h,
        channels,
        data,
    })
}

/// A GIF's first frame on its logical screen (transparent around it).
fn gif(bytes: &[u8], what: &str) -> Result<Pixels> {
    let fail = |e: &dyn std::fmt::Display| undecodable(what, Format::Gif, e);
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options
        .read_info(Cursor::new(bytes))
        .map_err(|e| fail(&e))?;
    let (w, h) = (u32::from(decoder.width()), u32::from(decoder.height()));
    checked(what, w, h)?;
    let frame = decoder
        .read_next_frame()
        .map_err(|e| fail(&e))?
        .ok_or_else(|| fail(&"it holds no frame"))?;
    let mut data = vec![0u8; 4 * w as usize * h as usize];
    let (left, top) = (usize::from(frame.left), usize::from(frame.top));
    let fw = usize::from(frame.width);
    for (row, line) in frame.buffer.chunks_exact(4 * fw.max(1)).enumerate() {
        let y = top + row;
        if y >= h as usize || left >= w as usize {
            continue;
        }
        let n = line.len().min(4 * (w as usize - left));
        let at = 4 * (y * w as usize + left);
        if let (Some(dst), Some(src)) = (data.get_mut(at..at + n), line.get(..n)) {
            dst.copy_from_slice(src);
        }
    }
    Ok(Pixels {
        width: w,
        height: h,
        channels: 4,
        data,
    })
}

fn webp(bytes: &[u8], what: &str) -> Result<Pixels> {
    let fail = |e: &dyn std::fmt::Display| undecodable(what, Format::Webp, e);
    let mut decoder = image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(|e| fail(&e))?;
    let (w, h) = decoder.dimensions();
    checked(what, w, h)?;
    let size = decoder
        .output_buffer_size()
        .ok_or_else(|| too_many_pixels(what, w, h))?;
    let mut data = vec![0; size];
    decoder.read_image(&mut data).map_err(|e| fail(&e))?;
    Ok(Pixels {
        width: w,
        height: h,
        channels: if decoder.has_alpha() { 4 } else { 3 },
        data,
    })
}

/// `p` turned as `o` says, so that it shows as a browser draws it.
fn oriented(p: Pixels, o: Orientation) -> Pixels {
    let (w, h) = (p.width as usize, p.height as usize);
    let (nw, nh) = if o.swaps_sides() { (h, w) } else { (w, h) };
    let c = p.channels;
    let mut data = vec![0u8; p.data.len()];
    for y in 0..nh {
        for x in 0..nw {
            // The stored pixel shown at (x, y).
            let (sx, sy) = match o {
                Orientation::FlipHorizontal => (w - 1 - x, y),
                Orientation::Rotate180 => (w - 1 - x, h - 1 - y),
                Orientation::FlipVertical => (x, h - 1 - y),
                Orientation::Transpose => (y, x),
                Orientation::Rotate90 => (y, h - 1 - x),
                Orientation::Transverse => (w - 1 - y, h - 1 - x),
                Orientation::Rotate270 => (w - 1 - y, x),
            };
            let (from, to) = (c * (sy * w + sx), c * (y * nw + x));
            if let (Some(dst), Some(src)) = (data.get_mut(to..to + c), p.data.get(from..from + c)) {
                dst.copy_from_slice(src);
            }
        }
    }
    #[allow(clippy::cast_possible_truncation)]
    Pixels {
        width: nw as u32,
        height: nh as u32,
        channels: c,
        data,
    }
}

/// A writer that refuses to grow past `limit` bytes: an encoding that
/// would not fit is stopped as soon as that is certain.
struct Bounded {
    out: Vec<u8>,
    limit: usize,
}

impl std::io::Write for Bounded {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.out.len() + buf.len() > self.limit {
            return Err(std::io::Error::other(TOO_BIG));
        }
        self.out.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Why a [`Bounded`] writer stopped.
const TOO_BIG: &str = "over the byte limit";

/// `p` encoded; `None` when it would be more than `max_bytes`.
fn encode(p: &Pixels, encoding: Encoding, max_bytes: usize, what: &str) -> Result<Option<Vec<u8>>> {
    let mut out = Bounded {
        out: Vec::new(),
        limit: max_bytes,
    };
    let done = encode_into(p, encoding, &mut out);
    match done {
        Ok(()) => Ok(Some(out.out)),
        Err(e) if e.contains(TOO_BIG) => Ok(None),
        Err(e) => Err(Error::image(
            "ENCODE_FAILED",
            format!("the {what} could not be encoded: {e}"),
        )),
    }
}

fn encode_into(
    p: &Pixels,
    encoding: Encoding,
    out: &mut Bounded,
) -> std::result::Result<(), String> {
    let fail = |e: &dyn std::fmt::Display| e.to_string();
    match encoding {
        Encoding::Png => {
            let mut encoder = png::Encoder::new(out, p.width, p.height);
            encoder.set_color(match p.channels {
                1 => png::ColorType::Grayscale,
                3 => png::ColorType::Rgb,
                _ => png::ColorType::Rgba,
            });
            encoder.set_depth(png::BitDepth::Eight);
            // fdeflate's PNG-tuned compression: many times faster than
            // zlib's default level, for files a little larger.
            encoder.set_compression(png::Compression::Fast);
            // One filter for every row, not a trial of all five per row.
            encoder.set_filter(png::Filter::Up);
            let mut writer = encoder.write_header().map_err(|e| fail(&e))?;
            writer.write_image_data(&p.data).map_err(|e| fail(&e))?;
            writer.finish().map_err(|e| fail(&e))?;
        }
        Encoding::Jpeg(quality) => {
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let q = (quality * 100.0).round().clamp(1.0, 100.0) as u8;
            let (w, h) = (
                u16::try_from(p.width).map_err(|e| fail(&e))?,
                u16::try_from(p.height).map_err(|e| fail(&e))?,
            );
            let color = match p.channels {
                1 => jpeg_encoder::ColorType::Luma,
                3 => jpeg_encoder::ColorType::Rgb,
                _ => jpeg_encoder::ColorType::Rgba,
            };
            let mut encoder = jpeg_encoder::Encoder::new(out, q);
            // Chroma at half resolution across and down, as libjpeg and
            // browsers encode.
            encoder.set_sampling_factor(jpeg_encoder::SamplingFactor::F_1_1);
            encoder.encode(&p.data, w, h, color).map_err(|e| fail(&e))?;
        }
    }
    Ok(())
}

#[cfg(test)]
#[cfg(not(target_arch = "wasm32"))]
mod tests {
    use super::*;
    use crate::image::encoding::decode;
    use crate::image::plan::ready;
    use crate::image::sniff::samples::heif;

    /// A `w`×`h` RGB picture, white with a red `side`-pixel square whose
    /// top-left corner is at (`x`, `y`).
    fn picture(w: u32, h: u32, (x, y, side): (u32, u32, u32)) -> Pixels {
        let mut data = Vec::with_capacity(3 * w as usize * h as usize);
        for py in 0..h {
            for px in 0..w {
                let red = (x..x + side).contains(&px) && (y..y + side).contains(&py);
                data.extend_from_slice(if red {
                    &[220, 20, 20]
                } else {
                    &[255, 255, 255]
                });
            }
        }
        Pixels {
            width: w,
            height: h,
            channels: 3,
            data,
        }
    }

    fn png_of(p: &Pixels) -> Vec<u8> {
        encode(p, Encoding::Png, usize::MAX, "image")
            .unwrap()
            .unwrap()
    }

    fn jpeg_of(p: &Pixels) -> Vec<u8> {
        encode(p, Encoding::Jpeg(0.95), usize::MAX, "image")
            .unwrap()
            .unwrap()
    }

    /// `jpeg` with an APP1 segment saying EXIF orientation `o`.
    fn with_orientation(jpeg: &[u8], o: u16) -> Vec<u8> {
        let mut tiff = b"MM\0\x2a\0\0\0\x08\0\x01".to_vec();
        tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1]);
        tiff.extend_from_slice(&o.to_be_bytes());
        tiff.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        let mut app1 = b"Exif\0\0".to_vec();
        app1.extend_from_slice(&tiff);
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
        out.extend_from_slice(&u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
        out.extend_from_slice(&app1);
        out.extend_from_slice(jpeg.get(2..).unwrap());
        out
    }

    /// What was sent: its MIME type and pixels.
    fn sent(p: &Prepared) -> (String, Pixels) {
        let d = decode(&p.data_url).unwrap();
        let mime = d.declared_mime.unwrap();
        let info = crate::image::sniff::sniff(&d.bytes).unwrap();
        let all = Crop::whole(info.width, info.height);
        let codec = Codec::decode(&d.bytes, &info, all, u32::MAX, "image").unwrap();
        (mime, codec.pixels)
    }

    /// Where the red is, as the centre of its pixels.
    fn red_centre(p: &Pixels) -> (f64, f64) {
        let (mut sx, mut sy, mut n) = (0.0, 0.0, 0.0);
        for (i, px) in p.data.chunks_exact(p.channels).enumerate() {
            if let [r, g, b, ..] = px
                && *r > 150
                && *g < 100
                && *b < 100
            {
                sx += (i % p.width as usize) as f64 + 0.5;
                sy += (i / p.width as usize) as f64 + 0.5;
                n += 1.0;
            }
        }
        assert!(n > 0.0, "no red pixel");
        (sx / n, sy / n)
    }

    fn prepare_now(bytes: Vec<u8>, region: Option<Region>) -> Result<Prepared> {
        ready(prepare(
            Source::Bytes(bytes),
            Limits::DEFAULT,
            "image",
            region,
        ))
    }

    #[test]
    fn a_screenshot_is_cropped_to_its_region_at_the_measured_scale() {
        // A 2560×1600 screenshot of a 1280-px viewport (devicePixelRatio 2)
        // with the challenge at CSS (100, 50), 620×420; the red square sits
        // 200 CSS px right and 100 down inside it.
        let shot = picture(2560, 1600, (2 * 300, 2 * 150, 40));
        let region = Region::new(100.0, 50.0, 620.0, 420.0).with_viewport_width(1280.0);
        let p = prepare_now(png_of(&shot), Some(region)).unwrap();
        let placement = p.placement.unwrap();
        assert_eq!(placement.scale, 2.0);
        let s = p.scaling;
        assert_eq!((s.original_width, s.original_height), (1240, 840));
        assert_eq!((s.sent_width, s.sent_height), (1000, 677));
        let (mime, pixels) = sent(&p);
        assert_eq!(
            (mime.as_str(), pixels.width, pixels.height),
            ("image/png", 1000, 677)
        );
        // The red centre, mapped back as the client maps points, lands on
        // the square's centre in the element's CSS pixels.
        let (x, y) = red_centre(&pixels);
        let css = placement.to_css(s.to_original(crate::geometry::point::Point { x, y }));
        assert!(
            (css.x - 210.0).abs() < 1.0 && (css.y - 110.0).abs() < 1.0,
            "{css:?}"
        );
    }

    #[test]
    fn a_png_is_decoded_down_to_its_crop_only_and_shrinks_exactly_as_whole() {
        // Noise, so that any row read from below the crop would show.
        let mut shot = picture(1200, 900, (0, 0, 0));
        for (i, b) in shot.data.iter_mut().enumerate() {
            *b = (i.wrapping_mul(2_654_435_761) >> 13) as u8;
        }
        let bytes = png_of(&shot);
        let info = crate::image::sniff::sniff(&bytes).unwrap();
        let crop = Crop {
            x: 100,
            y: 50,
            width: 900,
            height: 450,
        };
        let rows = rows_for(crop, 400, 900);
        assert!((50 + 450..900).contains(&rows), "{rows}");
        let part = Codec::decode(&bytes, &info, crop, 400, "image").unwrap();
        assert_eq!((part.pixels.width, part.pixels.height), (1200, rows));
        let whole = Codec {
            pixels: png(&bytes, 900, "image").unwrap(),
            scale: (1.0, 1.0),
            drawn: None,
            what: "image",
        };
        assert_eq!(whole.pixels.data, shot.data);
        let (a, b) = (
            part.draw(crop, 400, 200).unwrap(),
            whole.draw(crop, 400, 200).unwrap(),
        );
        assert!(a.data == b.data, "the shrunk crops differ");
    }

    #[test]
    fn a_large_jpeg_is_decoded_small_and_sent_within_the_limits() {
        let photo = picture(4000, 3000, (3000, 1000, 200));
        let bytes = jpeg_of(&photo);
        let info = crate::image::sniff::sniff(&bytes).unwrap();
        // 1/4 of its size covers the 1000 px it is sent at.
        let codec = Codec::decode(&bytes, &info, Crop::whole(4000, 3000), 1000, "image").unwrap();
        assert_eq!((codec.pixels.width, codec.pixels.height), (1000, 750));
        let p = prepare_now(bytes, None).unwrap();
        assert_eq!((p.scaling.sent_width, p.scaling.sent_height), (1000, 750));
        let (_, pixels) = sent(&p);
        let (x, y) = red_centre(&pixels);
        let back = p
            .scaling
            .to_original(crate::geometry::point::Point { x, y });
        assert!(
            (back.x - 3100.0).abs() < 4.0 && (back.y - 1100.0).abs() < 4.0,
            "{back:?}"
        );
    }

    #[test]
    fn an_exif_orientation_is_applied_as_a_browser_draws_it() {
        // Stored 400×300 with red at the top-left; orientation 6 turns it a
        // quarter clockwise: shown 300×400 with the red at the top-right.
        let stored = picture(400, 300, (20, 20, 40));
        let bytes = with_orientation(&jpeg_of(&stored), 6);
        let p = prepare_now(bytes, None).unwrap();
        assert_eq!(
            (p.scaling.original_width, p.scaling.original_height),
            (300, 400)
        );
        let (_, pixels) = sent(&p);
        assert_eq!((pixels.width, pixels.height), (300, 400));
        let (x, y) = red_centre(&pixels);
        assert!(
            (x - 260.0).abs() < 2.0 && (y - 40.0).abs() < 2.0,
            "({x}, {y})"
        );
    }

    #[test]
    fn gif_and_webp_are_converted() {
        let p = picture(64, 48, (8, 8, 16));
        let rgba: Vec<u8> = p
            .data
            .chunks_exact(3)
            .flat_map(|c| [c[0], c[1], c[2], 255])
            .collect();
        let mut gif_bytes = Vec::new();
        {
            let mut e = gif::Encoder::new(&mut gif_bytes, 64, 48, &[]).unwrap();
            let indices: Vec<u8> = p
                .data
                .chunks_exact(3)
                .map(|c| u8::from(c[1] < 100))
                .collect();
            let palette = [255, 255, 255, 220, 20, 20];
            let mut frame = gif::Frame::from_palette_pixels(64, 48, indices, palette, None);
            frame.delay = 10;
            e.write_frame(&frame).unwrap();
        }
        let mut webp_bytes = Vec::new();
        image_webp::WebPEncoder::new(&mut webp_bytes)
            .encode(&rgba, 64, 48, image_webp::ColorType::Rgba8)
            .unwrap();
        let prepared = prepare_now(webp_bytes, None).unwrap();
        let (mime, pixels) = sent(&prepared);
        assert_eq!(
            (mime.as_str(), pixels.width, pixels.height),
            ("image/png", 64, 48)
        );
        let (x, y) = red_centre(&pixels);
        assert!((x - 16.0).abs() < 1.0 && (y - 16.0).abs() < 1.0);
        // A GIF within the limits goes as it is; cut out, it is redrawn.
        let region = Region::new(0.0, 0.0, 32.0, 24.0).with_viewport_width(64.0);
        let prepared = prepare_now(gif_bytes, Some(region)).unwrap();
        let (mime, pixels) = sent(&prepared);
        assert_eq!(
            (mime.as_str(), pixels.width, pixels.height),
            ("image/png", 32, 24)
        );
        let (x, y) = red_centre(&pixels);
        assert!((x - 16.0).abs() < 1.0 && (y - 16.0).abs() < 1.0);
    }

    #[test]
    fn formats_nothing_here_decodes_say_what_to_pass() {
        let avif = heif(b"avif", 2000, 1000);
        let e = prepare_now(avif, None).unwrap_err();
        assert_eq!(
            (e.kind, e.code.as_ref()),
            (crate::error::Kind::Image, "UNSUPPORTED_FORMAT")
        );
        assert!(
            e.message.contains("image/avif") && e.message.contains("pass a PNG or JPEG"),
            "{}",
            e.message
        );
        let e = prepare_now(
            b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\x10\0\0\0\x10\0\x08\x06\0\0\0xxxx".to_vec(),
            None,
        )
        .unwrap_err();
        assert_eq!(e.code, "UNDECODABLE_IMAGE", "{}", e.message);
    }

    /// 2×3 pixels of one grey channel, numbered in reading order.
    fn numbered() -> Pixels {
        Pixels {
            width: 2,
            height: 3,
            channels: 1,
            data: vec![1, 2, 3, 4, 5, 6],
        }
    }

    #[test]
    fn an_encoding_over_the_limit_stops_early() {
        let p = picture(300, 200, (10, 10, 50));
        let whole = png_of(&p);
        assert_eq!(
            encode(&p, Encoding::Png, whole.len() - 1, "image").unwrap(),
            None
        );
        assert_eq!(
            encode(&p, Encoding::Png, whole.len(), "image").unwrap(),
            Some(whole)
        );
    }

    #[test]
    fn orientations_turn_the_pixels_as_exif_says() {
        // Stored:   1 2     Shown after 6 (a quarter turn clockwise):
        //           3 4       5 3 1
        //           5 6       6 4 2
        let cases = [
            (Orientation::FlipHorizontal, (2, 3), vec![2, 1, 4, 3, 6, 5]),
            (Orientation::Rotate180, (2, 3), vec![6, 5, 4, 3, 2, 1]),
            (Orientation::FlipVertical, (2, 3), vec![5, 6, 3, 4, 1, 2]),
            (Orientation::Transpose, (3, 2), vec![1, 3, 5, 2, 4, 6]),
            (Orientation::Rotate90, (3, 2), vec![5, 3, 1, 6, 4, 2]),
            (Orientation::Transverse, (3, 2), vec![6, 4, 2, 5, 3, 1]),
            (Orientation::Rotate270, (3, 2), vec![2, 4, 6, 1, 3, 5]),
        ];
        for (o, (w, h), data) in cases {
            let p = oriented(numbered(), o);
            assert_eq!((p.width, p.height, p.data), (w, h, data), "{o:?}");
        }
    }
}
