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

/// Whether `uid` is defined by a standard rather than made for an instance:
/// under the DICOM root `1.2.840.10008` or an HL7 coding-scheme root, with
/// the short form standard UIDs have (every component after the root at most
/// 9999, at most 40 characters; the 466 UIDs of the DICOM dictionary reach
/// 601 and 32). Instance UIDs that buggy devices build by appending to a SOP
/// Class UID (`1.2.840.10008.5.1.4.1.1.2.19580006.4711`) are not well-known.
pub fn is_well_known_uid(uid: &str) -> bool {
    const ROOTS: [&str; 3] = [
        // Everything the DICOM standard defines.
        "1.2.840.10008.",
        // HL7 coding schemes (SNOMED CT, LOINC, ...) and FHIR code systems.
        "2.16.840.1.113883.6.",
        "2.16.840.1.113883.4.642.",
    ];
    let uid = uid.trim_end_matches(['\0', ' ']);
    uid.len() <= 40
        && ROOTS.iter().any(|root| {
            uid.strip_prefix(root).is_some_and(|rest| {
                rest.split('.')
                    .all(|c| !c.is_empty() && c.len() <= 4 && c.bytes().all(|b| b.is_ascii_digit()))
            })
        })
}
