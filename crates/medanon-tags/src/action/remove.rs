//! `X`: remove the attribute.

use dicom_object::mem::InMemElement;

use super::{ActionContext, ActionError, AttributeAction, Outcome, SequenceOutcome};

/// Removes the attribute (PS3.15 action X; suppression).
#[derive(Debug, Clone, Copy, Default)]
pub struct Remove;

impl AttributeAction for Remove {
    fn name(&self) -> &'static str {
        "remove"
    }

    fn apply(&self, _: &InMemElement, _: &mut ActionContext<'_>) -> Result<Outcome, ActionError> {
        Ok(Outcome::Remove)
    }

    fn on_sequence(&self) -> SequenceOutcome {
        SequenceOutcome::Remove
    }
}
