//! The recursive walk over a data set and its sequence items.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use dicom_core::header::Header;
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_object::InMemDicomObject;
use dicom_object::mem::InMemElement;

use super::{ActionRecord, AttributePath, Deidentifier, MAX_SEQUENCE_DEPTH, Reason};
use crate::action::{ActionContext, Outcome, SequenceOutcome};
use crate::error::{Error, Result};

/// One position in the path of a nested attribute.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Step {
    tag: Tag,
    item: usize,
}

/// How attributes outside the profile table are treated inside a sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// As anywhere: standard attributes outside the table are kept.
    Normal,
    /// Inside a sequence whose action is D: free text gets dummies.
    Dummy,
    /// Inside a sequence whose action is C: free text is cleaned.
    Clean,
}

/// Free-text VRs: values that can say anything, including names.
fn is_free_text(vr: VR) -> bool {
    matches!(
        vr,
        VR::AE | VR::LO | VR::LT | VR::PN | VR::SH | VR::ST | VR::UC | VR::UR | VR::UT
    )
}

static DUMMY: crate::action::Dummy = crate::action::Dummy;
static REMOVE: crate::action::Remove = crate::action::Remove;
static CLEAN: crate::action::Clean = crate::action::Clean;

/// State of one object's walk.
pub(crate) struct Walker<'a> {
    pub(crate) engine: &'a Deidentifier,
    pub(crate) ctx: ActionContext<'a>,
    pub(crate) records: Vec<ActionRecord>,
    /// The sequences and items enclosing the current data set.
    pub(crate) path: Vec<Step>,
    /// Top-level attributes whose originals must be encrypted.
    pub(crate) encrypt_roots: BTreeSet<Tag>,
}

/// Private creator elements: (gggg,0010) to (gggg,00FF) in odd groups.
fn is_private_creator(tag: Tag) -> bool {
    tag.group() % 2 == 1 && (0x0010..=0x00FF).contains(&tag.element())
}

/// The (group, block) a private attribute belongs to, if it is in a block.
fn private_block(tag: Tag) -> Option<(u16, u8)> {
    let block = (tag.element() >> 8) as u8;
    (tag.group() % 2 == 1 && block >= 0x10).then_some((tag.group(), block))
}

impl Walker<'_> {
    /// De-identifies `dataset` (at nesting `depth`), returning the new one.
    pub(crate) fn walk(
        &mut self,
        dataset: InMemDicomObject,
        depth: usize,
        mode: Mode,
    ) -> Result<InMemDicomObject> {
        if depth > MAX_SEQUENCE_DEPTH {
            return Err(Error::Unsupported {
                path: PathBuf::new(),
                reason: format!("sequences nested deeper than {MAX_SEQUENCE_DEPTH} levels"),
            });
        }
        let creators: BTreeMap<(u16, u8), String> = dataset
            .iter()
            .filter(|e| is_private_creator(e.tag()))
            .map(|e| {
                let creator = e.to_str().map(|s| s.trim().to_owned()).unwrap_or_default();
                ((e.tag().group(), e.tag().element() as u8), creator)
            })
            .collect();

        let mut output: Vec<InMemElement> = Vec::new();
        let mut creator_elements: Vec<InMemElement> = Vec::new();
        let mut used_blocks: BTreeSet<(u16, u8)> = BTreeSet::new();
        let mut overlay_groups_removed: BTreeSet<u16> = BTreeSet::new();

        for element in dataset {
            let tag = element.tag();
            if is_private_creator(tag) {
                creator_elements.push(element);
                continue;
            }
            let block = private_block(tag);
            let creator = block.and_then(|b| creators.get(&b)).map(String::as_str);
            let mut plan = self.engine.plan(tag, element.vr(), creator);
            if element.items().is_some() && !may_be_sequence(tag) {
                // A sequence where the standard defines a single value: its
                // items cannot be de-identified by the attribute's action.
                plan.action = &REMOVE;
                plan.reason = Reason::Opaque;
            }
            if plan.reason == Reason::OutsideTable && is_free_text(element.vr()) {
                match mode {
                    Mode::Normal => {}
                    Mode::Dummy => {
                        plan.action = &DUMMY;
                        plan.reason = Reason::SequenceContent;
                    }
                    Mode::Clean => {
                        plan.action = &CLEAN;
                        plan.reason = Reason::SequenceContent;
                    }
                }
            }
            if plan.encrypt {
                let root = self.path.first().map_or(tag, |step| step.tag);
                self.encrypt_roots.insert(root);
            }
            match self.apply(element, plan.action, plan.reason, depth, mode)? {
                Some(kept) => {
                    if let Some(block) = block {
                        used_blocks.insert(block);
                    }
                    output.push(kept);
                }
                None if is_overlay_data(tag) => {
                    overlay_groups_removed.insert(tag.group());
                }
                None => {}
            }
        }

        // An overlay without its data is invalid: drop the whole group.
        if !overlay_groups_removed.is_empty() {
            let mut kept = Vec::with_capacity(output.len());
            for element in output {
                if overlay_groups_removed.contains(&element.tag().group()) {
                    self.record(element.tag(), "remove", Reason::OverlayRemoved);
                } else {
                    kept.push(element);
                }
            }
            output = kept;
        }
        // Private creators stay only for blocks that kept an attribute.
        for element in creator_elements {
            let tag = element.tag();
            if used_blocks.contains(&(tag.group(), tag.element() as u8)) {
                output.push(element);
            } else {
                self.record(tag, "remove", Reason::UnusedPrivateCreator);
            }
        }
        Ok(InMemDicomObject::from_element_iter(output))
    }

    /// Applies `action` to one element; `None` when it is removed.
    fn apply(
        &mut self,
        element: InMemElement,
        action: &dyn crate::action::AttributeAction,
        reason: Reason,
        depth: usize,
        mode: Mode,
    ) -> Result<Option<InMemElement>> {
        let tag = element.tag();
        let vr = element.vr();
        match element.value() {
            Value::Sequence(_) => match action.on_sequence() {
                SequenceOutcome::Remove => {
                    self.record(tag, action.name(), reason);
                    Ok(None)
                }
                SequenceOutcome::Empty => {
                    self.record(tag, action.name(), reason);
                    Ok(Some(DataElement::new(
                        tag,
                        VR::SQ,
                        DataSetSequence::empty(),
                    )))
                }
                outcome => {
                    let item_mode = match (mode, outcome) {
                        (Mode::Dummy, _) | (_, SequenceOutcome::DummyItems) => Mode::Dummy,
                        (Mode::Clean, _) | (_, SequenceOutcome::CleanItems) => Mode::Clean,
                        _ => Mode::Normal,
                    };
                    let (_, value) = element.into_parts();
                    let items = value.into_items().map(|i| i.into_vec()).unwrap_or_default();
                    let mut walked = Vec::with_capacity(items.len());
                    for (index, item) in items.into_iter().enumerate() {
                        self.path.push(Step { tag, item: index });
                        let result = self.walk(item, depth + 1, item_mode);
                        self.path.pop();
                        walked.push(result?);
                    }
                    Ok(Some(DataElement::new(
                        tag,
                        VR::SQ,
                        DataSetSequence::from(walked),
                    )))
                }
            },
            // Encapsulated pixel data: kept or removed whole.
            Value::PixelSequence(_) => match action.on_sequence() {
                SequenceOutcome::Remove | SequenceOutcome::Empty => {
                    self.record(tag, action.name(), reason);
                    Ok(None)
                }
                _ => Ok(Some(element)),
            },
            Value::Primitive(_) => match action.apply(&element, &mut self.ctx) {
                Ok(Outcome::Keep) => Ok(Some(element)),
                Ok(Outcome::Remove) => {
                    self.record(tag, action.name(), reason);
                    Ok(None)
                }
                Ok(Outcome::Replace(value)) if !is_valid_for(vr, &value) => {
                    self.record(tag, "empty", Reason::Fallback);
                    Ok(Some(DataElement::new(tag, vr, PrimitiveValue::Empty)))
                }
                Ok(Outcome::Replace(value)) => {
                    if value
                        != *element
                            .value()
                            .primitive()
                            .unwrap_or(&PrimitiveValue::Empty)
                    {
                        self.record(tag, action.name(), reason);
                    }
                    Ok(Some(DataElement::new(tag, vr, value)))
                }
                Err(_) => {
                    self.record(tag, "empty", Reason::Fallback);
                    Ok(Some(DataElement::new(tag, vr, PrimitiveValue::Empty)))
                }
            },
        }
    }

    fn record(&mut self, tag: Tag, action: &'static str, reason: Reason) {
        self.records.push(ActionRecord {
            path: AttributePath {
                items: self.path.iter().map(|step| (step.tag, step.item)).collect(),
                tag,
            },
            action,
            reason,
        });
    }
}

/// Whether every text value of a replacement is valid for `vr` (binary
/// values are typed, hence valid).
fn is_valid_for(vr: VR, value: &PrimitiveValue) -> bool {
    match value {
        PrimitiveValue::Str(_) | PrimitiveValue::Strs(_) => value
            .to_multi_str()
            .iter()
            .all(|v| v.is_empty() || crate::values::is_valid_text(vr, v)),
        _ => true,
    }
}

/// Whether `tag` may hold a sequence: the dictionary says SQ, or the tag is
/// private or unknown (then its own action decides).
fn may_be_sequence(tag: Tag) -> bool {
    use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
    tag.group() % 2 == 1
        || dicom_dictionary_std::StandardDataDictionary
            .by_tag(tag)
            .is_none_or(|entry| entry.vr() == VirtualVr::Exact(VR::SQ))
}

/// Overlay Data (60xx,3000).
fn is_overlay_data(tag: Tag) -> bool {
    tag.group() & 0xFF00 == 0x6000 && tag.group() % 2 == 0 && tag.element() == 0x3000
}
