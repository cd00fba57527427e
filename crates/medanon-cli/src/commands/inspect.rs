//! `medanon inspect`: the patient and study of one file, as they are (this
//! is the user's own look at a local file), and every attribute that
//! de-identification would change, with the action and the reason.

use std::path::Path;

use anyhow::{Context, Result};
use dicom_core::Tag;
use dicom_dictionary_std::tags;
use dicom_object::DefaultDicomObject;
use medanon::crypto::KeySet;
use medanon::tags::{Deidentifier, Limits, open_dicom};
use serde_json::{Map, Value, json};

use super::anonymize::load_recipe;
use super::batch::printable;
use super::crypto::load_keys;

/// The patient attributes shown: label, keyword, tag.
const PATIENT: [(&str, &str, Tag); 5] = [
    ("Patient's Name", "PatientName", tags::PATIENT_NAME),
    ("Patient ID", "PatientID", tags::PATIENT_ID),
    ("Birth Date", "PatientBirthDate", tags::PATIENT_BIRTH_DATE),
    ("Sex", "PatientSex", tags::PATIENT_SEX),
    ("Age", "PatientAge", tags::PATIENT_AGE),
];

/// The study attributes shown: label, keyword, tag.
const STUDY: [(&str, &str, Tag); 8] = [
    ("Study Date", "StudyDate", tags::STUDY_DATE),
    (
        "Study Description",
        "StudyDescription",
        tags::STUDY_DESCRIPTION,
    ),
    (
        "Accession Number",
        "AccessionNumber",
        tags::ACCESSION_NUMBER,
    ),
    ("Modality", "Modality", tags::MODALITY),
    (
        "Study Instance UID",
        "StudyInstanceUID",
        tags::STUDY_INSTANCE_UID,
    ),
    (
        "Series Instance UID",
        "SeriesInstanceUID",
        tags::SERIES_INSTANCE_UID,
    ),
    ("SOP Instance UID", "SOPInstanceUID", tags::SOP_INSTANCE_UID),
    ("Institution", "InstitutionName", tags::INSTITUTION_NAME),
];

/// Runs `medanon inspect`.
pub fn inspect(file: &Path, json: bool, recipe: Option<&Path>, key: Option<&Path>) -> Result<()> {
    let recipe = load_recipe(recipe)?;
    let keys = match key {
        Some(path) => load_keys(path)?,
        None => KeySet::generate()?,
    };
    let object = open_dicom(file, &Limits::default())?;
    let patient: Vec<(&str, &str, Option<String>)> = PATIENT
        .iter()
        .map(|&(label, keyword, tag)| (label, keyword, text(&object, tag)))
        .collect();
    let study: Vec<(&str, &str, Option<String>)> = STUDY
        .iter()
        .map(|&(label, keyword, tag)| (label, keyword, text(&object, tag)))
        .collect();
    let engine = Deidentifier::new(recipe, keys);
    let (_, report) = engine
        .deidentify(object)
        .with_context(|| format!("cannot de-identify {}", file.display()))?;

    if json {
        let section = |rows: &[(&str, &str, Option<String>)]| {
            let map: Map<String, Value> = rows
                .iter()
                .map(|(_, keyword, value)| ((*keyword).to_owned(), json!(value)))
                .collect();
            Value::Object(map)
        };
        let document = json!({
            "patient": section(&patient),
            "study": section(&study),
            "actions": report.actions,
        });
        println!("{}", serde_json::to_string_pretty(&document)?);
        return Ok(());
    }

    let show = |rows: &[(&str, &str, Option<String>)]| {
        for (label, _, value) in rows {
            let value = match value {
                Some(v) if v.is_empty() => "(empty)".to_owned(),
                Some(v) => printable(v),
                None => "(absent)".to_owned(),
            };
            println!("  {label:<20} {value}");
        }
    };
    println!("{}", printable(&file.display().to_string()));
    println!("Patient");
    show(&patient);
    println!("Study");
    show(&study);
    println!(
        "De-identification changes {} attributes:",
        report.actions.len()
    );
    let width = report
        .actions
        .iter()
        .map(|a| a.path.to_string().len())
        .max()
        .unwrap_or(0);
    for action in &report.actions {
        println!(
            "  {:<width$}  {:<13} {}",
            action.path, action.action, action.reason
        );
    }
    Ok(())
}

/// A top-level text value, trimmed of padding; `None` when absent.
fn text(object: &DefaultDicomObject, tag: Tag) -> Option<String> {
    let element = object.get(tag)?;
    Some(
        element
            .to_str()
            .map(|s| {
                s.trim_matches(|c: char| c.is_whitespace() || c == '\0')
                    .to_owned()
            })
            .unwrap_or_default(),
    )
}
