//! DICOM pixel data: decoding every supported transfer syntax, rendering
//! frames for display, and finding and cleaning burned-in text.
//!
//! | task | module |
//! |---|---|
//! | the pixel description and a decoded frame | [`PixelInfo`], [`Frame`], [`Region`] |
//! | decode frames of any supported transfer syntax | `decode` |
//! | render a frame for display (LUTs, windows, colour) | `render` |
//! | find burned-in text: detector, CTP-style rules, OCR | `detect`, `rules` |
//! | clean regions: fill, blur, pixelate, pseudonym | `clean` |
#![forbid(unsafe_code)]

mod error;
mod frame;
// MODULES (one line per module; keep this marker)

// The public interface is:
pub use crate::error::{Error, Result};
pub use crate::frame::{Frame, Photometric, PixelInfo, Region};
// EXPORTS (one block per module; keep this marker)
