//! Conformance with PS3.15 Table E.1-1: every one of the 621 rows, under the
//! Basic Profile and under each option that has a code for it, gets the
//! action the table prescribes.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod common;

use common::{keys, object_with};
use dicom_core::dictionary::{DataDictionary, DataDictionaryEntry, VirtualVr};
use dicom_core::header::{HasLength, Header};
use dicom_core::value::{DataSetSequence, PrimitiveValue, Value};
use dicom_core::{DataElement, Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_object::InMemDicomObject;
use medanon_tags::{
    ActionCode, Deidentifier, OptionCode, Profile, ProfileOption, Recipe, Row, values,
};

/// A concrete tag for a row (repeating groups: their first group; the
/// private row: a private attribute in a block without a safe creator).
fn concrete_tag(row: &Row) -> Tag {
    let text = row.tag_text();
    if text.starts_with("(gggg") {
        return Tag(0x0009, 0x1001);
    }
    let hex = text
        .trim_matches(|c| c == '(' || c == ')')
        .replace(',', "")
        .replace('x', "0");
    let value = u32::from_str_radix(&hex, 16).unwrap();
    Tag((value >> 16) as u16, value as u16)
}

/// The VR to test a tag with: the dictionary's, else LO.
fn vr_of(tag: Tag) -> VR {
    if tag.group() % 2 == 1 {
        return VR::LO;
    }
    match StandardDataDictionary.by_tag(tag).map(|e| e.vr()) {
        Some(VirtualVr::Exact(vr)) => vr,
        Some(VirtualVr::Xs) | Some(VirtualVr::Lt) => VR::US,
        Some(VirtualVr::Ox) => VR::OW,
        Some(VirtualVr::Px) => VR::OB,
        _ => VR::LO,
    }
}

/// A valid, recognisable original value for `vr`.
fn original_value(vr: VR, n: usize) -> Value<InMemDicomObject, Vec<u8>> {
    let text = |s: String| Value::Primitive(PrimitiveValue::from(s));
    match vr {
        VR::PN => text(format!("CANARY{n}^ROW")),
        VR::DA => text("20010203".into()),
        VR::TM => text("010203".into()),
        VR::DT => text("20010203040506".into()),
        VR::AS => text("045Y".into()),
        VR::DS => text("123.5".into()),
        VR::IS => text("123".into()),
        VR::UI => text(format!("1.2.999.77.{n}")),
        VR::UR => text(format!("http://canary{n}.example/x")),
        VR::CS | VR::AE | VR::SH => text(format!("CANARY{n}")),
        VR::LO | VR::LT | VR::ST | VR::UT | VR::UC => text(format!("CANARY{n} text")),
        VR::US => Value::Primitive(PrimitiveValue::from(7_u16)),
        VR::SS => Value::Primitive(PrimitiveValue::from(7_i16)),
        VR::UL => Value::Primitive(PrimitiveValue::from(7_u32)),
        VR::SL => Value::Primitive(PrimitiveValue::from(7_i32)),
        VR::FL => Value::Primitive(PrimitiveValue::from(7.5_f32)),
        VR::FD => Value::Primitive(PrimitiveValue::from(7.5_f64)),
        VR::AT => Value::Primitive(PrimitiveValue::Tags(
            [Tag(0x0010, 0x0010)].into_iter().collect(),
        )),
        VR::SQ => Value::Sequence(DataSetSequence::from(vec![
            InMemDicomObject::from_element_iter([
                DataElement::new(
                    Tag(0x0010, 0x0010),
                    VR::PN,
                    PrimitiveValue::from(format!("NESTED{n}")),
                ),
                DataElement::new(Tag(0x0008, 0x0100), VR::SH, PrimitiveValue::from("CODE1")),
            ]),
        ])),
        _ => Value::Primitive(PrimitiveValue::U8(
            format!("CANARY{n}!").into_bytes().into(),
        )),
    }
}

fn engine(profile: Profile) -> Deidentifier {
    Deidentifier::new(
        Recipe {
            profile,
            ..Recipe::default()
        },
        keys(),
    )
}

/// What became of the attribute: absent, or its value.
fn result_of(
    engine: &Deidentifier,
    tag: Tag,
    vr: VR,
    n: usize,
) -> (Option<Value<InMemDicomObject, Vec<u8>>>, i32) {
    let element = DataElement::new(tag, vr, original_value(vr, n));
    let mut elements = vec![element];
    if tag.group() % 2 == 1 {
        elements.push(DataElement::new(
            Tag(tag.group(), 0x0010),
            VR::LO,
            PrimitiveValue::from("NOT SAFE"),
        ));
    }
    let (out, report) = engine.deidentify(object_with(elements)).unwrap();
    let value = out.get(tag).map(|e| e.value().clone());
    (value, report.date_shift_days.unwrap_or(0))
}

fn text(value: &Value<InMemDicomObject, Vec<u8>>) -> String {
    value.to_str().map(|s| s.into_owned()).unwrap_or_default()
}

/// Checks one outcome against the code; returns a description of any mismatch.
fn check(
    code: ActionCode,
    option: Option<ProfileOption>,
    tag: Tag,
    vr: VR,
    n: usize,
    outcome: &(Option<Value<InMemDicomObject, Vec<u8>>>, i32),
) -> Result<(), String> {
    let original = original_value(vr, n);
    let (value, shift) = outcome;
    let patient_pseudonym = tag == Tag(0x0010, 0x0010) || tag == Tag(0x0010, 0x0020);
    if matches!(tag.group(), 0x0000 | 0x0002) {
        // Command and file meta attributes have no place in a data set: the
        // engine drops them and rebuilds the file meta (checked below).
        return value
            .is_none()
            .then_some(())
            .ok_or("group 0000/0002 element kept".into());
    }
    match (code, value) {
        (ActionCode::X, None) => Ok(()),
        (ActionCode::X, Some(_)) => Err("X: still present".into()),
        (_, None) if vr == VR::UN => Ok(()), // opaque content is removed
        (ActionCode::Z, Some(v)) if patient_pseudonym => {
            let t = text(v);
            (!t.is_empty() && !t.contains("CANARY"))
                .then_some(())
                .ok_or(format!("Z pseudonym: {t:?}"))
        }
        (ActionCode::Z, Some(Value::Sequence(seq))) => seq
            .items()
            .is_empty()
            .then_some(())
            .ok_or("Z: sequence keeps items".into()),
        (ActionCode::Z, Some(v)) => v
            .primitive()
            .is_some_and(|p| p.is_empty())
            .then_some(())
            .ok_or(format!("Z: not empty: {v:?}")),
        (ActionCode::D, Some(Value::Sequence(seq))) => {
            let nested = seq
                .items()
                .first()
                .and_then(|i| i.get(Tag(0x0010, 0x0010)))
                .map(|e| text(e.value()));
            (nested.as_deref() != Some(&format!("NESTED{n}")))
                .then_some(())
                .ok_or("D: nested name kept".into())
        }
        (ActionCode::D, Some(v)) => {
            let t = text(v);
            let ok = if vr == VR::UI {
                t == keys().pseudonyms().uid(&text(&original))
            } else {
                !v.primitive().is_some_and(|p| p.is_empty())
                    && *v != original
                    && !t.contains("CANARY")
            };
            ok.then_some(()).ok_or(format!("D: {v:?}"))
        }
        (ActionCode::U, Some(v)) if vr == VR::UI => (text(v)
            == keys().pseudonyms().uid(&text(&original)))
        .then_some(())
        .ok_or(format!("U: {v:?}")),
        (ActionCode::U, Some(Value::Sequence(seq))) => (seq.items().len() == 1)
            .then_some(())
            .ok_or("U*: items lost".into()),
        (ActionCode::K, Some(Value::Sequence(seq))) => (seq.items().len() == 1)
            .then_some(())
            .ok_or("K: sequence items lost".into()),
        (ActionCode::K, Some(v)) => (*v == original)
            .then_some(())
            .ok_or(format!("K: changed to {v:?}")),
        (ActionCode::C, Some(v)) => match vr {
            VR::DA => (text(v) == values::shift_da("20010203", *shift).unwrap())
                .then_some(())
                .ok_or(format!("C date: {v:?}")),
            VR::DT => (text(v) == values::shift_dt("20010203040506", *shift).unwrap())
                .then_some(())
                .ok_or(format!("C datetime: {v:?}")),
            VR::TM | VR::AS | VR::DS | VR::IS => (*v == original)
                .then_some(())
                .ok_or(format!("C kept value: {v:?}")),
            VR::PN => (!text(v).contains("CANARY"))
                .then_some(())
                .ok_or(format!("C name: {v:?}")),
            VR::UI => (text(v) == keys().pseudonyms().uid(&text(&original)))
                .then_some(())
                .ok_or(format!("C uid: {v:?}")),
            VR::SQ => Ok(()),
            // Text with no identifying terms of the object is kept as it is.
            _ if v.primitive().is_some() && values::is_valid_text(vr, "X") => (*v == original)
                .then_some(())
                .ok_or(format!("C text: {v:?}")),
            _ => Err(format!("C: binary value kept: {v:?}")),
        },
        (ActionCode::C, None)
            if !matches!(vr, VR::DA | VR::DT | VR::TM | VR::PN | VR::UI | VR::SQ) =>
        {
            Ok(())
        }
        (code, value) => Err(format!("{code} ({option:?}): unexpected {value:?}")),
    }
}

#[test]
fn every_row_under_the_basic_profile() {
    let engine = engine(Profile::basic());
    let mut failures = Vec::new();
    for (n, row) in medanon_tags::table().iter().enumerate() {
        let tag = concrete_tag(row);
        let vr = vr_of(tag);
        let (code, option) = Profile::basic().action_for_row(row);
        assert_eq!(option, None);
        if let Err(e) = check(code, None, tag, vr, n, &result_of(&engine, tag, vr, n)) {
            failures.push(format!("{} {} ({vr}): {e}", row.tag_text(), row.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} rows fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_option_column_of_every_row() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for option in ProfileOption::ALL {
        let profile = Profile::from_options(&[option], true).unwrap();
        let engine = engine(profile.clone());
        for (n, row) in medanon_tags::table().iter().enumerate() {
            let Some((_, code)) = row.options.iter().find(|(o, _)| *o == option) else {
                continue;
            };
            let tag = concrete_tag(row);
            let vr = vr_of(tag);
            let (resolved, by) = profile.action_for_row(row);
            let expected = match code {
                OptionCode::K => ActionCode::K,
                OptionCode::C => ActionCode::C,
            };
            assert_eq!((resolved, by), (expected, Some(option)), "{}", row.name);
            if tag.group() % 2 == 1 {
                continue; // the private row is tested with safe creators below
            }
            checked += 1;
            if let Err(e) = check(resolved, by, tag, vr, n, &result_of(&engine, tag, vr, n)) {
                failures.push(format!(
                    "{option}: {} {} ({vr}): {e}",
                    row.tag_text(),
                    row.name
                ));
            }
        }
    }
    assert!(checked > 400, "only {checked} option cells checked");
    assert!(
        failures.is_empty(),
        "{} cells fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn safe_private_attributes_are_matched_by_creator_and_offset_in_any_block() {
    let retaining = engine(Profile::basic().retain_safe_private());
    // "Philips PET Private Group" (7053,xx00) DS is safe, in whatever block.
    for block in [0x10u16, 0x42] {
        let object = object_with(vec![
            DataElement::new(
                Tag(0x7053, block),
                VR::LO,
                PrimitiveValue::from("Philips PET Private Group"),
            ),
            DataElement::new(Tag(0x7053, block << 8), VR::DS, PrimitiveValue::from("1.5")),
            DataElement::new(
                Tag(0x7053, (block << 8) | 0x01),
                VR::LO,
                PrimitiveValue::from("CANARY private"),
            ),
        ]);
        let (out, _) = retaining.deidentify(object).unwrap();
        assert!(
            out.get(Tag(0x7053, block << 8)).is_some(),
            "safe attribute kept in block {block:#x}"
        );
        assert!(out.get(Tag(0x7053, block)).is_some(), "its creator kept");
        assert!(
            out.get(Tag(0x7053, (block << 8) | 0x01)).is_none(),
            "unsafe neighbour removed"
        );
    }
    // Without the option, everything private goes, creators included.
    let object = object_with(vec![
        DataElement::new(
            Tag(0x7053, 0x0010),
            VR::LO,
            PrimitiveValue::from("Philips PET Private Group"),
        ),
        DataElement::new(Tag(0x7053, 0x1000), VR::DS, PrimitiveValue::from("1.5")),
    ]);
    let (out, _) = engine(Profile::basic()).deidentify(object).unwrap();
    assert!(out.iter().all(|e| e.tag().group() != 0x7053));
}

#[test]
fn the_file_meta_follows_the_new_sop_instance_uid() {
    let original = "1.2.999.1.1";
    let object = || object_with(vec![]);
    let (out, _) = engine(Profile::basic()).deidentify(object()).unwrap();
    let expected = keys().pseudonyms().uid(original);
    assert_eq!(out.meta().media_storage_sop_instance_uid(), expected);
    assert_eq!(
        out.get(Tag(0x0008, 0x0018)).unwrap().to_str().unwrap(),
        expected
    );
    let kept = Profile::basic().dangerous().retain_uids();
    let (out, _) = engine(kept).deidentify(object()).unwrap();
    assert_eq!(out.meta().media_storage_sop_instance_uid(), original);
}
