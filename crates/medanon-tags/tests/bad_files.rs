//! Hostile files found by fuzzing (`fuzz/`, target `deidentify`): each must
//! be rejected with a clear error or de-identified, quickly and without the
//! parser allocating for lengths the file does not hold. `regression/`
//! holds inputs that once produced an output that did not re-read.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use medanon_tags::{Deidentifier, Error, Recipe, parse_dicom};

fn files(dir: &str) -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

/// The peak resident memory of this process in KiB (Linux), if known.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[test]
fn hostile_files_fail_fast_with_bounded_memory() {
    let engine = Deidentifier::new(Recipe::default(), common::keys());
    let bad = files("bad");
    assert!(bad.len() >= 6);
    for path in &bad {
        let bytes = std::fs::read(path).unwrap();
        let start = Instant::now();
        let result = parse_dicom(&bytes);
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{} took {:?}",
            path.display(),
            start.elapsed()
        );
        match result {
            Err(e) => {
                assert!(
                    matches!(e, Error::Parse { .. } | Error::NotDicom { .. }),
                    "{}: {e:?}",
                    path.display()
                );
                assert!(!e.to_string().contains('\n'));
            }
            // If something reads, it must de-identify and re-read.
            Ok(object) => {
                let (out, _) = engine.deidentify(object).unwrap();
                parse_dicom(&common::to_bytes(&out)).unwrap();
            }
        }
    }
    // Each of these once made the parser reserve 0.2 to 4 GB.
    if let Some(peak) = peak_rss_kib() {
        assert!(peak < 256 * 1024, "peak memory {peak} KiB");
    }
}

#[test]
fn regression_inputs_give_outputs_that_re_read() {
    let engine = Deidentifier::new(Recipe::default(), common::keys());
    for path in files("regression") {
        let object = parse_dicom(&std::fs::read(&path).unwrap()).unwrap();
        let (out, _) = engine.deidentify(object).unwrap();
        let again = parse_dicom(&common::to_bytes(&out));
        assert!(again.is_ok(), "{}: {:?}", path.display(), again.err());
    }
}
