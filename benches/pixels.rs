//! Burned-in text on one 1024×768 RGB frame (an ultrasound-sized screen
//! capture with a header bar and corner annotations): the text detector,
//! each cleaning mode over the regions it finds, and the whole Clean Pixel
//! Data pipeline on an object (decode, rules, detector, clean, store; no
//! OCR).
#![allow(missing_docs)]
#![allow(clippy::expect_used)] // a benchmark on bad setup should stop loudly

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use dicom_core::value::PrimitiveValue;
use dicom_core::{DataElement, VR};
use dicom_dictionary_std::tags;
use dicom_object::{FileMetaTableBuilder, InMemDicomObject};
use medanon_pixels::{
    CleanMode, DetectOptions, DetectWhen, Frame, Photometric, PixelSettings, clean_frame,
    clean_pixel_data, detect_text, draw_text,
};

/// A dark frame with speckle "anatomy" in the middle and text around it.
fn frame() -> Frame {
    let (rows, columns) = (768, 1024);
    let mut frame = Frame::new(rows, columns, 3, Photometric::Rgb);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for r in 100..700 {
        for c in 130..900 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let v = (seed % 90) as i64 + (r as i64 - 100) / 8;
            for s in 0..3 {
                frame.set(r, c, s, v);
            }
        }
    }
    let white = [230, 230, 230];
    draw_text(
        &mut frame,
        8,
        4,
        "DOE^JOHN 00012345 DOB 01/02/1961 GENERAL HOSPITAL",
        2,
        &white,
    );
    draw_text(&mut frame, 820, 4, "03/02/2017 05:24PM", 2, &white);
    draw_text(&mut frame, 12, 40, "ADV BREAST L12-5 36HZ", 2, &white);
    draw_text(&mut frame, 850, 740, "4.0CM", 2, &white);
    frame
}

fn object(frame: &Frame) -> dicom_object::DefaultDicomObject {
    let mut obj = InMemDicomObject::new_empty();
    let put = |obj: &mut InMemDicomObject, tag, vr, value: PrimitiveValue| {
        obj.put(DataElement::new(tag, vr, value))
    };
    put(
        &mut obj,
        tags::SOP_CLASS_UID,
        VR::UI,
        "1.2.840.10008.5.1.4.1.1.6.1".into(),
    );
    put(&mut obj, tags::SOP_INSTANCE_UID, VR::UI, "2.25.1".into());
    put(&mut obj, tags::MODALITY, VR::CS, "US".into());
    put(
        &mut obj,
        tags::SAMPLES_PER_PIXEL,
        VR::US,
        PrimitiveValue::from(3u16),
    );
    put(
        &mut obj,
        tags::PHOTOMETRIC_INTERPRETATION,
        VR::CS,
        "RGB".into(),
    );
    put(
        &mut obj,
        tags::PLANAR_CONFIGURATION,
        VR::US,
        PrimitiveValue::from(0u16),
    );
    put(
        &mut obj,
        tags::ROWS,
        VR::US,
        PrimitiveValue::from(frame.rows as u16),
    );
    put(
        &mut obj,
        tags::COLUMNS,
        VR::US,
        PrimitiveValue::from(frame.columns as u16),
    );
    put(
        &mut obj,
        tags::BITS_ALLOCATED,
        VR::US,
        PrimitiveValue::from(8u16),
    );
    put(
        &mut obj,
        tags::BITS_STORED,
        VR::US,
        PrimitiveValue::from(8u16),
    );
    put(&mut obj, tags::HIGH_BIT, VR::US, PrimitiveValue::from(7u16));
    put(
        &mut obj,
        tags::PIXEL_REPRESENTATION,
        VR::US,
        PrimitiveValue::from(0u16),
    );
    let bytes: Vec<u8> = frame.values.iter().map(|&v| v as u8).collect();
    put(
        &mut obj,
        tags::PIXEL_DATA,
        VR::OB,
        PrimitiveValue::from(bytes),
    );
    obj.with_meta(
        FileMetaTableBuilder::new()
            .transfer_syntax("1.2.840.10008.1.2.1")
            .media_storage_sop_class_uid("1.2.840.10008.5.1.4.1.1.6.1")
            .media_storage_sop_instance_uid("2.25.1"),
    )
    .expect("a valid meta")
}

fn pixels(c: &mut Criterion) {
    let frame = frame();
    let options = DetectOptions::default();
    let regions = detect_text(&frame, &options);
    assert!(!regions.is_empty(), "the detector finds the text");
    let mut group = c.benchmark_group("pixels_1024x768_rgb");
    group.sample_size(20);
    group.bench_function("detect_text", |b| {
        b.iter(|| detect_text(black_box(&frame), &options))
    });
    for (name, mode) in [
        ("clean_fill", CleanMode::Fill),
        ("clean_blur", CleanMode::Blur),
        ("clean_pixelate", CleanMode::Pixelate),
        ("clean_pseudonym", CleanMode::Pseudonym("ANON^X7K2".into())),
    ] {
        group.bench_function(name, |b| {
            b.iter_batched_ref(
                || frame.clone(),
                |f| clean_frame(f, &regions, &mode).expect("valid frame"),
                criterion::BatchSize::LargeInput,
            )
        });
    }
    let settings = PixelSettings {
        ocr: false,
        detect: DetectWhen::Always,
        ..PixelSettings::default()
    };
    let obj = object(&frame);
    group.bench_function("pipeline_no_ocr", |b| {
        b.iter_batched_ref(
            || obj.clone(),
            |o| clean_pixel_data(o, &settings, &[], None).expect("cleans"),
            criterion::BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, pixels);
criterion_main!(benches);
