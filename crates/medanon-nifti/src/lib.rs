//! NIfTI-1 and NIfTI-2 volumes for medanon: reading and writing, header
//! anonymization, orthogonal views with contrast enhancement, and DICOM
//! series to volume and back.
//!
//! **Status: in progress.** [`Volume`] and [`Affine`], the types the other
//! crates (brain extraction) build on, are here; the rest lands next.

mod error;
mod volume;

// The public interface is:
pub use crate::error::{Error, Result};
pub use crate::volume::{Affine, StoredType, Volume};
