//! `D`: replace the value with a fixed dummy of the same VR.

use dicom_core::VR;
use dicom_core::value::PrimitiveValue;
use dicom_object::mem::InMemElement;

use super::{
    ActionContext, ActionError, AttributeAction, Outcome, ReplaceUid, SequenceOutcome,
    value_from_bytes,
};
use crate::values::{DummyValue, dummy_value};

/// Replaces the value with a fixed, obviously fake value valid for its VR
/// (PS3.15 action D): `ANONYMOUS`, `19000101`, `0`, zero bytes. UIDs get
/// their keyed replacement instead, which is just as meaningless but keeps
/// references between objects consistent.
#[derive(Debug, Clone, Copy, Default)]
pub struct Dummy;

impl AttributeAction for Dummy {
    fn name(&self) -> &'static str {
        "dummy"
    }

    fn apply(
        &self,
        element: &InMemElement,
        ctx: &mut ActionContext<'_>,
    ) -> Result<Outcome, ActionError> {
        let vr = element.vr();
        if vr == VR::UI {
            return ReplaceUid.apply(element, ctx);
        }
        Ok(Outcome::Replace(match dummy_value(vr) {
            Some(DummyValue::Text(text)) => PrimitiveValue::from(text),
            Some(DummyValue::Bytes(bytes)) => value_from_bytes(vr, bytes),
            None => PrimitiveValue::Empty,
        }))
    }

    fn on_sequence(&self) -> SequenceOutcome {
        SequenceOutcome::DummyItems
    }
}
