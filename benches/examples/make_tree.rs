//! Writes a synthetic DICOM tree for the anonymization benchmark:
//! `make_tree SOURCE_DIR OUT_DIR N` copies the DICOM files of SOURCE_DIR
//! round-robin into N files under OUT_DIR/<patient>/<study>/, each with its
//! own made-up patient name and ID, study, series and SOP Instance UIDs
//! (identifying-looking folder names, as real exports have).
#![allow(missing_docs)]

use std::path::{Path, PathBuf};

use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, source, out, n] = args.as_slice() else {
        return Err("usage: make_tree SOURCE_DIR OUT_DIR N".into());
    };
    let n: usize = n.parse()?;
    let mut sources: Vec<PathBuf> = Vec::new();
    collect(Path::new(source), &mut sources)?;
    sources.sort();
    let templates: Vec<_> = sources
        .iter()
        .filter_map(|p| medanon_tags::open_dicom(p, &medanon_tags::Limits::default()).ok())
        .collect();
    if templates.is_empty() {
        return Err("no readable DICOM file in SOURCE_DIR".into());
    }
    for i in 0..n {
        let mut object = templates[i % templates.len()].clone();
        let patient = i / 20;
        let study = i / 5;
        let put = |object: &mut dicom_object::DefaultDicomObject, tag, vr, value: String| {
            object.put(DataElement::new(tag, vr, PrimitiveValue::from(value)));
        };
        put(
            &mut object,
            tags::PATIENT_NAME,
            VR::PN,
            format!("SYNTHETIC^PATIENT{patient:05}"),
        );
        put(
            &mut object,
            tags::PATIENT_ID,
            VR::LO,
            format!("SYN{patient:07}"),
        );
        put(
            &mut object,
            tags::STUDY_INSTANCE_UID,
            VR::UI,
            format!("1.2.826.0.1.3680043.10.1.{study}"),
        );
        put(
            &mut object,
            tags::SERIES_INSTANCE_UID,
            VR::UI,
            format!("1.2.826.0.1.3680043.10.2.{study}"),
        );
        let sop = format!("1.2.826.0.1.3680043.10.3.{i}");
        put(&mut object, tags::SOP_INSTANCE_UID, VR::UI, sop.clone());
        object.update_meta(|m| m.media_storage_sop_instance_uid = sop);
        let dir = Path::new(out)
            .join(format!("SYNTHETIC_PATIENT{patient:05}"))
            .join(format!("study_{study:05}"));
        std::fs::create_dir_all(&dir)?;
        object.write_to_file(dir.join(format!("image_{i:06}.dcm")))?;
    }
    Ok(())
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "dcm") {
            files.push(path);
        }
    }
    Ok(())
}
