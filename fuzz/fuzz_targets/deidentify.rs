//! Arbitrary bytes as a DICOM file: reading never panics; whatever reads is
//! de-identified with a planted Patient's Name, and the output must re-read
//! and must not contain the planted name.
#![no_main]

use std::sync::OnceLock;

use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use libfuzzer_sys::fuzz_target;
use medanon_crypto::KeySet;
use medanon_tags::{Deidentifier, Recipe, parse_dicom};

const CANARY: &str = "FUZZCANARY^PLANTED";

fn engine() -> &'static Deidentifier {
    static ENGINE: OnceLock<Deidentifier> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let keys =
            KeySet::parse("1RG9VEXItg37ZgIXsi5pbEu-NBatR-M7zEzjOycirPg=").expect("valid key");
        Deidentifier::new(Recipe::default(), keys)
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(mut object) = parse_dicom(data) else {
        return;
    };
    object.put(DataElement::new(
        Tag(0x0010, 0x0010),
        VR::PN,
        PrimitiveValue::from(CANARY),
    ));
    let Ok((output, _)) = engine().deidentify(object) else {
        return;
    };
    let mut bytes = Vec::new();
    if output.write_all(&mut bytes).is_err() {
        return;
    }
    assert!(
        !bytes.windows(CANARY.len()).any(|w| w == CANARY.as_bytes()),
        "planted name survived"
    );
    parse_dicom(&bytes).expect("de-identified output re-reads");
});
