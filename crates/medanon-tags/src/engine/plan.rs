//! Choosing the action of one attribute.

use std::fmt;

use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry};
use dicom_core::{Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;

use crate::action::{AttributeAction, Clean, Dummy, Empty, Keep, Pseudonymize, Remove, ReplaceUid};
use crate::profile::{ActionCode, ProfileOption, is_safe_private, row_for};

use super::Deidentifier;

/// Why an attribute got its action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// Table E.1-1, with the option that changed the Basic Profile's code.
    Profile {
        /// The action code applied.
        code: ActionCode,
        /// The option that chose it, if any.
        option: Option<ProfileOption>,
    },
    /// Patient's Name and Patient ID get keyed pseudonyms where the profile
    /// empties them (Z allows a dummy), so a patient's files stay linked.
    PatientPseudonym,
    /// An override in the recipe.
    Recipe,
    /// A private attribute (removed unless safe and the option retains it).
    PrivateAttribute,
    /// A private attribute of Table E.3.10-1 kept by Retain Safe Private.
    SafePrivate,
    /// A private creator whose block lost all its attributes.
    UnusedPrivateCreator,
    /// A public attribute missing from the data dictionary.
    UnknownPublic,
    /// A standard attribute outside Table E.1-1: kept, UIDs replaced.
    OutsideTable,
    /// A person name, date, time or URL outside Table E.1-1: replaced
    /// (dates follow the longitudinal options) or removed.
    IdentifyingVr,
    /// A Patient module attribute (group 0010) outside Table E.1-1.
    PatientOutsideTable,
    /// Group length and file meta elements: recomputed by the writer, removed.
    Structural,
    /// An overlay attribute whose Overlay Data was removed.
    OverlayRemoved,
    /// A standard attribute whose content cannot be inspected (VR UN for a
    /// sequence or text attribute): removed, since it might hold anything.
    Opaque,
    /// Free text inside a sequence that the profile replaces (D) or cleans
    /// (C) as a whole.
    SequenceContent,
    /// The action failed on the value; the attribute was emptied.
    Fallback,
    /// A previous de-identification's Encrypted Attributes Sequence.
    PreviousEncryption,
    /// A file meta attribute that names the sender or holds private data.
    FileMeta,
    /// A value chosen by batch-level slicing.
    Slicing,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Profile { code, option: None } => write!(f, "basic profile {code}"),
            Reason::Profile {
                code,
                option: Some(option),
            } => write!(f, "{option} {code}"),
            Reason::PatientPseudonym => f.write_str("patient pseudonym"),
            Reason::Recipe => f.write_str("recipe"),
            Reason::PrivateAttribute => f.write_str("private attribute"),
            Reason::SafePrivate => f.write_str("safe private attribute"),
            Reason::UnusedPrivateCreator => f.write_str("unused private creator"),
            Reason::UnknownPublic => f.write_str("unknown public attribute"),
            Reason::OutsideTable => f.write_str("standard attribute outside the profile table"),
            Reason::IdentifyingVr => f.write_str("name, date or URL outside the profile table"),
            Reason::PatientOutsideTable => {
                f.write_str("patient attribute outside the profile table")
            }
            Reason::Structural => f.write_str("group length or misplaced file meta"),
            Reason::OverlayRemoved => f.write_str("overlay without its data"),
            Reason::Opaque => f.write_str("undecodable (UN) content"),
            Reason::SequenceContent => f.write_str("free text in a replaced or cleaned sequence"),
            Reason::Fallback => f.write_str("action failed, value emptied"),
            Reason::PreviousEncryption => f.write_str("earlier encrypted attributes"),
            Reason::FileMeta => f.write_str("file meta"),
            Reason::Slicing => f.write_str("batch-level slicing"),
        }
    }
}

/// The action chosen for one attribute and why.
pub(crate) struct Plan<'a> {
    pub(crate) action: &'a dyn AttributeAction,
    pub(crate) reason: Reason,
    /// Store the original in the Encrypted Attributes Sequence.
    pub(crate) encrypt: bool,
}

static REMOVE: Remove = Remove;
static EMPTY: Empty = Empty;
static DUMMY: Dummy = Dummy;
static KEEP: Keep = Keep;
static CLEAN: Clean = Clean;
static REPLACE_UID: ReplaceUid = ReplaceUid;
static PSEUDONYMIZE: Pseudonymize = Pseudonymize;

/// The built-in action of a profile code.
pub(crate) fn action_of(code: ActionCode) -> &'static dyn AttributeAction {
    match code {
        ActionCode::D => &DUMMY,
        ActionCode::Z => &EMPTY,
        ActionCode::X => &REMOVE,
        ActionCode::K => &KEEP,
        ActionCode::C => &CLEAN,
        ActionCode::U => &REPLACE_UID,
    }
}

/// Public attributes that are always removed although the table omits them.
const ALWAYS_REMOVED: [(Tag, Reason); 1] = [
    // Encrypted Attributes Sequence: someone else's encrypted originals.
    (Tag(0x0400, 0x0500), Reason::PreviousEncryption),
];

/// Attributes that get keyed pseudonyms instead of empty or dummy values.
const PATIENT_PSEUDONYMS: [Tag; 2] = [Tag(0x0010, 0x0010), Tag(0x0010, 0x0020)];

impl Deidentifier {
    /// Chooses the action for the attribute `tag` with `vr`; `creator` is the
    /// private creator of its block, for private attributes.
    pub(crate) fn plan(&self, tag: Tag, vr: VR, creator: Option<&str>) -> Plan<'_> {
        let plan = |action, reason| Plan {
            action,
            reason,
            encrypt: false,
        };
        if tag.element() == 0x0000 || tag.group() == 0x0002 || tag.group() == 0x0000 {
            return plan(&REMOVE, Reason::Structural);
        }
        if let Some(action) = self.overrides.get(&tag) {
            return match action {
                Override::Action(action) => plan(action.as_ref(), Reason::Recipe),
                Override::Encrypt => Plan {
                    encrypt: true,
                    ..self.plan_without_override(tag, vr, creator)
                },
            };
        }
        self.plan_without_override(tag, vr, creator)
    }

    fn plan_without_override(&self, tag: Tag, vr: VR, creator: Option<&str>) -> Plan<'_> {
        let plan = |action: &'static dyn AttributeAction, reason| Plan {
            action,
            reason,
            encrypt: false,
        };
        let profile = &self.recipe.profile;
        let retain_uids = profile.has(ProfileOption::RetainUids);
        if tag.group() % 2 == 1 {
            let safe = profile.has(ProfileOption::RetainSafePrivate)
                && creator.is_some_and(|c| is_safe_private(c, tag.group(), tag.element() as u8));
            return match (safe, vr) {
                (false, _) => plan(&REMOVE, Reason::PrivateAttribute),
                (true, VR::UI) if !retain_uids => plan(&REPLACE_UID, Reason::SafePrivate),
                (true, VR::UN) if safe_private_is_sequence(creator, tag) => {
                    plan(&REMOVE, Reason::Opaque)
                }
                (true, _) => plan(&KEEP, Reason::SafePrivate),
            };
        }
        if let Some((_, reason)) = ALWAYS_REMOVED.iter().find(|(t, _)| *t == tag) {
            return plan(&REMOVE, *reason);
        }
        if let Some(row) = row_for(tag) {
            let (code, option) = profile.action_for_row(row);
            if matches!(code, ActionCode::Z | ActionCode::D) && PATIENT_PSEUDONYMS.contains(&tag) {
                return plan(&PSEUDONYMIZE, Reason::PatientPseudonym);
            }
            if vr == VR::UN && code != ActionCode::X && dictionary_vr_is_opaque(tag) {
                return plan(&REMOVE, Reason::Opaque);
            }
            return plan(action_of(code), Reason::Profile { code, option });
        }
        if tag.group() & 0xFF01 == 0x6000 {
            // Overlay attributes outside the table (description, label, ...):
            // overlay data never survives, so neither does the rest.
            return plan(&REMOVE, Reason::OverlayRemoved);
        }
        if tag.group() == 0x0010 {
            // Patient module attributes the table does not list (names to
            // use, alternative-calendar dates, ...): removed.
            return plan(&REMOVE, Reason::PatientOutsideTable);
        }
        let Some(_) = StandardDataDictionary.by_tag(tag) else {
            return if self.recipe.keep_unknown_public {
                plan(&KEEP, Reason::OutsideTable)
            } else {
                plan(&REMOVE, Reason::UnknownPublic)
            };
        };
        let dates: &'static dyn AttributeAction =
            if profile.has(ProfileOption::RetainLongitudinalFullDates) {
                &KEEP
            } else if profile.has(ProfileOption::RetainLongitudinalModifiedDates) {
                &CLEAN
            } else {
                &DUMMY
            };
        match vr {
            VR::UN if dictionary_vr_is_opaque(tag) => plan(&REMOVE, Reason::Opaque),
            VR::UI if !retain_uids => plan(&REPLACE_UID, Reason::OutsideTable),
            // Names, dates and URLs (which embed hosts and UIDs) identify
            // wherever they appear, listed in the table or not.
            VR::PN => plan(&DUMMY, Reason::IdentifyingVr),
            VR::DA | VR::DT | VR::TM => plan(dates, Reason::IdentifyingVr),
            VR::UR => plan(&REMOVE, Reason::IdentifyingVr),
            _ => plan(&KEEP, Reason::OutsideTable),
        }
    }
}

/// A per-tag override of the recipe.
pub(crate) enum Override {
    /// Apply this action.
    Action(std::sync::Arc<dyn AttributeAction>),
    /// Apply the profile's action and keep the original, encrypted.
    Encrypt,
}

/// Whether the standard VR of `tag` is one whose bytes, read as UN, could
/// hide identifying text or nested data sets.
fn dictionary_vr_is_opaque(tag: Tag) -> bool {
    use dicom_core::dictionary::VirtualVr;
    StandardDataDictionary.by_tag(tag).is_none_or(|entry| {
        !matches!(
            entry.vr(),
            VirtualVr::Exact(
                VR::US
                    | VR::SS
                    | VR::UL
                    | VR::SL
                    | VR::UV
                    | VR::SV
                    | VR::FL
                    | VR::FD
                    | VR::OB
                    | VR::OW
                    | VR::OF
                    | VR::OD
                    | VR::OL
                    | VR::OV
                    | VR::AT
            ) | VirtualVr::Xs
                | VirtualVr::Ox
                | VirtualVr::Px
                | VirtualVr::Lt
        )
    })
}

/// Whether Table E.3.10-1 lists the safe private attribute as a sequence.
fn safe_private_is_sequence(creator: Option<&str>, tag: Tag) -> bool {
    let Some(creator) = creator else { return true };
    let creator = creator.trim_end_matches([' ', '\0']);
    crate::profile::safe_private_table().iter().any(|row| {
        row.creator == creator
            && row.group == tag.group()
            && row.offset == tag.element() as u8
            && matches!(row.vr, "SQ" | "")
    })
}
