//! NIfTI-1 and NIfTI-2 volumes: reading and writing, header anonymization, orthogonal views, and DICOM series to volume.
//!
//! **Status: not implemented yet.** This crate reserves its place in the
//! medanon workspace; its API arrives in a later release.
