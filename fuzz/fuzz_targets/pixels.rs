//! Arbitrary bytes as a DICOM file with pixel data: describing, decoding
//! and rendering never panic; the object de-identified and its pixels
//! cleaned (as `anonymize --clean-pixels` does) writes, reads back, and
//! decodes to the same frames.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use medanon_crypto::KeySet;
use medanon_pixels::{
    DetectWhen, PixelSettings, RenderOptions, clean_pixel_data, decode_all, render,
};
use medanon_tags::{Deidentifier, Recipe, parse_dicom};

fn engine() -> &'static Deidentifier {
    static ENGINE: OnceLock<Deidentifier> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let keys =
            KeySet::parse("1RG9VEXItg37ZgIXsi5pbEu-NBatR-M7zEzjOycirPg=").expect("valid key");
        Deidentifier::new(Recipe::default(), keys)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(object) = parse_dicom(data) else {
        return;
    };
    let _ = render(&object, &RenderOptions::default());
    if decode_all(&object).is_err() {
        return;
    }
    let Ok((mut object, _)) = engine().deidentify(object) else {
        return;
    };
    let settings = PixelSettings {
        detect: DetectWhen::Always,
        ocr: false,
        ..PixelSettings::default()
    };
    if clean_pixel_data(&mut object, &settings, &[], Some("FUZZ")).is_err() {
        return;
    }
    let cleaned = decode_all(&object).expect("cleaned pixels decode");
    let mut bytes = Vec::new();
    object
        .write_all(&mut bytes)
        .expect("a cleaned object writes");
    let reread = parse_dicom(&bytes).expect("the output reads back");
    assert_eq!(decode_all(&reread).expect("and decodes"), cleaned);
});
