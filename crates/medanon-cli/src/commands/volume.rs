//! `view` and `convert`, and the reading of NIfTI files and DICOM series
//! into volumes that `skull-strip` shares with them.

use std::path::Path;

use anyhow::{Context, Result, bail};
use medanon::nifti::{
    Enhance, NiftiImage, NiftiVersion, Plane, SeriesOptions, SeriesVolume, ViewOptions, Volume,
    WriteOptions, read_volume, render_comparison, render_montage, render_plane,
    series_to_volume_with, write_volume_with,
};

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
    let volume = load(&args.input, None)?.into_volume();
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
    }
    let plane = match args.plane {
        PlaneArg::All => None,
        PlaneArg::Axial => Some(Plane::Axial),
        PlaneArg::Coronal => Some(Plane::Coronal),
        PlaneArg::Sagittal => Some(Plane::Sagittal),
    };
    let compare = !args.no_original && args.enhance != EnhanceArg::None;
    let image = match (plane, compare) {
        (Some(plane), _) => render_plane(&volume, plane, &options)?,
        (None, true) => render_comparison(&volume, &options)?,
        (None, false) => render_montage(&volume, &options)?,
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
