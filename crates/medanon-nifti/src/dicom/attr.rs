//! Reading and writing the few attributes a series needs, tolerant of
//! padding and of values stored under the wrong VR.

use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::tags;
use dicom_object::InMemDicomObject;

/// A text value without its padding, if present and readable.
pub(super) fn string(obj: &InMemDicomObject, tag: Tag) -> Option<String> {
    let value = obj.get(tag)?.to_str().ok()?;
    let value = value.trim_matches(['\0', ' ']);
    (!value.is_empty()).then(|| value.to_owned())
}

/// All the numbers of a multi-valued numeric attribute (DS, IS, FD, ...).
pub(super) fn floats(obj: &InMemDicomObject, tag: Tag) -> Option<Vec<f64>> {
    let values = obj.get(tag)?.to_multi_float64().ok()?;
    (!values.is_empty() && values.iter().all(|v| v.is_finite())).then_some(values)
}

/// The first number of a numeric attribute.
pub(super) fn float(obj: &InMemDicomObject, tag: Tag) -> Option<f64> {
    floats(obj, tag)?.first().copied()
}

/// An integer attribute (US, IS, ...).
pub(super) fn int(obj: &InMemDicomObject, tag: Tag) -> Option<i64> {
    obj.get(tag)?.to_int::<i64>().ok()
}

/// The items of a sequence attribute (empty if absent or not a sequence).
pub(super) fn items(obj: &InMemDicomObject, tag: Tag) -> &[InMemDicomObject] {
    obj.get(tag).and_then(|e| e.items()).unwrap_or_default()
}

/// The item of functional group `group` (a sequence such as Plane Position
/// Sequence) that applies to `frame`: the Per-frame Functional Groups
/// Sequence item's, else the Shared Functional Groups Sequence's.
pub(super) fn functional_group(
    obj: &InMemDicomObject,
    frame: usize,
    group: Tag,
) -> Option<&InMemDicomObject> {
    let per_frame = items(obj, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE)
        .get(frame)
        .and_then(|item| items(item, group).first());
    per_frame.or_else(|| {
        items(obj, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE)
            .first()
            .and_then(|shared| items(shared, group).first())
    })
}

/// Puts a text attribute.
pub(super) fn put_str(obj: &mut InMemDicomObject, tag: Tag, vr: VR, value: &str) {
    obj.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
}

/// Puts a multi-valued text attribute (CS, DS, ...).
pub(super) fn put_strs(obj: &mut InMemDicomObject, tag: Tag, vr: VR, values: &[String]) {
    obj.put(DataElement::new(
        tag,
        vr,
        PrimitiveValue::Strs(values.iter().cloned().collect()),
    ));
}

/// Puts an unsigned short attribute.
pub(super) fn put_us(obj: &mut InMemDicomObject, tag: Tag, value: u16) {
    obj.put(DataElement::new(tag, VR::US, PrimitiveValue::from(value)));
}

/// Puts a sequence attribute.
pub(super) fn put_sequence(obj: &mut InMemDicomObject, tag: Tag, items: Vec<InMemDicomObject>) {
    obj.put(DataElement::new(tag, VR::SQ, DataSetSequence::from(items)));
}

/// A decimal string (DS) for `value`: at most 16 characters, as precise
/// as fits. Parse it back to get the value readers will use.
pub(super) fn format_ds(value: f64) -> String {
    if !value.is_finite() {
        return "0".to_owned();
    }
    let plain = format!("{value}");
    if plain.len() <= 16 {
        return plain;
    }
    for precision in (0..=15).rev() {
        let fixed = format!("{value:.precision$}");
        let fixed = trim_fraction(&fixed);
        // Keep a fixed form only if it keeps at least 6 significant digits.
        let significant = fixed
            .trim_start_matches(['-', '0', '.'])
            .chars()
            .filter(char::is_ascii_digit)
            .count();
        if fixed.len() <= 16 && significant >= 6 {
            return fixed;
        }
        let exp = format!("{value:.precision$e}");
        if exp.len() <= 16 {
            return exp;
        }
    }
    "0".to_owned()
}

/// "1.2300" → "1.23", "5.000" → "5".
fn trim_fraction(text: &str) -> String {
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_strings_fit_and_round_trip() {
        for value in [
            1.0,
            -1024.0,
            0.5,
            1e-6,
            -3.25e-7,
            123_456_789.123_456_78,
            0.012_345_678_901_234_5,
            1.0 / 3.0,
            -2.0 / 3.0 * 1e12,
            4.0e20,
        ] {
            let text = format_ds(value);
            assert!(text.len() <= 16, "{text} is longer than 16");
            let back: f64 = text.parse().unwrap();
            assert!(
                (back - value).abs() <= value.abs() * 1e-6,
                "{value} became {text}"
            );
        }
        assert_eq!(format_ds(1.0), "1");
        assert_eq!(format_ds(-1024.0), "-1024");
        assert_eq!(format_ds(f64::NAN), "0");
    }
}
