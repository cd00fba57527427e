//! Slicing in `medanon anonymize`: the first pass, which de-identifies every
//! file in memory to collect its quasi-identifiers, then slices them and
//! reports k-anonymity before and after.
//!
//! Rows are keyed by the keyed digest of the input bytes, so the sliced
//! values follow the file and not its position in the walk. Two identical
//! input files share one row (and one output path).

use std::collections::HashSet;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;

use anyhow::{Context, Result, anyhow};
use dicom_core::Tag;
use medanon::tags::slicing::{
    KAnonymityReport, QiTable, SlicingConfig, SlicingStats, k_anonymity, slice,
};
use medanon::tags::{atomic_write, parse_tag};
use rayon::prelude::*;

use super::anonymize::{Job, Outcome, SlicedValues};
use super::batch::{Input, Progress, describe};

/// The k-anonymity report of the quasi-identifiers before slicing, in OUT.
pub const BEFORE_REPORT: &str = "k-anonymity-before.json";
/// The k-anonymity report after slicing, in OUT.
pub const AFTER_REPORT: &str = "k-anonymity-after.json";

/// Purpose of the keyed digest that seeds the slicing permutation.
const SEED_PURPOSE: &str = "slicing-seed";

/// The result of the first pass.
#[derive(Debug)]
pub struct Sliced {
    /// The sliced values of each file, by input digest.
    pub values: SlicedValues,
    /// For each input, in order: `None` to process it in the second pass,
    /// or its final outcome (not DICOM, or failed).
    pub first_pass: Vec<Option<Outcome>>,
    /// k-anonymity of the de-identified values.
    pub before: KAnonymityReport,
    /// k-anonymity of the sliced values.
    pub after: KAnonymityReport,
    /// What slicing did.
    pub stats: SlicingStats,
}

/// One file's row: its digest and its values.
type Row = ([u8; 32], Vec<Option<String>>);

/// De-identifies every input in memory, collects the slicing attributes
/// and slices them. Nothing is written.
pub fn first_pass(
    job: &Job<'_>,
    inputs: &[Input],
    config: &SlicingConfig,
    pool: &rayon::ThreadPool,
    quiet: bool,
) -> Result<Sliced> {
    let attributes = config
        .columns
        .iter()
        .flatten()
        .map(|name| {
            parse_tag(name)
                .map(|tag| (name.clone(), tag))
                .with_context(|| format!("unknown attribute `{name}` in [slicing] columns"))
        })
        .collect::<Result<Vec<_>>>()?;
    let progress = Progress::new(inputs.len(), "pass 1/2", quiet);
    let rows: Vec<Result<Row, Box<Outcome>>> = pool.install(|| {
        inputs
            .par_iter()
            .map(|input| {
                let mut row = catch_unwind(AssertUnwindSafe(|| read_row(job, input, &attributes)))
                    .unwrap_or_else(|_| {
                        Err(Box::new(Outcome::failed(
                            input,
                            None,
                            "internal error while processing the file (please report it)"
                                .to_owned(),
                        )))
                    });
                if let Err(outcome) = &mut row {
                    if let Some(shown) = outcome.shown.take() {
                        progress.error(&shown);
                    }
                }
                progress.inc();
                row
            })
            .collect()
    });
    progress.finish();

    let mut table = QiTable::new(attributes.iter().map(|(name, _)| name.clone()));
    let mut seen = HashSet::new();
    let mut first_pass = Vec::with_capacity(rows.len());
    for row in rows {
        match row {
            Ok((digest, values)) => {
                if seen.insert(digest) {
                    table.push(digest.to_vec(), values);
                }
                first_pass.push(None);
            }
            Err(outcome) => first_pass.push(Some(*outcome)),
        }
    }
    let nothing_written = |e| anyhow!("slicing failed: {e}; nothing was written");
    let before = k_anonymity(&table, config.k).map_err(nothing_written)?;
    let seed = job.digest_key.digest(SEED_PURPOSE, b"v1");
    let sliced = slice(&table, config, &seed).map_err(nothing_written)?;
    let after = k_anonymity(&sliced.to_table(), config.k).map_err(nothing_written)?;
    let mut values = SlicedValues::with_capacity(sliced.rows.len());
    for row in &sliced.rows {
        let key: [u8; 32] = row
            .key
            .as_slice()
            .try_into()
            .map_err(|_| anyhow!("slicing returned a row key of the wrong length"))?;
        let by_tag = attributes
            .iter()
            .zip(&row.values)
            .map(|((_, tag), value)| (*tag, value.clone()))
            .collect();
        values.insert(key, by_tag);
    }
    Ok(Sliced {
        values,
        first_pass,
        before,
        after,
        stats: sliced.stats,
    })
}

/// The de-identified values of the slicing attributes of one file.
fn read_row(
    job: &Job<'_>,
    input: &Input,
    attributes: &[(String, Tag)],
) -> Result<Row, Box<Outcome>> {
    let (digest, object) = job.open(input)?;
    let (object, _) = job.engine.deidentify(object).map_err(|e| {
        Box::new(Outcome::failed(
            input,
            Some(digest),
            describe(&e, &input.path),
        ))
    })?;
    let values = attributes
        .iter()
        .map(|(_, tag)| {
            object
                .get(*tag)
                .and_then(|element| element.to_str().ok())
                .map(|text| {
                    text.trim_matches(|c: char| c.is_whitespace() || c == '\0')
                        .to_owned()
                })
        })
        .collect();
    Ok((digest, values))
}

/// Writes the k-anonymity reports into `out`.
pub fn write_reports(out: &Path, sliced: &Sliced, force: bool) -> Result<()> {
    for (name, report) in [
        (BEFORE_REPORT, &sliced.before),
        (AFTER_REPORT, &sliced.after),
    ] {
        let mut json = serde_json::to_vec_pretty(report)?;
        json.push(b'\n');
        let path = out.join(name);
        atomic_write(&path, force, |writer| writer.write_all(&json))
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// The slicing line of the summary (counts only).
pub fn summary_line(sliced: &Sliced) -> String {
    let stats = &sliced.stats;
    format!(
        "medanon: slicing (target k = {}): k-anonymity {} before, {} after; {} rows in {} \
         buckets of {} to {} rows, {} columns; linkage preserved in {} rows",
        sliced.before.target_k,
        sliced.before.k,
        sliced.after.k,
        stats.rows,
        stats.buckets,
        stats.min_bucket_size,
        stats.max_bucket_size,
        stats.columns,
        stats.rows_linkage_preserved
    )
}
