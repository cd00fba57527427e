#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Multi-frame objects as volumes: RT Dose (Grid Frame Offset Vector) and
//! enhanced objects (per-frame functional groups), and back.

mod dicom_support;

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use medanon_nifti::{
    DeriveOptions, SeriesOptions, series_from_objects, series_to_volume, volume_to_series,
    write_series,
};

use dicom_support::*;

#[test]
fn rt_dose_grid_is_a_volume() {
    let Some(dir) = data_dir() else { return };
    let series = series_to_volume(&[dir.join("pydicom/rtdose.dcm")]).unwrap();
    let volume = &series.volume;
    assert_eq!(volume.shape3(), [10, 10, 15]);
    let sizes = volume.voxel_size();
    assert!((sizes[0] - 10.0).abs() < 1e-9 && (sizes[1] - 10.0).abs() < 1e-9);
    assert!((sizes[2] - 5.0).abs() < 1e-9, "{sizes:?}");
    // Image Position (Patient) (189.43125, 199.43125, -761.87) LPS.
    let origin = volume.affine.apply([0.0; 3]);
    let expected = [-189.43125, -199.43125, -761.87];
    for axis in 0..3 {
        assert!((origin[axis] - expected[axis]).abs() < 1e-6, "{origin:?}");
    }
    assert_eq!(volume.affine.apply([0.0, 0.0, 14.0])[2], -761.87 + 70.0);
    // Stored 795000..1254000 with Dose Grid Scaling 1e-6 (pydicom agrees).
    let (lo, hi) = volume
        .data
        .iter()
        .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    assert!(
        (lo - 0.795).abs() < 1e-6 && (hi - 1.254).abs() < 1e-6,
        "{lo} {hi}"
    );
    assert!((volume.data[[2, 0, 0, 0]] - 1.25).abs() < 1e-6);
    assert!((volume.data[[0, 0, 0, 0]] - 1.249).abs() < 1e-6);
    let frames: Vec<_> = series.template.slices().iter().map(|s| s.frame).collect();
    assert_eq!(frames, (0..15).map(Some).collect::<Vec<_>>());

    // The big-endian copy decodes to the same volume.
    let big = series_to_volume(&[dir.join("pydicom/rtdose_expb.dcm")]).unwrap();
    assert_eq!(big.volume.data, series.volume.data);

    // Written back as one 16-bit multi-frame object with a new scaling.
    let derived =
        volume_to_series(&series.volume, &series.template, &DeriveOptions::default()).unwrap();
    assert_eq!(derived.len(), 1);
    assert_eq!(text(&derived[0], tags::NUMBER_OF_FRAMES).unwrap(), "15");
    let scaling: f64 = text(&derived[0], tags::DOSE_GRID_SCALING)
        .unwrap()
        .parse()
        .unwrap();
    assert!(scaling > 1e-6 && scaling < 1e-4, "{scaling}");
    let out = tempfile::tempdir().unwrap();
    write_series(&derived, out.path(), false).unwrap();
    let back = series_to_volume(&[out.path()]).unwrap();
    assert_affine_eq(&back.volume.affine, &series.volume.affine);
    for (a, b) in back.volume.data.iter().zip(series.volume.data.iter()) {
        assert!(
            f64::from((a - b).abs()) <= scaling / 2.0 * 1.01,
            "{a} vs {b}"
        );
    }
}

#[test]
fn single_frame_rt_dose_and_colour_files_are_rejected() {
    let Some(dir) = data_dir() else { return };
    let err = series_to_volume(&[dir.join("pydicom/rtdose_1frame.dcm")]).unwrap_err();
    assert!(err.to_string().contains("single slice"), "{err}");
    // Two RGB frames without positions.
    let err = series_to_volume(&[dir.join("pydicom/SC_rgb_rle_2frame.dcm")]).unwrap_err();
    assert!(err.to_string().contains("Image Position"), "{err}");
}

/// Pixel spacing of the enhanced test object: between rows, between columns.
const ENHANCED_SPACING: [f64; 2] = [0.5, 0.8];
/// Slice `k` of frame `f`: the frames are stored out of slice order.
const FRAME_SLICE: [usize; 4] = [2, 0, 3, 1];

fn enhanced_stored(i: usize, j: usize, k: usize) -> i16 {
    (10 * k + i % 10 + j) as i16
}

fn item(elements: Vec<DataElement<InMemDicomObject>>) -> InMemDicomObject {
    InMemDicomObject::from_element_iter(elements)
}

fn sequence(tag: dicom_core::Tag, items: Vec<InMemDicomObject>) -> DataElement<InMemDicomObject> {
    DataElement::new(tag, VR::SQ, dicom_core::value::DataSetSequence::from(items))
}

fn ds(tag: dicom_core::Tag, values: &[f64]) -> DataElement<InMemDicomObject> {
    let strings: Vec<String> = values.iter().map(|v| format!("{v}")).collect();
    DataElement::new(tag, VR::DS, PrimitiveValue::Strs(strings.into()))
}

/// An Enhanced CT object of four 128×128 frames, 3 mm apart along z, with
/// positions per frame and orientation, spacing and rescale (2, −100) shared.
fn enhanced(base: &DefaultDicomObject) -> DefaultDicomObject {
    let mut object = base.clone();
    for tag in [
        tags::IMAGE_POSITION_PATIENT,
        tags::IMAGE_ORIENTATION_PATIENT,
        tags::PIXEL_SPACING,
        tags::RESCALE_SLOPE,
        tags::RESCALE_INTERCEPT,
    ] {
        object.remove_element(tag);
    }
    let enhanced_ct = "1.2.840.10008.5.1.4.1.1.2.1";
    put_text(&mut object, tags::SOP_CLASS_UID, VR::UI, enhanced_ct);
    put_text(&mut object, tags::SOP_INSTANCE_UID, VR::UI, "1.2.3.50.1");
    put_text(&mut object, tags::SERIES_INSTANCE_UID, VR::UI, "1.2.3.50");
    put_text(&mut object, tags::NUMBER_OF_FRAMES, VR::IS, "4");
    let shared = item(vec![
        sequence(
            tags::PLANE_ORIENTATION_SEQUENCE,
            vec![item(vec![ds(
                tags::IMAGE_ORIENTATION_PATIENT,
                &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0],
            )])],
        ),
        sequence(
            tags::PIXEL_MEASURES_SEQUENCE,
            vec![item(vec![ds(tags::PIXEL_SPACING, &ENHANCED_SPACING)])],
        ),
        sequence(
            tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
            vec![item(vec![
                ds(tags::RESCALE_INTERCEPT, &[-100.0]),
                ds(tags::RESCALE_SLOPE, &[2.0]),
                DataElement::new(tags::RESCALE_TYPE, VR::LO, PrimitiveValue::from("HU")),
            ])],
        ),
    ]);
    object.put(sequence(
        tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE,
        vec![shared],
    ));
    let per_frame = FRAME_SLICE
        .iter()
        .map(|&k| {
            let position = [-20.0, 10.0, 40.0 + 3.0 * k as f64];
            item(vec![sequence(
                tags::PLANE_POSITION_SEQUENCE,
                vec![item(vec![ds(tags::IMAGE_POSITION_PATIENT, &position)])],
            )])
        })
        .collect();
    object.put(sequence(
        tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE,
        per_frame,
    ));
    let pixels = FRAME_SLICE
        .iter()
        .flat_map(|&k| (0..128).flat_map(move |j| (0..128).map(move |i| enhanced_stored(i, j, k))))
        .collect();
    put_pixels(&mut object, pixels);
    object.update_meta(|meta| {
        enhanced_ct.clone_into(&mut meta.media_storage_sop_class_uid);
        "1.2.3.50.1".clone_into(&mut meta.media_storage_sop_instance_uid);
    });
    object
}

#[test]
fn enhanced_frames_are_ordered_by_their_plane_positions() {
    let Some(base) = ct_small() else { return };
    let object = enhanced(&base);
    let series = series_from_objects(vec![object], &SeriesOptions::default()).unwrap();
    let volume = &series.volume;
    assert_eq!(volume.shape3(), [128, 128, 4]);
    for k in 0..4 {
        for (i, j) in [(0, 0), (13, 2), (127, 127)] {
            let expected = 2.0 * f32::from(enhanced_stored(i, j, k)) - 100.0;
            assert_eq!(volume.data[[i, j, k, 0]], expected, "({i},{j},{k})");
        }
        let frame = FRAME_SLICE.iter().position(|&s| s == k);
        assert_eq!(series.template.slices()[k].frame, frame);
    }
    // i steps the column spacing (0.8 mm), j the row spacing (0.5 mm).
    let a = volume.affine.0;
    assert_eq!([a[0][0], a[1][1], a[2][2]], [-0.8, -0.5, 3.0]);
    assert_eq!(volume.affine.apply([0.0; 3]), [20.0, -10.0, 40.0]);

    // Back: the template's rescale fits, so the values are exact.
    let derived =
        volume_to_series(&series.volume, &series.template, &DeriveOptions::default()).unwrap();
    assert_eq!(derived.len(), 1);
    let back = series_from_objects(derived.clone(), &SeriesOptions::default()).unwrap();
    assert_eq!(back.volume.data, series.volume.data);
    assert_affine_eq(&back.volume.affine, &series.volume.affine);
    let image_type = derived[0]
        .element(tags::IMAGE_TYPE)
        .unwrap()
        .to_multi_str()
        .unwrap();
    assert_eq!(image_type[0], "DERIVED");

    // Values that do not fit get a new rescale in the shared groups.
    let mut scaled = series.volume.clone();
    scaled.data.mapv_inplace(|v| v * 1000.25);
    let derived = volume_to_series(&scaled, &series.template, &DeriveOptions::default()).unwrap();
    let shared = derived[0]
        .element(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0]
        .clone();
    let transform = shared
        .element(tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE)
        .unwrap()
        .items()
        .unwrap()[0]
        .clone();
    let slope: f64 = text(&transform, tags::RESCALE_SLOPE)
        .unwrap()
        .parse()
        .unwrap();
    assert!(slope > 2.0, "{slope}");
    assert_eq!(text(&transform, tags::RESCALE_TYPE).unwrap(), "HU");
    let back = series_from_objects(derived, &SeriesOptions::default()).unwrap();
    for (a, b) in back.volume.data.iter().zip(scaled.data.iter()) {
        assert!(f64::from((a - b).abs()) <= slope / 2.0 * 1.01, "{a} vs {b}");
    }
}
