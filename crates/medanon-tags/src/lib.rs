//! DICOM attribute de-identification: the PS3.15 Annex E Basic Application
//! Level Confidentiality Profile with every option, and the strategies
//! research projects ask for.
//!
//! * [`Profile`] and [`ProfileOption`]: Table E.1-1 as data (621 rows,
//!   generated from the standard), its options and how actions are chosen.
//! * [`Recipe`]: a TOML file that sets the options, pseudonym formats, date
//!   shift range, encryption of originals, per-attribute strategies and
//!   batch-level slicing.
//! * [`Deidentifier`]: the engine. It walks every sequence at any depth,
//!   removes private attributes (unless safe and retained), unknown public
//!   attributes, overlays, curves, icons and embedded documents, replaces
//!   UIDs consistently, records what it did, and rebuilds the file meta.
//! * [`AttributeAction`]: the trait every action and strategy implements
//!   (suppression, randomization, keyed pseudonymization, bucketization,
//!   encryption); plug in your own with [`Deidentifier::with_action`].
//! * [`slicing`]: k-anonymity reports and slicing of quasi-identifiers.
//! * [`reidentify`]: restore the originals with the key.
//!
//! ```no_run
//! use medanon_crypto::KeySet;
//! use medanon_tags::{Deidentifier, Profile, Recipe};
//!
//! let recipe = Recipe {
//!     profile: Profile::basic().clean_descriptors().retain_modified_dates(),
//!     ..Recipe::default()
//! };
//! let engine = Deidentifier::new(recipe, KeySet::load("project.key")?.keys);
//! let report = engine.deidentify_file("in.dcm", "out.dcm", false)?;
//! for record in &report.actions {
//!     println!("{} {} ({})", record.path, record.action, record.reason);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod action;
mod encrypt;
mod engine;
mod error;
mod file;
mod guard;
mod io;
mod prescan;
mod profile;
mod recipe;
pub mod slicing;
pub mod values;

// The public interface is:
pub use crate::action::{
    ActionContext, ActionError, AttributeAction, Bucketize, Clean, Dummy, Empty, Keep, Outcome,
    Pseudonymize, Randomize, Remove, ReplaceUid, ScrubTerms, SequenceOutcome, is_well_known_uid,
};
pub use crate::encrypt::reidentify;
pub use crate::engine::{
    ActionRecord, AttributePath, Deidentifier, MAX_SEQUENCE_DEPTH, Reason, Report,
};
pub use crate::error::{Error, Result};
pub use crate::file::reidentify_file;
pub use crate::io::{Limits, atomic_write, open_dicom, parse_dicom, write_dicom_atomic};
pub use crate::profile::{
    ActionCode, BasicCode, DangerousOptions, OptionCode, Profile, ProfileError, ProfileOption, Row,
    SafePrivate, is_safe_private, row_for, safe_private_table, table,
};
pub use crate::recipe::{Bucket, EncryptionSettings, Recipe, RecipeError, Strategy, parse_tag};
pub use crate::values::{DateGranularity, ValueError};
