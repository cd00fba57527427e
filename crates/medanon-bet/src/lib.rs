//! Brain extraction (skull stripping) by the BET surface-evolution method of Smith (2002), on `ndarray` volumes in millimetres.
//!
//! **Status: not implemented yet.** This crate reserves its place in the
//! medanon workspace; its API arrives in a later release.
