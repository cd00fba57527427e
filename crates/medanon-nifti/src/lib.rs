//! NIfTI-1 and NIfTI-2 volumes for medanon: reading and writing, header
//! anonymization, orthogonal views with contrast enhancement, and DICOM
//! series to volume and back.
//!
//! | Task | Items |
//! |---|---|
//! | Read and write `.nii`, `.nii.gz`, `.hdr`/`.img`, NIfTI-1 and NIfTI-2, every datatype, scaling applied | [`read_volume`], [`write_volume`], [`NiftiImage`] |
//! | The image in memory: `f32` voxels and the voxel-to-world affine (mm, RAS+) | [`Volume`], [`Affine`] |
//! | Clear or pseudonymize header text, drop extensions (DICOM, AFNI, ...), clean BIDS sidecars | [`anonymize_header`], [`anonymize_file`], [`clean_sidecar`] |
//! | Axial, coronal and sagittal views in anatomical orientation, windowing, equalization, CLAHE, PNG | [`render_montage`], [`render_comparison`], [`render_plane`], [`Image`] |
//! | Orientation codes and closest canonical (RAS) reordering | [`Orientation`], [`axis_codes`], [`to_canonical`] |
//! | A DICOM series (or multi-frame file) to a volume, and a volume back to a derived series | [`series_to_volume`], [`volume_to_series`], [`write_series`] |
//!
//! The reader is medanon's own (the `nifti` crate reads NIfTI-1 only, and
//! hostile headers must give typed errors, not huge allocations or panics);
//! the tests cross-check it against the `nifti` crate and, when installed,
//! nibabel. Views follow the neurological convention: the patient's right
//! on the image's right, anterior (axial) or superior (coronal, sagittal) at
//! the top, anterior on the right in sagittal views.
//!
//! ```no_run
//! use medanon_nifti::{ViewOptions, read_volume, render_comparison};
//!
//! let image = read_volume("head.nii.gz")?;
//! println!("{:?} voxels of {:?} mm", image.volume.shape3(), image.volume.voxel_size());
//! render_comparison(&image.volume, &ViewOptions::default())?.write_png("head.png")?;
//! # Ok::<(), medanon_nifti::Error>(())
//! ```

mod dicom;
mod enhance;
mod error;
mod header;
mod io;
mod orient;
mod png;
mod sidecar;
mod view;
mod volume;

// The public interface is:
pub use crate::dicom::{
    DeriveOptions, SeriesInfo, SeriesOptions, SeriesVolume, SourceSlice, TemplateSeries,
    list_series, series_from_objects, series_to_volume, series_to_volume_with, volume_to_series,
    write_series,
};
pub use crate::error::{Error, Result};
pub use crate::header::{
    AnonymizeReport, DangerousHeaderPolicy, ExtensionReport, FilePolicy, FileReport, HeaderPolicy,
    TEXT_PSEUDONYM_PURPOSE, TextAction, TextFieldReport, anonymize_file, anonymize_header,
};
pub use crate::io::{
    Extension, NiftiHeader, NiftiImage, NiftiVersion, ReadOptions, TextField, WriteOptions,
    XFORM_ALIGNED, extension_code_name, read_volume, read_volume_with, write_volume,
    write_volume_with,
};
pub use crate::sidecar::{
    DangerousSidecarPolicy, RemovalReason, RemovedKey, SidecarPolicy, SidecarReport, clean_sidecar,
    clean_sidecar_file, clean_sidecar_value, sidecar_path,
};
pub use crate::volume::{Affine, StoredType, Volume};

pub use crate::enhance::{apply_window, clahe, equalize, robust_range};
pub use crate::orient::{
    AxisOrientation, Orientation, axis_codes, canonical_view, to_canonical, volume_to_canonical,
};
pub use crate::png::Image;
pub use crate::view::{
    Enhance, OverlayStyle, Plane, ViewOptions, render_comparison, render_montage,
    render_montage_with_overlay, render_plane,
};
