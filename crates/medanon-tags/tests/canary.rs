//! Adversarial privacy test of the Basic Profile: every identifying place of
//! an object holds a unique canary (`CANARY01001`, `1.2.999.1234567.1.1001`,
//! a unique date, ...), the object is de-identified with
//! `Recipe::default()`, and no canary may appear anywhere in the bytes that
//! are written. Each fixture goes through twice: as built in memory, and
//! after being written and read back with `parse_dicom` (values as the
//! parser produces them, padding included).
//!
//! Leaks found here are fixed in the library, and their tests stay as
//! regression tests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a failed unwrap is a failed test

use std::sync::OnceLock;

use dicom_core::dictionary::DataDictionary;
use dicom_core::header::Header;
use dicom_core::value::DataSetSequence;
use dicom_core::{DataElement, PrimitiveValue, Tag, VR};
use dicom_dictionary_std::StandardDataDictionary;
use dicom_encoding::text::{SpecificCharacterSet, TextCodec};
use dicom_object::mem::InMemElement;
use dicom_object::meta::FileMetaTableBuilder;
use dicom_object::{DefaultDicomObject, InMemDicomObject};
use medanon_crypto::KeySet;
use medanon_tags::{ActionCode, Deidentifier, Recipe, Report, parse_dicom, row_for};

const KEY: &str = "1RG9VEXItg37ZgIXsi5pbEu-NBatR-M7zEzjOycirPg=";
const EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1";
const IMPLICIT_VR_LE: &str = "1.2.840.10008.1.2";
const EXPLICIT_VR_BE: &str = "1.2.840.10008.1.2.2";
const DEFLATED_EXPLICIT_VR_LE: &str = "1.2.840.10008.1.2.1.99";
const CT_IMAGE_STORAGE: &str = "1.2.840.10008.5.1.4.1.1.2";
const PIXELS: [u16; 4] = [0x0123, 0x0456, 0x0789, 0x0ABC];
const PATIENT_IDENTITY_REMOVED: Tag = Tag(0x0012, 0x0062);

// ---------------------------------------------------------------------------
// Canaries

/// One planted value: where it was put and the byte strings that betray it.
struct Canary {
    place: String,
    needles: Vec<Vec<u8>>,
}

/// The canaries planted in one test. `test` makes them unique across tests.
struct Canaries {
    test: u32,
    count: u32,
    planted: Vec<Canary>,
}

impl Canaries {
    fn new(test: u32) -> Self {
        assert!(test < 80);
        Canaries {
            test,
            count: 0,
            planted: Vec::new(),
        }
    }

    fn next(&mut self) -> u32 {
        self.count += 1;
        assert!(self.count < 300, "too many canaries in one test");
        self.count
    }

    /// Plants `needles` (and their upper-cased forms) for `place`.
    fn plant(&mut self, place: &str, needles: Vec<Vec<u8>>) {
        let mut all: Vec<Vec<u8>> = Vec::new();
        for needle in needles {
            assert!(
                needle.len() >= 4,
                "needle too short to be unique: {needle:?}"
            );
            let upper = needle.to_ascii_uppercase();
            for n in [needle, upper] {
                if !all.contains(&n) {
                    all.push(n);
                }
            }
        }
        self.planted.push(Canary {
            place: place.to_owned(),
            needles: all,
        });
    }

    /// A text canary `CANARYttnnn`.
    fn text(&mut self, place: &str) -> String {
        let n = self.next();
        let value = format!("CANARY{:02}{n:03}", self.test);
        self.plant(place, vec![value.clone().into_bytes()]);
        value
    }

    /// A person name holding a text canary.
    fn pn(&mut self, place: &str) -> String {
        format!("DOE^{}", self.text(place))
    }

    /// A UID canary under a root nobody uses.
    fn uid(&mut self, place: &str) -> String {
        let n = self.next();
        let value = format!("1.2.999.1234567.{}.{}", self.test, 1000 + n);
        self.plant(place, vec![value.clone().into_bytes()]);
        value
    }

    fn date_of(&self, n: u32) -> String {
        format!(
            "19{:02}{:02}{:02}",
            20 + self.test,
            1 + (n / 28) % 12,
            1 + n % 28
        )
    }

    /// A DA canary: a date no other canary and no dummy uses.
    fn date(&mut self, place: &str) -> String {
        let n = self.next();
        let value = self.date_of(n);
        self.plant(place, vec![value.clone().into_bytes()]);
        value
    }

    /// A TM canary with a unique fraction.
    fn time(&mut self, place: &str) -> String {
        let n = self.next();
        let value = format!("07{:02}{:02}.{:06}", self.test % 60, n % 60, 100_000 + n);
        self.plant(place, vec![value.clone().into_bytes()]);
        value
    }

    /// A DT canary; its date part alone is a canary too.
    fn datetime(&mut self, place: &str) -> String {
        let n = self.next();
        let date = self.date_of(n);
        let value = format!("{date}{:02}3456.{:06}", n % 24, 200_000 + n);
        self.plant(place, vec![value.clone().into_bytes(), date.into_bytes()]);
        value
    }

    /// A DS canary.
    fn decimal(&mut self, place: &str) -> String {
        let n = self.next();
        let value = format!("{}.{n:03}7", 100 + self.test);
        self.plant(place, vec![value.clone().into_bytes()]);
        value
    }

    /// An IS canary.
    fn integer(&mut self, place: &str) -> String {
        let n = self.next();
        let value = format!("9{:02}{n:03}7", self.test);
        self.plant(place, vec![value.clone().into_bytes()]);
        value
    }

    /// An AS canary (weeks: a unit nothing else here uses).
    fn age(&mut self, place: &str) -> String {
        let n = self.next();
        let value = format!("{:03}W", 100 + n);
        self.plant(place, vec![value.clone().into_bytes()]);
        value
    }

    /// Binary canary bytes: the ASCII of a text canary, padded to even length.
    fn bytes(&mut self, place: &str) -> Vec<u8> {
        let mut bytes = self.text(place).into_bytes();
        bytes.push(b'!');
        bytes
    }

    /// Forgets the canaries planted at places starting with `place` (their
    /// attribute was taken out of the fixture).
    fn forget(&mut self, place: &str) {
        self.planted
            .retain(|canary| !canary.place.starts_with(place));
    }

    /// Every canary with a needle in `haystack`, described.
    fn found_in(&self, haystack: &[u8]) -> Vec<String> {
        self.planted
            .iter()
            .filter_map(|canary| {
                canary
                    .needles
                    .iter()
                    .find(|needle| contains(haystack, needle))
                    .map(|needle| {
                        format!(
                            "  {} ({})",
                            String::from_utf8_lossy(needle).escape_debug(),
                            canary.place
                        )
                    })
            })
            .collect()
    }

    /// Checks that every canary is in `input` (so that the test tests something).
    fn assert_all_in(&self, input: &[u8]) {
        let missing: Vec<&str> = self
            .planted
            .iter()
            .filter(|canary| !canary.needles.iter().any(|n| contains(input, n)))
            .map(|canary| canary.place.as_str())
            .collect();
        assert!(
            missing.is_empty(),
            "fixture error: canaries not in the input: {missing:?}"
        );
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------
// Building objects

fn tag_name(tag: Tag, name: &str) -> String {
    format!("({:04X},{:04X}) {name}", tag.0, tag.1)
}

fn text(tag: Tag, vr: VR, value: &str) -> InMemElement {
    DataElement::new(tag, vr, PrimitiveValue::from(value))
}

fn texts(tag: Tag, vr: VR, values: &[String]) -> InMemElement {
    DataElement::new(
        tag,
        vr,
        PrimitiveValue::Strs(values.iter().cloned().collect()),
    )
}

fn binary(tag: Tag, vr: VR, bytes: Vec<u8>) -> InMemElement {
    DataElement::new(tag, vr, PrimitiveValue::U8(bytes.into()))
}

fn us(tag: Tag, value: u16) -> InMemElement {
    DataElement::new(tag, VR::US, PrimitiveValue::from(value))
}

fn sq(tag: Tag, items: Vec<InMemDicomObject>) -> InMemElement {
    DataElement::new(tag, VR::SQ, DataSetSequence::from(items))
}

fn item(elements: Vec<InMemElement>) -> InMemDicomObject {
    InMemDicomObject::from_element_iter(elements)
}

/// A small valid CT image whose patient and UIDs are canaries.
fn image(c: &mut Canaries) -> Vec<InMemElement> {
    vec![
        text(Tag(0x0008, 0x0016), VR::UI, CT_IMAGE_STORAGE),
        text(
            Tag(0x0008, 0x0018),
            VR::UI,
            &c.uid("(0008,0018) SOP Instance UID (and Media Storage SOP Instance UID)"),
        ),
        text(Tag(0x0008, 0x0060), VR::CS, "CT"),
        text(
            Tag(0x0010, 0x0010),
            VR::PN,
            &c.pn("(0010,0010) Patient's Name"),
        ),
        text(
            Tag(0x0010, 0x0020),
            VR::LO,
            &c.text("(0010,0020) Patient ID"),
        ),
        text(
            Tag(0x0020, 0x000D),
            VR::UI,
            &c.uid("(0020,000D) Study Instance UID"),
        ),
        text(
            Tag(0x0020, 0x000E),
            VR::UI,
            &c.uid("(0020,000E) Series Instance UID"),
        ),
        us(Tag(0x0028, 0x0002), 1),
        text(Tag(0x0028, 0x0004), VR::CS, "MONOCHROME2"),
        us(Tag(0x0028, 0x0010), 2),
        us(Tag(0x0028, 0x0011), 2),
        us(Tag(0x0028, 0x0100), 16),
        us(Tag(0x0028, 0x0101), 12),
        us(Tag(0x0028, 0x0102), 11),
        us(Tag(0x0028, 0x0103), 0),
        DataElement::new(
            Tag(0x7FE0, 0x0010),
            VR::OW,
            PrimitiveValue::U16(PIXELS.to_vec().into()),
        ),
    ]
}

fn file(elements: Vec<InMemElement>, ts: &str) -> DefaultDicomObject {
    file_with_meta(elements, FileMetaTableBuilder::new().transfer_syntax(ts))
}

fn file_with_meta(elements: Vec<InMemElement>, meta: FileMetaTableBuilder) -> DefaultDicomObject {
    InMemDicomObject::from_element_iter(elements)
        .with_meta(meta)
        .expect("file meta")
}

fn to_bytes(object: &DefaultDicomObject) -> Vec<u8> {
    let mut bytes = Vec::new();
    object.write_all(&mut bytes).expect("write");
    bytes
}

/// Checks that `tag` is in Table E.1-1 with an action that does not keep it.
fn assert_in_table(tag: Tag) {
    let row = row_for(tag).unwrap_or_else(|| panic!("{tag} is not in Table E.1-1"));
    assert_ne!(row.basic.resolve(), ActionCode::K, "{tag} is kept");
}

/// Checks that `tag` is a standard attribute outside Table E.1-1.
fn assert_outside_table(tag: Tag) {
    assert!(row_for(tag).is_none(), "{tag} is in Table E.1-1");
    assert!(
        StandardDataDictionary.by_tag(tag).is_some(),
        "{tag} unknown"
    );
}

// ---------------------------------------------------------------------------
// De-identifying and checking

fn engine() -> &'static Deidentifier {
    static ENGINE: OnceLock<Deidentifier> = OnceLock::new();
    ENGINE.get_or_init(|| Deidentifier::new(Recipe::default(), KeySet::parse(KEY).unwrap()))
}

fn deidentify(object: DefaultDicomObject) -> (DefaultDicomObject, Report) {
    engine().deidentify(object).expect("de-identification")
}

/// Re-parses written output and checks Patient Identity Removed.
fn reparse_marked(bytes: &[u8]) -> DefaultDicomObject {
    let object = parse_dicom(bytes).expect("the output re-parses");
    let removed = object
        .element(PATIENT_IDENTITY_REMOVED)
        .expect("(0012,0062) present")
        .to_str()
        .unwrap()
        .trim_end()
        .to_owned();
    assert_eq!(removed, "YES");
    object
}

/// De-identifies `input` as built and after a write and `parse_dicom`, and
/// checks that no canary survives in either output. Returns the direct
/// output, re-parsed.
fn assert_clean(c: &Canaries, input: DefaultDicomObject) -> DefaultDicomObject {
    let input_bytes = to_bytes(&input);
    c.assert_all_in(&input_bytes);
    assert_clean_bytes(c, &input_bytes, Some(input))
}

/// As [`assert_clean`], from written bytes (and the object they came from,
/// when there is one).
fn assert_clean_bytes(
    c: &Canaries,
    input_bytes: &[u8],
    input: Option<DefaultDicomObject>,
) -> DefaultDicomObject {
    let mut leaks = Vec::new();
    let mut outputs = Vec::new();
    let parsed = parse_dicom(input_bytes).expect("the input re-parses");
    for (how, object) in [("as built", input), ("after parse_dicom", Some(parsed))] {
        let Some(object) = object else { continue };
        let (output, _report) = deidentify(object);
        let bytes = to_bytes(&output);
        for leak in c.found_in(&searchable(&bytes)) {
            leaks.push(format!("{leak} [{how}]"));
        }
        outputs.push(bytes);
    }
    assert!(
        leaks.is_empty(),
        "canaries survived de-identification:\n{}",
        leaks.join("\n")
    );
    let mut parsed: Vec<DefaultDicomObject> = outputs.iter().map(|b| reparse_marked(b)).collect();
    parsed.swap_remove(0)
}

/// The bytes to search for canaries in written output: the bytes
/// themselves, and for a deflated transfer syntax the data set re-encoded
/// uncompressed.
fn searchable(bytes: &[u8]) -> Vec<u8> {
    let mut all = bytes.to_vec();
    let object = parse_dicom(bytes).expect("the output re-parses");
    if object
        .meta()
        .transfer_syntax()
        .starts_with(DEFLATED_EXPLICIT_VR_LE)
    {
        let meta = FileMetaTableBuilder::new().transfer_syntax(EXPLICIT_VR_LE);
        let inflated = object.into_inner().with_meta(meta).expect("file meta");
        all.extend(to_bytes(&inflated));
    }
    all
}

/// The output's text value of `tag`, padding removed.
fn value_of(object: &InMemDicomObject, tag: Tag) -> Option<String> {
    object
        .get(tag)
        .map(|e| e.to_str().unwrap().trim_end_matches(['\0', ' ']).to_owned())
}

/// The first item of the sequence `tag` of `object`.
fn first_item(object: &InMemDicomObject, tag: Tag) -> &InMemDicomObject {
    object
        .get(tag)
        .and_then(|e| e.items())
        .and_then(|items| items.first())
        .unwrap_or_else(|| panic!("sequence {tag} with an item in the output"))
}

// ---------------------------------------------------------------------------
// 1. One attribute per VR among those Table E.1-1 removes or replaces

#[test]
fn every_vr_of_table_e1_1_is_cleaned() {
    let mut c = Canaries::new(1);
    let mut e = image(&mut c);
    let mut add_text = |c: &mut Canaries, tag: Tag, vr: VR, name: &str| {
        assert_in_table(tag);
        let place = tag_name(tag, name);
        let value = match vr {
            VR::PN => c.pn(&place),
            VR::DA => c.date(&place),
            VR::TM => c.time(&place),
            VR::DT => c.datetime(&place),
            VR::AS => c.age(&place),
            VR::DS => c.decimal(&place),
            VR::IS => c.integer(&place),
            VR::UI => c.uid(&place),
            VR::UR => format!("https://{}.example.org/pacs", c.text(&place)),
            _ => c.text(&place),
        };
        e.push(text(tag, vr, &value));
    };
    add_text(
        &mut c,
        Tag(0x0008, 0x0090),
        VR::PN,
        "Referring Physician's Name",
    );
    add_text(&mut c, Tag(0x0008, 0x0080), VR::LO, "Institution Name");
    add_text(&mut c, Tag(0x0008, 0x0050), VR::SH, "Accession Number");
    add_text(&mut c, Tag(0x0008, 0x1010), VR::SH, "Station Name");
    add_text(&mut c, Tag(0x0010, 0x0030), VR::DA, "Patient's Birth Date");
    add_text(&mut c, Tag(0x0008, 0x0020), VR::DA, "Study Date");
    add_text(&mut c, Tag(0x0008, 0x0030), VR::TM, "Study Time");
    add_text(&mut c, Tag(0x0010, 0x0032), VR::TM, "Patient's Birth Time");
    add_text(&mut c, Tag(0x0008, 0x002A), VR::DT, "Acquisition DateTime");
    add_text(&mut c, Tag(0x0010, 0x1010), VR::AS, "Patient's Age");
    add_text(&mut c, Tag(0x0010, 0x1030), VR::DS, "Patient's Weight");
    add_text(&mut c, Tag(0x0010, 0x1020), VR::DS, "Patient's Size");
    add_text(&mut c, Tag(0x0016, 0x008E), VR::IS, "GPS Differential");
    add_text(&mut c, Tag(0x0010, 0x0040), VR::CS, "Patient's Sex");
    add_text(&mut c, Tag(0x0008, 0x0081), VR::ST, "Institution Address");
    add_text(
        &mut c,
        Tag(0x0010, 0x21B0),
        VR::LT,
        "Additional Patient History",
    );
    add_text(&mut c, Tag(0x0032, 0x1066), VR::UT, "Reason for Visit");
    add_text(
        &mut c,
        Tag(0x3010, 0x001B),
        VR::UC,
        "Device Alternate Identifier",
    );
    add_text(&mut c, Tag(0x0018, 0x9367), VR::UC, "X-Ray Source ID");
    add_text(&mut c, Tag(0x0072, 0x0071), VR::UR, "Selector UR Value");
    add_text(&mut c, Tag(0x0008, 0x0055), VR::AE, "Station AE Title");
    add_text(&mut c, Tag(0x0008, 0x0054), VR::AE, "Retrieve AE Title");
    add_text(
        &mut c,
        Tag(0x0020, 0x0052),
        VR::UI,
        "Frame of Reference UID",
    );
    add_text(
        &mut c,
        Tag(0x0020, 0x0200),
        VR::UI,
        "Synchronization Frame of Reference UID",
    );

    // Multi-valued LO.
    assert_in_table(Tag(0x0010, 0x1000));
    let ids = vec![
        c.text("(0010,1000) Other Patient IDs [0]"),
        c.text("(0010,1000) Other Patient IDs [1]"),
    ];
    e.push(texts(Tag(0x0010, 0x1000), VR::LO, &ids));

    // SQ removed with its items.
    assert_in_table(Tag(0x0010, 0x1002));
    e.push(sq(
        Tag(0x0010, 0x1002),
        vec![item(vec![
            text(
                Tag(0x0010, 0x0020),
                VR::LO,
                &c.text("(0010,1002) Other Patient IDs Sequence > Patient ID"),
            ),
            text(
                Tag(0x0010, 0x0021),
                VR::LO,
                &c.text("(0010,1002) Other Patient IDs Sequence > Issuer of Patient ID"),
            ),
            text(Tag(0x0010, 0x0022), VR::CS, "TEXT"),
        ])],
    ));

    // OB and OW.
    assert_in_table(Tag(0x0016, 0x002B));
    e.push(binary(
        Tag(0x0016, 0x002B),
        VR::OB,
        c.bytes("(0016,002B) Maker Note (OB)"),
    ));
    assert_in_table(Tag(0x6000, 0x3000));
    e.push(binary(
        Tag(0x6000, 0x3000),
        VR::OW,
        c.bytes("(6000,3000) Overlay Data (OW)"),
    ));

    // UN: attributes of the table whose VR was lost.
    let un = |c: &mut Canaries, tag: Tag, name: &str, uid: bool| {
        assert_in_table(tag);
        let place = format!("{} as UN", tag_name(tag, name));
        let mut bytes = if uid {
            c.uid(&place).into_bytes()
        } else {
            c.pn(&place).into_bytes()
        };
        if bytes.len() % 2 == 1 {
            bytes.push(if uid { 0 } else { b' ' });
        }
        binary(tag, VR::UN, bytes)
    };
    let un_elements = [
        un(
            &mut c,
            Tag(0x0008, 0x1050),
            "Performing Physician's Name",
            false,
        ),
        un(
            &mut c,
            Tag(0x0008, 0x1060),
            "Name of Physician(s) Reading Study",
            false,
        ),
        un(&mut c, Tag(0x0008, 0x0014), "Instance Creator UID", true),
    ];
    e.extend(un_elements);
    // ... and Patient ID as UN inside a kept sequence (the pseudonym action
    // cannot handle UN).
    let in_item = un(
        &mut c,
        Tag(0x0010, 0x0020),
        "Referenced Image Sequence > Patient ID",
        false,
    );
    e.push(sq(
        Tag(0x0008, 0x1140),
        vec![item(vec![
            text(Tag(0x0008, 0x1150), VR::UI, CT_IMAGE_STORAGE),
            text(
                Tag(0x0008, 0x1155),
                VR::UI,
                &c.uid("(0008,1140) Referenced Image Sequence > Referenced SOP Instance UID"),
            ),
            in_item,
        ])],
    ));

    let output = assert_clean(&c, file(e, EXPLICIT_VR_LE));
    // What is replaced rather than removed is still there, with new values.
    for tag in [
        Tag(0x0008, 0x0018),
        Tag(0x0020, 0x000D),
        Tag(0x0020, 0x000E),
        Tag(0x0020, 0x0052),
    ] {
        let uid = value_of(&output, tag).unwrap_or_default();
        assert!(
            !uid.is_empty() && !uid.starts_with("1.2.999."),
            "{tag}: {uid:?}"
        );
    }
    assert!(value_of(&output, Tag(0x0010, 0x0010)).is_some_and(|v| !v.is_empty()));
}

// ---------------------------------------------------------------------------
// 2. Sequences nested four and more levels deep, kept and recursed

/// An item holding canaries in PN, LO, UI and DA, and the next level of
/// `chain` inside it.
fn nested_item(c: &mut Canaries, path: &str, chain: &[(Tag, &str)]) -> InMemDicomObject {
    let mut e = vec![
        text(Tag(0x0008, 0x1150), VR::UI, CT_IMAGE_STORAGE),
        text(
            Tag(0x0008, 0x1155),
            VR::UI,
            &c.uid(&format!("{path} > Referenced SOP Instance UID")),
        ),
        text(
            Tag(0x0008, 0x0090),
            VR::PN,
            &c.pn(&format!("{path} > Referring Physician's Name")),
        ),
        text(
            Tag(0x0010, 0x0010),
            VR::PN,
            &c.pn(&format!("{path} > Patient's Name")),
        ),
        text(
            Tag(0x0008, 0x0080),
            VR::LO,
            &c.text(&format!("{path} > Institution Name")),
        ),
        text(
            Tag(0x0010, 0x1000),
            VR::LO,
            &c.text(&format!("{path} > Other Patient IDs")),
        ),
        text(
            Tag(0x0008, 0x0020),
            VR::DA,
            &c.date(&format!("{path} > Study Date")),
        ),
        text(
            Tag(0x0010, 0x0030),
            VR::DA,
            &c.date(&format!("{path} > Patient's Birth Date")),
        ),
    ];
    if let Some(((tag, name), rest)) = chain.split_first() {
        let inner = format!("{path} > {}[0]", tag_name(*tag, name));
        e.push(sq(*tag, vec![nested_item(c, &inner, rest)]));
    }
    item(e)
}

/// Builds `chain` at the top level, checks it, and follows it in the output.
fn check_chain(test: u32, chain: &[(Tag, &str)]) {
    let mut c = Canaries::new(test);
    let mut e = image(&mut c);
    let (tag, name) = chain[0];
    let top = format!("{}[0]", tag_name(tag, name));
    e.push(sq(tag, vec![nested_item(&mut c, &top, &chain[1..])]));
    let output = assert_clean(&c, file(e, EXPLICIT_VR_LE));

    // The sequences were kept and walked, not dropped.
    let mut level: &InMemDicomObject = &output;
    for (tag, _) in chain {
        level = first_item(level, *tag);
        let uid = value_of(level, Tag(0x0008, 0x1155)).unwrap_or_default();
        assert!(
            !uid.is_empty() && !uid.starts_with("1.2.999."),
            "{tag}: Referenced SOP Instance UID {uid:?}"
        );
    }
}

#[test]
fn nested_reference_sequences_are_cleaned_at_every_level() {
    check_chain(
        2,
        &[
            (Tag(0x0008, 0x1140), "Referenced Image Sequence"),
            (Tag(0x0008, 0x2112), "Source Image Sequence"),
            (Tag(0x0008, 0x1140), "Referenced Image Sequence"),
            (Tag(0x0008, 0x2112), "Source Image Sequence"),
            (Tag(0x0008, 0x1140), "Referenced Image Sequence"),
        ],
    );
}

#[test]
fn nested_functional_group_sequences_are_cleaned_at_every_level() {
    for (tag, _) in [
        (Tag(0x5200, 0x9229), "Shared Functional Groups Sequence"),
        (Tag(0x0008, 0x9124), "Derivation Image Sequence"),
        (Tag(0x0040, 0xA170), "Purpose of Reference Code Sequence"),
    ] {
        assert_outside_table(tag);
    }
    check_chain(
        3,
        &[
            (Tag(0x5200, 0x9229), "Shared Functional Groups Sequence"),
            (Tag(0x0008, 0x9124), "Derivation Image Sequence"),
            (Tag(0x0008, 0x2112), "Source Image Sequence"),
            (Tag(0x0040, 0xA170), "Purpose of Reference Code Sequence"),
            (Tag(0x5200, 0x9230), "Per-Frame Functional Groups Sequence"),
        ],
    );
}

#[test]
fn nested_procedure_step_sequences_are_cleaned_at_every_level() {
    check_chain(
        4,
        &[
            (
                Tag(0x0008, 0x1111),
                "Referenced Performed Procedure Step Sequence",
            ),
            (Tag(0x0008, 0x1115), "Referenced Series Sequence"),
            (Tag(0x0008, 0x114A), "Referenced Instance Sequence"),
            (Tag(0x0008, 0x1140), "Referenced Image Sequence"),
        ],
    );
}

// ---------------------------------------------------------------------------
// 3. Private attributes

#[test]
fn private_attributes_are_removed() {
    let mut c = Canaries::new(5);
    let mut e = image(&mut c);
    // A block with a plain creator: LO, UN, OB and a sequence.
    e.push(text(Tag(0x0009, 0x0010), VR::LO, "ACME CORP"));
    e.push(text(
        Tag(0x0009, 0x1001),
        VR::LO,
        &c.text("(0009,1001) private LO"),
    ));
    e.push(binary(
        Tag(0x0009, 0x1003),
        VR::UN,
        c.bytes("(0009,1003) private UN"),
    ));
    e.push(binary(
        Tag(0x0009, 0x1004),
        VR::OB,
        c.bytes("(0009,1004) private OB"),
    ));
    e.push(sq(
        Tag(0x0009, 0x1002),
        vec![item(vec![
            text(
                Tag(0x0010, 0x0010),
                VR::PN,
                &c.pn("(0009,1002) private SQ > Patient's Name"),
            ),
            text(
                Tag(0x0008, 0x1030),
                VR::LO,
                &c.text("(0009,1002) private SQ > Study Description"),
            ),
            text(Tag(0x0009, 0x0010), VR::LO, "ACME CORP"),
            text(
                Tag(0x0009, 0x1001),
                VR::LO,
                &c.text("(0009,1002) private SQ > (0009,1001) private LO"),
            ),
        ])],
    ));
    // A block whose creator is itself identifying.
    e.push(text(
        Tag(0x0009, 0x0011),
        VR::LO,
        &format!("ST {} HOSPITAL", c.text("(0009,0011) private creator")),
    ));
    e.push(text(
        Tag(0x0009, 0x1101),
        VR::LO,
        &c.text("(0009,1101) private LO of that creator"),
    ));
    // A creator reserving a block that holds nothing.
    e.push(text(
        Tag(0x0009, 0x0012),
        VR::LO,
        &c.text("(0009,0012) unused private creator"),
    ));
    // A creator of a block of the safe private table (kept only with the
    // Retain Safe Private option).
    e.push(text(Tag(0x0019, 0x0010), VR::LO, "SIEMENS MR HEADER"));
    e.push(text(
        Tag(0x0019, 0x100C),
        VR::LO,
        &c.text("(0019,100C) private attribute of a known creator"),
    ));
    // Private attributes without a creator, and in the reserved range.
    e.push(text(
        Tag(0x0011, 0x1001),
        VR::LO,
        &c.text("(0011,1001) private LO without creator"),
    ));
    e.push(text(
        Tag(0x0011, 0x0005),
        VR::LO,
        &c.text("(0011,0005) private LO in the reserved range"),
    ));
    e.push(text(
        Tag(0xFFF1, 0x1001),
        VR::LO,
        &c.text("(FFF1,1001) private LO in the last odd group"),
    ));
    // Private attributes inside a public sequence that is kept.
    e.push(sq(
        Tag(0x0008, 0x1140),
        vec![item(vec![
            text(Tag(0x0008, 0x1150), VR::UI, CT_IMAGE_STORAGE),
            text(
                Tag(0x0008, 0x1155),
                VR::UI,
                &c.uid("(0008,1140) > Referenced SOP Instance UID"),
            ),
            text(Tag(0x0029, 0x0010), VR::LO, "SIEMENS CSA HEADER"),
            binary(
                Tag(0x0029, 0x1010),
                VR::OB,
                c.bytes("(0008,1140) > (0029,1010) private OB"),
            ),
            text(
                Tag(0x0029, 0x0011),
                VR::LO,
                &c.text("(0008,1140) > (0029,0011) private creator"),
            ),
            text(
                Tag(0x0029, 0x1110),
                VR::LT,
                &c.text("(0008,1140) > (0029,1110) private LT"),
            ),
            text(
                Tag(0x0029, 0x1201),
                VR::LO,
                &c.text("(0008,1140) > (0029,1201) private LO without creator"),
            ),
            sq(
                Tag(0x0029, 0x1020),
                vec![item(vec![text(
                    Tag(0x0010, 0x0020),
                    VR::LO,
                    &c.text("(0008,1140) > (0029,1020) private SQ > Patient ID"),
                )])],
            ),
        ])],
    ));

    let output = assert_clean(&c, file(e, EXPLICIT_VR_LE));
    let odd = |object: &InMemDicomObject| {
        object
            .iter()
            .map(|e| e.tag())
            .filter(|t| t.group() % 2 == 1)
            .collect::<Vec<_>>()
    };
    assert_eq!(odd(&output), Vec::<Tag>::new());
    assert_eq!(
        odd(first_item(&output, Tag(0x0008, 0x1140))),
        Vec::<Tag>::new()
    );
}

// ---------------------------------------------------------------------------
// 4. Public attributes missing from the data dictionary

#[test]
fn unknown_public_attributes_are_removed() {
    let mut c = Canaries::new(6);
    let mut e = image(&mut c);
    let unknown = [
        (Tag(0x0008, 0x0002), VR::LO),
        (Tag(0x0010, 0x9999), VR::PN),
        (Tag(0x0018, 0x0001), VR::UT),
        (Tag(0x0020, 0x0001), VR::UN),
        (Tag(0x0028, 0x9999), VR::OB),
        (Tag(0x4444, 0x1234), VR::SH),
        (Tag(0x7778, 0x0010), VR::UN),
    ];
    for (tag, vr) in unknown {
        assert!(
            StandardDataDictionary.by_tag(tag).is_none(),
            "{tag} is in the dictionary"
        );
        let place = format!("{} unknown public {vr}", tag_name(tag, ""));
        e.push(match vr {
            VR::PN => text(tag, vr, &c.pn(&place)),
            VR::UN | VR::OB => binary(tag, vr, c.bytes(&place)),
            _ => text(tag, vr, &c.text(&place)),
        });
    }
    // An unknown sequence, and unknown attributes in a kept sequence's item.
    let unknown_sq = Tag(0x0020, 0x0003);
    assert!(StandardDataDictionary.by_tag(unknown_sq).is_none());
    e.push(sq(
        unknown_sq,
        vec![item(vec![text(
            Tag(0x0008, 0x0100),
            VR::SH,
            &c.text("(0020,0003) unknown SQ > Code Value"),
        )])],
    ));
    e.push(sq(
        Tag(0x0008, 0x1140),
        vec![item(vec![
            text(Tag(0x0008, 0x1150), VR::UI, CT_IMAGE_STORAGE),
            text(
                Tag(0x0008, 0x1155),
                VR::UI,
                &c.uid("(0008,1140) > Referenced SOP Instance UID"),
            ),
            text(
                Tag(0x0008, 0x0002),
                VR::LO,
                &c.text("(0008,1140) > (0008,0002) unknown public LO"),
            ),
        ])],
    ));
    let output = assert_clean(&c, file(e, EXPLICIT_VR_LE));
    for (tag, _) in unknown {
        assert!(output.get(tag).is_none(), "{tag} kept");
    }
}

// ---------------------------------------------------------------------------
// 5. File meta information

#[test]
fn file_meta_is_rebuilt() {
    let mut c = Canaries::new(7);
    let e = image(&mut c);
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(EXPLICIT_VR_LE)
        .source_application_entity_title(c.text("(0002,0016) Source AE Title"))
        .sending_application_entity_title(c.text("(0002,0017) Sending AE Title"))
        .receiving_application_entity_title(c.text("(0002,0018) Receiving AE Title"))
        .implementation_class_uid(c.uid("(0002,0012) Implementation Class UID"))
        .implementation_version_name(c.text("(0002,0013) Implementation Version Name"))
        .private_information_creator_uid(c.uid("(0002,0100) Private Information Creator UID"))
        .private_information(c.bytes("(0002,0102) Private Information"));
    let input = file_with_meta(e, meta);
    assert!(
        input
            .meta()
            .media_storage_sop_instance_uid()
            .starts_with("1.2.999.")
    );
    let output = assert_clean(&c, input);
    let meta = output.meta();
    assert_eq!(
        meta.media_storage_sop_instance_uid()
            .trim_end_matches(['\0', ' ']),
        value_of(&output, Tag(0x0008, 0x0018)).unwrap()
    );
    assert!(meta.source_application_entity_title().is_none());
    assert!(meta.sending_application_entity_title().is_none());
    assert!(meta.receiving_application_entity_title().is_none());
    assert!(meta.private_information_creator_uid().is_none());
}

#[test]
fn media_storage_sop_instance_uid_is_replaced_without_a_sop_instance_uid() {
    let mut c = Canaries::new(8);
    let mut e = image(&mut c);
    e.retain(|e| e.tag() != Tag(0x0008, 0x0018));
    c.forget("(0008,0018)");
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(EXPLICIT_VR_LE)
        .media_storage_sop_instance_uid(c.uid("(0002,0003) Media Storage SOP Instance UID alone"));
    // Without a SOP Instance UID the object is not plausible as a bare data
    // set, but with its file meta it parses.
    assert_clean(&c, file_with_meta(e, meta));
}

#[test]
fn file_meta_attributes_misplaced_in_the_data_set_are_removed() {
    let mut c = Canaries::new(9);
    let mut e = image(&mut c);
    // Some writers put group 0002 attributes in the data set itself.
    e.push(text(
        Tag(0x0002, 0x0016),
        VR::AE,
        &c.text("(0002,0016) Source AE Title in the data set"),
    ));
    e.push(text(
        Tag(0x0002, 0x0026),
        VR::UR,
        &format!(
            "dicom://{}.example.org:104",
            c.text("(0002,0026) Source Presentation Address in the data set")
        ),
    ));
    let input = file(e, EXPLICIT_VR_LE);
    c.assert_all_in(&to_bytes(&input));
    let (output, _) = deidentify(input);
    let bytes = to_bytes(&output);
    let leaks = c.found_in(&bytes);
    assert!(leaks.is_empty(), "canaries survived:\n{}", leaks.join("\n"));
    reparse_marked(&bytes);
}

// ---------------------------------------------------------------------------
// 6. Overlays, curves, icons, documents, signatures, earlier originals

#[test]
fn overlay_with_its_data_is_removed_whole() {
    let mut c = Canaries::new(10);
    let mut e = image(&mut c);
    e.extend([
        us(Tag(0x6000, 0x0010), 2),
        us(Tag(0x6000, 0x0011), 2),
        text(Tag(0x6000, 0x0040), VR::CS, "G"),
        DataElement::new(
            Tag(0x6000, 0x0050),
            VR::SS,
            PrimitiveValue::I16(vec![1, 1].into()),
        ),
        us(Tag(0x6000, 0x0100), 1),
        us(Tag(0x6000, 0x0102), 0),
        text(
            Tag(0x6000, 0x0022),
            VR::LO,
            &c.text("(6000,0022) Overlay Description"),
        ),
        text(
            Tag(0x6000, 0x1500),
            VR::LO,
            &c.text("(6000,1500) Overlay Label"),
        ),
        text(
            Tag(0x6000, 0x4000),
            VR::LT,
            &c.text("(6000,4000) Overlay Comments"),
        ),
        binary(
            Tag(0x6000, 0x3000),
            VR::OW,
            c.bytes("(6000,3000) Overlay Data"),
        ),
    ]);
    let output = assert_clean(&c, file(e, EXPLICIT_VR_LE));
    assert!(output.iter().all(|e| e.tag().group() != 0x6000));
}

#[test]
fn overlay_without_overlay_data_loses_its_text() {
    // Overlays embedded in the pixel data's unused bits (retired, still
    // written by old modalities) have no Overlay Data element.
    let mut c = Canaries::new(11);
    let mut e = image(&mut c);
    e.extend([
        us(Tag(0x6002, 0x0010), 2),
        us(Tag(0x6002, 0x0011), 2),
        text(Tag(0x6002, 0x0040), VR::CS, "G"),
        us(Tag(0x6002, 0x0100), 16),
        us(Tag(0x6002, 0x0102), 15),
        text(
            Tag(0x6002, 0x0022),
            VR::LO,
            &c.text("(6002,0022) Overlay Description, no overlay data"),
        ),
        text(
            Tag(0x6002, 0x1500),
            VR::LO,
            &c.text("(6002,1500) Overlay Label, no overlay data"),
        ),
        text(
            Tag(0x6002, 0x4000),
            VR::LT,
            &c.text("(6002,4000) Overlay Comments, no overlay data"),
        ),
    ]);
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn curves_are_removed() {
    let mut c = Canaries::new(12);
    let mut e = image(&mut c);
    e.extend([
        us(Tag(0x5000, 0x0005), 1),
        us(Tag(0x5000, 0x0010), 2),
        text(Tag(0x5000, 0x0020), VR::CS, "TAC"),
        text(
            Tag(0x5000, 0x0022),
            VR::LO,
            &c.text("(5000,0022) Curve Description"),
        ),
        text(
            Tag(0x5000, 0x2500),
            VR::LO,
            &c.text("(5000,2500) Curve Label"),
        ),
        binary(
            Tag(0x5000, 0x3000),
            VR::OB,
            c.bytes("(5000,3000) Curve Data"),
        ),
        text(
            Tag(0x5002, 0x2500),
            VR::LO,
            &c.text("(5002,2500) Curve Label of a second curve"),
        ),
    ]);
    let output = assert_clean(&c, file(e, EXPLICIT_VR_LE));
    assert!(output.iter().all(|e| e.tag().group() & 0xFF00 != 0x5000));
}

#[test]
fn icon_image_sequence_is_removed() {
    let mut c = Canaries::new(13);
    let mut e = image(&mut c);
    e.push(sq(
        Tag(0x0088, 0x0200),
        vec![item(vec![
            us(Tag(0x0028, 0x0002), 1),
            text(Tag(0x0028, 0x0004), VR::CS, "MONOCHROME2"),
            us(Tag(0x0028, 0x0010), 2),
            us(Tag(0x0028, 0x0011), 6),
            us(Tag(0x0028, 0x0100), 8),
            us(Tag(0x0028, 0x0101), 8),
            us(Tag(0x0028, 0x0102), 7),
            us(Tag(0x0028, 0x0103), 0),
            text(
                Tag(0x0010, 0x0010),
                VR::PN,
                &c.pn("(0088,0200) Icon Image Sequence > Patient's Name"),
            ),
            text(
                Tag(0x0008, 0x0080),
                VR::LO,
                &c.text("(0088,0200) Icon Image Sequence > Institution Name"),
            ),
            text(
                Tag(0x0020, 0x4000),
                VR::LT,
                &c.text("(0088,0200) Icon Image Sequence > Image Comments"),
            ),
            binary(
                Tag(0x7FE0, 0x0010),
                VR::OB,
                c.bytes("(0088,0200) Icon Image Sequence > Pixel Data"),
            ),
        ])],
    ));
    let output = assert_clean(&c, file(e, EXPLICIT_VR_LE));
    assert!(output.get(Tag(0x0088, 0x0200)).is_none());
}

#[test]
fn encapsulated_document_is_replaced() {
    let mut c = Canaries::new(14);
    let mut e = image(&mut c);
    assert_in_table(Tag(0x0042, 0x0011));
    let mut pdf = b"%PDF-1.4\n(Report for DOE ".to_vec();
    pdf.extend(c.bytes("(0042,0011) Encapsulated Document"));
    pdf.extend(b" born ");
    pdf.extend(
        c.date("(0042,0011) Encapsulated Document, a date")
            .into_bytes(),
    );
    pdf.extend(b")\n%%EOF\n");
    if pdf.len() % 2 == 1 {
        pdf.push(b'\n');
    }
    e.extend([
        binary(Tag(0x0042, 0x0011), VR::OB, pdf),
        text(Tag(0x0042, 0x0012), VR::LO, "application/pdf"),
    ]);
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn digital_signatures_are_removed() {
    let mut c = Canaries::new(15);
    let mut e = image(&mut c);
    e.push(sq(
        Tag(0xFFFA, 0xFFFA),
        vec![item(vec![
            us(Tag(0x0400, 0x0005), 1),
            text(
                Tag(0x0400, 0x0100),
                VR::UI,
                &c.uid("(FFFA,FFFA) > Digital Signature UID"),
            ),
            text(
                Tag(0x0400, 0x0105),
                VR::DT,
                &c.datetime("(FFFA,FFFA) > Digital Signature DateTime"),
            ),
            text(Tag(0x0400, 0x0110), VR::CS, "X509_1993_SIG"),
            binary(
                Tag(0x0400, 0x0115),
                VR::OB,
                c.bytes("(FFFA,FFFA) > Certificate of Signer"),
            ),
            binary(
                Tag(0x0400, 0x0120),
                VR::OB,
                c.bytes("(FFFA,FFFA) > Signature"),
            ),
        ])],
    ));
    e.push(sq(
        Tag(0x4FFE, 0x0001),
        vec![item(vec![text(Tag(0x0400, 0x0015), VR::CS, "SHA256")])],
    ));
    e.push(binary(
        Tag(0xFFFC, 0xFFFC),
        VR::OB,
        c.bytes("(FFFC,FFFC) Data Set Trailing Padding"),
    ));
    let output = assert_clean(&c, file(e, EXPLICIT_VR_LE));
    assert!(output.get(Tag(0xFFFA, 0xFFFA)).is_none());
}

#[test]
fn original_and_encrypted_attributes_from_elsewhere_are_removed() {
    let mut c = Canaries::new(16);
    let mut e = image(&mut c);
    e.push(sq(
        Tag(0x0400, 0x0561),
        vec![item(vec![
            text(
                Tag(0x0400, 0x0562),
                VR::DT,
                &c.datetime("(0400,0561) > Attribute Modification DateTime"),
            ),
            text(
                Tag(0x0400, 0x0563),
                VR::LO,
                &c.text("(0400,0561) > Modifying System"),
            ),
            text(
                Tag(0x0400, 0x0564),
                VR::LO,
                &c.text("(0400,0561) > Source of Previous Values"),
            ),
            text(Tag(0x0400, 0x0565), VR::CS, "COERCE"),
            sq(
                Tag(0x0400, 0x0550),
                vec![item(vec![
                    text(
                        Tag(0x0010, 0x0010),
                        VR::PN,
                        &c.pn("(0400,0561) > (0400,0550) > Patient's Name"),
                    ),
                    text(
                        Tag(0x0010, 0x0020),
                        VR::LO,
                        &c.text("(0400,0561) > (0400,0550) > Patient ID"),
                    ),
                    text(
                        Tag(0x0010, 0x0030),
                        VR::DA,
                        &c.date("(0400,0561) > (0400,0550) > Patient's Birth Date"),
                    ),
                ])],
            ),
        ])],
    ));
    e.push(sq(
        Tag(0x0400, 0x0500),
        vec![item(vec![
            text(Tag(0x0400, 0x0510), VR::UI, EXPLICIT_VR_LE),
            binary(
                Tag(0x0400, 0x0520),
                VR::OB,
                c.bytes("(0400,0500) > Encrypted Content"),
            ),
        ])],
    ));
    let output = assert_clean(&c, file(e, EXPLICIT_VR_LE));
    assert!(output.get(Tag(0x0400, 0x0561)).is_none());
    assert!(output.get(Tag(0x0400, 0x0500)).is_none());
}

// ---------------------------------------------------------------------------
// 7. Character sets

/// The encoded form of `text` in `charset` (escape sequences excluded).
fn encoded(charset: &str, text: &str) -> Vec<u8> {
    let codec = SpecificCharacterSet::from_code(charset)
        .unwrap_or_else(|| panic!("dicom-rs has no codec for {charset}"));
    let mut bytes = codec.encode(text).expect("encodable");
    // ISO 2022 JP output: ESC $ B ... ESC ( B.
    if bytes.starts_with(b"\x1b$B") {
        bytes.drain(..3);
    }
    if bytes.ends_with(b"\x1b(B") {
        bytes.truncate(bytes.len() - 3);
    }
    bytes
}

/// The value bytes of `text` in the character set `code` as a file holds
/// them, with the ISO 2022 designation a multi-valued set needs.
fn value_bytes(code: &str, text: &str) -> Vec<u8> {
    let codec = SpecificCharacterSet::from_code(code).unwrap();
    let mut bytes = match code {
        // G1 designation of KS X 1001, then the 8-bit (EUC) form.
        "ISO 2022 IR 149" => {
            let mut b = b"\x1b$)C".to_vec();
            b.extend(codec.encode(text).unwrap());
            b
        }
        _ => codec.encode(text).unwrap(),
    };
    if bytes.len() % 2 == 1 {
        bytes.push(b' ');
    }
    bytes
}

/// Plants `script` followed by an ASCII canary, checking the script part
/// in its UTF-8 and encoded forms.
fn script_canary(c: &mut Canaries, code: &str, place: &str, script: &str) -> String {
    let ascii = c.text(place);
    c.plant(
        &format!("{place}, script part"),
        vec![script.as_bytes().to_vec(), encoded(code, script)],
    );
    format!("{script}{ascii}")
}

/// Patient's Name, Institution Name and Study Description in the character
/// set `values` (as (0008,0005) holds it; the last value is the set used).
fn check_charset(test: u32, values: &[&str], scripts: [&str; 3]) {
    let code = *values.last().unwrap();
    let mut c = Canaries::new(test);
    let mut e = image(&mut c);
    e.retain(|e| e.tag() != Tag(0x0010, 0x0010));
    c.forget("(0010,0010)");
    let name = format!(
        "{}^{}",
        script_canary(&mut c, code, "(0010,0010) Patient's Name", scripts[0]),
        "X"
    );
    let institution = script_canary(&mut c, code, "(0008,0080) Institution Name", scripts[1]);
    let description = script_canary(&mut c, code, "(0008,1030) Study Description", scripts[2]);
    let charset: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
    e.push(texts(Tag(0x0008, 0x0005), VR::CS, &charset));

    // As the bytes of a file in that character set, read back by parse_dicom.
    let mut raw = e.clone();
    raw.push(binary(
        Tag(0x0010, 0x0010),
        VR::PN,
        value_bytes(code, &name),
    ));
    raw.push(binary(
        Tag(0x0008, 0x0080),
        VR::LO,
        value_bytes(code, &institution),
    ));
    raw.push(binary(
        Tag(0x0008, 0x1030),
        VR::LO,
        value_bytes(code, &description),
    ));
    let bytes = to_bytes(&file(raw, EXPLICIT_VR_LE));
    c.assert_all_in(&bytes);
    assert_clean_bytes(&c, &bytes, None);

    // As text in memory, encoded by the writer (single-valued sets only:
    // dicom-rs writes with the first value of (0008,0005)).
    if values.len() == 1 {
        e.push(text(Tag(0x0010, 0x0010), VR::PN, &name));
        e.push(text(Tag(0x0008, 0x0080), VR::LO, &institution));
        e.push(text(Tag(0x0008, 0x1030), VR::LO, &description));
        assert_clean(&c, file(e, EXPLICIT_VR_LE));
    }
}

macro_rules! charset_tests {
    ($($name:ident: $test:expr, [$($value:expr),+], $scripts:expr;)+) => {
        $(
            #[test]
            fn $name() {
                check_charset($test, &[$($value),+], $scripts);
            }
        )+
    };
}

charset_tests! {
    charset_default: 20, ["ISO_IR 6"], ["Smithson", "Hospitalia", "Headache"];
    charset_iso_ir_100: 21, ["ISO_IR 100"], ["Müllerßön", "Hôpitalé", "Kopfschmerzä"];
    charset_iso_ir_101: 22, ["ISO_IR 101"], ["Dvořákčeň", "Nemocniceř", "Bolestčů"];
    charset_iso_ir_109: 23, ["ISO_IR 109"], ["Ħaġarġuż", "Sptarħġ", "Uġigħħ"];
    charset_iso_ir_110: 24, ["ISO_IR 110"], ["Ķēniņšū", "Slimnīcaķ", "Galvassāpesņ"];
    charset_iso_ir_126: 25, ["ISO_IR 126"], ["Παπαδόπουλος", "Νοσοκομείο", "Πονοκέφαλος"];
    charset_iso_ir_127: 26, ["ISO_IR 127"], ["قاسمعلي", "مستشفى", "صداعشديد"];
    charset_iso_ir_138: 27, ["ISO_IR 138"], ["כהןשרה", "ביתחולים", "כאבראש"];
    charset_iso_ir_144: 28, ["ISO_IR 144"], ["Иванов", "Больница", "Головная"];
    charset_iso_ir_166: 29, ["ISO_IR 166"], ["สมชาย", "โรงพยาบาล", "ปวดหัว"];
    charset_iso_ir_192: 30, ["ISO_IR 192"], ["山田Ωμέγα", "病院Больница", "頭痛כאב"];
    charset_gb18030: 31, ["GB18030"], ["王小明", "人民医院", "头痛发热"];
    charset_gbk: 32, ["GBK"], ["李华强", "协和医院", "咳嗽发烧"];
    charset_iso_ir_13: 33, ["ISO_IR 13"], ["ﾔﾏﾀﾞﾀﾛｳ", "ﾋﾞｮｳｲﾝ", "ｽﾞﾂｳ"];
    charset_iso_2022_ir_87: 34, ["", "ISO 2022 IR 87"], ["山田太郎", "東京病院", "頭痛発熱"];
    charset_iso_2022_ir_149: 35, ["", "ISO 2022 IR 149"], ["김민수", "서울병원", "두통발열"];
}

// ---------------------------------------------------------------------------
// 8. Descriptions and comments, which hide dates and IDs in free text

#[test]
fn descriptions_and_comments_are_removed() {
    let mut c = Canaries::new(40);
    let mut e = image(&mut c);
    let free_text = [
        (Tag(0x0008, 0x1030), VR::LO, "Study Description"),
        (Tag(0x0008, 0x103E), VR::LO, "Series Description"),
        (Tag(0x0018, 0x1030), VR::LO, "Protocol Name"),
        (Tag(0x0020, 0x4000), VR::LT, "Image Comments"),
        (
            Tag(0x0032, 0x1060),
            VR::LO,
            "Requested Procedure Description",
        ),
        (
            Tag(0x0040, 0x0254),
            VR::LO,
            "Performed Procedure Step Description",
        ),
        (
            Tag(0x0008, 0x1080),
            VR::LO,
            "Admitting Diagnoses Description",
        ),
        (Tag(0x0008, 0x2111), VR::ST, "Derivation Description"),
        (Tag(0x0010, 0x4000), VR::LT, "Patient Comments"),
        (Tag(0x0032, 0x4000), VR::LT, "Study Comments"),
        (Tag(0x0018, 0x4000), VR::LT, "Acquisition Comments"),
        (
            Tag(0x0040, 0x1002),
            VR::LO,
            "Reason for the Requested Procedure",
        ),
        (Tag(0x0040, 0x1400), VR::LT, "Requested Procedure Comments"),
        (
            Tag(0x0040, 0x2400),
            VR::LT,
            "Imaging Service Request Comments",
        ),
        (
            Tag(0x0040, 0x0280),
            VR::ST,
            "Comments on the Performed Procedure Step",
        ),
        (Tag(0x0010, 0x2180), VR::SH, "Occupation"),
    ];
    for (tag, vr, name) in free_text {
        assert_in_table(tag);
        let place = tag_name(tag, name);
        let value = if matches!(vr, VR::SH) {
            c.text(&place)
        } else {
            let date = c.date(&format!("{place}, a date"));
            let id = c.text(&format!("{place}, an ID"));
            format!("{id} {date}")
        };
        e.push(text(tag, vr, &value));
    }
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

// ---------------------------------------------------------------------------
// 9. Person names wherever they are

#[test]
fn person_names_of_the_table_are_removed_or_replaced() {
    let mut c = Canaries::new(41);
    let mut e = image(&mut c);
    let names = [
        (Tag(0x0008, 0x0090), "Referring Physician's Name"),
        (Tag(0x0008, 0x009C), "Consulting Physician's Name"),
        (Tag(0x0008, 0x1048), "Physician(s) of Record"),
        (Tag(0x0008, 0x1060), "Name of Physician(s) Reading Study"),
        (Tag(0x0008, 0x1070), "Operators' Name"),
        (Tag(0x0010, 0x1001), "Other Patient Names"),
        (Tag(0x0010, 0x1005), "Patient's Birth Name"),
        (Tag(0x0010, 0x1060), "Patient's Mother's Birth Name"),
        (Tag(0x0010, 0x2297), "Responsible Person"),
        (Tag(0x0032, 0x1032), "Requesting Physician"),
        (
            Tag(0x0040, 0x1010),
            "Names of Intended Recipients of Results",
        ),
        (Tag(0x0040, 0x0006), "Scheduled Performing Physician's Name"),
        (Tag(0x0070, 0x0084), "Content Creator's Name"),
    ];
    for (tag, name) in names {
        assert_in_table(tag);
        e.push(text(tag, VR::PN, &c.pn(&tag_name(tag, name))));
    }
    // Multi-valued, with ideographic and phonetic groups.
    let performing = vec![
        format!(
            "{}=YAMADA^TARO",
            c.pn("(0008,1050) Performing Physician's Name [0]")
        ),
        c.pn("(0008,1050) Performing Physician's Name [1]"),
    ];
    e.push(texts(Tag(0x0008, 0x1050), VR::PN, &performing));
    // Verifying observers of a structured report.
    e.push(sq(
        Tag(0x0040, 0xA073),
        vec![item(vec![
            text(
                Tag(0x0040, 0xA075),
                VR::PN,
                &c.pn("(0040,A073) > Verifying Observer Name"),
            ),
            text(
                Tag(0x0040, 0xA027),
                VR::LO,
                &c.text("(0040,A073) > Verifying Organization"),
            ),
            text(
                Tag(0x0040, 0xA030),
                VR::DT,
                &c.datetime("(0040,A073) > Verification DateTime"),
            ),
            sq(
                Tag(0x0040, 0xA088),
                vec![item(vec![
                    text(
                        Tag(0x0008, 0x0100),
                        VR::SH,
                        &c.text("(0040,A073) > (0040,A088) > Code Value"),
                    ),
                    text(Tag(0x0008, 0x0102), VR::SH, "99HOSP"),
                    text(
                        Tag(0x0008, 0x0104),
                        VR::LO,
                        &c.text("(0040,A073) > (0040,A088) > Code Meaning"),
                    ),
                ])],
            ),
        ])],
    ));
    // PNAME, DATE, DATETIME and UIDREF content items, two levels down.
    let concept = |meaning: &str| {
        sq(
            Tag(0x0040, 0xA043),
            vec![item(vec![
                text(Tag(0x0008, 0x0100), VR::SH, "121008"),
                text(Tag(0x0008, 0x0102), VR::SH, "DCM"),
                text(Tag(0x0008, 0x0104), VR::LO, meaning),
            ])],
        )
    };
    let content_item = |value_type: &str, value: InMemElement, meaning: &str| {
        item(vec![
            text(Tag(0x0040, 0xA010), VR::CS, "CONTAINS"),
            text(Tag(0x0040, 0xA040), VR::CS, value_type),
            concept(meaning),
            value,
        ])
    };
    let inner = vec![
        content_item(
            "PNAME",
            text(
                Tag(0x0040, 0xA123),
                VR::PN,
                &c.pn("(0040,A730) > (0040,A730) > Person Name"),
            ),
            "Person Observer Name",
        ),
        content_item(
            "DATE",
            text(
                Tag(0x0040, 0xA121),
                VR::DA,
                &c.date("(0040,A730) > (0040,A730) > Date"),
            ),
            "Date",
        ),
        content_item(
            "DATETIME",
            text(
                Tag(0x0040, 0xA120),
                VR::DT,
                &c.datetime("(0040,A730) > (0040,A730) > DateTime"),
            ),
            "DateTime",
        ),
        content_item(
            "UIDREF",
            text(
                Tag(0x0040, 0xA124),
                VR::UI,
                &c.uid("(0040,A730) > (0040,A730) > UID"),
            ),
            "Study Instance UID",
        ),
    ];
    let mut container = content_item(
        "PNAME",
        text(
            Tag(0x0040, 0xA123),
            VR::PN,
            &c.pn("(0040,A730) > Person Name"),
        ),
        "Person Observer Name",
    );
    container.put(sq(Tag(0x0040, 0xA730), inner));
    e.push(sq(Tag(0x0040, 0xA730), vec![container]));
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn person_names_outside_the_table_are_removed_or_replaced() {
    let mut c = Canaries::new(42);
    let mut e = image(&mut c);
    for (tag, name) in [
        (Tag(0x0014, 0x0104), "Secondary Reviewer Name"),
        (Tag(0x0014, 0x2006), "Evaluator Name"),
        (Tag(0x0040, 0xA067), "Document Author (Trial)"),
    ] {
        assert_outside_table(tag);
        e.push(text(tag, VR::PN, &c.pn(&tag_name(tag, name))));
    }
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn patient_name_to_use_is_removed() {
    let mut c = Canaries::new(43);
    let mut e = image(&mut c);
    for (tag, vr, name) in [
        (Tag(0x0010, 0x0012), VR::LT, "Name to Use"),
        (Tag(0x0010, 0x0013), VR::UT, "Name to Use Comment"),
    ] {
        assert_outside_table(tag);
        e.push(text(tag, vr, &c.text(&tag_name(tag, name))));
    }
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn birth_date_in_alternative_calendar_is_removed() {
    let mut c = Canaries::new(44);
    let mut e = image(&mut c);
    for (tag, name) in [
        (
            Tag(0x0010, 0x0033),
            "Patient's Birth Date in Alternative Calendar",
        ),
        (
            Tag(0x0010, 0x0034),
            "Patient's Death Date in Alternative Calendar",
        ),
    ] {
        assert_outside_table(tag);
        e.push(text(tag, VR::LO, &c.date(&tag_name(tag, name))));
    }
    e.push(text(Tag(0x0010, 0x0035), VR::CS, "I"));
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn structured_report_text_is_removed() {
    let mut c = Canaries::new(45);
    let mut e = image(&mut c);
    assert_outside_table(Tag(0x0040, 0xA160));
    let report = format!(
        "Patient DOE^{} seen on {}",
        c.text("(0040,A730) > Text Value, a name"),
        c.date("(0040,A730) > Text Value, a date")
    );
    e.push(sq(
        Tag(0x0040, 0xA730),
        vec![item(vec![
            text(Tag(0x0040, 0xA010), VR::CS, "CONTAINS"),
            text(Tag(0x0040, 0xA040), VR::CS, "TEXT"),
            sq(
                Tag(0x0040, 0xA043),
                vec![item(vec![
                    text(Tag(0x0008, 0x0100), VR::SH, "121071"),
                    text(Tag(0x0008, 0x0102), VR::SH, "DCM"),
                    text(Tag(0x0008, 0x0104), VR::LO, "Finding"),
                ])],
            ),
            text(Tag(0x0040, 0xA160), VR::UT, &report),
        ])],
    ));
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn graphic_annotation_text_is_removed() {
    let mut c = Canaries::new(46);
    let mut e = image(&mut c);
    assert_outside_table(Tag(0x0070, 0x0006));
    e.push(sq(
        Tag(0x0070, 0x0001),
        vec![item(vec![
            text(Tag(0x0070, 0x0002), VR::CS, "LAYER1"),
            sq(
                Tag(0x0070, 0x0008),
                vec![item(vec![
                    text(Tag(0x0070, 0x0003), VR::CS, "PIXEL"),
                    text(
                        Tag(0x0070, 0x0006),
                        VR::ST,
                        &format!(
                            "DOE^{} {}",
                            c.text("(0070,0001) > (0070,0008) > Unformatted Text Value"),
                            c.date("(0070,0001) > (0070,0008) > Unformatted Text Value, a date")
                        ),
                    ),
                ])],
            ),
        ])],
    ));
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn institution_code_sequence_is_cleaned() {
    let mut c = Canaries::new(47);
    let mut e = image(&mut c);
    assert_in_table(Tag(0x0008, 0x0082));
    e.push(sq(
        Tag(0x0008, 0x0082),
        vec![item(vec![
            text(
                Tag(0x0008, 0x0100),
                VR::SH,
                &c.text("(0008,0082) > Code Value"),
            ),
            text(Tag(0x0008, 0x0102), VR::SH, "99HOSP"),
            text(
                Tag(0x0008, 0x0104),
                VR::LO,
                &format!("St {} Hospital", c.text("(0008,0082) > Code Meaning")),
            ),
        ])],
    ));
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn person_identification_codes_are_cleaned() {
    let mut c = Canaries::new(48);
    let mut e = image(&mut c);
    assert_in_table(Tag(0x0040, 0x1101));
    assert_in_table(Tag(0x0008, 0x1072));
    let person_code = |c: &mut Canaries, path: &str| {
        sq(
            Tag(0x0040, 0x1101),
            vec![item(vec![
                text(
                    Tag(0x0008, 0x0100),
                    VR::SH,
                    &c.text(&format!("{path} > (0040,1101) > Code Value")),
                ),
                text(Tag(0x0008, 0x0102), VR::SH, "99STAFF"),
                text(
                    Tag(0x0008, 0x0104),
                    VR::LO,
                    &c.pn(&format!("{path} > (0040,1101) > Code Meaning")),
                ),
            ])],
        )
    };
    let operator = person_code(&mut c, "(0008,1072) Operator Identification Sequence");
    e.push(sq(
        Tag(0x0008, 0x1072),
        vec![item(vec![
            operator,
            text(
                Tag(0x0008, 0x0080),
                VR::LO,
                &c.text("(0008,1072) > Institution Name"),
            ),
        ])],
    ));
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn retrieve_url_does_not_keep_the_original_uid() {
    let mut c = Canaries::new(49);
    let mut e = image(&mut c);
    assert_outside_table(Tag(0x0008, 0x1190));
    let study = e
        .iter()
        .find(|e| e.tag() == Tag(0x0020, 0x000D))
        .unwrap()
        .to_str()
        .unwrap()
        .into_owned();
    let host = c.text("(0008,1190) Retrieve URL, host");
    e.push(text(
        Tag(0x0008, 0x1190),
        VR::UR,
        &format!("https://{host}.example.org/dicomweb/studies/{study}"),
    ));
    assert_outside_table(Tag(0x0040, 0xE010));
    e.push(text(
        Tag(0x0040, 0xE010),
        VR::UR,
        &format!(
            "https://{}.example.org/wado?studyUID={study}",
            c.text("(0040,E010) Retrieve URI, host")
        ),
    ));
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn dates_outside_the_table_are_removed() {
    let mut c = Canaries::new(50);
    let mut e = image(&mut c);
    for (tag, vr, name) in [
        (Tag(0x0014, 0x0102), VR::DA, "Secondary Review Date"),
        (Tag(0x0014, 0x0103), VR::TM, "Secondary Review Time"),
        (Tag(0x0040, 0xA034), VR::DT, "Effective Start DateTime"),
        (Tag(0x0008, 0x041F), VR::DT, "Study Update DateTime"),
    ] {
        assert_outside_table(tag);
        let place = tag_name(tag, name);
        let value = match vr {
            VR::DA => c.date(&place),
            VR::TM => c.time(&place),
            _ => c.datetime(&place),
        };
        e.push(text(tag, vr, &value));
    }
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn dates_inside_replaced_sequences_are_removed() {
    let mut c = Canaries::new(51);
    let mut e = image(&mut c);
    assert_in_table(Tag(0x0040, 0xA730));
    assert_outside_table(Tag(0x0040, 0xA034));
    assert_outside_table(Tag(0x0014, 0x0102));
    e.push(sq(
        Tag(0x0040, 0xA730),
        vec![item(vec![
            text(Tag(0x0040, 0xA010), VR::CS, "CONTAINS"),
            text(Tag(0x0040, 0xA040), VR::CS, "CONTAINER"),
            text(
                Tag(0x0040, 0xA034),
                VR::DT,
                &c.datetime("(0040,A730) > Effective Start DateTime"),
            ),
            text(
                Tag(0x0014, 0x0102),
                VR::DA,
                &c.date("(0040,A730) > Secondary Review Date"),
            ),
        ])],
    ));
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

/// An image whose attribute `tag` is a sequence (as a hostile or broken
/// writer may declare it) with free text in its item.
fn stored_as_sequence(test: u32, tag: Tag, name: &str) -> (Canaries, DefaultDicomObject) {
    let mut c = Canaries::new(test);
    let mut e = image(&mut c);
    e.retain(|e| e.tag() != tag);
    c.forget(&tag_name(tag, ""));
    let place = tag_name(tag, &format!("{name} stored as SQ"));
    e.push(sq(
        tag,
        vec![item(vec![text(
            Tag(0x0040, 0xA160),
            VR::UT,
            &c.text(&format!("{place} > Text Value")),
        )])],
    ));
    (c, file(e, EXPLICIT_VR_LE))
}

#[test]
fn dummy_attribute_stored_as_sequence_keeps_no_text() {
    let (c, input) = stored_as_sequence(52, Tag(0x0008, 0x0080), "Institution Name");
    assert_clean(&c, input);
}

#[test]
fn patient_id_stored_as_sequence_keeps_no_text() {
    let (c, input) = stored_as_sequence(53, Tag(0x0010, 0x0020), "Patient ID");
    assert_clean(&c, input);
    let (c, input) = stored_as_sequence(54, Tag(0x0010, 0x0010), "Patient's Name");
    assert_clean(&c, input);
}

#[test]
fn media_storage_sop_class_uid_is_replaced_like_the_sop_class_uid() {
    // The data set's private SOP Class UID is replaced (a UID outside the
    // table); the file meta's copy must not keep it.
    let mut c = Canaries::new(55);
    let mut e = image(&mut c);
    e.retain(|e| e.tag() != Tag(0x0008, 0x0016));
    let class = c.uid("(0002,0002) Media Storage SOP Class UID (private class)");
    let meta = FileMetaTableBuilder::new()
        .transfer_syntax(EXPLICIT_VR_LE)
        .media_storage_sop_class_uid(class);
    assert_clean(&c, file_with_meta(e, meta));
}

#[test]
fn private_sop_class_uid_is_replaced_in_data_set_and_meta() {
    let mut c = Canaries::new(56);
    let mut e = image(&mut c);
    e.retain(|e| e.tag() != Tag(0x0008, 0x0016));
    e.push(text(
        Tag(0x0008, 0x0016),
        VR::UI,
        &c.uid("(0008,0016) SOP Class UID (private class)"),
    ));
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn dates_of_the_table_are_removed_at_every_depth() {
    let mut c = Canaries::new(57);
    let mut e = image(&mut c);
    let dates = [
        (Tag(0x0008, 0x0012), VR::DA, "Instance Creation Date"),
        (Tag(0x0008, 0x0013), VR::TM, "Instance Creation Time"),
        (Tag(0x0008, 0x0021), VR::DA, "Series Date"),
        (Tag(0x0008, 0x0022), VR::DA, "Acquisition Date"),
        (Tag(0x0008, 0x0023), VR::DA, "Content Date"),
        (Tag(0x0008, 0x0031), VR::TM, "Series Time"),
        (Tag(0x0008, 0x0032), VR::TM, "Acquisition Time"),
        (Tag(0x0008, 0x0033), VR::TM, "Content Time"),
        (Tag(0x0018, 0x1012), VR::DA, "Date of Secondary Capture"),
        (Tag(0x0018, 0x1200), VR::DA, "Date of Last Calibration"),
        (Tag(0x0018, 0x9516), VR::DT, "Start Acquisition DateTime"),
        (Tag(0x0032, 0x0032), VR::DA, "Study Verified Date"),
        (Tag(0x0038, 0x0020), VR::DA, "Admitting Date"),
        (
            Tag(0x0040, 0x0244),
            VR::DA,
            "Performed Procedure Step Start Date",
        ),
        (
            Tag(0x0040, 0x0245),
            VR::TM,
            "Performed Procedure Step Start Time",
        ),
        (Tag(0x0040, 0x4011), VR::DT, "Expected Completion DateTime"),
    ];
    let value = |c: &mut Canaries, vr: VR, place: &str| match vr {
        VR::DA => c.date(place),
        VR::TM => c.time(place),
        _ => c.datetime(place),
    };
    for (tag, vr, name) in dates {
        assert_in_table(tag);
        let v = value(&mut c, vr, &tag_name(tag, name));
        e.push(text(tag, vr, &v));
    }
    // Per-frame dates of an enhanced multi-frame object.
    let frame = |c: &mut Canaries, index: usize| {
        let path = format!("(5200,9230)[{index}] > (0020,9111)");
        item(vec![sq(
            Tag(0x0020, 0x9111),
            vec![item(vec![
                text(
                    Tag(0x0018, 0x9074),
                    VR::DT,
                    &c.datetime(&format!("{path} > Frame Acquisition DateTime")),
                ),
                text(
                    Tag(0x0018, 0x9151),
                    VR::DT,
                    &c.datetime(&format!("{path} > Frame Reference DateTime")),
                ),
                DataElement::new(Tag(0x0020, 0x9157), VR::UL, PrimitiveValue::from(1_u32)),
            ])],
        )])
    };
    let frames = vec![frame(&mut c, 0), frame(&mut c, 1)];
    e.push(sq(Tag(0x5200, 0x9230), frames));
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn instance_uids_under_the_dicom_root_are_replaced() {
    // Some systems make instance UIDs by appending to the SOP Class UID;
    // only UIDs that the standard defines are well-known.
    let mut c = Canaries::new(58);
    let mut e = image(&mut c);
    for (tag, name) in [
        (Tag(0x0008, 0x0018), "SOP Instance UID"),
        (Tag(0x0020, 0x000D), "Study Instance UID"),
    ] {
        e.retain(|e| e.tag() != tag);
        c.forget(&tag_name(tag, ""));
        let n = c.next();
        let uid = format!("{CT_IMAGE_STORAGE}.1958{n:04}.4711");
        c.plant(
            &format!("{} under the DICOM root", tag_name(tag, name)),
            vec![uid.clone().into_bytes()],
        );
        e.push(text(tag, VR::UI, &uid));
    }
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

#[test]
fn previous_deidentification_marks_are_overwritten() {
    let mut c = Canaries::new(59);
    let mut e = image(&mut c);
    e.extend([
        text(Tag(0x0012, 0x0062), VR::CS, "NO"),
        text(
            Tag(0x0012, 0x0063),
            VR::LO,
            &c.text("(0012,0063) earlier De-identification Method"),
        ),
        sq(
            Tag(0x0012, 0x0064),
            vec![item(vec![
                text(
                    Tag(0x0008, 0x0100),
                    VR::SH,
                    &c.text("(0012,0064) > Code Value"),
                ),
                text(Tag(0x0008, 0x0102), VR::SH, "99SITE"),
                text(
                    Tag(0x0008, 0x0104),
                    VR::LO,
                    &c.text("(0012,0064) > Code Meaning"),
                ),
            ])],
        ),
    ]);
    assert_clean(&c, file(e, EXPLICIT_VR_LE));
}

// ---------------------------------------------------------------------------
// 10. Round trips through real bytes in other transfer syntaxes

/// Everything above that the library cleans, in one object.
fn kitchen_sink(c: &mut Canaries) -> Vec<InMemElement> {
    let mut e = image(c);
    e.extend([
        text(
            Tag(0x0008, 0x0080),
            VR::LO,
            &c.text("(0008,0080) Institution Name"),
        ),
        text(
            Tag(0x0008, 0x0081),
            VR::ST,
            &c.text("(0008,0081) Institution Address"),
        ),
        text(
            Tag(0x0008, 0x0090),
            VR::PN,
            &c.pn("(0008,0090) Referring Physician's Name"),
        ),
        text(
            Tag(0x0008, 0x0020),
            VR::DA,
            &c.date("(0008,0020) Study Date"),
        ),
        text(
            Tag(0x0008, 0x0030),
            VR::TM,
            &c.time("(0008,0030) Study Time"),
        ),
        text(
            Tag(0x0010, 0x0030),
            VR::DA,
            &c.date("(0010,0030) Patient's Birth Date"),
        ),
        text(
            Tag(0x0008, 0x1030),
            VR::LO,
            &c.text("(0008,1030) Study Description"),
        ),
        text(Tag(0x0009, 0x0010), VR::LO, "ACME CORP"),
        text(
            Tag(0x0009, 0x1001),
            VR::LO,
            &c.text("(0009,1001) private LO"),
        ),
        sq(
            Tag(0x0009, 0x1002),
            vec![item(vec![text(
                Tag(0x0010, 0x0010),
                VR::PN,
                &c.pn("(0009,1002) private SQ > Patient's Name"),
            )])],
        ),
        text(
            Tag(0x0011, 0x1001),
            VR::LO,
            &c.text("(0011,1001) private LO without creator"),
        ),
        text(
            Tag(0x0008, 0x0002),
            VR::LO,
            &c.text("(0008,0002) unknown public LO"),
        ),
        text(
            Tag(0x6000, 0x0022),
            VR::LO,
            &c.text("(6000,0022) Overlay Description"),
        ),
        binary(
            Tag(0x6000, 0x3000),
            VR::OW,
            c.bytes("(6000,3000) Overlay Data"),
        ),
    ]);
    let top = "(0008,1140) Referenced Image Sequence[0]";
    e.push(sq(
        Tag(0x0008, 0x1140),
        vec![nested_item(
            c,
            top,
            &[
                (Tag(0x0008, 0x2112), "Source Image Sequence"),
                (Tag(0x0008, 0x1140), "Referenced Image Sequence"),
                (Tag(0x0008, 0x2112), "Source Image Sequence"),
            ],
        )],
    ));
    e
}

#[test]
fn implicit_vr_round_trip_is_cleaned() {
    // Implicit VR: private and unknown attributes come back as UN.
    let mut c = Canaries::new(60);
    let e = kitchen_sink(&mut c);
    let bytes = to_bytes(&file(e, IMPLICIT_VR_LE));
    c.assert_all_in(&bytes);
    let parsed = parse_dicom(&bytes).unwrap();
    assert_eq!(
        parsed.meta().transfer_syntax().trim_end_matches('\0'),
        IMPLICIT_VR_LE
    );
    assert_clean_bytes(&c, &bytes, None);
}

#[test]
fn explicit_vr_round_trip_is_cleaned() {
    let mut c = Canaries::new(61);
    let e = kitchen_sink(&mut c);
    let bytes = to_bytes(&file(e, EXPLICIT_VR_LE));
    c.assert_all_in(&bytes);
    assert_clean_bytes(&c, &bytes, None);
}

#[test]
fn big_endian_round_trip_is_cleaned() {
    let mut c = Canaries::new(63);
    let e = kitchen_sink(&mut c);
    let bytes = to_bytes(&file(e, EXPLICIT_VR_BE));
    c.assert_all_in(&bytes);
    assert_clean_bytes(&c, &bytes, None);
}

#[test]
fn deflated_round_trip_is_cleaned() {
    // The output keeps the transfer syntax: the search looks at the
    // inflated data set too.
    let mut c = Canaries::new(64);
    let e = kitchen_sink(&mut c);
    let input = file(e, DEFLATED_EXPLICIT_VR_LE);
    let bytes = to_bytes(&input);
    let (output, _) = deidentify(parse_dicom(&bytes).unwrap());
    assert!(
        output
            .meta()
            .transfer_syntax()
            .starts_with(DEFLATED_EXPLICIT_VR_LE)
    );
    let plain = to_bytes(&file(kitchen_sink(&mut Canaries::new(64)), EXPLICIT_VR_LE));
    c.assert_all_in(&plain);
    assert_clean_bytes(&c, &bytes, Some(input));
}

#[test]
fn file_preamble_is_not_copied() {
    // Dual-personality files (DICOM and TIFF) carry data in the preamble.
    let mut c = Canaries::new(65);
    let e = image(&mut c);
    let mut bytes = to_bytes(&file(e, EXPLICIT_VR_LE));
    let preamble = c.text("128-byte file preamble");
    bytes[..preamble.len()].copy_from_slice(preamble.as_bytes());
    c.assert_all_in(&bytes);
    assert_clean_bytes(&c, &bytes, None);
}

#[test]
fn bare_data_set_without_file_meta_is_cleaned() {
    // Older archives hold data sets without preamble or file meta.
    let mut c = Canaries::new(62);
    let e = kitchen_sink(&mut c);
    let object = file(e, EXPLICIT_VR_LE);
    let mut bytes = Vec::new();
    object
        .write_dataset_with_ts(
            &mut bytes,
            &dicom_transfer_syntax_registry::entries::EXPLICIT_VR_LITTLE_ENDIAN.erased(),
        )
        .unwrap();
    c.assert_all_in(&bytes);
    assert_clean_bytes(&c, &bytes, None);
}

// ---------------------------------------------------------------------------
// What must stay

#[test]
fn output_keeps_what_must_stay() {
    let mut c = Canaries::new(70);
    let e = kitchen_sink(&mut c);
    let output = assert_clean(&c, file(e, EXPLICIT_VR_LE));
    assert_eq!(
        output.meta().transfer_syntax().trim_end_matches('\0'),
        EXPLICIT_VR_LE
    );
    assert_eq!(
        output
            .meta()
            .media_storage_sop_class_uid()
            .trim_end_matches('\0'),
        CT_IMAGE_STORAGE
    );
    assert_eq!(
        value_of(&output, Tag(0x0008, 0x0016)).as_deref(),
        Some(CT_IMAGE_STORAGE)
    );
    assert_eq!(
        value_of(&output, Tag(0x0008, 0x0060)).as_deref(),
        Some("CT")
    );
    assert_eq!(
        value_of(&output, Tag(0x0028, 0x0004)).as_deref(),
        Some("MONOCHROME2")
    );
    for (tag, value) in [
        (Tag(0x0028, 0x0010), 2),
        (Tag(0x0028, 0x0011), 2),
        (Tag(0x0028, 0x0100), 16),
        (Tag(0x0028, 0x0101), 12),
        (Tag(0x0028, 0x0102), 11),
    ] {
        assert_eq!(output.element(tag).unwrap().to_int::<u16>().unwrap(), value);
    }
    let pixels = output
        .element(Tag(0x7FE0, 0x0010))
        .unwrap()
        .to_bytes()
        .unwrap()
        .into_owned();
    let expected: Vec<u8> = PIXELS.iter().flat_map(|p| p.to_le_bytes()).collect();
    assert_eq!(pixels, expected);
    // Replaced, not removed.
    for tag in [
        Tag(0x0008, 0x0018),
        Tag(0x0020, 0x000D),
        Tag(0x0020, 0x000E),
        Tag(0x0010, 0x0010),
        Tag(0x0010, 0x0020),
    ] {
        assert!(
            value_of(&output, tag).is_some_and(|v| !v.is_empty()),
            "{tag} missing or empty"
        );
    }
    assert!(output.get(Tag(0x0008, 0x1140)).is_some());
}

#[test]
fn references_between_objects_map_to_the_same_new_uids() {
    let uid_of = |elements: &[InMemElement], tag: Tag| {
        elements
            .iter()
            .find(|e| e.tag() == tag)
            .unwrap()
            .to_str()
            .unwrap()
            .into_owned()
    };
    let mut ca = Canaries::new(71);
    let a = image(&mut ca);
    let a_instance = uid_of(&a, Tag(0x0008, 0x0018));
    let study = uid_of(&a, Tag(0x0020, 0x000D));
    let series = uid_of(&a, Tag(0x0020, 0x000E));

    // Object B: same study and series, refers to A.
    let mut cb = Canaries::new(72);
    let mut b = image(&mut cb);
    let shared = [Tag(0x0020, 0x000D), Tag(0x0020, 0x000E)];
    b.retain(|e| !shared.contains(&e.tag()));
    cb.forget("(0020,000D)");
    cb.forget("(0020,000E)");
    b.push(text(Tag(0x0020, 0x000D), VR::UI, &study));
    b.push(text(Tag(0x0020, 0x000E), VR::UI, &series));
    b.push(sq(
        Tag(0x0008, 0x1140),
        vec![item(vec![
            text(Tag(0x0008, 0x1150), VR::UI, CT_IMAGE_STORAGE),
            text(Tag(0x0008, 0x1155), VR::UI, &a_instance),
        ])],
    ));
    for (place, uid) in [
        ("A's Study Instance UID in B", &study),
        ("A's Series Instance UID in B", &series),
        ("A's SOP Instance UID referenced by B", &a_instance),
    ] {
        cb.plant(place, vec![uid.clone().into_bytes()]);
    }

    let a_out = assert_clean(&ca, file(a, EXPLICIT_VR_LE));
    let b_out = assert_clean(&cb, file(b, EXPLICIT_VR_LE));
    let new_a = value_of(&a_out, Tag(0x0008, 0x0018)).unwrap();
    let referenced =
        value_of(first_item(&b_out, Tag(0x0008, 0x1140)), Tag(0x0008, 0x1155)).unwrap();
    assert_ne!(new_a, a_instance);
    assert_eq!(referenced, new_a);
    assert_eq!(
        value_of(&a_out, Tag(0x0020, 0x000D)),
        value_of(&b_out, Tag(0x0020, 0x000D))
    );
    assert_eq!(
        value_of(&a_out, Tag(0x0020, 0x000E)),
        value_of(&b_out, Tag(0x0020, 0x000E))
    );
    assert_ne!(
        value_of(&a_out, Tag(0x0008, 0x0018)),
        value_of(&b_out, Tag(0x0008, 0x0018))
    );
    // The same key gives the same UIDs on every run.
    let mut again = Canaries::new(71);
    let (a_again, report) = deidentify(file(image(&mut again), EXPLICIT_VR_LE));
    assert_eq!(value_of(&a_again, Tag(0x0008, 0x0018)).unwrap(), new_a);
    assert_eq!(report.sop_instance_uid, new_a);
}
