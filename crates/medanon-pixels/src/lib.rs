//! DICOM pixel data: decoding every supported transfer syntax, rendering frames for display, and finding and cleaning burned-in text.
//!
//! **Status: not implemented yet.** This crate reserves its place in the
//! medanon workspace; its API arrives in a later release.
