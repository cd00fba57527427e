//! `K`: keep the attribute.

use dicom_object::mem::InMemElement;

use super::{ActionContext, ActionError, AttributeAction, Outcome};

/// Keeps the attribute unchanged (PS3.15 action K).
#[derive(Debug, Clone, Copy, Default)]
pub struct Keep;

impl AttributeAction for Keep {
    fn name(&self) -> &'static str {
        "keep"
    }

    fn apply(&self, _: &InMemElement, _: &mut ActionContext<'_>) -> Result<Outcome, ActionError> {
        Ok(Outcome::Keep)
    }
}
