//! Randomization: replace the value with a random one of the same VR.

use dicom_core::VR;
use dicom_core::value::PrimitiveValue;
use dicom_object::mem::InMemElement;

use super::{
    ActionContext, ActionError, AttributeAction, Outcome, SequenceOutcome, value_from_bytes,
};
use crate::values::{RandomValue, random_uid, random_value};

/// Replaces the value with a random value valid for its VR: a different one
/// in every run (use [`Pseudonymize`](super::Pseudonymize) for values that
/// must stay consistent).
#[derive(Debug, Clone, Copy, Default)]
pub struct Randomize;

impl AttributeAction for Randomize {
    fn name(&self) -> &'static str {
        "randomize"
    }

    fn apply(
        &self,
        element: &InMemElement,
        ctx: &mut ActionContext<'_>,
    ) -> Result<Outcome, ActionError> {
        let vr = element.vr();
        if vr == VR::UI {
            return Ok(Outcome::Replace(PrimitiveValue::from(random_uid(
                ctx.rng(),
            ))));
        }
        match random_value(vr, ctx.rng()) {
            Some(RandomValue::Text(text)) => Ok(Outcome::Replace(PrimitiveValue::from(text))),
            Some(RandomValue::Bytes(bytes)) => Ok(Outcome::Replace(value_from_bytes(vr, &bytes))),
            None => Err(ActionError::UnsupportedVr {
                action: self.name(),
                vr,
            }),
        }
    }

    fn on_sequence(&self) -> SequenceOutcome {
        // A value-level strategy says nothing about items: replace their text.
        SequenceOutcome::DummyItems
    }
}
