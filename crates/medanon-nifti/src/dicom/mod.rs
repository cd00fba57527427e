//! DICOM series to [`Volume`] and back.
//!
//! [`series_to_volume`] reads a directory or a list of files (or one
//! multi-frame file), keeps one series, orders its images along the slice
//! normal, checks that they form one regular stack and decodes the pixel
//! data into modality values (Rescale Slope and Intercept applied). It
//! returns the volume and a [`TemplateSeries`]: the source instances per
//! slice and their headers. [`volume_to_series`] turns a volume of the same
//! geometry (a skull-stripped brain, say) back into a derived series: one
//! object per source object, new UIDs, `DERIVED` image type, a Source Image
//! Sequence pointing at the originals; [`write_series`] writes it.
//!
//! The affine maps voxel `(i, j, k)` to NIfTI RAS+ millimetres: `i` runs
//! along a row (the column index), `j` down a column (the row index), `k`
//! along the normal (row cosines × column cosines) with the spacing measured
//! from the positions; DICOM's LPS+ x and y are negated.
//!
//! ```no_run
//! use medanon_nifti::{DeriveOptions, series_to_volume, volume_to_series, write_series};
//!
//! let series = series_to_volume(&["/data/ct_head"])?;
//! let mut volume = series.volume.clone();
//! volume.data.mapv_inplace(|v| v.max(0.0)); // some processing
//! let derived = volume_to_series(&volume, &series.template, &DeriveOptions::default())?;
//! write_series(&derived, "/data/ct_head_derived".as_ref(), false)?;
//! # Ok::<(), medanon_nifti::Error>(())
//! ```

mod attr;
mod derive;
mod geometry;
mod pixels;
mod read;

use std::path::{Path, PathBuf};

use dicom_object::InMemDicomObject;

use crate::volume::{Affine, Volume};

pub use self::derive::{DeriveOptions, volume_to_series, write_series};
pub use self::read::{list_series, series_from_objects, series_to_volume, series_to_volume_with};

/// How [`series_to_volume_with`] finds and checks the images.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SeriesOptions {
    /// Read directories recursively (default: only the files directly in
    /// a directory given as input).
    pub recursive: bool,
    /// Keep only the series with this Series Instance UID (default: the
    /// input must hold exactly one series; see [`list_series`]).
    pub series_uid: Option<String>,
    /// How far one slice gap may differ from the median gap, relative to
    /// it (default 0.05: 5 %). Positions closer than this fraction of the
    /// median gap are duplicates.
    pub spacing_tolerance: f64,
    /// Largest file read, in bytes (default 4 GiB).
    pub max_file_bytes: u64,
    /// Largest volume, in voxels, checked before decoding (default 2³⁰,
    /// 4 GiB of `f32`).
    pub max_voxels: u64,
}

impl Default for SeriesOptions {
    fn default() -> Self {
        SeriesOptions {
            recursive: false,
            series_uid: None,
            spacing_tolerance: 0.05,
            max_file_bytes: medanon_tags::Limits::default().max_file_bytes,
            max_voxels: 1 << 30,
        }
    }
}

impl SeriesOptions {
    /// Read directories recursively.
    pub fn recursive(mut self, recursive: bool) -> Self {
        self.recursive = recursive;
        self
    }

    /// Keep only the series with this Series Instance UID.
    pub fn series_uid(mut self, uid: impl Into<String>) -> Self {
        self.series_uid = Some(uid.into());
        self
    }

    /// The relative tolerance on slice gaps.
    pub fn spacing_tolerance(mut self, tolerance: f64) -> Self {
        self.spacing_tolerance = tolerance;
        self
    }
}

/// One series found by [`list_series`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeriesInfo {
    /// Its Series Instance UID (empty when the files have none).
    pub series_instance_uid: String,
    /// How many objects (files) hold images of it.
    pub instances: usize,
    /// How many images (frames) they hold.
    pub frames: usize,
}

/// A volume read from a DICOM series, and what is needed to write a
/// derived series back.
#[derive(Debug, Clone)]
pub struct SeriesVolume {
    /// The voxels (modality values: Hounsfield units for CT) and the affine.
    pub volume: Volume,
    /// The source instances and headers.
    pub template: TemplateSeries,
}

/// The series a volume came from: the source image of each slice and the
/// headers (without pixel data) of the source objects.
#[derive(Debug, Clone)]
pub struct TemplateSeries {
    series_instance_uid: String,
    affine: Affine,
    size: [usize; 3],
    slices: Vec<SourceSlice>,
    sources: Vec<SourceObject>,
}

/// The source of one slice (`k`) of the volume.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SourceSlice {
    /// SOP Instance UID of the object holding the slice.
    pub sop_instance_uid: String,
    /// Its SOP Class UID.
    pub sop_class_uid: String,
    /// The frame (0-based) in a multi-frame object; `None` for a
    /// single-frame object.
    pub frame: Option<usize>,
    /// Image Position (Patient) of the slice: DICOM LPS+ millimetres.
    pub position: [f64; 3],
    /// Which source object (index into the template's objects).
    source: usize,
    /// How the slice's stored values became modality values.
    rescale: pixels::Rescale,
}

/// One source object: its header and its frames' slice indices.
#[derive(Clone)]
struct SourceObject {
    /// The data set without Pixel Data.
    header: InMemDicomObject,
    /// Slice index `k` of each frame, in frame order.
    slices: Vec<usize>,
}

/// Debug output never shows the header's values (they identify the patient).
impl std::fmt::Debug for SourceObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceObject")
            .field("attributes", &self.header.iter().count())
            .field("slices", &self.slices)
            .finish()
    }
}

impl TemplateSeries {
    /// Series Instance UID of the source series.
    pub fn series_instance_uid(&self) -> &str {
        &self.series_instance_uid
    }

    /// The voxel-to-world affine of the series (RAS+).
    pub fn affine(&self) -> &Affine {
        &self.affine
    }

    /// The `[i, j, k]` size: Columns, Rows, slices.
    pub fn shape(&self) -> [usize; 3] {
        self.size
    }

    /// The source of each slice, in `k` order.
    pub fn slices(&self) -> &[SourceSlice] {
        &self.slices
    }

    /// The header (data set without Pixel Data) of the object holding
    /// slice `k`.
    pub fn header(&self, k: usize) -> Option<&InMemDicomObject> {
        let slice = self.slices.get(k)?;
        self.sources.get(slice.source).map(|s| &s.header)
    }

    /// How many source objects (files) the series has.
    pub fn object_count(&self) -> usize {
        self.sources.len()
    }
}

/// An error about the series as a whole.
fn series_error(reason: impl Into<String>) -> crate::Error {
    crate::Error::Series {
        reason: reason.into(),
    }
}

/// The files named by `inputs`: files as given, directories expanded
/// (sorted, hidden entries skipped). The flag says whether the file was
/// named explicitly.
fn collect_files<P: AsRef<Path>>(
    inputs: &[P],
    recursive: bool,
) -> crate::Result<Vec<(PathBuf, bool)>> {
    let mut out = Vec::new();
    for input in inputs {
        let path = input.as_ref();
        let meta = std::fs::metadata(path).map_err(|source| crate::Error::Read {
            path: path.to_owned(),
            source,
        })?;
        if meta.is_dir() {
            walk(path, recursive, &mut out)?;
        } else {
            out.push((path.to_owned(), true));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, recursive: bool, out: &mut Vec<(PathBuf, bool)>) -> crate::Result<()> {
    let read_error = |source| crate::Error::Read {
        path: dir.to_owned(),
        source,
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_error)? {
        let entry = entry.map_err(read_error)?;
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        entries.push(entry.path());
    }
    entries.sort();
    for path in entries {
        // Symbolic links to files are followed; links to directories are
        // not (they could loop).
        let is_link = std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink());
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() && recursive && !is_link => walk(&path, recursive, out)?,
            Ok(meta) if meta.is_file() => out.push((path, false)),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_header_values() {
        let mut header = InMemDicomObject::new_empty();
        attr::put_str(
            &mut header,
            dicom_dictionary_std::tags::PATIENT_NAME,
            dicom_core::VR::PN,
            "DOE^JANE",
        );
        let source = SourceObject {
            header,
            slices: vec![0],
        };
        let text = format!("{source:?}");
        assert!(!text.contains("DOE"), "{text}");
        assert!(text.contains("attributes: 1"), "{text}");
    }

    #[test]
    fn options_builders_set_fields() {
        let options = SeriesOptions::default()
            .recursive(true)
            .series_uid("1.2.3")
            .spacing_tolerance(0.1);
        assert!(options.recursive);
        assert_eq!(options.series_uid.as_deref(), Some("1.2.3"));
        assert_eq!(options.spacing_tolerance, 0.1);
    }

    #[test]
    fn directories_are_listed_sorted_without_hidden_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["b.dcm", "a.dcm", ".hidden"] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::fs::write(dir.path().join("sub/c.dcm"), b"x").unwrap();
        let flat = collect_files(&[dir.path()], false).unwrap();
        let names: Vec<_> = flat
            .iter()
            .map(|(p, _)| p.file_name().unwrap().to_owned())
            .collect();
        assert_eq!(names, ["a.dcm", "b.dcm"]);
        assert!(flat.iter().all(|(_, explicit)| !explicit));
        assert_eq!(collect_files(&[dir.path()], true).unwrap().len(), 3);
        let missing = collect_files(&[dir.path().join("nope")], false).unwrap_err();
        assert!(matches!(missing, crate::Error::Read { .. }));
    }
}
