//! `medanon reidentify`: restore the originals of de-identified files from
//! their Encrypted Attributes Sequence, with the project key.
//!
//! The outputs identify patients again: they keep the relative layout of
//! IN under OUT, for the data custodian.

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::{Context, Result};
use medanon::crypto::KeySet;
use medanon::tags::{Error, parse_dicom, reidentify as restore, write_dicom_atomic};
use rayon::prelude::*;

use super::anonymize::exit_status;
use super::batch::{
    Counters, Input, Progress, check_output_dir, describe, find_inputs, read_input, thread_pool,
};
use super::crypto::load_keys;
use crate::cli::BatchArgs;

/// What happened to one file.
enum Done {
    Ok,
    Skipped,
    Failed(String),
}

/// Runs `medanon reidentify`.
pub fn reidentify(input: &Path, out: &Path, key: &Path, batch: &BatchArgs) -> Result<ExitCode> {
    let keys = load_keys(key)?;
    check_output_dir(input, out, batch.force)?;
    let inputs = find_inputs(input)?;
    if inputs.not_followed > 0 {
        eprintln!(
            "medanon: warning: {} symbolic links or special files were not read",
            inputs.not_followed
        );
    }
    let pool = thread_pool(batch.jobs)?;
    fs::create_dir_all(out)
        .with_context(|| format!("cannot create output directory {}", out.display()))?;
    let counters = Counters::new();
    for (shown, _) in &inputs.unlisted {
        eprintln!("medanon: error: {shown}");
        Counters::bump(&counters.failed);
    }
    let progress = Progress::new(inputs.files.len(), "reidentify", batch.quiet);
    pool.install(|| {
        inputs.files.par_iter().for_each(|file| {
            let done = catch_unwind(AssertUnwindSafe(|| {
                one(file, out, &keys, batch.force, &counters)
            }))
            .unwrap_or_else(|_| {
                Done::Failed("internal error while processing the file (please report it)".into())
            });
            match done {
                Done::Ok => Counters::bump(&counters.ok),
                Done::Skipped => Counters::bump(&counters.skipped),
                Done::Failed(message) => {
                    Counters::bump(&counters.failed);
                    progress.error(&format!("{}: {message}", file.path.display()));
                }
            }
            progress.inc();
        });
    });
    progress.finish();
    if !batch.quiet {
        eprintln!("{}", counters.summary("re-identified"));
    }
    Ok(exit_status(&counters))
}

/// Re-identifies one file into `out`, at its path relative to IN.
fn one(file: &Input, out: &Path, keys: &KeySet, force: bool, counters: &Counters) -> Done {
    let bytes = match read_input(&file.path) {
        Ok(bytes) => bytes,
        Err(message) => return Done::Failed(message),
    };
    counters
        .bytes
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    let object = match parse_dicom(&bytes) {
        Ok(object) => object,
        Err(Error::NotDicom { .. }) => return Done::Skipped,
        Err(e) => return Done::Failed(describe(&e, &file.path)),
    };
    drop(bytes);
    let object = match restore(object, keys) {
        Ok(object) => object,
        Err(e) => return Done::Failed(describe(&e, &file.path)),
    };
    let path = out.join(&file.rel);
    if let Some(parent) = path.parent() {
        if let Err(e) = fs::create_dir_all(parent) {
            return Done::Failed(format!("cannot create an output directory: {e}"));
        }
    }
    match write_dicom_atomic(&object, &path, force) {
        Ok(()) => Done::Ok,
        Err(e) => Done::Failed(e.to_string()),
    }
}
