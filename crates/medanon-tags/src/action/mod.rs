//! Attribute actions: what happens to one attribute's value.
//!
//! Each PS3.15 action code and each de-identification strategy is a small
//! type implementing [`AttributeAction`], one per file. The engine picks one
//! per attribute (from the recipe's overrides, the private-attribute rules or
//! the profile table) and applies it to primitive values; sequences are
//! walked by the engine itself, whose items go through the same choice.

mod bucketize;
mod clean;
mod dummy;
mod empty;
mod keep;
mod pseudonymize;
mod randomize;
mod remove;
mod replace_uid;

use std::fmt;

use dicom_core::value::PrimitiveValue;
use dicom_core::{Tag, VR};
use dicom_object::mem::InMemElement;
use medanon_crypto::PseudonymKey;
use rand::RngCore;

use crate::recipe::Recipe;
use crate::values::ValueError;

pub use bucketize::Bucketize;
pub use clean::{Clean, ScrubTerms};
pub use dummy::Dummy;
pub use empty::Empty;
pub use keep::Keep;
pub use pseudonymize::Pseudonymize;
pub(crate) use pseudonymize::normalize_person_name;
pub use randomize::Randomize;
pub use remove::Remove;
pub use replace_uid::{ReplaceUid, is_well_known_uid};

/// What an action decided for one attribute.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Outcome {
    /// Keep the attribute as it is.
    Keep,
    /// Remove the attribute.
    Remove,
    /// Keep the attribute with this value (same tag and VR).
    Replace(PrimitiveValue),
}

/// Why an action could not handle a value. The engine then empties the
/// attribute (privacy first) and records the reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// The action has no meaning for this VR.
    #[error("`{action}` does not apply to {vr} values")]
    UnsupportedVr {
        /// The action's name.
        action: &'static str,
        /// The attribute's VR.
        vr: VR,
    },
    /// A value could not be parsed or produced.
    #[error(transparent)]
    Value(#[from] ValueError),
}

/// An action applied to one attribute's value.
///
/// Implement it to plug a strategy of your own into the engine. `apply` sees
/// primitive values only (never sequences) and must not keep identifying
/// data when it does not recognise a value: return an error instead.
pub trait AttributeAction: Send + Sync + fmt::Debug {
    /// A short name for reports and the audit log (`remove`, `pseudonymize`).
    fn name(&self) -> &'static str;

    /// Decides what becomes of `element`.
    ///
    /// # Errors
    /// [`ActionError`] when the action does not apply to the value.
    fn apply(
        &self,
        element: &InMemElement,
        ctx: &mut ActionContext<'_>,
    ) -> Result<Outcome, ActionError>;

    /// What becomes of a sequence attribute given this action. The default
    /// keeps the sequence and de-identifies its items like any data set.
    fn on_sequence(&self) -> SequenceOutcome {
        SequenceOutcome::Recurse
    }
}

/// What an action does to a sequence attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SequenceOutcome {
    /// Keep the sequence; its items go through the engine like any data set.
    Recurse,
    /// Keep the sequence and its structure, but give every free-text
    /// attribute of its items (at any depth) that the profile table does
    /// not name a dummy value (PS3.15 D applied to a sequence: the content
    /// is replaced, the structure stays valid).
    DummyItems,
    /// Keep the sequence and clean every free-text attribute of its items
    /// that the profile table does not name (PS3.15 C applied to a sequence).
    CleanItems,
    /// Keep the attribute with no items.
    Empty,
    /// Remove the attribute with all its items.
    Remove,
}

/// What an action may use: keys, the recipe, the per-patient date shift,
/// identifying terms for cleaning, and a random generator.
pub struct ActionContext<'a> {
    pub(crate) keys: &'a PseudonymKey,
    pub(crate) recipe: &'a Recipe,
    pub(crate) date_shift_days: i32,
    pub(crate) terms: &'a ScrubTerms,
    pub(crate) text_reliable: bool,
    pub(crate) rng: &'a mut dyn RngCore,
}

impl ActionContext<'_> {
    /// The keyed pseudonym generator.
    pub fn keys(&self) -> &PseudonymKey {
        self.keys
    }

    /// The recipe in use.
    pub fn recipe(&self) -> &Recipe {
        self.recipe
    }

    /// This patient's date shift in days (keyed; the same for all their files).
    pub fn date_shift_days(&self) -> i32 {
        self.date_shift_days
    }

    /// Whether text was decoded reliably (its character set is supported and
    /// not switched by ISO 2022 escapes). Text that was not must not be cleaned.
    pub fn text_reliable(&self) -> bool {
        self.text_reliable
    }

    /// A random generator (for [`Randomize`]).
    pub fn rng(&mut self) -> &mut dyn RngCore {
        self.rng
    }
}

impl fmt::Debug for ActionContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActionContext").finish_non_exhaustive()
    }
}

/// The element's string values with their padding removed, or `None` for
/// binary VRs.
pub(crate) fn text_values(element: &InMemElement) -> Option<Vec<String>> {
    let value = element.value().primitive()?;
    if !is_text_vr(element.vr()) {
        return None;
    }
    Some(
        value
            .to_multi_str()
            .iter()
            .map(|v| v.trim_end_matches([' ', '\0']).to_owned())
            .collect(),
    )
}

/// Maps each string value of `element` through `f`; empty values stay empty.
pub(crate) fn map_text(
    element: &InMemElement,
    action: &'static str,
    mut f: impl FnMut(&str) -> Result<String, ActionError>,
) -> Result<Outcome, ActionError> {
    let values = text_values(element).ok_or(ActionError::UnsupportedVr {
        action,
        vr: element.vr(),
    })?;
    if values.iter().all(|v| v.is_empty()) {
        return Ok(Outcome::Keep);
    }
    let mapped = values
        .iter()
        .map(|v| {
            if v.is_empty() {
                Ok(String::new())
            } else {
                f(v)
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Outcome::Replace(strings_value(mapped)))
}

/// A string value from one or more strings.
pub(crate) fn strings_value(mut values: Vec<String>) -> PrimitiveValue {
    if values.len() == 1 {
        PrimitiveValue::from(values.remove(0))
    } else {
        PrimitiveValue::Strs(values.into_iter().collect())
    }
}

/// Whether values of `vr` are character strings.
pub(crate) fn is_text_vr(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE
            | VR::AS
            | VR::CS
            | VR::DA
            | VR::DS
            | VR::DT
            | VR::IS
            | VR::LO
            | VR::LT
            | VR::PN
            | VR::SH
            | VR::ST
            | VR::TM
            | VR::UC
            | VR::UI
            | VR::UR
            | VR::UT
    )
}

/// A typed value of `vr` from little-endian bytes (the form of dummy and
/// random binary values). Text VRs are read as UTF-8.
pub(crate) fn value_from_bytes(vr: VR, bytes: &[u8]) -> PrimitiveValue {
    fn chunks<const N: usize, T>(bytes: &[u8], f: impl Fn([u8; N]) -> T) -> Vec<T> {
        bytes
            .chunks_exact(N)
            .map(|c| {
                let mut a = [0u8; N];
                a.copy_from_slice(c);
                f(a)
            })
            .collect()
    }
    match vr {
        VR::US | VR::OW => PrimitiveValue::U16(chunks(bytes, u16::from_le_bytes).into()),
        VR::SS => PrimitiveValue::I16(chunks(bytes, i16::from_le_bytes).into()),
        VR::UL | VR::OL => PrimitiveValue::U32(chunks(bytes, u32::from_le_bytes).into()),
        VR::SL => PrimitiveValue::I32(chunks(bytes, i32::from_le_bytes).into()),
        VR::UV | VR::OV => PrimitiveValue::U64(chunks(bytes, u64::from_le_bytes).into()),
        VR::SV => PrimitiveValue::I64(chunks(bytes, i64::from_le_bytes).into()),
        VR::FL | VR::OF => PrimitiveValue::F32(chunks(bytes, f32::from_le_bytes).into()),
        VR::FD | VR::OD => PrimitiveValue::F64(chunks(bytes, f64::from_le_bytes).into()),
        VR::AT => PrimitiveValue::Tags(
            chunks(bytes, |a: [u8; 4]| {
                Tag(
                    u16::from_le_bytes([a[0], a[1]]),
                    u16::from_le_bytes([a[2], a[3]]),
                )
            })
            .into(),
        ),
        _ if is_text_vr(vr) => PrimitiveValue::from(String::from_utf8_lossy(bytes).into_owned()),
        _ => PrimitiveValue::U8(bytes.to_vec().into()),
    }
}

/// A typed binary value of `vr` holding `number` (clamped by the cast).
pub(crate) fn number_value(vr: VR, number: f64) -> PrimitiveValue {
    match vr {
        VR::US => PrimitiveValue::from(number as u16),
        VR::SS => PrimitiveValue::from(number as i16),
        VR::UL => PrimitiveValue::from(number as u32),
        VR::SL => PrimitiveValue::from(number as i32),
        VR::UV => PrimitiveValue::from(number as u64),
        VR::SV => PrimitiveValue::from(number as i64),
        VR::FL => PrimitiveValue::from(number as f32),
        _ => PrimitiveValue::from(number),
    }
}

#[cfg(test)]
mod tests;
