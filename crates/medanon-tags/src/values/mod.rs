//! VR-valid manipulation of DICOM values at the string level.
//!
//! De-identification parses, shifts, generalizes, randomizes and replaces
//! values. Whatever it writes back must stay valid for the attribute's Value
//! Representation (VR), so every producer in this module returns a value that
//! [`is_valid_text`] accepts (text VRs) or that has the width of the VR
//! (binary VRs).
//!
//! | submodule  | content                                                        |
//! |------------|----------------------------------------------------------------|
//! | `date`     | DA, TM, DT: parse, format, shift by days, generalize           |
//! | `age`      | AS: parse, approximate years, bands with a top code            |
//! | `number`   | DS, IS: parse, format within the VR length, bucketize; binary numeric VRs |
//! | `dummy`    | a fixed, obviously fake value for every VR                     |
//! | `random`   | a random VR-valid value for every VR, random `2.25.` UIDs      |
//! | `validate` | maximum lengths, character repertoires, binary widths          |
//!
//! # Conventions
//!
//! - **Total functions.** Every function accepts arbitrary strings and
//!   returns a [`ValueError`] (or `None`) instead of panicking.
//! - **Padding.** Trailing spaces and NULs are removed from each value before
//!   parsing. Outputs are never padded: the writer pads odd lengths.
//! - **Multiple values.** Parsers take a single value; [`map_values`] applies
//!   one to each `\`-separated value of an element and joins the results with
//!   `\`. The `*_values` helpers do so for the common operations.
//! - **Empty values** are errors ([`ValueError::Empty`]). A zero-length
//!   element (type 2 attribute left empty) is the caller's business: it has
//!   nothing to shift or generalize.
//! - **No patient data in errors.** [`ValueError`] names the VR and what is
//!   wrong, never the offending value.

mod age;
mod date;
mod dummy;
mod number;
mod random;
#[cfg(test)]
mod tests;
mod validate;

use dicom_core::VR;

pub use age::{Age, AgeUnit, bucketize_age, format_age_years, parse_as};
pub use date::{
    Date, DateGranularity, DateTime, Fraction, MAX_YEAR, MIN_YEAR, Time, UtcOffset, days_in_month,
    generalize_da, generalize_da_values, generalize_dt, generalize_dt_values, generalize_tm,
    generalize_tm_values, is_leap_year, parse_da, parse_dt, parse_tm, shift_da, shift_da_values,
    shift_dt, shift_dt_values,
};
pub use dummy::{DummyValue, dummy_value};
pub use number::{
    bucketize_ds, bucketize_float, bucketize_int, bucketize_is, bucketize_number, float_range,
    format_ds, format_is, int_range, parse_ds, parse_ds_values, parse_is, parse_is_values,
};
pub use random::{RandomValue, random_uid, random_value};
pub use validate::{ALL_VRS, binary_width, is_valid_text, max_len};

/// Errors of value parsing and manipulation.
///
/// Variants name the VR and the problem; they never carry the value itself,
/// which may be patient data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// The value is empty (or only padding).
    #[error("empty {vr} value")]
    Empty {
        /// The value representation of the value.
        vr: VR,
    },
    /// The value is longer than the VR allows.
    #[error("{vr} value longer than {max} bytes")]
    TooLong {
        /// The value representation of the value.
        vr: VR,
        /// The maximum length of one value of this VR.
        max: usize,
    },
    /// The value does not follow the syntax of its VR.
    #[error("malformed {vr} value: {reason}")]
    Malformed {
        /// The value representation of the value.
        vr: VR,
        /// What is wrong, in lowercase words.
        reason: &'static str,
    },
    /// The value is well-formed but outside the range of its VR, or an
    /// operation would take it outside that range.
    #[error("{vr} value out of range: {reason}")]
    OutOfRange {
        /// The value representation of the value.
        vr: VR,
        /// What is out of range, in lowercase words.
        reason: &'static str,
    },
    /// A parameter of the operation (band width, bucket width, ...) is not
    /// acceptable.
    #[error("invalid parameter for {vr}: {reason}")]
    InvalidParameter {
        /// The value representation the operation was applied to.
        vr: VR,
        /// What is wrong with the parameter, in lowercase words.
        reason: &'static str,
    },
    /// The operation does not apply to this VR.
    #[error("operation not supported for {vr}")]
    UnsupportedVr {
        /// The value representation the operation was applied to.
        vr: VR,
    },
}

/// Result type of this module.
pub type Result<T, E = ValueError> = std::result::Result<T, E>;

/// Builds a [`ValueError::Malformed`].
fn malformed(vr: VR, reason: &'static str) -> ValueError {
    ValueError::Malformed { vr, reason }
}

/// Builds a [`ValueError::OutOfRange`].
fn out_of_range(vr: VR, reason: &'static str) -> ValueError {
    ValueError::OutOfRange { vr, reason }
}

/// Builds a [`ValueError::InvalidParameter`].
fn invalid_parameter(vr: VR, reason: &'static str) -> ValueError {
    ValueError::InvalidParameter { vr, reason }
}

/// Removes the trailing padding (spaces and NULs) of one value.
pub fn trim_padding(value: &str) -> &str {
    value.trim_end_matches([' ', '\0'])
}

/// Removes the padding of one value and rejects it when nothing is left.
fn non_empty(vr: VR, value: &str) -> Result<&str> {
    let trimmed = trim_padding(value);
    if trimmed.is_empty() {
        Err(ValueError::Empty { vr })
    } else {
        Ok(trimmed)
    }
}

/// Splits a (possibly multi-valued) element value at `\` after removing the
/// trailing padding of the whole string.
///
/// An empty string yields one empty value.
pub fn split_values(value: &str) -> impl Iterator<Item = &str> {
    trim_padding(value).split('\\')
}

/// Applies `f` to each `\`-separated value of `value` and joins the results
/// with `\`.
///
/// The first error of `f` is returned. `f` receives each value with the
/// padding of the whole string removed; removing the padding of each value is
/// up to `f` (all parsers of this module do).
pub fn map_values<F>(value: &str, mut f: F) -> Result<String>
where
    F: FnMut(&str) -> Result<String>,
{
    let mut out = String::with_capacity(value.len());
    for (index, part) in split_values(value).enumerate() {
        if index > 0 {
            out.push('\\');
        }
        out.push_str(&f(part)?);
    }
    Ok(out)
}
