//! `medanon anonymize`, `reidentify` and `inspect` as a user runs them, on
//! real files from `../shared/testdata` copied under identifying names.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use medanon::tags::{Limits, open_dicom, parse_tag};

/// Names in the input tree that identify the patient; none may reach OUT
/// or the audit log. (The date folder is matched with its hyphens: four
/// digits alone turn up in random `2.25.` UIDs about once in twenty runs.)
const IDENTIFYING: [&str; 8] = [
    "DOE",
    "JOHN",
    "SMITH",
    "JANE",
    "1990-01-01",
    "scan",
    "head",
    "README",
];

fn testdata() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/dicom/pydicom");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!("SKIPPED: ../shared/testdata/dicom/pydicom is not available");
        None
    }
}

fn medanon(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_medanon"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_status(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stderr: {}\nstdout: {}",
        stderr(out),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// A tree of three DICOM files and a README under identifying names, in
/// `root/in`.
fn make_tree(data: &Path, root: &Path) -> PathBuf {
    let input = root.join("in");
    let copies = [
        ("CT_small.dcm", "DOE_JOHN/1990-01-01/scan.dcm"),
        ("MR_small.dcm", "DOE_JOHN/1990-01-01/scan2.dcm"),
        ("rtplan.dcm", "SMITH_JANE/head.dcm"),
        ("README.txt", "README.txt"),
    ];
    for (from, to) in copies {
        let to = input.join(to);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(data.join(from), &to).unwrap();
    }
    input
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                out.push(path.strip_prefix(base).unwrap().to_owned());
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

fn dicom_outputs(dir: &Path) -> Vec<PathBuf> {
    files(dir)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "dcm"))
        .collect()
}

fn audit_lines(path: &Path) -> Vec<serde_json::Value> {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn text(path: &Path, keyword: &str) -> String {
    let object = open_dicom(path, &Limits::default()).unwrap();
    let element = object.get(parse_tag(keyword).unwrap()).unwrap();
    element
        .to_str()
        .unwrap()
        .trim_end_matches(['\0', ' '])
        .to_owned()
}

#[test]
fn anonymize_tree_writes_pseudonymous_outputs_and_a_path_free_audit_log() {
    let Some(data) = testdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = make_tree(&data, dir.path());
    let out = medanon(&["anonymize", "in", "out"], dir.path());
    assert_status(&out, 0);
    let err = stderr(&out);
    assert!(err.contains("one-time key"), "{err}");
    assert!(err.contains("3 de-identified, 1 skipped"), "{err}");
    assert!(err.contains("MB/s"), "{err}");

    let out_dir = dir.path().join("out");
    let outputs = dicom_outputs(&out_dir);
    assert_eq!(outputs.len(), 3, "{outputs:?}");
    for rel in &outputs {
        assert_eq!(rel.components().count(), 4, "{rel:?}");
        let shown = rel.to_string_lossy();
        for name in IDENTIFYING {
            assert!(!shown.contains(name), "{shown} contains {name}");
        }
        open_dicom(&out_dir.join(rel), &Limits::default()).unwrap();
    }
    assert_eq!(files(&out_dir).len(), 4, "{:?}", files(&out_dir));

    let log = fs::read_to_string(out_dir.join("audit.jsonl")).unwrap();
    for name in IDENTIFYING.iter().chain(&["in/", "CompressedSamples"]) {
        assert!(!log.contains(name), "audit log contains {name}");
    }
    let lines = audit_lines(&out_dir.join("audit.jsonl"));
    assert_eq!(lines.len(), 4);
    let ok: Vec<_> = lines.iter().filter(|l| l["status"] == "ok").collect();
    assert_eq!(ok.len(), 3);
    for line in &ok {
        assert_eq!(line["input_digest"].as_str().unwrap().len(), 64);
        assert!(out_dir.join(line["output"].as_str().unwrap()).is_file());
        assert!(!line["actions"].as_array().unwrap().is_empty());
        assert!(line["error"].is_null());
    }
    let skipped: Vec<_> = lines.iter().filter(|l| l["status"] == "skipped").collect();
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0]["output"].is_null());

    // Inputs are untouched.
    assert_eq!(
        fs::read(input.join("DOE_JOHN/1990-01-01/scan.dcm")).unwrap(),
        fs::read(data.join("CT_small.dcm")).unwrap()
    );
}

#[test]
fn a_corrupt_file_fails_alone_with_status_2_and_leaves_no_partial_file() {
    let Some(data) = testdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    let input = make_tree(&data, dir.path());
    fs::copy(
        data.join("MR_truncated.dcm"),
        input.join("DOE_JOHN/1990-01-01/scan3.dcm"),
    )
    .unwrap();
    let out = medanon(&["anonymize", "in", "out", "--quiet"], dir.path());
    assert_status(&out, 2);
    let err = stderr(&out);
    let errors: Vec<_> = err
        .lines()
        .filter(|l| l.starts_with("medanon: error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains("scan3.dcm"), "{err}");

    let out_dir = dir.path().join("out");
    assert_eq!(dicom_outputs(&out_dir).len(), 3);
    for rel in files(&out_dir) {
        let name = rel.file_name().unwrap().to_string_lossy().into_owned();
        assert!(!name.starts_with('.') && !name.ends_with(".tmp"), "{rel:?}");
    }
    let lines = audit_lines(&out_dir.join("audit.jsonl"));
    assert_eq!(lines.len(), 5);
    let failed: Vec<_> = lines.iter().filter(|l| l["status"] == "failed").collect();
    assert_eq!(failed.len(), 1);
    let message = failed[0]["error"].as_str().unwrap();
    assert!(message.contains("parse"), "{message}");
    assert!(
        !message.contains("scan3") && !message.contains("DOE"),
        "{message}"
    );
}

#[test]
fn refuses_in_place_nested_and_non_empty_outputs() {
    let Some(data) = testdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    make_tree(&data, dir.path());
    let refused = |args: &[&str], why: &str| {
        let out = medanon(args, dir.path());
        assert_status(&out, 1);
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 2, "{err}"); // the one-time key warning, the error
        let last = err.lines().last().unwrap();
        assert!(
            last.starts_with("medanon: error:") && last.contains(why),
            "{err}"
        );
    };
    refused(&["anonymize", "in", "in"], "is the input");
    refused(&["anonymize", "in", "in/DOE_JOHN/x"], "inside the input");
    refused(&["anonymize", "in/DOE_JOHN", "in"], "contains the input");
    fs::create_dir(dir.path().join("full")).unwrap();
    fs::write(dir.path().join("full/old.txt"), b"x").unwrap();
    refused(&["anonymize", "in", "full"], "not empty");
    refused(
        &["anonymize", "in", "out", "--audit-log", "in/audit.jsonl"],
        "inside the input",
    );
    assert!(!dir.path().join("out").exists());
    assert_eq!(files(&dir.path().join("in")).len(), 4);

    let out = medanon(&["anonymize", "in", "full", "--force"], dir.path());
    assert_status(&out, 0);
    assert_eq!(dicom_outputs(&dir.path().join("full")).len(), 3);
}

#[test]
fn the_same_key_gives_the_same_names_and_bytes() {
    let Some(data) = testdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    make_tree(&data, dir.path());
    assert_status(&medanon(&["keygen", "--out", "k.key"], dir.path()), 0);
    for out in ["a", "b"] {
        let run = medanon(&["anonymize", "in", out, "--key", "k.key"], dir.path());
        assert_status(&run, 0);
        assert!(!stderr(&run).contains("warning"), "{}", stderr(&run));
    }
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let names = dicom_outputs(&a);
    assert_eq!(names, dicom_outputs(&b));
    for rel in &names {
        assert_eq!(
            fs::read(a.join(rel)).unwrap(),
            fs::read(b.join(rel)).unwrap()
        );
    }
    // A one-time key gives other names.
    let run = medanon(&["anonymize", "in", "c", "--jobs", "1"], dir.path());
    assert_status(&run, 0);
    assert_ne!(dicom_outputs(&dir.path().join("c")), names);
}

#[test]
fn encrypted_originals_come_back_with_reidentify() {
    let Some(data) = testdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    make_tree(&data, dir.path());
    fs::write(
        dir.path().join("r.toml"),
        "[encryption]\nscheme = \"aes-gcm\"\n",
    )
    .unwrap();
    // Without a key the originals would be lost: refused.
    let run = medanon(
        &["anonymize", "in", "out", "--recipe", "r.toml"],
        dir.path(),
    );
    assert_status(&run, 1);
    assert!(stderr(&run).contains("--key"), "{}", stderr(&run));

    assert_status(&medanon(&["keygen", "--out", "k.key"], dir.path()), 0);
    let run = medanon(
        &[
            "anonymize",
            "in",
            "out",
            "--recipe",
            "r.toml",
            "--key",
            "k.key",
        ],
        dir.path(),
    );
    assert_status(&run, 0);
    let run = medanon(&["reidentify", "out", "back", "--key", "k.key"], dir.path());
    assert_status(&run, 0);
    assert!(stderr(&run).contains("1 skipped"), "{}", stderr(&run)); // the audit log

    let original = dir.path().join("in/DOE_JOHN/1990-01-01/scan.dcm");
    let sop = text(&original, "SOPInstanceUID");
    let name = text(&original, "PatientName");
    let out_dir = dir.path().join("out");
    let back_dir = dir.path().join("back");
    let mut found = false;
    for rel in dicom_outputs(&back_dir) {
        assert!(out_dir.join(&rel).is_file(), "layout not mirrored: {rel:?}");
        if text(&back_dir.join(&rel), "SOPInstanceUID") == sop {
            assert_eq!(text(&back_dir.join(&rel), "PatientName"), name);
            assert_ne!(text(&out_dir.join(&rel), "PatientName"), name);
            found = true;
        }
    }
    assert!(found, "the re-identified CT was not found");

    // The wrong key fails every file, status 2.
    assert_status(&medanon(&["keygen", "--out", "other.key"], dir.path()), 0);
    let run = medanon(
        &["reidentify", "out", "wrong", "--key", "other.key", "-q"],
        dir.path(),
    );
    assert_status(&run, 2);
}

#[test]
fn slicing_reports_k_anonymity_and_refuses_an_impossible_k() {
    let Some(data) = testdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    make_tree(&data, dir.path());
    let recipe = |k: usize| format!("[slicing]\nk = {k}\ncolumns = [[\"PatientSex\"]]\n");
    fs::write(dir.path().join("k2.toml"), recipe(2)).unwrap();
    fs::write(dir.path().join("k9.toml"), recipe(9)).unwrap();

    let run = medanon(
        &["anonymize", "in", "out", "--recipe", "k2.toml"],
        dir.path(),
    );
    assert_status(&run, 0);
    assert!(stderr(&run).contains("slicing"), "{}", stderr(&run));
    let out_dir = dir.path().join("out");
    for name in ["k-anonymity-before.json", "k-anonymity-after.json"] {
        let report: serde_json::Value =
            serde_json::from_str(&fs::read_to_string(out_dir.join(name)).unwrap()).unwrap();
        assert_eq!(report["rows"], 3);
        assert_eq!(report["target_k"], 2);
    }
    assert_eq!(dicom_outputs(&out_dir).len(), 3);
    assert_eq!(audit_lines(&out_dir.join("audit.jsonl")).len(), 4);

    let run = medanon(
        &["anonymize", "in", "out9", "--recipe", "k9.toml"],
        dir.path(),
    );
    assert_status(&run, 1);
    assert!(stderr(&run).contains("k = 9"), "{}", stderr(&run));
    let out9 = dir.path().join("out9");
    assert!(!out9.exists() || dicom_outputs(&out9).is_empty());
}

#[test]
fn mirror_layout_keeps_relative_paths_with_a_warning() {
    let Some(data) = testdata() else { return };
    let dir = tempfile::tempdir().unwrap();
    make_tree(&data, dir.path());
    let run = medanon(
        &["anonymize", "in", "out", "--layout", "mirror"],
        dir.path(),
    );
    assert_status(&run, 0);
    assert!(stderr(&run).contains("may identify"), "{}", stderr(&run));
    assert!(
        dir.path()
            .join("out/DOE_JOHN/1990-01-01/scan.dcm")
            .is_file()
    );
}

#[test]
fn inspect_shows_the_original_patient_and_the_actions() {
    let Some(data) = testdata() else { return };
    let file = data.join("CT_small.dcm");
    let file = file.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = medanon(&["inspect", file], dir.path());
    assert_status(&run, 0);
    let text = String::from_utf8(run.stdout).unwrap();
    assert!(text.contains("CompressedSamples^CT1"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("(0010,0010)")),
        "{text}"
    );

    let run = medanon(&["inspect", "--json", file], dir.path());
    assert_status(&run, 0);
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(json["patient"]["PatientName"], "CompressedSamples^CT1");
    assert_eq!(json["study"]["Modality"], "CT");
    let actions = json["actions"].as_array().unwrap();
    assert!(actions.iter().any(|a| a["path"] == "(0010,0010)"));
}
