//! De-identification of medical images for research sharing.
//!
//! `medanon` is the stable entry point to the medanon crates; each is
//! re-exported as a module and can be switched off with its Cargo feature.
//!
//! | Task | Module | Status |
//! |---|---|---|
//! | Encrypt originals (Fernet, AES-256-GCM), keyed pseudonyms, UIDs, date shifts, key files | [`crypto`] | ready |
//! | De-identify DICOM attributes (PS3.15 Annex E), recipes, strategies, slicing, re-identification | [`tags`] | ready |
//! | Decode and render pixel data, find and clean burned-in text | [`pixels`] | ready |
//! | Brain extraction (skull stripping) by BET surface evolution | [`bet`] | ready |
//! | NIfTI volumes, header anonymization, views, DICOM series to volume | [`nifti`] | ready |
//!
//! ```
//! use medanon::crypto::{KeySet, Scheme};
//!
//! let keys = KeySet::generate()?;
//! let token = keys.encrypt(Scheme::Fernet, b"DOE^JOHN", b"")?;
//! assert_eq!(keys.decrypt(&token, b"")?, b"DOE^JOHN");
//! let uid = keys.pseudonyms().uid("1.2.840.10008.99.1");
//! assert!(uid.starts_with("2.25."));
//! # Ok::<(), medanon::crypto::Error>(())
//! ```

#[cfg(feature = "crypto")]
pub use medanon_crypto as crypto;

#[cfg(feature = "tags")]
pub use medanon_tags as tags;

#[cfg(feature = "pixels")]
pub use medanon_pixels as pixels;

#[cfg(feature = "bet")]
pub use medanon_bet as bet;

#[cfg(feature = "nifti")]
pub use medanon_nifti as nifti;

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
