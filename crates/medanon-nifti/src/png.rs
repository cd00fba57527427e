//! The rendered views as images, written as PNG by `medanon-png` (shared
//! with the DICOM frame renderer).

use std::path::Path;

use crate::error::{Error, Result};

/// An 8-bit image in memory: rows top to bottom, pixels left to right,
/// `channels` bytes per pixel (1 = gray, 3 = RGB).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// 1 for grayscale, 3 for RGB.
    pub channels: usize,
    /// `width × height × channels` bytes, row-major.
    pub pixels: Vec<u8>,
}

#[cfg(test)]
use medanon_png::{SIGNATURE, paeth};

impl Image {
    /// A black image.
    pub fn new(width: usize, height: usize, channels: usize) -> Self {
        Image {
            width,
            height,
            channels,
            pixels: vec![0; width * height * channels],
        }
    }

    /// A grayscale image from its pixels (`width × height` bytes).
    pub fn gray(width: usize, height: usize, pixels: Vec<u8>) -> Result<Self> {
        let image = Image {
            width,
            height,
            channels: 1,
            pixels,
        };
        image.check()?;
        Ok(image)
    }

    /// The pixel at column `x`, row `y` (`channels` bytes), if inside.
    pub fn pixel(&self, x: usize, y: usize) -> Option<&[u8]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let start = (y * self.width + x) * self.channels;
        self.pixels.get(start..start + self.channels)
    }

    /// The gray value at `(x, y)`: the byte itself for a gray image, the
    /// mean of R, G and B otherwise; 0 outside the image.
    pub fn value(&self, x: usize, y: usize) -> u8 {
        match self.pixel(x, y) {
            Some([v]) => *v,
            Some(rgb) if !rgb.is_empty() => {
                let sum: u32 = rgb.iter().map(|&b| u32::from(b)).sum();
                (sum / rgb.len() as u32) as u8
            }
            _ => 0,
        }
    }

    /// This image as RGB (a copy; gray values go to all three channels).
    pub fn to_rgb(&self) -> Image {
        if self.channels == 3 {
            return self.clone();
        }
        Image {
            width: self.width,
            height: self.height,
            channels: 3,
            pixels: self.pixels.iter().flat_map(|&v| [v, v, v]).collect(),
        }
    }

    /// Copies `other` (same channel count) with its top-left corner at `(x, y)`,
    /// cropping what falls outside.
    pub(crate) fn blit(&mut self, other: &Image, x: usize, y: usize) {
        let c = self.channels;
        if other.channels != c || x >= self.width || y >= self.height {
            return;
        }
        let w = other.width.min(self.width - x);
        for row in 0..other.height.min(self.height - y) {
            let src = row * other.width * c;
            let dst = ((y + row) * self.width + x) * c;
            self.pixels[dst..dst + w * c].copy_from_slice(&other.pixels[src..src + w * c]);
        }
    }

    fn check(&self) -> Result<()> {
        if self.channels != 1 && self.channels != 3 {
            return Err(Error::InvalidArgument(format!(
                "an image has 1 or 3 channels, not {}",
                self.channels
            )));
        }
        if self.width == 0 || self.height == 0 || self.width > 1 << 24 || self.height > 1 << 24 {
            return Err(Error::InvalidArgument(format!(
                "image size {}×{} is out of range",
                self.width, self.height
            )));
        }
        if self.pixels.len() != self.width * self.height * self.channels {
            return Err(Error::InvalidArgument(format!(
                "{} pixel bytes for a {}×{}×{} image",
                self.pixels.len(),
                self.width,
                self.height,
                self.channels
            )));
        }
        Ok(())
    }

    /// The PNG file contents.
    pub fn encode_png(&self) -> Result<Vec<u8>> {
        medanon_png::encode(self.width, self.height, self.channels, &self.pixels)
            .map_err(|e| Error::InvalidArgument(e.to_string()))
    }

    /// Writes the image as a PNG file, atomically: to a temporary file in the
    /// same directory, then renamed over `path` (an existing file is
    /// replaced). On error no partial file is left behind.
    pub fn write_png(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.encode_png()?;
        crate::io::write_atomic(path, true, false, &[&bytes])
    }
}

#[cfg(test)]
mod tests;
