//! Reading DICOM files defensively and writing outputs atomically.

use std::fs;
use std::io::{BufWriter, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use dicom_encoding::TransferSyntax;
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{DefaultDicomObject, FileMetaTable, InMemDicomObject};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use dicom_transfer_syntax_registry::entries;

use crate::error::{Error, Result};

/// Limits checked before a file is parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest input file, in bytes (default 4 GiB).
    pub max_file_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_file_bytes: 4 << 30,
        }
    }
}

/// Reads a DICOM file: a standard Part 10 file, or a bare data set without
/// preamble and file meta (Explicit or Implicit VR Little Endian, or
/// Explicit VR Big Endian, tried in that order), as older archives hold.
///
/// # Errors
/// [`Error::ReadInput`], [`Error::LimitExceeded`], [`Error::NotDicom`] or
/// [`Error::Parse`], naming the file.
pub fn open_dicom(path: &Path, limits: &Limits) -> Result<DefaultDicomObject> {
    let size = fs::metadata(path)
        .map_err(|source| Error::ReadInput {
            path: path.to_owned(),
            source,
        })?
        .len();
    if size > limits.max_file_bytes {
        return Err(Error::LimitExceeded {
            path: path.to_owned(),
            reason: format!("{size} bytes, more than {}", limits.max_file_bytes),
        });
    }
    let bytes = fs::read(path).map_err(|source| Error::ReadInput {
        path: path.to_owned(),
        source,
    })?;
    parse_dicom(&bytes).map_err(|e| e.with_path(path))
}

/// Parses the bytes of a DICOM file (see [`open_dicom`]).
///
/// # Errors
/// [`Error::NotDicom`] or [`Error::Parse`] (with an empty path).
pub fn parse_dicom(bytes: &[u8]) -> Result<DefaultDicomObject> {
    let has_magic = bytes.get(128..132) == Some(b"DICM") || bytes.get(..4) == Some(b"DICM");
    if !has_magic {
        return parse_bare_dataset(bytes);
    }
    let standard = crate::prescan::check(bytes).and_then(|()| read_part10(bytes));
    match standard {
        Ok(object) => Ok(object),
        Err(Error::Internal { path }) => Err(Error::Internal { path }),
        Err(e) => parse_after_broken_meta(bytes).ok_or(e),
    }
}

/// A Part 10 file: the file meta, then the data set under the transfer
/// syntax it names, read with every allocation bounded ([`crate::guard`]).
fn read_part10(bytes: &[u8]) -> Result<DefaultDicomObject> {
    let parse_error = |reason: String| Error::Parse {
        path: PathBuf::new(),
        reason,
    };
    let start = if bytes.get(128..132) == Some(b"DICM") {
        128
    } else {
        0
    };
    let mut rest = bytes.get(start..).unwrap_or_default();
    let mut meta = catch_unwind(AssertUnwindSafe(|| FileMetaTable::from_reader(&mut rest)))
        .map_err(|_| Error::Internal {
            path: PathBuf::new(),
        })?
        .map_err(|e| parse_error(format!("cannot read the file meta: {}", error_chain(&e))))?;
    let ts = TransferSyntaxRegistry
        .get(meta.transfer_syntax())
        .ok_or_else(|| parse_error("the file meta names no known transfer syntax".to_owned()))?;
    let dataset = catch_unwind(AssertUnwindSafe(|| crate::guard::read_dataset(rest, ts)))
        .map_err(|_| Error::Internal {
            path: PathBuf::new(),
        })?
        .map_err(guarded_error)?;
    // As the standard reader does: fill a missing Media Storage SOP Class
    // or Instance UID from the data set.
    let uid = |tag| {
        dataset
            .get(tag)
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim_end_matches(['\0', ' ']).to_owned())
    };
    if meta.media_storage_sop_class_uid().is_empty() {
        if let Some(class) = uid(dicom_dictionary_std::tags::SOP_CLASS_UID) {
            meta.media_storage_sop_class_uid = class;
        }
    }
    if meta.media_storage_sop_instance_uid().is_empty() {
        if let Some(instance) = uid(dicom_dictionary_std::tags::SOP_INSTANCE_UID) {
            meta.media_storage_sop_instance_uid = instance;
        }
    }
    let mut object = dataset.with_exact_meta(meta);
    object.update_meta(|_| {});
    Ok(object)
}

/// The error of a guarded read.
fn guarded_error(error: crate::guard::GuardedError) -> Error {
    match error {
        crate::guard::GuardedError::TooLong {
            tag,
            declared,
            remaining,
        } => Error::Parse {
            path: PathBuf::new(),
            reason: match tag {
                Some(tag) => format!(
                    "attribute ({:04X},{:04X}) declares {declared} bytes but only {remaining} \
                     remain (truncated or corrupt file)",
                    tag.0, tag.1
                ),
                None => format!(
                    "a value declares {declared} bytes but only {remaining} remain \
                     (truncated or corrupt file)"
                ),
            },
        },
        crate::guard::GuardedError::Parse(reason) => Error::Parse {
            path: PathBuf::new(),
            reason,
        },
    }
}

/// A file whose meta group is incomplete or names the wrong transfer
/// syntax: the data set after it, read as Explicit or Implicit VR Little
/// Endian, with a rebuilt meta. The meta's own transfer syntax is kept when
/// it is an encapsulated one and the pixel data is encapsulated.
fn parse_after_broken_meta(bytes: &[u8]) -> Option<DefaultDicomObject> {
    let (end, meta_ts) = crate::prescan::meta_end(bytes)?;
    let body = bytes.get(end..)?;
    let declared = meta_ts
        .as_deref()
        .and_then(|uid| TransferSyntaxRegistry.get(uid));
    for ts in [
        entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
        entries::IMPLICIT_VR_LITTLE_ENDIAN.erased(),
    ] {
        let Some(dataset) = read_plausible_dataset(body, &ts) else {
            continue;
        };
        let encapsulated = dataset
            .get(dicom_dictionary_std::tags::PIXEL_DATA)
            .is_some_and(|e| e.value().fragments().is_some());
        let output_ts = match declared {
            Some(d) if encapsulated && d.is_encapsulated_pixel_data() => d.uid(),
            _ if encapsulated => continue,
            _ => ts.uid(),
        };
        return dataset
            .with_meta(FileMetaTableBuilder::new().transfer_syntax(output_ts))
            .ok();
    }
    None
}

/// A data set without file meta, under the first transfer syntax that reads
/// it whole and starts with a plausible attribute.
fn parse_bare_dataset(bytes: &[u8]) -> Result<DefaultDicomObject> {
    let not_dicom = || Error::NotDicom {
        path: PathBuf::new(),
    };
    let first_group_le = bytes.get(..2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let first_group_be = bytes.get(..2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let plausible = |group: Option<u16>| group.is_some_and(|g| (0x0008..=0x0010).contains(&g));
    let candidates: Vec<TransferSyntax> = [
        (
            plausible(first_group_le),
            entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
        ),
        (
            plausible(first_group_le),
            entries::IMPLICIT_VR_LITTLE_ENDIAN.erased(),
        ),
        (
            plausible(first_group_be),
            entries::EXPLICIT_VR_BIG_ENDIAN.erased(),
        ),
    ]
    .into_iter()
    .filter_map(|(ok, ts)| ok.then_some(ts))
    .collect();
    for ts in candidates {
        let Some(dataset) = read_plausible_dataset(bytes, &ts) else {
            continue;
        };
        return dataset
            .with_meta(FileMetaTableBuilder::new().transfer_syntax(ts.uid()))
            .map_err(|e| Error::Parse {
                path: PathBuf::new(),
                reason: error_chain(&e),
            });
    }
    Err(not_dicom())
}

/// The data set in `bytes` under `ts`, if it reads whole and has the SOP
/// Class and Instance UIDs every object needs (reading an implicit-VR data
/// set as explicit fails or yields nonsense VRs).
fn read_plausible_dataset(bytes: &[u8], ts: &TransferSyntax) -> Option<InMemDicomObject> {
    if crate::prescan::check_guessed_dataset(bytes, ts).is_err() {
        return None;
    }
    let dataset = catch_unwind(AssertUnwindSafe(|| crate::guard::read_dataset(bytes, ts)))
        .ok()?
        .ok()?;
    let has_uids = [
        dicom_dictionary_std::tags::SOP_CLASS_UID,
        dicom_dictionary_std::tags::SOP_INSTANCE_UID,
    ]
    .iter()
    .all(|&tag| {
        dataset
            .get(tag)
            .is_some_and(|e| e.vr() == dicom_core::VR::UI)
    });
    has_uids.then_some(dataset)
}

/// An error and its causes on one line: "a: b: c".
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// Writes `object` to `path` atomically: to a temporary file beside it,
/// then renamed into place, so that a failure never leaves a partial file.
/// An existing file is replaced only when `overwrite`.
///
/// # Errors
/// [`Error::OutputExists`] or [`Error::Write`].
pub fn write_dicom_atomic(object: &DefaultDicomObject, path: &Path, overwrite: bool) -> Result<()> {
    atomic_write(path, overwrite, |writer| {
        object
            .write_all(writer)
            .map_err(|e| std::io::Error::other(error_chain(&e)))
    })
}

/// Writes through `write` into a temporary file beside `path`, then moves
/// it into place (without replacing an existing file unless `overwrite`:
/// `renameat2(RENAME_NOREPLACE)` on Linux, a hard link elsewhere).
///
/// Readers see the whole file or none of it. The file is not synced to disk
/// (as `cp` does not): after a power failure, re-run the job.
///
/// # Errors
/// [`Error::OutputExists`] or [`Error::Write`].
pub fn atomic_write(
    path: &Path,
    overwrite: bool,
    write: impl FnOnce(&mut BufWriter<fs::File>) -> std::io::Result<()>,
) -> Result<()> {
    let fail = |e: std::io::Error| Error::Write {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    if !overwrite && fs::symlink_metadata(path).is_ok() {
        return Err(Error::OutputExists {
            path: path.to_owned(),
        });
    }
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    let temp = dir.join(format!(
        ".medanon-{}-{:x}.tmp",
        std::process::id(),
        rand::random::<u64>()
    ));
    let result = (|| {
        let file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        let mut writer = BufWriter::with_capacity(1 << 18, file);
        write(&mut writer)?;
        writer.flush()?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        drop(file);
        if overwrite {
            fs::rename(&temp, path)
        } else {
            rename_no_replace(&temp, path)
        }
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            return Err(Error::OutputExists {
                path: path.to_owned(),
            });
        }
        return Err(fail(e));
    }
    Ok(())
}

/// Moves `from` to `to` unless `to` exists (then `AlreadyExists`), atomically.
#[cfg(target_os = "linux")]
fn rename_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    use rustix::fs::{CWD, RenameFlags, renameat_with};
    use rustix::io::Errno;
    match renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE) {
        Ok(()) => Ok(()),
        Err(Errno::EXIST) => Err(std::io::ErrorKind::AlreadyExists.into()),
        // File systems or kernels without RENAME_NOREPLACE.
        Err(Errno::INVAL | Errno::NOSYS | Errno::OPNOTSUPP) => link_then_remove(from, to),
        Err(e) => Err(e.into()),
    }
}

#[cfg(not(target_os = "linux"))]
fn rename_no_replace(from: &Path, to: &Path) -> std::io::Result<()> {
    link_then_remove(from, to)
}

/// No-clobber move with a hard link, which fails if `to` exists.
fn link_then_remove(from: &Path, to: &Path) -> std::io::Result<()> {
    match fs::hard_link(from, to) {
        Ok(()) => fs::remove_file(from),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Err(e),
        // File systems without hard links: checked for existence above.
        Err(_) => fs::rename(from, to),
    }
}

/// Whether two paths name the same existing file.
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
