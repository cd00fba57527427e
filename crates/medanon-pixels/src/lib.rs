//! DICOM pixel data: decoding every supported transfer syntax, rendering
//! frames for display, and finding and cleaning burned-in text.
//!
//! | task | items |
//! |---|---|
//! | the pixel description and a decoded frame | [`PixelInfo`], [`Frame`], [`Region`] |
//! | decode frames (native, deflate, RLE, JPEG, JPEG 2000; JPEG-LS with `jpeg-ls`) | [`pixel_info`], [`decode_frame`], [`decode_all`] |
//! | write frames back uncompressed | [`store_frames`] |
//! | render a frame for display (LUTs, windows, colour) | [`render`], [`render_frame`] |
//! | find burned-in text: detector, CTP-style rules, OCR | [`detect_text`], [`RuleSet`], `Ocr` (feature `ocr`) |
//! | clean regions: fill, blur, pixelate, pseudonym | [`clean_frame`], [`draw_text`] |
//! | the Clean Pixel Data Option in one call | [`clean_pixel_data`], [`PixelSettings`] |
//!
//! ```no_run
//! use medanon_pixels::{PixelSettings, clean_pixel_data, identifying_terms};
//!
//! let mut obj = dicom_object::open_file("us.dcm")?;
//! let terms = identifying_terms(&obj); // before the attributes are de-identified
//! let report = clean_pixel_data(&mut obj, &PixelSettings::default(), &terms, None)?;
//! println!("{} regions cleaned", report.regions.len());
//! obj.write_to_file("us-clean.dcm")?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

mod clean;
mod decode;
mod detect;
mod encode;
mod error;
mod font;
mod frame;
#[cfg(feature = "ocr")]
mod ocr;
mod pipeline;
mod render;
mod rules;

// The public interface is:
pub use crate::clean::{CleanMode, clean_frame};
pub use crate::decode::{
    MAX_FRAME_SAMPLES, decode_all, decode_frame, pixel_info, transfer_syntax_name,
};
pub use crate::detect::{DetectOptions, detect_text};
pub use crate::encode::store_frames;
pub use crate::error::{Error, Result};
pub use crate::font::{ADVANCE, GLYPH_HEIGHT, GLYPH_WIDTH, draw_text, text_size};
pub use crate::frame::{Frame, Photometric, PixelInfo, Region};
#[cfg(feature = "ocr")]
pub use crate::ocr::{Ocr, Word};
pub use crate::pipeline::{
    DetectWhen, MAX_CLEAN_SAMPLES, ModeName, PixelReport, PixelSettings, clean_pixel_data,
    identifying_terms,
};
pub use crate::render::{RenderOptions, RgbImage, render, render_frame};
pub use crate::rules::{Attributes, Conditions, PixelRule, RelativeRegion, RuleSet};
