//! Helpers shared by this crate's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// `../shared/testdata` beside the workspace root (or `$MEDANON_SHARED_TESTDATA`),
/// or `None` after printing why the calling test is skipped.
pub fn shared_testdata() -> Option<PathBuf> {
    let dir = std::env::var_os("MEDANON_SHARED_TESTDATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata")
        });
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "SKIPPED: shared test data not found at {} (set MEDANON_SHARED_TESTDATA)",
            dir.display()
        );
        None
    }
}

/// A `python3` command if it can import every module in `modules`, or `None`
/// after printing why the calling test is skipped.
pub fn python_with(modules: &[&str]) -> Option<Command> {
    let imports = format!("import {}", modules.join(", "));
    let ok = Command::new("python3")
        .args(["-c", &imports])
        .output()
        .map(|out| out.status.success())
        .unwrap_or(false);
    if ok {
        Some(Command::new("python3"))
    } else {
        eprintln!(
            "SKIPPED: python3 with {} is not available",
            modules.join(", ")
        );
        None
    }
}
