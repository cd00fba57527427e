//! `Z`: keep the attribute with a zero-length value.

use dicom_core::value::PrimitiveValue;
use dicom_object::mem::InMemElement;

use super::{ActionContext, ActionError, AttributeAction, Outcome, SequenceOutcome};

/// Replaces the value with a zero-length one (PS3.15 action Z; suppression
/// that keeps Type 2 attributes present).
#[derive(Debug, Clone, Copy, Default)]
pub struct Empty;

impl AttributeAction for Empty {
    fn name(&self) -> &'static str {
        "empty"
    }

    fn apply(&self, _: &InMemElement, _: &mut ActionContext<'_>) -> Result<Outcome, ActionError> {
        Ok(Outcome::Replace(PrimitiveValue::Empty))
    }

    fn on_sequence(&self) -> SequenceOutcome {
        SequenceOutcome::Empty
    }
}
