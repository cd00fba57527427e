//! A derived series: the volume's values in copies of the template series'
//! objects, with new UIDs and the references DICOM asks of derived images.
//!
//! Each source object gives one output object (a multi-frame source gives a
//! multi-frame output with its functional groups unchanged: the geometry is
//! the same). Values are stored as 16-bit integers, Explicit VR Little
//! Endian, uncompressed: with the template's Rescale Slope and Intercept
//! when every value fits and is representable with them (a masked copy of
//! the source values), else with one new rescale for the whole series.

use std::path::{Path, PathBuf};

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::{tags, uids};
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use medanon_crypto::{OsRandom, PseudonymKey, SecureRandom};

use super::attr::{format_ds, int, items, put_sequence, put_str, put_strs, put_us, string};
use super::pixels::{Encoding, Rescale, fit, recompute};
use super::{SourceObject, TemplateSeries, series_error};
use crate::volume::Volume;
use crate::{Error, Result};

/// Implementation Class UID written in the file meta (medanon's).
const IMPLEMENTATION_CLASS_UID: &str = "2.25.177379934574128404470203226014049893131";
/// Implementation Version Name written in the file meta.
const IMPLEMENTATION_VERSION_NAME: &str = concat!("MEDANON_", env!("CARGO_PKG_VERSION"));
/// RT Dose Storage, whose IOD has no Image Type.
const RT_DOSE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.481.2";
/// World positions of the volume's corners may differ from the template's
/// by this much (mm): rounding through a NIfTI file's `f32` affine.
const GEOMETRY_TOLERANCE_MM: f64 = 0.01;

/// How [`volume_to_series`] labels the derived series.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct DeriveOptions {
    /// Key for the new UIDs: the same key, description and originals give
    /// the same UIDs on every run. Without a key, UIDs are random.
    pub key: Option<PseudonymKey>,
    /// Derivation Description (0008,2111); part of the keyed UIDs' input,
    /// so that two derivations of one series get different UIDs.
    pub derivation_description: String,
    /// Appended to the Series Description (the result is cut to 64
    /// characters); `None` keeps it.
    pub series_description_suffix: Option<String>,
    /// A new Series Number; `None` keeps the template's.
    pub series_number: Option<i32>,
}

impl Default for DeriveOptions {
    fn default() -> Self {
        DeriveOptions {
            key: None,
            derivation_description: "derived by medanon from the source images".to_owned(),
            series_description_suffix: None,
            series_number: None,
        }
    }
}

impl DeriveOptions {
    /// UIDs keyed with `key` instead of random ones.
    pub fn key(mut self, key: PseudonymKey) -> Self {
        self.key = Some(key);
        self
    }

    /// The Derivation Description.
    pub fn derivation_description(mut self, text: impl Into<String>) -> Self {
        self.derivation_description = text.into();
        self
    }

    /// A suffix for the Series Description (" brain", say).
    pub fn series_description_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.series_description_suffix = Some(suffix.into());
        self
    }

    /// A new Series Number.
    pub fn series_number(mut self, number: i32) -> Self {
        self.series_number = Some(number);
        self
    }
}

/// The derived series holding `volume`'s values, one object per source
/// object of `template` (in slice order), ready for [`write_series`].
///
/// # Errors
/// [`Error::Series`] when the volume is 4-D, or its shape or affine differ
/// from the template's (it was resampled or reoriented), or the random
/// source fails.
pub fn volume_to_series(
    volume: &Volume,
    template: &TemplateSeries,
    options: &DeriveOptions,
) -> Result<Vec<DefaultDicomObject>> {
    check_geometry(volume, template)?;
    let encodings = choose_encodings(volume, template);
    let series_uid = derived_uid(options, "series", &template.series_instance_uid)?;
    // Objects in slice order, whatever the order the files were read in.
    let mut order: Vec<usize> = (0..template.sources.len()).collect();
    order.sort_by_key(|&o| template.sources[o].slices.iter().min().copied());
    let mut out = Vec::with_capacity(template.sources.len());
    for o in order {
        let (source, encoding) = (&template.sources[o], encodings[o]);
        out.push(derive_object(
            volume,
            template,
            source,
            encoding,
            &series_uid,
            options,
        )?);
    }
    Ok(out)
}

/// Writes `objects` into `dir` (created if missing) as
/// `<SOP Instance UID>.dcm`, each file atomically. Returns the paths.
///
/// # Errors
/// [`Error::Write`] when a file exists (unless `overwrite`), an object has
/// no valid SOP Instance UID, or writing fails; files written before the
/// failure are left in place.
pub fn write_series(
    objects: &[DefaultDicomObject],
    dir: &Path,
    overwrite: bool,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::Write {
        path: dir.to_owned(),
        reason: e.to_string(),
    })?;
    let mut paths = Vec::with_capacity(objects.len());
    for object in objects {
        let uid = object
            .meta()
            .media_storage_sop_instance_uid()
            .trim_end_matches(['\0', ' ']);
        let valid = !uid.is_empty()
            && uid.len() <= 64
            && uid.bytes().all(|b| b.is_ascii_digit() || b == b'.');
        if !valid {
            return Err(Error::Write {
                path: dir.to_owned(),
                reason: "an object has no valid SOP Instance UID to name its file".to_owned(),
            });
        }
        let path = dir.join(format!("{uid}.dcm"));
        medanon_tags::write_dicom_atomic(object, &path, overwrite).map_err(|e| {
            let reason = match e {
                medanon_tags::Error::OutputExists { .. } => {
                    "the file exists (allow overwriting to replace it)".to_owned()
                }
                medanon_tags::Error::Write { reason, .. } => reason,
                other => other.to_string(),
            };
            Error::Write {
                path: path.clone(),
                reason,
            }
        })?;
        paths.push(path);
    }
    Ok(paths)
}

fn check_geometry(volume: &Volume, template: &TemplateSeries) -> Result<()> {
    if volume.time_points() != 1 {
        return Err(series_error(format!(
            "the volume has {} time points; a derived series takes one 3-D volume",
            volume.time_points()
        )));
    }
    if volume.shape3() != template.size {
        return Err(series_error(format!(
            "the volume is {:?} voxels where the template series is {:?} (resampled?)",
            volume.shape3(),
            template.size
        )));
    }
    let last = template.size.map(|n| n.saturating_sub(1) as f64);
    for corner in 0..8 {
        let ijk: [f64; 3] = std::array::from_fn(|axis| {
            if corner >> axis & 1 == 1 {
                last[axis]
            } else {
                0.0
            }
        });
        let (a, b) = (volume.affine.apply(ijk), template.affine.apply(ijk));
        let distance = (0..3).map(|r| (a[r] - b[r]).powi(2)).sum::<f64>().sqrt();
        if distance.is_nan() || distance > GEOMETRY_TOLERANCE_MM {
            return Err(series_error(format!(
                "the volume's affine differs from the template series' ({distance:.3} mm at a \
                 corner): it was resampled or reoriented"
            )));
        }
    }
    Ok(())
}

/// The values of the slices of `source`, frame after frame, each in
/// DICOM order (row after row: `i` varies fastest).
fn source_values<'a>(
    volume: &'a Volume,
    source: &'a SourceObject,
) -> impl Iterator<Item = f32> + 'a {
    source.slices.iter().flat_map(move |&k| {
        // [i, j] transposed to [j, i], iterated in logical order.
        let slice = volume
            .data
            .index_axis(ndarray::Axis(3), 0)
            .index_axis_move(ndarray::Axis(2), k);
        slice.reversed_axes().into_iter().copied()
    })
}

/// The template's encoding for every object if all values fit it, else
/// one recomputed encoding for all.
fn choose_encodings(volume: &Volume, template: &TemplateSeries) -> Vec<Encoding> {
    let mut fitted = Vec::with_capacity(template.sources.len());
    for source in &template.sources {
        let mut rescales = source.slices.iter().map(|&k| template.slices[k].rescale);
        let Some(first) = rescales.next() else {
            // No slices (cannot happen): keep the indices aligned.
            fitted.push(Encoding {
                rescale: Rescale::IDENTITY,
                signed: false,
            });
            continue;
        };
        let uniform = rescales.all(|r| r == first);
        let dose = source.header.get(tags::DOSE_GRID_SCALING).is_some();
        let usable = uniform && !(dose && first.intercept != 0.0);
        match usable
            .then(|| fit(source_values(volume, source), first))
            .flatten()
        {
            Some(encoding) => fitted.push(encoding),
            None => {
                let global = recompute(volume.data.iter().copied());
                return vec![global; template.sources.len()];
            }
        }
    }
    fitted
}

fn derive_object(
    volume: &Volume,
    template: &TemplateSeries,
    source: &SourceObject,
    encoding: Encoding,
    series_uid: &str,
    options: &DeriveOptions,
) -> Result<DefaultDicomObject> {
    let header = &source.header;
    let first = source
        .slices
        .first()
        .map(|&k| &template.slices[k])
        .ok_or_else(|| series_error("internal error: a source object has no slices"))?;
    let sop_class = first.sop_class_uid.clone();
    let sop_instance = derived_uid(options, "instance", &first.sop_instance_uid)?;
    let mut ds = header.clone();

    let pixels: Vec<u16> = source_values(volume, source)
        .map(|v| encoding.store(v))
        .collect();
    ds.put(DataElement::new(
        tags::PIXEL_DATA,
        VR::OW,
        PrimitiveValue::U16(pixels.into()),
    ));

    let template_signed = int(header, tags::PIXEL_REPRESENTATION) == Some(1);
    let changed = encoding.rescale != first.rescale
        || encoding.signed != template_signed
        || int(header, tags::BITS_ALLOCATED) != Some(16);
    put_us(&mut ds, tags::SAMPLES_PER_PIXEL, 1);
    put_us(&mut ds, tags::BITS_ALLOCATED, 16);
    put_us(&mut ds, tags::BITS_STORED, 16);
    put_us(&mut ds, tags::HIGH_BIT, 15);
    put_us(
        &mut ds,
        tags::PIXEL_REPRESENTATION,
        u16::from(encoding.signed),
    );
    let photometric = match string(header, tags::PHOTOMETRIC_INTERPRETATION).as_deref() {
        Some("MONOCHROME1") => "MONOCHROME1",
        _ => "MONOCHROME2",
    };
    put_str(
        &mut ds,
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        photometric,
    );
    let mut stale = vec![
        tags::PLANAR_CONFIGURATION,
        tags::SMALLEST_IMAGE_PIXEL_VALUE,
        tags::LARGEST_IMAGE_PIXEL_VALUE,
        tags::SMALLEST_PIXEL_VALUE_IN_SERIES,
        tags::LARGEST_PIXEL_VALUE_IN_SERIES,
        tags::MODALITY_LUT_SEQUENCE,
        // A thumbnail of the source pixels (it may show what was removed).
        tags::ICON_IMAGE_SEQUENCE,
    ];
    if changed {
        stale.extend([tags::PIXEL_PADDING_VALUE, tags::PIXEL_PADDING_RANGE_LIMIT]);
    }
    for tag in stale {
        ds.remove_element(tag);
    }
    write_rescale(&mut ds, encoding.rescale);

    put_str(&mut ds, tags::SOP_INSTANCE_UID, VR::UI, &sop_instance);
    put_str(&mut ds, tags::SERIES_INSTANCE_UID, VR::UI, series_uid);
    let mut image_type: Vec<String> = ds
        .get(tags::IMAGE_TYPE)
        .and_then(|e| e.to_multi_str().ok())
        .map(|v| v.iter().map(|s| s.trim().to_owned()).collect())
        .unwrap_or_default();
    match image_type.first_mut() {
        Some(first) => "DERIVED".clone_into(first),
        // RT Dose has no Image Type; other images get one.
        None if sop_class == RT_DOSE_STORAGE => {}
        None => image_type = vec!["DERIVED".to_owned(), "SECONDARY".to_owned()],
    }
    if !image_type.is_empty() {
        put_strs(&mut ds, tags::IMAGE_TYPE, VR::CS, &image_type);
    }
    put_str(
        &mut ds,
        tags::DERIVATION_DESCRIPTION,
        VR::ST,
        &options.derivation_description,
    );
    put_sequence(
        &mut ds,
        tags::SOURCE_IMAGE_SEQUENCE,
        vec![source_reference(&sop_class, &first.sop_instance_uid)],
    );
    if let Some(suffix) = &options.series_description_suffix {
        let base = string(header, tags::SERIES_DESCRIPTION).unwrap_or_default();
        let mut text: String = base
            .chars()
            .take(64usize.saturating_sub(suffix.chars().count()))
            .collect();
        text.push_str(suffix);
        let text: String = text.chars().take(64).collect();
        put_str(&mut ds, tags::SERIES_DESCRIPTION, VR::LO, text.trim());
    }
    if let Some(number) = options.series_number {
        put_str(&mut ds, tags::SERIES_NUMBER, VR::IS, &number.to_string());
    }

    let meta = FileMetaTableBuilder::new()
        .media_storage_sop_class_uid(sop_class)
        .media_storage_sop_instance_uid(sop_instance)
        .transfer_syntax(uids::EXPLICIT_VR_LITTLE_ENDIAN)
        .implementation_class_uid(IMPLEMENTATION_CLASS_UID)
        .implementation_version_name(IMPLEMENTATION_VERSION_NAME);
    ds.with_meta(meta)
        .map_err(|e| series_error(format!("cannot build the file meta: {e}")))
}

/// Writes the rescale where the template keeps it: Dose Grid Scaling (RT
/// Dose, intercept 0), the top level, or the Pixel Value Transformation
/// functional groups of an enhanced object.
fn write_rescale(ds: &mut InMemDicomObject, rescale: Rescale) {
    let slope = format_ds(rescale.slope);
    let intercept = format_ds(rescale.intercept);
    if ds.get(tags::DOSE_GRID_SCALING).is_some() {
        put_str(ds, tags::DOSE_GRID_SCALING, VR::DS, &slope);
        ds.remove_element(tags::RESCALE_SLOPE);
        ds.remove_element(tags::RESCALE_INTERCEPT);
        return;
    }
    let shared = items(ds, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE).to_vec();
    let per_frame = items(ds, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE).to_vec();
    let enhanced = !shared.is_empty() || !per_frame.is_empty();
    let top_level = ds.get(tags::RESCALE_SLOPE).is_some();
    if !enhanced || top_level {
        if top_level || rescale != Rescale::IDENTITY {
            put_str(ds, tags::RESCALE_INTERCEPT, VR::DS, &intercept);
            put_str(ds, tags::RESCALE_SLOPE, VR::DS, &slope);
        }
        if !enhanced {
            return;
        }
    }
    let set = |item: &mut InMemDicomObject, create: bool| -> bool {
        let existing = items(item, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE)
            .first()
            .cloned();
        let mut group = match existing {
            Some(group) => group,
            None if create => {
                let mut group = InMemDicomObject::new_empty();
                put_str(&mut group, tags::RESCALE_TYPE, VR::LO, "US");
                group
            }
            None => return false,
        };
        put_str(&mut group, tags::RESCALE_INTERCEPT, VR::DS, &intercept);
        put_str(&mut group, tags::RESCALE_SLOPE, VR::DS, &slope);
        put_sequence(item, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE, vec![group]);
        true
    };
    let mut found = false;
    let mut per_frame = per_frame;
    for item in &mut per_frame {
        found |= set(item, false);
    }
    if found {
        put_sequence(ds, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE, per_frame);
    }
    let mut shared = shared;
    if shared.is_empty() {
        shared.push(InMemDicomObject::new_empty());
    }
    let create = !found && !top_level && rescale != Rescale::IDENTITY;
    if set(&mut shared[0], create) {
        put_sequence(ds, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE, shared);
    }
}

/// A Source Image Sequence item: the source instance, as the source of an
/// image processing operation (DCM 121322).
fn source_reference(sop_class: &str, sop_instance: &str) -> InMemDicomObject {
    let mut purpose = InMemDicomObject::new_empty();
    put_str(&mut purpose, tags::CODE_VALUE, VR::SH, "121322");
    put_str(&mut purpose, tags::CODING_SCHEME_DESIGNATOR, VR::SH, "DCM");
    put_str(
        &mut purpose,
        tags::CODE_MEANING,
        VR::LO,
        "Source image for image processing operation",
    );
    let mut item = InMemDicomObject::new_empty();
    put_str(&mut item, tags::REFERENCED_SOP_CLASS_UID, VR::UI, sop_class);
    put_str(
        &mut item,
        tags::REFERENCED_SOP_INSTANCE_UID,
        VR::UI,
        sop_instance,
    );
    put_sequence(
        &mut item,
        tags::PURPOSE_OF_REFERENCE_CODE_SEQUENCE,
        vec![purpose],
    );
    item
}

/// A new UID for the derived `what` (series or instance) standing for
/// `original`: keyed (with the derivation description) or random.
fn derived_uid(options: &DeriveOptions, what: &str, original: &str) -> Result<String> {
    match &options.key {
        Some(key) => Ok(key.uid(&format!(
            "medanon-derived\u{1f}{what}\u{1f}{}\u{1f}{original}",
            options.derivation_description
        ))),
        None => {
            let mut bytes = [0u8; 16];
            OsRandom
                .fill(&mut bytes)
                .map_err(|_| series_error("the random source failed"))?;
            // A version 4 UUID (RFC 9562) as a decimal integer (ITU-T X.667).
            bytes[6] = (bytes[6] & 0x0f) | 0x40;
            bytes[8] = (bytes[8] & 0x3f) | 0x80;
            Ok(format!("2.25.{}", u128::from_be_bytes(bytes)))
        }
    }
}
