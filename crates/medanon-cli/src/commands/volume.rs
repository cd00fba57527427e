//! `view` and `convert`: volumes from NIfTI files and DICOM series.

use std::path::Path;

use anyhow::{Context, Result, bail};
use medanon::nifti::{
    Enhance, NiftiImage, NiftiVersion, Plane, SeriesOptions, ViewOptions, Volume, WriteOptions,
    read_volume, render_comparison, render_montage, render_plane, series_to_volume_with,
    write_volume_with,
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

/// The volume of a NIfTI file, or of a DICOM series (a directory or a file).
fn load_volume(input: &Path, series: Option<String>) -> Result<Volume> {
    if input.is_file() && is_nifti_name(input) {
        return Ok(read_volume(input)?.volume);
    }
    let mut options = SeriesOptions::default();
    if let Some(uid) = series {
        options = options.series_uid(uid);
    }
    let loaded = series_to_volume_with(&[input.to_owned()], &options)
        .with_context(|| format!("cannot read a volume from {}", input.display()))?;
    Ok(loaded.volume)
}

/// `medanon view`.
pub fn view(args: &ViewArgs) -> Result<()> {
    if !args.force && args.out.exists() {
        bail!(
            "{} already exists (use --force to replace it)",
            args.out.display()
        );
    }
    let volume = load_volume(&args.input, None)?;
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
    if !is_nifti_name(out) || out.to_string_lossy().to_ascii_lowercase().ends_with(".hdr") {
        bail!(
            "{}: the output must be named .nii or .nii.gz",
            out.display()
        );
    }
    let volume = load_volume(input, series)?;
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
