//! `view` and `convert`, and the reading of NIfTI files and DICOM series
//! into volumes that `skull-strip` shares with them.

use std::path::Path;

use anyhow::{Context, Result, bail};
use medanon::nifti::{
    Enhance, Image, NiftiImage, NiftiVersion, OverlayStyle, Plane, SeriesOptions, SeriesVolume,
    ViewOptions, Volume, WriteOptions, read_volume, render_comparison, render_montage,
    render_montage_with_overlay, render_plane, series_to_volume_with, write_volume_with,
};
use ndarray::{Array3, ArrayView3};

use crate::cli::{EnhanceArg, PlaneArg, ViewArgs};

/// Whether `path` names a NIfTI file (by its name).
pub fn is_nifti_name(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".nii") || name.ends_with(".nii.gz") || name.ends_with(".hdr")
}

/// Fails unless `path` is named like a NIfTI file medanon can write
/// (`.nii` or `.nii.gz`).
pub fn check_nifti_output_name(path: &Path) -> Result<()> {
    if !is_nifti_name(path)
        || path
            .to_string_lossy()
            .to_ascii_lowercase()
            .ends_with(".hdr")
    {
        bail!(
            "{}: the output must be named .nii or .nii.gz",
            path.display()
        );
    }
    Ok(())
}

/// Whether `input` is read as a NIfTI file (else as a DICOM series).
pub fn is_nifti_input(input: &Path) -> bool {
    input.is_file() && is_nifti_name(input)
}

/// A volume as read, with what is needed to write a result back the same way.
pub enum Loaded {
    /// A NIfTI image with its header and extensions.
    Nifti(Box<NiftiImage>),
    /// A DICOM series with its template.
    Series(Box<SeriesVolume>),
}

impl Loaded {
    /// The volume alone.
    pub fn into_volume(self) -> Volume {
        match self {
            Loaded::Nifti(image) => image.volume,
            Loaded::Series(series) => series.volume,
        }
    }
}

/// Reads a NIfTI file, or a DICOM series (a directory or a file; `series`
/// picks one when the directory holds several).
pub fn load(input: &Path, series: Option<&str>) -> Result<Loaded> {
    if is_nifti_input(input) {
        return Ok(Loaded::Nifti(Box::new(read_volume(input)?)));
    }
    let mut options = SeriesOptions::default();
    if let Some(uid) = series {
        options = options.series_uid(uid);
    }
    let loaded = series_to_volume_with(&[input.to_owned()], &options)
        .with_context(|| format!("cannot read a volume from {}", input.display()))?;
    Ok(Loaded::Series(Box::new(loaded)))
}

/// `medanon view`.
pub fn view(args: &ViewArgs) -> Result<()> {
    if !args.force && args.out.exists() {
        bail!(
            "{} already exists (use --force to replace it)",
            args.out.display()
        );
    }
    if args.overlay.is_some() && args.plane != PlaneArg::All {
        bail!("--overlay draws the three planes: it does not go with a single --plane");
    }
    let volume = load(&args.input, None)?.into_volume();
    let mask = match &args.overlay {
        Some(path) => Some(read_mask(path, volume.shape3())?),
        None => None,
    };
    let enhance = match args.enhance {
        EnhanceArg::None | EnhanceArg::Percentile => Enhance::Percentile,
        EnhanceArg::Equalize => Enhance::Equalize,
        EnhanceArg::Clahe => Enhance::CLAHE,
    };
    let mut options = ViewOptions::default()
        .with_enhance(enhance)
        .with_frame(args.frame);
    if let Some(slice) = args.slice {
        options = options.with_slice(slice);
    } else if let Some(mask) = &mask {
        match centroid(mask.view()) {
            Some(voxel) => options = options.with_slice(voxel),
            None => eprintln!("medanon: the mask is empty: nothing to draw over the image"),
        }
    }
    let plane = match args.plane {
        PlaneArg::All => None,
        PlaneArg::Axial => Some(Plane::Axial),
        PlaneArg::Coronal => Some(Plane::Coronal),
        PlaneArg::Sagittal => Some(Plane::Sagittal),
    };
    let compare = !args.no_original && args.enhance != EnhanceArg::None;
    let image = match (&mask, plane, compare) {
        (Some(mask), _, true) => {
            // As `render_comparison`: the percentile window above, enhanced below.
            let style = OverlayStyle::default();
            let plain = options.clone().with_enhance(Enhance::Percentile);
            let top = render_montage_with_overlay(&volume, mask.view(), style, &plain)?;
            let bottom = render_montage_with_overlay(&volume, mask.view(), style, &options)?;
            stack(&top, &bottom)
        }
        (Some(mask), _, false) => {
            render_montage_with_overlay(&volume, mask.view(), OverlayStyle::default(), &options)?
        }
        (None, Some(plane), _) => render_plane(&volume, plane, &options)?,
        (None, None, true) => render_comparison(&volume, &options)?,
        (None, None, false) => render_montage(&volume, &options)?,
    };
    image.write_png(&args.out)?;
    let [i, j, k] = volume.shape3();
    eprintln!(
        "medanon: wrote {} ({}×{} px) from a {i}×{j}×{k} volume",
        args.out.display(),
        image.width,
        image.height
    );
    Ok(())
}

/// Reads `view --overlay`'s mask: a 3-D NIfTI image of `shape` voxels,
/// inside where above 0.5.
fn read_mask(path: &Path, shape: [usize; 3]) -> Result<Array3<bool>> {
    let volume = read_volume(path).context("--overlay")?.volume;
    let volumes = volume.time_points();
    let frame = match volume.frame(0) {
        Some(frame) if volumes == 1 => frame,
        _ => bail!(
            "the mask {} holds {volumes} volumes: it must be 3-D",
            path.display()
        ),
    };
    let [a, b, c] = volume.shape3();
    let [i, j, k] = shape;
    if [a, b, c] != shape {
        bail!(
            "the mask {} is {a}×{b}×{c} voxels, the image {i}×{j}×{k}: they must match",
            path.display()
        );
    }
    Ok(frame.mapv(|v| v > 0.5))
}

/// The voxel nearest the centroid of the inside of `mask`; `None` if empty.
fn centroid(mask: ArrayView3<'_, bool>) -> Option<[usize; 3]> {
    let mut sum = [0.0f64; 3];
    let mut count = 0u64;
    for ((i, j, k), _) in mask.indexed_iter().filter(|&(_, &inside)| inside) {
        sum[0] += i as f64;
        sum[1] += j as f64;
        sum[2] += k as f64;
        count += 1;
    }
    let (a, b, c) = mask.dim();
    let last = [a, b, c].map(|n| n.saturating_sub(1));
    (count > 0).then(|| {
        [0, 1, 2].map(|axis| ((sum[axis] / count as f64).round() as usize).min(last[axis]))
    })
}

/// `top` above `bottom` (the same channels), 6 black rows apart, as
/// `render_comparison` lays out its two montages.
fn stack(top: &Image, bottom: &Image) -> Image {
    const GAP: usize = 6;
    let channels = top.channels;
    let width = top.width.max(bottom.width);
    let mut out = Image::new(width, top.height + GAP + bottom.height, channels);
    for (image, y0) in [(top, 0), (bottom, top.height + GAP)] {
        let stride = image.width * channels;
        for (row, src) in image.pixels.chunks_exact(stride).enumerate() {
            let start = (y0 + row) * width * channels;
            out.pixels[start..start + stride].copy_from_slice(src);
        }
    }
    out
}

/// `medanon convert`.
pub fn convert(
    input: &Path,
    out: &Path,
    nifti2: bool,
    series: Option<String>,
    force: bool,
) -> Result<()> {
    check_nifti_output_name(out)?;
    let volume = load(input, series.as_deref())?.into_volume();
    let image = NiftiImage::new(volume);
    let version = if nifti2 {
        NiftiVersion::Nifti2
    } else {
        NiftiVersion::Nifti1
    };
    write_volume_with(
        out,
        &image,
        &WriteOptions {
            version,
            overwrite: force,
        },
    )?;
    let [i, j, k] = image.volume.shape3();
    let [x, y, z] = image.volume.voxel_size();
    eprintln!(
        "medanon: wrote {} ({i}×{j}×{k} voxels of {x:.3}×{y:.3}×{z:.3} mm)",
        out.display()
    );
    Ok(())
}
