//! DICOM attribute de-identification: the PS3.15 Annex E Basic Application Level Confidentiality Profile with its options, and suppression, randomization, pseudonymization, bucketization, encryption and slicing strategies.
//!
//! **Status: not implemented yet.** This crate reserves its place in the
//! medanon workspace; its API arrives in a later release.
