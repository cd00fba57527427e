//! Keyed pseudonymization: the same input gives the same output with the same key.

use dicom_core::header::Header;
use dicom_core::{Tag, VR};
use dicom_object::mem::InMemElement;
use medanon_crypto::purpose;

use super::{
    ActionContext, ActionError, AttributeAction, Outcome, ReplaceUid, SequenceOutcome, map_text,
};
use crate::values::{shift_da, shift_dt};

/// Purpose of identifiers other than Patient ID and Accession Number.
const IDENTIFIER: &str = "identifier";

/// Replaces the value with a keyed pseudonym from `medanon-crypto`, so that
/// a patient keeps one pseudonym across files, runs and machines:
///
/// | VR | becomes |
/// |---|---|
/// | PN | the person-name format (default `ANON^{alnum:8}`) of the name, upper-cased with components trimmed |
/// | UI | the keyed UID (as [`ReplaceUid`]) |
/// | DA, DT | the date shifted by the patient's keyed shift |
/// | TM | unchanged (a shift in whole days keeps times of day) |
/// | AE, CS, LO, SH, UC, ST, LT, UT | the identifier format (default `{alnum:10}`) |
///
/// Patient ID and Other Patient IDs share one purpose, so a patient's ID
/// maps alike wherever it appears. Other VRs (numbers, ages, binary data)
/// have no pseudonym: the action fails and the engine empties them.
#[derive(Debug, Clone, Copy, Default)]
pub struct Pseudonymize;

impl AttributeAction for Pseudonymize {
    fn name(&self) -> &'static str {
        "pseudonymize"
    }

    fn apply(
        &self,
        element: &InMemElement,
        ctx: &mut ActionContext<'_>,
    ) -> Result<Outcome, ActionError> {
        let name = self.name();
        match element.vr() {
            VR::PN => map_text(element, name, |v| {
                Ok(ctx.keys.pseudonym(
                    purpose::PERSON_NAME,
                    normalize_person_name(v).as_bytes(),
                    &ctx.recipe.person_name_format,
                ))
            }),
            VR::UI => ReplaceUid.apply(element, ctx),
            VR::DA => map_text(element, name, |v| Ok(shift_da(v, ctx.date_shift_days)?)),
            VR::DT => map_text(element, name, |v| Ok(shift_dt(v, ctx.date_shift_days)?)),
            VR::TM => Ok(Outcome::Keep),
            VR::AE | VR::CS | VR::LO | VR::SH | VR::UC | VR::ST | VR::LT | VR::UT => {
                let purpose = identifier_purpose(element.tag());
                map_text(element, name, |v| {
                    Ok(ctx
                        .keys
                        .pseudonym(purpose, v.trim().as_bytes(), &ctx.recipe.id_format))
                })
            }
            vr => Err(ActionError::UnsupportedVr { action: name, vr }),
        }
    }

    fn on_sequence(&self) -> SequenceOutcome {
        // A value-level strategy says nothing about items: replace their text.
        SequenceOutcome::DummyItems
    }
}

/// The pseudonym purpose of an identifier attribute.
pub(crate) fn identifier_purpose(tag: Tag) -> &'static str {
    match tag {
        // Patient ID, Other Patient IDs.
        Tag(0x0010, 0x0020) | Tag(0x0010, 0x1000) => purpose::PATIENT_ID,
        Tag(0x0008, 0x0050) => purpose::ACCESSION_NUMBER,
        _ => IDENTIFIER,
    }
}

/// Upper case, each component trimmed, trailing empty components dropped:
/// `Doe^John ^^^` and `DOE^JOHN` are one person.
pub(crate) fn normalize_person_name(name: &str) -> String {
    let mut components: Vec<String> = name.split('^').map(|c| c.trim().to_uppercase()).collect();
    while components.last().is_some_and(|c| c.is_empty()) {
        components.pop();
    }
    components.join("^")
}
