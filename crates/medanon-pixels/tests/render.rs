#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Rendering frames for display: windows, VOI and modality LUTs,
//! MONOCHROME1, colour models, frames, and the PNG written.

mod common;

use std::io::Read;
use std::path::Path;

use common::dicom_testdata;
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use medanon_pixels::{Error, RenderOptions, RgbImage, decode_frame, render, render_frame};

fn open(dir: &Path, name: &str) -> DefaultDicomObject {
    medanon_tags::open_dicom(&dir.join(name), &medanon_tags::Limits::default()).unwrap()
}

fn options(frame: usize, window: Option<(f64, f64)>) -> RenderOptions {
    RenderOptions { frame, window }
}

fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let sum: u64 = a
        .rgb
        .iter()
        .zip(&b.rgb)
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    sum as f64 / a.rgb.len() as f64
}

fn is_grey(image: &RgbImage) -> bool {
    image
        .rgb
        .chunks_exact(3)
        .all(|p| p[0] == p[1] && p[1] == p[2])
}

/// Share of pixels whose channels differ by more than 16.
fn colourful(image: &RgbImage) -> f64 {
    let count = image
        .rgb
        .chunks_exact(3)
        .filter(|p| {
            let (max, min) = (p.iter().max().unwrap(), p.iter().min().unwrap());
            max - min > 16
        })
        .count();
    count as f64 / (image.width * image.height) as f64
}

fn put_ds(obj: &mut InMemDicomObject, tag: dicom_core::Tag, value: &str) {
    obj.put(DataElement::new(tag, VR::DS, PrimitiveValue::from(value)));
}

#[test]
fn grey_windows() {
    let Some(dir) = dicom_testdata() else { return };
    let mut obj = open(&dir, "pydicom/CT_small.dcm");
    // no window in the file: the 1st to 99th percentile
    let automatic = render(&obj, &RenderOptions::default()).unwrap();
    assert_eq!((automatic.width, automatic.height), (128, 128));
    assert!(is_grey(&automatic));
    let black = automatic.rgb.iter().step_by(3).filter(|&&v| v == 0).count();
    let white = automatic
        .rgb
        .iter()
        .step_by(3)
        .filter(|&&v| v == 255)
        .count();
    assert!((100..=400).contains(&black), "{black} black pixels");
    assert!((100..=400).contains(&white), "{white} white pixels");
    // an explicit window in Hounsfield units (Rescale Intercept -1024)
    let soft = render(&obj, &options(0, Some((40.0, 400.0)))).unwrap();
    assert!(is_grey(&soft));
    assert!(mean_abs_diff(&automatic, &soft) > 10.0);
    let bone = render(&obj, &options(0, Some((500.0, 2000.0)))).unwrap();
    assert!(mean_abs_diff(&soft, &bone) > 10.0);
    // the file's window, once it has one, is the default
    put_ds(&mut obj, tags::WINDOW_CENTER, "40");
    put_ds(&mut obj, tags::WINDOW_WIDTH, "400");
    assert_eq!(render(&obj, &RenderOptions::default()).unwrap(), soft);
    // the window follows the formula of PS3.3 C.11.2.1.2.1
    let frame = decode_frame(&obj, 0).unwrap();
    for (i, &v) in frame.values.iter().enumerate().step_by(97) {
        let hu = v as f64 - 1024.0;
        let expected = if hu <= 40.0 - 0.5 - 399.0 / 2.0 {
            0.0
        } else if hu > 40.0 - 0.5 + 399.0 / 2.0 {
            255.0
        } else {
            ((hu - 39.5) / 399.0 + 0.5) * 255.0
        };
        assert!((f64::from(soft.rgb[3 * i]) - expected).abs() <= 0.5 + 1e-9);
    }
    let bad = render(&obj, &options(0, Some((40.0, 0.0))));
    assert!(matches!(bad, Err(Error::InvalidArgument(_))));
}

#[test]
fn monochrome1_is_inverted() {
    let Some(dir) = dicom_testdata() else { return };
    let mut obj = open(&dir, "pydicom/CT_small.dcm");
    let window = options(0, Some((40.0, 400.0)));
    let normal = render(&obj, &window).unwrap();
    obj.put(DataElement::new(
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        PrimitiveValue::from("MONOCHROME1"),
    ));
    let inverted = render(&obj, &window).unwrap();
    for (a, b) in normal.rgb.iter().zip(&inverted.rgb) {
        assert!((i32::from(*a) + i32::from(*b) - 255).abs() <= 1);
    }
    // an INVERSE presentation LUT turns it back
    obj.put(DataElement::new(
        tags::PRESENTATION_LUT_SHAPE,
        VR::CS,
        PrimitiveValue::from("INVERSE"),
    ));
    assert_eq!(render(&obj, &window).unwrap(), normal);
}

#[test]
fn lookup_tables() {
    let Some(dir) = dicom_testdata() else { return };
    let mut obj = open(&dir, "pydicom/CT_small.dcm");
    let frame = decode_frame(&obj, 0).unwrap();
    // a VOI LUT of 4096 entries from stored value 0: a staircase of 16 steps
    let entries: Vec<u16> = (0..4096_u16).map(|i| (i / 256) * 17).collect();
    let voi = |first: i64| {
        let mut item = InMemDicomObject::new_empty();
        item.put(DataElement::new(
            tags::LUT_DESCRIPTOR,
            VR::US,
            PrimitiveValue::U16(vec![4096_u16, first as u16, 8].into()),
        ));
        item.put(DataElement::new(
            tags::LUT_DATA,
            VR::OW,
            PrimitiveValue::U16(entries.clone().into()),
        ));
        item
    };
    obj.put(DataElement::new(
        tags::VOILUT_SEQUENCE,
        VR::SQ,
        dicom_core::value::DataSetSequence::from(vec![voi(0)]),
    ));
    // The LUT maps modality values (HU): stored v is HU v - 1024.
    let image = render(&obj, &RenderOptions::default()).unwrap();
    for (i, &v) in frame.values.iter().enumerate().step_by(101) {
        let hu = (v - 1024).clamp(0, 4095);
        assert_eq!(i64::from(image.rgb[3 * i]), (hu / 256) * 17, "pixel {i}");
    }
    // a Modality LUT replaces the rescale: identity from stored values
    let identity: Vec<u16> = (0..4096).collect();
    let mut item = InMemDicomObject::new_empty();
    item.put(DataElement::new(
        tags::LUT_DESCRIPTOR,
        VR::US,
        PrimitiveValue::U16(vec![4096_u16, 0, 12].into()),
    ));
    item.put(DataElement::new(
        tags::LUT_DATA,
        VR::OW,
        PrimitiveValue::U16(identity.into()),
    ));
    obj.put(DataElement::new(
        tags::MODALITY_LUT_SEQUENCE,
        VR::SQ,
        dicom_core::value::DataSetSequence::from(vec![item]),
    ));
    let image = render(&obj, &RenderOptions::default()).unwrap();
    for (i, &v) in frame.values.iter().enumerate().step_by(101) {
        assert_eq!(
            i64::from(image.rgb[3 * i]),
            (v.clamp(0, 4095) / 256) * 17,
            "pixel {i}"
        );
    }
}

#[test]
fn colour_models() {
    let Some(dir) = dicom_testdata() else { return };
    // palette colour: a colour picture
    let palette = render(
        &open(&dir, "pydicom/examples_palette.dcm"),
        &RenderOptions::default(),
    )
    .unwrap();
    assert!(colourful(&palette) > 0.05, "{}", colourful(&palette));
    // YBR_FULL_422 JPEG, 30 frames
    let ybr = render(
        &open(&dir, "pydicom/examples_ybr_color.dcm"),
        &options(10, None),
    )
    .unwrap();
    assert!(colourful(&ybr) > 0.01, "{}", colourful(&ybr));
    // the same picture stored seven ways renders the same, give or take
    // what lossy JPEG changes
    let reference = render(
        &open(&dir, "pydicom/SC_rgb_rle.dcm"),
        &RenderOptions::default(),
    )
    .unwrap();
    assert!(colourful(&reference) > 0.5);
    for (name, tolerance) in [
        ("pydicom/SC_rgb_jpeg_dcmtk.dcm", 2.0),
        ("pydicom/SC_rgb_jpeg_gdcm.dcm", 0.0),
        ("pydicom/SC_rgb_gdcm_KY.dcm", 0.0),
        ("pydicom/SC_ybr_full_422_uncompressed.dcm", 2.0),
        ("pydicom/SC_rgb_rle_16bit.dcm", 0.0),
        ("pydicom/SC_rgb_rle_32bit.dcm", 0.0),
        ("pydicom/SC_rgb_dcmtk_+eb+cy+np.dcm", 4.0),
    ] {
        let image = render(&open(&dir, name), &RenderOptions::default()).unwrap();
        let diff = mean_abs_diff(&reference, &image);
        assert!(diff <= tolerance, "{name}: {diff}");
    }
    // an RGB JPEG without a colour transform
    let jpeg = render(
        &open(&dir, "pydicom/SC_rgb_jpeg.dcm"),
        &RenderOptions::default(),
    )
    .unwrap();
    let dcmtk = render(
        &open(&dir, "pydicom/SC_rgb_jpeg_dcmd.dcm"),
        &RenderOptions::default(),
    )
    .unwrap();
    assert!(mean_abs_diff(&jpeg, &dcmtk) < 0.5);
}

#[test]
fn frames_are_selected() {
    let Some(dir) = dicom_testdata() else { return };
    let obj = open(&dir, "pydicom/SC_rgb_rle_2frame.dcm");
    let first = render(&obj, &options(0, None)).unwrap();
    let second = render(&obj, &options(1, None)).unwrap();
    assert!(mean_abs_diff(&first, &second) > 10.0);
    assert!(matches!(
        render(&obj, &options(2, None)),
        Err(Error::FrameOutOfRange {
            frame: 2,
            frames: 2
        })
    ));
    // render_frame renders a frame decoded (and perhaps cleaned) elsewhere
    let frame = decode_frame(&obj, 1).unwrap();
    assert_eq!(
        render_frame(&obj, &frame, &options(1, None)).unwrap(),
        second
    );
}

/// Reads a PNG written by `encode_png`: checks the signature, the chunk
/// CRCs and the header, and undoes the filters.
fn read_png(bytes: &[u8]) -> RgbImage {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let mut at = 8;
    let mut header = None;
    let mut idat = Vec::new();
    while at < bytes.len() {
        let len = u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap()) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = &bytes[at + 8..at + 8 + len];
        let mut crc = flate2::Crc::new();
        crc.update(kind);
        crc.update(data);
        let stored = u32::from_be_bytes(bytes[at + 8 + len..at + 12 + len].try_into().unwrap());
        assert_eq!(
            crc.sum(),
            stored,
            "CRC of {}",
            String::from_utf8_lossy(kind)
        );
        match kind {
            b"IHDR" => header = Some(data.to_vec()),
            b"IDAT" => idat.extend_from_slice(data),
            _ => {}
        }
        at += 12 + len;
    }
    let header = header.unwrap();
    let width = u32::from_be_bytes(header[0..4].try_into().unwrap()) as usize;
    let height = u32::from_be_bytes(header[4..8].try_into().unwrap()) as usize;
    assert_eq!(&header[8..], &[8, 2, 0, 0, 0]);
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = width * 3;
    assert_eq!(raw.len(), (stride + 1) * height);
    let mut rgb = vec![0_u8; stride * height];
    for y in 0..height {
        let filter = raw[y * (stride + 1)];
        for i in 0..stride {
            let x = raw[y * (stride + 1) + 1 + i];
            let a = if i >= 3 { rgb[y * stride + i - 3] } else { 0 };
            let b = if y > 0 { rgb[(y - 1) * stride + i] } else { 0 };
            let c = if i >= 3 && y > 0 {
                rgb[(y - 1) * stride + i - 3]
            } else {
                0
            };
            let predicted = match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("filter {f}"),
            };
            rgb[y * stride + i] = x.wrapping_add(predicted);
        }
    }
    RgbImage { width, height, rgb }
}

#[test]
fn png_round_trip_and_no_clobber() {
    // a synthetic image exercising every filter
    let (width, height) = (37, 23);
    let rgb: Vec<u8> = (0..width * height * 3)
        .map(|i| ((i * 7919) % 251) as u8 ^ ((i / 111) as u8))
        .collect();
    let image = RgbImage { width, height, rgb };
    assert_eq!(read_png(&image.encode_png().unwrap()), image);
    let empty = RgbImage {
        width: 0,
        height: 0,
        rgb: vec![],
    };
    assert!(matches!(empty.encode_png(), Err(Error::InvalidArgument(_))));

    let dir = std::env::temp_dir().join(format!("medanon-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("out.png");
    let _ = std::fs::remove_file(&path);
    image.write_png(&path, false).unwrap();
    assert_eq!(read_png(&std::fs::read(&path).unwrap()), image);
    let other = RgbImage {
        width: 1,
        height: 1,
        rgb: vec![1, 2, 3],
    };
    assert!(matches!(other.write_png(&path, false), Err(Error::Tags(_))));
    assert_eq!(read_png(&std::fs::read(&path).unwrap()), image);
    other.write_png(&path, true).unwrap();
    assert_eq!(read_png(&std::fs::read(&path).unwrap()), other);
    // nothing but the output is left in the directory
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    std::fs::remove_dir_all(&dir).unwrap();

    let Some(data) = dicom_testdata() else { return };
    let ct = render(
        &open(&data, "pydicom/CT_small.dcm"),
        &RenderOptions::default(),
    )
    .unwrap();
    assert_eq!(read_png(&ct.encode_png().unwrap()), ct);
}
