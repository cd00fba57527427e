//! The in-memory types every part of the crate works on: what a file's
//! pixel data is ([`PixelInfo`]) and one decoded frame ([`Frame`]).

/// How a frame's samples are to be read as colour (Photometric
/// Interpretation, PS3.3 C.7.6.3.1.2).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Photometric {
    /// Grey, 0 is white.
    Monochrome1,
    /// Grey, 0 is black.
    Monochrome2,
    /// Red, green, blue.
    Rgb,
    /// Luminance and chrominance, full range.
    YbrFull,
    /// As [`YbrFull`](Self::YbrFull) with chrominance halved horizontally.
    YbrFull422,
    /// Indices into the palette colour lookup tables.
    PaletteColor,
    /// Any other value, as written in the file.
    Other(String),
}

impl Photometric {
    /// Parses the attribute's value (surrounding spaces ignored).
    pub fn parse(value: &str) -> Photometric {
        match value.trim() {
            "MONOCHROME1" => Photometric::Monochrome1,
            "MONOCHROME2" => Photometric::Monochrome2,
            "RGB" => Photometric::Rgb,
            "YBR_FULL" => Photometric::YbrFull,
            "YBR_FULL_422" => Photometric::YbrFull422,
            "PALETTE COLOR" => Photometric::PaletteColor,
            other => Photometric::Other(other.to_owned()),
        }
    }

    /// The attribute's value.
    pub fn as_str(&self) -> &str {
        match self {
            Photometric::Monochrome1 => "MONOCHROME1",
            Photometric::Monochrome2 => "MONOCHROME2",
            Photometric::Rgb => "RGB",
            Photometric::YbrFull => "YBR_FULL",
            Photometric::YbrFull422 => "YBR_FULL_422",
            Photometric::PaletteColor => "PALETTE COLOR",
            Photometric::Other(s) => s,
        }
    }
}

/// The pixel data's description, from the Image Pixel module attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PixelInfo {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub columns: usize,
    /// Samples per pixel (1 for grey and palette, 3 for colour).
    pub samples_per_pixel: usize,
    /// Number of frames (1 when the attribute is absent).
    pub frames: usize,
    /// Bits allocated per sample (8, 16 or 32).
    pub bits_allocated: u16,
    /// Bits stored per sample.
    pub bits_stored: u16,
    /// Whether samples are two's complement.
    pub signed: bool,
    /// As stored in the file (decoders may deliver another; see [`Frame::photometric`]).
    pub photometric: Photometric,
    /// The transfer syntax UID the pixel data was read from.
    pub transfer_syntax: String,
}

/// One decoded frame: the stored sample values (decompressed, before any
/// lookup table), row-major with the samples of a pixel interleaved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub columns: usize,
    /// Samples per pixel (1 or 3).
    pub samples: usize,
    /// `rows * columns * samples` values; `i64` holds every stored depth
    /// (up to 32 bits, signed or not) exactly.
    pub values: Vec<i64>,
    /// The photometric interpretation of `values` (a decoder may have
    /// turned YBR into RGB).
    pub photometric: Photometric,
}

impl Frame {
    /// A frame of `rows × columns × samples` zeros.
    pub fn new(rows: usize, columns: usize, samples: usize, photometric: Photometric) -> Frame {
        Frame {
            rows,
            columns,
            samples,
            values: vec![0; rows * columns * samples],
            photometric,
        }
    }

    /// The value of `sample` of the pixel at `row`, `column`.
    pub fn get(&self, row: usize, column: usize, sample: usize) -> Option<i64> {
        (row < self.rows && column < self.columns && sample < self.samples)
            .then(|| self.values[(row * self.columns + column) * self.samples + sample])
    }

    /// Sets `sample` of the pixel at `row`, `column` (ignored outside the frame).
    pub fn set(&mut self, row: usize, column: usize, sample: usize, value: i64) {
        if row < self.rows && column < self.columns && sample < self.samples {
            self.values[(row * self.columns + column) * self.samples + sample] = value;
        }
    }
}

/// An axis-aligned rectangle of pixels: `x` is the column, `y` the row of
/// its top-left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Region {
    /// First column.
    pub x: usize,
    /// First row.
    pub y: usize,
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
}

impl Region {
    /// The region clipped to a frame of `rows × columns` (possibly empty).
    pub fn clip(self, rows: usize, columns: usize) -> Region {
        let x = self.x.min(columns);
        let y = self.y.min(rows);
        Region {
            x,
            y,
            width: self.width.min(columns - x),
            height: self.height.min(rows - y),
        }
    }

    /// Pixels covered.
    pub fn area(&self) -> usize {
        self.width * self.height
    }

    /// Whether the pixel at `row`, `column` is inside.
    pub fn contains(&self, row: usize, column: usize) -> bool {
        column >= self.x
            && column < self.x + self.width
            && row >= self.y
            && row < self.y + self.height
    }
}
