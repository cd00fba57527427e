//! Bucketization: generalize a value into a band, always VR-valid.

use dicom_core::VR;
use dicom_core::value::PrimitiveValue;
use dicom_object::mem::InMemElement;

use super::{ActionContext, ActionError, AttributeAction, Outcome, SequenceOutcome, map_text};
use crate::recipe::Bucket;
use crate::values::{
    bucketize_age, bucketize_ds, bucketize_float, bucketize_int, bucketize_is, generalize_da,
    generalize_dt, generalize_tm,
};

/// Generalizes values (k-anonymity's generalization):
///
/// | bucket | VRs | example |
/// |---|---|---|
/// | age bands of N years, top code | AS | `047Y` → `040Y`; `093Y` → `090Y` with top code 90 |
/// | date to month or year | DA, DT (TM to the hour) | `20240315` → `20240301` or `20240101` |
/// | numbers to the lower bound of a bucket of width W | DS, IS, US, SS, UL, SL, UV, SV, FL, FD | `72.5` → `70` with width 10 |
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucketize(pub Bucket);

impl AttributeAction for Bucketize {
    fn name(&self) -> &'static str {
        "bucketize"
    }

    fn apply(
        &self,
        element: &InMemElement,
        _ctx: &mut ActionContext<'_>,
    ) -> Result<Outcome, ActionError> {
        let name = self.name();
        let vr = element.vr();
        let unsupported = || ActionError::UnsupportedVr { action: name, vr };
        match (self.0, vr) {
            (
                Bucket::Age {
                    band_years,
                    top_code,
                },
                VR::AS,
            ) => map_text(element, name, |v| {
                Ok(bucketize_age(v, band_years, top_code)?)
            }),
            (Bucket::Date(g), VR::DA) => map_text(element, name, |v| Ok(generalize_da(v, g)?)),
            (Bucket::Date(g), VR::DT) => map_text(element, name, |v| Ok(generalize_dt(v, g)?)),
            (Bucket::Date(_), VR::TM) => map_text(element, name, |v| Ok(generalize_tm(v)?)),
            (Bucket::Number { width }, VR::DS) => {
                map_text(element, name, |v| Ok(bucketize_ds(v, width, 0.0)?))
            }
            (Bucket::Number { width }, VR::IS) => {
                let width = (width.round() as i64).max(1);
                map_text(element, name, |v| Ok(bucketize_is(v, width, 0)?))
            }
            (Bucket::Number { width }, _) => {
                bucketize_binary(element, vr, width).ok_or_else(unsupported)?
            }
            _ => Err(unsupported()),
        }
    }

    fn on_sequence(&self) -> SequenceOutcome {
        // A value-level strategy says nothing about items: replace their text.
        SequenceOutcome::DummyItems
    }
}

/// Buckets every number of a binary numeric element.
fn bucketize_binary(
    element: &InMemElement,
    vr: VR,
    width: f64,
) -> Option<Result<Outcome, ActionError>> {
    let value = element.value().primitive()?;
    let int = |values: Vec<i128>| -> Result<Vec<i128>, ActionError> {
        let w = (width.round() as i128).max(1);
        values
            .into_iter()
            .map(|v| Ok(bucketize_int(vr, v, w, 0)?))
            .collect()
    };
    let float = |values: Vec<f64>| -> Result<Vec<f64>, ActionError> {
        values
            .into_iter()
            .map(|v| Ok(bucketize_float(vr, v, width, 0.0)?))
            .collect()
    };
    // Values were clamped into the VR's range by the bucketing helpers.
    let result = match value {
        PrimitiveValue::U16(v) => int(v.iter().map(|&x| x.into()).collect())
            .map(|v| PrimitiveValue::U16(v.into_iter().map(|x| x as u16).collect())),
        PrimitiveValue::I16(v) => int(v.iter().map(|&x| x.into()).collect())
            .map(|v| PrimitiveValue::I16(v.into_iter().map(|x| x as i16).collect())),
        PrimitiveValue::U32(v) => int(v.iter().map(|&x| x.into()).collect())
            .map(|v| PrimitiveValue::U32(v.into_iter().map(|x| x as u32).collect())),
        PrimitiveValue::I32(v) => int(v.iter().map(|&x| x.into()).collect())
            .map(|v| PrimitiveValue::I32(v.into_iter().map(|x| x as i32).collect())),
        PrimitiveValue::U64(v) => int(v.iter().map(|&x| x.into()).collect())
            .map(|v| PrimitiveValue::U64(v.into_iter().map(|x| x as u64).collect())),
        PrimitiveValue::I64(v) => int(v.iter().map(|&x| x.into()).collect())
            .map(|v| PrimitiveValue::I64(v.into_iter().map(|x| x as i64).collect())),
        PrimitiveValue::F32(v) => float(v.iter().map(|&x| x.into()).collect())
            .map(|v| PrimitiveValue::F32(v.into_iter().map(|x| x as f32).collect())),
        PrimitiveValue::F64(v) => float(v.to_vec()).map(|v| PrimitiveValue::F64(v.into())),
        _ => return None,
    };
    Some(result.map(Outcome::Replace))
}
