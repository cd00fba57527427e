//! `clean-pixels`: the Clean Pixel Data Option on one file, and the pixel
//! settings `anonymize --clean-pixels` shares.

use std::path::Path;

use anyhow::{Context, Result, bail};
use medanon::pixels::{
    DetectWhen, ModeName, PixelReport, PixelSettings, clean_pixel_data, identifying_terms,
};
use medanon::tags::{Limits, open_dicom, write_dicom_atomic};

use crate::cli::{CleanPixelsArgs, DetectArg, PixelModeArg};

/// The pixel settings of a recipe file's `[pixels]` section (the defaults
/// when it has none); `None` when there is no recipe or no section.
pub fn settings_of_recipe(recipe: Option<&toml::Table>) -> Result<Option<PixelSettings>> {
    recipe
        .map(|table| {
            PixelSettings::from_table(table).map_err(|e| anyhow::anyhow!("invalid recipe: {e}"))
        })
        .transpose()
}

/// `medanon clean-pixels`.
pub fn clean_pixels(args: &CleanPixelsArgs) -> Result<()> {
    if !args.force && args.out.exists() {
        bail!(
            "{} already exists (use --force to replace it)",
            args.out.display()
        );
    }
    if same_file(&args.input, &args.out) {
        bail!("OUT is IN: medanon never modifies its input");
    }
    let recipe = crate::commands::anonymize::load_recipe(args.recipe.as_deref())?;
    let mut settings = settings_of_recipe(recipe.pixels.as_ref())?.unwrap_or_default();
    if let Some(mode) = args.mode {
        settings.mode = match mode {
            PixelModeArg::Fill => ModeName::Fill,
            PixelModeArg::Blur => ModeName::Blur,
            PixelModeArg::Pixelate => ModeName::Pixelate,
            PixelModeArg::Pseudonym => ModeName::Pseudonym,
        };
    }
    if let Some(detect) = args.detect {
        settings.detect = match detect {
            DetectArg::Auto => DetectWhen::Auto,
            DetectArg::Always => DetectWhen::Always,
            DetectArg::Never => DetectWhen::Never,
        };
    }
    if args.no_ocr {
        settings.ocr = false;
    }
    let mut object = open_dicom(&args.input, &Limits::default())?;
    let terms = identifying_terms(&object);
    let report = clean_pixel_data(&mut object, &settings, &terms, args.text.as_deref())
        .with_context(|| format!("{}: cannot clean the pixel data", args.input.display()))?;
    write_dicom_atomic(&object, &args.out, args.force)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!(
        "medanon: wrote {}: {}",
        args.out.display(),
        summary(&report)
    );
    if report.suspect {
        eprintln!(
            "medanon: warning: Burned In Annotation is YES but no text was found: it stays YES; \
             look at the image (medanon render) and add a rule"
        );
    }
    Ok(())
}

/// One line on what was cleaned.
pub fn summary(report: &PixelReport) -> String {
    let ocr = if report.ocr_unavailable {
        ", OCR unavailable (install tesseract)"
    } else {
        ""
    };
    format!(
        "{} region(s) cleaned in {} frame(s) (rules {}, detector {}, OCR {}){ocr}",
        report.regions.len(),
        report.frames,
        report.from_rules,
        report.from_detector,
        report.from_ocr
    )
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
