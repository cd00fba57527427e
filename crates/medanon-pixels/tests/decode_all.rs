#![allow(clippy::unwrap_used, clippy::expect_used)]

//! Every file of the shared test data decodes, or fails with a typed error
//! that says why; decoded values match pydicom's (computed once with
//! pydicom 3.0 and pylibjpeg, and pinned here); hostile objects fail
//! cleanly; frames stored back read back identical.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use common::dicom_testdata;
use dicom_core::value::{PixelFragmentSequence, PrimitiveValue};
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use medanon_pixels::{
    Error, Frame, Photometric, decode_all, decode_frame, pixel_info, store_frames,
    transfer_syntax_name,
};

/// Every regular file under `dir`, sorted.
fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn open(dir: &Path, name: &str) -> DefaultDicomObject {
    medanon_tags::open_dicom(&dir.join(name), &medanon_tags::Limits::default()).unwrap()
}

/// What became of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Outcome {
    /// Every frame decoded to the declared size.
    Decoded(usize),
    /// `UnsupportedTransferSyntax`, with the name it gave.
    Unsupported(String),
    NoPixelData,
    /// The attribute layer could not read the file (not DICOM, truncated…).
    NotOpened,
    /// Another typed error of this crate: its variant.
    Failed(&'static str),
}

fn variant(error: &Error) -> &'static str {
    match error {
        Error::InvalidPixelInfo(_) => "InvalidPixelInfo",
        Error::UnsupportedPixelData(_) => "UnsupportedPixelData",
        Error::Decode { .. } => "Decode",
        Error::FrameOutOfRange { .. } => "FrameOutOfRange",
        _ => "other",
    }
}

fn outcome(path: &Path) -> (String, Outcome) {
    let Ok(obj) = medanon_tags::open_dicom(path, &medanon_tags::Limits::default()) else {
        return ("-".to_owned(), Outcome::NotOpened);
    };
    let ts = obj
        .meta()
        .transfer_syntax()
        .trim_end_matches('\0')
        .to_owned();
    let info = match pixel_info(&obj) {
        Ok(info) => info,
        Err(Error::NoPixelData) => return (ts, Outcome::NoPixelData),
        Err(e) => return (ts, Outcome::Failed(variant(&e))),
    };
    match decode_all(&obj) {
        Ok(frames) => {
            assert_eq!(frames.len(), info.frames, "{}", path.display());
            for frame in &frames {
                assert_eq!((frame.rows, frame.columns), (info.rows, info.columns));
                assert_eq!(frame.samples, info.samples_per_pixel);
                assert_eq!(
                    frame.values.len(),
                    info.rows * info.columns * info.samples_per_pixel
                );
            }
            (ts, Outcome::Decoded(frames.len()))
        }
        Err(Error::UnsupportedTransferSyntax { uid, name }) => {
            assert_eq!(uid, ts);
            assert!(name.starts_with(&transfer_syntax_name(&uid)), "{name}");
            assert_ne!(name, "unknown", "{uid} has no name");
            (ts, Outcome::Unsupported(name))
        }
        Err(e) => (ts, Outcome::Failed(variant(&e))),
    }
}

/// The files with pixel data that do not decode, and why. Everything else
/// with pixel data must decode.
fn expected_failures() -> BTreeMap<&'static str, Outcome> {
    let jpeg_ls = |name: &str| {
        if cfg!(feature = "jpeg-ls") {
            Outcome::Decoded(1)
        } else {
            Outcome::Unsupported(name.to_owned())
        }
    };
    let lossless = "JPEG-LS Lossless Image Compression";
    let near_lossless = "JPEG-LS Lossy (Near-Lossless) Image Compression";
    let twelve_bit = "JPEG Extended (Process 2 & 4) with 12-bit samples";
    BTreeMap::from([
        ("pydicom/MR_small_jpeg_ls_lossless.dcm", jpeg_ls(lossless)),
        ("pydicom/JPEGLSNearLossless_08.dcm", jpeg_ls(near_lossless)),
        ("pydicom/JPEGLSNearLossless_16.dcm", jpeg_ls(near_lossless)),
        ("pydicom/SC_rgb_jls_lossy_line.dcm", jpeg_ls(near_lossless)),
        (
            "pydicom/SC_rgb_jls_lossy_sample.dcm",
            jpeg_ls(near_lossless),
        ),
        // jpeg-decoder has no 12-bit DCT; no pure-Rust decoder has
        (
            "pydicom/JPGExtended.dcm",
            Outcome::Unsupported(twelve_bit.to_owned()),
        ),
        (
            "pydicom/JPEG-lossy.dcm",
            Outcome::Unsupported(twelve_bit.to_owned()),
        ),
        // openjp2 rejects the codestream (pylibjpeg's OpenJPEG too)
        (
            "pydicom/JPEG2000-embedded-sequence-delimiter.dcm",
            Outcome::Failed("Decode"),
        ),
        // Number of Frames is "1A"
        ("pydicom/badVR.dcm", Outcome::Failed("InvalidPixelInfo")),
        // pixel data without Rows, Columns or Bits Allocated
        (
            "pydicom/nested_priv_SQ.dcm",
            Outcome::Failed("InvalidPixelInfo"),
        ),
    ])
}

#[test]
fn every_file_decodes_or_says_why() {
    let Some(dir) = dicom_testdata() else { return };
    let started = Instant::now();
    let expected = expected_failures();
    let mut table = Vec::new();
    for path in all_files(&dir) {
        let (ts, outcome) = outcome(&path);
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        table.push((name, ts, outcome));
    }
    println!("{:<48} {:<24} result", "file", "transfer syntax");
    let mut counts = BTreeMap::<&str, usize>::new();
    for (name, ts, outcome) in &table {
        println!("{name:<48} {ts:<24} {outcome:?}");
        let kind = match outcome {
            Outcome::Decoded(_) => "decoded",
            Outcome::Unsupported(_) => "unsupported transfer syntax",
            Outcome::NoPixelData => "no pixel data",
            Outcome::NotOpened => "not readable as DICOM",
            Outcome::Failed(_) => "typed pixel error",
        };
        *counts.entry(kind).or_default() += 1;
    }
    println!(
        "{counts:?}; {} files in {:.1?}",
        table.len(),
        started.elapsed()
    );

    let mut wrong = Vec::new();
    for (name, _, outcome) in &table {
        match (expected.get(name.as_str()), outcome) {
            (Some(Outcome::Decoded(_)), Outcome::Decoded(_)) => {}
            (Some(Outcome::Decoded(_)), got) => {
                wrong.push(format!("{name}: {got:?}, expected to decode"));
            }
            (Some(want), got) if want != got => {
                wrong.push(format!("{name}: {got:?}, expected {want:?}"));
            }
            (None, Outcome::Unsupported(_) | Outcome::Failed(_)) => {
                wrong.push(format!("{name}: {outcome:?}, expected to decode"));
            }
            _ => {}
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
    // The readable part of the corpus: at least the 74 images found when
    // this test was written decode.
    assert!(
        counts.get("decoded").copied().unwrap_or(0) >= 74,
        "{counts:?}"
    );
}

/// Sum over all frames, the first four values, the middle and last value
/// of all frames' values, as pydicom 3.0 (with pylibjpeg) gives them.
struct Pinned {
    file: &'static str,
    frames: usize,
    sum: i128,
    first: [i64; 4],
    middle: i64,
    last: i64,
    photometric: Photometric,
}

const fn pin(
    file: &'static str,
    frames: usize,
    sum: i128,
    first: [i64; 4],
    middle: i64,
    last: i64,
    photometric: Photometric,
) -> Pinned {
    Pinned {
        file,
        frames,
        sum,
        first,
        middle,
        last,
        photometric,
    }
}

#[test]
fn lossless_values_match_pydicom() {
    let Some(dir) = dicom_testdata() else { return };
    use Photometric::{Monochrome2, PaletteColor, Rgb};
    let pinned = [
        pin(
            "pydicom/CT_small.dcm",
            1,
            14826310,
            [175, 180, 166, 143],
            956,
            909,
            Monochrome2,
        ),
        pin(
            "pydicom/MR_small_RLE.dcm",
            1,
            2125338,
            [905, 1019, 1227, 1259],
            482,
            862,
            Monochrome2,
        ),
        // 32-bit samples in big-endian OW, 15 frames
        pin(
            "pydicom/rtdose_expb.dcm",
            15,
            1519910000,
            [1249000, 1249000, 1250000, 1250000],
            985000,
            799000,
            Monochrome2,
        ),
        // 8-bit samples in big-endian OW, odd length
        pin(
            "pydicom/SC_rgb_small_odd_big_endian.dcm",
            1,
            3477,
            [166, 141, 52, 166],
            87,
            158,
            Rgb,
        ),
        // 1-bit samples
        pin(
            "pydicom/liver_1frame.dcm",
            1,
            36233,
            [0, 0, 0, 0],
            0,
            0,
            Monochrome2,
        ),
        pin(
            "pydicom/liver_expb_1frame.dcm",
            1,
            36233,
            [0, 0, 0, 0],
            0,
            0,
            Monochrome2,
        ),
        // subsampled YBR_FULL_422 to RGB
        pin(
            "pydicom/SC_ybr_full_422_uncompressed.dcm",
            1,
            3832000,
            [254, 0, 0, 254],
            125,
            255,
            Rgb,
        ),
        // lossy JPEG 2000, signed 14-bit
        pin(
            "pydicom/693_J2KI.dcm",
            1,
            -2181784,
            [-2016, -2016, -2016, -2016],
            160,
            -2016,
            Monochrome2,
        ),
        // unsigned codestream, signed object
        pin(
            "pydicom/J2K_pixelrep_mismatch.dcm",
            1,
            -172605258,
            [-2000, -2000, -2000, -2000],
            -1003,
            -2000,
            Monochrome2,
        ),
        pin(
            "pydicom/SC_rgb_rle_32bit_2frame.dcm",
            2,
            128849018850000,
            [4294967295, 0, 0, 4294967295],
            0,
            0,
            Rgb,
        ),
        pin(
            "pydicom/SC_rgb_rle_16bit_2frame.dcm",
            2,
            1966050000,
            [65535, 0, 0, 65535],
            0,
            0,
            Rgb,
        ),
        // planar configuration 1, big endian
        pin(
            "pydicom/ExplVR_BigEnd.dcm",
            1,
            2470716,
            [171, 171, 171, 173],
            255,
            0,
            Rgb,
        ),
        // deflated
        pin(
            "pydicom/image_dfl.dcm",
            1,
            33322688,
            [213, 213, 213, 213],
            138,
            188,
            Monochrome2,
        ),
        pin(
            "pydicom/examples_palette.dcm",
            1,
            15024554,
            [244, 244, 244, 244],
            0,
            0,
            PaletteColor,
        ),
        pin(
            "pydicom/MR_small_jp2klossless.dcm",
            1,
            2125338,
            [905, 1019, 1227, 1259],
            482,
            862,
            Monochrome2,
        ),
        // JPEG lossless, RGB
        pin(
            "pydicom/SC_rgb_jpeg_gdcm.dcm",
            1,
            3831000,
            [255, 0, 0, 255],
            128,
            255,
            Rgb,
        ),
        // JPEG 2000 YBR_RCT to RGB
        pin(
            "pydicom/GDCMJ2K_TextGBR.dcm",
            1,
            59729223,
            [128, 128, 128, 128],
            128,
            128,
            Rgb,
        ),
    ];
    let jpeg_ls = [
        pin(
            "pydicom/MR_small_jpeg_ls_lossless.dcm",
            1,
            2125338,
            [905, 1019, 1227, 1259],
            482,
            862,
            Monochrome2,
        ),
        pin(
            "pydicom/JPEGLSNearLossless_16.dcm",
            1,
            6007250,
            [65535, 65535, 65535, 65535],
            255,
            0,
            Monochrome2,
        ),
        pin(
            "pydicom/SC_rgb_jls_lossy_line.dcm",
            1,
            3840000,
            [255, 0, 0, 255],
            130,
            255,
            Rgb,
        ),
    ];
    let pinned = pinned
        .into_iter()
        .chain(jpeg_ls.into_iter().filter(|_| cfg!(feature = "jpeg-ls")));
    for p in pinned {
        let frames = decode_all(&open(&dir, p.file)).unwrap();
        assert_eq!(frames.len(), p.frames, "{}", p.file);
        let values: Vec<i64> = frames
            .iter()
            .flat_map(|f| f.values.iter().copied())
            .collect();
        let sum: i128 = values.iter().map(|&v| i128::from(v)).sum();
        assert_eq!(sum, p.sum, "{}", p.file);
        assert_eq!(values[..4], p.first, "{}", p.file);
        assert_eq!(values[values.len() / 2], p.middle, "{}", p.file);
        assert_eq!(*values.last().unwrap(), p.last, "{}", p.file);
        assert_eq!(frames[0].photometric, p.photometric, "{}", p.file);
    }
}

/// Mean absolute difference of two equally long value lists.
fn mean_abs_diff(a: &[i64], b: &[i64]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs() as f64)
        .sum::<f64>()
        / a.len() as f64
}

#[test]
fn lossy_jpeg_is_close_to_pydicom() {
    let Some(dir) = dicom_testdata() else { return };
    // YBR_FULL baseline JPEG: pydicom (libjpeg) gives sum 3832000 and
    // starts 254, 0, 0; the IDCTs differ by a unit here and there.
    let frame = decode_frame(&open(&dir, "pydicom/SC_rgb_jpeg_dcmtk.dcm"), 0).unwrap();
    assert_eq!(frame.photometric, Photometric::Rgb);
    assert_eq!(frame.values[..3], [254, 0, 0]);
    let sum: i64 = frame.values.iter().sum();
    assert!((sum - 3_832_000).abs() < 3_832_000 / 1000, "{sum}");
    // The same picture, native RGB: the JPEG is within a unit on average.
    let native = decode_frame(&open(&dir, "pydicom/SC_rgb_rle.dcm"), 0).unwrap();
    assert!(mean_abs_diff(&frame.values, &native.values) < 1.5);

    // An RGB JPEG without a JFIF or Adobe transform flag is RGB as stored
    // (jpeg-decoder alone would take it for YCbCr): dcmtk's decompression
    // of it, SC_rgb_jpeg_dcmd.dcm, is pydicom's reading too.
    let jpeg = decode_frame(&open(&dir, "pydicom/SC_rgb_jpeg.dcm"), 0).unwrap();
    let dcmtk = decode_frame(&open(&dir, "pydicom/SC_rgb_jpeg_dcmd.dcm"), 0).unwrap();
    assert_eq!(jpeg.values[..4], [244, 244, 244, 244]);
    assert!(mean_abs_diff(&jpeg.values, &dcmtk.values) < 0.5);
}

#[test]
fn frames_and_errors() {
    let Some(dir) = dicom_testdata() else { return };
    let obj = open(&dir, "pydicom/SC_rgb_rle_2frame.dcm");
    let info = pixel_info(&obj).unwrap();
    assert_eq!(
        (info.rows, info.columns, info.samples_per_pixel, info.frames),
        (100, 100, 3, 2)
    );
    assert_eq!(info.transfer_syntax, "1.2.840.10008.1.2.5");
    let second = decode_frame(&obj, 1).unwrap();
    assert_ne!(second, decode_frame(&obj, 0).unwrap());
    assert!(matches!(
        decode_frame(&obj, 2),
        Err(Error::FrameOutOfRange {
            frame: 2,
            frames: 2
        })
    ));
    assert!(matches!(
        pixel_info(&open(&dir, "pydicom/rtplan.dcm")),
        Err(Error::NoPixelData)
    ));
    let err = decode_frame(&open(&dir, "pydicom/MR_small_jpeg_ls_lossless.dcm"), 0);
    if !cfg!(feature = "jpeg-ls") {
        let Err(Error::UnsupportedTransferSyntax { uid, name }) = err else {
            panic!("{err:?}")
        };
        assert_eq!(uid, "1.2.840.10008.1.2.4.80");
        assert_eq!(name, "JPEG-LS Lossless Image Compression");
    }
}

/// A synthetic single-frame object: the Image Pixel module and the given
/// Pixel Data element under transfer syntax `ts`.
fn synthetic(
    ts: &str,
    rows: u16,
    columns: u16,
    bits: u16,
    pixel_data: DataElement<InMemDicomObject>,
) -> DefaultDicomObject {
    let mut obj = InMemDicomObject::new_empty();
    obj.put(DataElement::new(
        tags::SOP_CLASS_UID,
        VR::UI,
        PrimitiveValue::from("1.2.840.10008.5.1.4.1.1.7"),
    ));
    obj.put(DataElement::new(
        tags::SOP_INSTANCE_UID,
        VR::UI,
        PrimitiveValue::from("2.25.1"),
    ));
    obj.put(DataElement::new(
        tags::ROWS,
        VR::US,
        PrimitiveValue::from(rows),
    ));
    obj.put(DataElement::new(
        tags::COLUMNS,
        VR::US,
        PrimitiveValue::from(columns),
    ));
    obj.put(DataElement::new(
        tags::SAMPLES_PER_PIXEL,
        VR::US,
        PrimitiveValue::from(1_u16),
    ));
    obj.put(DataElement::new(
        tags::BITS_ALLOCATED,
        VR::US,
        PrimitiveValue::from(bits),
    ));
    obj.put(DataElement::new(
        tags::BITS_STORED,
        VR::US,
        PrimitiveValue::from(bits),
    ));
    obj.put(DataElement::new(
        tags::PIXEL_REPRESENTATION,
        VR::US,
        PrimitiveValue::from(0_u16),
    ));
    obj.put(DataElement::new(
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        PrimitiveValue::from("MONOCHROME2"),
    ));
    obj.put(pixel_data);
    obj.with_meta(
        FileMetaTableBuilder::new()
            .transfer_syntax(ts)
            .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.7")
            .media_storage_sop_instance_uid("2.25.1"),
    )
    .unwrap()
}

fn encapsulated(fragments: Vec<Vec<u8>>) -> DataElement<InMemDicomObject> {
    DataElement::new(
        tags::PIXEL_DATA,
        VR::OB,
        PixelFragmentSequence::new(vec![], fragments),
    )
}

#[test]
fn hostile_objects_fail_cleanly() {
    let native =
        |bytes: Vec<u8>| DataElement::new(tags::PIXEL_DATA, VR::OB, PrimitiveValue::from(bytes));
    // too little native data
    let obj = synthetic("1.2.840.10008.1.2.1", 64, 64, 8, native(vec![0; 100]));
    assert!(matches!(
        decode_frame(&obj, 0),
        Err(Error::Decode { frame: 0, .. })
    ));
    // a frame far above the cap, with almost no data: refused before allocating
    let obj = synthetic(
        "1.2.840.10008.1.2.1",
        65535,
        65535,
        16,
        native(vec![0; 100]),
    );
    assert!(matches!(
        pixel_info(&obj),
        Err(Error::UnsupportedPixelData(_))
    ));
    // 64-bit samples
    let obj = synthetic("1.2.840.10008.1.2.1", 2, 2, 64, native(vec![0; 32]));
    assert!(matches!(
        decode_frame(&obj, 0),
        Err(Error::UnsupportedPixelData(_))
    ));
    // garbage as JPEG, JPEG 2000 and RLE
    for ts in [
        "1.2.840.10008.1.2.4.50",
        "1.2.840.10008.1.2.4.70",
        "1.2.840.10008.1.2.4.90",
        "1.2.840.10008.1.2.5",
    ] {
        for fragment in [
            vec![],
            vec![0xFF, 0xD8, 0xFF],
            vec![0xAB; 1000],
            (0..=255).collect(),
        ] {
            let obj = synthetic(ts, 16, 16, 8, encapsulated(vec![fragment]));
            let result = decode_frame(&obj, 0);
            assert!(
                matches!(result, Err(Error::Decode { .. })),
                "{ts}: {result:?}"
            );
        }
    }
    // an RLE header promising segments beyond the fragment
    let mut rle = vec![0_u8; 64];
    rle[0] = 1;
    rle[4..8].copy_from_slice(&1000_u32.to_le_bytes());
    let obj = synthetic("1.2.840.10008.1.2.5", 16, 16, 8, encapsulated(vec![rle]));
    assert!(matches!(decode_frame(&obj, 0), Err(Error::Decode { .. })));

    let Some(dir) = dicom_testdata() else { return };
    // real compressed streams, truncated, corrupted, or in an object that
    // declares another size than the stream's
    for name in [
        "pydicom/SC_rgb_jpeg_dcmtk.dcm",
        "pydicom/SC_rgb_jpeg_gdcm.dcm",
        "pydicom/MR_small_jp2klossless.dcm",
        "pydicom/MR_small_RLE.dcm",
    ] {
        let obj = open(&dir, name);
        let fragment = match obj.get(tags::PIXEL_DATA).unwrap().value() {
            dicom_core::value::Value::PixelSequence(seq) => seq.fragments()[0].clone(),
            _ => unreachable!(),
        };
        let mut variants = vec![fragment[..fragment.len() / 2].to_vec()];
        let mut flipped = fragment.clone();
        for i in (fragment.len() / 3..fragment.len()).step_by(7) {
            flipped[i] ^= 0x5A;
        }
        variants.push(flipped);
        for bytes in variants {
            let mut broken = obj.clone();
            broken.put(encapsulated(vec![bytes]));
            // any outcome but a panic; a truncated stream is an error
            let _ = decode_frame(&broken, 0);
        }
        // RLE has no size of its own: fewer rows than it holds read like
        // pydicom reads them
        let sizes: &[u16] = if name.ends_with("RLE.dcm") {
            &[500]
        } else {
            &[1, 500]
        };
        for &rows in sizes {
            let mut resized = obj.clone();
            resized.put(DataElement::new(
                tags::ROWS,
                VR::US,
                PrimitiveValue::from(rows),
            ));
            let result = decode_frame(&resized, 0).map(|f| f.rows);
            assert!(
                matches!(result, Err(Error::Decode { .. })),
                "{name}, {rows} rows: {result:?}"
            );
        }
    }
}

/// Decodes, stores the frames, writes the object to bytes, reads it back
/// and decodes again.
fn round_trip(obj: &DefaultDicomObject) -> (Vec<Frame>, Vec<Frame>, DefaultDicomObject) {
    let info = pixel_info(obj).unwrap();
    let frames = decode_all(obj).unwrap();
    let mut stored = obj.clone();
    store_frames(&mut stored, &info, &frames).unwrap();
    let mut bytes = Vec::new();
    stored.write_all(&mut bytes).unwrap();
    let reread = medanon_tags::parse_dicom(&bytes).unwrap();
    let again = decode_all(&reread).unwrap();
    (frames, again, reread)
}

#[test]
fn stored_frames_read_back_identical() {
    let Some(dir) = dicom_testdata() else { return };
    for name in [
        "pydicom/CT_small.dcm",
        "pydicom/MR_small_bigendian.dcm",
        "pydicom/liver_1frame.dcm",
        "pydicom/rtdose_expb.dcm",
        "pydicom/ExplVR_BigEnd.dcm",
        "pydicom/image_dfl.dcm",
        "pydicom/SC_ybr_full_422_uncompressed.dcm",
        "pydicom/examples_palette.dcm",
        "pydicom/MR_small_RLE.dcm",
        "pydicom/SC_rgb_rle_2frame.dcm",
        "pydicom/SC_rgb_rle_32bit_2frame.dcm",
        "pydicom/SC_rgb_jpeg_gdcm.dcm",
        "pydicom/SC_rgb_jpeg_dcmtk.dcm",
        "pydicom/examples_ybr_color.dcm",
        "pydicom/MR_small_jp2klossless.dcm",
        "pydicom/693_J2KI.dcm",
        "pydicom/GDCMJ2K_TextGBR.dcm",
    ] {
        let obj = open(&dir, name);
        let (frames, again, reread) = round_trip(&obj);
        assert_eq!(frames, again, "{name}");
        assert_eq!(
            reread.meta().transfer_syntax().trim_end_matches('\0'),
            "1.2.840.10008.1.2.1",
            "{name}"
        );
        let info = pixel_info(&reread).unwrap();
        let before = pixel_info(&obj).unwrap();
        assert_eq!(
            (
                info.bits_allocated,
                info.bits_stored,
                info.signed,
                info.frames
            ),
            (
                before.bits_allocated,
                before.bits_stored,
                before.signed,
                before.frames
            ),
            "{name}"
        );
        assert_eq!(info.photometric, frames[0].photometric, "{name}");
        let text =
            |o: &DefaultDicomObject, tag| o.get(tag).map(|e| e.to_str().unwrap().into_owned());
        if info.samples_per_pixel == 3 {
            assert_eq!(
                text(&reread, tags::PLANAR_CONFIGURATION).as_deref(),
                Some("0"),
                "{name}"
            );
        }
        // decompression does not undo a loss
        assert_eq!(
            text(&reread, tags::LOSSY_IMAGE_COMPRESSION),
            text(&obj, tags::LOSSY_IMAGE_COMPRESSION),
            "{name}"
        );
    }
    // YBR JPEG comes back as RGB
    let reread = round_trip(&open(&dir, "pydicom/SC_rgb_jpeg_dcmtk.dcm")).2;
    assert_eq!(pixel_info(&reread).unwrap().photometric, Photometric::Rgb);
}

#[test]
fn store_rejects_mismatched_frames() {
    let Some(dir) = dicom_testdata() else { return };
    let mut obj = open(&dir, "pydicom/CT_small.dcm");
    let info = pixel_info(&obj).unwrap();
    let mut frame = decode_frame(&obj, 0).unwrap();
    assert!(matches!(
        store_frames(&mut obj, &info, &[]),
        Err(Error::InvalidArgument(_))
    ));
    frame.values[0] = 1 << 20; // beyond 16 bits stored
    assert!(matches!(
        store_frames(&mut obj, &info, &[frame.clone()]),
        Err(Error::InvalidArgument(_))
    ));
    frame.values.pop();
    assert!(matches!(
        store_frames(&mut obj, &info, &[frame]),
        Err(Error::InvalidArgument(_))
    ));
    // the object was left as it was
    assert_eq!(
        obj.meta().transfer_syntax().trim_end_matches('\0'),
        "1.2.840.10008.1.2.1"
    );
    assert_eq!(
        decode_frame(&obj, 0).unwrap().values[..4],
        [175, 180, 166, 143]
    );
}
