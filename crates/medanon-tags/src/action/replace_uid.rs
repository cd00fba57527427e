//! `U`: replace UIDs with keyed replacements.

use dicom_core::VR;
use dicom_object::mem::InMemElement;

use super::{ActionContext, ActionError, AttributeAction, Outcome, map_text};

/// Replaces each UID with the keyed UID that stands for it (PS3.15 action U),
/// so references between objects still resolve, in this run and in every
/// run with the same key. Well-known UIDs (SOP classes, transfer syntaxes,
/// coding schemes: everything under the DICOM root `1.2.840.10008`, and the
/// HL7 coding-scheme OIDs) are kept: they identify nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReplaceUid;

impl AttributeAction for ReplaceUid {
    fn name(&self) -> &'static str {
        "replace-uid"
    }

    fn apply(
        &self,
        element: &InMemElement,
        ctx: &mut ActionContext<'_>,
    ) -> Result<Outcome, ActionError> {
        if element.vr() != VR::UI {
            return Err(ActionError::UnsupportedVr {
                action: self.name(),
                vr: element.vr(),
            });
        }
        map_text(element, self.name(), |uid| {
            Ok(if is_well_known_uid(uid) {
                uid.to_owned()
            } else {
                ctx.keys.uid_under(&ctx.recipe.uid_root, uid)
            })
        })
    }
}

/// Whether `uid` is defined by a standard rather than made for an instance.
pub fn is_well_known_uid(uid: &str) -> bool {
    const ROOTS: [&str; 3] = [
        // Everything the DICOM standard defines.
        "1.2.840.10008.",
        // HL7 coding schemes (SNOMED CT, LOINC, ...) and FHIR code systems.
        "2.16.840.1.113883.6.",
        "2.16.840.1.113883.4.642.",
    ];
    let uid = uid.trim_end_matches(['\0', ' ']);
    ROOTS.iter().any(|root| uid.starts_with(root))
}
