#![allow(clippy::unwrap_used, clippy::expect_used)]
//! DICOM series to volume and back, on synthetic series built from the real
//! slices in `../shared/testdata/dicom` (skipped when absent).

mod dicom_support;

use dicom_core::{DataElement, PrimitiveValue, VR};
use dicom_dictionary_std::tags;
use dicom_object::open_file;
use medanon_crypto::PseudonymKey;
use medanon_nifti::{
    DeriveOptions, Error, SeriesOptions, list_series, series_from_objects, series_to_volume,
    series_to_volume_with, volume_to_series, write_series,
};

use dicom_support::*;

#[test]
fn oblique_series_is_ordered_along_the_normal() {
    let Some(base) = ct_small() else { return };
    let dir = tempfile::tempdir().unwrap();
    let spec = Stack::oblique(6).series("1.2.826.0.1.3680043.2.1125.1");
    spec.write(&base, dir.path(), &[]);

    let series = series_to_volume(&[dir.path()]).unwrap();
    let volume = &series.volume;
    assert_eq!(volume.shape3(), [128, 128, 6]);
    assert_eq!(volume.time_points(), 1);
    for k in 0..6 {
        for (i, j) in [(0, 0), (5, 7), (127, 3), (64, 127)] {
            assert_eq!(
                volume.data[[i, j, k, 0]],
                ct_value(i, j, k),
                "({i},{j},{k})"
            );
        }
    }
    // Voxel (i, j, k) sits at P_k + i·Δ·row + j·Δ·col, with LPS x, y negated.
    for k in 0..6 {
        for (i, j) in [(0.0, 0.0), (10.0, 20.0)] {
            let expected = spec.ras(i, j, k);
            let got = volume.affine.apply([i, j, k as f64]);
            for axis in 0..3 {
                assert!(
                    (got[axis] - expected[axis]).abs() < 1e-3,
                    "voxel ({i},{j},{k}) at {got:?}, expected {expected:?}"
                );
            }
        }
    }
    let sizes = volume.voxel_size();
    assert!((sizes[0] - CT_SPACING).abs() < 1e-6 && (sizes[1] - CT_SPACING).abs() < 1e-6);
    assert!((sizes[2] - spec.spacing).abs() < 1e-4, "{sizes:?}");
    // The template lists the source instances in slice order.
    let template = &series.template;
    assert_eq!(template.shape(), [128, 128, 6]);
    assert_eq!(template.object_count(), 6);
    for (k, slice) in template.slices().iter().enumerate() {
        assert_eq!(slice.sop_instance_uid, spec.sop_uid(k));
        assert_eq!(slice.frame, None);
        assert!(template.header(k).unwrap().get(tags::PIXEL_DATA).is_none());
    }
}

#[test]
fn gaps_duplicates_and_single_slices_are_errors() {
    let Some(base) = ct_small() else { return };
    let patient = patient_values(&base);
    let check = |result: Result<_, Error>, expected: &[&str]| {
        let message = match result {
            Ok(_) => panic!("expected an error containing {expected:?}"),
            Err(e) => e.to_string(),
        };
        for part in expected {
            assert!(message.contains(part), "{message:?} lacks {part:?}");
        }
        for value in &patient {
            assert!(
                !message.contains(value.as_str()),
                "{message:?} leaks patient data"
            );
        }
    };

    let gap = tempfile::tempdir().unwrap();
    Stack::oblique(6)
        .series("1.2.3.1")
        .write(&base, gap.path(), &[3]);
    check(
        series_to_volume(&[gap.path()]),
        &["a gap between slices 3", "and 4"],
    );

    let dup = tempfile::tempdir().unwrap();
    let mut stack = Stack::oblique(5);
    stack.positions[3] = stack.positions[2];
    stack.series("1.2.3.2").write(&base, dup.path(), &[]);
    check(
        series_to_volume(&[dup.path()]),
        &["slices 3", "same position"],
    );

    let mixed_orientation = tempfile::tempdir().unwrap();
    let mut stack = Stack::oblique(5);
    stack.orientations[1] = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
    stack
        .series("1.2.3.3")
        .write(&base, mixed_orientation.path(), &[]);
    check(
        series_to_volume(&[mixed_orientation.path()]),
        &["orientations differ"],
    );

    let single = tempfile::tempdir().unwrap();
    Stack::oblique(1)
        .series("1.2.3.4")
        .write(&base, single.path(), &[]);
    check(
        series_to_volume(&[single.path()]),
        &["a single slice is not a volume"],
    );
    check(
        series_to_volume(&[data_dir().unwrap().join("pydicom/CT_small.dcm")]),
        &["a single slice is not a volume"],
    );
    check(
        series_to_volume(&[tempfile::tempdir().unwrap().path()]),
        &["no DICOM images"],
    );

    // Two copies of one real (JPEG, colour) slice: the duplicate is found
    // from the headers, before any decoding.
    let deid = data_dir().unwrap().join("deid");
    check(
        series_to_volume(&[deid.join("ctbrain1.dcm"), deid.join("ctbrain2.dcm")]),
        &["same position"],
    );
}

#[test]
fn mixed_series_are_an_error_unless_one_is_picked() {
    let Some(base) = ct_small() else { return };
    let dir = tempfile::tempdir().unwrap();
    Stack::oblique(4)
        .series("1.2.3.10")
        .write(&base, dir.path(), &[]);
    let mut other = Stack::axial(3);
    other.prefix = "other".to_owned();
    other.series("1.2.3.11").write(&base, dir.path(), &[]);
    // A non-DICOM file in the directory is skipped.
    std::fs::write(dir.path().join("README"), "not dicom").unwrap();

    let err = series_to_volume(&[dir.path()]).unwrap_err().to_string();
    assert!(
        err.contains("2 series") && err.contains("series_uid"),
        "{err}"
    );

    let listed = list_series(&[dir.path()], &SeriesOptions::default()).unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0].series_instance_uid, "1.2.3.10");
    assert_eq!((listed[1].instances, listed[1].frames), (3, 3));

    let picked = series_to_volume_with(
        &[dir.path()],
        &SeriesOptions::default().series_uid("1.2.3.11"),
    )
    .unwrap();
    assert_eq!(picked.volume.shape3(), [128, 128, 3]);
    assert_eq!(picked.template.series_instance_uid(), "1.2.3.11");
    let none = series_to_volume_with(&[dir.path()], &SeriesOptions::default().series_uid("9.9"));
    assert!(none.unwrap_err().to_string().contains("requested series"));

    // Explicitly named non-DICOM files are errors.
    let err = series_to_volume(&[dir.path().join("README")]).unwrap_err();
    assert!(err.to_string().contains("not a DICOM file"), "{err}");
}

#[test]
fn derived_series_round_trips_with_keyed_uids() {
    let Some(base) = ct_small() else { return };
    let input = tempfile::tempdir().unwrap();
    let spec = Stack::oblique(5).series("1.2.3.20");
    spec.write(&base, input.path(), &[]);
    let series = series_to_volume(&[input.path()]).unwrap();

    let key = PseudonymKey::from_bytes(&[7; 32]);
    let options = DeriveOptions::default()
        .key(key.clone())
        .derivation_description("skull stripped")
        .series_description_suffix(" brain")
        .series_number(901);
    let derived = volume_to_series(&series.volume, &series.template, &options).unwrap();
    assert_eq!(derived.len(), 5);
    let again = volume_to_series(&series.volume, &series.template, &options).unwrap();
    let other_key = DeriveOptions::default().key(PseudonymKey::from_bytes(&[8; 32]));
    let other = volume_to_series(&series.volume, &series.template, &other_key).unwrap();
    let random =
        volume_to_series(&series.volume, &series.template, &DeriveOptions::default()).unwrap();

    let uid = |o: &dicom_object::DefaultDicomObject, tag| text(o, tag).unwrap();
    let new_series = uid(&derived[0], tags::SERIES_INSTANCE_UID);
    assert_ne!(new_series, "1.2.3.20");
    assert!(new_series.starts_with("2.25."));
    for (k, object) in derived.iter().enumerate() {
        let sop = uid(object, tags::SOP_INSTANCE_UID);
        assert_ne!(sop, spec.sop_uid(k));
        assert_eq!(
            sop,
            uid(&again[k], tags::SOP_INSTANCE_UID),
            "same key, same UID"
        );
        assert_ne!(sop, uid(&other[k], tags::SOP_INSTANCE_UID));
        assert_ne!(sop, uid(&random[k], tags::SOP_INSTANCE_UID));
        assert_eq!(uid(object, tags::SERIES_INSTANCE_UID), new_series);
        assert_eq!(
            object
                .meta()
                .media_storage_sop_instance_uid()
                .trim_end_matches('\0'),
            sop
        );
        let image_type = object
            .element(tags::IMAGE_TYPE)
            .unwrap()
            .to_multi_str()
            .unwrap();
        assert_eq!(image_type[0], "DERIVED");
        assert_eq!(image_type[1], "PRIMARY");
        let source = object
            .element(tags::SOURCE_IMAGE_SEQUENCE)
            .unwrap()
            .items()
            .unwrap();
        assert_eq!(
            text(&source[0], tags::REFERENCED_SOP_INSTANCE_UID).unwrap(),
            spec.sop_uid(k)
        );
        assert_eq!(
            text(object, tags::DERIVATION_DESCRIPTION).unwrap(),
            "skull stripped"
        );
        assert_eq!(text(object, tags::SERIES_NUMBER).unwrap(), "901");
        assert!(
            text(object, tags::SERIES_DESCRIPTION)
                .unwrap()
                .ends_with("brain")
        );
    }
    assert_eq!(uid(&again[0], tags::SERIES_INSTANCE_UID), new_series);
    assert_ne!(uid(&random[0], tags::SERIES_INSTANCE_UID), new_series);

    let out = tempfile::tempdir().unwrap();
    let paths = write_series(&derived, out.path(), false).unwrap();
    assert_eq!(paths.len(), 5);
    let err = write_series(&derived, out.path(), false).unwrap_err();
    assert!(matches!(err, Error::Write { .. }), "no overwrite: {err}");
    for path in &paths {
        let reread = open_file(path).unwrap();
        assert_eq!(
            reread.meta().transfer_syntax().trim_end_matches('\0'),
            "1.2.840.10008.1.2.1"
        );
        assert_eq!(
            reread
                .element(tags::BITS_ALLOCATED)
                .unwrap()
                .to_int::<u16>()
                .unwrap(),
            16
        );
    }
    let back = series_to_volume(&[out.path()]).unwrap();
    assert_eq!(
        back.volume.data, series.volume.data,
        "template rescale: exact"
    );
    assert_affine_eq(&back.volume.affine, &series.volume.affine);
    assert_eq!(
        back.template.series_instance_uid(),
        new_series,
        "the re-read series is the derived one"
    );
}

#[test]
fn values_outside_the_template_rescale_get_a_new_one() {
    let Some(base) = ct_small() else { return };
    let input = tempfile::tempdir().unwrap();
    Stack::axial(4)
        .series("1.2.3.30")
        .write(&base, input.path(), &[]);
    let series = series_to_volume(&[input.path()]).unwrap();
    let mut volume = series.volume.clone();
    // Fractional values far beyond the 16-bit range of slope 1.
    volume.data.mapv_inplace(|v| v * 37.25 + 0.125);
    let derived = volume_to_series(&volume, &series.template, &DeriveOptions::default()).unwrap();
    let slope: f64 = text(&derived[0], tags::RESCALE_SLOPE)
        .unwrap()
        .parse()
        .unwrap();
    let intercept: f64 = text(&derived[0], tags::RESCALE_INTERCEPT)
        .unwrap()
        .parse()
        .unwrap();
    assert!(slope > 1.0, "slope {slope}");
    assert_eq!(intercept, 0.0);
    for object in &derived[1..] {
        assert_eq!(
            text(object, tags::RESCALE_SLOPE).unwrap(),
            text(&derived[0], tags::RESCALE_SLOPE).unwrap()
        );
    }
    let back = series_from_objects(derived, &SeriesOptions::default()).unwrap();
    let worst = back
        .volume
        .data
        .iter()
        .zip(volume.data.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        f64::from(worst) <= slope / 2.0 * 1.01,
        "error {worst} with slope {slope}"
    );

    // Small fractional values fit the template's range but not its grid
    // of integers: they get a finer slope rather than being rounded.
    let mut fine = series.volume.clone();
    fine.data.mapv_inplace(|v| v * 0.01);
    let derived = volume_to_series(&fine, &series.template, &DeriveOptions::default()).unwrap();
    let slope: f64 = text(&derived[0], tags::RESCALE_SLOPE)
        .unwrap()
        .parse()
        .unwrap();
    assert!(slope < 0.01, "slope {slope}");
    let back = series_from_objects(derived, &SeriesOptions::default()).unwrap();
    for (a, b) in back.volume.data.iter().zip(fine.data.iter()) {
        assert!(f64::from((a - b).abs()) <= slope / 2.0 * 1.01, "{a} vs {b}");
    }

    // A resampled or 4-D volume does not fit the template.
    let mut moved = series.volume.clone();
    moved.affine.0[0][3] += 1.0;
    let err = volume_to_series(&moved, &series.template, &DeriveOptions::default()).unwrap_err();
    assert!(err.to_string().contains("resampled or reoriented"), "{err}");
    let small =
        medanon_nifti::Volume::from_3d(ndarray::Array3::zeros((4, 4, 4)), series.volume.affine);
    assert!(volume_to_series(&small, &series.template, &DeriveOptions::default()).is_err());
}

#[test]
fn compressed_input_gives_uncompressed_output() {
    let Some(dir) = data_dir() else { return };
    let rle = open_file(dir.join("pydicom/MR_small_RLE.dcm")).unwrap();
    let plain = open_file(dir.join("pydicom/MR_small.dcm")).unwrap();
    let input = tempfile::tempdir().unwrap();
    for k in 0..3 {
        let mut object = rle.clone();
        put_ds(
            &mut object,
            tags::IMAGE_POSITION_PATIENT,
            &[-83.9063, -91.2, 6.6406 + 2.0 * k as f64],
        );
        object.put(DataElement::new(
            tags::SOP_INSTANCE_UID,
            VR::UI,
            PrimitiveValue::from(format!("1.2.3.40.{k}")),
        ));
        object.update_meta(|meta| meta.media_storage_sop_instance_uid = format!("1.2.3.40.{k}"));
        object
            .write_to_file(input.path().join(format!("{k}.dcm")))
            .unwrap();
    }
    let series = series_to_volume(&[input.path()]).unwrap();
    assert_eq!(series.volume.shape3(), [64, 64, 3]);
    let reference = series_to_volume(&[input.path()]).unwrap();
    // The RLE slices decode to the same values as the uncompressed file.
    let plain_pixels = {
        use dicom_pixeldata::PixelDecoder;
        plain.decode_pixel_data().unwrap().to_vec::<f32>().unwrap()
    };
    for j in 0..64 {
        for i in 0..64 {
            assert_eq!(series.volume.data[[i, j, 2, 0]], plain_pixels[j * 64 + i]);
        }
    }
    let derived = volume_to_series(
        &reference.volume,
        &series.template,
        &DeriveOptions::default(),
    )
    .unwrap();
    for object in &derived {
        assert_eq!(
            object.meta().transfer_syntax().trim_end_matches('\0'),
            "1.2.840.10008.1.2.1"
        );
        let pixel_data = object.element(tags::PIXEL_DATA).unwrap();
        assert!(pixel_data.fragments().is_none(), "native pixel data");
    }
    let back = series_from_objects(derived, &SeriesOptions::default()).unwrap();
    assert_eq!(back.volume.data, series.volume.data);
}

/// Cross-check with an independent implementation: nibabel's DICOM
/// wrappers (LPS affine with voxel axes row, column, slice; slices ordered
/// by `slice_indicator` along its normal, column × row cosines: the
/// opposite of ours, row × column). Skipped without python3, pydicom and
/// nibabel.
#[test]
fn affine_and_order_agree_with_nibabel() {
    let Some(base) = ct_small() else { return };
    let probe = std::process::Command::new("python3")
        .args(["-c", "import nibabel, pydicom"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("SKIPPED: python3 with nibabel and pydicom is not available");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let spec = Stack::oblique(5).series("1.2.3.60");
    spec.write(&base, dir.path(), &[]);
    let script = r#"
import glob, json, sys, warnings
warnings.simplefilter("ignore")
import pydicom
from nibabel.nicom.dicomwrappers import wrapper_from_data
ws = [wrapper_from_data(pydicom.dcmread(f)) for f in glob.glob(sys.argv[1] + "/*.dcm")]
ws.sort(key=lambda w: w.slice_indicator)
print(json.dumps({"order": [str(w.get("SOPInstanceUID")) for w in ws],
                  "affine": ws[-1].affine.tolist()}))
"#;
    let output = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let nib: Vec<Vec<f64>> = serde_json::from_value(result["affine"].clone()).unwrap();
    let mut order: Vec<String> = serde_json::from_value(result["order"].clone()).unwrap();
    order.reverse();

    let series = series_to_volume(&[dir.path()]).unwrap();
    let ours: Vec<&str> = series
        .template
        .slices()
        .iter()
        .map(|s| s.sop_instance_uid.as_str())
        .collect();
    assert_eq!(ours, order);
    let a = series.volume.affine.0;
    let flip = [-1.0, -1.0, 1.0];
    let spacing = series.volume.voxel_size()[2];
    for r in 0..3 {
        let close = |x: f64, y: f64| (x - y).abs() < 1e-5;
        // i runs along a row (nibabel's column index), j down a column.
        assert!(close(a[r][0], flip[r] * nib[r][1]), "{a:?} vs {nib:?}");
        assert!(close(a[r][1], flip[r] * nib[r][0]), "{a:?} vs {nib:?}");
        // nibabel scales its (opposite) normal by Slice Thickness.
        let thickness = (0..3).map(|c| nib[c][2] * nib[c][2]).sum::<f64>().sqrt();
        assert!(close(a[r][2] / spacing, -flip[r] * nib[r][2] / thickness));
        assert!(close(a[r][3], flip[r] * nib[r][3]));
    }
}
