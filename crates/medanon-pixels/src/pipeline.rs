//! The Clean Pixel Data Option in one call: find the regions (rules, the
//! text detector, OCR against the header), clean them in every frame,
//! write the pixels back uncompressed, and record what was done.

use dicom_core::value::{DataSetSequence, PrimitiveValue};
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject};

use crate::clean::{CleanMode, clean_frame};
use crate::decode::{decode_frame, pixel_info};
use crate::detect::{DetectOptions, detect_text};
use crate::encode::store_frames;
use crate::error::{Error, Result};
use crate::frame::{Frame, Photometric, Region};
use crate::render::{RenderOptions, render_frame};
use crate::rules::{Attributes, RuleSet};

/// The most sample values cleaned in memory at once (all frames): 2^27,
/// one GiB as `i64`. Larger objects get [`Error::InvalidArgument`].
pub const MAX_CLEAN_SAMPLES: usize = 1 << 27;

/// How regions are cleaned (the pseudonym's text is given per object).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ModeName {
    /// Filled with the background.
    #[default]
    Fill,
    /// Blurred beyond reading.
    Blur,
    /// Coarse blocks.
    Pixelate,
    /// Filled, then the patient's pseudonym drawn in.
    Pseudonym,
}

/// When the text detector runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DetectWhen {
    /// On images that often carry burned-in text: Burned In Annotation
    /// `YES`, secondary captures, and the modalities US, IVUS, ES, XC, GM,
    /// SM, OT and DOC. Rules and OCR run on every image.
    #[default]
    Auto,
    /// On every image.
    Always,
    /// Never (rules and OCR only).
    Never,
}

/// Settings of the Clean Pixel Data Option: the `[pixels]` section of a
/// recipe.
///
/// ```toml
/// [pixels]
/// mode = "fill"          # or "blur", "pixelate", "pseudonym"
/// detect = "auto"        # or "always", "never"
/// ocr = true             # match text read by tesseract against the header
/// default-rules = true   # the built-in ultrasound header-bar rules
/// [[pixels.rules]]       # more rules: see `RuleSet`
/// name = "Acme US top bar"
/// modality = "US"
/// regions = [[0, 0, 640, 60]]
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct PixelSettings {
    /// How regions are cleaned.
    pub mode: ModeName,
    /// When the text detector runs.
    pub detect: DetectWhen,
    /// The detector's options.
    pub detect_options: DetectOptions,
    /// Whether OCR runs (when the `ocr` feature is on and the program is
    /// installed).
    pub ocr: bool,
    /// The rules (built-in ones first unless `default-rules = false`).
    pub rules: RuleSet,
}

impl Default for PixelSettings {
    fn default() -> Self {
        PixelSettings {
            mode: ModeName::Fill,
            detect: DetectWhen::Auto,
            detect_options: DetectOptions::default(),
            ocr: true,
            rules: RuleSet::default_rules(),
        }
    }
}

impl PixelSettings {
    /// Settings from a recipe's `[pixels]` table.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] for unknown keys and values, naming them.
    pub fn from_table(table: &toml::Table) -> Result<PixelSettings> {
        let invalid = |what: String| Error::InvalidArgument(format!("[pixels] {what}"));
        let mut settings = PixelSettings::default();
        for (key, value) in table {
            match key.as_str() {
                "mode" => {
                    settings.mode = match value.as_str() {
                        Some("fill") => ModeName::Fill,
                        Some("blur") => ModeName::Blur,
                        Some("pixelate") => ModeName::Pixelate,
                        Some("pseudonym") => ModeName::Pseudonym,
                        _ => {
                            return Err(invalid(format!(
                                "mode = {value}: use fill, blur, pixelate or pseudonym"
                            )));
                        }
                    }
                }
                "detect" => {
                    settings.detect = match value.as_str() {
                        Some("auto") => DetectWhen::Auto,
                        Some("always") => DetectWhen::Always,
                        Some("never") => DetectWhen::Never,
                        _ => {
                            return Err(invalid(format!(
                                "detect = {value}: use auto, always or never"
                            )));
                        }
                    }
                }
                "ocr" => {
                    settings.ocr = value
                        .as_bool()
                        .ok_or_else(|| invalid(format!("ocr = {value}: true or false")))?
                }
                "default-rules" => {
                    if !value
                        .as_bool()
                        .ok_or_else(|| invalid(format!("default-rules = {value}: true or false")))?
                    {
                        settings.rules = RuleSet::default();
                    }
                }
                "rules" => {}
                other => return Err(invalid(format!("unknown key `{other}`"))),
            }
        }
        if table.contains_key("rules") {
            let mut doc = toml::Table::new();
            doc.insert("pixels".into(), toml::Value::Table(table.clone()));
            let user = RuleSet::from_toml_str(
                &toml::to_string(&doc).map_err(|e| invalid(e.to_string()))?,
            )?;
            settings.rules.extend(user);
        }
        Ok(settings)
    }
}

/// What [`clean_pixel_data`] did.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct PixelReport {
    /// Frames cleaned.
    pub frames: usize,
    /// Every region cleaned in some frame (without duplicates).
    pub regions: Vec<Region>,
    /// Regions from rules, from the detector and from OCR (per frame, summed).
    pub from_rules: usize,
    /// See [`from_rules`](Self::from_rules).
    pub from_detector: usize,
    /// See [`from_rules`](Self::from_rules).
    pub from_ocr: usize,
    /// Whether OCR was asked for but could not run (program missing).
    pub ocr_unavailable: bool,
    /// The header said Burned In Annotation `YES` and nothing was found:
    /// the attribute stays `YES` and the image deserves a look.
    pub suspect: bool,
    /// The transfer syntax the pixels were read from (they are written as
    /// Explicit VR Little Endian).
    pub source_transfer_syntax: String,
}

/// Cleans the burned-in text of `obj` (every frame) and writes its pixels
/// back uncompressed (Explicit VR Little Endian; lossy sources keep their
/// Lossy Image Compression attributes). `terms` are the identifying values
/// OCR looks for (from the original header, before de-identification: see
/// `identifying_terms`); `pseudonym` is the text drawn in
/// [`ModeName::Pseudonym`] mode ("ANONYMIZED" when `None`).
///
/// Burned In Annotation becomes `NO`, except when the header said `YES` and
/// no region was found (see [`PixelReport::suspect`]). When the object
/// carries a De-identification Method Code Sequence (it was de-identified),
/// the Clean Pixel Data Option (113101) is added to it.
///
/// # Errors
/// [`Error::NoPixelData`], the decoding errors (unsupported transfer
/// syntax, corrupt data), [`Error::InvalidArgument`] when the frames exceed
/// [`MAX_CLEAN_SAMPLES`]; the object is unchanged then.
pub fn clean_pixel_data(
    obj: &mut DefaultDicomObject,
    settings: &PixelSettings,
    terms: &[String],
    pseudonym: Option<&str>,
) -> Result<PixelReport> {
    let info = pixel_info(obj)?;
    let total = info.rows * info.columns * info.samples_per_pixel * info.frames;
    if total > MAX_CLEAN_SAMPLES {
        return Err(Error::InvalidArgument(format!(
            "{} frames of {}x{}x{} samples are too many to clean in memory (at most {MAX_CLEAN_SAMPLES} samples)",
            info.frames, info.rows, info.columns, info.samples_per_pixel
        )));
    }
    let attrs = Attributes::from_object(obj);
    let burned_in_yes = text(obj, tags::BURNED_IN_ANNOTATION).eq_ignore_ascii_case("YES");
    let run_detector = match settings.detect {
        DetectWhen::Always => true,
        DetectWhen::Never => false,
        DetectWhen::Auto => burned_in_yes || text_prone(obj),
    };
    let mode = match settings.mode {
        ModeName::Fill => CleanMode::Fill,
        ModeName::Blur => CleanMode::Blur,
        ModeName::Pixelate => CleanMode::Pixelate,
        ModeName::Pseudonym => CleanMode::Pseudonym(pseudonym.unwrap_or("ANONYMIZED").to_owned()),
    };
    let mut report = PixelReport {
        source_transfer_syntax: info.transfer_syntax.clone(),
        ..PixelReport::default()
    };
    let rule_regions = settings.rules.matching(&attrs);
    let mut frames = Vec::with_capacity(info.frames);
    let mut ocr_regions: Vec<Region> = Vec::new();
    for index in 0..info.frames {
        let mut frame = decode_frame(obj, index)?;
        let mut regions = rule_regions.clone();
        report.from_rules += rule_regions.len();
        if run_detector {
            // Palette indices say nothing about brightness: look for text
            // in the colours they stand for.
            let found = if frame.photometric == Photometric::PaletteColor {
                let rgb = render_frame(obj, &frame, &RenderOptions::default())?;
                let mut shown = Frame::new(rgb.height, rgb.width, 3, Photometric::Rgb);
                for (v, &b) in shown.values.iter_mut().zip(&rgb.rgb) {
                    *v = i64::from(b);
                }
                detect_text(&shown, &settings.detect_options)
            } else {
                detect_text(&frame, &settings.detect_options)
            };
            report.from_detector += found.len();
            regions.extend(found);
        }
        // Burned-in header text sits in the same place in every frame of a
        // clip: read the first frame, clean its lines in all.
        if index == 0 && settings.ocr {
            match ocr_find(&frame, terms) {
                Ok(found) => ocr_regions = found,
                Err(Error::OcrUnavailable(_)) => report.ocr_unavailable = true,
                Err(e) => return Err(e),
            }
        }
        report.from_ocr += ocr_regions.len();
        regions.extend(ocr_regions.iter().copied());
        clean_frame(&mut frame, &regions, &mode)?;
        report.regions.extend(regions);
        frames.push(frame);
    }
    report.regions.sort_unstable();
    report.regions.dedup();
    report.frames = frames.len();
    store_frames(obj, &info, &frames)?;
    report.suspect = burned_in_yes && report.regions.is_empty();
    if !report.suspect {
        obj.put(DataElement::new(
            tags::BURNED_IN_ANNOTATION,
            VR::CS,
            PrimitiveValue::from("NO"),
        ));
    }
    record_option(obj);
    Ok(report)
}

/// The identifying values of an object to look for in its pixels: the
/// parts of the patient's names, the patient IDs, the accession number,
/// and the birth date in the ways it is printed (YYYYMMDD, MMDDYYYY,
/// DDMMYYYY, with two-digit years too; separators are ignored when words
/// are compared).
pub fn identifying_terms(obj: &dicom_object::InMemDicomObject) -> Vec<String> {
    use dicom_dictionary_std::tags;
    let text = |tag| {
        obj.element(tag)
            .ok()
            .and_then(|e| e.to_str().ok())
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let mut terms = Vec::new();
    for tag in [
        tags::PATIENT_NAME,
        tags::OTHER_PATIENT_NAMES,
        tags::PATIENT_BIRTH_NAME,
        tags::PATIENT_MOTHER_BIRTH_NAME,
    ] {
        for part in text(tag).split(['^', '=', '\\', ' ']) {
            if part.len() >= 3 {
                terms.push(part.to_owned());
            }
        }
    }
    // Other Patient IDs (0010,1000): retired, still written by some systems.
    let other_ids = dicom_core::Tag(0x0010, 0x1000);
    for tag in [tags::PATIENT_ID, other_ids, tags::ACCESSION_NUMBER] {
        for id in text(tag).split('\\') {
            if id.trim().len() >= 3 {
                terms.push(id.trim().to_owned());
            }
        }
    }
    let birth = text(tags::PATIENT_BIRTH_DATE);
    if birth.len() == 8 && birth.bytes().all(|b| b.is_ascii_digit()) {
        let (y, m, d) = (&birth[..4], &birth[4..6], &birth[6..8]);
        let yy = &y[2..];
        terms.extend([
            format!("{y}{m}{d}"),
            format!("{m}{d}{y}"),
            format!("{d}{m}{y}"),
            format!("{m}{d}{yy}"),
            format!("{d}{m}{yy}"),
        ]);
    }
    terms
}

#[cfg(feature = "ocr")]
fn ocr_find(frame: &Frame, terms: &[String]) -> Result<Vec<Region>> {
    if terms.is_empty() {
        return Ok(Vec::new());
    }
    crate::ocr::Ocr::new(terms.to_vec()).find(frame)
}

#[cfg(not(feature = "ocr"))]
fn ocr_find(_frame: &Frame, _terms: &[String]) -> Result<Vec<Region>> {
    Err(Error::OcrUnavailable(
        "built without the `ocr` feature".into(),
    ))
}

fn text(obj: &InMemDicomObject, tag: dicom_core::Tag) -> String {
    obj.get(tag)
        .and_then(|e| e.to_str().ok())
        .map(|s| s.trim_matches([' ', '\0']).to_owned())
        .unwrap_or_default()
}

/// Images that often carry burned-in text.
fn text_prone(obj: &InMemDicomObject) -> bool {
    const MODALITIES: [&str; 8] = ["US", "IVUS", "ES", "XC", "GM", "SM", "OT", "DOC"];
    let modality = text(obj, tags::MODALITY).to_ascii_uppercase();
    // Secondary Capture Image Storage and its multi-frame variants.
    let secondary_capture = text(obj, tags::SOP_CLASS_UID).starts_with("1.2.840.10008.5.1.4.1.1.7");
    secondary_capture || MODALITIES.contains(&modality.as_str())
}

/// Adds the Clean Pixel Data Option (113101) to a De-identification Method
/// Code Sequence that is already there.
fn record_option(obj: &mut DefaultDicomObject) {
    const CODE: &str = "113101";
    let Some(items) = obj
        .get(tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE)
        .and_then(|e| e.items())
        .map(<[InMemDicomObject]>::to_vec)
    else {
        return;
    };
    if items.iter().any(|i| text(i, tags::CODE_VALUE) == CODE) {
        return;
    }
    let mut items = items;
    items.push(InMemDicomObject::from_element_iter([
        DataElement::new(tags::CODE_VALUE, VR::SH, PrimitiveValue::from(CODE)),
        DataElement::new(
            tags::CODING_SCHEME_DESIGNATOR,
            VR::SH,
            PrimitiveValue::from("DCM"),
        ),
        DataElement::new(
            tags::CODE_MEANING,
            VR::LO,
            PrimitiveValue::from("Clean Pixel Data Option"),
        ),
    ]));
    obj.put(DataElement::new(
        tags::DEIDENTIFICATION_METHOD_CODE_SEQUENCE,
        VR::SQ,
        DataSetSequence::from(items),
    ));
    if let Some(method) = obj
        .get(tags::DEIDENTIFICATION_METHOD)
        .and_then(|e| e.to_multi_str().ok())
    {
        let mut values: Vec<String> = method.iter().cloned().collect();
        values.push("Clean Pixel Data Option".to_owned());
        obj.put(DataElement::new(
            tags::DEIDENTIFICATION_METHOD,
            VR::LO,
            PrimitiveValue::Strs(values.into_iter().collect()),
        ));
    }
}
