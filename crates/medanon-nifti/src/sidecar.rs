//! BIDS JSON sidecars: the identifying keys converters (dcm2niix) copy from
//! DICOM are removed, the acquisition parameters kept.
//!
//! Each key is classified by its name, at every depth (case-insensitively,
//! split into words at case changes and `_`, so `SOPInstanceUID` is
//! `sop instance uid`), first match wins:
//!
//! 1. your [`keep`](DangerousSidecarPolicy::keep_key) and
//!    [`remove`](SidecarPolicy::remove_key) lists;
//! 2. patient characteristics (`PatientSex`, `PatientAge`, `PatientWeight`,
//!    `PatientSize`, `EthnicGroup`, ...): removed, as PS3.15's Basic Profile
//!    does, unless [`keep_patient_characteristics`](DangerousSidecarPolicy::keep_patient_characteristics);
//! 3. software versions (`SoftwareVersions`, `ConversionSoftwareVersion`):
//!    kept unchecked; acquisition keys whose names contain a flagged word
//!    (`ManufacturersModelName`, `ProtocolName`, `SeriesDescription`,
//!    `TaskName`, `PatientPosition`, `CogAtlasID`, ...): kept, values
//!    checked as in 6;
//! 4. times of day (`AcquisitionTime`, `SeriesTime`, `StudyTime`,
//!    `ContentTime`): **kept by default**, as dcm2niix's `-ba y` and BIDS
//!    tools keep them (multi-echo and field-map ordering needs them, and a
//!    time without its date says little); removed with
//!    [`remove_times_of_day`](SidecarPolicy::remove_times_of_day);
//! 5. identifying names: any key with one of the words name, patient,
//!    physician, operator, institution(al), department, station, address,
//!    phone, email, birth, uid, serial, accession, id, date, comment,
//!    description (so `PatientName`, `PatientID`, `OperatorsName`,
//!    `InstitutionAddress`, `DeviceSerialNumber`, `StudyInstanceUID`,
//!    `AccessionNumber`, `AcquisitionDateTime`, `AcquisitionDate`,
//!    `StudyDescription`, `ImageComments`, ...): removed;
//! 6. any other key is kept, except string values that contain a date
//!    (`YYYY-MM-DD`, `YYYY/MM/DD`, `DD.MM.YYYY`, `MM/DD/YYYY`, DICOM
//!    `YYYYMMDD[HHMMSS]`) and integers that read as `YYYYMMDD`: those are
//!    removed (an array loses the element). Objects and arrays are walked.
//!
//! Output is pretty-printed with keys **sorted** (serde_json's map without
//! `preserve_order`, which this workspace does not enable), so it is
//! deterministic. Values never appear in reports or errors.

use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};

/// Largest sidecar read from a file.
const MAX_SIDECAR_BYTES: u64 = 16 << 20;

/// Which keys to remove from a sidecar (the module doc has the rules).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SidecarPolicy {
    keep_patient_characteristics: bool,
    remove_times_of_day: bool,
    remove: Vec<String>,
    keep: Vec<String>,
}

impl SidecarPolicy {
    /// Also removes times of day (kept by default), by key and by value
    /// (`HH:MM[:SS[.f]]` under any key not kept explicitly).
    pub fn remove_times_of_day(mut self) -> Self {
        self.remove_times_of_day = true;
        self
    }

    /// Also removes this key (case-insensitive), at any depth.
    pub fn remove_key(mut self, key: &str) -> Self {
        self.remove.push(key.to_ascii_lowercase());
        self
    }

    /// Options that keep identifying data.
    pub fn dangerous(&mut self) -> DangerousSidecarPolicy<'_> {
        DangerousSidecarPolicy(self)
    }
}

/// Options of a [`SidecarPolicy`] that keep data which may identify.
#[derive(Debug)]
pub struct DangerousSidecarPolicy<'a>(&'a mut SidecarPolicy);

impl DangerousSidecarPolicy<'_> {
    /// Keeps sex, age, weight, size, ethnic group, smoking and pregnancy
    /// status (PS3.15's Retain Patient Characteristics Option).
    pub fn keep_patient_characteristics(&mut self) -> &mut Self {
        self.0.keep_patient_characteristics = true;
        self
    }

    /// Keeps this key (case-insensitive) and its whole value unchecked.
    pub fn keep_key(&mut self, key: &str) -> &mut Self {
        self.0.keep.push(key.to_ascii_lowercase());
        self
    }
}

/// Why a key or element was removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RemovalReason {
    /// Its name identifies (a name, ID, UID, date, address, comment, ...).
    IdentifyingKey,
    /// A patient characteristic (sex, age, weight, ...).
    PatientCharacteristic,
    /// A time of day, with [`SidecarPolicy::remove_times_of_day`].
    TimeOfDay,
    /// Its value contains a date.
    DateValue,
    /// In the policy's remove list.
    Listed,
}

/// One removed key or array element: its path (`A.B[2]`) and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RemovedKey {
    /// The JSON path, keys joined by `.`, array indices in brackets.
    pub path: String,
    /// Why it was removed.
    pub reason: RemovalReason,
}

/// What cleaning a sidecar removed (paths only, never values).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SidecarReport {
    /// Removed keys and elements, in document order.
    pub removed: Vec<RemovedKey>,
}

/// Cleans sidecar JSON text; returns the cleaned text (pretty-printed,
/// sorted keys, final newline) and what was removed.
///
/// # Errors
/// [`Error::InvalidArgument`] when the text is not JSON (the message gives
/// the line and column, not the text).
pub fn clean_sidecar(json: &str, policy: &SidecarPolicy) -> Result<(String, SidecarReport)> {
    let mut value: Value = serde_json::from_str(json).map_err(|e| {
        Error::InvalidArgument(format!(
            "the sidecar is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let report = clean_sidecar_value(&mut value, policy);
    Ok((to_text(&value), report))
}

/// [`clean_sidecar`] on a file (at most 16 MiB).
///
/// # Errors
/// [`Error::Read`], [`Error::Unsupported`] for a larger file,
/// [`Error::Corrupt`] when it is not UTF-8 JSON.
pub fn clean_sidecar_file(
    path: impl AsRef<Path>,
    policy: &SidecarPolicy,
) -> Result<(String, SidecarReport)> {
    use std::io::Read;
    let path = path.as_ref();
    let read_err = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut text = Vec::new();
    std::fs::File::open(path)
        .map_err(read_err)?
        .take(MAX_SIDECAR_BYTES + 1)
        .read_to_end(&mut text)
        .map_err(read_err)?;
    if text.len() as u64 > MAX_SIDECAR_BYTES {
        return Err(Error::Unsupported {
            path: path.to_path_buf(),
            reason: format!("sidecar over {MAX_SIDECAR_BYTES} bytes"),
        });
    }
    let corrupt = |reason: String| Error::Corrupt {
        path: path.to_path_buf(),
        reason,
    };
    let text =
        std::str::from_utf8(&text).map_err(|_| corrupt("the sidecar is not UTF-8".into()))?;
    clean_sidecar(text, policy).map_err(|e| match e {
        Error::InvalidArgument(reason) => corrupt(reason),
        other => other,
    })
}

/// Cleans a parsed sidecar in place.
pub fn clean_sidecar_value(value: &mut Value, policy: &SidecarPolicy) -> SidecarReport {
    let mut report = SidecarReport::default();
    walk(value, "", policy, &mut report);
    report
}

/// The sidecar of an image: the same stem with `.json`, beside it
/// (`sub-01_T1w.nii.gz` → `sub-01_T1w.json`); `None` for a name that is
/// not `.nii`, `.nii.gz`, `.hdr` or `.img` (optionally `.gz`).
pub fn sidecar_path(image: impl AsRef<Path>) -> Option<PathBuf> {
    let image = image.as_ref();
    let name = image.file_name()?.to_str()?;
    let lower = name.to_ascii_lowercase();
    let without_gz = lower.strip_suffix(".gz").unwrap_or(&lower);
    let ext = [".nii", ".hdr", ".img"]
        .into_iter()
        .find(|ext| without_gz.ends_with(ext))?;
    let stem = &name[..without_gz.len() - ext.len()];
    (!stem.is_empty()).then(|| image.with_file_name(format!("{stem}.json")))
}

pub(crate) fn to_text(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// Removes what the policy says from `value` (at `path`), recursively.
fn walk(value: &mut Value, path: &str, policy: &SidecarPolicy, report: &mut SidecarReport) {
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let child_path = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                match classify(&key, policy) {
                    Class::Keep => {}
                    Class::Remove(reason) => {
                        map.remove(&key);
                        report.removed.push(RemovedKey {
                            path: child_path,
                            reason,
                        });
                    }
                    Class::Check => {
                        let Some(child) = map.get_mut(&key) else {
                            continue;
                        };
                        if let Some(reason) = scalar_reason(child, policy) {
                            map.remove(&key);
                            report.removed.push(RemovedKey {
                                path: child_path,
                                reason,
                            });
                        } else {
                            walk(child, &child_path, policy, report);
                        }
                    }
                }
            }
        }
        Value::Array(items) => {
            let mut index = 0;
            items.retain_mut(|item| {
                let item_path = format!("{path}[{index}]");
                index += 1;
                if let Some(reason) = scalar_reason(item, policy) {
                    report.removed.push(RemovedKey {
                        path: item_path,
                        reason,
                    });
                    false
                } else {
                    walk(item, &item_path, policy, report);
                    true
                }
            });
        }
        _ => {}
    }
}

enum Class {
    Keep,
    Remove(RemovalReason),
    /// Unknown: kept unless its value looks like a date (or time).
    Check,
}

const PATIENT_CHARACTERISTICS: &[&str] = &[
    "patientsex",
    "patientage",
    "patientweight",
    "patientsize",
    "patientbodymassindex",
    "ethnicgroup",
    "patientethnicgroup",
    "smokingstatus",
    "pregnancystatus",
];

/// Converter and scanner software versions: kept unchecked (their
/// version strings often hold a release date, e.g. `v1.0.20211006`).
const SOFTWARE_KEYS: &[&str] = &[
    "softwareversions",
    "conversionsoftware",
    "conversionsoftwareversion",
];

/// Acquisition keys kept although a word of their name is flagged (their
/// values are still checked for dates).
const ACQUISITION_KEYS: &[&str] = &[
    "manufacturersmodelname",
    "protocolname",
    "sequencename",
    "pulsesequencename",
    "pulsesequencedetails",
    "seriesdescription",
    "taskname",
    "taskdescription",
    "receivecoilname",
    "transmitcoilname",
    "coilname",
    "patientposition",
    "patientorientation",
    "cogatlasid",
    "cogpoid",
];

const TIME_OF_DAY_KEYS: &[&str] = &[
    "acquisitiontime",
    "studytime",
    "seriestime",
    "contenttime",
    "instancecreationtime",
    "performedprocedurestepstarttime",
    "performedprocedurestependtime",
];

/// Words that make a key identifying.
const IDENTIFYING_WORDS: &[&str] = &[
    "name",
    "names",
    "patient",
    "patients",
    "physician",
    "physicians",
    "operator",
    "operators",
    "institution",
    "institutional",
    "department",
    "station",
    "address",
    "telephone",
    "phone",
    "email",
    "birth",
    "uid",
    "uids",
    "serial",
    "accession",
    "id",
    "ids",
    "date",
    "dates",
    "comment",
    "comments",
    "description",
];

fn classify(key: &str, policy: &SidecarPolicy) -> Class {
    let lower = key.to_ascii_lowercase();
    let lower = lower.as_str();
    if policy.keep.iter().any(|k| k == lower) {
        return Class::Keep;
    }
    if policy.remove.iter().any(|k| k == lower) {
        return Class::Remove(RemovalReason::Listed);
    }
    if PATIENT_CHARACTERISTICS.contains(&lower) {
        return if policy.keep_patient_characteristics {
            Class::Check
        } else {
            Class::Remove(RemovalReason::PatientCharacteristic)
        };
    }
    if SOFTWARE_KEYS.contains(&lower) {
        return Class::Keep;
    }
    if ACQUISITION_KEYS.contains(&lower) {
        return Class::Check;
    }
    if TIME_OF_DAY_KEYS.contains(&lower) {
        return if policy.remove_times_of_day {
            Class::Remove(RemovalReason::TimeOfDay)
        } else {
            Class::Check
        };
    }
    if words(key)
        .iter()
        .any(|w| IDENTIFYING_WORDS.contains(&w.as_str()))
    {
        return Class::Remove(RemovalReason::IdentifyingKey);
    }
    Class::Check
}

/// The words of a key, lowercase: `SOPInstanceUID` → `sop instance uid`,
/// `patient_name` → `patient name`, `OtherPatientIDs` → `other patient ids`.
fn words(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    let mut out = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1);
        let boundary = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_numeric()
                    || (p.is_uppercase()
                        && next.is_some_and(|n| n.is_lowercase())
                        && chars.get(i + 2).is_some_and(|n| n.is_lowercase()))
            });
        if boundary && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Why a scalar value must go: it contains a date (or is a time of day,
/// when those are removed).
fn scalar_reason(value: &Value, policy: &SidecarPolicy) -> Option<RemovalReason> {
    match value {
        Value::String(s) => {
            if contains_date(s) {
                Some(RemovalReason::DateValue)
            } else if policy.remove_times_of_day && is_time_of_day(s) {
                Some(RemovalReason::TimeOfDay)
            } else {
                None
            }
        }
        Value::Number(n) => n
            .as_u64()
            .filter(|&v| (10_000_000..100_000_000).contains(&v))
            .filter(|&v| valid_date(v / 10_000, (v / 100) % 100, v % 100))
            .map(|_| RemovalReason::DateValue),
        _ => None,
    }
}

fn valid_date(year: u64, month: u64, day: u64) -> bool {
    (1800..=2199).contains(&year) && (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// Whether `s` contains a plausible date (years 1800–2199) in one of the
/// forms of the module doc.
fn contains_date(s: &str) -> bool {
    let b = s.as_bytes();
    let digits_at = |start: usize, len: usize| -> Option<u64> {
        let run = b.get(start..start + len)?;
        if !run.iter().all(u8::is_ascii_digit) {
            return None;
        }
        if b.get(start + len).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        std::str::from_utf8(run).ok()?.parse().ok()
    };
    let sep = |at: usize| {
        b.get(at)
            .copied()
            .filter(|c| matches!(c, b'-' | b'/' | b'.'))
    };
    for start in 0..b.len() {
        if !b[start].is_ascii_digit() || (start > 0 && b[start - 1].is_ascii_digit()) {
            continue;
        }
        // YYYY-MM-DD (one separator used twice).
        if let (Some(y), Some(s1)) = (digits_at(start, 4), sep(start + 4)) {
            if let (Some(m), Some(s2), Some(d)) = (
                digits_at(start + 5, 2),
                sep(start + 7),
                digits_at(start + 8, 2),
            ) {
                if s1 == s2 && valid_date(y, m, d) {
                    return true;
                }
            }
        }
        // DD.MM.YYYY or MM/DD/YYYY.
        if let (Some(a), Some(s1)) = (digits_at(start, 2), sep(start + 2)) {
            if let (Some(c), Some(s2), Some(y)) = (
                digits_at(start + 3, 2),
                sep(start + 5),
                digits_at(start + 6, 4),
            ) {
                if s1 == s2 && (valid_date(y, c, a) || valid_date(y, a, c)) {
                    return true;
                }
            }
        }
        // DICOM DA / DT: YYYYMMDD, optionally HHMMSS, alone in its digit run.
        let run = b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
        if run == 8 || run == 14 {
            if let Some(v) = std::str::from_utf8(&b[start..start + 8])
                .ok()
                .and_then(|t| t.parse::<u64>().ok())
            {
                if valid_date(v / 10_000, (v / 100) % 100, v % 100) {
                    return true;
                }
            }
        }
    }
    false
}

/// `HH:MM`, `HH:MM:SS` or `HH:MM:SS.ffffff`, the whole (trimmed) string.
fn is_time_of_day(s: &str) -> bool {
    let s = s.trim();
    let (main, fraction) = s.split_once('.').unwrap_or((s, ""));
    if !fraction.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    let parts: Vec<&str> = main.split(':').collect();
    if !(2..=3).contains(&parts.len())
        || parts
            .iter()
            .any(|p| p.len() != 2 || !p.bytes().all(|c| c.is_ascii_digit()))
    {
        return false;
    }
    let num = |i: usize| {
        parts
            .get(i)
            .and_then(|p| p.parse::<u32>().ok())
            .unwrap_or(0)
    };
    num(0) < 24 && num(1) < 60 && num(2) < 61
}

#[cfg(test)]
mod tests;
