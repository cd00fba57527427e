//! The audit log of `medanon anonymize`: one JSON line per input file.
//!
//! Lines are appended to a temporary file beside the log as files finish
//! (so memory does not grow with the batch), and the file is moved into
//! place at the end: the log never holds a partial line, and a failed run
//! leaves none behind. It holds no input path or file name and no attribute
//! value, since those may identify patients: the input is named by a keyed
//! digest of its bytes.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, anyhow};
use medanon::tags::ActionRecord;
use serde::Serialize;

/// What happened to one input file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// De-identified and written.
    Ok,
    /// Not DICOM: not read further.
    Skipped,
    /// Failed; no output was written for it.
    Failed,
}

/// One line of the log.
#[derive(Debug, Serialize)]
pub struct AuditLine<'a> {
    /// Keyed digest (HMAC-SHA256) of the input file's bytes, in hex; `null`
    /// when the file could not be read.
    pub input_digest: Option<String>,
    /// The output path relative to OUT, with `/` separators.
    pub output: Option<String>,
    /// What happened.
    pub status: Status,
    /// Why it failed or was skipped (never a path or a value).
    pub error: Option<&'a str>,
    /// What was done to each changed attribute.
    pub actions: &'a [ActionRecord],
    /// For a NIfTI image: what its header and sidecar cleaning found and did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nifti: Option<&'a NiftiAudit>,
}

/// The audit record of a NIfTI image (field names, extension codes and
/// sizes, removed sidecar keys; never their values).
#[derive(Debug, Clone, Serialize)]
pub struct NiftiAudit {
    /// The header's report.
    pub header: medanon::nifti::AnonymizeReport,
    /// The sidecar's report, when the image had one.
    pub sidecar: Option<medanon::nifti::SidecarReport>,
}

/// The log being written.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    temp: PathBuf,
    overwrite: bool,
    writer: Mutex<Option<Result<BufWriter<fs::File>, String>>>,
}

impl AuditLog {
    /// Starts a log that will be `path` (replacing an existing file only
    /// when `overwrite`).
    pub fn create(path: &Path, overwrite: bool) -> Result<Self> {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create directory {}", dir.display()))?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let temp = dir.join(format!(
            ".medanon-audit-{}-{nanos:x}.tmp",
            std::process::id()
        ));
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .with_context(|| format!("cannot write audit log {}", path.display()))?;
        Ok(AuditLog {
            path: path.to_owned(),
            temp,
            overwrite,
            writer: Mutex::new(Some(Ok(BufWriter::new(file)))),
        })
    }

    /// Appends one line. A write error is kept and reported by
    /// [`commit`](Self::commit).
    pub fn record(&self, line: &AuditLine<'_>) {
        let mut text = match serde_json::to_vec(line) {
            Ok(text) => text,
            Err(e) => {
                self.fail(format!("cannot encode an audit line: {e}"));
                return;
            }
        };
        text.push(b'\n');
        let Ok(mut guard) = self.writer.lock() else {
            return;
        };
        let result = match guard.as_mut() {
            Some(Ok(writer)) => writer.write_all(&text),
            _ => return,
        };
        if let Err(e) = result {
            *guard = Some(Err(e.to_string()));
        }
    }

    fn fail(&self, message: String) {
        if let Ok(mut guard) = self.writer.lock() {
            if matches!(guard.as_ref(), Some(Ok(_))) {
                *guard = Some(Err(message));
            }
        }
    }

    /// Moves the complete log into place.
    pub fn commit(self) -> Result<()> {
        let fail = |e: String| anyhow!("cannot write audit log {}: {e}", self.path.display());
        let state = self
            .writer
            .lock()
            .map_err(|_| fail("a worker thread panicked".to_owned()))?
            .take();
        let writer = match state {
            Some(Ok(writer)) => writer,
            Some(Err(e)) => return Err(fail(e)),
            None => return Err(fail("already committed".to_owned())),
        };
        let file = writer
            .into_inner()
            .map_err(|e| fail(e.into_error().to_string()))?;
        file.sync_all().map_err(|e| fail(e.to_string()))?;
        drop(file);
        let moved = if self.overwrite {
            fs::rename(&self.temp, &self.path)
        } else {
            // A hard link fails if the file appeared meanwhile.
            fs::hard_link(&self.temp, &self.path).and_then(|()| fs::remove_file(&self.temp))
        };
        moved.map_err(|e| fail(e.to_string()))
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        // After a commit the temporary file is gone; otherwise remove it.
        let _ = fs::remove_file(&self.temp);
    }
}
