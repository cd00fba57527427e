//! Recipe files: the profile options and per-attribute overrides, in TOML.
//!
//! ```toml
//! # Which PS3.15 options apply (names as in `ProfileOption::name`).
//! [profile]
//! options = ["clean-descriptors", "retain-longitudinal-modified-dates"]
//! # Options that keep identifying values (retain-uids, retain-device-identity,
//! # retain-institution-identity, retain-longitudinal-full-dates) are refused
//! # unless this is true.
//! allow-dangerous-options = false
//! # Standard attributes this library does not know: removed unless true.
//! keep-unknown-public = false
//!
//! [dates]
//! # Range of the keyed per-patient date shift, in days (zero is never drawn).
//! shift-min-days = -365
//! shift-max-days = -1
//!
//! [pseudonyms]
//! # Formats of keyed pseudonyms: literal text around {ALPHABET:LENGTH}.
//! person-name = "ANON^{alnum:8}"
//! id = "{alnum:10}"
//! # UID root of replaced UIDs ("2.25" needs no registration).
//! uid-root = "2.25"
//!
//! [encryption]
//! # Store the originals of every changed attribute in the Encrypted
//! # Attributes Sequence, for `medanon reidentify --key`.
//! scheme = "fernet"        # or "aes-gcm"
//! originals = "changed"    # or "listed": only attributes whose action is `encrypt`
//!
//! # Per-attribute overrides, by keyword or by "(gggg,eeee)".
//! [attributes]
//! PatientName = "pseudonymize"
//! PatientAge = { action = "bucketize", band-years = 10, top-code = 90 }
//! StudyDate = { action = "bucketize", granularity = "month" }
//! PatientWeight = { action = "bucketize", width = 10 }
//! "(0010,21B0)" = "remove"
//!
//! # Batch-level slicing of quasi-identifiers (Li et al. 2012).
//! [slicing]
//! k = 5
//! columns = [["PatientAge", "PatientSex"], ["PatientWeight", "PatientSize"]]
//!
//! # The Clean Pixel Data Option: kept as written in `Recipe::pixels` for
//! # medanon-pixels (`PixelSettings`), which `medanon anonymize` runs.
//! [pixels]
//! mode = "fill"            # blur, pixelate, pseudonym
//! detect = "auto"          # always, never
//! ```
//!
//! Unknown keys are errors, so that a typo never silently keeps a value.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use dicom_core::Tag;
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_dictionary_std::StandardDataDictionary;
use medanon_crypto::{DateShiftRange, PseudonymFormat, Scheme, UidRoot};
use serde::Deserialize;

use crate::profile::{Profile, ProfileOption};
use crate::values::DateGranularity;

/// A parsed and validated recipe.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipe {
    /// The profile and its options.
    pub profile: Profile,
    /// Keep public attributes that are not in the data dictionary.
    pub keep_unknown_public: bool,
    /// Range of the per-patient date shift.
    pub date_shift: DateShiftRange,
    /// Format of person-name pseudonyms.
    pub person_name_format: PseudonymFormat,
    /// Format of identifier pseudonyms.
    pub id_format: PseudonymFormat,
    /// Root of replaced UIDs.
    pub uid_root: UidRoot,
    /// Encryption of originals, if asked for.
    pub encryption: Option<EncryptionSettings>,
    /// Per-attribute overrides.
    pub overrides: BTreeMap<Tag, Strategy>,
    /// Batch-level slicing, if asked for.
    pub slicing: Option<crate::slicing::SlicingConfig>,
    /// The `[pixels]` section as written: the Clean Pixel Data Option's
    /// settings, which `medanon-pixels` reads (this crate does not touch
    /// pixel data).
    pub pixels: Option<toml::Table>,
}

impl Default for Recipe {
    /// The Basic Profile without options, keyed pseudonyms in the default
    /// formats, no encryption, no overrides.
    fn default() -> Self {
        Recipe {
            profile: Profile::basic(),
            keep_unknown_public: false,
            date_shift: DateShiftRange::default(),
            person_name_format: default_person_name_format(),
            id_format: PseudonymFormat::default(),
            uid_root: UidRoot::default(),
            encryption: None,
            overrides: BTreeMap::new(),
            slicing: None,
            pixels: None,
        }
    }
}

fn default_person_name_format() -> PseudonymFormat {
    PseudonymFormat::new("ANON^", medanon_crypto::Alphabet::UpperAlnum, 8, "").unwrap_or_default()
}

/// Which originals go into the Encrypted Attributes Sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncryptionSettings {
    /// Token scheme.
    pub scheme: Scheme,
    /// Every changed or removed attribute, or only those whose action is `encrypt`.
    pub all_changed: bool,
}

/// What to do with one attribute, chosen by the user over the profile.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Strategy {
    /// Remove the attribute (suppression).
    Remove,
    /// Keep the attribute, empty (suppression that keeps Type 2 attributes present).
    Empty,
    /// Replace with a fixed dummy value.
    Dummy,
    /// Keep the original value.
    Keep,
    /// Clean the value (text scrubbed of identifying values, dates shifted).
    Clean,
    /// Replace the UID with its keyed replacement.
    ReplaceUid,
    /// Replace with a VR-valid random value (different in every run).
    Randomize,
    /// Replace with a keyed pseudonym (the same in every run with the same key).
    Pseudonymize,
    /// Generalize the value.
    Bucketize(Bucket),
    /// Store the original in the Encrypted Attributes Sequence, then apply
    /// the profile's action.
    Encrypt,
}

/// How [`Strategy::Bucketize`] generalizes a value.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Bucket {
    /// Ages (AS) into bands of `band_years`, ages at or above `top_code` as `top_code`.
    Age {
        /// Width of a band in years.
        band_years: u32,
        /// Ages at or above this are written as this.
        top_code: Option<u32>,
    },
    /// Dates and date-times to the first day of their month or year; times to the hour.
    Date(DateGranularity),
    /// Numbers to the lower bound of a bucket of `width`.
    Number {
        /// Width of a bucket.
        width: f64,
    },
}

/// A recipe that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecipeError {
    /// The file could not be read.
    #[error("cannot read recipe {}: {source}", path.display())]
    Read {
        /// The recipe file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The TOML is invalid or has unknown keys.
    #[error("invalid recipe: {0}")]
    Syntax(String),
    /// A value is not acceptable.
    #[error("invalid recipe: {0}")]
    Invalid(String),
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawRecipe {
    #[serde(default)]
    profile: RawProfile,
    #[serde(default)]
    dates: RawDates,
    #[serde(default)]
    pseudonyms: RawPseudonyms,
    encryption: Option<RawEncryption>,
    #[serde(default)]
    attributes: BTreeMap<String, RawStrategy>,
    slicing: Option<crate::slicing::SlicingConfig>,
    pixels: Option<toml::Table>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawProfile {
    #[serde(default)]
    options: Vec<String>,
    #[serde(default)]
    allow_dangerous_options: bool,
    #[serde(default)]
    keep_unknown_public: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDates {
    shift_min_days: Option<i32>,
    shift_max_days: Option<i32>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPseudonyms {
    person_name: Option<String>,
    id: Option<String>,
    uid_root: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawEncryption {
    #[serde(default)]
    scheme: Option<String>,
    #[serde(default)]
    originals: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawStrategy {
    Name(String),
    Table(RawStrategyTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawStrategyTable {
    action: String,
    band_years: Option<u32>,
    top_code: Option<u32>,
    granularity: Option<String>,
    width: Option<f64>,
}

impl Recipe {
    /// Reads and validates a recipe file.
    ///
    /// # Errors
    /// [`RecipeError`] naming the problem.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, RecipeError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| RecipeError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::parse(&text)
    }

    /// Parses and validates recipe text.
    ///
    /// # Errors
    /// [`RecipeError`] naming the problem.
    pub fn parse(text: &str) -> Result<Self, RecipeError> {
        let raw: RawRecipe =
            toml::from_str(text).map_err(|e| RecipeError::Syntax(e.message().to_owned()))?;
        let invalid = |msg: String| RecipeError::Invalid(msg);

        let mut options = Vec::new();
        for name in &raw.profile.options {
            options.push(
                ProfileOption::from_name(name)
                    .ok_or_else(|| invalid(format!("unknown profile option `{name}`")))?,
            );
        }
        let profile = Profile::from_options(&options, raw.profile.allow_dangerous_options)
            .map_err(|e| {
                invalid(format!(
                    "{e} (set `allow-dangerous-options = true` in [profile] to allow it)"
                ))
            })?;

        let defaults = DateShiftRange::default();
        let date_shift = DateShiftRange::new(
            raw.dates.shift_min_days.unwrap_or(defaults.min_days()),
            raw.dates.shift_max_days.unwrap_or(defaults.max_days()),
        )
        .map_err(|e| invalid(e.to_string()))?;

        let format = |text: &Option<String>, default: PseudonymFormat| match text {
            Some(t) => t
                .parse::<PseudonymFormat>()
                .map_err(|e| invalid(e.to_string())),
            None => Ok(default),
        };
        let person_name_format = format(&raw.pseudonyms.person_name, default_person_name_format())?;
        let id_format = format(&raw.pseudonyms.id, PseudonymFormat::default())?;
        if id_format.len() > 16 {
            return Err(invalid(format!(
                "the id pseudonym format makes {} characters; Patient ID and other SH \
                 attributes hold at most 16",
                id_format.len()
            )));
        }
        let uid_root = match &raw.pseudonyms.uid_root {
            Some(root) => UidRoot::new(root).map_err(|e| invalid(e.to_string()))?,
            None => UidRoot::default(),
        };

        let encryption = raw
            .encryption
            .map(|e| -> Result<EncryptionSettings, RecipeError> {
                let scheme = match e.scheme.as_deref() {
                    None => Scheme::Fernet,
                    Some(s) => s
                        .parse()
                        .map_err(|_| invalid(format!("unknown encryption scheme `{s}`")))?,
                };
                let all_changed = match e.originals.as_deref() {
                    None | Some("changed") => true,
                    Some("listed") => false,
                    Some(other) => {
                        return Err(invalid(format!(
                            "unknown `originals` value `{other}` (expected `changed` or `listed`)"
                        )));
                    }
                };
                Ok(EncryptionSettings {
                    scheme,
                    all_changed,
                })
            })
            .transpose()?;

        let mut overrides = BTreeMap::new();
        for (name, raw_strategy) in &raw.attributes {
            let tag = parse_tag(name)
                .ok_or_else(|| invalid(format!("unknown attribute `{name}` in [attributes]")))?;
            let strategy = parse_strategy(raw_strategy)
                .map_err(|msg| invalid(format!("attribute `{name}`: {msg}")))?;
            if overrides.insert(tag, strategy).is_some() {
                return Err(invalid(format!("attribute `{name}` is listed twice")));
            }
        }
        if encryption.is_none() && overrides.values().any(|s| *s == Strategy::Encrypt) {
            return Err(invalid(
                "an attribute uses `encrypt` but there is no [encryption] section".to_owned(),
            ));
        }
        if let Some(slicing) = &raw.slicing {
            if slicing.k == 0 {
                return Err(invalid("[slicing] k must be at least 1".to_owned()));
            }
            for name in slicing.columns.iter().flatten() {
                parse_tag(name).ok_or_else(|| {
                    invalid(format!("unknown attribute `{name}` in [slicing] columns"))
                })?;
            }
        }

        Ok(Recipe {
            profile,
            keep_unknown_public: raw.profile.keep_unknown_public,
            date_shift,
            person_name_format,
            id_format,
            uid_root,
            encryption,
            overrides,
            slicing: raw.slicing,
            pixels: raw.pixels,
        })
    }
}

/// A tag from a keyword (`PatientName`) or `(gggg,eeee)` / `ggggeeee`.
pub fn parse_tag(text: &str) -> Option<Tag> {
    let trimmed = text.trim();
    let hex = trimmed
        .trim_start_matches('(')
        .trim_end_matches(')')
        .replace(',', "");
    if hex.len() == 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        let value = u32::from_str_radix(&hex, 16).ok()?;
        return Some(Tag((value >> 16) as u16, value as u16));
    }
    StandardDataDictionary
        .by_name(trimmed)
        .map(|entry| entry.tag_range().inner())
}

fn parse_strategy(raw: &RawStrategy) -> Result<Strategy, String> {
    let (name, table) = match raw {
        RawStrategy::Name(name) => (name.as_str(), None),
        RawStrategy::Table(table) => (table.action.as_str(), Some(table)),
    };
    let simple = match name {
        "remove" => Some(Strategy::Remove),
        "empty" => Some(Strategy::Empty),
        "dummy" => Some(Strategy::Dummy),
        "keep" => Some(Strategy::Keep),
        "clean" => Some(Strategy::Clean),
        "replace-uid" => Some(Strategy::ReplaceUid),
        "randomize" => Some(Strategy::Randomize),
        "pseudonymize" => Some(Strategy::Pseudonymize),
        "encrypt" => Some(Strategy::Encrypt),
        "bucketize" => None,
        other => {
            return Err(format!(
                "unknown action `{other}` (remove, empty, dummy, keep, clean, replace-uid, \
                 randomize, pseudonymize, bucketize, encrypt)"
            ));
        }
    };
    if let Some(strategy) = simple {
        if table.is_some_and(|t| {
            t.band_years.is_some()
                || t.top_code.is_some()
                || t.granularity.is_some()
                || t.width.is_some()
        }) {
            return Err(format!("`{name}` takes no parameters"));
        }
        return Ok(strategy);
    }
    let Some(table) = table else {
        return Err(
            "`bucketize` needs `band-years`, `granularity` or `width`, as in \
             { action = \"bucketize\", width = 10 }"
                .to_owned(),
        );
    };
    let bucket = match (table.band_years, &table.granularity, table.width) {
        (Some(band_years), None, None) if band_years > 0 => Bucket::Age {
            band_years,
            top_code: table.top_code,
        },
        (None, Some(g), None) if table.top_code.is_none() => Bucket::Date(match g.as_str() {
            "month" => DateGranularity::Month,
            "year" => DateGranularity::Year,
            other => return Err(format!("unknown granularity `{other}` (month or year)")),
        }),
        (None, None, Some(width))
            if width.is_finite() && width > 0.0 && table.top_code.is_none() =>
        {
            Bucket::Number { width }
        }
        _ => {
            return Err(
                "`bucketize` takes exactly one of `band-years` (> 0, with optional `top-code`), \
                 `granularity` or `width` (> 0)"
                    .to_owned(),
            );
        }
    };
    Ok(Strategy::Bucketize(bucket))
}

#[cfg(test)]
mod tests;
