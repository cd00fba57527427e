//! Command-line arguments.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// De-identify medical images (DICOM, NIfTI) so they can be shared for research.
#[derive(Debug, Parser)]
#[command(name = "medanon", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a key file (mode 0600) with new Fernet, AES-256-GCM and pseudonym keys.
    Keygen {
        /// Where to write the key file.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace an existing key file (what it encrypted can then no longer be decrypted).
        #[arg(long)]
        force: bool,
    },
    /// Encrypt TEXT and print the token.
    Encrypt {
        /// Key file, or a file holding a bare Fernet key.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Token scheme.
        #[arg(long, value_enum, default_value_t = SchemeArg::Fernet)]
        scheme: SchemeArg,
        /// Associated data the token is bound to (aes-gcm only).
        #[arg(long, value_name = "TEXT")]
        aad: Option<String>,
        /// The text to encrypt; `-` reads standard input (keeps it out of the process list).
        text: String,
    },
    /// Decrypt TOKEN (fernet or aes-gcm, told apart automatically) and print the text.
    Decrypt {
        /// Key file, or a file holding a bare Fernet key.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// Reject fernet tokens older than this many seconds.
        #[arg(long, value_name = "SECONDS")]
        ttl: Option<u64>,
        /// Associated data the token was bound to (aes-gcm only).
        #[arg(long, value_name = "TEXT")]
        aad: Option<String>,
        /// The token; `-` reads standard input.
        token: String,
    },
    /// De-identify a DICOM file or a directory tree into OUT.
    ///
    /// Every regular file under IN is read (symbolic links are not followed);
    /// files that are not DICOM are skipped. Inputs are never modified. Exit
    /// status 0 when every DICOM file was de-identified, 2 when some failed
    /// (the others were still written), 1 when the run could not start.
    Anonymize(AnonymizeArgs),
    /// Show the patient and study of a DICOM file and what de-identification
    /// would change in it.
    Inspect {
        /// The DICOM file.
        file: PathBuf,
        /// Print one JSON object with `patient`, `study` and `actions`.
        #[arg(long)]
        json: bool,
        /// Recipe (TOML) whose profile and overrides to apply.
        #[arg(long, value_name = "FILE")]
        recipe: Option<PathBuf>,
        /// Key file (a one-time key otherwise; the actions do not depend on it).
        #[arg(long, value_name = "FILE")]
        key: Option<PathBuf>,
    },
    /// Render axial, coronal and sagittal views of a NIfTI image or a DICOM
    /// series (a directory or a multi-frame file) to a PNG.
    ///
    /// Views are in anatomical orientation whatever the file's axes
    /// (neurological: the patient's right on the image's right).
    View(ViewArgs),
    /// Render one frame of a DICOM file to a PNG, as a viewer shows it.
    ///
    /// Grey images go through the Modality LUT (rescale), then --window, or
    /// the file's window or VOI LUT, or else a window from the 1st to the
    /// 99th percentile; MONOCHROME1 is inverted. RGB, YBR and palette
    /// colour are shown in colour. Every transfer syntax medanon decodes is
    /// read (native, deflate, RLE, JPEG, JPEG 2000).
    Render(RenderArgs),
    /// Clean burned-in text from the pixels of one DICOM file (the Clean
    /// Pixel Data Option alone; `anonymize --clean-pixels` does it with the
    /// attributes).
    ///
    /// Regions come from rules (the built-in ultrasound header bars and the
    /// recipe's `[[pixels.rules]]`), from the text detector (on images that
    /// often carry text, see --detect) and from OCR of text matching the
    /// header's names, IDs and birth date (when the `tesseract` program is
    /// installed). Every frame is cleaned; the pixels are written
    /// uncompressed (Explicit VR Little Endian) and Burned In Annotation
    /// becomes NO.
    CleanPixels(CleanPixelsArgs),
    /// Convert a DICOM series (a directory or a multi-frame file) into a
    /// NIfTI image (`.nii` or `.nii.gz`, by OUT's name).
    ///
    /// The NIfTI header carries no text from the DICOM files: only the
    /// voxels, their scaling and the geometry.
    Convert {
        /// The DICOM series: a directory of slices or a multi-frame file.
        input: PathBuf,
        /// The NIfTI file to write.
        out: PathBuf,
        /// Write NIfTI-2 instead of NIfTI-1.
        #[arg(long)]
        nifti2: bool,
        /// The series to convert when the directory holds several.
        #[arg(long, value_name = "UID")]
        series: Option<String>,
        /// Replace OUT if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Extract the brain (BET): write IN with every voxel outside the brain
    /// set to 0.
    ///
    /// IN is a NIfTI image (3-D, or 4-D with one volume) or a DICOM series (a
    /// directory or a multi-frame file). OUT is a NIfTI file with the
    /// input's header, datatype and affine for a NIfTI input, and a
    /// directory holding a derived DICOM series of the same geometry for a
    /// series (a NIfTI file if OUT is named .nii or .nii.gz). Outputs appear
    /// together once all are written, or not at all.
    SkullStrip(SkullStripArgs),
    /// Restore the originals of de-identified files (a file or a tree) from
    /// their encrypted attributes, into OUT with the same relative layout.
    Reidentify {
        /// A de-identified DICOM file, or a directory of them.
        input: PathBuf,
        /// Output directory: must not exist or be empty (see --force).
        out: PathBuf,
        /// The key file the files were de-identified with.
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        #[command(flatten)]
        batch: BatchArgs,
    },
}

/// Arguments of `medanon view`.
#[derive(Debug, clap::Args)]
pub struct ViewArgs {
    /// A NIfTI image, a DICOM series directory, or a multi-frame DICOM file.
    pub input: PathBuf,
    /// The PNG to write.
    #[arg(long, value_name = "PNG")]
    pub out: PathBuf,
    /// The voxel the three planes go through, `i,j,k` [default: the centre].
    #[arg(long, value_name = "I,J,K", value_parser = parse_slice)]
    pub slice: Option<[usize; 3]>,
    /// Contrast enhancement of the enhanced row (the top row is always a
    /// robust percentile window).
    #[arg(long, value_enum, default_value_t = EnhanceArg::Clahe)]
    pub enhance: EnhanceArg,
    /// Which view: all three planes side by side (default) or one.
    #[arg(long, value_enum, default_value_t = PlaneArg::All)]
    pub plane: PlaneArg,
    /// Only the enhanced views, without the original row above them.
    #[arg(long)]
    pub no_original: bool,
    /// The time point of a 4-D image.
    #[arg(long, default_value_t = 0)]
    pub frame: usize,
    /// Draw this mask over the three-plane views, in red (outline and a
    /// light fill): a 3-D NIfTI image with the input's i,j,k shape, such as
    /// the one `skull-strip --mask` writes; voxels above 0.5 are inside.
    /// Without --slice the planes then go through the mask's centroid voxel
    /// instead of the image's centre. Not with a single --plane.
    #[arg(long, value_name = "MASK")]
    pub overlay: Option<PathBuf>,
    /// Replace the PNG if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `medanon skull-strip`.
#[derive(Debug, clap::Args)]
pub struct SkullStripArgs {
    /// A NIfTI image, a DICOM series directory, or a multi-frame DICOM file.
    pub input: PathBuf,
    /// The brain: a NIfTI file, or a directory for a DICOM series.
    pub out: PathBuf,
    /// Fractional intensity threshold, 0 to 1: smaller values give larger
    /// brain outlines.
    #[arg(
        short = 'f',
        long,
        value_name = "F",
        default_value_t = 0.5,
        allow_negative_numbers = true
    )]
    pub fractional_threshold: f64,
    /// Vertical gradient of the threshold, -1 to 1: positive values give a
    /// larger outline at the bottom and a smaller one at the top.
    #[arg(
        short = 'g',
        long,
        value_name = "G",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    pub vertical_gradient: f64,
    /// Also write the brain mask: NIfTI (.nii or .nii.gz), 8-bit 0/1, with
    /// the input's affine.
    #[arg(long, value_name = "FILE")]
    pub mask: Option<PathBuf>,
    /// Also write the brain surface as an OFF mesh (world millimetres, RAS+).
    #[arg(long, value_name = "FILE")]
    pub mesh: Option<PathBuf>,
    /// Also estimate the skull and write it as a mask like --mask.
    #[arg(long, value_name = "FILE")]
    pub skull: Option<PathBuf>,
    /// Re-estimate the centre from the brain found and run again until it
    /// settles: for images with a neck or a large field of view.
    #[arg(long)]
    pub robust: bool,
    /// The series to use when the directory holds several.
    #[arg(long, value_name = "UID")]
    pub series: Option<String>,
    /// Replace existing outputs (a series directory only if it holds
    /// nothing but .dcm files).
    #[arg(long, alias = "force")]
    pub overwrite: bool,
}

/// `--enhance` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EnhanceArg {
    /// The robust percentile window only.
    None,
    /// Robust percentile window (0.5th to 99.5th percentile).
    Percentile,
    /// Global histogram equalization.
    Equalize,
    /// Contrast-limited adaptive histogram equalization.
    Clahe,
}

/// `--plane` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlaneArg {
    /// Axial, coronal and sagittal side by side.
    All,
    /// Axial only.
    Axial,
    /// Coronal only.
    Coronal,
    /// Sagittal only.
    Sagittal,
}

/// Parses `i,j,k`.
fn parse_slice(text: &str) -> Result<[usize; 3], String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [i, j, k] = parts.as_slice() else {
        return Err("expected three voxel indices, as in 90,108,90".to_owned());
    };
    let index = |s: &str| {
        s.parse::<usize>()
            .map_err(|_| format!("`{s}` is not a voxel index"))
    };
    Ok([index(i)?, index(j)?, index(k)?])
}

/// Arguments of `medanon render`.
#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// The DICOM file.
    pub file: PathBuf,
    /// The PNG to write.
    #[arg(long, value_name = "PNG")]
    pub out: PathBuf,
    /// The frame to render, counted from 0.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub frame: usize,
    /// Window centre and width in modality units (after rescaling: HU for
    /// CT), as in 40,400 or -600,1500 [default: the file's window or VOI
    /// LUT, else the 1st to 99th percentile].
    #[arg(long, value_name = "C,W", value_parser = parse_window, allow_hyphen_values = true)]
    pub window: Option<(f64, f64)>,
    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Parses `--window C,W`.
fn parse_window(text: &str) -> Result<(f64, f64), String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let [centre, width] = parts.as_slice() else {
        return Err("expected a centre and a width, as in 40,400".to_owned());
    };
    let number = |s: &str| {
        s.parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("`{s}` is not a number"))
    };
    let (centre, width) = (number(centre)?, number(width)?);
    if width <= 0.0 {
        return Err(format!("the window width must be above 0 (got {width})"));
    }
    Ok((centre, width))
}

/// How `clean-pixels` and `anonymize --clean-pixels` clean a region.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PixelModeArg {
    /// Fill with the image's background.
    Fill,
    /// Blur beyond reading.
    Blur,
    /// Coarse blocks.
    Pixelate,
    /// Fill, then draw the patient's pseudonym (or --text).
    Pseudonym,
}

/// When the text detector runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DetectArg {
    /// On images that often carry text: Burned In Annotation YES, secondary
    /// captures, US, IVUS, ES, XC, GM, SM, OT, DOC.
    Auto,
    /// On every image.
    Always,
    /// Never (rules and OCR only).
    Never,
}

/// Arguments of `medanon clean-pixels`.
#[derive(Debug, clap::Args)]
pub struct CleanPixelsArgs {
    /// The DICOM file.
    pub input: PathBuf,
    /// The cleaned DICOM file to write.
    pub out: PathBuf,
    /// How regions are cleaned [default: the recipe's, else fill].
    #[arg(long, value_enum)]
    pub mode: Option<PixelModeArg>,
    /// When the text detector runs [default: the recipe's, else auto].
    #[arg(long, value_enum)]
    pub detect: Option<DetectArg>,
    /// Do not run OCR.
    #[arg(long)]
    pub no_ocr: bool,
    /// A recipe whose `[pixels]` section gives the settings and rules.
    #[arg(long, value_name = "FILE")]
    pub recipe: Option<PathBuf>,
    /// The text drawn by --mode pseudonym [default: ANONYMIZED].
    #[arg(long)]
    pub text: Option<String>,
    /// Replace OUT if it exists.
    #[arg(long)]
    pub force: bool,
}

/// Arguments of `medanon anonymize`.
#[derive(Debug, clap::Args)]
pub struct AnonymizeArgs {
    /// A DICOM or NIfTI file, or a directory searched recursively. NIfTI
    /// images (`.nii`, `.nii.gz`, `.hdr`/`.img`) get their header text and
    /// extensions removed and their BIDS sidecar (`.json` beside them) cleaned.
    pub input: PathBuf,
    /// Output directory: must not exist or be empty (see --force); never IN,
    /// inside IN, or around IN.
    pub out: PathBuf,
    /// Recipe (TOML): profile options, pseudonym formats, encryption, slicing.
    #[arg(long, value_name = "FILE")]
    pub recipe: Option<PathBuf>,
    /// Key file for pseudonyms, UIDs, date shifts and encryption. Without it a
    /// one-time key is used, and nothing matches other runs.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// How output files are named.
    #[arg(long, value_enum, default_value_t = LayoutArg::Pseudonymous)]
    pub layout: LayoutArg,
    /// Where to write the audit log (JSON lines) [default: OUT/audit.jsonl].
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<PathBuf>,
    /// Also clean burned-in text from the pixels (the Clean Pixel Data
    /// Option), with the recipe's `[pixels]` settings or the defaults; a
    /// recipe with a `[pixels]` section turns it on by itself. A file whose
    /// pixels cannot be decoded is not written.
    #[arg(long)]
    pub clean_pixels: bool,
    #[command(flatten)]
    pub batch: BatchArgs,
}

/// Options shared by the commands that process many files.
#[derive(Debug, clap::Args)]
pub struct BatchArgs {
    /// Allow a non-empty OUT and replace existing output files.
    #[arg(long)]
    pub force: bool,
    /// Files processed at once [default: the number of CPUs].
    #[arg(long, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,
    /// No progress bar and no summary (errors and warnings are still printed).
    #[arg(long, short)]
    pub quiet: bool,
}

/// `--layout` values: how output files are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    /// `OUT/<patient pseudonym>/<study UID>/<series UID>/<SOP instance UID>.dcm`,
    /// from de-identified values only.
    Pseudonymous,
    /// The input's relative path (input names may identify patients).
    Mirror,
}

/// `--scheme` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemeArg {
    /// Fernet, readable by Python's `cryptography`.
    Fernet,
    /// AES-256-GCM with associated data.
    AesGcm,
}

impl From<SchemeArg> for medanon::crypto::Scheme {
    fn from(arg: SchemeArg) -> Self {
        match arg {
            SchemeArg::Fernet => medanon::crypto::Scheme::Fernet,
            SchemeArg::AesGcm => medanon::crypto::Scheme::AesGcm,
        }
    }
}
