//! `skull-strip`: brain extraction (BET) of a NIfTI image or a DICOM series.
//!
//! Every output is first written under a temporary name in a hidden
//! directory beside its final place, and moved into place only once the
//! extraction and every write have succeeded; when one move fails, those
//! already made are undone. So a failed run leaves no output, and an
//! existing output is replaced only with `--overwrite`.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, anyhow, bail};
use medanon::bet::{BetOutput, BetParams, Image, extract};
use medanon::nifti::{
    Affine, DeriveOptions, NiftiHeader, NiftiImage, NiftiVersion, SeriesOptions, StoredType,
    Volume, WriteOptions, list_series, volume_to_series, write_series, write_volume_with,
};
use ndarray::{Array3, Axis};

use super::volume::{Loaded, check_nifti_output_name, is_nifti_input, is_nifti_name, load};
use crate::cli::SkullStripArgs;

/// `medanon skull-strip`.
pub fn skull_strip(args: &SkullStripArgs) -> Result<()> {
    let start = Instant::now();
    let params = BetParams::default()
        .fractional_threshold(args.fractional_threshold)
        .vertical_gradient(args.vertical_gradient)
        .robust_centre(args.robust)
        .skull(args.skull.is_some());
    params.validate()?;
    let input = &args.input;
    fs::metadata(input).with_context(|| format!("cannot read {}", input.display()))?;
    let nifti_in = is_nifti_input(input);
    let nifti_out = nifti_in || is_nifti_name(&args.out);
    if nifti_out {
        check_nifti_output_name(&args.out)?;
    }
    for path in [&args.mask, &args.skull].into_iter().flatten() {
        check_nifti_output_name(path)?;
    }
    let targets: Vec<(&Path, bool)> = [Some((args.out.as_path(), !nifti_out))]
        .into_iter()
        .chain([&args.mask, &args.skull, &args.mesh].map(|p| p.as_deref().map(|p| (p, false))))
        .flatten()
        .collect();
    check_targets(input, &targets, args.overwrite)?;

    let loaded = load(input, args.series.as_deref()).map_err(|e| {
        if !nifti_in && is_single_image(input) {
            anyhow!(
                "{} is a single 2-D image; skull stripping needs a 3-D volume (a series \
                 directory or a multi-frame file)",
                input.display()
            )
        } else {
            e
        }
    })?;
    let (volume, header) = match &loaded {
        Loaded::Nifti(image) => (&image.volume, Some(&image.header)),
        Loaded::Series(series) => (&series.volume, None),
    };
    let found = brain(input, volume, &params)?;
    let affine = volume.affine;
    let mask_header = header.cloned();

    // Everything is written under temporary names first.
    let mut staging = Staging::default();
    let out = staging.stage(&args.out)?;
    match loaded {
        Loaded::Nifti(mut image) => {
            strip(&found, &mut image.volume)?;
            let version = image.header.version;
            write_nifti(&out, &image, version)?;
        }
        Loaded::Series(series) => {
            let mut volume = series.volume;
            strip(&found, &mut volume)?;
            if nifti_out {
                write_nifti(&out, &NiftiImage::new(volume), NiftiVersion::Nifti1)?;
            } else {
                let options = DeriveOptions::default()
                    .derivation_description(format!(
                        "brain extracted by medanon skull-strip (BET, f {}, g {})",
                        args.fractional_threshold, args.vertical_gradient
                    ))
                    .series_description_suffix(" brain");
                let objects = volume_to_series(&volume, &series.template, &options)?;
                write_series(&objects, &out, false)?;
            }
        }
    }
    if let Some(path) = &args.mask {
        let image = mask_image(&found.mask, affine, mask_header.as_ref());
        write_nifti(&staging.stage(path)?, &image, image.header.version)?;
    }
    if let (Some(path), Some(skull)) = (&args.skull, &found.skull) {
        let image = mask_image(skull, affine, mask_header.as_ref());
        write_nifti(&staging.stage(path)?, &image, image.header.version)?;
    }
    if let Some(path) = &args.mesh {
        let staged = staging.stage(path)?;
        let write = || -> std::io::Result<()> {
            let mut writer = BufWriter::new(fs::File::create_new(&staged)?);
            found.mesh.write_off(&mut writer)?;
            writer.flush()
        };
        write().with_context(|| format!("cannot write {}", path.display()))?;
    }
    staging.commit()?;

    if found.self_intersecting {
        eprintln!("medanon: warning: the brain surface still intersects itself; check the result");
    }
    eprintln!(
        "medanon: wrote {}: brain {:.1} ml, {:.1} s",
        args.out.display(),
        found.brain_volume_ml(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Runs the extraction on the volume's only 3-D image.
fn brain(input: &Path, volume: &Volume, params: &BetParams) -> Result<BetOutput> {
    let volumes = volume.time_points();
    if volumes > 1 {
        bail!(
            "{} is a 4-D image of {volumes} volumes; skull stripping takes one 3-D volume: \
             extract one first (for example with fslroi IN OUT 0 1)",
            input.display()
        );
    }
    if volume.shape3().contains(&1) {
        bail!(
            "{} is a single 2-D image; skull stripping needs a 3-D volume",
            input.display()
        );
    }
    let failed = || format!("cannot extract the brain from {}", input.display());
    let frame = volume.frame(0).with_context(failed)?;
    let image = Image::new(frame, volume.affine.0).with_context(failed)?;
    extract(&image, params).with_context(failed)
}

/// Whether `input` holds one DICOM series of a single 2-D image.
fn is_single_image(input: &Path) -> bool {
    list_series(&[input], &SeriesOptions::default())
        .is_ok_and(|list| matches!(list.as_slice(), [one] if one.frames == 1))
}

/// Sets the voxels of the volume's (only) 3-D image outside the brain to 0.
fn strip(found: &BetOutput, volume: &mut Volume) -> Result<()> {
    found.apply(volume.data.index_axis_mut(Axis(3), 0))?;
    Ok(())
}

/// The mask as an 8-bit 0/1 NIfTI image with `affine`, and with the
/// geometry fields (qform, sform, units) of `like` when the input was NIfTI.
fn mask_image(mask: &Array3<bool>, affine: Affine, like: Option<&NiftiHeader>) -> NiftiImage {
    let mut volume = Volume::from_3d(mask.mapv(|m| f32::from(u8::from(m))), affine);
    volume.stored = StoredType::U8;
    let mut image = NiftiImage::new(volume);
    let header = &mut image.header;
    if let Some(like) = like {
        header.version = like.version;
        header.qform_code = like.qform_code;
        header.sform_code = like.sform_code;
        header.quatern = like.quatern;
        header.qoffset = like.qoffset;
        header.srow = like.srow;
        header.pixdim[..4].copy_from_slice(&like.pixdim[..4]);
        header.xyzt_units = like.xyzt_units;
    }
    header.cal_max = 1.0;
    image
}

/// Writes `image` to the staged path `path`.
fn write_nifti(path: &Path, image: &NiftiImage, version: NiftiVersion) -> Result<()> {
    let options = WriteOptions {
        version,
        overwrite: false,
    };
    write_volume_with(path, image, &options)?;
    Ok(())
}

/// Checks the outputs (`(path, is a DICOM series directory)`) before any
/// work: named once each, none the input, none existing unless
/// `overwrite` (an empty directory may take a series).
fn check_targets(input: &Path, targets: &[(&Path, bool)], overwrite: bool) -> Result<()> {
    let input = fs::canonicalize(input).unwrap_or_else(|_| input.to_owned());
    let mut seen = Vec::new();
    for &(path, dir) in targets {
        let resolved = resolved(path)?;
        if resolved == input {
            bail!("{} is the input: outputs never replace it", path.display());
        }
        if dir && input.starts_with(&resolved) {
            bail!(
                "{} holds the input: outputs never replace it",
                path.display()
            );
        }
        if seen.contains(&resolved) {
            bail!("{} is named for two outputs", path.display());
        }
        seen.push(resolved);
        check_target(path, dir, overwrite)?;
    }
    Ok(())
}

/// `path` with its directory made absolute and links in it resolved.
fn resolved(path: &Path) -> Result<PathBuf> {
    let name = path
        .file_name()
        .with_context(|| format!("{}: not a file name", path.display()))?;
    let parent = parent_dir(path);
    let parent = fs::canonicalize(&parent)
        .with_context(|| format!("cannot write in {}", parent.display()))?;
    Ok(parent.join(name))
}

/// The directory `path` is in.
fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Fails if the output `path` exists and may not be replaced. A series
/// directory may replace an empty directory, or with `overwrite` one that
/// holds only `.dcm` files (an earlier result); a file may replace a file
/// with `overwrite`.
fn check_target(path: &Path, dir: bool, overwrite: bool) -> Result<()> {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return Ok(());
    };
    if !dir {
        if meta.is_dir() {
            bail!("{} is a directory", path.display());
        }
        if !overwrite {
            bail!(
                "{} already exists (use --overwrite to replace it)",
                path.display()
            );
        }
        return Ok(());
    }
    if !meta.is_dir() {
        bail!(
            "{} exists and is not a directory (the output of a DICOM series is a directory)",
            path.display()
        );
    }
    let entries: Vec<fs::DirEntry> = fs::read_dir(path)
        .and_then(Iterator::collect)
        .with_context(|| format!("cannot read {}", path.display()))?;
    if entries.is_empty() {
        return Ok(());
    }
    if !overwrite {
        bail!(
            "{} already exists and is not empty (use --overwrite to replace it)",
            path.display()
        );
    }
    let series_only = entries.iter().all(|e| {
        e.file_type().is_ok_and(|t| t.is_file())
            && e.file_name().to_string_lossy().ends_with(".dcm")
    });
    if !series_only {
        bail!(
            "{} holds more than DICOM files (.dcm): not replacing it",
            path.display()
        );
    }
    Ok(())
}

/// Outputs written under temporary names, then moved into place together.
#[derive(Default)]
struct Staging {
    /// One hidden directory beside each output, holding `new/<name>` (the
    /// output) and later `old` (what it replaced). Removed on drop with
    /// whatever is left in it.
    moves: Vec<Move>,
}

/// A new hidden directory beside an output, removed with its contents
/// when dropped.
struct HiddenDir(PathBuf);

impl HiddenDir {
    fn new_in(parent: &Path) -> std::io::Result<HiddenDir> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let mut attempt = 0u32;
        loop {
            let path = parent.join(format!(
                ".medanon-skull-strip-{}-{stamp:x}-{attempt}",
                std::process::id()
            ));
            match fs::create_dir(&path) {
                Ok(()) => return Ok(HiddenDir(path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 1000 => {
                    attempt += 1
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for HiddenDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// One staged output.
struct Move {
    /// Its hidden directory.
    dir: HiddenDir,
    /// `dir/new/<name>`.
    staged: PathBuf,
    /// Where it goes.
    target: PathBuf,
}

/// An output moved into place, and where what it replaced went.
struct Placed {
    target: PathBuf,
    previous: Option<PathBuf>,
}

impl Staging {
    /// The temporary path to write the output that goes to `target`.
    fn stage(&mut self, target: &Path) -> Result<PathBuf> {
        let parent = parent_dir(target);
        let dir = HiddenDir::new_in(&parent)
            .with_context(|| format!("cannot write in {}", parent.display()))?;
        let new = dir.path().join("new");
        fs::create_dir(&new).with_context(|| format!("cannot write in {}", parent.display()))?;
        let name = target
            .file_name()
            .with_context(|| format!("{}: not a file name", target.display()))?;
        let staged = new.join(name);
        self.moves.push(Move {
            dir,
            staged: staged.clone(),
            target: target.to_owned(),
        });
        Ok(staged)
    }

    /// Moves every output into place, or none.
    fn commit(self) -> Result<()> {
        let mut placed = Vec::with_capacity(self.moves.len());
        for Move {
            dir,
            staged,
            target,
        } in &self.moves
        {
            match place(staged, target, &dir.path().join("old")) {
                Ok(done) => placed.push(done),
                Err(e) => {
                    for done in placed.iter().rev() {
                        undo(done);
                    }
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

/// Moves `staged` to `target`, moving an existing `target` (checked by
/// [`check_target`]) to `old` first.
fn place(staged: &Path, target: &Path, old: &Path) -> Result<Placed> {
    let is_dir = staged.is_dir();
    let fail = |e: std::io::Error| anyhow!("cannot write {}: {e}", target.display());
    let previous = if fs::symlink_metadata(target).is_ok() {
        fs::rename(target, old).map_err(fail)?;
        Some(old.to_owned())
    } else {
        None
    };
    let moved = if is_dir {
        // Fails on anything but an empty directory created meanwhile.
        fs::rename(staged, target)
    } else {
        move_no_replace(staged, target)
    };
    let placed = Placed {
        target: target.to_owned(),
        previous,
    };
    match moved {
        Ok(()) => Ok(placed),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            restore(&placed);
            bail!(
                "{} was created meanwhile: not replacing it",
                target.display()
            )
        }
        Err(e) => {
            restore(&placed);
            Err(fail(e))
        }
    }
}

/// Moves a file without replacing one that exists (a hard link fails if
/// `to` exists).
fn move_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    match fs::hard_link(from, to) {
        Ok(()) => fs::remove_file(from),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        // File systems without hard links.
        Err(_) if fs::symlink_metadata(to).is_ok() => Err(std::io::ErrorKind::AlreadyExists.into()),
        Err(_) => fs::rename(from, to),
    }
}

/// Removes an output placed by this run and puts back what it replaced.
fn undo(placed: &Placed) {
    let _ = if placed.target.is_dir() {
        fs::remove_dir_all(&placed.target)
    } else {
        fs::remove_file(&placed.target)
    };
    restore(placed);
}

/// Puts back what `placed` replaced.
fn restore(placed: &Placed) {
    if let Some(previous) = &placed.previous {
        let _ = fs::rename(previous, &placed.target);
    }
}
