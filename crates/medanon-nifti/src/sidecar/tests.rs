#![allow(clippy::unwrap_used, clippy::expect_used)]

use super::*;

/// A dcm2niix sidecar with made-up identifying values.
const DCM2NIIX: &str = r#"{
    "Modality": "MR",
    "MagneticFieldStrength": 3,
    "ImagingFrequency": 123.25,
    "Manufacturer": "Siemens",
    "ManufacturersModelName": "Prisma_fit",
    "InstitutionName": "General Hospital",
    "InstitutionalDepartmentName": "Radiology",
    "InstitutionAddress": "1 Main Street",
    "DeviceSerialNumber": "66001",
    "StationName": "AWP66001",
    "BodyPartExamined": "BRAIN",
    "PatientPosition": "HFS",
    "ProcedureStepDescription": "Smith^Research",
    "StudyDescription": "Neuro^Smith",
    "SoftwareVersions": "syngo MR XA30",
    "MRAcquisitionType": "3D",
    "SeriesDescription": "T1w_MPR",
    "ProtocolName": "T1w_MPR",
    "ScanningSequence": "GR_IR",
    "SequenceName": "*tfl3d1_16ns",
    "ImageType": ["ORIGINAL", "PRIMARY", "M", "ND"],
    "SeriesNumber": 5,
    "AcquisitionTime": "10:14:35.250000",
    "AcquisitionDateTime": "2021-03-04T10:14:35.25",
    "AcquisitionDate": "2021-03-04",
    "AcquisitionNumber": 1,
    "PatientName": "DOE^JANE",
    "PatientID": "MRN12345",
    "PatientBirthDate": "1987-06-05",
    "PatientSex": "F",
    "PatientAge": "034Y",
    "PatientWeight": 61,
    "AccessionNumber": "ACC998877",
    "StudyInstanceUID": "1.2.840.113619.2.55.3.1",
    "SeriesInstanceUID": "1.2.840.113619.2.55.3.2",
    "ReferringPhysicianName": "HOUSE^GREGORY",
    "PerformingPhysicianName": "GREY^MEREDITH",
    "OperatorsName": "TECH^TOM",
    "ImageComments": "patient moved",
    "ReceiveCoilName": "HeadNeck_64",
    "RepetitionTime": 2.3,
    "EchoTime": 0.00226,
    "InversionTime": 0.9,
    "FlipAngle": 8,
    "SliceTiming": [0.0, 0.5, 1.0],
    "ConversionSoftware": "dcm2niix",
    "ConversionSoftwareVersion": "v1.0.20211006"
}"#;

fn keys(json: &str) -> Vec<String> {
    let v: Value = serde_json::from_str(json).unwrap();
    v.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn a_dcm2niix_sidecar_loses_identifiers_and_keeps_parameters() {
    let (cleaned, report) = clean_sidecar(DCM2NIIX, &SidecarPolicy::default()).unwrap();
    let kept = keys(&cleaned);
    let expected = [
        "AcquisitionNumber",
        "AcquisitionTime",
        "BodyPartExamined",
        "ConversionSoftware",
        "ConversionSoftwareVersion",
        "EchoTime",
        "FlipAngle",
        "ImageType",
        "ImagingFrequency",
        "InversionTime",
        "MRAcquisitionType",
        "MagneticFieldStrength",
        "Manufacturer",
        "ManufacturersModelName",
        "Modality",
        "PatientPosition",
        "ProtocolName",
        "ReceiveCoilName",
        "RepetitionTime",
        "ScanningSequence",
        "SequenceName",
        "SeriesDescription",
        "SeriesNumber",
        "SliceTiming",
        "SoftwareVersions",
    ];
    assert_eq!(kept, expected, "sorted, parameters only");
    for secret in [
        "DOE",
        "MRN12345",
        "1987",
        "2021-03",
        "Smith",
        "Hospital",
        "Main Street",
        "66001",
        "HOUSE",
        "GREY",
        "TECH",
        "moved",
        "ACC99",
        "113619",
        "034Y",
        "Radiology",
    ] {
        assert!(!cleaned.contains(secret), "{secret} survived");
    }
    let reason = |key: &str| {
        report
            .removed
            .iter()
            .find(|r| r.path == key)
            .unwrap()
            .reason
    };
    assert_eq!(reason("PatientSex"), RemovalReason::PatientCharacteristic);
    assert_eq!(reason("PatientName"), RemovalReason::IdentifyingKey);
    assert_eq!(reason("AcquisitionDateTime"), RemovalReason::IdentifyingKey);
    assert_eq!(report.removed.len(), keys(DCM2NIIX).len() - expected.len());
    let shown = format!("{report:?}");
    assert!(
        !shown.contains("DOE") && !shown.contains("MRN"),
        "no values in reports"
    );
    assert!(cleaned.ends_with("}\n"));
}

#[test]
fn options_change_what_goes() {
    let mut keep = SidecarPolicy::default()
        .remove_times_of_day()
        .remove_key("SeriesNumber");
    keep.dangerous()
        .keep_patient_characteristics()
        .keep_key("stationname");
    let (cleaned, report) = clean_sidecar(DCM2NIIX, &keep).unwrap();
    let kept = keys(&cleaned);
    for key in ["PatientSex", "PatientAge", "PatientWeight", "StationName"] {
        assert!(kept.contains(&key.to_owned()), "{key}");
    }
    for key in ["AcquisitionTime", "SeriesNumber", "PatientName"] {
        assert!(!kept.contains(&key.to_owned()), "{key}");
    }
    let reason = |key: &str| {
        report
            .removed
            .iter()
            .find(|r| r.path == key)
            .unwrap()
            .reason
    };
    assert_eq!(reason("AcquisitionTime"), RemovalReason::TimeOfDay);
    assert_eq!(reason("SeriesNumber"), RemovalReason::Listed);
}

#[test]
fn nested_values_and_arrays_are_walked() {
    let json = r#"{
        "Custom": {"ScanStart": "10:11:12", "Note": "scanned 03.04.2021", "Level": 2,
                   "Inner": [{"patient_name": "x"}, "2020/01/02", 20200102, 12345678, "ok"]},
        "Tags": ["a", "19991231", "b"],
        "SeriesDescription": "T1 2021-03-04",
        "Count": 20200102.5
    }"#;
    let (cleaned, report) = clean_sidecar(json, &SidecarPolicy::default()).unwrap();
    let v: Value = serde_json::from_str(&cleaned).unwrap();
    assert_eq!(
        v["Custom"]["ScanStart"], "10:11:12",
        "times of day kept by default"
    );
    assert_eq!(v["Custom"]["Level"], 2);
    assert!(v["Custom"].get("Note").is_none());
    assert_eq!(
        v["Custom"]["Inner"],
        serde_json::json!([{}, 12345678, "ok"])
    );
    assert_eq!(v["Tags"], serde_json::json!(["a", "b"]));
    assert!(
        v.get("SeriesDescription").is_none(),
        "acquisition keys are checked for dates"
    );
    assert_eq!(v["Count"], 20200102.5);
    let paths: Vec<&str> = report.removed.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "Custom.Inner[0].patient_name",
            "Custom.Inner[1]",
            "Custom.Inner[2]",
            "Custom.Note",
            "SeriesDescription",
            "Tags[1]",
        ]
    );
    let strict = SidecarPolicy::default().remove_times_of_day();
    let (cleaned, _) = clean_sidecar(json, &strict).unwrap();
    assert!(!cleaned.contains("10:11:12"));
}

#[test]
fn output_is_deterministic_and_errors_hide_the_text() {
    let a = clean_sidecar(
        r#"{"b": 1, "a": {"d": 2, "c": 3}}"#,
        &SidecarPolicy::default(),
    )
    .unwrap();
    let b = clean_sidecar(
        r#"{"a": {"c": 3, "d": 2}, "b": 1}"#,
        &SidecarPolicy::default(),
    )
    .unwrap();
    assert_eq!(a, b);
    let err = clean_sidecar(
        r#"{"PatientName": "SECRET^NAME" "#,
        &SidecarPolicy::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("line 1") && !err.contains("SECRET"), "{err}");
    let err = clean_sidecar(r#"{"PatientName": SECRET}"#, &SidecarPolicy::default())
        .unwrap_err()
        .to_string();
    assert!(!err.contains("SECRET"), "{err}");
}

#[test]
fn key_words_dates_and_times() {
    assert_eq!(words("SOPInstanceUID"), ["sop", "instance", "uid"]);
    assert_eq!(words("OtherPatientIDs"), ["other", "patient", "ids"]);
    assert_eq!(words("patient_name"), ["patient", "name"]);
    assert_eq!(words("MRAcquisitionType"), ["mr", "acquisition", "type"]);
    assert_eq!(words("FluidSuppression"), ["fluid", "suppression"]);
    assert_eq!(words("UpdateRate"), ["update", "rate"]);
    for yes in [
        "2020-01-02",
        "2020-01-02T10:11:12",
        "at 02.01.2020",
        "12/31/1999",
        "20200102",
        "20200102101112",
        "2020/01/02",
    ] {
        assert!(contains_date(yes), "{yes}");
    }
    for no in [
        "1.2.840.10008.5.1.4.1.1.4",
        "12345678",
        "2020-13-02",
        "2020-01/02",
        "3T",
        "v1.2.3",
        "202001021",
        "",
    ] {
        assert!(!contains_date(no), "{no}");
    }
    for yes in ["10:11", "10:11:12", "23:59:60.123456", " 08:00:00 "] {
        assert!(is_time_of_day(yes), "{yes}");
    }
    for no in ["24:00", "10:61", "10:11:12:13", "1:2", "10:11.5x", "101112"] {
        assert!(!is_time_of_day(no), "{no}");
    }
}

#[test]
fn sidecar_paths() {
    let p = |s: &str| sidecar_path(s).map(|p| p.to_string_lossy().into_owned());
    assert_eq!(
        p("d/sub-01_T1w.nii.gz").as_deref(),
        Some("d/sub-01_T1w.json")
    );
    assert_eq!(p("sub-01_T1w.nii").as_deref(), Some("sub-01_T1w.json"));
    assert_eq!(p("A.HDR").as_deref(), Some("A.json"));
    assert_eq!(p("a.img.gz").as_deref(), Some("a.json"));
    assert_eq!(p("a.json"), None);
    assert_eq!(p(".nii"), None);
}
