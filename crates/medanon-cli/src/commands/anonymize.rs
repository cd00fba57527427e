//! `medanon anonymize`: de-identify a file or a tree into a new directory.
//!
//! Files are processed in parallel; one file's failure is reported and the
//! run goes on (exit status 2). Outputs are written atomically by the
//! library, so a failure never leaves a partial file. With a `[slicing]`
//! recipe, a first pass collects the quasi-identifiers of every file, and
//! nothing is written unless slicing succeeds.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::Ordering;

use anyhow::{Context, Result, bail};
use dicom_core::Tag;
use dicom_object::DefaultDicomObject;
use medanon::crypto::{KeySet, PseudonymKey};
use medanon::pixels::{Error as PixelError, PixelSettings, clean_pixel_data, identifying_terms};
use medanon::tags::{ActionRecord, Deidentifier, Error, Recipe, parse_dicom, write_dicom_atomic};
use rayon::prelude::*;

use medanon::nifti::{FilePolicy, anonymize_file};

use super::audit::{AuditLine, AuditLog, NiftiAudit, Status};
use super::batch::{
    Counters, Input, Progress, check_output_dir, check_side_file, describe, find_inputs, hex,
    read_input, resolve, sanitize_component, slash_path, thread_pool,
};
use super::crypto::load_keys;
use super::slicing::{self, AFTER_REPORT, BEFORE_REPORT};
use super::volume::is_nifti_name;
use crate::cli::{AnonymizeArgs, LayoutArg};

/// Default name of the audit log in OUT.
const AUDIT_LOG: &str = "audit.jsonl";

/// Purpose of the keyed digest that names input files in the audit log.
const AUDIT_DIGEST_PURPOSE: &str = "audit-input-file";

/// New values of top-level attributes for each input, by input digest.
pub type SlicedValues = HashMap<[u8; 32], BTreeMap<Tag, Option<String>>>;

/// Runs `medanon anonymize`.
pub fn anonymize(args: AnonymizeArgs) -> Result<ExitCode> {
    let recipe = load_recipe(args.recipe.as_deref())?;
    if recipe.slicing.as_ref().is_some_and(|c| c.k == 0) {
        bail!("invalid recipe: [slicing] k must be at least 1");
    }
    let keys = match &args.key {
        Some(path) => load_keys(path)?,
        None => {
            if recipe.encryption.is_some() {
                bail!(
                    "the recipe encrypts the originals ([encryption]) but no --key was given: a \
                     one-time key would be lost and the originals could never be restored; make \
                     a key with `medanon keygen --out FILE` and pass it with --key"
                );
            }
            eprintln!(
                "medanon: warning: no --key given: using a one-time key, so pseudonyms, UIDs \
                 and date shifts will not match other runs, and the originals cannot be \
                 re-identified"
            );
            KeySet::generate()?
        }
    };
    let batch = &args.batch;
    let (force, quiet) = (batch.force, batch.quiet);
    check_output_dir(&args.input, &args.out, force)?;
    let audit_path = args
        .audit_log
        .clone()
        .unwrap_or_else(|| args.out.join(AUDIT_LOG));
    check_side_file(&args.input, &audit_path, force, "audit log")?;
    if args.layout == LayoutArg::Mirror {
        eprintln!(
            "medanon: warning: --layout mirror keeps the input's folder and file names, which \
             may identify patients; they appear in OUT and in the audit log"
        );
    }
    let inputs = find_inputs(&args.input)?;
    if inputs.not_followed > 0 {
        eprintln!(
            "medanon: warning: {} symbolic links or special files were not read",
            inputs.not_followed
        );
    }
    if inputs.files.is_empty() {
        eprintln!(
            "medanon: warning: no files found in {}",
            args.input.display()
        );
    }
    let pool = thread_pool(batch.jobs)?;

    let out_abs = resolve(&args.out)?;
    let mut reserved = vec![resolve(&audit_path)?];
    let slicing_config = recipe.slicing.clone();
    if slicing_config.is_some() {
        reserved.push(out_abs.join(BEFORE_REPORT));
        reserved.push(out_abs.join(AFTER_REPORT));
    }
    let pixels = match super::clean_pixels::settings_of_recipe(recipe.pixels.as_ref())? {
        Some(settings) => Some(settings),
        None if args.clean_pixels => Some(PixelSettings::default()),
        None => None,
    };
    let counters = Counters::new();
    let job = Job {
        pixels,
        digest_key: keys.pseudonyms().clone(),
        engine: Deidentifier::new(recipe, keys),
        out: &args.out,
        out_abs,
        layout: args.layout,
        force,
        reserved,
        counters: &counters,
    };

    let sliced = match &slicing_config {
        Some(config) => Some(slicing::first_pass(
            &job,
            &inputs.files,
            config,
            &pool,
            quiet,
        )?),
        None => None,
    };
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output directory {}", args.out.display()))?;
    if let Some(sliced) = &sliced {
        slicing::write_reports(&args.out, sliced, force)?;
    }
    let audit = AuditLog::create(&audit_path, force)?;
    for (shown, hidden) in &inputs.unlisted {
        eprintln!("medanon: error: {shown}");
        Counters::bump(&counters.failed);
        audit.record(&AuditLine {
            input_digest: None,
            output: None,
            status: Status::Failed,
            error: Some(hidden),
            actions: &[],
            nifti: None,
        });
    }

    let slicing_summary = sliced.as_ref().map(slicing::summary_line);
    let (values, first): (Option<SlicedValues>, Vec<Option<Outcome>>) = match sliced {
        Some(sliced) => (Some(sliced.values), sliced.first_pass),
        None => (None, inputs.files.iter().map(|_| None).collect()),
    };
    let values = values.as_ref();
    let label = if values.is_some() {
        "pass 2/2"
    } else {
        "anonymize"
    };
    let progress = Progress::new(inputs.files.len(), label, quiet);
    pool.install(|| {
        inputs
            .files
            .par_iter()
            .zip(first.into_par_iter())
            .for_each(|(input, done)| {
                let outcome = done.unwrap_or_else(|| job.process_guarded(input, values));
                job.finish(outcome, &progress, &audit);
            });
    });
    progress.finish();
    audit.commit()?;
    if !quiet {
        eprintln!("{}", counters.summary("de-identified"));
        if let Some(summary) = slicing_summary {
            eprintln!("{summary}");
        }
    }
    Ok(exit_status(&counters))
}

/// What a file is, for NIfTI handling.
enum NiftiKind {
    /// A NIfTI image (`.nii`, `.nii.gz`, or the header of a pair).
    Image,
    /// A file that belongs to an image beside it.
    Companion(&'static str),
}

/// Tells NIfTI images and their companions (by name and siblings) apart
/// from everything else.
fn nifti_kind(path: &Path) -> Option<NiftiKind> {
    if is_nifti_name(path) {
        return Some(NiftiKind::Image);
    }
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    let sibling = |suffix: &str| {
        let stem = path.file_name()?.to_string_lossy().into_owned();
        let stem = &stem[..stem.rfind('.')?];
        Some(path.with_file_name(format!("{stem}{suffix}")).is_file())
    };
    if name.ends_with(".img") && sibling(".hdr") == Some(true) {
        return Some(NiftiKind::Companion("the data of a .hdr/.img pair"));
    }
    if name.ends_with(".json")
        && [".nii", ".nii.gz", ".hdr"]
            .iter()
            .any(|suffix| sibling(suffix) == Some(true))
    {
        return Some(NiftiKind::Companion("the sidecar of a NIfTI image"));
    }
    None
}

/// A NIfTI error's message without the input's path.
fn nifti_error_text(error: &medanon::nifti::Error, path: &Path) -> String {
    let text = error.to_string();
    let shown = path.display().to_string();
    if shown.is_empty() {
        text
    } else {
        text.replace(&shown, "<input>")
    }
}

/// 0 when nothing failed, 2 otherwise.
pub fn exit_status(counters: &Counters) -> ExitCode {
    if counters.failures() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

/// The recipe at `path`, or the default one.
pub fn load_recipe(path: Option<&Path>) -> Result<Recipe> {
    match path {
        Some(path) => Ok(Recipe::load(path)?),
        None => Ok(Recipe::default()),
    }
}

/// What happened to one input file.
#[derive(Debug)]
pub struct Outcome {
    /// Keyed digest of the input bytes, if they could be read.
    pub digest: Option<[u8; 32]>,
    /// The output, relative to OUT.
    pub output: Option<PathBuf>,
    /// Written, skipped or failed.
    pub status: Status,
    /// Why it failed or was skipped, without any path.
    pub error: Option<String>,
    /// The terminal message (naming the input), not printed yet.
    pub shown: Option<String>,
    /// What was done to its attributes.
    pub actions: Vec<ActionRecord>,
    /// For a NIfTI image: what its header and sidecar cleaning did.
    pub nifti: Option<NiftiAudit>,
}

impl Outcome {
    fn ok(digest: [u8; 32], output: PathBuf, actions: Vec<ActionRecord>) -> Self {
        Outcome {
            digest: Some(digest),
            output: Some(output),
            status: Status::Ok,
            error: None,
            shown: None,
            actions,
            nifti: None,
        }
    }

    fn skipped(digest: [u8; 32]) -> Self {
        Outcome {
            digest: Some(digest),
            output: None,
            status: Status::Skipped,
            error: Some("not a DICOM file".to_owned()),
            shown: None,
            actions: Vec::new(),
            nifti: None,
        }
    }

    /// A file handled together with its image: the data file of a
    /// `.hdr`/`.img` pair, or the BIDS sidecar of an image.
    fn companion(what: &str) -> Self {
        Outcome {
            digest: None,
            output: None,
            status: Status::Skipped,
            error: Some(format!("{what} (handled with its image)")),
            shown: None,
            actions: Vec::new(),
            nifti: None,
        }
    }

    /// A failure of `input`: `message` must not hold its path.
    pub fn failed(input: &Input, digest: Option<[u8; 32]>, message: String) -> Self {
        Outcome {
            digest,
            output: None,
            status: Status::Failed,
            shown: Some(format!("{}: {message}", input.path.display())),
            error: Some(message),
            actions: Vec::new(),
            nifti: None,
        }
    }
}

/// Everything the workers share.
pub struct Job<'a> {
    /// Key of the audit digests (the pseudonym key).
    pub digest_key: PseudonymKey,
    /// The engine.
    pub engine: Deidentifier,
    out: &'a Path,
    out_abs: PathBuf,
    layout: LayoutArg,
    force: bool,
    /// Absolute paths no DICOM output may take (audit log, reports).
    reserved: Vec<PathBuf>,
    /// The run's counts.
    pub counters: &'a Counters,
    /// The Clean Pixel Data Option's settings, when it is on.
    pub pixels: Option<PixelSettings>,
}

impl Job<'_> {
    /// Reads and parses one input. Not DICOM: a skipped outcome; unreadable
    /// or unparsable: a failed one.
    pub fn open(&self, input: &Input) -> Result<([u8; 32], DefaultDicomObject), Box<Outcome>> {
        let bytes =
            read_input(&input.path).map_err(|m| Box::new(Outcome::failed(input, None, m)))?;
        self.counters
            .bytes
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let digest = self.digest_key.digest(AUDIT_DIGEST_PURPOSE, &bytes);
        match parse_dicom(&bytes) {
            Ok(object) => Ok((digest, object)),
            Err(Error::NotDicom { .. }) => Err(Box::new(Outcome::skipped(digest))),
            Err(e) => Err(Box::new(Outcome::failed(
                input,
                Some(digest),
                describe(&e, &input.path),
            ))),
        }
    }

    /// [`process`](Self::process), a panic turned into a failure of this file.
    pub fn process_guarded(&self, input: &Input, values: Option<&SlicedValues>) -> Outcome {
        catch_unwind(AssertUnwindSafe(|| self.process(input, values))).unwrap_or_else(|_| {
            Outcome::failed(
                input,
                None,
                "internal error while processing the file (please report it)".to_owned(),
            )
        })
    }

    /// De-identifies one input (with its sliced values, when slicing) and
    /// writes it.
    fn process(&self, input: &Input, values: Option<&SlicedValues>) -> Outcome {
        match nifti_kind(&input.path) {
            Some(NiftiKind::Image) => return self.process_nifti(input),
            Some(NiftiKind::Companion(what)) => return Outcome::companion(what),
            None => {}
        }
        let (digest, object) = match self.open(input) {
            Ok(opened) => opened,
            Err(outcome) => return *outcome,
        };
        let fail = |message: String| Outcome::failed(input, Some(digest), message);
        let none = BTreeMap::new();
        let values = match values.map(|v| v.get(&digest)) {
            None => &none,
            Some(Some(values)) => values,
            Some(None) => return fail("the file changed between the two passes".to_owned()),
        };
        // OCR looks for the original names, IDs and birth date.
        let terms = match self.pixels {
            Some(_) => identifying_terms(&object),
            None => Vec::new(),
        };
        let (mut object, report) = match self.engine.deidentify_with_values(object, values) {
            Ok(done) => done,
            Err(e) => return fail(describe(&e, &input.path)),
        };
        if let Some(settings) = &self.pixels {
            let pseudonym = object
                .get(dicom_dictionary_std::tags::PATIENT_NAME)
                .and_then(|e| e.to_str().ok())
                .map(|s| s.trim().to_owned());
            match clean_pixel_data(&mut object, settings, &terms, pseudonym.as_deref()) {
                Ok(pixels) if pixels.suspect => eprintln!(
                    "medanon: warning: {}: Burned In Annotation is YES but no text was found",
                    input.path.display()
                ),
                Ok(_) | Err(PixelError::NoPixelData) => {}
                // Pixels that cannot be cleaned are not written out.
                Err(e) => return fail(format!("cannot clean the pixel data: {e}")),
            }
        }
        let rel = match self.layout {
            LayoutArg::Mirror => input.rel.clone(),
            LayoutArg::Pseudonymous => {
                let file = if report.sop_instance_uid.is_empty() {
                    format!("unknown-{}.dcm", hex(&digest[..8]))
                } else {
                    format!("{}.dcm", sanitize_component(&report.sop_instance_uid))
                };
                [
                    sanitize_component(&report.patient_pseudonym),
                    sanitize_component(&report.study_uid),
                    sanitize_component(&report.series_uid),
                    file,
                ]
                .iter()
                .collect()
            }
        };
        let path = match self.output_path(&rel) {
            Ok(path) => path,
            Err(message) => return fail(message),
        };
        match write_dicom_atomic(&object, &path, self.force) {
            Ok(()) => Outcome::ok(digest, rel, report.actions),
            Err(Error::OutputExists { .. }) => fail(format!(
                "output {} already exists: another input has the same SOP Instance UID, or OUT \
                 held it before (--force replaces it)",
                slash_path(&rel)
            )),
            Err(e) => fail(format!(
                "{} ({})",
                describe(&e, &input.path),
                slash_path(&rel)
            )),
        }
    }

    /// The output path of `rel` (relative to OUT), its directories created;
    /// refused when the audit log or a report owns it.
    fn output_path(&self, rel: &Path) -> Result<PathBuf, String> {
        if self.reserved.contains(&self.out_abs.join(rel)) {
            return Err(format!(
                "the output path {} is taken by the audit log or a k-anonymity report",
                slash_path(rel)
            ));
        }
        let path = self.out.join(rel);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create an output directory: {e}"))?;
        }
        Ok(path)
    }

    /// De-identifies a NIfTI image: header text and extensions removed, its
    /// sidecar (`.json` beside it) cleaned into one beside the output.
    fn process_nifti(&self, input: &Input) -> Outcome {
        let bytes = match read_input(&input.path) {
            Ok(bytes) => bytes,
            Err(message) => return Outcome::failed(input, None, message),
        };
        self.counters
            .bytes
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        let digest = self.digest_key.digest(AUDIT_DIGEST_PURPOSE, &bytes);
        drop(bytes);
        let fail = |message: String| Outcome::failed(input, Some(digest), message);
        let name = input.path.to_string_lossy().to_ascii_lowercase();
        let extension = if name.ends_with(".nii.gz") {
            "nii.gz"
        } else {
            "nii"
        };
        let rel: PathBuf = match self.layout {
            LayoutArg::Pseudonymous => [
                "nifti".to_owned(),
                format!("{}.{extension}", hex(&digest[..8])),
            ]
            .iter()
            .collect(),
            LayoutArg::Mirror if name.ends_with(".hdr") => input.rel.with_extension("nii"),
            LayoutArg::Mirror => input.rel.clone(),
        };
        let path = match self.output_path(&rel) {
            Ok(path) => path,
            Err(message) => return fail(message),
        };
        let policy = FilePolicy {
            overwrite: self.force,
            ..FilePolicy::default()
        };
        match anonymize_file(&input.path, &path, &policy) {
            Ok(report) => Outcome {
                nifti: Some(NiftiAudit {
                    header: report.header,
                    sidecar: report.sidecar.map(|(_, sidecar)| sidecar),
                }),
                ..Outcome::ok(digest, rel, Vec::new())
            },
            // The message names the input file: keep only what follows it.
            Err(e) => fail(nifti_error_text(&e, &input.path)),
        }
    }

    /// Counts, reports and logs one outcome.
    fn finish(&self, outcome: Outcome, progress: &Progress, audit: &AuditLog) {
        let counter = match outcome.status {
            Status::Ok => &self.counters.ok,
            Status::Skipped => &self.counters.skipped,
            Status::Failed => &self.counters.failed,
        };
        Counters::bump(counter);
        if let Some(shown) = &outcome.shown {
            progress.error(shown);
        }
        audit.record(&AuditLine {
            input_digest: outcome.digest.map(|d| hex(&d)),
            output: outcome.output.as_deref().map(slash_path),
            status: outcome.status,
            error: outcome.error.as_deref(),
            actions: &outcome.actions,
            nifti: outcome.nifti.as_ref(),
        });
        progress.inc();
    }
}
