//! Header anonymization: the free-text fields and the extensions, where a
//! NIfTI file keeps what identifies its subject.
//!
//! Converters put names and paths in `descrip` and `aux_file`; a DICOM
//! extension (code 2) holds a whole DICOM header, names, IDs and dates
//! included; AFNI (4) and XCEDE (8) extensions hold processing history with
//! user names and paths; comments (6) hold anything. The default policy
//! therefore clears every text field and removes every extension. Text can
//! instead be replaced by a keyed pseudonym (the same text gives the same
//! pseudonym with the same key), and fields or extension codes can be kept
//! through [`HeaderPolicy::dangerous`].
//!
//! [`anonymize_file`] does a whole file: header, extensions and the BIDS
//! sidecar beside it, with the voxel bytes copied unchanged.

use std::path::{Path, PathBuf};

use medanon_crypto::{PseudonymFormat, PseudonymKey};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::io::{
    self, Extension, NiftiHeader, NiftiImage, NiftiVersion, ReadOptions, TextField, WriteOptions,
    extension_code_name,
};
use crate::sidecar::{self, SidecarPolicy, SidecarReport};

/// The purpose under which header text is pseudonymized
/// (see [`medanon_crypto::PseudonymKey`]).
pub const TEXT_PSEUDONYM_PURPOSE: &str = "nifti-header-text";

/// What to do with a text field that holds text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextAction {
    /// Zero it (the default).
    #[default]
    Clear,
    /// Replace it with a keyed pseudonym of its text, cut to the field's
    /// size; cleared instead when the policy has no key.
    Pseudonymize,
    /// Leave it (only through [`HeaderPolicy::dangerous`]).
    Keep,
}

/// What header anonymization does: per text field, and which extension
/// codes survive. The default clears every field and removes every extension.
#[derive(Debug, Clone, Default)]
pub struct HeaderPolicy {
    text: [TextAction; 5],
    keep_extensions: Vec<i32>,
    key: Option<PseudonymKey>,
    format: PseudonymFormat,
}

fn slot(field: TextField) -> usize {
    match field {
        TextField::Descrip => 0,
        TextField::AuxFile => 1,
        TextField::IntentName => 2,
        TextField::DbName => 3,
        TextField::DataType => 4,
    }
}

impl HeaderPolicy {
    /// The default: clear every text field, remove every extension.
    pub fn new() -> Self {
        Self::default()
    }

    /// Pseudonymizes `field` with `key` (replacing any key set before)
    /// instead of clearing it.
    pub fn pseudonymize(mut self, field: TextField, key: PseudonymKey) -> Self {
        self.text[slot(field)] = TextAction::Pseudonymize;
        self.key = Some(key);
        self
    }

    /// The shape of pseudonyms (default `{alnum:10}`, which fits every field).
    pub fn pseudonym_format(mut self, format: PseudonymFormat) -> Self {
        self.format = format;
        self
    }

    /// What happens to `field`.
    pub fn text_action(&self, field: TextField) -> TextAction {
        self.text[slot(field)]
    }

    /// Options that keep identifying data.
    pub fn dangerous(&mut self) -> DangerousHeaderPolicy<'_> {
        DangerousHeaderPolicy(self)
    }
}

/// Options of a [`HeaderPolicy`] that keep data which may identify.
#[derive(Debug)]
pub struct DangerousHeaderPolicy<'a>(&'a mut HeaderPolicy);

impl DangerousHeaderPolicy<'_> {
    /// Keeps `field` as it is.
    pub fn keep_text(&mut self, field: TextField) -> &mut Self {
        self.0.text[slot(field)] = TextAction::Keep;
        self
    }

    /// Keeps extensions with this code (CIFTI's 32, say) as they are.
    pub fn keep_extension(&mut self, code: i32) -> &mut Self {
        self.0.keep_extensions.push(code);
        self
    }
}

/// A text field that held text (any non-zero byte), and what was done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TextFieldReport {
    /// The field.
    pub field: TextField,
    /// How many bytes it held (up to its last non-NUL byte).
    pub bytes: usize,
    /// What was done (`Pseudonymize` becomes `Clear` without a key).
    pub action: TextAction,
}

/// An extension that was found, and whether it was kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtensionReport {
    /// Its code.
    pub code: i32,
    /// The code's registered name (`dicom`, `afni`, ...).
    pub name: &'static str,
    /// Its size in bytes (content, padding included).
    pub bytes: usize,
    /// Whether it was kept.
    pub kept: bool,
}

/// What header anonymization found and did; never the text itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AnonymizeReport {
    /// Text fields that held text.
    pub text_fields: Vec<TextFieldReport>,
    /// Every extension, in file order.
    pub extensions: Vec<ExtensionReport>,
}

impl AnonymizeReport {
    /// Whether anything identifying may be left (a field or an extension kept).
    pub fn kept_anything(&self) -> bool {
        self.text_fields
            .iter()
            .any(|t| t.action == TextAction::Keep)
            || self.extensions.iter().any(|e| e.kept)
    }
}

/// Anonymizes an image's header text and extensions as `policy` says.
pub fn anonymize_header(image: &mut NiftiImage, policy: &HeaderPolicy) -> AnonymizeReport {
    anonymize_parts(&mut image.header, &mut image.extensions, policy)
}

pub(crate) fn anonymize_parts(
    header: &mut NiftiHeader,
    extensions: &mut Vec<Extension>,
    policy: &HeaderPolicy,
) -> AnonymizeReport {
    let mut report = AnonymizeReport::default();
    for field in TextField::ALL {
        let text = header.text(field).to_vec();
        if text.iter().all(|&b| b == 0) {
            header.set_text(field, &[]);
            continue;
        }
        let action = match (policy.text_action(field), &policy.key) {
            (TextAction::Keep, _) => TextAction::Keep,
            (TextAction::Pseudonymize, Some(key)) => {
                let pseudonym = key.pseudonym(TEXT_PSEUDONYM_PURPOSE, &text, &policy.format);
                header.set_text(field, pseudonym.as_bytes());
                TextAction::Pseudonymize
            }
            _ => {
                header.set_text(field, &[]);
                TextAction::Clear
            }
        };
        report.text_fields.push(TextFieldReport {
            field,
            bytes: text.len(),
            action,
        });
    }
    extensions.retain(|ext| {
        let kept = policy.keep_extensions.contains(&ext.code);
        report.extensions.push(ExtensionReport {
            code: ext.code,
            name: extension_code_name(ext.code),
            bytes: ext.data.len(),
            kept,
        });
        kept
    });
    report
}

/// Everything [`anonymize_file`] does and how.
#[derive(Debug, Clone, Default)]
pub struct FilePolicy {
    /// Header text and extensions.
    pub header: HeaderPolicy,
    /// The sidecar `.json` beside the input.
    pub sidecar: SidecarPolicy,
    /// The output's version; the input's when `None`.
    pub version: Option<NiftiVersion>,
    /// Replace existing outputs (image and sidecar).
    pub overwrite: bool,
    /// Limits on reading the input.
    pub read: ReadOptions,
}

/// What [`anonymize_file`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// The header's report.
    pub header: AnonymizeReport,
    /// The version written.
    pub version: NiftiVersion,
    /// The sidecar written beside the output, with its report, if the
    /// input had one.
    pub sidecar: Option<(PathBuf, SidecarReport)>,
}

/// Reads a NIfTI image, anonymizes its header ([`anonymize_header`]), and
/// writes it to `output` (`.nii` or `.nii.gz`: the name decides the
/// compression) in the input's version unless the policy names one. The
/// voxel bytes are copied unchanged (no conversion to `f32`), as are the
/// dimensions, datatype, scaling and affines. A sidecar beside the input
/// (same stem, `.json`) is cleaned ([`crate::clean_sidecar`]) into one
/// beside the output. Everything is checked before anything is written;
/// each output is written atomically.
///
/// # Errors
/// Those of [`crate::read_volume`] and [`crate::write_volume_with`], and
/// [`Error::Write`] when an output exists without `overwrite`.
pub fn anonymize_file(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    policy: &FilePolicy,
) -> Result<FileReport> {
    let (input, output) = (input.as_ref(), output.as_ref());
    let write_err = |path: &Path, reason: &str| Error::Write {
        path: path.to_path_buf(),
        reason: reason.to_owned(),
    };
    if io::output_kind(output).is_none() {
        return Err(write_err(output, "the name must end in .nii or .nii.gz"));
    }
    let mut raw = io::read_raw(input, &policy.read)?;
    let version = policy.version.unwrap_or(raw.header.version);
    let report = anonymize_parts(&mut raw.header, &mut raw.extensions, &policy.header);
    let sidecar_in = sidecar::sidecar_path(input).filter(|p| p.is_file());
    let cleaned = match sidecar_in {
        Some(path) => {
            let out = sidecar::sidecar_path(output)
                .ok_or_else(|| write_err(output, "no sidecar name for this output"))?;
            if !policy.overwrite && std::fs::symlink_metadata(&out).is_ok() {
                return Err(write_err(
                    &out,
                    "the file exists (overwriting was not asked for)",
                ));
            }
            let (text, sidecar_report) = sidecar::clean_sidecar_file(&path, &policy.sidecar)?;
            Some((out, text, sidecar_report))
        }
        None => None,
    };
    let options = WriteOptions {
        version,
        overwrite: policy.overwrite,
    };
    io::write_raw(output, &raw, &options)?;
    let sidecar = match cleaned {
        Some((out, text, sidecar_report)) => {
            io::write_atomic(&out, policy.overwrite, false, &[text.as_bytes()])?;
            Some((out, sidecar_report))
        }
        None => None,
    };
    Ok(FileReport {
        header: report,
        version,
        sidecar,
    })
}
