//! Orthogonal views of a volume, upright and with the right aspect ratio
//! whatever order the voxels are stored in, and montages of them.
//!
//! A viewer that shows voxel rows as pixel rows draws some files upside
//! down or mirrored; these views go through the closest RAS+ orientation
//! first (see [`Orientation`]) and follow one documented display
//! convention, stated on [`Plane`], with orientation letters drawn on the
//! image. Slices are resampled to square pixels so anisotropic voxels keep
//! their physical proportions.

use ndarray::{ArrayView2, ArrayView3, Axis};

use crate::enhance::{apply_window, clahe, equalize, robust_range};
use crate::error::{Error, Result};
use crate::orient::{Orientation, canonical_view};
use crate::png::Image;
use crate::volume::Volume;

/// Longest side of a view, in pixels.
const MAX_SIDE: f64 = 4096.0;
/// Gap between the views of a montage, in pixels.
const GAP: usize = 6;

/// One of the three orthogonal planes, and the display convention.
///
/// # Display convention (neurological)
///
/// The frame is first reordered to its closest RAS+ orientation
/// ([`canonical_view`]; an oblique image is shown along its dominant axes,
/// untilted, as in a voxel-space viewer). Then every view puts the
/// increasing world axis to the **right** and **up**:
///
/// | view | image right | image top | seen from |
/// |---|---|---|---|
/// | axial (`z` fixed) | patient's **right** (+x) | anterior (+y) | above |
/// | coronal (`y` fixed) | patient's **right** (+x) | superior (+z) | behind |
/// | sagittal (`x` fixed) | anterior (+y) | superior (+z) | the patient's right |
///
/// This is the *neurological* convention (left is left, as in nilearn's
/// plots), not the radiological one of clinical DICOM viewers, where the
/// patient's right is on the image's left. The letters `L`/`R`, `A`/`P`,
/// `S`/`I` are drawn at the edges of each view (a built-in 5×7 font) unless
/// [`ViewOptions::labels`] is off.
///
/// # Aspect ratio
///
/// Each slice is resampled (bilinear) to square pixels whose side is the
/// volume's smallest voxel size, so a 1×1×3 mm image is three times as tall
/// in its coronal view as in voxels. Pixels are made larger if a view would
/// exceed 4,096 pixels, and smaller if its longest side would stay under
/// [`ViewOptions::min_size`]. All views of a montage share the pixel size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Plane {
    /// Constant z (inferior–superior): seen from above, anterior at the top.
    Axial,
    /// Constant y (posterior–anterior): seen from behind, superior at the top.
    Coronal,
    /// Constant x (left–right): seen from the right, superior at the top,
    /// anterior on the right.
    Sagittal,
}

impl Plane {
    /// The planes in montage order.
    pub const ALL: [Plane; 3] = [Plane::Axial, Plane::Coronal, Plane::Sagittal];

    /// (fixed, horizontal, vertical) canonical axes.
    fn axes(self) -> (usize, usize, usize) {
        match self {
            Plane::Axial => (2, 0, 1),
            Plane::Coronal => (1, 0, 2),
            Plane::Sagittal => (0, 1, 2),
        }
    }

    /// Edge letters: left, right, top, bottom.
    fn letters(self) -> [char; 4] {
        match self {
            Plane::Axial => ['L', 'R', 'A', 'P'],
            Plane::Coronal => ['L', 'R', 'S', 'I'],
            Plane::Sagittal => ['P', 'A', 'S', 'I'],
        }
    }
}

/// How intensities become gray levels.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
#[non_exhaustive]
pub enum Enhance {
    /// Linear from the frame's minimum to its maximum.
    None,
    /// Linear between two percentiles of the frame's nonzero voxels
    /// ([`ViewOptions::percentiles`]), clipped outside.
    #[default]
    Percentile,
    /// The percentile window, then global histogram equalization of each view.
    Equalize,
    /// The percentile window, then CLAHE of each view
    /// (see [`clahe`]).
    Clahe {
        /// Clip limit, relative to a uniform histogram (2–4 is usual).
        clip: f32,
        /// Tiles along each side of the view.
        tiles: usize,
    },
}

impl Enhance {
    /// CLAHE with a clip limit of 2.5 and an 8×8 tile grid.
    pub const CLAHE: Enhance = Enhance::Clahe {
        clip: 2.5,
        tiles: 8,
    };
}

/// What to show and how. Build with `ViewOptions::default()` and the
/// `with_*` methods.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ViewOptions {
    /// The voxel `[i, j, k]` (stored order) the three planes pass through;
    /// `None` is the centre voxel (`n / 2` along each axis).
    pub slice: Option<[usize; 3]>,
    /// Contrast.
    pub enhance: Enhance,
    /// The time point of a 4-D image.
    pub frame: usize,
    /// Low and high percentiles of the window, default 0.5 and 99.5.
    pub percentiles: [f64; 2],
    /// Draw orientation letters at the edges of each view (default on; left
    /// out where a view is too small for them).
    pub labels: bool,
    /// Magnify small images until the longest side of each view has at
    /// least this many pixels (default 128; 0 keeps the voxel scale).
    pub min_size: usize,
}

impl Default for ViewOptions {
    fn default() -> Self {
        ViewOptions {
            slice: None,
            enhance: Enhance::Percentile,
            frame: 0,
            percentiles: [0.5, 99.5],
            labels: true,
            min_size: 128,
        }
    }
}

impl ViewOptions {
    /// Through this voxel (stored `[i, j, k]` order).
    pub fn with_slice(mut self, ijk: [usize; 3]) -> Self {
        self.slice = Some(ijk);
        self
    }
    /// With this contrast.
    pub fn with_enhance(mut self, enhance: Enhance) -> Self {
        self.enhance = enhance;
        self
    }
    /// At this time point.
    pub fn with_frame(mut self, frame: usize) -> Self {
        self.frame = frame;
        self
    }
    /// With these window percentiles.
    pub fn with_percentiles(mut self, low: f64, high: f64) -> Self {
        self.percentiles = [low, high];
        self
    }
    /// With or without edge letters.
    pub fn with_labels(mut self, labels: bool) -> Self {
        self.labels = labels;
        self
    }
    /// With this minimum view size (0: no magnification).
    pub fn with_min_size(mut self, pixels: usize) -> Self {
        self.min_size = pixels;
        self
    }
}

/// How a mask is drawn over the image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OverlayStyle {
    /// RGB colour.
    pub color: [u8; 3],
    /// Opacity of the fill, 0 (none) to 1 (opaque).
    pub fill: f32,
    /// Draw the mask's outline in the full colour.
    pub outline: bool,
}

impl Default for OverlayStyle {
    /// Red, 30 % fill, outlined.
    fn default() -> Self {
        OverlayStyle {
            color: [255, 40, 40],
            fill: 0.3,
            outline: true,
        }
    }
}

/// A frame ready to slice: canonical view, slice position, scale, window.
struct Scene<'a> {
    data: ArrayView3<'a, f32>,
    sizes: [f64; 3],
    centre: [usize; 3],
    pixel: f64,
    window: (f32, f32),
}

fn scene<'a>(volume: &'a Volume, opts: &ViewOptions) -> Result<Scene<'a>> {
    let frame = volume.frame(opts.frame).ok_or_else(|| {
        Error::InvalidArgument(format!(
            "frame {} of an image with {} time points",
            opts.frame,
            volume.time_points()
        ))
    })?;
    let shape = volume.shape3();
    if shape.contains(&0) {
        return Err(Error::InvalidArgument(format!("empty image {shape:?}")));
    }
    let ijk = opts.slice.unwrap_or(shape.map(|n| n / 2));
    if (0..3).any(|a| ijk[a] >= shape[a]) {
        return Err(Error::InvalidArgument(format!(
            "slice {ijk:?} outside an image of {shape:?} voxels"
        )));
    }
    let orientation = Orientation::from_affine(&volume.affine);
    let (data, canonical_affine) = canonical_view(frame, &volume.affine);
    let sizes = canonical_affine
        .voxel_size()
        .map(|s| if s.is_finite() && s > 0.0 { s } else { 1.0 });
    let (a, b, c) = data.dim();
    let extent = [
        a as f64 * sizes[0],
        b as f64 * sizes[1],
        c as f64 * sizes[2],
    ];
    let longest = extent.iter().copied().fold(0.0, f64::max);
    let mut pixel = sizes.iter().copied().fold(f64::INFINITY, f64::min);
    if opts.min_size > 0 {
        pixel = pixel.min(longest / opts.min_size as f64);
    }
    pixel = pixel.max(longest / MAX_SIDE);
    let window = match opts.enhance {
        Enhance::None => {
            let (lo, hi) = frame
                .iter()
                .filter(|v| v.is_finite())
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                });
            if lo <= hi { (lo, hi) } else { (0.0, 0.0) }
        }
        _ => robust_range(frame, opts.percentiles[0], opts.percentiles[1]).unwrap_or((0.0, 0.0)),
    };
    // An image of zeros is black (a constant nonzero image is white).
    let window = if window == (0.0, 0.0) {
        (0.0, 1.0)
    } else {
        window
    };
    Ok(Scene {
        data,
        sizes,
        centre: orientation.canonical_index(shape, ijk),
        pixel,
        window,
    })
}

/// Source positions (fractional indices, clamped) of the display pixels
/// along one axis of `n` samples `size` mm apart; reversed when `flip`.
fn positions(n: usize, size: f64, pixel: f64, flip: bool) -> Vec<f64> {
    let len = ((n as f64 * size / pixel).round() as usize).max(1);
    (0..len)
        .map(|p| {
            let p = if flip { len - 1 - p } else { p };
            let mm = (p as f64 + 0.5) * pixel;
            (mm / size - 0.5).clamp(0.0, n.saturating_sub(1) as f64)
        })
        .collect()
}

/// The 2-D slice of `data` for `plane` (axes: horizontal, vertical) and the
/// display grid positions (columns, rows: top row first).
fn slice_grid<'v, T>(
    data: ArrayView3<'v, T>,
    scene: &Scene<'_>,
    plane: Plane,
) -> (ArrayView2<'v, T>, Vec<f64>, Vec<f64>) {
    let (fixed, u, v) = plane.axes();
    let slice = data.index_axis_move(Axis(fixed), scene.centre[fixed]);
    let (nu, nv) = slice.dim();
    let cols = positions(nu, scene.sizes[u], scene.pixel, false);
    let rows = positions(nv, scene.sizes[v], scene.pixel, true);
    (slice, cols, rows)
}

/// The gray view of one plane, enhanced, without letters.
fn plane_pixels(scene: &Scene<'_>, plane: Plane, opts: &ViewOptions) -> Result<Image> {
    let (slice, cols, rows) = slice_grid(scene.data, scene, plane);
    let (w, h) = (cols.len(), rows.len());
    let mut pixels = Vec::with_capacity(w * h);
    let split = |p: f64| {
        let i0 = p.floor() as usize;
        (i0, (i0 + 1).min(p.ceil() as usize), (p - i0 as f64) as f32)
    };
    let cols: Vec<_> = cols.into_iter().map(split).collect();
    for &r in &rows {
        let (v0, v1, fv) = split(r);
        for &(u0, u1, fu) in &cols {
            let top = slice[[u0, v1]] * (1.0 - fu) + slice[[u1, v1]] * fu;
            let bottom = slice[[u0, v0]] * (1.0 - fu) + slice[[u1, v0]] * fu;
            let value = bottom * (1.0 - fv) + top * fv;
            pixels.push(apply_window(value, scene.window.0, scene.window.1));
        }
    }
    let pixels = match opts.enhance {
        Enhance::None | Enhance::Percentile => pixels,
        Enhance::Equalize => equalize(&pixels),
        Enhance::Clahe { clip, tiles } => clahe(&pixels, w, h, clip, tiles)?,
    };
    Image::gray(w, h, pixels)
}

fn finish(mut image: Image, plane: Plane, opts: &ViewOptions) -> Image {
    if opts.labels {
        draw_letters(&mut image, plane.letters());
    }
    image
}

/// One plane through the chosen voxel, as a gray image.
pub fn render_plane(volume: &Volume, plane: Plane, opts: &ViewOptions) -> Result<Image> {
    let scene = scene(volume, opts)?;
    Ok(finish(plane_pixels(&scene, plane, opts)?, plane, opts))
}

/// Axial, coronal and sagittal views side by side (in that order, 6-pixel
/// black gaps, vertically centred), as a gray image.
pub fn render_montage(volume: &Volume, opts: &ViewOptions) -> Result<Image> {
    let scene = scene(volume, opts)?;
    let views = Plane::ALL
        .iter()
        .map(|&p| Ok(finish(plane_pixels(&scene, p, opts)?, p, opts)))
        .collect::<Result<Vec<_>>>()?;
    Ok(hstack(&views))
}

/// Original beside enhanced: the montage with the percentile window on
/// top, and with `opts.enhance` below, as a gray image.
pub fn render_comparison(volume: &Volume, opts: &ViewOptions) -> Result<Image> {
    let top = render_montage(volume, &opts.clone().with_enhance(Enhance::Percentile))?;
    let bottom = render_montage(volume, opts)?;
    let mut out = Image::new(
        top.width.max(bottom.width),
        top.height + GAP + bottom.height,
        1,
    );
    out.blit(&top, 0, 0);
    out.blit(&bottom, 0, top.height + GAP);
    Ok(out)
}

/// The montage in RGB with `mask` (same voxel grid as the volume, `true`
/// inside) drawn over it: filled and/or outlined in `style.color`.
pub fn render_montage_with_overlay(
    volume: &Volume,
    mask: ArrayView3<'_, bool>,
    style: OverlayStyle,
    opts: &ViewOptions,
) -> Result<Image> {
    let shape = volume.shape3();
    let (a, b, c) = mask.dim();
    if [a, b, c] != shape {
        return Err(Error::InvalidArgument(format!(
            "mask of {:?} voxels over an image of {shape:?}",
            [a, b, c]
        )));
    }
    let scene = scene(volume, opts)?;
    let (mask, _) = canonical_view(mask, &volume.affine);
    let alpha = style.fill.clamp(0.0, 1.0);
    let mut views = Vec::with_capacity(3);
    for plane in Plane::ALL {
        let mut image = plane_pixels(&scene, plane, opts)?.to_rgb();
        let (slice, cols, rows) = slice_grid(mask, &scene, plane);
        let (w, h) = (cols.len(), rows.len());
        let inside: Vec<bool> = rows
            .iter()
            .flat_map(|&r| {
                cols.iter()
                    .map(move |&c| (c.round() as usize, r.round() as usize))
            })
            .map(|(u, v)| slice[[u, v]])
            .collect();
        for y in 0..h {
            for x in 0..w {
                if !inside[y * w + x] {
                    continue;
                }
                let edge = x == 0
                    || y == 0
                    || x + 1 == w
                    || y + 1 == h
                    || !inside[y * w + x - 1]
                    || !inside[y * w + x + 1]
                    || !inside[(y - 1) * w + x]
                    || !inside[(y + 1) * w + x];
                let a = if style.outline && edge { 1.0 } else { alpha };
                let px = &mut image.pixels[(y * w + x) * 3..(y * w + x) * 3 + 3];
                for (p, &c) in px.iter_mut().zip(&style.color) {
                    *p = (f32::from(*p) * (1.0 - a) + f32::from(c) * a).round() as u8;
                }
            }
        }
        views.push(finish(image, plane, opts));
    }
    Ok(hstack(&views))
}

/// Images (same channel count) side by side with gaps, vertically centred.
fn hstack(views: &[Image]) -> Image {
    let channels = views.first().map_or(1, |v| v.channels);
    let height = views.iter().map(|v| v.height).max().unwrap_or(1);
    let width = views.iter().map(|v| v.width).sum::<usize>() + GAP * views.len().saturating_sub(1);
    let mut out = Image::new(width.max(1), height, channels);
    let mut x = 0;
    for v in views {
        out.blit(v, x, (height - v.height) / 2);
        x += v.width + GAP;
    }
    out
}

/// 5×7 glyphs of the orientation letters, one byte per row, bit 4 leftmost.
fn glyph(letter: char) -> [u8; 7] {
    match letter {
        'R' => [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
        'A' => [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
        'P' => [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10],
        'S' => [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e],
        'I' => [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e],
        _ => [0; 7],
    }
}

/// Draws left, right, top and bottom letters, white with a black outline:
/// twice the font size on views of at least 160 pixels both ways; left and
/// right letters only where the view is at least 4 letters wide, top and
/// bottom ones only where it is at least 4 letters tall.
fn draw_letters(image: &mut Image, letters: [char; 4]) {
    let (w, h) = (image.width, image.height);
    let scale = if w.min(h) >= 160 { 2 } else { 1 };
    let (gw, gh) = (5 * scale, 7 * scale);
    let sides = w >= 4 * gw && h >= gh + 4;
    let ends = h >= 4 * gh && w >= gw + 4;
    let spots = [
        (sides, 2, h.saturating_sub(gh) / 2),
        (sides, w.saturating_sub(gw + 2), h.saturating_sub(gh) / 2),
        (ends, w.saturating_sub(gw) / 2, 2),
        (ends, w.saturating_sub(gw) / 2, h.saturating_sub(gh + 2)),
    ];
    for (letter, (draw, x0, y0)) in letters.into_iter().zip(spots) {
        if !draw {
            continue;
        }
        let rows = glyph(letter);
        let on = |x: isize, y: isize| {
            x >= 0
                && y >= 0
                && (x as usize) < gw
                && (y as usize) < gh
                && rows[y as usize / scale] & (0x10 >> (x as usize / scale)) != 0
        };
        for y in -1..=gh as isize {
            for x in -1..=gw as isize {
                let shade = if on(x, y) {
                    255
                } else if (-1..=1).any(|dy| (-1..=1).any(|dx| on(x + dx, y + dy))) {
                    0
                } else {
                    continue;
                };
                let (px, py) = (x0 as isize + x, y0 as isize + y);
                if px < 0 || py < 0 || px as usize >= w || py as usize >= h {
                    continue;
                }
                let start = (py as usize * w + px as usize) * image.channels;
                image.pixels[start..start + image.channels].fill(shade);
            }
        }
    }
}

#[cfg(test)]
mod tests;
