//! File-level entry points: read, de-identify or re-identify, write atomically.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use medanon_crypto::KeySet;

use crate::engine::{Deidentifier, Report};
use crate::error::{Error, Result};
use crate::io::{Limits, open_dicom, same_file, write_dicom_atomic};

impl Deidentifier {
    /// Reads `input`, de-identifies it and writes `output` atomically (never
    /// over `input`; over an existing file only when `overwrite`).
    ///
    /// # Errors
    /// Any [`Error`], naming `input` or `output`. A panic inside the parser or
    /// the engine becomes [`Error::Internal`]; no partial output is left.
    pub fn deidentify_file(
        &self,
        input: impl AsRef<Path>,
        output: impl AsRef<Path>,
        overwrite: bool,
    ) -> Result<Report> {
        let (input, output) = (input.as_ref(), output.as_ref());
        if same_file(input, output) || input == output {
            return Err(Error::OutputIsInput {
                path: output.to_owned(),
            });
        }
        let object = open_dicom(input, &Limits::default())?;
        let (object, report) = catch_unwind(AssertUnwindSafe(|| self.deidentify(object)))
            .map_err(|_| Error::Internal {
                path: input.to_owned(),
            })?
            .map_err(|e| e.with_path(input))?;
        write_dicom_atomic(&object, output, overwrite)?;
        Ok(report)
    }
}

/// Restores the originals of the de-identified file `input` into `output`.
///
/// # Errors
/// Any [`Error`], naming the file.
pub fn reidentify_file(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    keys: &KeySet,
    overwrite: bool,
) -> Result<()> {
    let (input, output) = (input.as_ref(), output.as_ref());
    if same_file(input, output) || input == output {
        return Err(Error::OutputIsInput {
            path: output.to_owned(),
        });
    }
    let object = open_dicom(input, &Limits::default())?;
    let object = catch_unwind(AssertUnwindSafe(|| {
        crate::encrypt::reidentify(object, keys)
    }))
    .map_err(|_| Error::Internal {
        path: input.to_owned(),
    })?
    .map_err(|e| e.with_path(input))?;
    write_dicom_atomic(&object, output, overwrite)
}
