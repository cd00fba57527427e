//! Reading the files of a series, choosing one series and assembling the
//! volume.

use std::collections::BTreeMap;
use std::path::Path;

use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use ndarray::Array3;

use super::attr::{float, floats, functional_group, int, items, string};
use super::geometry::{ImageGeometry, directions, stack};
use super::pixels::{Rescale, decode_frames};
use super::{
    SeriesInfo, SeriesOptions, SeriesVolume, SourceObject, SourceSlice, TemplateSeries,
    collect_files, series_error,
};
use crate::volume::{StoredType, Volume};
use crate::{Error, Result};

/// Reads the one DICOM series in `inputs` (directories, files, or a single
/// multi-frame file) into a volume, with the default [`SeriesOptions`].
///
/// # Errors
/// [`Error::Read`] for an unreadable input; [`Error::Series`] when the
/// inputs hold no images, several series, a single slice, images that do
/// not form one regular stack (gaps, duplicates, mixed orientations or
/// sizes), or pixel data that cannot be decoded.
pub fn series_to_volume<P: AsRef<Path>>(inputs: &[P]) -> Result<SeriesVolume> {
    series_to_volume_with(inputs, &SeriesOptions::default())
}

/// [`series_to_volume`] with options: recursion, which series, tolerances
/// and limits.
///
/// Files that are not DICOM, and DICOM objects without pixel data (a
/// DICOMDIR, a report), are skipped when found in a directory and are an
/// error when named explicitly.
///
/// # Errors
/// As [`series_to_volume`].
pub fn series_to_volume_with<P: AsRef<Path>>(
    inputs: &[P],
    options: &SeriesOptions,
) -> Result<SeriesVolume> {
    let scan = scan(inputs, options, true)?;
    let counts = scan.counts;
    let objects = match &options.series_uid {
        Some(_) => scan.kept.ok_or_else(|| {
            series_error(format!(
                "no images of the requested series among the inputs ({} series found)",
                counts.len()
            ))
        })?,
        None if counts.len() > 1 => {
            let sizes: Vec<String> = counts.values().map(|(n, _)| n.to_string()).collect();
            return Err(series_error(format!(
                "the inputs hold {} series ({} files): pass the files of one series, or pick \
                 one with SeriesOptions::series_uid (list_series names them)",
                counts.len(),
                sizes.join(", ")
            )));
        }
        None => scan
            .kept
            .ok_or_else(|| series_error("the inputs hold no DICOM images"))?,
    };
    assemble(objects, options)
}

/// The series in `inputs`, in Series Instance UID order, with how many
/// files and images each has. Reads every file (pixel data is not decoded).
///
/// # Errors
/// [`Error::Read`] or [`Error::Series`] for an unreadable input.
pub fn list_series<P: AsRef<Path>>(
    inputs: &[P],
    options: &SeriesOptions,
) -> Result<Vec<SeriesInfo>> {
    let scan = scan(inputs, options, false)?;
    Ok(scan
        .counts
        .into_iter()
        .map(|(uid, (instances, frames))| SeriesInfo {
            series_instance_uid: uid,
            instances,
            frames,
        })
        .collect())
}

/// Builds the volume from objects already in memory (all of one series;
/// `options.series_uid`, if set, filters them).
///
/// # Errors
/// As [`series_to_volume`].
pub fn series_from_objects(
    objects: Vec<DefaultDicomObject>,
    options: &SeriesOptions,
) -> Result<SeriesVolume> {
    let objects: Vec<_> = match &options.series_uid {
        Some(uid) => objects
            .into_iter()
            .filter(|o| series_uid_of(o) == *uid)
            .collect(),
        None => {
            let uids: std::collections::BTreeSet<String> =
                objects.iter().map(|o| series_uid_of(o)).collect();
            if uids.len() > 1 {
                return Err(series_error(format!(
                    "the objects hold {} series: pass the objects of one series, or pick one \
                     with SeriesOptions::series_uid",
                    uids.len()
                )));
            }
            objects
        }
    };
    assemble(objects, options)
}

/// Files read, grouped by series.
struct Scan {
    /// Files and frames per series.
    counts: BTreeMap<String, (usize, usize)>,
    /// The objects of the requested series, or of the first series seen.
    kept: Option<Vec<DefaultDicomObject>>,
}

fn scan<P: AsRef<Path>>(inputs: &[P], options: &SeriesOptions, keep: bool) -> Result<Scan> {
    let limits = medanon_tags::Limits {
        max_file_bytes: options.max_file_bytes,
    };
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut kept: Option<(String, Vec<DefaultDicomObject>)> = None;
    for (path, explicit) in collect_files(inputs, options.recursive)? {
        let object = match medanon_tags::open_dicom(&path, &limits) {
            Ok(object) => object,
            Err(medanon_tags::Error::NotDicom { .. }) if !explicit => continue,
            Err(medanon_tags::Error::ReadInput { path, source }) => {
                return Err(Error::Read { path, source });
            }
            Err(e) => return Err(series_error(e.to_string())),
        };
        if object.get(tags::PIXEL_DATA).is_none() {
            if explicit {
                return Err(series_error(format!(
                    "{} holds no pixel data (not an image)",
                    path.display()
                )));
            }
            continue;
        }
        let uid = series_uid_of(&object);
        let entry = counts.entry(uid.clone()).or_default();
        entry.0 += 1;
        entry.1 += frame_count(&object);
        if !keep {
            continue;
        }
        let wanted = match &options.series_uid {
            Some(requested) => *requested == uid,
            None => kept.as_ref().is_none_or(|(first, _)| *first == uid),
        };
        if wanted {
            kept.get_or_insert_with(|| (uid, Vec::new())).1.push(object);
        }
    }
    Ok(Scan {
        counts,
        kept: kept.map(|(_, objects)| objects),
    })
}

fn series_uid_of(object: &InMemDicomObject) -> String {
    string(object, tags::SERIES_INSTANCE_UID).unwrap_or_default()
}

fn frame_count(object: &InMemDicomObject) -> usize {
    int(object, tags::NUMBER_OF_FRAMES)
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(1)
        .max(1)
}

/// The images of one object: geometry and rescale per frame.
fn object_images(object: &InMemDicomObject) -> std::result::Result<Vec<Image>, String> {
    let frames = frame_count(object);
    let dimension = |tag, name| {
        int(object, tag)
            .and_then(|v| u16::try_from(v).ok())
            .filter(|&v| v > 0)
            .ok_or_else(|| format!("no valid {name}"))
    };
    let size = [
        dimension(tags::ROWS, "Rows")?,
        dimension(tags::COLUMNS, "Columns")?,
    ];
    let instance_number = int(object, tags::INSTANCE_NUMBER);
    let dose = float(object, tags::DOSE_GRID_SCALING).unwrap_or(1.0);
    let top_rescale = float(object, tags::RESCALE_SLOPE).map(|slope| Rescale {
        slope,
        intercept: float(object, tags::RESCALE_INTERCEPT).unwrap_or(0.0),
    });
    let enhanced = !items(object, tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE).is_empty()
        || !items(object, tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE).is_empty();
    let in_group = |frame, group, tag| {
        functional_group(object, frame, group)
            .and_then(|item| floats(item, tag))
            .or_else(|| floats(object, tag))
    };
    let mut images = Vec::with_capacity(frames);
    for frame in 0..frames {
        let (position, orientation, spacing) = if enhanced {
            (
                in_group(
                    frame,
                    tags::PLANE_POSITION_SEQUENCE,
                    tags::IMAGE_POSITION_PATIENT,
                ),
                in_group(
                    frame,
                    tags::PLANE_ORIENTATION_SEQUENCE,
                    tags::IMAGE_ORIENTATION_PATIENT,
                ),
                in_group(frame, tags::PIXEL_MEASURES_SEQUENCE, tags::PIXEL_SPACING),
            )
        } else {
            (
                floats(object, tags::IMAGE_POSITION_PATIENT),
                floats(object, tags::IMAGE_ORIENTATION_PATIENT),
                floats(object, tags::PIXEL_SPACING),
            )
        };
        let frame_label = if frames > 1 {
            format!("frame {} ", frame + 1)
        } else {
            String::new()
        };
        let missing =
            |name: &str| format!("{frame_label}has no valid {name} (not a cross-sectional image?)");
        let mut position: [f64; 3] = position
            .and_then(|v| v.get(..3)?.try_into().ok())
            .ok_or_else(|| missing("Image Position (Patient)"))?;
        let orientation: [f64; 6] = orientation
            .and_then(|v| v.get(..6)?.try_into().ok())
            .ok_or_else(|| missing("Image Orientation (Patient)"))?;
        let pixel_spacing: [f64; 2] = spacing
            .and_then(|v| v.get(..2)?.try_into().ok())
            .ok_or_else(|| missing("Pixel Spacing"))?;
        if frames > 1 && !enhanced {
            // RT Dose: frames at Grid Frame Offset Vector along the normal
            // (relative to the first frame whether the vector is relative
            // or holds absolute coordinates).
            let offsets = floats(object, tags::GRID_FRAME_OFFSET_VECTOR)
                .filter(|o| o.len() >= frames)
                .ok_or_else(|| {
                    "is multi-frame without per-frame positions (no functional groups, no \
                     Grid Frame Offset Vector): not supported"
                        .to_owned()
                })?;
            let normal = directions(&orientation)?[2];
            let step = offsets[frame] - offsets[0];
            for (p, n) in position.iter_mut().zip(normal) {
                *p += step * n;
            }
        }
        let rescale = top_rescale
            .or_else(|| {
                let item =
                    functional_group(object, frame, tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE)?;
                Some(Rescale {
                    slope: float(item, tags::RESCALE_SLOPE)?,
                    intercept: float(item, tags::RESCALE_INTERCEPT).unwrap_or(0.0),
                })
            })
            .unwrap_or(Rescale::IDENTITY);
        images.push(Image {
            geometry: ImageGeometry {
                position,
                orientation,
                pixel_spacing,
                size,
                instance_number,
            },
            rescale: Rescale {
                slope: rescale.slope * dose,
                intercept: rescale.intercept * dose,
            },
        });
    }
    Ok(images)
}

/// One image (slice or frame) before ordering.
struct Image {
    geometry: ImageGeometry,
    rescale: Rescale,
}

/// Orders, checks and decodes the images of `objects` (one series).
fn assemble(objects: Vec<DefaultDicomObject>, options: &SeriesOptions) -> Result<SeriesVolume> {
    let total: usize = objects.iter().map(|o| frame_count(o)).sum();
    match total {
        0 => return Err(series_error("the inputs hold no DICOM images")),
        1 => {
            return Err(series_error(
                "a single slice is not a volume (the series holds one 2-D image)",
            ));
        }
        _ => {}
    }
    let mut images = Vec::with_capacity(total);
    let mut owners = Vec::with_capacity(total);
    for (index, object) in objects.iter().enumerate() {
        let found = object_images(object).map_err(|reason| {
            series_error(format!(
                "object {} of {}: {reason}",
                index + 1,
                objects.len()
            ))
        })?;
        owners.extend((0..found.len()).map(|frame| (index, frame)));
        images.extend(found);
    }
    let geometries: Vec<ImageGeometry> = images.iter().map(|i| i.geometry.clone()).collect();
    let stacked = stack(&geometries, options.spacing_tolerance).map_err(series_error)?;
    let [rows, columns] = geometries[0].size.map(usize::from);
    let n = stacked.order.len();
    let voxels = (rows as u64) * (columns as u64) * (n as u64);
    if voxels > options.max_voxels {
        return Err(series_error(format!(
            "the volume would have {voxels} voxels, more than the limit of {}",
            options.max_voxels
        )));
    }
    check_pixel_format(&objects)?;

    let mut slice_of = vec![Vec::new(); objects.len()];
    for (index, (object, frame)) in owners.iter().enumerate() {
        if slice_of[*object].len() <= *frame {
            slice_of[*object].resize(frame + 1, 0);
        }
        slice_of[*object][*frame] = index;
    }
    let mut k_of = vec![0; total];
    for (k, &index) in stacked.order.iter().enumerate() {
        k_of[index] = k;
    }

    let object_count = objects.len();
    let mut data = Array3::<f32>::zeros((columns, rows, n));
    let mut sources = Vec::with_capacity(objects.len());
    let mut slices: Vec<Option<SourceSlice>> = vec![None; n];
    for (index, object) in objects.into_iter().enumerate() {
        let image_indices = &slice_of[index];
        let rescales: Vec<Rescale> = image_indices.iter().map(|&i| images[i].rescale).collect();
        let frames = decode_frames(&object, &rescales).map_err(|reason| {
            series_error(format!("object {} of {object_count}: {reason}", index + 1))
        })?;
        let multi_frame = int(&object, tags::NUMBER_OF_FRAMES).is_some_and(|f| f > 1);
        let sop_instance_uid = string(&object, tags::SOP_INSTANCE_UID).unwrap_or_default();
        let sop_class_uid = string(&object, tags::SOP_CLASS_UID).unwrap_or_default();
        for (frame, (&image, values)) in image_indices.iter().zip(frames).enumerate() {
            let k = k_of[image];
            if values.len() < rows * columns {
                return Err(series_error(format!(
                    "object {}: frame {} holds {} pixels where {} are declared",
                    index + 1,
                    frame + 1,
                    values.len(),
                    rows * columns
                )));
            }
            for j in 0..rows {
                for i in 0..columns {
                    data[[i, j, k]] = values[j * columns + i];
                }
            }
            slices[k] = Some(SourceSlice {
                sop_instance_uid: sop_instance_uid.clone(),
                sop_class_uid: sop_class_uid.clone(),
                frame: multi_frame.then_some(frame),
                position: images[image].geometry.position,
                source: index,
                rescale: images[image].rescale,
            });
        }
        let mut header = object.into_inner();
        for tag in [
            tags::PIXEL_DATA,
            tags::FLOAT_PIXEL_DATA,
            tags::DOUBLE_FLOAT_PIXEL_DATA,
            tags::EXTENDED_OFFSET_TABLE,
            tags::EXTENDED_OFFSET_TABLE_LENGTHS,
            tags::DATA_SET_TRAILING_PADDING,
        ] {
            header.remove_element(tag);
        }
        sources.push(SourceObject {
            header,
            slices: image_indices.iter().map(|&i| k_of[i]).collect(),
        });
    }
    let slices: Vec<SourceSlice> = slices.into_iter().flatten().collect();
    if slices.len() != n {
        return Err(series_error("internal error: a slice has no source"));
    }
    let stored = stored_type(&sources, &slices);
    let series_instance_uid = sources
        .first()
        .and_then(|s| string(&s.header, tags::SERIES_INSTANCE_UID))
        .unwrap_or_default();
    let mut volume = Volume::from_3d(data, stacked.affine);
    volume.stored = stored;
    Ok(SeriesVolume {
        volume,
        template: TemplateSeries {
            series_instance_uid,
            affine: stacked.affine,
            size: [columns, rows, n],
            slices,
            sources,
        },
    })
}

/// Rejects colour images and impossible bit depths before decoding.
fn check_pixel_format(objects: &[DefaultDicomObject]) -> Result<()> {
    for (index, object) in objects.iter().enumerate() {
        let fail = |reason: String| {
            series_error(format!(
                "object {} of {}: {reason}",
                index + 1,
                objects.len()
            ))
        };
        let samples = int(object, tags::SAMPLES_PER_PIXEL).unwrap_or(1);
        if samples != 1 {
            return Err(fail(format!(
                "colour images are not supported ({samples} samples per pixel)"
            )));
        }
        let allocated = int(object, tags::BITS_ALLOCATED).unwrap_or(0);
        let stored = int(object, tags::BITS_STORED).unwrap_or(allocated);
        if ![8, 16, 32].contains(&allocated) || !(1..=allocated).contains(&stored) {
            return Err(fail(format!(
                "{allocated} bits allocated and {stored} stored per pixel are not supported"
            )));
        }
    }
    Ok(())
}

/// The type the values were stored in, when no rescale changed them.
fn stored_type(sources: &[SourceObject], slices: &[SourceSlice]) -> StoredType {
    if slices.iter().any(|s| s.rescale != Rescale::IDENTITY) {
        return StoredType::F32;
    }
    let mut kinds = sources.iter().map(|s| {
        let bits = int(&s.header, tags::BITS_ALLOCATED).unwrap_or(16);
        let signed = int(&s.header, tags::PIXEL_REPRESENTATION) == Some(1);
        match (bits, signed) {
            (8, false) => StoredType::U8,
            (8, true) => StoredType::I8,
            (16, false) => StoredType::U16,
            (16, true) => StoredType::I16,
            (32, false) => StoredType::U32,
            (32, true) => StoredType::I32,
            _ => StoredType::F32,
        }
    });
    let first = kinds.next().unwrap_or(StoredType::F32);
    if kinds.all(|k| k == first) {
        first
    } else {
        StoredType::F32
    }
}
